"""The embedded on-disk store: pyoxigraph (RocksDB) in this process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kgraph.errors import StoreError
from kgraph.namespaces import GRAPH_STAGING_PREFIX, Namespaces
from kgraph.sparql_text import check_nesting
from kgraph.store import _nquads
from kgraph.store.base import QueryResult, Term, query_error


# Marks a graph as being bulk-loaded, in the journal graph (internal, never left in the store).
_PENDING = ox.NamedNode("urn:kgraph:bulk-load-pending")


#: Source bytes per bulk load when many new graphs are loaded from files (a hundred MiB or so of
#: the loader's memory). The first batch is parsed before anything is written, so smaller
#: batches start the loader sooner; each bulk load has a cost of its own, so not too small.
BULK_BATCH_BYTES = 16 * 1024 * 1024


def _batches(files: Sequence[tuple[Path, ox.RdfFormat, str]],
             limit: int) -> Iterator[list[tuple[Path, ox.RdfFormat, str]]]:
    batch: list[tuple[Path, ox.RdfFormat, str]] = []
    size = 0
    for item in files:
        batch.append(item)
        size += item[0].stat().st_size
        if size >= limit:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class EmbeddedStore:
    """A pyoxigraph Store, on disk at `path` (or in memory when path is None)."""

    def __init__(self, path: Path | None, namespaces: Namespaces, *, read_only: bool = False):
        self.path = path
        self.namespaces = namespaces
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        if not read_only:
            self._drop_leftover_staging()

    # -- reading ---------------------------------------------------------------------------
    def query(
        self,
        query: str,
        *,
        union_default_graph: bool = True,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[str, Term] | None = None,
    ) -> QueryResult:
        check_nesting(query)
        kwargs: dict[str, object] = {"prefixes": self.namespaces.prefixes}
        if default_graphs:
            kwargs["default_graph"] = [_graph_term(g) for g in default_graphs]
        elif union_default_graph:
            # The engine's own union: a list of graphs is evaluated graph by graph (tens of
            # times slower with many source graphs); the union is one index scan.
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        try:
            return self._store.query(query, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise query_error(exc) from None
        except OSError as exc:
            raise StoreError(f"the store failed while reading: {exc}") from exc

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self._store)
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        g = ox.NamedNode(graph) if graph else None
        return iter(self._store.quads_for_pattern(None, None, None, g))

    def triples(self, graph: str | None) -> Iterator[ox.Triple]:
        g = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        return (ox.Triple(q.subject, q.predicate, q.object)
                for q in self._store.quads_for_pattern(None, None, None, g))

    def dump(self, output: IO[bytes], format: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> None:
        self._store.dump(output, format)

    # -- writing ---------------------------------------------------------------------------
    def update(self, update: str) -> None:
        check_nesting(update, "update")
        try:
            self._store.update(update, prefixes=self.namespaces.prefixes)
        except SyntaxError as exc:
            raise query_error(exc, "update") from None
        except OSError as exc:
            raise StoreError(f"the store failed while writing: {exc}") from exc

    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> int:
        """Write into a staging graph (one transaction), then MOVE it over the target in a
        second one: readers see the old graph or the new one, never a mix. A crash between
        the two leaves only a staging graph, dropped when the store is next opened. A graph
        that holds nothing yet is written in place, in one transaction (a MOVE copies every
        quad again)."""
        empty = next(iter(self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))), None) is None
        return self._replace(graph, quads, self._store.extend, in_place=empty)

    def bulk_replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> int:
        """As replace_graph, for input too large to hold: the staging graph is filled with
        pyoxigraph's bulk loader (not transactional, but invisible until the MOVE)."""
        return self._replace(graph, quads, self._store.bulk_extend)

    def _replace(self, graph: str, quads: Iterable[ox.Quad], write: Callable[[Iterable[ox.Quad]], None],
                 *, in_place: bool = False) -> int:
        staging = self.namespaces.graph_iri(GRAPH_STAGING_PREFIX) + _slug(graph)
        target = ox.NamedNode(graph if in_place else staging)
        count = 0

        def staged() -> Iterator[ox.Quad]:
            nonlocal count
            for q in quads:
                count += 1
                yield ox.Quad(q.subject, q.predicate, q.object, target)

        try:
            if not in_place:
                self._store.update(f"DROP SILENT GRAPH <{staging}>")
            write(staged())
            if not in_place:  # MOVE from a graph never created is a no-op: drop the target instead
                self._store.update(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}>" if count
                                   else f"DROP SILENT GRAPH <{graph}>")
        except OSError as exc:
            raise StoreError(f"the store failed while replacing {graph}: {exc}") from exc
        return count

    def replace_graphs_from_files(
        self,
        files: Sequence[tuple[Path, ox.RdfFormat, str]],
        *,
        progress: Callable[[str, int], None] | None = None,
        bulk_threshold: int = 64 * 1024 * 1024,
        batch_bytes: int = BULK_BATCH_BYTES,
    ) -> dict[str, int]:
        """Replace graphs with the content of files, parsed and written by the engine itself:
        `files` are (path, format, target graph); files that share a graph are merged.

        A graph that does not exist yet and comes from one file is bulk-loaded straight into
        place (a first load is mostly this: the engine's bulk loader writes sorted files, about
        1.5x the rate of a transaction and a third of the disk). Such files go to the bulk
        loader together, `batch_bytes` of them at a time: each bulk load has a fixed cost that
        grows with the store (it adds sorted files the store must then merge), so thousands of
        small sources are loaded in a few bulk loads, not one each; with more than one batch, a
        child process parses the next batch while the loader writes the previous one
        (`kgraph.store._nquads`). Those graphs are first
        listed in a journal (a staging graph): a crash mid-load leaves them listed, and the next
        open drops them with the journal. Any other graph is filled in a staging graph and
        MOVEd over its target, and all those MOVEs are one update. Files over `bulk_threshold`
        bytes go through the bulk loader (bounded memory) into staging too. On a syntax error
        (SyntaxError with the file's name, line and column) the staging graphs and the graphs
        this call created are dropped: the store is as it was."""
        prefix = self.namespaces.graph_iri(GRAPH_STAGING_PREFIX)
        existing = set(self.graphs())
        per_graph: dict[str, int] = {}
        for path, _, graph in files:
            per_graph[graph] = per_graph.get(graph, 0) + 1
        direct = {graph for graph, n in per_graph.items() if n == 1 and graph not in existing}
        into = {graph: graph if graph in direct else prefix + _slug(graph) for graph in per_graph}
        staged = [into[g] for g in per_graph if g not in direct]
        counts = dict.fromkeys(per_graph, 0)
        journal = self._journal()
        try:
            if staged:
                self._store.update(" ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in staged))
            if direct:
                self._store.extend(ox.Quad(ox.NamedNode(g), _PENDING, ox.Literal(True), journal)
                                   for g in direct)
            # In memory there are no sorted files to merge, and the engine's loader, file by
            # file, keeps the indexes faster to query than a load fed quad by quad (validation
            # of 1M triples: 8 s against 15 s): batches are for on-disk stores only.
            batched = direct if self.path is not None else set()
            if batched:
                # The graphs are new, so what the loader stores is what was read, less any
                # triple a file states twice; only then do the graphs have to be counted
                # (a count reads every quad: 0.7 s at 1M triples).
                before, read = len(self._store), dict.fromkeys(batched, 0)
                batches = list(_batches([f for f in files if f[2] in batched], batch_bytes))
                if len(batches) > 1:
                    self._bulk_load_parsed_aside(batches, progress, read)
                else:
                    for batch in batches:
                        self._bulk_load_parsed_here(batch, progress, read)
                exact = len(self._store) - before == sum(read.values())
                counts.update(read if exact else self._count_graphs(sorted(batched)))
            for path, fmt, graph in files:
                if graph in batched:
                    continue
                bulk = graph in direct or path.stat().st_size > bulk_threshold
                load = self._store.bulk_load if bulk else self._store.load
                load(path=str(path), format=fmt, base_iri=path.resolve().as_uri(),
                     to_graph=ox.NamedNode(into[graph]))
                before, counts[graph] = counts[graph], self._count_graph(into[graph])
                if progress:
                    progress(str(path), counts[graph] - before)
            moves = [f"MOVE SILENT GRAPH <{into[g]}> TO GRAPH <{g}>" if counts[g]
                     else f"DROP SILENT GRAPH <{g}>"  # MOVE from an empty graph is a no-op
                     for g in per_graph if g not in direct]
            if moves:
                self._store.update(" ;\n".join(moves))
            if direct:
                self._store.update(f"DROP SILENT GRAPH <{journal.value}>")
        except BaseException as exc:
            undo = [*staged, *direct, *([journal.value] if direct else [])]
            if undo:
                self._store.update(" ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in undo))
            if isinstance(exc, OSError):
                raise StoreError(f"the store failed while loading files: {exc}") from exc
            raise
        return counts

    def _bulk_load_parsed_here(self, batch: Sequence[tuple[Path, ox.RdfFormat, str]],
                               progress: Callable[[str, int], None] | None,
                               read: dict[str, int]) -> None:
        """Bulk-load one batch parsed in this process into a temporary N-Quads file, as the
        child process of `_bulk_load_parsed_aside` does (`_nquads.write_nquads`: no Python step
        per triple); `read` counts the quads read per graph."""
        with tempfile.NamedTemporaryFile(suffix=".nq") as nquads:
            for path, fmt, graph in batch:
                n = _nquads.write_nquads(path, fmt, graph, nquads)
                read[graph] += n
                if progress:
                    progress(str(path), n)
            nquads.flush()
            self._store.bulk_load(path=nquads.name, format=ox.RdfFormat.N_QUADS)

    def _bulk_load_parsed_aside(self, batches: Sequence[Sequence[tuple[Path, ox.RdfFormat, str]]],
                                progress: Callable[[str, int], None] | None,
                                read: dict[str, int]) -> None:
        """Bulk-load the batches while a child process parses the next ones into N-Quads
        files (`kgraph.store._nquads`: why, and the exchange); `read` counts the quads read
        per graph. A syntax error is raised as the child met it (SyntaxError, with the file,
        line and column); what was loaded before stays for the caller to drop."""
        graph_of = {str(path): graph for batch in batches for path, _, graph in batch}
        job = [[[str(path), fmt.media_type, graph] for path, fmt, graph in batch] for batch in batches]
        with tempfile.TemporaryDirectory(prefix="kgraph-load-") as workdir, \
                tempfile.TemporaryFile() as errors:
            child = subprocess.Popen([sys.executable, "-m", "kgraph.store._nquads", workdir],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
            assert child.stdin is not None and child.stdout is not None
            try:
                child.stdin.write(json.dumps(job).encode() + b"\n")
                child.stdin.flush()
                for k in range(len(batches)):
                    line = child.stdout.readline()
                    if not line:
                        child.wait()
                        errors.seek(0)
                        detail = errors.read().decode("utf-8", "replace").strip().splitlines()
                        raise StoreError("the parser process of the load stopped"
                                         + (f": {detail[-1]}" if detail else f" (exit {child.returncode})"))
                    message = json.loads(line)
                    if "syntax" in message:
                        text, filename, line_no, column, end_line, end_column = message["syntax"]
                        raise SyntaxError(text, (filename, line_no, column, None, end_line, end_column))
                    if "oserror" in message:
                        raise OSError(message["oserror"])
                    self._store.bulk_load(path=message["path"], format=ox.RdfFormat.N_QUADS)
                    os.remove(message["path"])
                    if k + _nquads.AHEAD < len(batches):  # the child waits for this to go on
                        child.stdin.write(b"next\n")
                        child.stdin.flush()
                    for path, n in message["files"]:
                        read[graph_of[path]] += n
                        if progress:
                            progress(path, n)
            finally:
                with suppress(OSError):
                    child.stdin.close()
                if child.poll() is None:
                    child.kill()
                child.wait()

    def _count_graphs(self, graphs: Sequence[str]) -> dict[str, int]:
        values = " ".join(f"<{g}>" for g in graphs)
        rows = self._store.query(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
                                 "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        found = {row["g"].value: int(row["n"].value) for row in rows}  # type: ignore[index,union-attr,call-overload]
        return {g: found.get(g, 0) for g in graphs}

    def _count_graph(self, graph: str) -> int:
        result = self._store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(next(iter(result))["n"].value)  # type: ignore[index,union-attr,call-overload]

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH <{graph}>")

    def bulk_extend(self, quads: Iterable[ox.Quad]) -> None:
        """Fast, non-transactional insertion for large initial loads."""
        try:
            self._store.bulk_extend(quads)
        except OSError as exc:
            raise StoreError(f"the store failed during a bulk load: {exc}") from exc

    def checkpoint(self, target: Path) -> None:
        """An immutable copy of the store as of now (hard links: cheap), for readers in other
        processes."""
        if self.path is None:
            raise StoreError("an in-memory store cannot be checkpointed")
        try:
            self._store.flush()
            self._store.backup(str(target))
        except OSError as exc:
            raise StoreError(f"cannot checkpoint the store to {target}: {exc}") from exc

    @contextmanager
    def scratch_copy(self, scope: Sequence[str | None] | None = None) -> Iterator[ox.Store]:
        """A writable copy of the store to try a write on (`scope`, the graphs the write may
        change, does not matter here: the whole store is copied). On disk it is a checkpoint
        (hard links to the store's immutable files: milliseconds, whatever the size) opened as
        a store of its own; in memory, a copy."""
        if self.path is None:
            copy = ox.Store()
            copy.extend(self._store)
            yield copy
            return
        # unique per write: the previous write's copy may stay open until it is collected
        target = self.path.parent / f"{self.path.name}.scratch-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.checkpoint(target)
        try:
            yield ox.Store(str(target))
        finally:
            shutil.rmtree(target, ignore_errors=True)

    def flush(self) -> None:
        self._store.flush()

    def close(self) -> None:
        try:
            self._store.flush()
        except OSError:
            pass
        del self._store

    def _drop_leftover_staging(self) -> None:
        """Staging graphs and scratch copies left by a process that died mid-write (the store
        is locked by one process, so none of them can be in use now)."""
        prefix = self.namespaces.graph_iri(GRAPH_STAGING_PREFIX)
        journal = self._journal()
        for quad in self._store.quads_for_pattern(None, _PENDING, None, journal):
            self._store.update(f"DROP SILENT GRAPH <{quad.subject.value}>")  # a cut-off bulk load
        for iri in self.graphs():
            if iri.startswith(prefix):
                self._store.update(f"DROP SILENT GRAPH <{iri}>")
        if self.path is not None:
            for leftover in self.path.parent.glob(f"{self.path.name}.scratch-*"):
                shutil.rmtree(leftover, ignore_errors=True)

    def _journal(self) -> ox.NamedNode:
        """The staging graph listing the graphs a bulk load is writing."""
        return ox.NamedNode(self.namespaces.graph_iri(GRAPH_STAGING_PREFIX) + "bulk-load-journal")

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store itself, for validation and serialisation in this process."""
        return self._store


def _graph_term(iri: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if iri == "" else ox.NamedNode(iri)


def _slug(iri: str) -> str:
    import hashlib

    return hashlib.sha256(iri.encode()).hexdigest()[:16]
