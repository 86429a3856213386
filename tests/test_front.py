"""The query front: point look-ups answered before the framework, everything else passed on.

The front must answer exactly as the application would (status, media type, Vary, body), and
must pass on every request it cannot answer whole: errors, queries for a worker, cross-origin
requests, other methods and paths."""

import pytest
from fastapi.testclient import TestClient

from kgraph.query import executor_for
from kgraph.settings import Settings
from kgraph.web.app import create_app
from kgraph.web.front import QueryFront

LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/kgraph/id/person/valery-gerasimov> ?p ?o }"


@pytest.fixture(scope="module")
def apps(seed_store):
    settings = Settings()
    executor = executor_for(seed_store, 2)
    passed: list[tuple[str, str]] = []

    async def inner(scope, receive, send):  # stands for the application
        passed.append((scope["method"], scope["path"]))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"passed on"})

    front = TestClient(QueryFront(inner, settings=settings, store=seed_store, executor=executor))
    app = TestClient(create_app(settings, seed_store, executor=executor))
    return front, app, passed


def test_a_lookup_is_answered_as_the_application_answers_it(apps):
    front, app, passed = apps
    for accept in ("application/sparql-results+json", "text/csv", "application/sparql-results+xml",
                   "*/*", "text/tab-separated-values;q=0.5, text/csv;q=0.4"):
        passed.clear()
        ours = front.get("/sparql", params={"query": LOOKUP}, headers={"Accept": accept})
        assert passed == [] and ours.status_code == 200
        # with an Origin header the application answers: the same, plus its CORS headers
        theirs = app.get("/sparql", params={"query": LOOKUP},
                         headers={"Accept": accept, "Origin": "http://example.org"})
        cors = {h for h in theirs.headers if h.startswith("access-control-")}
        assert cors and sorted(ours.headers) == sorted(set(theirs.headers) - cors)
        assert theirs.headers["vary"] == ours.headers["vary"] + ", Origin"
        for header in ("content-type", "content-length"):
            assert ours.headers[header] == theirs.headers[header], (accept, header)
        assert ours.content == theirs.content
    assert front.get("/query", params={"query": "ASK { ?s ?p ?o }"}).json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize("method, path, params, headers", [
    ("GET", "/sparql", {"query": "SELECT * WHERE { ?s ?p ?o . ?o ?q ?r } LIMIT 1"}, {}),  # a worker's
    ("GET", "/sparql", {"query": "SELECT * WHERE { ?s ?p ?o }"}, {}),          # too large inline
    ("GET", "/sparql", {"query": "SELECT ?o WHERE { nope:x ?p ?o }"}, {}),    # an error to render
    ("GET", "/sparql", {"query": LOOKUP}, {"Accept": "image/png"}),           # 406 to render
    ("GET", "/sparql", {"query": LOOKUP, "timeout": "soon"}, {}),             # 400 to render
    ("GET", "/sparql", {"query": [LOOKUP, LOOKUP]}, {}),                      # 400 to render
    ("GET", "/sparql", {"query": LOOKUP}, {"Origin": "http://example.org"}),  # CORS
    ("GET", "/sparql", {}, {}),                                               # service description
    ("HEAD", "/sparql", {"query": LOOKUP}, {}),
    ("POST", "/sparql", {"query": LOOKUP}, {}),
    ("GET", "/update", {"query": LOOKUP}, {}),
    ("GET", "/store", {"default": ""}, {}),
])
def test_everything_else_is_passed_on(apps, method, path, params, headers):
    front, _, passed = apps
    passed.clear()
    r = front.request(method, path, params=params, headers=headers)
    assert (r.status_code, passed) == (299, [(method, path)])


def test_errors_still_come_from_the_application(seed_store):
    client = TestClient(create_app(Settings(), seed_store))
    r = client.get("/sparql", params={"query": "SELECT ?o WHERE { nope:x ?p ?o }"})
    assert r.status_code == 400 and "query:1:" in r.text
    r = client.get("/sparql", params={"query": LOOKUP}, headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_what_a_request_plans_to_is_remembered_per_query_accept_and_host(apps, seed_store):
    """The plan is remembered: the same query string with another Accept or Host header must
    still be answered for that Accept and that Host (relative IRIs resolve against it)."""
    _, _, passed = apps
    front = TestClient(apps[0].app, base_url="https://testserver")
    relative = "SELECT ?p ?o WHERE { <kgraph/id/person/valery-gerasimov> ?p ?o }"
    for _ in range(2):
        for host, found in (("w3id.org", True), ("example.org", False)):
            for accept in ("text/csv", "application/sparql-results+json"):
                passed.clear()
                r = front.get("/sparql", params={"query": relative},
                              headers={"Host": host, "Accept": accept})
                assert passed == [] and r.status_code == 200
                assert r.headers["content-type"].startswith(accept)
                assert ("Gerasimov" in r.text) is found, (host, accept)
