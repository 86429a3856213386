"""The SPARQL 1.1 Protocol, one case per status code and content type, on an on-disk store with
killable query workers (the configuration `kgraph serve` runs)."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kgraph.loading import load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store
from kgraph.web.app import create_app
from kgraph.web.protocol import endpoint_iri_from, endpoint_iri_of

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GERASIMOV = "https://w3id.org/kgraph/id/person/valery-gerasimov"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(store=tmp_path_factory.mktemp("protocol") / "store",
                        write_token=f"alice:{TOKEN}")
    store = open_store(settings)
    load_repository(store, REPOSITORY_ROOT)
    app = create_app(settings, store)
    with TestClient(app) as c:
        yield c
    app.state.executor.close()
    store.close()


def n_of(response) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


# -- queries -----------------------------------------------------------------------------------

def test_get_post_form_and_post_direct_agree(client):
    a = client.get("/sparql", params={"query": COUNT})
    b = client.post("/sparql", data={"query": COUNT})
    c = client.post("/query", content=COUNT, headers={"Content-Type": "application/sparql-query"})
    assert a.status_code == b.status_code == c.status_code == 200
    assert n_of(a) == n_of(b) == n_of(c) > 1000


@pytest.mark.parametrize("accept,ctype", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_content_types(client, accept, ctype):
    r = client.get("/sparql", params={"query": COUNT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == ctype
    assert "Accept" in r.headers["vary"]


@pytest.mark.parametrize("accept,ctype,marker", [
    (None, "text/turtle", "@prefix"),
    ("application/n-triples", "application/n-triples", "<https://w3id.org/kgraph/id/person/"),
    ("application/rdf+xml", "application/rdf+xml", "rdf:RDF"),
    ("application/ld+json", "application/ld+json", "@context"),
])
def test_construct_content_types(client, accept, ctype, marker):
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s a kg:Person }"}, headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == ctype
    assert marker in r.text


def test_format_parameter_overrides_accept(client):
    r = client.get("/sparql", params={"query": COUNT, "format": "csv"},
                   headers={"Accept": "application/sparql-results+xml"})
    assert r.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("param", ["format", "output"])
@pytest.mark.parametrize("name,select_type,construct_type", [
    ("json", "application/sparql-results+json", "application/ld+json"),
    ("xml", "application/sparql-results+xml", "application/rdf+xml"),
    ("text/csv", "text/csv", None),
    ("turtle", None, "text/turtle"),
])
def test_format_names_a_type_for_each_kind_of_result(client, param, name, select_type, construct_type):
    for query, expected in ((COUNT, select_type), ("CONSTRUCT WHERE { ?s a kg:Person }", construct_type)):
        r = client.get("/sparql", params={"query": query, param: name})
        if expected is None:
            assert r.status_code == 406
        else:
            assert r.status_code == 200 and r.headers["content-type"].startswith(expected)


def test_an_unknown_format_name_leaves_it_to_accept(client):
    r = client.get("/sparql", params={"query": COUNT, "format": "bogus"}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("params,query,expected", [
    # what SPARQLWrapper sends for its TSV, RDFXML, JSONLD, N3 and RDF return formats
    ([("format", "tsv"), ("format", "text/tab-separated-values"), ("output", "tsv")], COUNT,
     "text/tab-separated-values"),
    ([("format", "rdf+xml"), ("format", "application/rdf+xml")], "CONSTRUCT WHERE { ?s a kg:Person }",
     "application/rdf+xml"),
    ([("format", "json-ld"), ("format", "application/ld+json")], "CONSTRUCT WHERE { ?s a kg:Person }",
     "application/ld+json"),
    ([("format", "n3"), ("format", "text/n3")], "CONSTRUCT WHERE { ?s a kg:Person }", "text/turtle"),
    ([("format", "rdf")], "CONSTRUCT WHERE { ?s a kg:Person }", "application/rdf+xml"),
])
def test_several_format_values_take_the_first_known(client, params, query, expected):
    r = client.get("/sparql", params=[("query", query), *params])
    assert r.status_code == 200 and r.headers["content-type"].startswith(expected), r.text


@pytest.mark.parametrize("accept", ["text/n3", "application/x-turtle"])
def test_older_names_of_turtle_get_turtle(client, accept):
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s a kg:Person }"},
                   headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert "@prefix" in r.text or "<http" in r.text


def test_ask(client):
    r = client.get("/sparql", params={"query": f"ASK {{ <{GERASIMOV}> ?p ?o }}"})
    assert r.json()["boolean"] is True


def test_default_and_named_graph_uri(client):
    entities = "https://w3id.org/kgraph/graph/entities"
    only = client.get("/sparql", params={"query": COUNT, "default-graph-uri": entities})
    union = client.get("/sparql", params={"query": COUNT})
    assert 0 < n_of(only) < n_of(union)
    named = client.get("/sparql", params={
        "query": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        "named-graph-uri": entities})
    assert n_of(named) == 1


def test_from_clause_wins_over_the_union_default_graph(client):
    q = "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/kgraph/graph/shapes> WHERE { ?s ?p ?o }"
    shapes = n_of(client.get("/sparql", params={"query": q}))
    assert 0 < shapes < n_of(client.get("/sparql", params={"query": COUNT}))


def test_service_description_without_query(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert "sparql-service-description#Service" in r.text or "sd:Service" in r.text


@pytest.mark.parametrize("request_kwargs,status", [
    ({"method": "GET", "url": "/sparql", "params": {"query": "SELECT * WHERE { ?s ?p }"}}, 400),
    ({"method": "GET", "url": "/sparql", "params": [("query", "ASK{}"), ("query", "ASK{}")]}, 400),
    ({"method": "GET", "url": "/sparql", "params": {"query": COUNT}, "headers": {"Accept": "image/png"}}, 406),
    ({"method": "POST", "url": "/sparql", "content": COUNT, "headers": {"Content-Type": "text/plain"}}, 415),
    ({"method": "POST", "url": "/sparql?query=ASK{}", "content": "ASK{}", "headers": {"Content-Type": "application/sparql-query"}}, 400),
    ({"method": "GET", "url": "/sparql", "params": {"query": COUNT, "default-graph-uri": "not an iri"}}, 400),
    ({"method": "GET", "url": "/sparql", "params": {"query": COUNT, "timeout": "soon"}}, 400),
    ({"method": "GET", "url": "/sparql", "params": {"update": "CLEAR ALL"}}, 400),
    ({"method": "POST", "url": "/query", "content": "CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}}, 400),
    ({"method": "POST", "url": "/update", "content": COUNT, "headers": {"Content-Type": "application/sparql-query"}}, 400),
    ({"method": "POST", "url": "/sparql", "content": b"\xff\xfe", "headers": {"Content-Type": "application/sparql-query"}}, 400),
    ({"method": "PUT", "url": "/sparql"}, 405),
])
def test_error_statuses(client, request_kwargs, status):
    r = client.request(**request_kwargs)
    assert r.status_code == status, r.text
    assert r.text.strip(), "an error says what is wrong"


def test_syntax_error_names_line_and_column(client):
    r = client.get("/sparql", params={"query": "SELECT *\nWHERE { ?s ?p }"})
    assert r.status_code == 400
    assert "query:2:" in r.text


def test_cors_preflight(client):
    r = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "https://example.org")
    assert "POST" in r.headers["access-control-allow-methods"]


# -- updates -----------------------------------------------------------------------------------

VALID_LABEL = 'INSERT DATA { GRAPH <https://w3id.org/kgraph/graph/entities> { <%s> <http://www.w3.org/2004/02/skos/core#altLabel> "Valeri Gerasimov"@en } }' % GERASIMOV


def test_update_without_token_is_401_and_with_wrong_token_401(client):
    r = client.post("/update", content=VALID_LABEL, headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = client.post("/update", content=VALID_LABEL, headers={
        "Content-Type": "application/sparql-update", "Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_read_only_server_refuses_writes_with_403(tmp_path):
    settings = Settings(store=tmp_path / "store")
    store = open_store(settings)
    app = create_app(settings, store)
    with TestClient(app) as c:
        r = c.post("/update", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
        assert r.status_code == 403
    app.state.executor.close()
    store.close()


def test_valid_update_lands_and_is_logged(client):
    r = client.post("/update", content=VALID_LABEL,
                    headers={"Content-Type": "application/sparql-update", **AUTH})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1
    ask = client.get("/sparql", params={"query": f'ASK {{ <{GERASIMOV}> skos:altLabel "Valeri Gerasimov"@en }}'})
    assert ask.json()["boolean"] is True, "a valid write appears in the very next query"
    log = client.get("/sparql", params={"query": """
        SELECT ?who ?n WHERE { GRAPH <https://w3id.org/kgraph/graph/meta> {
          ?w a kg:Write ; prov:wasAssociatedWith ?who ; kg:triplesAdded ?n } }"""})
    rows = log.json()["results"]["bindings"]
    assert any(b["who"]["value"].endswith("/agent/token/alice") for b in rows)


def dump(client) -> str:
    r = client.get("/store", headers={"Accept": "application/n-quads"})
    assert r.status_code == 200
    return "\n".join(sorted(line for line in r.text.splitlines()
                            if "/graph/meta>" not in line))


def test_invalid_update_is_refused_with_the_report_and_changes_nothing(client):
    before = dump(client)
    claim = "https://w3id.org/kgraph/id/claim/kursk-dprk-2025-id/gerasimov-ua-losses"
    r = client.post("/sparql", data={"update": f"DELETE WHERE {{ GRAPH ?g {{ <{claim}> kg:claimant ?c }} }}"},
                    headers=AUTH)
    assert r.status_code == 422, r.text
    report = r.json()
    assert any(v["focusNode"] == claim and v["resultPath"].endswith("#claimant") for v in report["results"])
    assert dump(client) == before
    turtle = client.post("/sparql", data={"update": f"DELETE WHERE {{ GRAPH ?g {{ <{claim}> kg:claimant ?c }} }}"},
                         headers={**AUTH, "Accept": "text/turtle"})
    assert turtle.status_code == 422 and "ValidationReport" in turtle.text


def test_writes_to_maintained_graphs_are_refused(client):
    r = client.post("/update", content="CLEAR GRAPH <https://w3id.org/kgraph/graph/meta>",
                    headers={"Content-Type": "application/sparql-update", **AUTH})
    assert r.status_code == 403


def test_malformed_update_is_400(client):
    r = client.post("/update", content="INSERT DATA { <a> }",
                    headers={"Content-Type": "application/sparql-update", **AUTH})
    assert r.status_code == 400 and "update:1:" in r.text


def test_using_graph_uri(client):
    update = ('INSERT { GRAPH <http://example.org/g/copy> { ?s ?p ?o } } '
              'WHERE { ?s <http://www.w3.org/2004/02/skos/core#altLabel> ?o . BIND(<http://www.w3.org/2004/02/skos/core#altLabel> AS ?p) '
              'FILTER(?o = "Valeri Gerasimov"@en) }')
    r = client.post("/update?using-graph-uri=https%3A%2F%2Fw3id.org%2Fkgraph%2Fgraph%2Fentities",
                    content=update, headers={"Content-Type": "application/sparql-update", **AUTH})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1
    with_own = client.post("/update?using-graph-uri=http%3A%2F%2Fexample.org%2Fg",
                           content="WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                           headers={"Content-Type": "application/sparql-update", **AUTH})
    assert with_own.status_code == 400


def test_oversized_body_is_413(client):
    big = "#" + "x" * (17 * 1024 * 1024)
    r = client.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://169.254.169.254/latest> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://evil.example/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "select * where { service <http://evil.example/> { ?s ?p ?o } }",
    "PREFIX ex: <http://evil.example/> SELECT * WHERE { SERVICE ex:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { { SELECT * WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } } } }",
])
def test_service_is_refused_unless_allow_listed(client, query):
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 403
    assert "SERVICE" in r.text


@pytest.mark.parametrize("query", [
    'SELECT ?service WHERE { ?service ?p "SERVICE <http://evil.example/>" } LIMIT 1',
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:SERVICE ?o } LIMIT 1",
    "# SERVICE <http://evil.example/>\nASK {}",
])
def test_the_word_service_elsewhere_is_not_a_service_call(client, query):
    assert client.get("/sparql", params={"query": query}).status_code == 200


UPDATE = {"Content-Type": "application/sparql-update", **AUTH}


@pytest.mark.parametrize("update", [
    "INSERT { GRAPH <http://example.org/g/ssrf> { ?s ?p ?o } } WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "LOAD <http://127.0.0.1:1/data.ttl> INTO GRAPH <http://example.org/g/ssrf>",
    "LOAD SILENT <file:///etc/hostname>",
    "load <file:///etc/hostname> into graph <http://example.org/g/ssrf>",
])
def test_updates_do_not_make_the_server_call_out(client, update):
    r = client.post("/update", content=update, headers=UPDATE)
    assert r.status_code == 403 and ("SERVICE" in r.text or "LOAD" in r.text), r.text
    assert client.get("/store?graph=http%3A%2F%2Fexample.org%2Fg%2Fssrf").status_code == 404


@pytest.mark.parametrize("update,message", [
    ("CREATE GRAPH <https://w3id.org/kgraph/graph/entities>", "already exists"),
    ("DROP GRAPH <http://example.org/no/such/graph>", "does not exist"),
    ("CLEAR GRAPH <http://example.org/no/such/graph>", "does not exist"),
    ("MOVE <http://example.org/no/such/graph> TO <http://example.org/g/x>", "does not exist"),
])
def test_an_operation_on_a_graph_in_the_wrong_state_is_400(client, update, message):
    before = n_of(client.get("/sparql", params={"query": COUNT}))
    r = client.post("/update", content=update, headers=UPDATE)
    assert r.status_code == 400 and message in r.text and "SILENT" in r.text
    assert n_of(client.get("/sparql", params={"query": COUNT})) == before


@pytest.mark.parametrize("body,headers", [
    (b"", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"foo=bar", {"Content-Type": "application/x-www-form-urlencoded"}),
])
@pytest.mark.parametrize("path", ["/sparql", "/update", "/query"])
def test_a_post_with_neither_query_nor_update_is_400(client, path, body, headers):
    r = client.post(path, content=body, headers={**headers, **AUTH})
    assert r.status_code == 400 and "neither a query nor an update" in r.text


def test_the_service_description_says_what_this_endpoint_does(client, tmp_path):
    def described(c, path="/sparql"):
        return c.get(path, headers={"Accept": "application/n-triples"}).text

    full = described(client)
    assert "#SPARQL11Query>" in full and "#SPARQL11Update>" in full
    assert "#UnionDefaultGraph>" in full and "#BasicFederatedQuery>" not in full
    assert "#SPARQL11Update>" not in described(client, "/query")
    settings = Settings(store=tmp_path / "store", union_default_graph=False,
                        service_allow_list="https://query.wikidata.org/")
    store = open_store(settings)
    app = create_app(settings, store)
    try:
        with TestClient(app) as c:
            other = described(c)
    finally:
        app.state.executor.close()
        store.close()
    assert "#SPARQL11Update>" not in other  # no write token: read-only
    assert "#UnionDefaultGraph>" not in other and "#BasicFederatedQuery>" in other


@pytest.mark.parametrize("query", [COUNT, "CONSTRUCT WHERE { ?s a kg:Person }",
                                   f"SELECT ?p ?o WHERE {{ <{GERASIMOV}> ?p ?o }}"])
def test_head_of_a_query_sends_the_headers_of_get(client, query):
    get = client.get("/sparql", params={"query": query})
    head = client.head("/sparql", params={"query": query})
    assert head.status_code == get.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(get.content) > 0


def test_a_prefix_named_from_is_no_from_clause(client):
    # the union default graph stays on
    q = "PREFIX from: <http://www.w3.org/2000/01/rdf-schema#> SELECT (COUNT(*) AS ?n) WHERE { ?s from:label ?o }"
    assert n_of(client.get("/sparql", params={"query": q})) > 0


def test_a_prefix_named_where_gets_no_using(client):
    update = ("PREFIX where: <http://www.w3.org/2004/02/skos/core#> INSERT { GRAPH "
              "<http://example.org/g/where> { ?s where:altLabel ?o } } WHERE { ?s where:altLabel ?o "
              'FILTER(?o = "Valeri Gerasimov"@en) }')
    r = client.post("/update?using-graph-uri=https%3A%2F%2Fw3id.org%2Fkgraph%2Fgraph%2Fentities",
                    content=update, headers=UPDATE)
    assert r.status_code == 200 and r.json()["added"] == 1, r.text


def test_relative_iris_resolve_against_the_endpoint(client):
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { BIND(<s> AS ?x) }"})
    assert r.status_code == 200 and r.json()["results"]["bindings"][0]["x"]["value"] == "http://testserver/s"
    r = client.post("/query", content="CONSTRUCT { <s> <p> 1 } WHERE {}",
                    headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert r.status_code == 200 and "<http://testserver/s> <http://testserver/p>" in r.text
    r = client.post("/update", headers=UPDATE, content=(
        'INSERT DATA { GRAPH <http://example.org/g/relative> { <thing> '
        '<http://www.w3.org/2000/01/rdf-schema#label> "a thing"@en } }'))
    assert r.status_code == 200, r.text
    q = "ASK { GRAPH <http://example.org/g/relative> { <http://testserver/thing> ?p ?o } }"
    assert client.get("/sparql", params={"query": q}).json()["boolean"] is True


@pytest.mark.parametrize("query,params", [
    # default-graph-uri alone: the dataset has no named graphs
    ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
     {"default-graph-uri": "https://w3id.org/kgraph/graph/entities"}),
    # the protocol's dataset replaces the query's FROM NAMED too
    ("SELECT (COUNT(*) AS ?n) FROM NAMED <https://w3id.org/kgraph/graph/entities> WHERE { GRAPH ?g { ?s ?p ?o } }",
     {"default-graph-uri": "https://w3id.org/kgraph/graph/ontology"}),
])
def test_the_protocol_dataset_replaces_the_query_s_whole(client, query, params):
    assert n_of(client.get("/sparql", params={"query": query, **params})) == 0
    assert n_of(client.get("/sparql", params={"query": query})) > 0


@pytest.mark.parametrize("query", [
    "CONSTRUCT WHERE { ?s a kg:Person ; rdfs:label ?l }",
    # blank nodes in a cycle, and one pointing at itself
    "CONSTRUCT { _:a <http://example.org/p> _:b . _:b <http://example.org/p> _:a . "
    "_:c <http://example.org/p> _:c . <http://example.org/x> <http://example.org/q> 1 } WHERE {}",
])
def test_json_ld_holds_every_triple_of_the_graph(client, query):
    import rdflib
    from rdflib.compare import isomorphic

    nt = client.get("/sparql", params={"query": query}, headers={"Accept": "application/n-triples"})
    ld = client.get("/sparql", params={"query": query}, headers={"Accept": "application/ld+json"})
    assert ld.status_code == 200 and ld.headers["content-type"].startswith("application/ld+json")
    assert "@context" in ld.json()
    expected = rdflib.Graph().parse(data=nt.text, format="nt")
    got = rdflib.Graph().parse(data=ld.text, format="json-ld")
    assert len(expected) > 0 and isomorphic(expected, got)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { BIND(<http://example.org/f>(1) AS ?x) }",
    "SELECT ?x WHERE { ?s ?p ?o BIND(<http://example.org/f>(?o) AS ?x) } LIMIT 5",
])
def test_a_function_the_engine_does_not_know_is_the_query_s_fault(client, query):
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == 400 and "not supported" in r.text


@pytest.mark.parametrize("host", ["bad host", "x>y", "[::1"])
def test_a_host_header_that_makes_no_iri_leaves_relative_iris_unresolved(client, host):
    assert client.get("/sparql", params={"query": "ASK {}"}, headers={"Host": host}).status_code == 200
    # unresolved (400), or, on a remote store, resolved by that server against its own URL
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { BIND(<s> AS ?x) }"},
                   headers={"Host": host})
    assert r.status_code in (200, 400) and host not in r.text
    u = client.post("/update", content="INSERT DATA { GRAPH <http://example.org/g/h> { <s> <p> <o> } }",
                    headers={**UPDATE, "Host": host})
    assert u.status_code in (200, 400) and host not in u.text


def test_a_browser_opening_the_endpoint_gets_the_query_page(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get("/sparql", headers={"Accept": browser}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.get("/sparql", headers={"Accept": "*/*"}).headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize("scheme, host, server, expected", [
    ("http", b"example.org:8080", ("10.0.0.1", 9000), "http://example.org:8080/sparql"),  # Host wins
    ("http", None, ("127.0.0.1", 80), "http://127.0.0.1/sparql"),          # default port left out
    ("https", None, ("127.0.0.1", 443), "https://127.0.0.1/sparql"),
    ("http", None, ("127.0.0.1", 8000), "http://127.0.0.1:8000/sparql"),
    ("http", None, ("::1", 8000), "http://[::1]:8000/sparql"),             # IPv6 in brackets
    ("http", None, None, "http://localhost/sparql"),
    ("http", b"bad host>", None, None),                                    # no IRI: not resolved
])
def test_the_endpoint_iri_is_made_of_the_host_or_the_servers_address(scheme, host, server, expected):
    assert endpoint_iri_from(scheme, "/sparql", host, server) == expected
    scope = {"scheme": scheme, "path": "/sparql", "server": server,
             "headers": [(b"host", host)] if host is not None else []}
    assert endpoint_iri_of(scope) == expected
