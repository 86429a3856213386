"""A query worker: a separate process that evaluates one query at a time and can be killed.

pyoxigraph has no way to cancel a running query, so a query that must be stopped is stopped by
ending the process that runs it. Workers never open the live store (pyoxigraph's read-only mode
beside a writer is undefined behaviour): they open checkpoints, immutable hard-linked copies the
writer makes after each commit, and reopen when a newer one exists.

Messages from the parent: a `Job` (pickled). Messages back, in order:
    ("kind", "solutions" | "boolean" | "graph")   once, with the first output (so an error
                                                   before any output still gets its status)
    ("chunk", bytes)                               serialised output, at most CHUNK bytes each
    ("done", total_bytes)                          the end
or, for a result smaller than CHUNK, all of it at once (one message, one wake-up of the parent):
    ("whole", kind, bytes)
or at any point ("error", status, message) and nothing more for that job.
A `Status` (the in-memory replica's state) is answered ("status", up_to_date, quads, given_up):
given up when the store is over the replica's limit (the worker reads the disk for good).
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

CHUNK = 64 * 1024

_QUERY_ERROR = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


@dataclass(frozen=True)
class Job:
    query: str
    snapshot: str                      # checkpoint directory to read
    prefixes: dict[str, str]
    default_graphs: list[str] | None   # None: the store's default graph ("" = that graph)
    union: bool                        # default graph = union of all graphs (when no list)
    named_graphs: list[str] | None
    results_format: str | None         # media type of the results format, or None if refused
    rdf_format: str | None             # media type of the RDF format, or None if refused
    max_bytes: int
    changes: tuple[tuple[str, tuple[str, ...] | None], ...] = ()  # commits, for a replica
    base_iri: str | None = None        # what relative IRIs in the query resolve against


@dataclass(frozen=True)
class Status:
    """Asks the worker's in-memory replica to follow `snapshot` (in the background) and for
    its state now."""

    snapshot: str
    changes: tuple[tuple[str, tuple[str, ...] | None], ...]


class TooLarge(Exception):
    pass


class _Sink:
    """A binary writer for pyoxigraph's serialisers that ships chunks to the parent."""

    def __init__(self, conn: Connection, max_bytes: int, kind: str = "") -> None:
        self.conn = conn
        self.max_bytes = max_bytes
        self.kind = kind  # announced with the first chunk, so errors before it get a status
        self.buffer = bytearray()
        self.total = 0

    def write(self, data: bytes) -> int:
        self.total += len(data)
        if self.total > self.max_bytes:
            raise TooLarge()
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self._send()
        return len(data)

    def flush(self) -> None:
        """The serialisers call this when they end: chunks go out when full or at finish()."""

    def finish(self) -> None:
        """The end of the output: in one message if nothing was sent yet."""
        if self.kind:
            self.conn.send(("whole", self.kind, bytes(self.buffer)))
            self.buffer.clear()
            self.kind = ""
            return
        self._send()
        self.conn.send(("done", self.total))

    def _send(self) -> None:
        if self.kind:
            self.conn.send(("kind", self.kind))
            self.kind = ""
        if self.buffer:
            self.conn.send(("chunk", bytes(self.buffer)))
            self.buffer.clear()


class Overrun(Exception):
    """The result outgrew one message: raised by `Inline` to stop the evaluation."""


class Inline:
    """Stands in for the connection when a job runs in the server's own process (see
    `executor.try_inline`): it keeps a result that fits in one message and stops the
    evaluation, by raising `Overrun` from the serialiser's write, as soon as it does not."""

    def __init__(self) -> None:
        self.message: tuple[Any, ...] | None = None

    def send(self, message: tuple[Any, ...]) -> None:
        if message[0] in ("kind", "chunk"):
            raise Overrun()
        self.message = message


def main(conn: Connection, replica_max_quads: int = 0, replica_dir: str = "",
         memory_share: float = 1.0) -> None:
    """The worker's loop: serve jobs until the parent closes the connection. With
    `replica_max_quads`, jobs are answered from an in-memory copy of the store where it is up
    to date (`kgraph.query.replica`), built in `replica_dir`, within `memory_share` of the
    memory available."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    import pyoxigraph as ox

    replica = None
    if replica_max_quads > 0:
        from pathlib import Path

        from kgraph.query.replica import Replica

        replica = Replica(ox, replica_max_quads, Path(replica_dir), memory_share)
    store: Any = None
    opened: str | None = None
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if isinstance(job, Status):
                if replica is None:
                    conn.send(("status", False, 0, True))
                    continue
                memory = replica.store_for(job.snapshot, job.changes)
                conn.send(("status", memory is not None, 0 if memory is None else len(memory),
                           replica.disabled))
                continue
            memory = replica.store_for(job.snapshot, job.changes) if replica else None
            if memory is not None:
                run(ox, memory, job, conn)
                continue
            if opened != job.snapshot:
                store = None
                store = ox.Store.read_only(job.snapshot)
                opened = job.snapshot
            run(ox, store, job, conn)
        except (EOFError, BrokenPipeError):
            return
        except Exception as exc:  # a fault in the worker: the parent answers 500
            conn.send(("error", 500, f"query worker failed: {type(exc).__name__}: {exc}"))


def _graph(ox: Any, iri: str) -> Any:
    return ox.DefaultGraph() if iri == "" else ox.NamedNode(iri)


def run(ox: Any, store: Any, job: Job, conn: Connection | Inline) -> None:
    """Evaluate `job` on `store` (an opened pyoxigraph store), sending its messages to `conn`."""
    kwargs: dict[str, Any] = {"prefixes": job.prefixes}
    if job.base_iri:
        kwargs["base_iri"] = job.base_iri
    try:
        if job.default_graphs is not None:
            kwargs["default_graph"] = [_graph(ox, g) for g in job.default_graphs]
        elif job.union:
            kwargs["use_default_graph_as_union"] = True
        if job.named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    except ValueError as exc:
        conn.send(("error", 400, f"invalid graph IRI: {exc}"))
        return
    try:
        result = store.query(job.query, **kwargs)
    except RuntimeError as exc:  # the engine's refusal of what the query asks (an unknown function)
        conn.send(("error", 400, f"the query cannot be evaluated: {exc}"))
        return
    except ValueError as exc:  # an option the engine refuses (a base IRI that is no IRI)
        conn.send(("error", 400, f"the query cannot be run: {exc}"))
        return
    except SyntaxError as exc:
        text = str(exc.args[0]) if exc.args else str(exc)
        m = _QUERY_ERROR.match(text)
        message = (f"query:{m[1]}:{m[2]}: the query does not parse: {m[3]}" if m
                   else f"the query does not parse: {text}")
        conn.send(("error", 400, message))
        return
    sink = _Sink(conn, job.max_bytes)
    try:
        if isinstance(result, ox.QueryTriples):
            if job.rdf_format is None:
                conn.send(("error", 406, "no acceptable RDF format for a CONSTRUCT or DESCRIBE "
                           "result; try text/turtle, application/n-triples or application/rdf+xml"))
                return
            sink.kind = "graph"
            ox.serialize(result, output=sink, format=ox.RdfFormat.from_media_type(job.rdf_format),
                         prefixes=job.prefixes)
        else:
            if job.results_format is None:
                conn.send(("error", 406, "no acceptable result format; try "
                           "application/sparql-results+json, application/sparql-results+xml, "
                           "text/csv or text/tab-separated-values"))
                return
            sink.kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
            result.serialize(output=sink, format=ox.QueryResultsFormat.from_media_type(job.results_format))
    except RuntimeError as exc:  # raised while the results are read
        sink.buffer.clear()
        conn.send(("error", 400, f"the query cannot be evaluated: {exc}"))
        return
    except TooLarge:
        sink.buffer.clear()
        conn.send(("error", 413, f"the result is larger than the limit of {job.max_bytes} bytes; "
                   "narrow the query (LIMIT, fewer variables) or ask for it in pieces"))
        return
    sink.finish()

