"""SHACL validation of the merged data graph with pySHACL.

The shapes validate the *merged* data (entities, dataset description and every source graph
together), because `sh:class` checks cross graphs: a claim in a source graph points at a person
in the entities graph. The ontology and the vocabulary declarations are given to pySHACL as its
ontology graph, so class hierarchies are respected (a kg:Person is a prov:Agent).

validate_store runs the shapes compiled to SPARQL inside the store (kgraph.compiled_shapes, with
the same results) unless asked for pySHACL or the shapes use a construct the compiler lacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate
from rdflib.namespace import RDF, SH

from kgraph.namespaces import (
    GRAPH_ONTOLOGY,
    GRAPH_SHAPES,
    GRAPH_VOCABULARIES,
    Namespaces,
)
from kgraph.store.embedded import EmbeddedStore


@dataclass(frozen=True)
class Violation:
    """One validation result, as a reader needs it."""

    focus: str
    path: str | None
    message: str
    severity: str
    shape: str | None
    value: str | None = None
    graphs: tuple[str, ...] = ()

    def describe(self) -> str:
        where = f" (in {', '.join(self.graphs)})" if self.graphs else ""
        path = f" {self.path}" if self.path else ""
        value = f" [value: {self.value}]" if self.value else ""
        return f"{self.severity}: {self.focus}{path}: {self.message}{value}{where}"


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    graph: rdflib.Graph | None = None

    def text(self) -> str:
        if self.conforms:
            return "conforms: the data satisfies every shape"
        lines = [f"does not conform: {len(self.violations)} result(s)"]
        lines += ["  " + v.describe() for v in self.violations]
        return "\n".join(lines)


def to_rdflib(quads: Iterable[ox.Quad] | Iterable[ox.Triple], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Copy pyoxigraph triples (or quads, ignoring graph names) into an rdflib Graph."""
    g = graph if graph is not None else rdflib.Graph()
    for q in quads:
        g.add((_term(q.subject), _term(q.predicate), _term(q.object)))  # type: ignore[arg-type]
    return g


def _term(t: object) -> rdflib.term.Node:
    if isinstance(t, ox.NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return rdflib.BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))
    raise TypeError(f"cannot convert {t!r} to rdflib (RDF 1.2 triple terms are not validated)")


def data_graph_iris(store: EmbeddedStore) -> list[str]:
    """The named graphs that hold data (what the shapes validate)."""
    ns = store.namespaces
    skip = {ns.graph_iri(n) for n in (GRAPH_ONTOLOGY, GRAPH_VOCABULARIES, GRAPH_SHAPES)}
    skip.add(ns.graph_iri("truthy"))
    staging = ns.graph_iri("staging/")
    return [g for g in store.graphs() if g not in skip and not g.startswith(staging)]


def validate_graphs(
    data: rdflib.Graph,
    shapes: rdflib.Graph,
    ontology: rdflib.Graph | None,
    *,
    provenance: dict[str, tuple[str, ...]] | None = None,
    focus_nodes: Sequence[rdflib.URIRef] | None = None,
) -> ValidationReport:
    """Validate `data` (with `ontology` mixed in) against `shapes`; only `focus_nodes` when
    given (what a write touched), else every target."""
    if ontology is not None:
        # Mixed in by hand: pySHACL mixes ont_graph only when it runs inference, and inference
        # is not wanted (sh:class already follows rdfs:subClassOf in the data graph).
        data = data + ontology
    conforms, results_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
        focus_nodes=list(focus_nodes) if focus_nodes else None,
    )
    assert isinstance(results_graph, rdflib.Graph)
    violations = []
    for result in results_graph.subjects(RDF.type, SH.ValidationResult):
        def one(p: rdflib.URIRef) -> str | None:
            v = results_graph.value(result, p)
            return None if v is None else str(v)

        focus = one(SH.focusNode) or "?"
        severity = (one(SH.resultSeverity) or "").rsplit("#", 1)[-1]
        violations.append(
            Violation(
                focus=focus,
                path=one(SH.resultPath),
                message=one(SH.resultMessage) or "(no message)",
                severity=severity,
                shape=one(SH.sourceShape),
                value=one(SH.value),
                graphs=(provenance or {}).get(focus, ()),
            )
        )
    violations.sort(key=lambda v: (v.focus, v.path or "", v.message))
    hard = [v for v in violations if v.severity == "Violation"]
    return ValidationReport(conforms=not hard, violations=violations, graph=results_graph)


#: How validate_store validates: "sparql" runs the shapes compiled to SPARQL inside the store
#: (kgraph.compiled_shapes: seconds where pySHACL takes minutes), "pyshacl" copies the data into
#: rdflib for pySHACL, "auto" compiles and falls back to pySHACL for shapes the compiler does
#: not support.
ENGINES = ("auto", "sparql", "pyshacl")


def validate_store(
    store: EmbeddedStore, *, graphs: Sequence[str] | None = None, engine: str = "auto"
) -> ValidationReport:
    """Validate the data graphs of a store (all of them, or those named) against its shapes."""
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; one of {', '.join(ENGINES)}")
    if engine != "pyshacl":
        from kgraph.compiled_shapes import UnsupportedShapes

        try:
            return _validate_store_sparql(store, graphs)
        except UnsupportedShapes:
            if engine == "sparql":
                raise
    return _validate_store_pyshacl(store, graphs)


def _validate_store_sparql(store: EmbeddedStore, graphs: Sequence[str] | None) -> ValidationReport:
    """The compiled shapes run over the store itself. All data graphs: over the union of all
    graphs (one index scan; a list of graphs is evaluated graph by graph, tens of times slower)
    with the graphs that are not data (shapes, truthy, staging) kept out of targets and values.
    Some graphs: over exactly those, with the ontology and vocabularies."""
    from kgraph.compiled_shapes import compiled_store_shapes

    ns: Namespaces = store.namespaces
    compiled = compiled_store_shapes(store.quads(ns.graph_iri(GRAPH_SHAPES)))
    vocabulary = [ns.graph_iri(GRAPH_ONTOLOGY), ns.graph_iri(GRAPH_VOCABULARIES)]
    if graphs is None:
        data = data_graph_iris(store)
        keep = set(data) | set(vocabulary)
        excluded = [g for g in store.graphs() if g not in keep]
        report = compiled.validate(store.raw, exclude_graphs=excluded)
    else:
        data = list(graphs)
        report = compiled.validate(store.raw, default_graph=[ox.NamedNode(g) for g in [*data, *vocabulary]])
    return _with_graphs(store, report, data)


def _with_graphs(store: EmbeddedStore, report: ValidationReport, data: Sequence[str]) -> ValidationReport:
    """Name, for each result, the data graphs that describe its focus node (as the pySHACL path
    does from the triples it copied)."""
    foci = sorted({str(n) for n in (_iri(v.focus) for v in report.violations) if n is not None})
    found: dict[str, set[str]] = {}
    wanted = set(data)
    for start in range(0, len(foci), 500):
        values = " ".join(foci[start:start + 500])
        rows = store.raw.query(f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
        for row in rows:  # type: ignore[union-attr]
            if row["g"].value in wanted:
                found.setdefault(row["s"].value, set()).add(row["g"].value)
    report.violations = [
        replace(v, graphs=tuple(sorted(found.get(v.focus, ())))) for v in report.violations
    ]
    return report


def _iri(text: str) -> ox.NamedNode | None:
    """The focus node as an IRI (None for a blank node or a literal focus)."""
    if ":" not in text:
        return None
    try:
        return ox.NamedNode(text)
    except ValueError:
        return None


def _validate_store_pyshacl(store: EmbeddedStore, graphs: Sequence[str] | None) -> ValidationReport:
    ns: Namespaces = store.namespaces
    data = rdflib.Graph()
    provenance: dict[str, set[str]] = {}
    for graph in graphs if graphs is not None else data_graph_iris(store):
        for q in store.quads(graph):
            data.add((_term(q.subject), _term(q.predicate), _term(q.object)))  # type: ignore[arg-type]
            if isinstance(q.subject, ox.NamedNode):
                provenance.setdefault(q.subject.value, set()).add(graph)
    shapes = to_rdflib(store.quads(ns.graph_iri(GRAPH_SHAPES)))
    ontology = to_rdflib(store.quads(ns.graph_iri(GRAPH_ONTOLOGY)))
    to_rdflib(store.quads(ns.graph_iri(GRAPH_VOCABULARIES)), ontology)
    return validate_graphs(
        data,
        shapes,
        ontology,
        provenance={k: tuple(sorted(v)) for k, v in provenance.items()},
    )

