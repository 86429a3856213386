"""The hot path of the SPARQL Protocol, answered before the framework's routing and middleware.

A GET of /sparql or /query whose query the executor answers inline (`try_inline`: a point
lookup, a cached result) costs the framework more than the query itself: routing through every
route, the middleware stack, the request object. This ASGI middleware answers exactly those
requests itself, with the same planning (`protocol.plan_query`) and the same response
(`protocol.respond`), and passes every other request to the application unchanged: any request
it cannot answer whole and well (an error to report, a query for a worker, a browser's
cross-origin request that needs CORS headers) goes the usual way, so errors are rendered in one
place only.

What a request's text plans to (`protocol.plan_query`) is remembered per query string, Accept
header and endpoint IRI, when they are short together (the memory held stays small): clients
send the same requests again and again, and decoding and checking them costs a point lookup a
sixth of its time. The plan is a pure function of those (and of the settings, fixed for the
front's life).
"""

from __future__ import annotations

import functools

from starlette.types import ASGIApp, Receive, Scope, Send

from kgraph.query import QueryExecutor
from kgraph.settings import Settings
from kgraph.sparql_text import MEMO_MAX_CHARS
from kgraph.store import AnyStore
from kgraph.web import protocol

PATHS = frozenset(("/sparql", "/query"))


class QueryFront:
    def __init__(self, app: ASGIApp, *, settings: Settings, store: AnyStore,
                 executor: QueryExecutor) -> None:
        self.app = app
        self.settings = settings
        self.store = store
        self.executor = executor
        self._remembered = functools.lru_cache(maxsize=512)(self._plan)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] in PATHS:
            answer = self._answer(scope)
            if answer is not None:
                status, headers, body = answer
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _answer(self, scope: Scope) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        accept: str | None = None
        host: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1") if accept is None else f"{accept}, {value.decode('latin-1')}"
            elif name == b"host" and host is None:
                host = value
            elif name == b"origin":
                return None  # CORS headers are the framework's middleware's business
        # what the endpoint IRI is made of: the Host header, else the server's address
        server = scope.get("server")  # a list from some servers: the key must be hashable
        where = (scope["scheme"], scope["path"], host, None if host or not server else tuple(server))
        query_string: bytes = scope["query_string"]
        try:
            short = len(query_string) + len(accept or "") + len(host or b"") <= MEMO_MAX_CHARS
            plan = (self._remembered if short else self._plan)(query_string, accept, where)
            if plan is None:
                return None
            stream = self.executor.try_inline(plan.request)
        except Exception:  # noqa: BLE001 - the application answers it again, and renders the error
            return None
        if stream is None or stream.body is None:
            return None
        response = protocol.respond(plan, stream, "GET", self.store)
        return response.status_code, response.raw_headers, bytes(response.body)

    def _plan(self, query_string: bytes, accept: str | None,
              where: tuple[str, str, bytes | None, tuple[str, int | None] | None]) -> protocol.QueryPlan | None:
        """The plan of a GET's query (None: no query, the service description); raises what
        `plan_query` raises. `where`: the parts of the request the endpoint IRI is made of."""
        op = protocol.read_operation("GET", query_string.decode("latin-1"), "", b"")
        if op.query is None:
            return None
        return protocol.plan_query(op, accept, self.settings, protocol.endpoint_iri_from(*where))
