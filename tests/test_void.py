"""VoID at /.well-known/void: the numbers equal direct counts, negotiated, cached until a write."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from kgraph.loading import load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store
from kgraph.web import void
from kgraph.web.app import create_app
from kgraph.web.context import WebContext

VOID = "http://rdfs.org/ns/void#"
SD_NAME = ox.NamedNode("http://www.w3.org/ns/sparql-service-description#name")
KG = "https://w3id.org/kgraph/ontology#"
DATASET = ox.NamedNode("https://w3id.org/kgraph/id/dataset/kgraph")


def make_client(store) -> TestClient:
    app = create_app(Settings(), store)
    app.include_router(void.router(WebContext(Settings(), store)))
    return TestClient(app)


@pytest.fixture(scope="module")
def client(seed_store):
    return make_client(seed_store)


def parse(body: bytes, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> list[ox.Triple]:
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]


def objects(triples, subject, prop: str) -> list:
    predicate = ox.NamedNode(VOID + prop)
    return [t.object for t in triples if t.subject == subject and t.predicate == predicate]


def number(triples, subject, prop: str) -> int:
    (value,) = objects(triples, subject, prop)
    return int(value.value)


def count(store, query: str, **kwargs) -> int:
    return int(next(iter(store.query(query, **kwargs)))["n"].value)


@pytest.fixture(scope="module")
def described(client):
    r = client.get("/.well-known/void")
    assert r.status_code == 200
    return parse(r.content)


def test_turtle_by_default_and_headers(client):
    r = client.get("/.well-known/void")
    assert r.headers["content-type"].startswith("text/turtle")
    assert "Accept" in r.headers["vary"]
    assert r.headers["x-content-type-options"] == "nosniff"
    cached = client.get("/.well-known/void", headers={"If-None-Match": r.headers["etag"]})
    assert cached.status_code == 304


@pytest.mark.parametrize("media,fmt", [("application/ld+json", ox.RdfFormat.JSON_LD),
                                       ("application/n-triples", ox.RdfFormat.N_TRIPLES)])
def test_other_formats_carry_the_same_description(client, described, media, fmt):
    r = client.get("/.well-known/void", headers={"Accept": media})
    assert r.headers["content-type"].split(";")[0] == media
    triples = parse(r.content, fmt)
    assert len(triples) == len(described)
    assert number(triples, DATASET, "triples") == number(described, DATASET, "triples")


def test_whole_store_counts_equal_direct_counts(seed_store, described):
    distinct = {(q.subject, q.predicate, q.object) for q in seed_store.quads()}
    assert number(described, DATASET, "triples") == len(distinct)
    assert number(described, DATASET, "distinctSubjects") == len({s for s, _, _ in distinct})
    assert number(described, DATASET, "distinctObjects") == len({o for _, _, o in distinct})
    assert number(described, DATASET, "properties") == len({p for _, p, _ in distinct})


def test_one_subset_per_named_graph_with_its_count(seed_store, described):
    subsets = objects(described, DATASET, "subset")
    names = {}
    for subset in subsets:
        (name,) = [t.object for t in described if t.subject == subset and t.predicate == SD_NAME]
        names[name.value] = number(described, subset, "triples")
    assert sorted(names) == seed_store.graphs()
    for graph, triples in names.items():
        direct = count(seed_store,
                       f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert triples == direct == seed_store.count(graph)


def test_class_and_property_partitions(seed_store, described):
    classes = {}
    for part in objects(described, DATASET, "classPartition"):
        (cls,) = objects(described, part, "class")
        classes[cls.value] = number(described, part, "entities")
    for cls in ("Claim", "Passage"):
        assert classes[KG + cls] == count(
            seed_store, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a kg:{cls} }}")
    assert classes["http://www.w3.org/2002/07/owl#Class"] == count(
        seed_store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?c a owl:Class } }")
    properties = {}
    for part in objects(described, DATASET, "propertyPartition"):
        (prop,) = objects(described, part, "property")
        properties[prop.value] = number(described, part, "triples")
    assert properties[KG + "claimant"] == count(
        seed_store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE "
                    "{ GRAPH ?g { ?s kg:claimant ?o } } }")
    assert number(described, DATASET, "classes") == len(classes)
    assert number(described, DATASET, "properties") == len(properties)


def test_endpoint_uri_space_vocabularies_and_licence(described):
    assert ox.NamedNode("http://testserver/sparql") in objects(described, DATASET, "sparqlEndpoint")
    assert ox.Literal("https://w3id.org/kgraph/id/") in objects(described, DATASET, "uriSpace")
    vocabularies = objects(described, DATASET, "vocabulary")
    assert ox.NamedNode(KG) in vocabularies
    assert ox.NamedNode("http://www.w3.org/ns/prov#") in vocabularies
    licence_property = ox.NamedNode("http://purl.org/dc/terms/license")
    licence = [t.object for t in described
               if t.subject == DATASET and t.predicate == licence_property]
    assert licence == [ox.NamedNode("https://creativecommons.org/licenses/by/4.0/")]
    assert ox.Triple(DATASET, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                     ox.NamedNode(VOID + "Dataset")) in described


def test_a_write_invalidates_the_cached_counts():
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    client = make_client(store)
    before = parse(client.get("/.well-known/void").content)
    store.update("INSERT DATA { GRAPH <http://example.org/new> "
                 "{ <http://example.org/a> <http://example.org/p> 1 } }")
    after = parse(client.get("/.well-known/void").content)
    assert number(after, DATASET, "triples") == number(before, DATASET, "triples") + 1
    assert len(objects(after, DATASET, "subset")) == len(objects(before, DATASET, "subset")) + 1


def test_the_dataset_and_each_subset_name_a_dump_that_downloads(client, described):
    (dump,) = objects(described, DATASET, "dataDump")
    assert dump == ox.NamedNode("http://testserver/store")
    whole = client.get(dump.value.removeprefix("http://testserver"), headers={"Accept": "application/n-quads"})
    assert whole.status_code == 200 and whole.text.count("\n") == len(list(ox.parse(whole.content, format=ox.RdfFormat.N_QUADS)))
    subsets = objects(described, DATASET, "subset")
    assert subsets
    for subset in subsets[:3]:
        (graph_dump,) = objects(described, subset, "dataDump")
        got = client.get(graph_dump.value.removeprefix("http://testserver"), headers={"Accept": "text/turtle"})
        assert got.status_code == 200 and len(got.content) > 0
