"""The ontology's header contract and its version."""

import rdflib
from rdflib.namespace import OWL, RDF

import kgraph
from kgraph.settings import REPOSITORY_ROOT

ONTOLOGY = rdflib.URIRef("https://w3id.org/kgraph/ontology")


def test_version_info_matches_the_package_and_the_version_iri():
    g = rdflib.Graph().parse(REPOSITORY_ROOT / "ontology" / "kgraph.ttl")
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in g
    assert str(g.value(ONTOLOGY, OWL.versionInfo)) == kgraph.__version__
    assert str(g.value(ONTOLOGY, OWL.versionIRI)) == f"{ONTOLOGY}/{kgraph.__version__}"


def test_every_kg_term_is_labelled_and_defined():
    g = rdflib.Graph().parse(REPOSITORY_ROOT / "ontology" / "kgraph.ttl")
    kg = "https://w3id.org/kgraph/ontology#"
    terms = {s for s in g.subjects() if isinstance(s, rdflib.URIRef) and str(s).startswith(kg)}
    assert len(terms) > 150
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    missing = [t for t in terms if not g.value(t, rdflib.RDFS.label) or not g.value(t, skos.definition)]
    assert missing == []
