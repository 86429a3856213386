"""The hot path of the SPARQL Protocol, answered before the framework's routing and middleware.

A GET of /sparql or /query whose query the executor answers inline (`try_inline`: a point
lookup, a cached result) costs the framework more than the query itself: routing through every
route, the middleware stack, the request object. This ASGI middleware answers exactly those
requests itself, with the same planning (`protocol.plan_query`) and the same response
(`protocol.respond`), and passes every other request to the application unchanged: any request
it cannot answer whole and well (an error to report, a query for a worker, a browser's
cross-origin request that needs CORS headers) goes the usual way, so errors are rendered in one
place only.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from kgraph.query import QueryExecutor
from kgraph.settings import Settings
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
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1") if accept is None else f"{accept}, {value.decode('latin-1')}"
            elif name == b"origin":
                return None  # CORS headers are the framework's middleware's business
        try:
            op = protocol.read_operation("GET", scope["query_string"].decode("latin-1"), "", b"")
            if op.query is None:
                return None
            plan = protocol.plan_query(op, accept, self.settings, protocol.endpoint_iri_of(scope))
            stream = self.executor.try_inline(plan.request)
        except Exception:  # noqa: BLE001 - the application answers it again, and renders the error
            return None
        if stream is None or stream.body is None:
            return None
        response = protocol.respond(plan, stream, "GET", self.store)
        return response.status_code, response.raw_headers, bytes(response.body)
