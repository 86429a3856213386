"""The one interface through which every kgraph command reaches a store.

Terms are pyoxigraph's (NamedNode, Literal, Quad): they are the lingua franca of the embedded
store and parse the results of a remote one, so nothing above this layer cares which it has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import IO, Protocol, Union, runtime_checkable

import pyoxigraph as ox

from kgraph.errors import Location, QueryError

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple]
QueryResult = Union[ox.QuerySolutions, ox.QueryBoolean, ox.QueryTriples]

_QUERY_ERROR = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


def query_error(exc: SyntaxError, what: str = "query") -> QueryError:
    """Turn pyoxigraph's SyntaxError for a query or update into a QueryError with line/column."""
    text = str(exc.args[0]) if exc.args else str(exc)
    match = _QUERY_ERROR.match(text)
    if match:
        line, column, message = int(match[1]), int(match[2]), match[3]
        return QueryError(f"the {what} does not parse: {message}", Location(line, column, what))
    return QueryError(f"the {what} does not parse: {text}")


def canonical_digest(quads: Iterable[ox.Quad]) -> str:
    """A digest of a dataset that does not depend on blank node labels or quad order
    (RDF Dataset Canonicalization, then SHA-256 of the sorted N-Quads)."""
    import hashlib

    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(str(q) for q in dataset)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@runtime_checkable
class GraphStore(Protocol):
    """What kgraph needs of a store: SPARQL, atomic graph replacement, dump."""

    def query(
        self,
        query: str,
        *,
        union_default_graph: bool = True,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[str, Term] | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL query. Raises QueryError for a query that does not parse."""
        ...

    def update(self, update: str) -> None:
        """Apply a SPARQL update atomically. Raises QueryError for one that does not parse."""
        ...

    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> int:
        """Replace a named graph's content atomically; returns the number of triples written."""
        ...

    def drop_graph(self, graph: str) -> None:
        """Remove a named graph and its triples (no error if absent)."""
        ...

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        ...

    def count(self, graph: str | None = None) -> int:
        """Triples in one named graph, or quads in the whole store."""
        ...

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of one named graph, or of the whole store."""
        ...

    def triples(self, graph: str | None) -> Iterator[ox.Triple]:
        """The triples of one named graph, or (None) of the store's own default graph."""
        ...

    def dump(self, output: IO[bytes], format: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> None:
        """Write the whole dataset."""
        ...

    def scratch_copy(self, scope: Sequence[str | None] | None = None) -> AbstractContextManager[ox.Store]:
        """A writable local pyoxigraph copy to try a write on before it is committed: at least
        the graphs in `scope` (None: every graph; None inside it: the default graph), the
        ontology, vocabularies and shapes, and whatever the shapes read around the nodes the
        write touches. Changes to it never reach the store."""
        ...

    def close(self) -> None: ...
