"""The IRIs kgraph mints and the prefixes it predeclares.

All repository files are written against DEFAULT_BASE_IRI; a deployment with another
KGRAPH_BASE_IRI has them rewritten while loading (see `loading.rebase`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kgraph.settings import DEFAULT_BASE_IRI

#: Well-known prefixes, predeclared in queries and written in generated Turtle.
STANDARD_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "schema": "http://schema.org/",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "time": "http://www.w3.org/2006/time#",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "unit": "http://qudt.org/vocab/unit/",
    "vann": "http://purl.org/vocab/vann/",
    "wd": "http://www.wikidata.org/entity/",
    "gn": "https://sws.geonames.org/",
}


@dataclass(frozen=True)
class Namespaces:
    """kgraph's own namespaces under one base IRI."""

    base: str = DEFAULT_BASE_IRI

    @property
    def ontology(self) -> str:
        """The ontology IRI (its terms are `ontology#Term`)."""
        return self.base + "ontology"

    @property
    def kg(self) -> str:
        return self.base + "ontology#"

    @property
    def shapes(self) -> str:
        return self.base + "shapes#"

    @property
    def id(self) -> str:
        return self.base + "id/"

    @property
    def graph(self) -> str:
        return self.base + "graph/"

    def graph_iri(self, name: str) -> str:
        return self.graph + name

    def maintained(self, graph: str) -> bool:
        """Whether kgraph keeps the graph itself (the write log, the truthy graph, the audit
        findings, a load's staging graphs): no file or request writes it."""
        return (graph in {self.graph_iri(GRAPH_META), self.graph_iri(GRAPH_TRUTHY),
                          self.graph_iri(GRAPH_AUDIT)}
                or graph.startswith(self.graph_iri(GRAPH_STAGING_PREFIX)))

    @property
    def prefixes(self) -> dict[str, str]:
        """Prefixes for queries: the standard ones and kgraph's own."""
        return {
            **STANDARD_PREFIXES,
            "kg": self.kg,
            "kgsh": self.shapes,
            "kgr": self.id,
            "kgg": self.graph,
        }


#: Named graphs and what they hold. Source graphs are `graph/source/<source-id>`.
GRAPH_ONTOLOGY = "ontology"
GRAPH_VOCABULARIES = "vocabularies"
GRAPH_SHAPES = "shapes"
GRAPH_ENTITIES = "entities"
GRAPH_DATASET = "dataset"
GRAPH_TRUTHY = "truthy"
GRAPH_META = "meta"
GRAPH_AUDIT = "audit"
GRAPH_WITHDRAWN = "withdrawn"
GRAPH_SOURCE_PREFIX = "source/"
GRAPH_STAGING_PREFIX = "staging/"

