"""A result cache in front of an executor: the same query, with the same dataset and format, on
the same version of the data, is answered from memory. Any write empties it (the executor's
`refresh()` is called after every commit), so a write is visible in the very next query."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Iterator

from kgraph.query.executor import QueryExecutor, QueryStream, Request

#: A result larger than this share of the cache is not kept: it would push out many small ones.
MAX_ENTRY_SHARE = 4


def cache_key(request: Request) -> tuple[object, ...]:
    return (
        request.query.strip(),
        tuple(request.default_graphs) if request.default_graphs is not None else None,
        request.union,
        tuple(request.named_graphs) if request.named_graphs is not None else None,
        request.results_format.media_type if request.results_format else None,
        request.rdf_format.media_type if request.rdf_format else None,
        request.max_bytes,
        request.base_iri,
    )


class CachingExecutor(QueryExecutor):
    def __init__(self, inner: QueryExecutor, max_bytes: int) -> None:
        self.inner = inner
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // MAX_ENTRY_SHARE
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[object, ...], tuple[str, bytes]] = OrderedDict()
        self._size = 0
        self._version = 0
        self.hits = 0
        self.misses = 0

    def _lookup(self, key: tuple[object, ...]) -> QueryStream | int:
        """The cached answer, or the data's version now (to store the answer under)."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                kind, body = found
                return QueryStream.whole(kind, body)
            return self._version

    def try_inline(self, request: Request) -> QueryStream | None:
        key = cache_key(request)
        found = self._lookup(key)
        if isinstance(found, QueryStream):
            return found
        stream = self.inner.try_inline(request)
        if stream is not None:
            with self._lock:
                self.misses += 1
            assert stream.body is not None
            self._store(key, found, stream.kind, stream.body)
        return stream

    def execute(self, request: Request) -> QueryStream:
        key = cache_key(request)
        found = self._lookup(key)
        if isinstance(found, QueryStream):
            return found
        with self._lock:
            self.misses += 1
        version = found
        stream = self.inner.execute(request)
        if stream.body is not None:
            self._store(key, version, stream.kind, stream.body)
            return stream
        return QueryStream(stream.kind, self._keep(key, version, stream), on_close=[stream.close])

    def _keep(self, key: tuple[object, ...], version: int, stream: QueryStream) -> Iterator[bytes]:
        chunks: list[bytes] = []
        size = 0
        for chunk in stream:
            size += len(chunk)
            if size <= self.max_entry_bytes:
                chunks.append(chunk)
            yield chunk
        if size <= self.max_entry_bytes:
            self._store(key, version, stream.kind, b"".join(chunks))

    def _store(self, key: tuple[object, ...], version: int, kind: str, body: bytes) -> None:
        if len(body) > self.max_entry_bytes:
            return
        with self._lock:
            if version != self._version:  # a write landed meanwhile: the result may be stale
                return
            replaced = self._entries.pop(key, None)  # two misses of one query raced
            if replaced is not None:
                self._size -= len(replaced[1])
            self._entries[key] = (kind, body)
            self._size += len(body)
            while self._size > self.max_bytes and self._entries:
                _, (_, old) = self._entries.popitem(last=False)
                self._size -= len(old)

    def refresh(self, graphs: Collection[str] | None = None) -> None:
        with self._lock:
            self._version += 1
            self._entries.clear()
            self._size = 0
        self.inner.refresh(graphs)

    def warm(self, wait: float) -> list[tuple[bool, int]]:
        return self.inner.warm(wait)

    def close(self) -> None:
        self.inner.close()
