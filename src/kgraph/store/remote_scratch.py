"""The local copy a write is tried on before it reaches a remote store.

The write gate (kgraph.writes) applies a write to a copy, takes the difference over the graphs
the write may change, finds the nodes whose validation the change can alter (`writes.affected`:
ancestors up to READ_DEPTH links inwards, their children, the objects) and validates those with
the shapes. On the embedded store the copy is the whole store (a checkpoint). A remote store is
not copied whole; the copy holds:

* the ontology, vocabularies and shapes graphs, and every graph in the write's scope, whole;
* once the write has been applied to the copy, the neighbourhood of what it changed, fetched
  from the server: the inward links up to READ_DEPTH from the changed subjects and the outward
  links of their parents (what `affected` walks), then for every focus node the links the
  shapes read inwards (their sh:inversePath properties and the `?x <p> $this` patterns of their
  SPARQL constraints) and everything up to READ_DEPTH links outwards from the focus nodes and
  those inward neighbours. Vocabulary terms (classes, code-list concepts) are never expanded.

So validation sees what it would see on the whole store, at a cost that follows the size of the
write. Two kinds of write need every node validated, so a copy of everything: a SPARQL update
(which does not say which graphs it changes) and a change to the ontology, vocabularies or
shapes. They are refused on a store larger than `max_copy_quads`, with what to do instead.
Blank nodes cannot be named across requests, so the neighbourhood stops at them; kgraph's data
graphs have none (its shapes and ontology do, and are copied whole).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgraph.errors import UserError
from kgraph.namespaces import GRAPH_ONTOLOGY, GRAPH_SHAPES, GRAPH_VOCABULARIES

if TYPE_CHECKING:
    from kgraph.store.remote import RemoteStore

SH = "http://www.w3.org/ns/shacl#"
#: Nodes per VALUES block when fetching a neighbourhood.
CHUNK = 200
_INWARD = re.compile(r"[?$][A-Za-z_][A-Za-z0-9_]*\s+(<[^<>\s]+>|[A-Za-z][\w.-]*:[\w.-]*)\s+\$this\b"
                     r"|\$this\s+\^(<[^<>\s]+>|[A-Za-z][\w.-]*:[\w.-]*)")


class ScratchTooLarge(UserError):
    """A write that needs the whole store copied, on a remote store too large for that."""


def _schema_graphs(store: "RemoteStore") -> list[str]:
    return [store.namespaces.graph_iri(g) for g in (GRAPH_ONTOLOGY, GRAPH_VOCABULARIES, GRAPH_SHAPES)]


@contextmanager
def scratch_copy(store: "RemoteStore", scope: Sequence[str | None] | None) -> Iterator[Any]:
    schema = _schema_graphs(store)
    local = ox.Store()
    cache: dict[str | None, list[ox.Quad]] = {}
    try:
        if scope is None or any(g in schema for g in scope):
            everything = _copy_everything(store, scope)
            local.extend(everything)
            if scope is None:
                cache[None] = everything
            else:
                for g in scope:
                    cache[g] = [q for q in everything if _graph_name(q) == (g or "")]
            store._local.quads = cache
            yield RemoteScratch(store, local, None, cache, complete=False)
            return
        for g in schema:
            local.extend(store.quads(g))
        for g in scope:
            if g is None:
                cache[None] = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                               for t in store.triples(None)]
            else:
                cache[g] = list(store.quads(g))
            local.extend(cache[g])
        store._local.quads = cache
        yield RemoteScratch(store, local, list(scope), cache)
    finally:
        store._local.quads = None


def _copy_everything(store: "RemoteStore", scope: Sequence[str | None] | None) -> list[ox.Quad]:
    size = store.count()
    if size > store.max_copy_quads:
        if scope is None:
            what = ("a SPARQL update does not say which graphs it changes, so it is validated "
                    "on a copy of the whole store")
            instead = ("send the change with the Graph Store protocol (PUT, POST or DELETE "
                       "/store?graph=<iri>), which names the graph it writes")
        else:
            what = ("a change to the ontology, vocabularies or shapes re-validates every node, "
                    "on a copy of the whole store")
            instead = ("validate the repository with `kgraph validate`, then load it with "
                       "`kgraph load --store URL`")
        raise ScratchTooLarge(
            f"{what}, and this remote store holds {size} quads (more than "
            f"{store.max_copy_quads}, KGRAPH_STORE_MAX_COPY_QUADS): {instead}")
    return list(store.quads())


class RemoteScratch:
    """A pyoxigraph store that stands in for the remote one while a write is validated: it
    behaves as the store it wraps, refuses an update whose effect on the server it cannot
    reproduce, and (unless it is a copy of everything) completes itself with the neighbourhood
    of what an update changed as soon as the update is applied."""

    def __init__(self, store: "RemoteStore", local: ox.Store, scope: list[str | None] | None,
                 old: dict[str | None, list[ox.Quad]], *, complete: bool = True) -> None:
        self._store = store
        self._local = local
        self._scope = {g or "" for g in scope or []}
        self._old = old
        self._complete_after_update = complete
        self._held = self._scope | set(_schema_graphs(store))
        self._fetched: set[tuple[str, str]] = set()

    # what the write gate uses of a pyoxigraph store ------------------------------------------
    def update(self, update: str, **options: Any) -> None:
        self._store.check_validatable(update)
        self._local.update(update, **options)
        if self._complete_after_update:
            self._complete()

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self._local)

    def __len__(self) -> int:
        return len(self._local)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._local, name)

    # the neighbourhood -----------------------------------------------------------------------
    def _complete(self) -> None:
        from kgraph.writes import READ_DEPTH, affected

        changed = self._changed()
        if not changed:
            return
        ns = self._store.namespaces
        terms: set[object] = {q.subject for g in (GRAPH_ONTOLOGY, GRAPH_VOCABULARIES)
                              for q in self._local.quads_for_pattern(
                                  None, None, None, ox.NamedNode(ns.graph_iri(g)))}
        subjects = {s for s, _ in changed if isinstance(s, ox.NamedNode)} - terms
        # what `affected` walks: ancestors, and the children of the first parents
        frontier, ancestors, parents_1 = set(subjects), set(subjects), set()
        for depth in range(READ_DEPTH):
            self._fetch("in", frontier)
            parents = {q.subject for n in frontier
                       for q in self._local.quads_for_pattern(None, None, n, None)}
            frontier = {p for p in parents if isinstance(p, ox.NamedNode)} - ancestors - terms
            if depth == 0:
                parents_1 = set(frontier)
            ancestors |= frontier
        self._fetch("out", parents_1 | subjects)
        focus = affected(self._local, terms, changed)
        # what the shapes read around each focus node
        inverse = self._inverse_predicates()
        owners: set[ox.NamedNode] = set()
        if inverse:
            self._fetch("in", focus, inverse)
            owners = {q.subject for n in focus for p in inverse
                      for q in self._local.quads_for_pattern(None, ox.NamedNode(p), n, None)
                      if isinstance(q.subject, ox.NamedNode)}
        frontier, seen = (set(focus) | owners) - terms, set()
        for _ in range(READ_DEPTH):
            self._fetch("out", frontier)
            seen |= frontier
            frontier = {q.object for n in frontier
                        for q in self._local.quads_for_pattern(n, None, None, None)
                        if isinstance(q.object, ox.NamedNode)} - seen - terms

    def _changed(self) -> list[tuple[object, object]]:
        changed: list[tuple[object, object]] = []
        for g, before in self._old.items():
            graph = ox.DefaultGraph() if g is None else ox.NamedNode(g)
            after = list(self._local.quads_for_pattern(None, None, None, graph))
            old, new = {str(q) for q in before}, {str(q) for q in after}
            changed += [(q.subject, q.object) for q in after if str(q) not in old]
            changed += [(q.subject, q.object) for q in before if str(q) not in new]
        return changed

    def _fetch(self, direction: str, nodes: Iterable[object], predicates: Iterable[str] = ()) -> None:
        """Copy the quads with these nodes as object ("in") or subject ("out") from the server,
        except those of the graphs the copy holds whole."""
        key = direction + " ".join(sorted(predicates))
        todo = sorted({n.value for n in nodes if isinstance(n, ox.NamedNode)}
                      - {v for k, v in self._fetched if k == key})
        self._fetched |= {(key, v) for v in todo}
        position = "?o" if direction == "in" else "?s"
        restrict = (f"VALUES ?p {{ {' '.join(f'<{p}>' for p in sorted(predicates))} }} "
                    if predicates else "")
        for start in range(0, len(todo), CHUNK):
            values = " ".join(f"<{v}>" for v in todo[start:start + CHUNK])
            rows = self._store._select(
                f"SELECT ?s ?p ?o ?g WHERE {{ VALUES {position} {{ {values} }} {restrict}"
                "GRAPH ?g { ?s ?p ?o } }")
            self._local.extend(
                ox.Quad(r["s"], r["p"], r["o"], r["g"])  # type: ignore[arg-type]
                for r in rows if r["g"].value not in self._held)  # type: ignore[union-attr]

    def _inverse_predicates(self) -> set[str]:
        """The properties the shapes read from a node towards the nodes that point at it."""
        ns = self._store.namespaces
        shapes = ox.NamedNode(ns.graph_iri(GRAPH_SHAPES))
        found = {q.object.value for q in self._local.quads_for_pattern(
            None, ox.NamedNode(SH + "inversePath"), None, shapes) if isinstance(q.object, ox.NamedNode)}
        prefixes = dict(ns.prefixes)
        for q in self._local.quads_for_pattern(None, ox.NamedNode(SH + "prefix"), None, shapes):
            for n in self._local.quads_for_pattern(q.subject, ox.NamedNode(SH + "namespace"), None, shapes):
                if isinstance(q.object, ox.Literal) and isinstance(n.object, ox.Literal):
                    prefixes[q.object.value] = n.object.value
        for q in self._local.quads_for_pattern(None, ox.NamedNode(SH + "select"), None, shapes):
            if not isinstance(q.object, ox.Literal):
                continue
            for m in _INWARD.finditer(q.object.value):
                name = m.group(1) or m.group(2)
                if name.startswith("<"):
                    found.add(name[1:-1])
                elif name.split(":", 1)[0] in prefixes:
                    prefix, local = name.split(":", 1)
                    found.add(prefixes[prefix] + local)
        return found


def _graph_name(q: ox.Quad) -> str:
    return q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""


__all__ = ["RemoteScratch", "ScratchTooLarge", "scratch_copy"]
