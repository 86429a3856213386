"""A lean load generator for SPARQL endpoints: asyncio HTTP/1.1 with keep-alive, GET only,
127.0.0.1 only.

httpx costs about 1.3 ms of client CPU per request (see the performance baseline), which on a
2-core machine shared with the server caps cheap queries at the client; this client parses just
the status line, the headers it needs, Content-Length or chunked bodies.

    cell(port, path, query, accept, concurrency=8, duration=3.0, max_requests=5000, timeout=60)

runs `concurrency` closed-loop clients issuing the same query until `duration` seconds have
passed or `max_requests` were sent; every request is bounded by `timeout`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

HOST = "127.0.0.1"  # the only address this client talks to


class HttpError(Exception):
    pass


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port, limit=2**22)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def get(self, target: str, accept: str) -> tuple[int, bytes]:
        for attempt in (0, 1):
            if self.writer is None:
                await self._open()
            assert self.reader is not None and self.writer is not None
            self.writer.write(
                f"GET {target} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept: {accept}\r\n"
                "Connection: keep-alive\r\n\r\n".encode("latin-1"))
            try:
                await self.writer.drain()
                line = await self.reader.readline()
            except (ConnectionError, OSError):
                line = b""
            if not line:  # the server closed an idle keep-alive connection: reconnect once
                self.close()
                if attempt == 0:
                    continue
                raise HttpError("connection closed before a response")
            return await self._response(line)
        raise HttpError("unreachable")

    async def _response(self, status_line: bytes) -> tuple[int, bytes]:
        assert self.reader is not None
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            self.close()
            raise HttpError(f"bad status line {status_line[:80]!r}")
        status = int(parts[1])
        length = None
        chunked = False
        close = parts[0] == b"HTTP/1.0"
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            value = value.strip()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection":
                close = value.lower() == b"close"
        if chunked:
            body = bytearray()
            while True:
                size_line = await self.reader.readline()
                if not size_line:
                    self.close()
                    raise HttpError("connection closed inside a chunked body")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                body += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
            data = bytes(body)
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:  # read to the end of the connection
            data = await self.reader.read()
            close = True
        if close:
            self.close()
        return status, data


def target(path: str, query: str) -> str:
    return f"{path}?query={quote(query, safe='')}"


@dataclass
class CellResult:
    requests: int = 0
    ok: int = 0
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    first_error: str | None = None


async def _cell(port: int, path: str, query: str, accept: str, concurrency: int,
                duration: float, max_requests: int, timeout: float) -> CellResult:
    result = CellResult()
    url = target(path, query)
    start = time.perf_counter()
    deadline = start + duration
    issued = 0

    async def client() -> None:
        nonlocal issued
        conn = Connection(port)
        try:
            while time.perf_counter() < deadline and issued < max_requests:
                issued += 1
                t0 = time.perf_counter()
                try:
                    status, _ = await asyncio.wait_for(conn.get(url, accept), timeout)
                    key = str(status)
                except asyncio.TimeoutError:
                    conn.close()
                    status, key = 0, "timeout"
                except (HttpError, OSError, asyncio.IncompleteReadError) as exc:
                    conn.close()
                    status, key = 0, f"transport:{type(exc).__name__}"
                result.latencies.append(time.perf_counter() - t0)
                result.requests += 1
                result.statuses[key] = result.statuses.get(key, 0) + 1
                if status == 200:
                    result.ok += 1
                else:
                    result.errors += 1
                    result.first_error = result.first_error or key
        finally:
            conn.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - start
    return result


def cell(port: int, path: str, query: str, accept: str, *, concurrency: int, duration: float,
         max_requests: int, timeout: float) -> CellResult:
    return asyncio.run(_cell(port, path, query, accept, concurrency, duration, max_requests, timeout))


def one(port: int, path: str, query: str, accept: str, timeout: float) -> tuple[int, bytes, float]:
    """A single request on a fresh connection: status, body, seconds."""

    async def run() -> tuple[int, bytes, float]:
        conn = Connection(port)
        t0 = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(conn.get(target(path, query), accept), timeout)
        finally:
            conn.close()
        return status, body, time.perf_counter() - t0

    return asyncio.run(run())


# -- digests ------------------------------------------------------------------------------------

def _norm(value: str) -> str:
    """Values compared across servers: numbers by their value (76000.0 = 76000), the rest as
    they are; datatypes, language tags and term types are left out."""
    try:
        d = Decimal(value)
    except (InvalidOperation, ValueError):
        return value
    if not d.is_finite():
        return value
    return format(d.normalize(), "f") if d == d.to_integral_value() or abs(d) < 10**15 else value


def digest_select(body: bytes) -> tuple[int, str]:
    """(rows, order-insensitive digest of the bound values) of SPARQL JSON results."""
    data = json.loads(body)
    if "boolean" in data:
        return 1, hashlib.sha256(str(data["boolean"]).encode()).hexdigest()[:16]
    rows = []
    for binding in data["results"]["bindings"]:
        row = sorted((var, "_:b" if term.get("type") == "bnode" else _norm(term["value"]))
                     for var, term in binding.items())
        rows.append(json.dumps(row, ensure_ascii=False))
    rows.sort()
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


def digest_graph(body: bytes) -> tuple[int, str]:
    """(triples, order-insensitive digest) of an N-Triples body."""
    import pyoxigraph as ox

    triples = set()
    for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
        terms = []
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.BlankNode):
                terms.append("_:b")
            else:
                terms.append(_norm(term.value))
        triples.add(json.dumps(terms, ensure_ascii=False))
    lines = sorted(triples)
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
