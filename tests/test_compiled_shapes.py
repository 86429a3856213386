"""The shapes compiled to SPARQL (kgraph.compiled_shapes) against pySHACL, the reference.

On every case of tests/test_shapes.py (tests/shapes/valid and invalid) and of the audit shapes
(tests/shapes/audit, when there), the compiled validator, run in pyoxigraph, must report the same
results as kgraph.validation.validate_graphs: the same (focus node, path, message, severity), so
the same conformance. Also:

* focus-node validation (what a validated write does) finds what pySHACL's focus_nodes= finds,
  and more only where pySHACL skips a nested shape (it applies its focus filter to the value nodes
  of sh:or and sh:node too), never more than the full validation does;
* the shipped seed data conforms under both engines, and a broken copy of it is reported alike;
* constructs the project's shapes do not use yet (sh:and, sh:xone, sh:not, sh:closed, qualified
  shapes, property pairs, value ranges, complex paths, default messages, message templates,
  aggregating SPARQL constraints) agree with pySHACL on a small dataset written for them;
* what the compiler does not implement raises UnsupportedShapes, and validate_store falls back.

The data is validated as the store holds it: pyoxigraph stores "37"^^xsd:int as
"37"^^xsd:integer (and likewise the other derived integer types), so for a case whose data the
store changes, pySHACL is given the data read back from the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kgraph.compiled_shapes import CompiledShapes, UnsupportedShapes, compile_shapes
from kgraph.namespaces import GRAPH_SHAPES, GRAPH_TRUTHY
from kgraph.settings import Settings
from kgraph.store import EmbeddedStore, open_store
from kgraph.validation import ValidationReport, to_rdflib, validate_graphs, validate_store

import shape_cases
from shape_cases import CASE, TEST

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "shapes"
AUDIT_CASES = CASES / "audit"
XSD = "http://www.w3.org/2001/XMLSchema#"
DATA_GRAPH = ox.NamedNode("urn:kgraph-test:graph/data")
ONTOLOGY_GRAPH = ox.NamedNode("urn:kgraph-test:graph/ontology")
SHAPES_GRAPH = ox.NamedNode("urn:kgraph-test:graph/shapes")


@dataclass(frozen=True)
class Suite:
    """A shapes file and the ontology files its cases are validated with."""

    shapes: str
    ontology: tuple[str, ...]

    @property
    def files(self) -> list[Path]:
        return [ROOT / f for f in self.ontology]


def _ontology_files(*extra: str) -> tuple[str, ...]:
    imports = sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "ontology" / "imports").glob("*.ttl")
    )
    return ("ontology/kgraph.ttl", *imports, *extra)


SHAPES = Suite("shapes/kgraph-shapes.ttl", _ontology_files("tests/shapes/declarations.ttl"))
AUDIT = Suite("shapes/kgraph-audit-shapes.ttl", _ontology_files())


def _cases(folder: Path) -> list[Path]:
    return sorted((folder / "valid").glob("*.ttl")) + sorted((folder / "invalid").glob("*.ttl"))


SHAPE_CASES = _cases(CASES)
AUDIT_CASE_FILES = _cases(AUDIT_CASES) if AUDIT_CASES.is_dir() else []
ALL_CASES = [(SHAPES, p) for p in SHAPE_CASES] + [(AUDIT, p) for p in AUDIT_CASE_FILES]


def _case_id(case: tuple[Suite, Path]) -> str:
    suite, path = case
    return ("audit/" if suite is AUDIT else "") + f"{path.parent.name}/{path.stem}"


# -- helpers ----------------------------------------------------------------------------------


@cache
def shapes_graph(suite: Suite) -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / suite.shapes)


@cache
def compiled(suite: Suite) -> CompiledShapes:
    return compile_shapes(shapes_graph(suite))


@cache
def ontology_graph(suite: Suite) -> rdflib.Graph:
    g = rdflib.Graph()
    for f in suite.files:
        g.parse(f)
    return g


def load_case(suite: Suite, path: Path) -> tuple[rdflib.Graph, rdflib.Graph, rdflib.Graph]:
    """The case's data (without its test triples), its test triples, and its ontology."""
    data, meta = shape_cases.load_case(path)
    return data, meta, shape_cases.without_dropped_terms(ontology_graph(suite), meta)


def ox_term(t: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """rdflib to pyoxigraph, blank node labels kept (so results name the same nodes)."""
    if isinstance(t, rdflib.URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, rdflib.BNode):
        return ox.BlankNode(str(t))
    assert isinstance(t, rdflib.Literal)
    if t.language:
        return ox.Literal(str(t), language=t.language)
    if t.datatype is not None:
        return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
    return ox.Literal(str(t))


def rdflib_term(t: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    """pyoxigraph to rdflib as a Turtle parser would give it (a plain string has no datatype)."""
    if isinstance(t, ox.NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return rdflib.BNode(t.value)
    if t.language:
        return rdflib.Literal(t.value, lang=t.language)
    if t.datatype.value == XSD + "string":
        return rdflib.Literal(t.value)
    return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))


def store_of(data: rdflib.Graph, ontology: rdflib.Graph, shapes: rdflib.Graph) -> ox.Store:
    """The case as kgraph holds it: data, ontology and shapes in their own graphs."""
    store = ox.Store()
    for graph, name in ((data, DATA_GRAPH), (ontology, ONTOLOGY_GRAPH), (shapes, SHAPES_GRAPH)):
        store.extend(ox.Quad(ox_term(s), ox_term(p), ox_term(o), name) for s, p, o in graph)  # type: ignore[arg-type]
    return store


def read_back(store: ox.Store, name: ox.NamedNode) -> rdflib.Graph:
    g = rdflib.Graph()
    for q in store.quads_for_pattern(None, None, None, name):
        g.add((rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object)))  # type: ignore[arg-type]
    return g


def _value_key(t: rdflib.term.Node) -> object:
    """A term compared by value: pyoxigraph writes 300.0 as 300, which changes nothing."""
    if isinstance(t, rdflib.Literal) and t.datatype is not None and not t.ill_typed:
        value = t.toPython()
        return (
            "literal",
            str(t.datatype),
            Decimal(value) if isinstance(value, (int, Decimal)) else str(t),
        )
    return t


def changed_by_store(original: rdflib.Graph, stored: rdflib.Graph) -> set[rdflib.term.Node]:
    """The literals whose value or datatype the store changed."""

    def keyed(g: rdflib.Graph) -> dict[object, rdflib.term.Node]:
        return {(s, p, _value_key(o)): o for s, p, o in g}

    before, after = keyed(original), keyed(stored)
    return {before[k] for k in set(before) - set(after)}


def results(report: ValidationReport) -> set[tuple[str, str | None, str, str]]:
    return {(v.focus, v.path, v.message, v.severity) for v in report.violations}


#: The datatypes pyoxigraph 0.5 stores as xsd:integer (or xsd:dateTime): a literal of them never
#: reaches a validator with its own datatype.
REWRITTEN_DATATYPES = {
    XSD + n
    for n in (
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
        "dateTimeStamp",
    )
}


@dataclass
class Prepared:
    store: ox.Store
    data: rdflib.Graph  # what pySHACL validates: the data as the store holds it
    ontology: rdflib.Graph
    meta: rdflib.Graph
    changed: set[rdflib.term.Node]


def prepare(suite: Suite, path: Path) -> Prepared:
    data, meta, ontology = load_case(suite, path)
    store = store_of(data, ontology, shapes_graph(suite))
    stored = read_back(store, DATA_GRAPH)
    changed = changed_by_store(data, stored)
    if changed:
        assert all(
            isinstance(x, rdflib.Literal) and str(x.datatype) in REWRITTEN_DATATYPES
            for x in changed
        ), changed
        return Prepared(store, stored, read_back(store, ONTOLOGY_GRAPH), meta, changed)
    return Prepared(store, data, ontology, meta, changed)


def compiled_report(
    suite: Suite, prepared: Prepared, focus: list[rdflib.URIRef] | None = None
) -> ValidationReport:
    return compiled(suite).validate(
        prepared.store, exclude_graphs=[SHAPES_GRAPH.value], focus_nodes=focus
    )


# -- the case files ---------------------------------------------------------------------------


def test_there_are_cases() -> None:
    assert len(SHAPE_CASES) > 100, "tests/shapes holds the shape cases"
    if AUDIT_CASES.is_dir():
        assert len(AUDIT_CASE_FILES) > 10, "tests/shapes/audit holds the audit shape cases"


@pytest.mark.parametrize("suite", [SHAPES, AUDIT], ids=["shapes", "audit-shapes"])
def test_the_shapes_compile(suite: Suite) -> None:
    shapes = compiled(suite)
    assert shapes.shape_count > 0
    assert shapes.queries(), "every shape with targets becomes queries"


def test_the_two_shape_files_compile_together() -> None:
    """The store's shapes graph holds both files."""
    both = shapes_graph(SHAPES) + shapes_graph(AUDIT)
    assert (
        compile_shapes(both).shape_count
        == compiled(SHAPES).shape_count + compiled(AUDIT).shape_count
    )


@pytest.mark.parametrize("case", ALL_CASES, ids=[_case_id(c) for c in ALL_CASES])
def test_same_results_as_pyshacl(case: tuple[Suite, Path]) -> None:
    suite, path = case
    prepared = prepare(suite, path)
    reference = validate_graphs(prepared.data, shapes_graph(suite), prepared.ontology)
    report = compiled_report(suite, prepared)
    assert report.conforms == reference.conforms, report.text()
    assert results(report) == results(reference), (
        f"only pySHACL: {results(reference) - results(report)}\nonly compiled: {results(report) - results(reference)}"
    )
    if path.parent.name == "invalid" and not prepared.changed:
        assert not report.conforms


INVALID_WITH_IRI_FOCUS = [
    (suite, path)
    for suite, path in ALL_CASES
    if path.parent.name == "invalid" and "expectFocus> <" in path.read_text(encoding="utf-8")
]


@pytest.mark.parametrize(
    "case", INVALID_WITH_IRI_FOCUS, ids=[_case_id(c) for c in INVALID_WITH_IRI_FOCUS]
)
def test_focus_node_validation(case: tuple[Suite, Path]) -> None:
    """Validating only the expected focus node, as a validated write does."""
    suite, path = case
    prepared = prepare(suite, path)
    focus = prepared.meta.value(CASE, TEST.expectFocus)
    assert isinstance(focus, rdflib.URIRef)
    reference = results(
        validate_graphs(prepared.data, shapes_graph(suite), prepared.ontology, focus_nodes=[focus])
    )
    found = results(compiled_report(suite, prepared, [focus]))
    full = results(compiled_report(suite, prepared))
    assert found <= full, "focus-node validation reports nothing the full validation does not"
    if found or reference:
        # (a node no shape targets is reported on in full only as a detail of an sh:node)
        assert {r for r in full if r[0] == str(focus)} <= found, (
            "and everything it reports on the node"
        )
    assert reference <= found, "what pySHACL finds on the node is found"
    if found != reference:
        # pySHACL applies its focus filter to the value nodes of sh:or and sh:node as well, and
        # so skips them; what is reported beyond it must be what pySHACL reports in full
        reference_full = results(
            validate_graphs(prepared.data, shapes_graph(suite), prepared.ontology)
        )
        assert found - reference <= reference_full


def test_the_focus_filter_gap_of_pyshacl_is_covered() -> None:
    """The case where the compiled validator is stricter than pySHACL on a focus node."""
    path = CASES / "invalid" / "SettlementShape--in-country.ttl"
    prepared = prepare(SHAPES, path)
    focus = prepared.meta.value(CASE, TEST.expectFocus)
    assert isinstance(focus, rdflib.URIRef)
    pyshacl = validate_graphs(
        prepared.data, shapes_graph(SHAPES), prepared.ontology, focus_nodes=[focus]
    )
    report = compiled_report(SHAPES, prepared, [focus])
    assert pyshacl.conforms, "pySHACL does not check the sh:or of a settlement's place on its own"
    assert not report.conforms


def test_the_store_rewrites_derived_integer_datatypes() -> None:
    """Why the xsd:int cases are judged on the data as stored: pyoxigraph keeps "37"^^xsd:int as
    "37"^^xsd:integer, so no validator over the store can tell them apart."""
    store = ox.Store()
    literal = ox.Literal("37", datatype=ox.NamedNode(XSD + "int"))
    store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), literal))
    stored = next(iter(store)).object
    assert isinstance(stored, ox.Literal) and stored.datatype.value == XSD + "integer"


# -- the seed data ----------------------------------------------------------------------------


def test_the_seed_conforms_under_both_engines(seed_store: EmbeddedStore) -> None:
    sparql = validate_store(seed_store, engine="sparql")
    pyshacl = validate_store(seed_store, engine="pyshacl")
    assert sparql.conforms and pyshacl.conforms, sparql.text() + "\n" + pyshacl.text()
    assert results(sparql) == results(pyshacl) == set()


@pytest.fixture(scope="module")
def broken_seed(seed_store: EmbeddedStore) -> tuple[EmbeddedStore, str, str]:
    """A copy of the seed with a claim that lost its claimant and an actor with a plain label;
    with triples in the shapes and truthy graphs that would be violations if taken as data."""
    store = open_store(Settings(), in_memory=True)
    store.bulk_extend(seed_store.quads())
    ns = store.namespaces
    claim = next(
        iter(
            store.query(
                f"SELECT ?c WHERE {{ ?c a <{ns.kg}Claim> ; <{ns.kg}claimant> ?x }} ORDER BY ?c LIMIT 1"
            )
        )
    )["c"].value  # type: ignore[index, call-overload]
    actor = next(
        iter(store.query(f"SELECT ?a WHERE {{ ?a a <{ns.kg}Person> }} ORDER BY ?a LIMIT 1"))
    )["a"].value  # type: ignore[index, call-overload]
    entities = ns.graph_iri("entities")
    store.update(f"DELETE WHERE {{ GRAPH ?g {{ <{claim}> <{ns.kg}claimant> ?x }} }}")
    store.update(
        f'INSERT DATA {{ GRAPH <{entities}> {{ <{actor}> <http://www.w3.org/2000/01/rdf-schema#label> "plain" }} }}'
    )
    store.update(
        f'INSERT DATA {{ GRAPH <{ns.graph_iri(GRAPH_SHAPES)}> {{ <{ns.shapes}Stray> <http://www.w3.org/2000/01/rdf-schema#label> "plain" }}'
        f' GRAPH <{ns.graph_iri(GRAPH_TRUTHY)}> {{ <{actor}> <http://www.w3.org/2004/02/skos/core#prefLabel> "plain" }} }}'
    )
    return store, claim, actor


def test_a_broken_seed_is_reported_alike(broken_seed: tuple[EmbeddedStore, str, str]) -> None:
    store, claim, actor = broken_seed
    report = validate_store(store, engine="sparql")
    assert not report.conforms
    found = results(report)
    reference = validate_graphs(
        to_rdflib(q for g in _data_graphs(store) for q in store.quads(g)),
        to_rdflib(store.quads(store.namespaces.graph_iri(GRAPH_SHAPES))),
        to_rdflib(
            q
            for g in ("ontology", "vocabularies")
            for q in store.quads(store.namespaces.graph_iri(g))
        ),
        focus_nodes=[rdflib.URIRef(claim), rdflib.URIRef(actor)],
    )
    assert results(reference) <= found
    assert {r[0] for r in found} == {claim, actor}, "the shapes and truthy graphs are not data"
    by_focus = {v.focus: v for v in report.violations}
    assert by_focus[claim].graphs and all("/graph/source/" in g for g in by_focus[claim].graphs)
    assert by_focus[actor].graphs == (store.namespaces.graph_iri("entities"),)


def _data_graphs(store: EmbeddedStore) -> list[str]:
    from kgraph.validation import data_graph_iris

    return data_graph_iris(store)


def test_focus_node_validation_of_the_broken_seed(
    broken_seed: tuple[EmbeddedStore, str, str],
) -> None:
    store, claim, _ = broken_seed
    shapes = compile_shapes(store.quads(store.namespaces.graph_iri(GRAPH_SHAPES)))
    excluded = [store.namespaces.graph_iri(g) for g in (GRAPH_SHAPES, GRAPH_TRUTHY)]
    report = shapes.validate(store.raw, exclude_graphs=excluded, focus_nodes=[claim])
    assert {v.focus for v in report.violations} == {claim}
    assert shapes.validate(
        store.raw, exclude_graphs=excluded, focus_nodes=["https://example.org/none"]
    ).conforms


# -- constructs beyond the project's shapes ---------------------------------------------------

FEATURE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .

ex: a owl:Ontology ; sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .

ex:PersonShape a sh:NodeShape ;
    sh:targetClass ex:Person ;
    sh:closed true ; sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ex:note ) ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 2 ; sh:minLength 2 ; sh:maxLength 10 ;
                  sh:pattern "^[a-z]" ; sh:flags "i" ] ,
        [ sh:path ex:age ; sh:maxCount 1 ; sh:datatype xsd:integer ; sh:minInclusive 0 ; sh:maxExclusive 150 ] ,
        [ sh:path ex:start ; sh:lessThanOrEquals ex:end ] , [ sh:path ex:end ] ,
        [ sh:path ex:nick ; sh:equals ex:alias ] , [ sh:path ex:alias ] ,
        [ sh:path ex:knows ; sh:disjoint ex:enemy ; sh:class ex:Person ] , [ sh:path ex:enemy ] ,
        [ sh:path ex:pet ; sh:or ( [ sh:class ex:Dog ] [ sh:class ex:Cat ] ) ] ,
        [ sh:path ex:status ; sh:in ( ex:Active "retired" 3 ) ; sh:severity sh:Warning ; sh:message "a known status"@en ] ,
        [ sh:path ex:role ; sh:hasValue ex:Member ] ,
        [ sh:path ex:score ; sh:minExclusive 0.5 ; sh:maxInclusive 10 ] ,
        [ sh:path ex:home ; sh:node ex:AddressShape ] ,
        [ sh:path ex:child ; sh:qualifiedValueShape [ sh:class ex:Adult ] ; sh:qualifiedMaxCount 1 ] ,
        [ sh:path ex:tag ; sh:xone ( [ sh:datatype xsd:string ] [ sh:nodeKind sh:IRI ] ) ] ,
        [ sh:path ex:code ; sh:not [ sh:pattern "^X" ] ] ,
        [ sh:path ex:code ; sh:and ( [ sh:minLength 3 ] [ sh:maxLength 5 ] ) ] ,
        [ sh:path ex:label ; sh:uniqueLang true ; sh:languageIn ( "en" "fr" ) ] .

ex:AddressShape a sh:NodeShape ;
    sh:property [ sh:path ex:city ; sh:minCount 1 ] , [ sh:path ex:zip ; sh:datatype xsd:string ; sh:severity sh:Info ] ;
    sh:node ex:GeoShape .

ex:GeoShape a sh:NodeShape ;
    sh:property [ sh:path ex:lat ; sh:maxCount 1 ; sh:message "one latitude at most"@en ] .

ex:ParentShape a sh:NodeShape ;
    sh:targetObjectsOf ex:parentOf ;
    sh:property [ sh:path [ sh:inversePath ex:parentOf ] ; sh:maxCount 2 ] ,
        [ sh:path ( ex:home ex:city ) ; sh:maxCount 1 ; sh:message "one city per home, at {$this}" ] ,
        [ sh:path ex:child ; sh:property [ sh:path ex:age ; sh:minCount 1 ] ] .

ex:NodeTargetShape a sh:NodeShape ; sh:targetNode ex:alice , ex:nobody ; sh:class ex:Person ; sh:nodeKind sh:IRI .

ex:SubjectsShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:score ;
    sh:sparql [
        sh:message "score {?value} of {$this} is above {?limit}" ;
        sh:prefixes ex: ;
        sh:select "SELECT $this ?value ?limit WHERE { $this ex:score ?value . BIND(5 AS ?limit) FILTER(?value > ?limit) }"
    ] , [
        sh:prefixes ex: ;
        sh:select "SELECT $this (COUNT(?k) AS ?n) WHERE { $this ex:knows ?k } GROUP BY $this HAVING (COUNT(?k) > 1)"
    ] , [
        sh:deactivated true ; sh:message "never" ; sh:select "SELECT $this WHERE { }"
    ] .

ex:PathSparqlShape a sh:PropertyShape ;
    sh:targetClass ex:Person ;
    sh:path ex:knows ;
    sh:sparql [
        sh:message "knows {?value}, who has no name" ;
        sh:select "SELECT $this ?value WHERE { $this $PATH ?value . FILTER NOT EXISTS { ?value <http://example.org/name> ?n . ?n <http://example.org/x> ?y } }"
    ] .

ex:OffShape a sh:NodeShape ; sh:targetClass ex:Person ; sh:deactivated true ; sh:property [ sh:path ex:name ; sh:maxCount 0 ] .

ex:WarnShape a sh:NodeShape ; sh:targetClass ex:Person ; sh:severity sh:Warning ;
    sh:property [ sh:path ex:email ; sh:minCount 1 ; sh:message "an email, please" ] .

ex:Class1 a rdfs:Class , sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .

ex:DogShape a sh:NodeShape ; sh:targetClass ex:Dog ;
    sh:or ( [ sh:path ex:owner ; sh:minCount 1 ] [ sh:path ex:chip ; sh:minCount 1 ; sh:maxCount 1 ] ) ;
    sh:not [ sh:node ex:GeoShape ] ;
    sh:xone ( [ sh:severity sh:Warning ; sh:class ex:Nothing ] [ sh:class ex:Dog ] ) ;
    sh:property [ sh:path ex:name ; sh:languageIn ( "*" ) ; sh:pattern "^r.x$" ; sh:flags "m" ] .

ex:QualifiedShape a sh:NodeShape ; sh:targetNode ex:alice ;
    sh:property [ sh:path ex:child ; sh:qualifiedValueShape [ sh:class ex:Adult ] ; sh:qualifiedMinCount 2 ;
                  sh:qualifiedValueShapesDisjoint true ] ,
        [ sh:path ex:child ; sh:qualifiedValueShape [ sh:class ex:Person ] ; sh:qualifiedMaxCount 0 ;
          sh:qualifiedValueShapesDisjoint true ] .
"""

FEATURE_DATA = """
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Student rdfs:subClassOf ex:Person .
ex:alice a ex:Person ; ex:name "Alice" ; ex:age 30 ; ex:start 1 ; ex:end 5 ; ex:nick "al" ; ex:alias "al" ;
   ex:knows ex:bob ; ex:pet ex:rex ; ex:status ex:Active ; ex:role ex:Member ; ex:score 3 ; ex:home ex:h1 ;
   ex:child ex:c1 ; ex:tag "t" ; ex:code "abc" ; ex:label "x"@en , "y"@fr ; ex:email "a@x" ; ex:note "ok" .
ex:bob a ex:Student ; ex:name "b", "Bobby", "Robert" ; ex:age "old" , 200 ; ex:start 9 ; ex:end 5 ; ex:nick "bo" ;
   ex:alias "rob" ; ex:knows ex:alice , ex:carol , ex:nameless ; ex:enemy ex:carol ; ex:pet ex:tweety ;
   ex:status "retired" , "nope" , 3 , "3" ; ex:score 0.5 , 11 , 7 ; ex:home ex:h2 ; ex:child ex:c1 , ex:c2 ;
   ex:tag ex:t1 , _:b1 ; ex:code "Xyz" , "ab" , "abcdef" ; ex:label "x"@en , "z"@EN , "w"@de , "v"@en-GB ; ex:unknown 1 .
ex:carol a ex:Person ; ex:name "9carol" ; ex:parentOf ex:c1 .
ex:dave ex:parentOf ex:c1 , ex:c2 ; a ex:Class1 .
ex:erin ex:parentOf ex:c1 .
ex:rex a ex:Dog ; ex:name "rex"@en , "Rex" .
ex:fido a ex:Dog ; ex:owner ex:alice ; ex:chip "1" , "2" ; ex:lat 1 .
ex:tweety a ex:Bird .
ex:c1 a ex:Adult ; ex:home ex:h1 , ex:h2 ; ex:child ex:c3 . ex:c2 a ex:Adult ; ex:age 3 . ex:c3 a ex:Adult .
ex:h1 ex:city "Paris" ; ex:zip 75000 ; ex:lat 1 .
ex:h2 ex:zip "x" ; ex:lat 1 , 2 ; ex:city "A" , "B" .
_:b1 ex:x 1 .
"""


def test_the_features_agree_with_pyshacl() -> None:
    """Shapes and data as validate_store hands them to pySHACL (read from the store)."""
    shapes = list(ox.parse(FEATURE_SHAPES, format=ox.RdfFormat.TURTLE))
    store = ox.Store()
    store.load(FEATURE_DATA, format=ox.RdfFormat.TURTLE, to_graph=DATA_GRAPH)
    reference = validate_graphs(to_rdflib(store), to_rdflib(shapes), None)
    report = compile_shapes(shapes).validate(store)
    assert results(report) == results(reference), (
        f"only pySHACL: {results(reference) - results(report)}\nonly compiled: {results(report) - results(reference)}"
    )
    assert len(results(report)) > 40, "every construct fires"
    messages = {r[2] for r in results(report)}
    assert "score 11 of http://example.org/bob is above 5" in messages
    assert "knows http://example.org/nameless, who has no name" in messages
    assert "(no message)" in messages, "an aggregating constraint without a message"
    assert "never" not in messages
    assert report.graph is not None and reference.graph is not None
    assert components(report.graph) == components(reference.graph)


def components(graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    """(focus, constraint component, message) of each result of a report graph."""
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return {
        (
            str(graph.value(r, sh.focusNode)),
            str(graph.value(r, sh.sourceConstraintComponent)),
            str(graph.value(r, sh.resultMessage)),
        )
        for r in graph.subjects(rdflib.RDF.type, sh.ValidationResult)
    }


def test_focus_node_validation_of_the_features() -> None:
    shapes = list(ox.parse(FEATURE_SHAPES, format=ox.RdfFormat.TURTLE))
    store = ox.Store()
    store.load(FEATURE_DATA, format=ox.RdfFormat.TURTLE, to_graph=DATA_GRAPH)
    compiled_shapes = compile_shapes(shapes)
    full = results(compiled_shapes.validate(store))
    for node in ("http://example.org/bob", "http://example.org/c1", "http://example.org/rex"):
        found = results(compiled_shapes.validate(store, focus_nodes=[node]))
        assert found <= full
        assert {r for r in full if r[0] == node} <= found


# -- what is not compiled ---------------------------------------------------------------------

UNSUPPORTED = {
    "SPARQL-based target": """ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select "SELECT ?this WHERE { ?this ?p ?o }" ] .""",
    "rule": """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:p ; sh:object ex:o ] .""",
    "recursion": """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:node ex:S ] .""",
    "flags": """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:pattern "a b" ; sh:flags "x" .""",
    "look-behind": """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:pattern "(?<=a)b" .""",
    "MINUS": """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select "SELECT $this WHERE { $this ?p ?o MINUS { $this ex:q ?o } }" ] .""",
    "unknown parameter": """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:someDraftConstraint true .""",
}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_constructs_are_refused(name: str) -> None:
    turtle = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        + UNSUPPORTED[name]
    )
    with pytest.raises(UnsupportedShapes) as raised:
        compile_shapes(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
    assert "http://example.org/S" in str(raised.value) or "compiled query" in str(raised.value)


def test_validate_store_falls_back_to_pyshacl() -> None:
    store = open_store(Settings(), in_memory=True)
    ns = store.namespaces
    shapes = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:pattern "a b" ; sh:flags "x" ; sh:message "no" ."""
    store.raw.load(
        shapes, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ns.graph_iri(GRAPH_SHAPES))
    )
    store.raw.load(
        "<http://example.org/ab> a <http://example.org/C> .",
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode(ns.graph_iri("entities")),
    )
    with pytest.raises(UnsupportedShapes):
        validate_store(store, engine="sparql")
    auto = validate_store(store)
    assert results(auto) == results(validate_store(store, engine="pyshacl"))
    with pytest.raises(ValueError):
        validate_store(store, engine="fast")


def test_validate_store_of_some_graphs(broken_seed: tuple[EmbeddedStore, str, str]) -> None:
    """Named graphs are validated over exactly those graphs, with the ontology."""
    store, claim, actor = broken_seed
    entities = store.namespaces.graph_iri("entities")
    report = validate_store(store, graphs=[entities], engine="sparql")
    assert actor in {v.focus for v in report.violations}
    assert claim not in {v.focus for v in report.violations}
    assert all(v.graphs == (entities,) for v in report.violations if v.focus.startswith("http"))
    assert results(report) == results(validate_store(store, graphs=[entities], engine="pyshacl"))
