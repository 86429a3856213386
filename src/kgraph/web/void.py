"""The VoID description of the store: `GET /.well-known/void` (RFC 5785, VoID section 7.2).

Turtle by default; JSON-LD, N-Triples and RDF/XML by content negotiation. It describes the
dataset of the dataset graph (its title, licence and rights as stored) with statistics of the
whole store:

    void:triples, void:distinctSubjects, void:distinctObjects   distinct triples over all graphs
    void:classes, void:properties                               how many of each are used
    void:classPartition   [ void:class C ; void:entities n ]    per class
    void:propertyPartition [ void:property P ; void:triples n ] per property
    void:subset [ sd:name <graph> ; void:triples n ; ... ]      per named graph
    void:sparqlEndpoint <…/sparql>                              absolute, from the request
    void:dataDump <…/store> (each subset: <…/store?graph=…>)    the Graph Store's downloads
    void:uriSpace, void:vocabulary, dcterms:license

The counts come from the queries in `queries/void/` and are cached until the store's graph list
or its number of quads changes (so a write invalidates them).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from kgraph.namespaces import GRAPH_DATASET, STANDARD_PREFIXES
from kgraph.web.conneg import negotiate
from kgraph.web.context import WebContext
from kgraph.web.pages import (
    RDF_MEDIA,
    RDF_TYPE,
    conditional,
    construct,
    not_acceptable,
    select,
    serialize,
    sort_triples,
)

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@dataclass(frozen=True)
class Statistics:
    triples: int
    subjects: int
    objects: int
    classes: list[tuple[str, int]]
    properties: list[tuple[str, int]]
    graphs: list[tuple[str, int, int, int]]  # graph, triples, subjects, objects
    description: list[ox.Triple]
    dataset: str


def _int(term: Any) -> int:
    return int(term.value) if term is not None else 0


def compute(ctx: WebContext) -> Statistics:
    ns = ctx.namespaces
    own_default = [""]  # the store's own default graph; GRAPH ?g covers the named ones
    totals = select(ctx, "void/totals.rq", default_graphs=own_default)[0]
    classes = [(r["class"].value, _int(r["entities"]))
               for r in select(ctx, "void/classes.rq", default_graphs=own_default)
               if isinstance(r.get("class"), ox.NamedNode)]
    properties = [(r["p"].value, _int(r["triples"]))
                  for r in select(ctx, "void/properties.rq", default_graphs=own_default)]
    graphs = [(r["g"].value, _int(r["triples"]), _int(r["subjects"]), _int(r["objects"]))
              for r in select(ctx, "void/graphs.rq") if isinstance(r.get("g"), ox.NamedNode)]
    description = construct(ctx, "void/dataset.rq",
                            {"graph": ox.NamedNode(ns.graph_iri(GRAPH_DATASET))})
    datasets = sorted({t.subject.value for t in description if isinstance(t.subject, ox.NamedNode)})
    dataset = datasets[0] if datasets else ns.id + "dataset/kgraph"
    description = [t for t in description
                   if isinstance(t.subject, ox.NamedNode) and t.subject.value == dataset]
    return Statistics(_int(totals.get("triples")), _int(totals.get("subjects")),
                      _int(totals.get("objects")), sorted(classes), sorted(properties),
                      sorted(graphs), description, dataset)


def vocabularies(stats: Statistics, kg: str) -> list[str]:
    """The namespaces (of kgraph's known prefixes) of the properties and classes used."""
    namespaces = sorted({*STANDARD_PREFIXES.values(), kg}, key=len, reverse=True)
    found = set()
    for iri in [p for p, _ in stats.properties] + [c for c, _ in stats.classes]:
        for namespace in namespaces:
            if iri.startswith(namespace):
                found.add(namespace)
                break
    return sorted(found)


def describe(stats: Statistics, ctx: WebContext, endpoint: str,
             graph_store: str | None = None) -> list[ox.Triple]:
    """`graph_store`: the Graph Store's URL, where the whole dataset and each graph are
    downloaded (void:dataDump)."""
    ns = ctx.namespaces
    d = ox.NamedNode(stats.dataset)
    out = list(stats.description)

    def add(s: Any, p: str, o: Any) -> None:
        out.append(ox.Triple(s, ox.NamedNode(p), o))

    def count(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=XSD_INTEGER)

    add(d, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    add(d, VOID + "triples", count(stats.triples))
    add(d, VOID + "distinctSubjects", count(stats.subjects))
    add(d, VOID + "distinctObjects", count(stats.objects))
    add(d, VOID + "classes", count(len(stats.classes)))
    add(d, VOID + "properties", count(len(stats.properties)))
    add(d, VOID + "sparqlEndpoint", ox.NamedNode(endpoint))
    add(d, VOID + "uriSpace", ox.Literal(ns.id))
    if graph_store:
        add(d, VOID + "dataDump", ox.NamedNode(graph_store))
    for namespace in vocabularies(stats, ns.kg):
        add(d, VOID + "vocabulary", ox.NamedNode(namespace))
    for i, (cls, entities) in enumerate(stats.classes):
        part = ox.BlankNode(f"class{i:04d}")
        add(d, VOID + "classPartition", part)
        add(part, VOID + "class", ox.NamedNode(cls))
        add(part, VOID + "entities", count(entities))
    for i, (prop, triples) in enumerate(stats.properties):
        part = ox.BlankNode(f"property{i:04d}")
        add(d, VOID + "propertyPartition", part)
        add(part, VOID + "property", ox.NamedNode(prop))
        add(part, VOID + "triples", count(triples))
    for i, (graph, triples, subjects, objects) in enumerate(stats.graphs):
        part = ox.BlankNode(f"graph{i:04d}")
        add(d, VOID + "subset", part)
        add(part, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        add(part, SD + "name", ox.NamedNode(graph))
        add(part, VOID + "triples", count(triples))
        add(part, VOID + "distinctSubjects", count(subjects))
        add(part, VOID + "distinctObjects", count(objects))
        if graph_store:
            add(part, VOID + "dataDump", ox.NamedNode(f"{graph_store}?graph={quote(graph, safe='')}"))
    return sort_triples(out, stats.dataset)


def router(ctx: WebContext) -> APIRouter:
    api = APIRouter()
    lock = threading.Lock()
    cache: dict[str, Any] = {"key": None, "stats": None}

    def statistics() -> Statistics:
        key = (tuple(ctx.store.graphs()), ctx.store.count())
        with lock:
            if cache["key"] == key:
                return cache["stats"]  # type: ignore[no-any-return]
        stats = compute(ctx)
        with lock:
            cache["key"], cache["stats"] = key, stats
        return stats

    @api.api_route("/.well-known/void", methods=["GET", "HEAD"],
                   summary="VoID description of the dataset, with counts per graph")
    def void(request: Request) -> Response:
        media = negotiate(request.headers.get("accept"), RDF_MEDIA)
        if media is None:
            return not_acceptable(RDF_MEDIA)
        endpoint = urljoin(str(request.base_url), "sparql")
        dumps = urljoin(str(request.base_url), "store")
        body = serialize(describe(statistics(), ctx, endpoint, dumps), media, ctx.namespaces)
        return conditional(request, body, media)

    return api
