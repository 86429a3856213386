"""The remote store on its own: capabilities found (and refused) at connection, errors that say
whose fault they are, parameters bound safely, graphs replaced whole in batches, loads that
resume without duplicating, the endpoint's limits over a remote server, and validated writes
that read the neighbourhood of what they change from the server.

Servers: `oxigraph serve` on 127.0.0.1 (per-query union; a second one with
--union-default-graph), and, for servers that lack something, a scripted transport."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, quote

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from kgraph.errors import QueryError, StoreError, UserError
from kgraph.loading import GraphFile, load_files, load_repository
from kgraph.namespaces import Namespaces
from kgraph.query import QueryFailed, QueryLimit, Request
from kgraph.query.remote import RemoteExecutor
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import RemoteStore, StoreUnavailable, open_store, remote_load
from kgraph.store.remote import UNION_PARAMETER, UNION_SERVER, endpoints
from kgraph.store.remote_scratch import ScratchTooLarge
from kgraph.web.app import create_app
from support import OxigraphServer

BASE = "https://w3id.org/kgraph/"
GRAPH = BASE + "graph/"
ID = BASE + "id/"
KG = BASE + "ontology#"
GERASIMOV = ID + "person/valery-gerasimov"
SOURCE = GRAPH + "source/kursk-dprk-2025-id"
AUTH = {"Authorization": "Bearer t0ken"}
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Per-query union; the server stops any query after 5 s of its own."""
    with OxigraphServer(tmp_path_factory.mktemp("remote") / "oxigraph", union_default_graph=False,
                        timeout_s=5) as s:
        yield s


@pytest.fixture(scope="module")
def remote(server):
    store = open_store(Settings(store=server.query_url))
    load_repository(store, REPOSITORY_ROOT)
    yield store
    store.close()


@pytest.fixture(scope="module")
def union_server(tmp_path_factory):
    with OxigraphServer(tmp_path_factory.mktemp("remote-union") / "oxigraph",
                        union_default_graph=True, timeout_s=5) as s:
        yield s


# -- connecting ----------------------------------------------------------------------------------

def test_open_store_dispatches_on_a_url(remote, server):
    assert isinstance(remote, RemoteStore)
    assert remote.capabilities.union == UNION_PARAMETER
    assert remote.capabilities.update and remote.capabilities.graph_store
    assert (remote.update_url, remote.graph_store_url) == (server.url + "/update", server.url + "/store")


def test_endpoints_beside_a_query_url_and_named_ones():
    assert endpoints("http://h/ds/query") == ("http://h/ds/query", "http://h/ds/update", "http://h/ds/store")
    assert endpoints("http://h/sparql") == ("http://h/sparql", "http://h/sparql", None)
    assert endpoints("http://h/ds/query", graph_store_url="http://h/ds/data")[2] == "http://h/ds/data"
    s = Settings.from_env({"KGRAPH_STORE": "http://127.0.0.1:3030/ds/query",
                           "KGRAPH_STORE_GRAPH_STORE_URL": "http://127.0.0.1:3030/ds/data"})
    assert s.remote_store == "http://127.0.0.1:3030/ds/query"
    assert s.store_graph_store_url == "http://127.0.0.1:3030/ds/data"
    assert Settings(store=Path("http://h/q")).remote_store == "http://h/q"  # a Path folds '//'


def test_an_empty_store_is_probed_and_left_empty(union_server):
    store = open_store(Settings(store=union_server.query_url))
    try:
        assert store.capabilities.union == UNION_SERVER
        assert store.graphs() == [] and store.count() == 0
    finally:
        store.close()


def free_port() -> int:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_connection_refused_is_a_503_fault_that_says_so():
    port = free_port()
    with pytest.raises(StoreUnavailable, match=f"cannot reach the SPARQL store at http://127.0.0.1:{port}") as info:
        open_store(Settings(store=f"http://127.0.0.1:{port}/query"))
    assert info.value.http_status == 503 and info.value.exit_code == 1
    assert not isinstance(info.value, UserError)


def test_not_a_sparql_endpoint_is_a_fault(server):
    with pytest.raises(StoreError, match="404"):
        open_store(Settings(store=server.url + "/nothing-here"))


def scripted(answers):  # type: ignore[no-untyped-def]
    """A transport that answers like a server lacking something: `answers(request)`."""
    return httpx.MockTransport(answers)


def sparql_json(boolean=None, rows=None, variables=()):  # type: ignore[no-untyped-def]
    if boolean is not None:
        body = {"head": {}, "boolean": boolean}
    else:
        body = {"head": {"vars": list(variables)}, "results": {"bindings": rows or []}}
    return httpx.Response(200, json=body, headers={"Content-Type": "application/sparql-results+json"})


def test_a_server_without_a_union_default_graph_is_refused_at_connection():
    row = {v: {"type": "uri", "value": f"http://example.org/{v}"} for v in "spo"}

    def answers(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/update"):
            return httpx.Response(204)
        if request.url.path.endswith("/store"):
            return httpx.Response(200, content=b"", headers={"Content-Type": "application/n-triples"})
        query = parse_qs(request.content.decode())["query"][0]
        if "LIMIT 1" in query:
            return sparql_json(rows=[row], variables="spo")
        return sparql_json(boolean=False)  # the triple is in no default graph, asked or not

    with pytest.raises(StoreError, match="union of its named graphs.*oxigraph serve.*unionDefaultGraph"):
        RemoteStore.connect("http://example.org/ds/query", Namespaces(), transport=scripted(answers))


def test_a_read_only_server_is_said_at_connection_and_writes_are_refused():
    def answers(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/update"):
            return httpx.Response(403, text="read-only")
        if request.url.path.endswith("/store"):
            return httpx.Response(404)
        return sparql_json(boolean=True) if "ASK" in request.content.decode() else sparql_json()

    store = RemoteStore.connect("http://example.org/ds/query", Namespaces(), transport=scripted(answers))
    lines = store.capabilities.describe()
    assert "SPARQL Update: no" in lines and "Graph Store protocol: no" in lines
    assert any("read-only for kgraph" in line for line in lines)
    with pytest.raises(StoreError, match="does not accept updates"):
        store.update("DROP SILENT GRAPH <http://example.org/g>")


# -- reading -------------------------------------------------------------------------------------

def test_a_malformed_query_is_a_query_error_with_its_line_and_column(remote):
    with pytest.raises(QueryError) as info:
        remote.query("SELECT *\nWHERE { ?s ?p }")
    assert info.value.location.line == 2 and str(info.value).startswith("query:2:")
    with pytest.raises(QueryError) as first_line:
        remote.query("SELECT * WHERE { ?s ?p }")
    assert first_line.value.location.line == 1 and 1 <= first_line.value.location.column <= 25


def test_results_are_pyoxigraphs_own(remote):
    solutions = remote.query(f"SELECT ?p ?o WHERE {{ <{GERASIMOV}> ?p ?o }}")
    assert isinstance(solutions, ox.QuerySolutions)
    assert [v.value for v in solutions.variables] == ["p", "o"]
    assert isinstance(remote.query(f"ASK {{ <{GERASIMOV}> a kg:Person }}"), ox.QueryBoolean)
    triples = list(remote.query("CONSTRUCT { ?s a kg:Person } WHERE { ?s a kg:Person }"))
    assert ox.Triple(ox.NamedNode(GERASIMOV), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                     ox.NamedNode(KG + "Person")) in triples


def test_parameters_are_bound_as_serialised_terms_never_as_text(remote):
    hostile = ox.Literal('x" } } ; DROP ALL ; SELECT * { "', language="en")
    before = remote.count()
    rows = list(remote.query("SELECT ?label ?who WHERE { ?who rdfs:label ?label }",
                             substitutions={"label": hostile}))
    assert rows == [] and remote.count() == before
    rows = list(remote.query("SELECT ?iri ?o WHERE { ?iri rdfs:label ?o }",
                             substitutions={"iri": ox.NamedNode(GERASIMOV)}))
    assert rows and all(r["iri"] == ox.NamedNode(GERASIMOV) for r in rows)
    construct = list(remote.query("CONSTRUCT { ?iri a ?t } WHERE { ?iri a ?t }",
                                  substitutions={"iri": ox.NamedNode(GERASIMOV)}))
    assert construct and {t.subject for t in construct} == {ox.NamedNode(GERASIMOV)}


def test_the_stores_own_default_graph_and_a_from_clause(remote):
    """As on the embedded store: the union only where asked, FROM honoured."""
    assert not remote.query("ASK { ?s ?p ?o }", union_default_graph=False)
    assert remote.query("ASK { ?s ?p ?o }", union_default_graph=True)
    shapes = list(remote.query(f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}shapes> WHERE {{ ?s ?p ?o }}"))
    assert int(shapes[0]["n"].value) == remote.count(GRAPH + "shapes")


def test_graphs_count_quads_triples_and_dump(remote):
    graphs = remote.graphs()
    assert SOURCE in graphs and GRAPH + "truthy" in graphs
    assert remote.count() == sum(remote.count(g) for g in graphs)
    assert len(list(remote.quads(GRAPH + "entities"))) == remote.count(GRAPH + "entities")
    assert len(list(remote.triples(GRAPH + "entities"))) == remote.count(GRAPH + "entities")
    import io

    out = io.BytesIO()
    remote.dump(out)
    assert len(list(ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS))) == remote.count()
    copy = remote.to_embedded()  # for what runs on pyoxigraph only (full validation)
    assert copy.graphs() == graphs and copy.count() == remote.count()


# -- replacing graphs ----------------------------------------------------------------------------

def triples(n: int, tag: str = "") -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                      ox.Literal(f"{tag}{i}")) for i in range(n)]


def quads_of(ts):  # type: ignore[no-untyped-def]
    return [ox.Quad(t.subject, t.predicate, t.object) for t in ts]


def test_a_large_graph_goes_in_batches_through_staging_and_replaces_the_old_one(remote):
    g = "http://example.org/test/batched"
    old_size = remote.batch_triples
    remote.batch_triples = 10
    try:
        assert remote.replace_graph(g, quads_of(triples(35, "a"))) == 35
        assert remote.count(g) == 35
        assert remote.replace_graph(g, quads_of(triples(12, "b"))) == 12
        assert {t.object.value for t in remote.triples(g)} == {f"b{i}" for i in range(12)}
        assert remote.replace_graph(g, quads_of(triples(3, "c"))) == 3  # one batch: one update
        assert remote.count(g) == 3
        assert not any("/graph/staging/" in x for x in remote.graphs())
    finally:
        remote.batch_triples = old_size
        remote.drop_graph(g)


def test_a_blank_node_split_across_batches_is_refused_and_changes_nothing(remote):
    g = "http://example.org/test/blank"
    remote.replace_graph(g, quads_of(triples(2)))
    blank = ox.BlankNode("shared")
    p = ox.NamedNode("http://example.org/p")
    data = ([ox.Triple(blank, p, ox.Literal("first"))] + triples(20)
            + [ox.Triple(ox.NamedNode("http://example.org/x"), p, blank)])
    old_size = remote.batch_triples
    remote.batch_triples = 5
    try:
        with pytest.raises(UserError, match="blank node _:shared"):
            remote.replace_graph(g, quads_of(data))
        assert remote.count(g) == 2
        assert not any("/graph/staging/" in x for x in remote.graphs())
    finally:
        remote.batch_triples = old_size
        remote.drop_graph(g)


def test_an_interrupted_load_resumes_without_duplicating_and_redoes_a_changed_file(remote, tmp_path):
    files = []
    for name, n in (("one", 7), ("two", 23), ("three", 4)):
        path = tmp_path / f"{name}.nt"
        path.write_text("".join(f"<http://example.org/{name}/s{i}> <http://example.org/p> \"{i}\" .\n"
                                for i in range(n)))
        files.append(GraphFile(path, f"http://example.org/test/load/{name}"))
    sent: list[str] = []
    real_send, real_update = remote.send_triples, remote.update

    def failing_send(graph, batch):  # type: ignore[no-untyped-def]
        sent.append(graph)
        if len(sent) == 5:  # "one" went in 2 batches, "two" has 2 batches staged
            raise StoreUnavailable("the connection dropped")
        real_send(graph, batch)

    old_size = remote.batch_triples
    remote.batch_triples = 5
    try:
        remote.send_triples = failing_send  # type: ignore[method-assign]
        with pytest.raises(StoreUnavailable):
            load_files(remote, files)
        records = remote_load.read_records(remote)
        assert records[files[0].graph].done and not records[files[1].graph].done
        assert records[files[1].graph].triples == 10  # two batches of "two" staged

        updates: list[str] = []
        remote.send_triples = lambda graph, batch: (sent.append(graph), real_send(graph, batch))  # type: ignore[method-assign]
        remote.update = lambda text: (updates.append(text), real_update(text))  # type: ignore[method-assign]
        sent.clear()
        report = load_files(remote, files)
        assert report.graphs == {files[0].graph: 7, files[1].graph: 23, files[2].graph: 4}
        assert not any(f"GRAPH <{files[0].graph}>" in u for u in updates), "done: skipped"
        assert len(sent) == 3, "'two' resumed after its 10 staged triples: 13 left, 3 batches"
        for f, n in zip(files, (7, 23, 4)):
            assert remote.count(f.graph) == n
        assert remote_load.progress_graph(remote) not in remote.graphs()

        files[0].path.write_text('<http://example.org/one/s0> <http://example.org/p> "changed" .\n')
        load_files(remote, files)
        assert [t.object.value for t in remote.triples(files[0].graph)] == ["changed"]
    finally:
        remote.send_triples, remote.update = real_send, real_update  # type: ignore[method-assign]
        remote.batch_triples = old_size
        for f in files:
            remote.drop_graph(f.graph)
        remote.drop_graph(remote_load.progress_graph(remote))


def test_a_file_that_does_not_parse_loads_nothing(remote, tmp_path):
    good, bad = tmp_path / "good.nt", tmp_path / "bad.nt"
    good.write_text('<http://example.org/a> <http://example.org/b> "c" .\n')
    bad.write_text('<http://example.org/a> <http://example.org/b> "c" .\n<http://example.org/a> <http://example.org/b> .\n')
    plan = [GraphFile(good, "http://example.org/test/good"), GraphFile(bad, "http://example.org/test/bad")]
    before = remote.graphs()
    from kgraph.errors import ParseError

    with pytest.raises(ParseError, match="bad.nt:2"):
        load_files(remote, plan)
    assert remote.graphs() == before


# -- the endpoint's limits over a remote server --------------------------------------------------

def request(query: str, **kw) -> Request:  # type: ignore[no-untyped-def]
    return Request(query=query, union=True, results_format=ox.QueryResultsFormat.JSON,
                   rdf_format=ox.RdfFormat.TURTLE, **kw)


def test_a_query_past_its_deadline_is_stopped_with_504(remote):
    executor = RemoteExecutor(remote, max_concurrent=2)
    started = time.monotonic()
    with pytest.raises(QueryLimit) as info:
        stream = executor.execute(request(SLOW, timeout=0.5))
        b"".join(stream)
    assert info.value.http_status == 504
    assert time.monotonic() - started < 3
    executor.close()


def test_a_result_over_the_size_limit_is_413(remote):
    executor = RemoteExecutor(remote)
    with pytest.raises(QueryLimit) as info:
        executor.execute(request("SELECT * WHERE { ?s ?p ?o }", max_bytes=2000))
    assert info.value.http_status == 413
    executor.close()


def test_too_many_queries_at_once_get_503_with_retry_after(remote):
    executor = RemoteExecutor(remote, max_concurrent=1, queue_wait=0.2)
    held = executor.execute(request("SELECT * WHERE { ?s ?p ?o }"))  # not read yet: holds its slot
    with pytest.raises(QueryLimit) as info:
        executor.execute(request("ASK {}"))
    assert info.value.http_status == 503 and info.value.retry_after
    held.close()
    assert b"true" in b"".join(executor.execute(request("ASK { ?s ?p ?o }")))
    executor.close()


def test_graph_results_keep_kgraphs_prefixes_and_a_syntax_error_keeps_its_line(remote):
    executor = RemoteExecutor(remote)
    stream = executor.execute(request(f"CONSTRUCT WHERE {{ <{GERASIMOV}> a ?t }}"))
    assert stream.kind == "graph" and b"@prefix kg:" in b"".join(stream)
    with pytest.raises(QueryFailed) as info:
        executor.execute(request("SELECT *\nWHERE { ?s ?p }"))
    assert info.value.http_status == 400 and str(info.value).startswith("query:2:")
    executor.close()


def test_an_unreachable_server_answers_503_not_400():
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", Namespaces())
    store.capabilities.union = UNION_PARAMETER
    executor = RemoteExecutor(store)
    with pytest.raises(QueryLimit) as info:
        executor.execute(request("ASK {}"))
    assert info.value.http_status == 503
    executor.close()
    store.close()


# -- validated writes ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(server, remote):
    app = create_app(Settings(store=server.query_url, write_token="bob:t0ken"), remote)
    with TestClient(app) as c:
        yield c
    app.state.executor.close()


@pytest.fixture(scope="module")
def local_client():
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    return TestClient(create_app(Settings(write_token="bob:t0ken"), store))


def put(c: TestClient, graph: str, body: str):  # type: ignore[no-untyped-def]
    return c.put(f"/store?graph={quote(graph, safe='')}", content=body,
                 headers={"Content-Type": "application/n-triples", **AUTH})


def entities_without(c: TestClient, needle: str, extra: str = "") -> str:
    r = c.get(f"/store?graph={quote(GRAPH + 'entities', safe='')}",
              headers={"Accept": "application/n-triples"})
    lines = [line for line in r.text.splitlines() if needle not in line] if needle else r.text.splitlines()
    return "\n".join(lines + ([extra] if extra else [])) + "\n"


def test_a_write_is_validated_with_what_it_touches_outside_its_graph(client, local_client, remote):
    """Removing Gerasimov's type breaks claims in the source graph (not in the write): both
    stores refuse it, naming the same focus nodes; the remote is unchanged."""
    needle = f"<{GERASIMOV}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    before = sorted(str(q) for q in remote.quads(GRAPH + "entities"))
    refused = [put(c, GRAPH + "entities", entities_without(c, needle)) for c in (client, local_client)]
    assert [r.status_code for r in refused] == [422, 422]
    focus = [sorted({v["focusNode"] for v in r.json()["results"]}) for r in refused]
    assert focus[0] == focus[1] and any("/claim/" in f for f in focus[0])
    assert sorted(str(q) for q in remote.quads(GRAPH + "entities")) == before


def test_a_valid_write_lands_with_its_log_entry(client, local_client, remote):
    alias = f'<{GERASIMOV}> <http://www.w3.org/2004/02/skos/core#altLabel> "Gerasimov, V. V."@en .'
    answers = [put(c, GRAPH + "entities", entities_without(c, "", alias)) for c in (client, local_client)]
    assert [r.status_code for r in answers] == [204, 204], answers[0].text
    assert remote.query(f'ASK {{ <{GERASIMOV}> skos:altLabel "Gerasimov, V. V."@en }}')
    log = list(remote.query(f"""SELECT ?w ?n WHERE {{ GRAPH <{GRAPH}meta> {{
        ?w a kg:Write ; kg:writtenGraph <{GRAPH}entities> ; kg:triplesAdded ?n }} }}"""))
    assert any(int(row["n"].value) == 1 for row in log)


def test_a_sparql_update_on_a_store_too_large_to_copy_is_refused_with_what_to_do(client, remote):
    old = remote.max_copy_quads
    remote.max_copy_quads = 100
    try:
        r = client.post("/update", content=f'INSERT DATA {{ GRAPH <{GRAPH}entities> {{ <{GERASIMOV}> '
                        f'<http://www.w3.org/2004/02/skos/core#altLabel> "V. Gerasimov"@en }} }}',
                        headers={"Content-Type": "application/sparql-update", **AUTH})
        assert r.status_code == 400 and "Graph Store protocol" in r.text
        assert not remote.query('ASK { ?s skos:altLabel "V. Gerasimov"@en }')
        with pytest.raises(ScratchTooLarge), remote.scratch_copy(None):
            pass
    finally:
        remote.max_copy_quads = old


def test_on_a_union_server_an_update_with_where_is_refused_and_data_updates_are_validated(union_server):
    store = open_store(Settings(store=union_server.query_url))
    load_repository(store, REPOSITORY_ROOT)
    app = create_app(Settings(store=union_server.query_url, write_token="bob:t0ken"), store)
    with TestClient(app) as c:
        claim = ID + "claim/kursk-dprk-2025-id/gerasimov-ua-losses"
        r = c.post("/update", content=f"DELETE WHERE {{ GRAPH ?g {{ <{claim}> kg:claimant ?c }} }}",
                   headers={"Content-Type": "application/sparql-update", **AUTH})
        assert r.status_code == 400 and "union of all its graphs" in r.text
        r = c.post("/update", content=f"DELETE DATA {{ GRAPH <{SOURCE}> {{ <{claim}> kg:claimant "
                   f"<{GERASIMOV}> }} }}", headers={"Content-Type": "application/sparql-update", **AUTH})
        assert r.status_code == 422, r.text
        shapes = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}shapes> WHERE {{ ?s ?p ?o }}"
        n = json.loads(c.get("/sparql", params={"query": shapes}).text)["results"]["bindings"][0]["n"]["value"]
        assert int(n) == store.count(GRAPH + "shapes"), "FROM is honoured on a union server too"
    app.state.executor.close()
    store.close()
