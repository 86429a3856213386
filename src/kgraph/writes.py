"""Validated writes: every change is tried on a scratch copy, validated, then committed whole.

pyoxigraph cannot validate inside a transaction, so a write goes like this:

1. the operation is written as one SPARQL update (Graph Store PUT/POST/DELETE become
   DROP + INSERT DATA), so the scratch copy and the store see exactly the same operation;
2. it is applied to a copy of the store (a checkpoint: hard links, so its cost does not grow
   with the store), and the difference tells which graphs and which nodes it touches;
   graphs kgraph maintains itself (meta, truthy, audit) refuse a write that names them, and
   are left as they are by one over every graph (CLEAR ALL, DROP NAMED, GRAPH ?g);
3. with validation on, the shapes (compiled to SPARQL, pySHACL as the fallback) are run on
   the touched nodes (and the nodes that point at them) in the copy; any violation refuses
   the write with the report (HTTP 422);
4. that difference (DELETE DATA / INSERT DATA: exactly what was validated, whatever RAND() or
   NOW() gave; the update itself only where blank nodes cannot be written so), followed by
   its record in the write log (graph/meta: a prov:Activity with who, when, which graphs, how
   many triples), is applied to the store in one transaction;
5. the truthy graph is re-derived and readers are refreshed.

Writes are serialised by a lock: one at a time, each seeing the previous one.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyoxigraph as ox

from kgraph.errors import KgraphError, UserError, ValidationFailed
from kgraph.loading import derive_truthy
from kgraph.namespaces import (
    GRAPH_META,
    GRAPH_ONTOLOGY,
    GRAPH_SHAPES,
    GRAPH_STAGING_PREFIX,
    GRAPH_TRUTHY,
    GRAPH_VOCABULARIES,
    Namespaces,
)
from kgraph.sparql_text import check_nesting, named_iris
from kgraph.store import AnyStore, EmbeddedStore
from kgraph.store.base import query_error
import rdflib

from kgraph.validation import ValidationReport, _term, validate_graphs


class WriteRefused(KgraphError):
    """A write to something kgraph maintains itself (HTTP 403)."""

    http_status = 403
    exit_code = 2


@dataclass
class WriteResult:
    activity: str
    added: int
    removed: int
    graphs: list[str] = field(default_factory=list)


class WriteGate:
    def __init__(
        self,
        store: AnyStore,
        *,
        validate: bool = True,
        on_commit: Callable[[Collection[str] | None], None] | None = None,
    ) -> None:
        self.store = store
        self.validate = validate
        self.on_commit = on_commit
        self._lock = threading.Lock()
        ns = store.namespaces
        self._shape_graphs = {ns.graph_iri(g) for g in (GRAPH_ONTOLOGY, GRAPH_VOCABULARIES, GRAPH_SHAPES)}

    # operations --------------------------------------------------------------------------------
    def rederive(self) -> int:
        """Derive the truthy graph again from the whole store, under the write lock (writes
        wait, queries go on and see the old graph until the new one replaces it in one step).
        The server does this at start, in the background: a process stopped between a write
        and the derivation that follows it would otherwise leave the graph behind the data."""
        with self._lock:
            n = derive_truthy(self.store)
        if self.on_commit:
            self.on_commit([self.store.namespaces.graph_iri(GRAPH_TRUTHY)])
        return n

    def update(self, text: str, *, agent: str, base_iri: str | None = None) -> WriteResult:
        """A SPARQL update; relative IRIs in it resolve against `base_iri` (the endpoint's URL
        for a request)."""
        check_nesting(text, "update")
        return self._write(text, agent, "SPARQL update", base_iri=base_iri)

    def put_graph(self, graph: str | None, triples: Iterable[ox.Triple], *, agent: str,
                  maintained: bool = False) -> tuple[bool, WriteResult]:
        """Replace a graph. `maintained` lets kgraph itself (an audit run) write one of the
        graphs it maintains, which requests may not."""
        existed = self._graph_exists(graph)
        body = _insert_data(graph, triples)
        operation = "audit run" if maintained else "Graph Store PUT"
        allowed = {graph} if maintained and graph else set()
        # a named graph PUT with no triples still exists afterwards, empty (as CREATE makes it)
        create = "" if graph is None else f"CREATE SILENT GRAPH <{graph}> ;\n"
        result = self._write(f"{_drop(graph)} ;\n{create}{body}", agent, operation, allowed,
                             scope=[graph])
        return (not existed, result)

    def post_graph(self, graph: str | None, triples: Iterable[ox.Triple], *, agent: str) -> tuple[bool, WriteResult]:
        existed = self._graph_exists(graph)
        return (not existed, self._write(_insert_data(graph, triples), agent, "Graph Store POST",
                                         scope=[graph]))

    def post_dataset(self, quads: Iterable[ox.Quad], *, agent: str) -> WriteResult:
        """Add quads, each to its own graph (a TriG or N-Quads upload)."""
        quads = list(quads)
        scope = sorted({None if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
                        for q in quads}, key=lambda g: g or "")
        text = f"INSERT DATA {{\n{_quad_data(quads)}\n}}" if quads else ""
        return self._write(text, agent, "Graph Store POST", scope=scope)  # type: ignore[arg-type]

    def put_dataset(self, quads: Iterable[ox.Quad], *, agent: str) -> WriteResult:
        """Replace every graph with the quads given (the graphs kgraph maintains stay)."""
        quads = list(quads)
        insert = f" ;\nINSERT DATA {{\n{_quad_data(quads)}\n}}" if quads else ""
        return self._write(f"DROP ALL{insert}", agent, "Graph Store PUT")

    def delete_graph(self, graph: str | None, *, agent: str) -> WriteResult:
        if graph is not None and not self._graph_exists(graph):
            raise KeyError(graph)
        return self._write(_drop(graph), agent, "Graph Store DELETE", scope=[graph])

    def _graph_exists(self, graph: str | None) -> bool:
        if graph is None:
            return True
        return graph in self.store.graphs()

    # the one write path ------------------------------------------------------------------------
    def _write(self, update: str, agent: str, operation: str,
               allowed: set[str] | None = None, scope: list[str | None] | None = None,
               base_iri: str | None = None) -> WriteResult:
        """`scope`: the graphs the update can change, when the operation says so (Graph Store
        requests); the difference is then computed on them alone instead of the whole store.
        `base_iri`: what relative IRIs in the update resolve against."""
        with self._lock, self.store.scratch_copy(scope) as scratch:
            try:
                if update:
                    scratch.update(update, prefixes=self.store.namespaces.prefixes, base_iri=base_iri)
            except SyntaxError as exc:
                raise query_error(exc, "update") from None
            except OSError as exc:  # e.g. LOAD of something that is not RDF
                raise UserError(f"the update cannot be applied: {exc}") from None
            except RuntimeError as exc:  # CREATE of an existing graph, DROP of a missing one
                if not _GRAPH_STATE.match(str(exc)):
                    raise
                raise UserError(f"the update cannot be applied: {exc} (SILENT ignores that)") from None
            added, removed = _difference(self.store, scratch, scope)
            # graphs created or dropped empty change no quad, and are still seen by queries: an
            # update may do that to any graph, a Graph Store request to its own only
            after = {g.value for g in scratch.named_graphs() if isinstance(g, ox.NamedNode)}
            if scope is None:
                before = set(self.store.graphs())
                created, dropped = after - before, before - after
            else:  # its own graphs only, said with SILENT: no listing of the store's graphs
                names = {g for g in scope if g is not None}
                created, dropped = after & names, names - after
            kept = self._maintained_touched(update, added, removed, created | dropped, allowed or set())
            if kept:  # an operation over every graph: those kgraph maintains stay as they are
                added = [q for q in added if _graph_name(q) not in kept]
                removed = [q for q in removed if _graph_name(q) not in kept]
                created, dropped = created - kept, dropped - kept
            graphs = sorted({_graph_name(q) for q in (*added, *removed)})
            emptied = created | dropped if scope is None else {"" if g is None else g for g in scope}
            if self.validate and (added or removed):
                report = self._validate(scratch, added, removed)
                if not report.conforms:
                    raise ValidationFailed(
                        f"the write violates the shapes ({sum(v.severity == 'Violation' for v in report.violations)} "
                        "violation(s)); nothing was changed",
                        report,
                    )
            # The store gets the difference that was validated, not the update run again (which
            # could come out otherwise: RAND(), NOW(), UUID()), except where the difference holds
            # blank nodes SPARQL cannot name: the update is then run again.
            commit = _apply_difference(added, removed, created, dropped, scratch,
                                       self._blank_node_in_store)
            if commit is None and kept:
                raise WriteRefused("the update changes blank nodes in every graph, and graphs "
                                   f"kgraph maintains ({', '.join(sorted(kept))}) would change "
                                   "with them; name the graphs to change instead")
            if commit is None:
                commit = update if base_iri is None else f"BASE <{base_iri}>\n{update}"
            activity = f"{self.store.namespaces.id}write/{uuid.uuid4()}"
            log = _log_update(self.store.namespaces.graph_iri(GRAPH_META), activity, agent,
                              operation, graphs, len(added), len(removed),
                              self.store.namespaces.kg)
            self.store.update(f"{commit} ;\n{log}" if commit else log)
            changed = {*graphs, *emptied, self.store.namespaces.graph_iri(GRAPH_META)}
            if any(g not in self._shape_graphs for g in graphs):  # the data changed
                derive_truthy(self.store, [*added, *removed])  # only the subjects they touch
                changed.add(self.store.namespaces.graph_iri(GRAPH_TRUTHY))
        if self.on_commit:
            self.on_commit(changed)
        return WriteResult(activity, len(added), len(removed), graphs)

    def _blank_node_in_store(self, node: ox.BlankNode) -> bool | None:
        """Whether the store holds the blank node already (None: it cannot tell)."""
        if not isinstance(self.store, EmbeddedStore):
            return None
        raw = self.store.raw
        return (next(iter(raw.quads_for_pattern(node, None, None, None)), None) is not None
                or next(iter(raw.quads_for_pattern(None, None, node, None)), None) is not None)

    def _maintained_touched(self, update: str, added: list[ox.Quad], removed: list[ox.Quad],
                            graphs: set[str], allowed: set[str]) -> set[str]:
        """The graphs kgraph maintains (write log, truthy, audit findings, staging) that the
        update changed without naming them (CLEAR ALL, DROP NAMED, a pattern over GRAPH ?g):
        those are kept as they are. One the update names is refused (WriteRefused)."""
        touched = {_graph_name(q) for q in (*added, *removed)} | graphs
        maintained = {g for g in touched
                      if self.store.namespaces.maintained(g) and g not in allowed}
        named = maintained & named_iris(update, self.store.namespaces.prefixes)
        if named:
            raise WriteRefused(f"the graph {min(named)} is maintained by kgraph and cannot be written")
        return maintained

    def _validate(self, scratch: ox.Store, added: list[ox.Quad], removed: list[ox.Quad]) -> ValidationReport:
        """Validate the nodes the write touches, and the nodes that point at them, in the copy."""
        ns = self.store.namespaces
        if any(_graph_name(q) in self._shape_graphs for q in (*added, *removed)):
            # the ontology or the shapes changed: any node may be affected
            return _validate_copy(scratch, ns)
        vocabulary = {ns.graph_iri(g) for g in (GRAPH_ONTOLOGY, GRAPH_VOCABULARIES)}
        terms = {q.subject for g in vocabulary
                 for q in scratch.quads_for_pattern(None, None, None, ox.NamedNode(g))}
        changed = [(q.subject, q.object) for q in (*added, *removed)]
        focus = affected(scratch, terms, changed)
        if not focus:
            return ValidationReport(conforms=True)
        return _validate_copy(scratch, ns, focus_nodes=sorted(focus, key=str))


def _validate_copy(scratch: ox.Store, ns: Namespaces,
                   focus_nodes: list[ox.NamedNode] | None = None) -> ValidationReport:
    """The shapes on the copy's data graphs (not the shapes, truthy, meta or staging graphs),
    with the ontology and vocabularies read for class hierarchies: compiled to SPARQL and run
    in the copy itself, or with pySHACL when the shapes use a construct the compiler lacks."""
    from kgraph.compiled_shapes import UnsupportedShapes, compiled_store_shapes

    not_data = {ns.graph_iri(GRAPH_TRUTHY), ns.graph_iri(GRAPH_META), ns.graph_iri(GRAPH_SHAPES)}
    staging = ns.graph_iri(GRAPH_STAGING_PREFIX)
    try:
        compiled = compiled_store_shapes(
            scratch.quads_for_pattern(None, None, None, ox.NamedNode(ns.graph_iri(GRAPH_SHAPES))))
    except UnsupportedShapes:
        return _validate_copy_pyshacl(scratch, ns, focus_nodes)
    excluded = [g.value for g in scratch.named_graphs()
                if isinstance(g, ox.NamedNode) and (g.value in not_data or g.value.startswith(staging))]
    return compiled.validate(scratch, exclude_graphs=excluded, focus_nodes=focus_nodes)


def _validate_copy_pyshacl(scratch: ox.Store, ns: Namespaces,
                           focus_nodes: list[ox.NamedNode] | None = None) -> ValidationReport:
    """pySHACL on the copy's data graphs, with the ontology and vocabularies mixed in."""
    data, ontology, shapes = rdflib.Graph(), rdflib.Graph(), rdflib.Graph()
    skip = {ns.graph_iri(GRAPH_TRUTHY), ns.graph_iri(GRAPH_META)}
    vocabulary = {ns.graph_iri(GRAPH_ONTOLOGY), ns.graph_iri(GRAPH_VOCABULARIES)}
    staging = ns.graph_iri(GRAPH_STAGING_PREFIX)
    for q in scratch:
        g = _graph_name(q)
        if g in skip or g.startswith(staging):
            continue
        triple = (_term(q.subject), _term(q.predicate), _term(q.object))
        if g == ns.graph_iri(GRAPH_SHAPES):
            shapes.add(triple)  # type: ignore[arg-type]
        elif g in vocabulary:
            ontology.add(triple)  # type: ignore[arg-type]
        else:
            data.add(triple)  # type: ignore[arg-type]
    focus = [rdflib.URIRef(n.value) for n in focus_nodes] if focus_nodes is not None else None
    return validate_graphs(data, shapes, ontology, focus_nodes=focus)


#: How many links a constraint on a focus node follows outwards in kgraph's shapes (a claim's
#: reference's document's publisher).
READ_DEPTH = 3


def affected(data: ox.Store, terms: set[object],
             changed: list[tuple[object, object]]) -> set[ox.NamedNode]:
    """The focus nodes whose validation a change of triples (subject, object) can alter.

    A constraint reads outwards from its focus node, up to READ_DEPTH links: so the subject's
    ancestors within that depth are affected. Three shapes also read one link inwards (a passage
    reads the references citing it, a document its passages, a time value its owner's
    inferences): so the object itself, and the children of the subject's parents, are too.
    Vocabulary terms (classes, code-list concepts) are never expanded: every claim links to
    kg:Asserts, and going through it would reach everything. Reads the store's indexes, so
    the cost follows the size of the write, not of the store."""
    subjects = {s for s, _ in changed if isinstance(s, (ox.NamedNode, ox.BlankNode))}
    objects = {o for _, o in changed if isinstance(o, (ox.NamedNode, ox.BlankNode))}

    def parents(nodes: set[object]) -> set[object]:
        return {q.subject for n in nodes if n not in terms
                for q in data.quads_for_pattern(None, None, n, None)}  # type: ignore[arg-type]

    ancestors = set(subjects)
    frontier = set(subjects)
    parents_1: set[object] = set()
    for depth in range(READ_DEPTH):
        frontier = parents(frontier) - ancestors
        if depth == 0:
            parents_1 = set(frontier)
        ancestors |= frontier
    siblings = {q.object for p in parents_1 | subjects if p not in terms
                for q in data.quads_for_pattern(p, None, None, None)  # type: ignore[arg-type]
                if not isinstance(q.object, ox.Literal)}
    nodes = ancestors | objects | siblings
    return {n for n in nodes if isinstance(n, ox.NamedNode) and n not in terms}


def _difference(store: AnyStore, after: ox.Store,
                scope: list[str | None] | None) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The quads the write added and removed: over the graphs in `scope`, or everything."""
    def graph_quads(g: str | None, quads: Iterable[ox.Quad]) -> list[ox.Quad]:
        return [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)] if g is None else list(quads)

    if scope is None:
        old_quads, new_quads = list(store.quads()), list(after)
    else:
        old_quads = [q for g in scope for q in graph_quads(g, store.quads(g))]
        new_quads = [q for g in scope for q in graph_quads(g, after.quads_for_pattern(
            None, None, None, ox.DefaultGraph() if g is None else ox.NamedNode(g)))]
    old = {_key(q) for q in old_quads}
    new = {_key(q) for q in new_quads}
    return ([q for q in new_quads if _key(q) not in old],
            [q for q in old_quads if _key(q) not in new])


#: The engine's errors for an operation on a graph in the wrong state: the request's fault.
_GRAPH_STATE = re.compile(r"^The graph \S+ (already exists|does not exist)$")


def _nameable(q: ox.Quad) -> bool:
    """Whether SPARQL text can name the quad's terms exactly (no blank node, no triple term)."""
    return not any(isinstance(t, (ox.BlankNode, ox.Triple)) for t in (q.subject, q.object))


def _apply_difference(added: list[ox.Quad], removed: list[ox.Quad], created: set[str],
                      dropped: set[str], after: ox.Store,
                      in_store: Callable[[ox.BlankNode], bool | None]) -> str | None:
    """One update that turns the store into `after`, the copy the write was tried on; None when
    SPARQL cannot say it. Removed quads with blank nodes are said by clearing their graph when
    it is left empty; added ones by INSERT DATA when their blank nodes are new (it makes fresh
    ones, alike within the operation), not when they are the store's own."""
    cleared = sorted({_graph_name(q) for q in removed if not _nameable(q)})
    for g in cleared:
        name = ox.DefaultGraph() if g == "" else ox.NamedNode(g)
        if next(iter(after.quads_for_pattern(None, None, None, name)), None) is not None:
            return None  # blank-node quads removed from a graph that keeps others
    for q in added:
        if any(isinstance(t, ox.Triple) for t in (q.subject, q.object)):
            return None
        for t in (q.subject, q.object):
            if isinstance(t, ox.BlankNode) and in_store(t) is not False:
                return None
    removed = [q for q in removed if _graph_name(q) not in cleared]
    parts = ["CLEAR SILENT DEFAULT" if not g else f"CLEAR SILENT GRAPH <{g}>" for g in cleared]
    parts += [f"{op} {{\n{_quad_data(quads)}\n}}" for op, quads in (("DELETE DATA", removed),
                                                                  ("INSERT DATA", added)) if quads]
    parts += [f"DROP SILENT GRAPH <{g}>" for g in sorted(dropped)]
    parts += [f"CREATE SILENT GRAPH <{g}>" for g in sorted(created)]
    return " ;\n".join(parts)


def _quad_data(quads: list[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        by_graph.setdefault(_graph_name(q), []).append(f"{q.subject} {q.predicate} {q.object} .")
    return "\n".join("\n".join(lines) if not g else f"GRAPH <{g}> {{\n" + "\n".join(lines) + "\n}"
                     for g, lines in by_graph.items())


def _key(q: ox.Quad) -> str:
    return str(q)


def _graph_name(q: ox.Quad) -> str:
    return q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""


def _drop(graph: str | None) -> str:
    return "DROP SILENT DEFAULT" if graph is None else f"DROP SILENT GRAPH <{graph}>"


def _insert_data(graph: str | None, triples: Iterable[ox.Triple]) -> str:
    lines = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    if graph is None:
        return f"INSERT DATA {{\n{lines}\n}}"
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{lines}\n}} }}"


def _log_update(meta: str, activity: str, agent: str, operation: str, graphs: list[str],
                added: int, removed: int, kg: str) -> str:
    """The write's record, appended to the same update so both land in one transaction."""
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    agent_iri = agent
    lines = [
        f"<{activity}> a <{kg}Write>, <http://www.w3.org/ns/prov#Activity> ;",
        f'  <http://www.w3.org/2000/01/rdf-schema#label> {ox.Literal(operation)} ;',
        f"  <http://www.w3.org/ns/prov#wasAssociatedWith> <{agent_iri}> ;",
        f'  <http://www.w3.org/ns/prov#endedAtTime> "{now}"^^<http://www.w3.org/2001/XMLSchema#dateTime> ;',
        f'  <{kg}triplesAdded> {added} ;',
        f'  <{kg}triplesRemoved> {removed} .',
        *(f"<{activity}> <{kg}writtenGraph> {('<' + g + '>') if g else f'<{kg}DefaultGraph>'} ." for g in graphs),
    ]
    body = "\n".join(lines)
    return f"INSERT DATA {{ GRAPH <{meta}> {{\n{body}\n}} }}"


__all__ = ["WriteGate", "WriteRefused", "WriteResult"]
