"""The example queries: well-formed files, each answering on the seed graph, described in RDF."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from kgraph.examples import (
    EXAMPLES_DIR,
    ExampleError,
    examples_graph,
    load_examples,
    parse_example,
)
from kgraph.namespaces import Namespaces

EXAMPLES = load_examples()
SH = "http://www.w3.org/ns/shacl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def test_at_least_twelve_examples():
    assert len(EXAMPLES) >= 12
    assert [e.number for e in EXAMPLES] == sorted({e.number for e in EXAMPLES})


@pytest.mark.parametrize("path", sorted(EXAMPLES_DIR.glob("*.rq")), ids=lambda p: p.name)
def test_file_opens_with_its_header(path):
    assert re.fullmatch(r"\d{3}-[a-z0-9]+(-[a-z0-9]+)*\.rq", path.name)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# title: ") and len(lines[0]) > len("# title: ") + 5
    assert any(line.startswith("# description: ") for line in lines[1:4])


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_has_title_description_and_query(example):
    assert example.title and not example.title.endswith(".")
    assert len(example.description) > 40
    assert example.keywords
    assert example.form in {"select", "ask", "construct"}
    assert not example.query.lstrip().startswith("#")  # the header is not part of the query


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_answers_on_the_seed_graph(seed_store, example):
    result = seed_store.query(example.query)
    if example.form == "ask":
        assert isinstance(result, ox.QueryBoolean)
        assert bool(result) is True
    elif example.form == "select":
        assert isinstance(result, ox.QuerySolutions)
        rows = list(result)
        assert rows, f"{example.id} returns no rows"
        # every projected variable is bound in at least one row: no dead columns
        for var in result.variables:
            assert any(row[var] is not None for row in rows), f"?{var.value} never bound"
    else:
        assert list(result), f"{example.id} constructs nothing"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_declares_every_prefix_it_uses(seed_store, example):
    """As written, without the endpoint's predeclared prefixes (so it runs anywhere)."""
    result = seed_store.raw.query(example.query, use_default_graph_as_union=True)
    if isinstance(result, ox.QuerySolutions):
        assert list(result)


@pytest.mark.parametrize("needle", [
    "kg:CasualtyClaim", "kg:affiliatedWith", "kg:UnnamedSource", "kg:UnattributedInSource",
    "kg:hasInference", "kg:inferredProperty", "kg:reason", "prov:wasQuotedFrom",
    "prov:qualifiedDerivation", "kg:Translation", "kg:competesWith", "kg:passage", "kg:text",
    "kg:lowerBound", "kg:approximation", "kg:timePrecision", "kg:locatedIn+", "rdfs:label",
    "GRAPH <https://w3id.org/kgraph/graph/truthy>",
])
def test_the_examples_cover(needle):
    assert any(needle in e.query for e in EXAMPLES), needle


def test_provenance_audits_are_among_them():
    audits = [e for e in EXAMPLES if "audit" in e.keywords]
    assert len(audits) >= 5


def test_one_party_audit_counts_distinct_parties(seed_store):
    example = next(e for e in EXAMPLES if "kg:CasualtyClaim" in e.query and "HAVING" in e.query)
    rows = list(seed_store.query(example.query))
    assert rows and all(int(row["parties"].value) == 1 for row in rows)
    # Gerasimov and the Ministry of Defence give the same loss figure: two claimants, one party
    assert any(int(row["claimants"].value) == 2 for row in rows)


def test_examples_graph_describes_every_example():
    base = "https://w3id.org/kgraph/"
    triples = examples_graph(EXAMPLES, base=base, endpoint="http://localhost/sparql")
    turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE)
    graph = list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
    executables = {t.subject for t in graph
                   if t.predicate == RDF_TYPE and t.object == ox.NamedNode(SH + "SPARQLExecutable")}
    assert len(executables) == len(EXAMPLES)
    for example in EXAMPLES:
        node = ox.NamedNode(f"{base}.well-known/sparql-examples/{example.number}")
        assert node in executables
        props = {}
        for t in graph:
            if t.subject == node:
                props.setdefault(t.predicate.value, []).append(t.object)
        assert props[RDFS + "label"] == [ox.Literal(example.title, language="en")]
        assert props[RDFS + "comment"] == [ox.Literal(example.description, language="en")]
        assert props[SH + example.form] == [ox.Literal(example.query)]
        assert props[SCHEMA + "target"] == [ox.NamedNode("http://localhost/sparql")]
        assert {k.value for k in props[SCHEMA + "keywords"]} == set(example.keywords)
        kind = {"select": "SPARQLSelectExecutable", "ask": "SPARQLAskExecutable",
                "construct": "SPARQLConstructExecutable"}[example.form]
        assert ox.NamedNode(SH + kind) in props[RDF_TYPE.value]
    declared = {t.object.value for t in graph if t.predicate == ox.NamedNode(SH + "prefix")}
    assert {"kg", "prov", "rdfs"} <= declared


def test_examples_follow_the_base_iri():
    other = load_examples(Namespaces("https://example.org/kg/"))
    assert all("https://w3id.org/kgraph/" not in e.query for e in other)
    assert any("https://example.org/kg/ontology#" in e.query for e in other)


def test_header_is_required():
    with pytest.raises(ExampleError, match="title"):
        parse_example("# description: something\nSELECT * {}\n", "001-x.rq")
    with pytest.raises(ExampleError, match="NNN-slug"):
        parse_example("# title: t\n# description: d\nSELECT * {}\n", "x.rq")
    with pytest.raises(ExampleError, match="SELECT"):
        parse_example("# title: t\n# description: d\nPREFIX a: <b>\n", "002-x.rq")


def test_header_continuation_lines_join():
    e = parse_example("# title: T\n# description: one\n#   two\n# keywords: a, b\n"
                      "PREFIX x: <http://x/>\nask {}\n", "003-x-y.rq")
    assert (e.title, e.description, e.keywords, e.form) == ("T", "one two", ("a", "b"), "ask")
    assert e.query == "PREFIX x: <http://x/>\nask {}\n"
    assert e.prefixes() == {"x": "http://x/"}
