"""Real clients against a live server on 127.0.0.1: SPARQLWrapper, rdflib's SPARQLStore, httpx,
and another store federating with SERVICE."""

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

from kgraph.web.app import create_app
from support import LiveServer

PERSONS = "SELECT ?p WHERE { ?p a <https://w3id.org/kgraph/ontology#Person> } ORDER BY ?p"
EXPECTED = {
    "https://w3id.org/kgraph/id/person/aleksandr-garmaev",
    "https://w3id.org/kgraph/id/person/valery-gerasimov",
    "https://w3id.org/kgraph/id/person/vladimir-putin",
    "https://w3id.org/kgraph/id/person/volodymyr-zelensky",
}


@pytest.fixture(scope="module")
def server(disk_seed):
    settings, store = disk_seed
    app = create_app(settings, store)
    with LiveServer(app) as live:
        yield live
    app.state.executor.close()


def test_sparqlwrapper_select_get_and_post(server):
    for method in ("GET", POST):
        sparql = SPARQLWrapper(f"{server.url}/sparql")
        sparql.setMethod(method)
        sparql.setQuery(PERSONS)
        sparql.setReturnFormat(JSON)
        rows = sparql.queryAndConvert()["results"]["bindings"]
        assert {r["p"]["value"] for r in rows} == EXPECTED


def test_sparqlwrapper_construct(server):
    sparql = SPARQLWrapper(f"{server.url}/sparql")
    sparql.setQuery("CONSTRUCT WHERE { ?p a <https://w3id.org/kgraph/ontology#Person> }")
    sparql.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=sparql.queryAndConvert(), format="turtle")
    assert {str(s) for s in graph.subjects()} == EXPECTED


def test_rdflib_sparqlstore(server):
    graph = rdflib.Graph(store="SPARQLStore")
    graph.open(f"{server.url}/sparql")
    assert {str(row.p) for row in graph.query(PERSONS)} == EXPECTED
    assert bool(graph.query("ASK { ?s ?p ?o }"))


def test_httpx_csv(server):
    r = httpx.post(f"{server.url}/sparql", data={"query": PERSONS}, headers={"Accept": "text/csv"})
    assert r.status_code == 200
    assert set(r.text.split()[1:]) == EXPECTED


def test_another_store_federates_with_service(server):
    other = ox.Store()
    query = f"SELECT ?p WHERE {{ SERVICE <{server.url}/sparql> {{ {PERSONS[len('SELECT ?p WHERE '):].split(' ORDER')[0]} }} }}"
    try:
        rows = {s["p"].value for s in other.query(query)}
    except OSError as exc:  # a pyoxigraph built without an HTTP client cannot federate
        pytest.skip(f"this pyoxigraph cannot make SERVICE calls: {exc}")
    assert rows == EXPECTED


def test_an_allow_listed_service_is_called(server, disk_seed):
    settings, store = disk_seed
    federating = create_app(settings.with_(service_allow_list=server.url + "/"), store)
    with LiveServer(federating) as second:
        q = f"SELECT ?p WHERE {{ SERVICE <{server.url}/sparql> {{ ?p a <https://w3id.org/kgraph/ontology#Person> }} }}"
        r = httpx.get(f"{second.url}/sparql", params={"query": q}, timeout=30)
        assert r.status_code == 200, r.text
        assert {b["p"]["value"] for b in r.json()["results"]["bindings"]} == EXPECTED
        refused = httpx.get(f"{second.url}/sparql", params={"query": q.replace(server.url, "http://127.0.0.2:9")})
        assert refused.status_code == 403
    federating.state.executor.close()
