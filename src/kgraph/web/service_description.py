"""The SPARQL service description (https://www.w3.org/TR/sparql11-service-description/),
answered by GET on the endpoint without a query, in the negotiated RDF format."""

from __future__ import annotations

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from kgraph.store import AnyStore
from kgraph.web.conneg import negotiate
from kgraph.web.errors import HTTPError

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SERVED = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def service_description(request: Request, store: AnyStore, *, queries: bool = True,
                        updates: bool = True, union_default_graph: bool = True,
                        federated: bool = True) -> Response:
    """What this endpoint does, as it is configured: the languages it takes (updates only where
    writes are possible), the union default graph only when it is on, SERVICE only when some
    endpoint is allowed."""
    media = negotiate(request.headers.get("accept"), [*SERVED, "text/html"])
    if media == "text/html":  # a browser opening the endpoint: the query page
        return Response(status_code=303, headers={"Location": f"{request.scope.get('root_path', '')}/",
                                                  "Vary": "Accept"})
    if media is None:
        raise HTTPError(406, "The service description is served as text/turtle, "
                        "application/n-triples, application/rdf+xml or application/ld+json")
    endpoint = ox.NamedNode(str(request.url.replace(query="", fragment="")))
    service = ox.BlankNode()
    dataset = ox.BlankNode()
    default = ox.BlankNode()

    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(SD + local)

    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), endpoint),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
    ]
    for flag, language in ((queries, "SPARQL11Query"), (updates, "SPARQL11Update")):
        if flag:
            triples.append(ox.Triple(service, sd("supportedLanguage"), sd(language)))
    for flag, feature in ((union_default_graph, "UnionDefaultGraph"), (federated, "BasicFederatedQuery")):
        if flag:
            triples.append(ox.Triple(service, sd("feature"), sd(feature)))
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads"):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + fmt)))
    for iri in store.graphs():
        node = ox.BlankNode()
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(iri)),
        ]
    body = ox.serialize(triples, format=SERVED[media],
                        prefixes={"sd": SD, "formats": FORMATS} if media == "text/turtle" else None)
    return Response(body, media_type=media, headers={"Vary": "Accept"})
