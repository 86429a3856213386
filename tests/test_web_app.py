"""The SPARQL Protocol as served, through Starlette's test client."""

import pytest
from fastapi.testclient import TestClient

from kgraph.settings import Settings
from kgraph.web.app import create_app

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def client(seed_store):
    return TestClient(create_app(Settings(), seed_store))


def test_get_query_json(client):
    r = client.get("/sparql", params={"query": COUNT})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 1000


@pytest.mark.parametrize("accept,ctype", [
    ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
])
def test_results_formats_by_accept(client, accept, ctype):
    r = client.get("/query", params={"query": COUNT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(ctype)


def test_post_direct_and_form(client):
    direct = client.post("/sparql", content=COUNT, headers={"Content-Type": "application/sparql-query"})
    form = client.post("/sparql", data={"query": COUNT})
    assert direct.status_code == form.status_code == 200
    assert direct.json() == form.json()


def test_percent_encoded_iri_is_decoded_once(client):
    q = 'SELECT ?x WHERE { BIND(<http://ex.org/a%20b> AS ?x) }'
    r = client.post("/sparql", data={"query": q})
    assert r.json()["results"]["bindings"][0]["x"]["value"] == "http://ex.org/a%20b"


def test_malformed_query_is_400_with_line_and_column(client):
    r = client.get("/sparql", params={"query": "SELECT *\nWHERE { ?s ?p }"})
    assert r.status_code == 400
    assert "2:" in r.text and "does not parse" in r.text


def test_unacceptable_accept_is_406(client):
    assert client.get("/sparql", params={"query": COUNT}, headers={"Accept": "image/png"}).status_code == 406


def test_unsupported_body_is_415(client):
    assert client.post("/sparql", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415


def test_query_in_url_and_body_is_400(client):
    r = client.post("/sparql?query=ASK{}", content="ASK {}", headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400


def test_construct_defaults_to_turtle(client):
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s a kg:Person } LIMIT 2"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")


def test_service_description_without_query(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert "sparql-service-description" in r.text


def test_writes_are_refused(client):
    r = client.post("/sparql", content="INSERT DATA { <a:a> <a:b> <a:c> }",
                    headers={"Content-Type": "application/sparql-update"})
    assert r.status_code == 403


def test_health(client):
    assert client.get("/health").json()["status"] == "ok"


def test_an_unknown_path_is_404_in_plain_text(client):
    r = client.get("/no/such/thing")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
    assert "/no/such/thing" in r.text


@pytest.mark.parametrize("path,methods", [
    ("/store", {"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"}),
    ("/sparql", {"GET", "HEAD", "POST", "OPTIONS"}),
    ("/health", {"GET", "HEAD", "OPTIONS"}),
])
def test_a_method_not_allowed_names_every_allowed_one(client, path, methods):
    r = client.request("PATCH", path)
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/plain")
    assert set(r.headers["allow"].split(", ")) == methods
    options = client.options(path)  # no Origin: not a preflight
    assert options.status_code == 204 and set(options.headers["allow"].split(", ")) == methods


@pytest.mark.parametrize("path,graph", [
    ("/graph/entities", "https://w3id.org/kgraph/graph/entities"),
    ("/shapes", "https://w3id.org/kgraph/graph/shapes"),
])
def test_graph_iris_dereference_to_their_triples(client, path, graph):
    from urllib.parse import quote

    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/store?graph={quote(graph, safe='')}"
    doc = client.get(path, headers={"Accept": "application/n-triples"})
    assert doc.status_code == 200 and doc.text.count("\n") > 10
    assert client.get("/graph/no-such-graph", follow_redirects=False).status_code == 404
