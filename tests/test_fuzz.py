"""Hostile input, tried by machines: schemathesis over every route of the OpenAPI description and
hypothesis over the protocol's inputs. No input may yield a 500 or change stored data; the
limits' own statuses (413, 429, 503, 504) are expected and counted apart. Bounded in count."""

import os
from collections import Counter

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings, strategies as st

from kgraph.loading import load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import canonical_digest, open_store
from kgraph.web.app import create_app

EXAMPLES = int(os.environ.get("KGRAPH_FUZZ_EXAMPLES", "100"))
LIMITS = {413, 429, 503, 504}
STATUSES = Counter()


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    cfg = Settings(store=tmp_path_factory.mktemp("fuzz") / "store", write_token="fuzz:tok",
                   query_timeout=5.0, max_body_bytes=256 * 1024)
    store = open_store(cfg)
    load_repository(store, REPOSITORY_ROOT)
    app = create_app(cfg, store)
    before = canonical_digest(q for q in store.quads() if "graph/meta" not in str(q.graph_name))
    yield app, store
    after = canonical_digest(q for q in store.quads() if "graph/meta" not in str(q.graph_name))
    assert after == before, "unauthenticated fuzzing changed stored data"
    app.state.executor.close()
    store.close()


def test_every_route_survives_generated_requests(fuzz_app):
    app, _ = fuzz_app
    schema = schemathesis.openapi.from_asgi("/api", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12, "the OpenAPI description covers the protocol routes"
    calls = Counter()

    for operation in operations:
        @given(operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def run(case):
            response = case.call()
            calls[f"{case.method} {case.path}"] += 1
            STATUSES[response.status_code] += 1
            assert response.status_code < 500 or response.status_code in LIMITS, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}")

        run()
    assert sum(calls.values()) >= len(operations) * min(EXAMPLES, 10)


@pytest.fixture(scope="module")
def client(fuzz_app):
    app, _ = fuzz_app
    return TestClient(app, raise_server_exceptions=False)


@given(st.text(max_size=300))
@settings(max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_text_as_a_query(client, text):
    r = client.post("/sparql", content=text.encode("utf-8", "surrogatepass"),
                    headers={"Content-Type": "application/sparql-query"})
    assert r.status_code in {200, 400, 403, 406} | LIMITS, (text, r.status_code, r.text[:200])


@given(st.binary(max_size=300))
@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_bytes_as_an_update_with_a_wrong_token(client, body):
    r = client.post("/update", content=body, headers={"Content-Type": "application/sparql-update",
                                                       "Authorization": "Bearer nope"})
    assert r.status_code in (400, 401)  # a malformed body, or refused: never written


@given(st.text(max_size=300))
@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_text_as_an_update_with_a_valid_token(client, text):
    r = client.post("/update", content=text.encode("utf-8", "surrogatepass"),
                    headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer tok"})
    assert r.status_code in {200, 400, 403, 422} | LIMITS, (text, r.status_code, r.text[:200])


@given(st.text(max_size=120))
@settings(max_examples=EXAMPLES * 2, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_accept_header(client, accept):
    try:
        accept.encode("ascii")
    except UnicodeEncodeError:
        return  # not sendable as an HTTP header
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": accept.replace("\n", " ").replace("\r", " ")})
    assert r.status_code in (200, 406)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { FILTER(" + "(" * 2000 + "1" + ")" * 2000 + ") }",
    "SELECT * WHERE { " + "{ " * 3000 + "} " * 3000 + "}",
    "ASK { " + " UNION ".join("{ ?s ?p ?o }" for _ in range(3000)) + " }",
    "SELECT * WHERE { ?s ?p \"" + "x" * 200_000 + "\" }",
    "\x00\x01\x02",
    "SELECT ?x WHERE { BIND(\"\ud7ff\" AS ?x) }",
])
def test_hand_written_hostile_queries(client, query):
    r = client.post("/sparql", content=query.encode("utf-8"), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code in {200, 400} | LIMITS, (r.status_code, r.text[:200])


@pytest.mark.parametrize("body,ctype", [
    (b"\xff\xfe\x00garbage", "text/turtle"),
    (b"@prefix : <http://e/> . :a :b", "text/turtle"),
    (b"<g> { <a> <b> <c> }", "text/turtle"),
    (b"{\"@context\": 5, \"@id\": []}", "application/ld+json"),
    (b"[[[[[[", "application/ld+json"),
    (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description", "application/rdf+xml"),
    (b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><x>&b;</x>", "application/rdf+xml"),
    (b"x" * (300 * 1024), "text/turtle"),
])
def test_malformed_uploads(client, body, ctype):
    r = client.put("/store?graph=http%3A%2F%2Fexample.org%2Fu", content=body,
                   headers={"Content-Type": ctype, "Authorization": "Bearer tok"})
    assert r.status_code in (400, 413), (r.status_code, r.text[:200])


def test_store_faults_answer_5xx_never_4xx(fuzz_app, monkeypatch):
    from kgraph.errors import StoreError

    app, store = fuzz_app
    client = TestClient(app, raise_server_exceptions=False)

    def broken(*args, **kwargs):
        raise StoreError("injected: the disk is gone")

    monkeypatch.setattr(app.state.executor, "execute", broken)
    monkeypatch.setattr(app.state.executor, "try_inline", broken)
    for query in ("ASK {}", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"):  # a worker's, an inline one
        r = client.get("/sparql", params={"query": query})
        assert r.status_code == 500, query
    monkeypatch.setattr(store, "update", broken)
    r = client.post("/update", content='INSERT DATA { <http://e/a> <http://e/b> "c" }',
                    headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer tok"})
    assert r.status_code == 500
    assert "injected" in r.text
