"""Pushing graphs to a remote store: in batches, replacing each graph whole, resumable.

How a graph is replaced depends on its size and on whether it exists:

* a graph that fits in one batch is replaced by one update (DROP + INSERT DATA), a single
  transaction on the server; small graphs (one source document each) are grouped, up to a
  batch's worth of triples per request, so a load of many sources is not a request per source.
  Graphs that do not exist yet go as one POST of N-Quads to the Graph Store's dataset where the
  server takes it (Oxigraph, Fuseki: about twice as fast as INSERT DATA);
* a larger graph that already exists is filled batch by batch into a staging graph (Graph Store
  POSTs of N-Triples, or INSERT DATA where the server has no Graph Store), then MOVEd over its
  target in one update: readers see the old content or the new, never a mix (the MOVE copies,
  so it costs about as much again as the batches);
* a larger graph that does not exist yet is filled in place: there is nothing for a reader to
  see half-replaced, only a graph that grows.

While batches are sent, the next one is parsed (one request in flight), so parsing and the
server's writing overlap. While a staging graph fills, a reader of the union default graph sees
it too (as on the embedded store, only for longer).

Loading files keeps a record in the graph `graph/staging/load` while it runs: for each target
graph, the fingerprint of its files (SHA-256 of the graph IRI, the file names and their bytes),
where its batches go, how many triples were sent, and whether it is done; the record goes when
the load completes. Run the same load again after an interruption and it resumes: graphs done
are skipped, a graph being filled continues after its last recorded batch (re-sending a batch
is harmless: an RDF graph is a set). A graph whose files changed since is redone from the start.
Nothing is appended twice: every graph is replaced, never merged into. To redo graphs from the
start instead (`kgraph load --restart`), `forget` their record first.

The `progress` callback gets (file, triples sent) as batches go in; one that has a `set_total`
method is first told the number of triples of all the files (counted while their syntax is
checked), so that it can show how far the load is.

Batches are cut only between triples without blank nodes, so the triples of an anonymous node
(`[ ... ]` in Turtle) go together. A blank node label used in two batches would become two
nodes on the server (each request has its own blank nodes): the load stops before its graph is
replaced, and says so. A graph with blank nodes is restarted, not resumed, after an interruption.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgraph.errors import UserError
from kgraph.namespaces import GRAPH_STAGING_PREFIX

if TYPE_CHECKING:
    from kgraph.store.remote import RemoteStore

XSD = "http://www.w3.org/2001/XMLSchema#"


def _blank_labels(t: ox.Triple) -> set[str]:
    return {term.value for term in (t.subject, t.object) if isinstance(term, ox.BlankNode)}


def batches(triples: Iterable[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """Lists of about `size` triples, cut only before a triple without blank nodes. UserError
    when a blank node label appears in two batches."""
    batch: list[ox.Triple] = []
    in_batch: set[str] = set()
    earlier: set[str] = set()
    for t in triples:
        labels = _blank_labels(t)
        if len(batch) >= size and not labels:
            yield batch
            earlier |= in_batch
            batch, in_batch = [], set()
        if labels:
            reused = labels & earlier
            if reused:
                raise UserError(
                    f"the blank node _:{sorted(reused)[0]} is used more than {size} triples "
                    "apart; a remote store would split it in two. Give it an IRI, keep its "
                    "triples together, or load with a larger batch (KGRAPH_STORE_BATCH_TRIPLES)")
            in_batch |= labels
        batch.append(t)
    if batch:
        yield batch


def replace_graph(store: "RemoteStore", graph: str, triples: Iterable[ox.Triple]) -> int:
    """Replace one graph (see the module docstring); returns the number of triples sent."""
    stream = batches(triples, store.batch_triples)
    first = next(stream, [])
    second = next(stream, None)
    if second is None:
        store.update(_replace_in_one([(graph, first)]))
        return len(first)
    into = store.staging_graph(graph) if graph in store.graphs() else graph
    store.update(f"DROP SILENT GRAPH <{into}>")
    sent = 0
    try:
        with _Sender(store) as sender:
            for batch in _chain([first, second], stream):
                sender.send(into, batch)
                sent += len(batch)
        if into != graph:
            store.update(f"MOVE SILENT GRAPH <{into}> TO GRAPH <{graph}>")
    except BaseException:
        _drop_quietly(store, into)
        raise
    return sent


class _Sender:
    """Sends batches one at a time in a thread of its own, so that the next batch is parsed
    while the server writes this one; `after` runs (in that thread) once a batch is in."""

    def __init__(self, store: "RemoteStore") -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kgraph-load")
        self._pending: Any = None

    def send(self, graph: str, batch: list[ox.Triple], after: Callable[[], None] | None = None) -> None:
        def job() -> None:
            self.store.send_triples(graph, batch)
            if after:
                after()

        self.run(job)

    def run(self, job: Callable[[], None]) -> None:
        """Run a job once the previous one is done (its error, if any, is raised here)."""
        self.wait()
        self._pending = self._pool.submit(job)

    def wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def __enter__(self) -> "_Sender":
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self.wait()
        finally:
            self._pool.shutdown(wait=True)


def _replace_in_one(graphs: list[tuple[str, list[ox.Triple]]], extra: str = "") -> str:
    from kgraph.store.remote import insert_data

    parts = []
    for graph, triples in graphs:
        parts.append(f"DROP SILENT GRAPH <{graph}>")
        if triples:
            parts.append(insert_data(graph, triples))
    if extra:
        parts.append(extra)
    return " ;\n".join(parts)


def _chain(head: list[list[ox.Triple]], rest: Iterator[list[ox.Triple]]) -> Iterator[list[ox.Triple]]:
    yield from head
    yield from rest


def _drop_quietly(store: "RemoteStore", graph: str) -> None:
    try:
        store.update(f"DROP SILENT GRAPH <{graph}>")
    except Exception:  # noqa: BLE001 - the original error matters more; a staging graph left is dropped next time
        pass


# -- loading files -------------------------------------------------------------------------

@dataclass
class Record:
    fingerprint: str
    into: str          # where the batches go: the graph itself or its staging graph
    triples: int       # sent so far (done: in the graph)
    done: bool
    blank_nodes: bool


def progress_graph(store: "RemoteStore") -> str:
    return store.namespaces.graph_iri(GRAPH_STAGING_PREFIX) + "load"


def fingerprint(graph: str, paths: Sequence[Path]) -> str:
    digest = hashlib.sha256(graph.encode())
    for path in paths:
        digest.update(b"\0" + path.name.encode() + b"\0")
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def read_records(store: "RemoteStore") -> dict[str, Record]:
    kg = store.namespaces.kg
    rows = store.query(f"""SELECT ?t ?fp ?into ?n ?done ?blank WHERE {{ GRAPH <{progress_graph(store)}> {{
        ?t <{kg}loadFingerprint> ?fp ; <{kg}loadInto> ?into ; <{kg}loadTriples> ?n ;
           <{kg}loadDone> ?done ; <{kg}loadBlankNodes> ?blank }} }}""")
    records = {}
    for r in rows:  # type: ignore[union-attr]
        t, fp, into, n, done, blank = (r[v] for v in ("t", "fp", "into", "n", "done", "blank"))
        records[t.value] = Record(fp.value, into.value, int(n.value), done.value == "true",
                                  blank.value == "true")
    return records


def _records_update(store: "RemoteStore", records: dict[str, Record]) -> str:
    kg, g = store.namespaces.kg, progress_graph(store)

    def flag(value: bool) -> str:
        return f'"{str(value).lower()}"^^<{XSD}boolean>'

    deletes = [f"DELETE WHERE {{ GRAPH <{g}> {{ <{graph}> ?p ?o }} }}" for graph in records]
    facts = "\n".join(
        f"<{graph}> <{kg}loadFingerprint> \"{r.fingerprint}\" ; <{kg}loadInto> <{r.into}> ; "
        f"<{kg}loadTriples> {r.triples} ; <{kg}loadDone> {flag(r.done)} ; "
        f"<{kg}loadBlankNodes> {flag(r.blank_nodes)} ." for graph, r in records.items())
    return " ;\n".join([*deletes, f"INSERT DATA {{ GRAPH <{g}> {{\n{facts}\n}} }}"])


def _parse(path: Path, fmt: ox.RdfFormat) -> Iterator[ox.Triple]:
    for q in ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri(),
                      without_named_graphs=True):
        yield ox.Triple(q.subject, q.predicate, q.object)


def forget(store: "RemoteStore", graphs: Iterable[str] | None = None) -> None:
    """Forget what an interrupted load recorded about these graphs (about every graph when
    None): the next load redoes them from the start instead of resuming them."""
    g = progress_graph(store)
    if graphs is None:
        store.drop_graph(g)
        return
    deletes = [f"DELETE WHERE {{ GRAPH <{g}> {{ <{graph}> ?p ?o }} }}" for graph in graphs]
    if deletes:
        store.update(" ;\n".join(deletes))


def _check_syntax(path: Path, fmt: ox.RdfFormat) -> int:
    """The number of triples of a file, which is parsed whole (SyntaxError if it does not)."""
    return sum(1 for _ in ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri(),
                                   without_named_graphs=True))


def load_files(
    store: "RemoteStore",
    files: Sequence[tuple[Path, ox.RdfFormat, str]],
    *,
    progress: Callable[[str, int], None] | None = None,
    resume: bool = True,
) -> dict[str, int]:
    """Replace graphs with the content of files (path, format, target graph; files sharing a
    graph are merged). Every file is parsed once before anything is sent, so a file that does
    not parse (SyntaxError with its line and column) changes nothing. Returns the triples per
    graph."""
    per_graph: dict[str, list[tuple[Path, ox.RdfFormat]]] = {}
    for path, fmt, graph in files:
        per_graph.setdefault(graph, []).append((path, fmt))
    total = sum(_check_syntax(path, fmt) for path, fmt, _ in files)  # before any write
    set_total = getattr(progress, "set_total", None)
    if set_total is not None:
        set_total(total)
    with _Sender(store) as sender:
        loader = _Loader(store, sender, read_records(store) if resume else {}, set(store.graphs()),
                         progress)
        for graph, items in per_graph.items():
            loader.load(graph, items)
        loader.flush()
    store.drop_graph(progress_graph(store))
    return loader.counts


class _Loader:
    """Loads graph after graph: small ones grouped into one update, large ones in batches."""

    def __init__(self, store: "RemoteStore", sender: _Sender, records: dict[str, Record],
                 existing: set[str], progress: Callable[[str, int], None] | None) -> None:
        self.store = store
        self.sender = sender
        self.records = records
        self.existing = existing
        self.progress = progress
        self.counts: dict[str, int] = {}
        self._group: list[tuple[str, list[ox.Triple], Record, str]] = []
        self._group_size = 0

    def load(self, graph: str, items: list[tuple[Path, ox.RdfFormat]]) -> None:
        fp = fingerprint(graph, [p for p, _ in items])
        record = self.records.get(graph)
        if record and record.fingerprint == fp and record.done:
            self.counts[graph] = record.triples
            if self.progress:
                self.progress(str(items[-1][0]), record.triples)
            return
        resumable = (record is not None and record.fingerprint == fp and not record.blank_nodes
                     and self.store.count(record.into) > 0)
        current = {"path": str(items[0][0]), "blank": False}

        def triples() -> Iterator[ox.Triple]:
            for path, fmt in items:
                current["path"] = str(path)
                for t in _parse(path, fmt):
                    if not current["blank"] and _blank_labels(t):
                        current["blank"] = True
                    yield t

        skip = record.triples if resumable and record else 0
        stream = batches(islice(triples(), skip, None), self.store.batch_triples)
        first = next(stream, [])
        second = next(stream, None)
        if second is None and not skip:
            done = Record(fp, graph, len(set(first)), True, bool(current["blank"]))
            self._add_to_group(graph, first, done, str(current["path"]))
            return
        self.flush()
        into = record.into if resumable and record else (
            self.store.staging_graph(graph) if graph in self.existing else graph)
        self.counts[graph] = self._load_in_batches(graph, into, fp, skip, current,
                                                   _chain([first] + ([second] if second else []), stream))

    def _add_to_group(self, graph: str, triples: list[ox.Triple], done: Record, path: str) -> None:
        if self._group and self._group_size + len(triples) > self.store.batch_triples:
            self.flush()
        self._group.append((graph, triples, done, path))
        self._group_size += len(triples)

    def flush(self) -> None:
        """One request for the grouped small graphs, and their records."""
        if not self._group:
            return
        group, self._group, self._group_size = self._group, [], 0
        records = {graph: done for graph, _, done, _ in group}
        new = [(g, t) for g, t, _, _ in group if g not in self.existing]
        old = [(g, t) for g, t, _, _ in group if g in self.existing]
        self.existing.update(g for g, _ in new)  # once sent, a rerun replaces them
        store, progress = self.store, self.progress

        def job() -> None:
            rest = new
            if new and store.send_quads([ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
                                         for g, ts in new for t in ts]):
                rest = []
            store.update(_replace_in_one(rest + old, _records_update(store, records)))
            if progress:
                for _, triples, _, path in group:
                    progress(path, len(triples))

        self.sender.run(job)
        for graph, _, done, _ in group:
            self.counts[graph] = done.triples

    def _load_in_batches(self, graph: str, into: str, fp: str, skip: int, current: dict[str, Any],
                         stream: Iterator[list[ox.Triple]]) -> int:
        store = self.store
        self.sender.wait()
        if skip == 0:
            store.update(f"DROP SILENT GRAPH <{into}>")
        elif self.progress:
            self.progress(str(current["path"]), skip)
        sent = skip
        try:
            for batch in stream:
                sent += len(batch)
                record = Record(fp, into, sent, False, bool(current["blank"]))
                path, n = str(current["path"]), len(batch)

                def after(record: Record = record, path: str = path, n: int = n) -> None:
                    store.update(_records_update(store, {graph: record}))
                    if self.progress:
                        self.progress(path, n)

                self.sender.send(into, batch, after)
            self.sender.wait()
        except UserError:
            self.sender.wait()
            _drop_quietly(store, into)
            store.update(f"DELETE WHERE {{ GRAPH <{progress_graph(store)}> {{ <{graph}> ?p ?o }} }}")
            raise
        count = store.count(into)
        done = Record(fp, graph, count, True, bool(current["blank"]))
        if into == graph:
            store.update(_records_update(store, {graph: done}))
        elif count:
            store.update(f"MOVE SILENT GRAPH <{into}> TO GRAPH <{graph}> ;\n"
                         + _records_update(store, {graph: done}))
        else:
            store.update(f"DROP SILENT GRAPH <{graph}> ;\n" + _records_update(store, {graph: done}))
        return count


__all__ = ["batches", "fingerprint", "forget", "load_files", "progress_graph", "read_records",
           "replace_graph"]
