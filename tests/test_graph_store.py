"""The SPARQL 1.1 Graph Store HTTP Protocol, one case per method and status."""

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from kgraph.loading import load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store
from kgraph.web.app import create_app

AUTH = {"Authorization": "Bearer t0ken"}
G = "http://example.org/graphs/notes"
TTL = {"Content-Type": "text/turtle"}
NOTE = '<http://example.org/n1> <http://www.w3.org/2000/01/rdf-schema#comment> "a note"@en .\n'


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = Settings(store=tmp_path_factory.mktemp("gsp") / "store", write_token="bob:t0ken")
    store = open_store(settings)
    load_repository(store, REPOSITORY_ROOT)
    app = create_app(settings, store)
    with TestClient(app) as c:
        yield c
    app.state.executor.close()
    store.close()


def url(graph: str) -> str:
    return f"/store?graph={quote(graph, safe='')}"


def test_get_a_named_graph_in_each_format(client):
    entities = "https://w3id.org/kgraph/graph/entities"
    for accept, ctype in [("text/turtle", "text/turtle"), ("application/n-triples", "application/n-triples"),
                          ("application/rdf+xml", "application/rdf+xml"), ("application/ld+json", "application/ld+json")]:
        r = client.get(url(entities), headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(ctype)
        assert "valery-gerasimov" in r.text


def test_head_has_no_body(client):
    r = client.head(url("https://w3id.org/kgraph/graph/entities"))
    assert r.status_code == 200 and r.content == b""


def test_whole_dataset_as_trig_and_nquads(client):
    trig = client.get("/store", headers={"Accept": "application/trig"})
    nq = client.get("/store", headers={"Accept": "application/n-quads"})
    assert trig.status_code == nq.status_code == 200
    assert "graph/source/kursk-dprk-2025-id>" in nq.text


def test_missing_graph_is_404(client):
    assert client.get(url("http://example.org/none")).status_code == 404
    assert client.delete(url("http://example.org/none"), headers=AUTH).status_code == 404


def test_put_creates_then_replaces_then_delete(client):
    assert client.put(url(G), content=NOTE, headers=TTL).status_code == 401
    r = client.put(url(G), content=NOTE, headers={**TTL, **AUTH})
    assert r.status_code == 201
    r = client.put(url(G), content=NOTE.replace("a note", "another"), headers={**TTL, **AUTH})
    assert r.status_code == 204
    body = client.get(url(G), headers={"Accept": "application/n-triples"}).text
    assert "another" in body and "a note" not in body
    r = client.post(url(G), content=NOTE, headers={**TTL, **AUTH})
    assert r.status_code == 204
    assert client.get(url(G), headers={"Accept": "application/n-triples"}).text.count("\n") == 2
    assert client.delete(url(G), headers=AUTH).status_code == 204
    assert client.get(url(G)).status_code == 404


def test_post_without_graph_creates_a_new_one(client):
    r = client.post("/store", content=NOTE, headers={**TTL, **AUTH})
    assert r.status_code == 201
    location = r.headers["location"]
    # the new graph's IRI: named with ?graph= (as the protocol's tests do) and read at itself
    assert location.startswith("http://testserver/store/")
    for target in (url(location), location):
        got = client.get(target, headers={"Accept": "application/n-triples"})
        assert got.status_code == 200 and "a note" in got.text


def test_put_without_a_graph_is_refused_and_changes_nothing(client):
    before = client.get("/store?default", headers={"Accept": "application/n-triples"}).text
    r = client.put("/store", content=NOTE, headers={**TTL, **AUTH})
    assert r.status_code == 400 and "?graph=" in r.text
    assert client.get("/store?default", headers={"Accept": "application/n-triples"}).text == before


def test_put_of_no_triples_leaves_an_empty_graph(client):
    g = "http://example.org/graphs/empty-by-put"
    r = client.put(url(g), content=b"", headers={**TTL, **AUTH})
    assert r.status_code == 201
    got = client.get(url(g), headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and got.text.strip() == ""
    assert client.put(url(g), content=b"", headers={**TTL, **AUTH}).status_code == 204


@pytest.mark.parametrize("target", ["/store?graph=https%3A%2F%2Fw3id.org%2Fkgraph%2Fgraph%2Fentities",
                                    "/store?default", "/store"])
def test_head_sends_the_headers_of_get(client, target):
    accept = {"Accept": "application/n-quads" if target == "/store" else "text/turtle"}
    assert client.post("/store?default", content=NOTE, headers={**TTL, **AUTH}).status_code == 204
    get, head = client.get(target, headers=accept), client.head(target, headers=accept)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(get.content) > 0
    assert head.headers["content-type"] == get.headers["content-type"]


def test_default_graph(client):
    r = client.post("/store?default", content=NOTE, headers={**TTL, **AUTH})
    assert r.status_code == 204
    got = client.get("/store?default", headers={"Accept": "application/n-triples"})
    assert "a note" in got.text


def test_malformed_body_is_400_with_line(client):
    r = client.put(url(G), content='<http://e/a> <http://e/b> "x" .\n<http://e/a> <http://e/b> .\n',
                   headers={**TTL, **AUTH})
    assert r.status_code == 400 and "request body:2:" in r.text


def test_unsupported_body_type_is_415(client):
    r = client.put(url(G), content=NOTE, headers={"Content-Type": "application/pdf", **AUTH})
    assert r.status_code == 415


def test_unacceptable_accept_is_406(client):
    r = client.get(url("https://w3id.org/kgraph/graph/entities"), headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_graph_and_default_together_is_400(client):
    assert client.get(f"{url(G)}&default").status_code == 400


def test_invalid_replacement_of_a_source_graph_is_422_and_changes_nothing(client):
    source = "https://w3id.org/kgraph/graph/source/kursk-dprk-2025-id"
    before = client.get(url(source), headers={"Accept": "application/n-triples"}).text
    broken = "\n".join(line for line in before.splitlines() if "ontology#claimant>" not in line)
    r = client.put(url(source), content=broken, headers={"Content-Type": "application/n-triples", **AUTH})
    assert r.status_code == 422
    after = client.get(url(source), headers={"Accept": "application/n-triples"}).text
    assert sorted(after.splitlines()) == sorted(before.splitlines())


def test_writing_the_write_log_is_403(client):
    r = client.put(url("https://w3id.org/kgraph/graph/meta"), content=NOTE, headers={**TTL, **AUTH})
    assert r.status_code == 403


def test_direct_graph_identification(client):
    r = client.put("/store/notes/direct.ttl", content=NOTE, headers={**TTL, **AUTH})
    assert r.status_code == 201
    graph = str(client.base_url) + "/store/notes/direct.ttl"
    assert graph in client.get("/sparql", params={"query": "SELECT ?g WHERE { GRAPH ?g {} }"},
                               headers={"Accept": "text/csv"}).text
    assert "a note" in client.get("/store/notes/direct.ttl", headers={"Accept": "application/n-triples"}).text
    assert client.get(f"/store/notes/direct.ttl?graph={quote(G, safe='')}").status_code == 400
    assert client.delete("/store/notes/direct.ttl", headers=AUTH).status_code == 204
    assert client.get("/store/notes/direct.ttl").status_code == 404


def test_multipart_form_data_parts_are_merged(client):
    g = "http://example.org/graphs/multipart"
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a.ttl\"\r\n"
            b"Content-Type: text/turtle\r\n\r\n"
            b"<http://example.org/m1> <http://www.w3.org/2000/01/rdf-schema#comment> \"one\"@en .\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"b\"; filename=\"b.nt\"\r\n\r\n"
            b"<http://example.org/m2> <http://www.w3.org/2000/01/rdf-schema#comment> \"two\"@en .\r\n"
            b"--XyZ--\r\n")
    headers = {"Content-Type": "multipart/form-data; boundary=XyZ", **AUTH}
    assert client.post(url(g), content=body, headers=headers).status_code == 201
    got = client.get(url(g), headers={"Accept": "application/n-triples"}).text
    assert '"one"@en' in got and '"two"@en' in got
    bad = body.replace(b"Content-Type: text/turtle", b"Content-Type: image/png")
    r = client.post(url(g), content=bad, headers=headers)
    assert r.status_code == 415 and "Part 1" in r.text


def test_a_dataset_upload_lands_in_its_graphs(client):
    g1, g2 = "http://example.org/graphs/trig-1", "http://example.org/graphs/trig-2"
    trig = (f'<{g1}> {{ <http://example.org/t1> <http://www.w3.org/2000/01/rdf-schema#comment> "t1"@en }}\n'
            f'<{g2}> {{ <http://example.org/t2> <http://www.w3.org/2000/01/rdf-schema#comment> "t2"@en }}\n')
    r = client.post("/store", content=trig, headers={"Content-Type": "application/trig", **AUTH})
    assert r.status_code == 204, r.text
    for g, text in ((g1, '"t1"@en'), (g2, '"t2"@en')):
        assert text in client.get(url(g), headers={"Accept": "application/n-triples"}).text
    named = client.put(url(g1), content=trig, headers={"Content-Type": "application/trig", **AUTH})
    assert named.status_code == 415
    broken = client.post("/store", content=trig + "<x> {", headers={"Content-Type": "application/trig", **AUTH})
    assert broken.status_code == 400 and "request body:" in broken.text


def test_a_dataset_put_replaces_every_graph_but_the_maintained_ones(tmp_path):
    settings = Settings(store=tmp_path / "store", write_token="bob:t0ken", validate_writes=False)
    store = open_store(settings)
    load_repository(store, REPOSITORY_ROOT)
    app = create_app(settings, store)
    try:
        with TestClient(app) as c:
            nq = f'<http://example.org/s> <http://example.org/p> "o" <{G}> .\n'
            r = c.put("/store", content=nq, headers={"Content-Type": "application/n-quads", **AUTH})
            assert r.status_code == 204, r.text
            graphs = set(store.graphs())
            assert G in graphs and "https://w3id.org/kgraph/graph/entities" not in graphs
            assert "https://w3id.org/kgraph/graph/meta" in graphs
    finally:
        app.state.executor.close()
        store.close()


def test_a_directly_named_graph_keeps_its_percent_encoding(client):
    assert client.put("/store/enc/a%2Fb", content=NOTE, headers={**TTL, **AUTH}).status_code == 201
    assert client.get("/store/enc/a%2Fb").status_code == 200
    assert client.get("/store/enc/a/b").status_code == 404
    assert client.get(url("http://testserver/store/enc/a%2Fb")).status_code == 200
    assert client.put("/store/enc/a%20b", content=NOTE, headers={**TTL, **AUTH}).status_code == 201
    assert client.delete("/store/enc/a%20b", headers=AUTH).status_code == 204
    assert client.delete("/store/enc/a%2Fb", headers=AUTH).status_code == 204


def test_a_browser_may_send_its_own_headers_and_read_the_challenge(client):
    r = client.options("/store", headers={"Origin": "https://example.org",
                                          "Access-Control-Request-Method": "PUT",
                                          "Access-Control-Request-Headers": "x-requested-with, authorization"})
    assert r.status_code == 200
    assert "x-requested-with" in r.headers["access-control-allow-headers"].lower()
    denied = client.put(url(G), content=NOTE, headers={**TTL, "Origin": "https://example.org"})
    assert denied.status_code == 401
    assert "www-authenticate" in denied.headers["access-control-expose-headers"].lower()
