"""Users' queries on a remote store: forwarded to the server, its bytes streamed back, with
kgraph's limits holding as they do on the embedded store.

The query goes to the server as the client wrote it, with kgraph's prefixes as a prologue on its
first line and the dataset as protocol parameters; the server serialises the result in the
format the client negotiated and the bytes are passed on untouched. Each request is read by a
thread of its own that hands chunks over a bounded queue, so the deadline is exact: when it
passes, kgraph stops waiting, closes the connection and answers 504 (the server may go on
evaluating: give it its own limit too, `oxigraph serve --timeout-s`, Fuseki's
`arq:queryTimeout`). The result-size cap (413) and the bound on queries at once (503 with
Retry-After) are kgraph's own. Before the response starts, up to PREFETCH bytes are read, so a
small result over the cap, or a server error, still gets its proper status.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pyoxigraph as ox

from kgraph.query.executor import (
    NO_RDF_FORMAT,
    NO_RESULTS_FORMAT,
    QueryExecutor,
    QueryFailed,
    QueryLimit,
    QueryStream,
    Request,
    timed_out,
    too_large,
)
from kgraph.store.remote import RemoteStore
from kgraph.store.sparql_request import server_error

#: Bytes read before the response starts (errors and small oversized results get a status).
PREFETCH = 256 * 1024
_RDF_MEDIA = {"text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
              "application/n-quads", "application/trig", "text/plain", "text/n3"}


class _Pump(threading.Thread):
    """Reads one HTTP response into a bounded queue: ("head", status, media), ("chunk", bytes),
    ("done",) or ("error", exception). Stops at the next chunk once aborted."""

    def __init__(self, client: httpx.Client, url: str, data: dict[str, list[str]],
                 headers: dict[str, str], read_timeout: float) -> None:
        super().__init__(daemon=True, name="kgraph-remote-query")
        self.client, self.url, self.data, self.headers = client, url, data, headers
        self.read_timeout = read_timeout
        self.messages: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=64)
        self.aborted = threading.Event()

    def run(self) -> None:
        try:
            timeout = httpx.Timeout(self.read_timeout, connect=min(10.0, self.read_timeout))
            with self.client.stream("POST", self.url, data=self.data, headers=self.headers,
                                    timeout=timeout) as response:
                media = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if not self._put(("head", response.status_code, media)):
                    return
                for chunk in response.iter_bytes():
                    if not self._put(("chunk", chunk)):
                        return
            self._put(("done",))
        except Exception as exc:  # handed to the reader, who decides what it means
            self._put(("error", exc))

    def _put(self, message: tuple[Any, ...]) -> bool:
        while not self.aborted.is_set():
            try:
                self.messages.put(message, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def get(self, deadline: float) -> tuple[Any, ...] | None:
        """The next message, or None when the deadline passes first."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            return self.messages.get(timeout=remaining)
        except queue.Empty:
            return None

    def abort(self) -> None:
        self.aborted.set()


class RemoteExecutor(QueryExecutor):
    """Forwards users' queries to a RemoteStore's server (see the module docstring)."""

    def __init__(self, store: RemoteStore, max_concurrent: int = 4, queue_wait: float = 2.0) -> None:
        self.store = store
        self.max_concurrent = max_concurrent
        self.queue_wait = queue_wait
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._client = httpx.Client(
            auth=store._client.auth, follow_redirects=True, headers={"User-Agent": "kgraph"},
            limits=httpx.Limits(max_connections=max_concurrent, max_keepalive_connections=max_concurrent))

    def execute(self, request: Request) -> QueryStream:
        if not self._slots.acquire(timeout=self.queue_wait):
            raise QueryLimit(503, f"all {self.max_concurrent} query slots stayed busy for "
                             f"{self.queue_wait:g} s; retry shortly", retry_after=1)
        released = threading.Event()

        def release() -> None:
            if not released.is_set():
                released.set()
                self._slots.release()

        try:
            return self._execute(request, release)
        except BaseException:
            release()
            raise

    def _execute(self, request: Request, release: Any) -> QueryStream:
        # graphs come as N-Triples and, in any other format, are written here with kgraph's
        # prefixes, as the embedded store writes them
        rdf = ox.RdfFormat.N_TRIPLES if request.rdf_format else None
        accept = ", ".join(f.media_type for f in (request.results_format, rdf) if f)
        form = {"query": [_prologue(self.store._prologue, request) + request.query]}
        for key, value in self.store.dataset_params(request.query, request.default_graphs,
                                                    request.named_graphs, union=request.union):
            form.setdefault(key, []).append(value)
        deadline = time.monotonic() + request.timeout
        pump = _Pump(self._client, self.store.query_url, form, {"Accept": accept},
                     read_timeout=request.timeout + 1.0)
        pump.start()
        try:
            head = self._next(pump, deadline, request.timeout)
            if head[0] == "done":
                raise QueryFailed(502, f"the SPARQL store at {self.store.query_url} closed the "
                                  "connection without an answer")
            _, status, media = head
            if status != 200:
                body = self._drain(pump, deadline, request.timeout, limit=4096)
                raise self._refused(status, body.decode("utf-8", "replace"), request)
            kind = "graph" if media in _RDF_MEDIA else "solutions"
            buffered: list[bytes] = []
            total, finished = self._buffer(pump, deadline, request, buffered, 0, until=PREFETCH)
            if kind == "solutions" and _is_boolean(b"".join(buffered)[:256]):
                kind = "boolean"
            if kind == "graph" and request.rdf_format not in (None, ox.RdfFormat.N_TRIPLES):
                if not finished:  # the whole graph, to write it in the format asked
                    total, finished = self._buffer(pump, deadline, request, buffered, total)
                buffered = [self._reserialise(b"".join(buffered), request.rdf_format)]
        except BaseException:
            pump.abort()
            raise

        def chunks() -> Iterator[bytes]:
            size = total
            try:
                yield from buffered
                if finished:
                    return
                while True:
                    message = self._next(pump, deadline, request.timeout)
                    if message[0] == "done":
                        return
                    size += len(message[1])
                    if size > request.max_bytes:
                        raise QueryLimit(413, too_large(request.max_bytes))
                    yield message[1]
            finally:
                pump.abort()
                release()

        def close() -> None:
            pump.abort()
            release()

        return QueryStream(kind, chunks(), on_close=[close])

    def _buffer(self, pump: _Pump, deadline: float, request: Request, buffered: list[bytes],
                total: int, *, until: float = math.inf) -> tuple[int, bool]:
        """Read the response's chunks into `buffered` until it holds `until` bytes or the
        response ends (413 past the request's cap). Returns the bytes held and whether the
        response ended."""
        while total < until:
            message = self._next(pump, deadline, request.timeout)
            if message[0] == "done":
                return total, True
            buffered.append(message[1])
            total += len(message[1])
            if total > request.max_bytes:
                raise QueryLimit(413, too_large(request.max_bytes))
        return total, False

    def _reserialise(self, ntriples: bytes, fmt: ox.RdfFormat) -> bytes:
        try:
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for q in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as exc:
            raise QueryFailed(502, f"the SPARQL store sent a graph that does not parse: {exc}") from None
        return ox.serialize(triples, format=fmt, prefixes=self.store.namespaces.prefixes) or b""

    def _next(self, pump: _Pump, deadline: float, timeout: float) -> tuple[Any, ...]:
        message = pump.get(deadline)
        if message is None:
            raise QueryLimit(504, timed_out(timeout))
        if message[0] == "error":
            exc = message[1]
            if isinstance(exc, httpx.TimeoutException):
                raise QueryLimit(504, timed_out(timeout))
            if isinstance(exc, (httpx.ConnectError, httpx.RemoteProtocolError, httpx.NetworkError)):
                raise QueryLimit(503, f"cannot reach the SPARQL store at {self.store.query_url}: "
                                 f"{exc}", retry_after=5)
            raise QueryFailed(502, f"reading from the SPARQL store failed: {exc}")
        return message

    def _drain(self, pump: _Pump, deadline: float, timeout: float, limit: int) -> bytes:
        body = b""
        while len(body) < limit:
            message = self._next(pump, deadline, timeout)
            if message[0] == "done":
                break
            body += message[1]
        return body[:limit]

    def _refused(self, status: int, text: str, request: Request) -> Exception:
        if status == 400:
            error = server_error(text, "query", len(_prologue(self.store._prologue, request)))
            return QueryFailed(400, str(error))
        if status == 406:
            return QueryFailed(406, NO_RESULTS_FORMAT if request.results_format is None
                               else NO_RDF_FORMAT)
        if status in (502, 503, 504):
            return QueryLimit(503, f"the SPARQL store at {self.store.query_url} is unavailable "
                              f"(HTTP {status}): {text.strip()[:300]}", retry_after=5)
        if status == 500 and "timeout" in text.lower():
            return QueryLimit(504, timed_out(request.timeout))
        return QueryFailed(502, f"the SPARQL store at {self.store.query_url} failed "
                           f"(HTTP {status}): {text.strip()[:500]}")

    def close(self) -> None:
        self._client.close()


def _is_boolean(head: bytes) -> bool:
    text = head.decode("utf-8", "replace").replace(" ", "").replace("\n", "")
    return '"boolean"' in text or "<boolean>" in text or text.lower() in ("true", "false")


def remote_executor_for(store: RemoteStore, max_concurrent: int, queue_wait: float = 2.0,
                        cache_bytes: int = 0) -> QueryExecutor:
    executor: QueryExecutor = RemoteExecutor(store, max_concurrent, queue_wait)
    if cache_bytes > 0:
        from kgraph.query.cache import CachingExecutor

        executor = CachingExecutor(executor, cache_bytes)
    return executor


def _prologue(prefixes: str, request: Request) -> str:
    """What goes before the query's own text, on its first line: the request's base IRI (the
    endpoint's URL, as on the embedded store) and kgraph's prefixes."""
    return (f"BASE <{request.base_iri}> " if request.base_iri else "") + prefixes


__all__ = ["RemoteExecutor", "remote_executor_for"]
