"""Running users' queries with limits that really hold.

    QueryExecutor            the interface the web layer uses
    ├── WorkerExecutor       on-disk stores: a pool of killable worker processes reading
    │                        checkpoints; a query past its deadline is stopped by killing its
    │                        worker, which is replaced
    └── InProcessExecutor    in-memory stores (tests, scratch use): evaluated in this process,
                             without a hard deadline (pyoxigraph cannot cancel a query)

`try_inline` answers a query that streams (one triple pattern, `kgraph.query.streaming`) in this
process instead, within one message's worth of output; past that it gives up and the caller
uses `execute`. That keeps point look-ups off the worker round trip without a query that could
run long ever escaping the hard deadline.

The writer (this process) owns the live store. After every commit it calls `refresh()`, which
makes a new checkpoint (hard links, milliseconds); a worker opens the newest checkpoint before
its next job and old checkpoints are removed once no worker has them open. So readers never see a
write half-done, and never open a store another process is writing. With `replica_max_quads`,
each worker also keeps the store in memory (`kgraph.query.replica`) and answers from it the jobs
on the checkpoint it equals; `refresh(graphs)` records which graphs a commit changed, so that a
replica copies those again rather than everything.

A query's outcome is a `QueryStream`: its first event (the result kind, or an error with its
status) is known before any byte is sent, so errors get a proper status; a limit hit after
streaming began (deadline, size) ends the stream with an exception, and the HTTP layer aborts the
response so no client can take a truncated result for a complete one.
"""

from __future__ import annotations

import itertools
import multiprocessing
import shutil
import threading
import time
from collections import deque
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kgraph.errors import KgraphError
from kgraph.query.streaming import streams
from kgraph.query.worker import Inline, Job, Overrun, Status, TooLarge, _Sink
from kgraph.query.worker import run as run_job
from kgraph.store.embedded import EmbeddedStore


class QueryLimit(KgraphError):
    """A limit stopped the query: its status says which (413 size, 503 busy, 504 time)."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.http_status = status
        self.retry_after = retry_after


class QueryFailed(KgraphError):
    """The query was refused or failed with a status (400 syntax, 406 format, 500 fault)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = status


@dataclass
class Request:
    query: str
    default_graphs: list[str] | None = None   # None: union (if set) or the store's default graph
    union: bool = False                        # default graph = union of all the store's graphs
    named_graphs: list[str] | None = None
    results_format: ox.QueryResultsFormat | None = None
    rdf_format: ox.RdfFormat | None = None
    timeout: float = 30.0
    max_bytes: int = 64 * 1024 * 1024
    base_iri: str | None = None                # what relative IRIs in the query resolve against


@dataclass
class QueryStream:
    """A running query: `kind` is known; iterate for the serialised bytes."""

    kind: str
    chunks: Iterator[bytes]
    on_close: list[Any] = field(default_factory=list)
    body: bytes | None = None  # the whole result, when it was complete before the answer began

    @classmethod
    def whole(cls, kind: str, body: bytes) -> QueryStream:
        return cls(kind, iter([body]), body=body)

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks

    def close(self) -> None:
        for callback in self.on_close:
            callback()
        self.on_close.clear()


class QueryExecutor:
    def execute(self, request: Request) -> QueryStream:
        raise NotImplementedError

    def try_inline(self, request: Request) -> QueryStream | None:
        """The whole answer, computed now in the caller's thread, when that is sure to take
        little time; None when the query must go through `execute` (which may wait, so the
        caller first leaves the event loop). Errors are raised as `execute` raises them."""
        return None

    def refresh(self, graphs: Collection[str] | None = None) -> None:
        """Called after every commit: later queries see the write. `graphs`: the named graphs
        the commit changed ("" for the default graph), None when not known."""

    def warm(self, wait: float) -> list[tuple[bool, int]]:
        """Get what makes queries fast ready before they come (`WorkerExecutor`: the workers'
        in-memory replicas), waiting up to `wait` seconds; what was made ready, per worker."""
        return []

    def close(self) -> None:
        """Stop workers and remove checkpoints."""


# -- in this process ----------------------------------------------------------------------------

class InProcessExecutor(QueryExecutor):
    """Evaluates in this process (in-memory stores). Size limits hold; the deadline is checked
    only between chunks, so a long evaluation is not interrupted."""

    def __init__(self, store: EmbeddedStore, max_concurrent: int = 8) -> None:
        self.store = store
        self._slots = threading.BoundedSemaphore(max_concurrent)

    def execute(self, request: Request) -> QueryStream:
        if not self._slots.acquire(blocking=False):
            raise QueryLimit(503, "too many queries are running; retry shortly", retry_after=1)
        try:
            return self._execute(request)
        finally:
            self._slots.release()

    def try_inline(self, request: Request) -> QueryStream | None:
        return _inline(self.store, request)

    def _execute(self, request: Request) -> QueryStream:
        from kgraph.errors import QueryError

        try:
            result = self.store.query(
                request.query,
                union_default_graph=request.union,
                default_graphs=request.default_graphs,
                named_graphs=request.named_graphs,
            )
        except QueryError as exc:
            raise QueryFailed(400, str(exc)) from None
        except ValueError as exc:
            raise QueryFailed(400, f"invalid graph IRI: {exc}") from None
        buffer = _Collect()
        sink = _Sink(buffer, request.max_bytes)  # type: ignore[arg-type]
        try:
            if isinstance(result, ox.QueryTriples):
                if request.rdf_format is None:
                    raise QueryFailed(406, NO_RDF_FORMAT)
                kind = "graph"
                ox.serialize(result, output=sink, format=request.rdf_format,
                             prefixes=self.store.namespaces.prefixes)
            else:
                if request.results_format is None:
                    raise QueryFailed(406, NO_RESULTS_FORMAT)
                kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
                result.serialize(output=sink, format=request.results_format)
            sink.finish()
        except TooLarge:
            raise QueryLimit(413, too_large(request.max_bytes)) from None
        finally:
            del result
        return QueryStream.whole(kind, b"".join(buffer.chunks))


class _Collect:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def send(self, message: tuple[object, ...]) -> None:
        if message[0] in ("chunk", "whole"):
            self.chunks.append(message[-1])  # type: ignore[arg-type]


NO_RDF_FORMAT = ("no acceptable RDF format for a CONSTRUCT or DESCRIBE result; try text/turtle, "
                 "application/n-triples or application/rdf+xml")
NO_RESULTS_FORMAT = ("no acceptable result format; try application/sparql-results+json, "
                     "application/sparql-results+xml, text/csv or text/tab-separated-values")


def too_large(limit: int) -> str:
    return (f"the result is larger than the limit of {limit} bytes; narrow the query "
            "(LIMIT, fewer variables) or ask for it in pieces")


def timed_out(seconds: float) -> str:
    return f"the query ran past its time limit of {seconds:g} s and was stopped"


# -- inline: queries that stream, answered without a worker -------------------------------------

def _inline(store: EmbeddedStore, request: Request) -> QueryStream | None:
    """Evaluate a query that streams (`kgraph.query.streaming`) in this process on the live
    store, within one message's worth of output (`worker.CHUNK`): such a query writes as it
    reads, so that budget bounds its time too. A larger result is abandoned (None), and the
    caller sends the query to a worker."""
    if not streams(request.query):
        return None
    sink = Inline()
    try:
        run_job(ox, store.raw, _job(request, "", store.namespaces.prefixes), sink)
    except Overrun:
        return None
    assert sink.message is not None
    return _answer(sink.message)


def _job(request: Request, snapshot: str, prefixes: dict[str, str],
         changes: tuple[tuple[str, tuple[str, ...] | None], ...] = ()) -> Job:
    return Job(
        query=request.query,
        snapshot=snapshot,
        prefixes=prefixes,
        default_graphs=request.default_graphs,
        union=request.union,
        named_graphs=request.named_graphs,
        results_format=request.results_format.media_type if request.results_format else None,
        rdf_format=request.rdf_format.media_type if request.rdf_format else None,
        max_bytes=request.max_bytes,
        changes=changes,
        base_iri=request.base_iri,
    )


def _answer(message: tuple[Any, ...]) -> QueryStream:
    """The stream for a worker's first message when it is the whole answer or an error."""
    if message[0] == "error":
        _, status, text = message
        if status == 413:
            raise QueryLimit(413, text)
        raise QueryFailed(status, text)
    assert message[0] == "whole"
    return QueryStream.whole(message[1], message[2])


# -- in worker processes ------------------------------------------------------------------------

class _Worker:
    def __init__(self, context: Any, replica_max_quads: int = 0, replica_dir: Path | None = None,
                 memory_share: float = 1.0) -> None:
        from kgraph.query import worker as worker_module

        parent, child = context.Pipe()
        self.conn: Connection = parent
        self.replica_dir = replica_dir
        if replica_dir is not None:
            replica_dir.mkdir(parents=True)
        self.process = context.Process(target=worker_module.main,
                                       args=(child, replica_max_quads, str(replica_dir or ""),
                                             memory_share),
                                       daemon=True, name="kgraph-query-worker")
        self.process.start()
        child.close()
        self.snapshot: str | None = None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()
        if self.replica_dir is not None:
            shutil.rmtree(self.replica_dir, ignore_errors=True)


class WorkerExecutor(QueryExecutor):
    """A pool of up to `max_concurrent` worker processes over checkpoints of an on-disk store."""

    def __init__(self, store: EmbeddedStore, max_concurrent: int = 4, queue_wait: float = 2.0,
                 replica_max_quads: int = 0) -> None:
        if store.path is None:
            raise ValueError("worker processes need an on-disk store")
        self.store = store
        self.max_concurrent = max_concurrent
        self.queue_wait = queue_wait
        self.replica_max_quads = replica_max_quads
        # (checkpoint, graphs its commit changed): what a replica behind copies again
        self._history: deque[tuple[str, tuple[str, ...] | None]] = deque(maxlen=64)
        self._replicas = itertools.count(1)
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._slot_freed = threading.Condition(self._lock)
        self._idle: list[_Worker] = []
        self._workers: set[_Worker] = set()
        self._busy = 0
        self._root = _snapshot_root(Path(store.path))
        self._generation = itertools.count(1)
        self._current = ""
        self.refresh()

    # checkpoints -------------------------------------------------------------------------------
    def refresh(self, graphs: Collection[str] | None = None) -> None:
        with self._lock:  # so that _collect never sees a checkpoint half made
            target = self._root / f"gen-{next(self._generation)}"
            self.store.checkpoint(target)
            self._current = str(target)
            self._history.append((self._current, None if graphs is None else tuple(sorted(graphs))))
            self._collect()

    def _collect(self) -> None:
        # a worker keeps the checkpoint of its last job open until its next job; its replica
        # builder reads from hard links of its own, in its replica folder
        held = {w.snapshot for w in self._workers} | {str(w.replica_dir) for w in self._workers}
        if not self._root.is_dir():
            return
        for path in self._root.iterdir():
            if str(path) != self._current and str(path) not in held:
                shutil.rmtree(path, ignore_errors=True)

    # workers -----------------------------------------------------------------------------------
    def _acquire(self) -> _Worker:
        """A worker for one query: an idle one, a new one while under the bound, or, after
        waiting `queue_wait` seconds for a slot to free, a 503 with Retry-After."""
        with self._lock:
            if not self._slot_freed.wait_for(lambda: self._busy < self.max_concurrent,
                                             timeout=self.queue_wait):
                raise QueryLimit(503, f"all {self.max_concurrent} query slots stayed busy for "
                                 f"{self.queue_wait:g} s; retry shortly", retry_after=1)
            worker = self._idle.pop() if self._idle else None
            self._busy += 1
        return worker if worker is not None else self._spawn()

    def _spawn(self) -> _Worker:
        replica_dir = (self._root / f"replica-{next(self._replicas)}"
                       if self.replica_max_quads > 0 else None)
        # the workers' replicas together take at most half of the memory available
        worker = _Worker(self._context, self.replica_max_quads, replica_dir,
                         memory_share=0.5 / self.max_concurrent)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._lock:
            self._busy -= 1
            if healthy and worker.process.is_alive():
                self._idle.append(worker)
            else:
                worker.kill()
                self._workers.discard(worker)
            self._collect()
            self._slot_freed.notify()

    def try_inline(self, request: Request) -> QueryStream | None:
        return _inline(self.store, request)

    def execute(self, request: Request) -> QueryStream:
        worker = self._acquire()
        with self._lock:
            snapshot = worker.snapshot = self._current
            changes = tuple(self._history) if self.replica_max_quads > 0 else ()
        deadline = time.monotonic() + request.timeout
        job = _job(request, snapshot, self.store.namespaces.prefixes, changes)
        try:
            worker.conn.send(job)
            first = self._receive(worker, deadline, request.timeout)
        except BaseException:
            self._release(worker, healthy=False)
            raise
        if first[0] in ("error", "whole"):  # the worker is free before the answer is sent
            self._release(worker, healthy=True)
            return _answer(first)
        kind = first[1]
        state = {"released": False}

        def release(healthy: bool) -> None:
            if not state["released"]:
                state["released"] = True
                self._release(worker, healthy)

        def chunks() -> Iterator[bytes]:
            finished = False
            try:
                while True:
                    message = self._receive(worker, deadline, request.timeout)
                    if message[0] == "chunk":
                        yield message[1]
                    elif message[0] == "done":
                        finished = True
                        return
                    else:  # an error after output began: the stream must not look complete
                        finished = True
                        status, text = message[1], message[2]
                        raise (QueryLimit if status in (413, 504) else QueryFailed)(status, text)
            finally:
                release(healthy=finished)

        return QueryStream(kind, chunks(), on_close=[lambda: release(healthy=False)])

    def _receive(self, worker: _Worker, deadline: float, timeout: float) -> Any:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not worker.conn.poll(remaining):
            worker.kill()  # the only way to stop a pyoxigraph evaluation
            raise QueryLimit(504, timed_out(timeout))
        try:
            return worker.conn.recv()
        except (EOFError, OSError):
            raise QueryFailed(500, "the query worker died while evaluating the query") from None

    def warm(self, wait: float) -> list[tuple[bool, int]]:
        """Start every worker the bound allows and have each bring its in-memory replica up to
        the current checkpoint; wait up to `wait` seconds for them: (up to date, quads) per
        worker. Without replicas, nothing to do: []. The workers answer queries meanwhile (from
        disk): a worker is taken only for the moment of a status message, and one that is
        busy is asked again later."""
        if self.replica_max_quads <= 0:
            return []
        started = []
        while len(started) < self.max_concurrent:
            worker = self._take(new=True)
            if worker is None:
                break
            started.append(worker)
        states: dict[int, tuple[bool, int, bool]] = {}
        try:
            for worker in started:
                states[id(worker)] = self._status(worker)
        finally:
            for worker in started:
                self._release(worker, healthy=True)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with self._lock:
                pending = [w for w in self._workers if id(w) not in states
                           or not (states[id(w)][0] or states[id(w)][2])]  # nor given up
            if not pending:
                break
            time.sleep(0.25)
            for _ in pending:
                worker = self._take(new=False)
                if worker is None:
                    break
                try:
                    states[id(worker)] = self._status(worker)
                finally:
                    self._release(worker, healthy=True)
        with self._lock:
            return [states.get(id(w), (False, 0, False))[:2] for w in self._workers]

    def _take(self, new: bool) -> _Worker | None:
        """A worker for a moment, without waiting: an idle one, else (`new`) a new one while
        under the bound; None when there is none."""
        with self._lock:
            if self._busy >= self.max_concurrent or (not self._idle and not new):
                return None
            worker = self._idle.pop(0) if self._idle else None
            self._busy += 1
        return worker if worker is not None else self._spawn()

    def _status(self, worker: _Worker) -> tuple[bool, int, bool]:
        """(up to date, quads, given up) of the worker's replica, after asking it to follow the
        current checkpoint."""
        with self._lock:
            worker.snapshot = self._current
            message = Status(self._current, tuple(self._history))
        worker.conn.send(message)
        answer = self._receive(worker, time.monotonic() + 30, 30)
        return bool(answer[1]), int(answer[2]), bool(answer[3])

    def close(self) -> None:
        with self._lock:
            workers, self._idle = list(self._workers), []
            self._workers.clear()
        for worker in workers:
            worker.kill()
        shutil.rmtree(self._root, ignore_errors=True)


_instances = itertools.count(1)


def _snapshot_root(store_path: Path) -> Path:
    """A checkpoint folder of this executor's own, beside the store (hard links need the same
    file system); folders left by processes that no longer run are removed."""
    import os

    for old in store_path.parent.glob(store_path.name + ".snapshots-*"):
        try:
            pid = int(old.name.rsplit("-", 2)[-2])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except (ValueError, PermissionError):
            pass
    root = store_path.parent / f"{store_path.name}.snapshots-{os.getpid()}-{next(_instances)}"
    root.mkdir(parents=True)
    return root


def executor_for(store: EmbeddedStore, max_concurrent: int, queue_wait: float = 2.0,
                 cache_bytes: int = 0, replica_max_quads: int = 0) -> QueryExecutor:
    executor: QueryExecutor
    if store.path is None:
        executor = InProcessExecutor(store, max_concurrent)
    else:
        executor = WorkerExecutor(store, max_concurrent, queue_wait, replica_max_quads)
    if cache_bytes > 0:
        from kgraph.query.cache import CachingExecutor

        executor = CachingExecutor(executor, cache_bytes)
    return executor


__all__ = [
    "InProcessExecutor",
    "QueryExecutor",
    "QueryFailed",
    "QueryLimit",
    "QueryStream",
    "Request",
    "WorkerExecutor",
    "executor_for",
]
