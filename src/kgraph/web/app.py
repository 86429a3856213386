"""The HTTP application: one table of routes, one error type rendered one way.

    GET|POST        /sparql          SPARQL query or update; the service description without one
    GET|POST        /query           SPARQL query (alias)
    POST            /update          SPARQL update (alias)
    GET|HEAD|PUT|POST|DELETE /store  Graph Store HTTP Protocol (?graph=<iri> | ?default)
    GET             /health          liveness, store size
    + the feature routers: the query UI and examples, entity pages, the ontology, VoID, lookup

A GET query the executor can answer inline (a point look-up, a cached result) is answered by
`front.QueryFront` before routing; everything else goes through the table. Queries run in the
query executor (killable workers with hard deadlines over checkpoints of the
store; on a remote store, forwarded to its server under the same limits); writes go through the
write gate (validated on a scratch copy, committed whole) and then refresh the executor. Routes
that wait on the store are sync functions, run in Starlette's thread pool, so the event loop stays
free.
"""

from __future__ import annotations

import importlib
import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as RoutingError

from kgraph import __version__
from kgraph.errors import KgraphError
from kgraph.namespaces import GRAPH_SHAPES
from kgraph.query import QueryExecutor, executor_for
from kgraph.settings import Settings
from kgraph.store import AnyStore, EmbeddedStore, RemoteStore
from kgraph.web import graph_store, openapi, protocol
from kgraph.web.auth import AuthError, Token, authorise, parse_tokens
from kgraph.web.context import WebContext
from kgraph.web.errors import HTTPError, render
from kgraph.web.front import QueryFront
from kgraph.web.service_description import service_description
from kgraph.writes import WriteGate

log = logging.getLogger("kgraph.web")

#: Feature routers, each `module.router(ctx) -> APIRouter`, included when present.
FEATURES = ("kgraph.web.ui", "kgraph.web.pages", "kgraph.web.void", "kgraph.web.lookup",
            "kgraph.web.audit")


def create_app(
    settings: Settings,
    store: AnyStore,
    *,
    executor: QueryExecutor | None = None,
) -> FastAPI:
    if executor is None and isinstance(store, RemoteStore):
        from kgraph.query.remote import remote_executor_for

        executor = remote_executor_for(store, settings.max_concurrent_queries,
                                       settings.queue_wait, settings.cache_bytes)
    elif executor is None and isinstance(store, EmbeddedStore):
        executor = executor_for(store, settings.max_concurrent_queries, settings.queue_wait,
                                settings.cache_bytes, settings.replica_max_quads)
    assert executor is not None
    tokens = parse_tokens(settings.write_token)
    gate = WriteGate(store, validate=settings.validate_writes, on_commit=executor.refresh)
    app = FastAPI(
        title="kgraph",
        summary="A provenance-first knowledge graph of conflict reporting, served over SPARQL.",
        # The OpenAPI description only: the interactive docs page would load scripts from a CDN.
        openapi_url="/api",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings, app.state.store, app.state.executor, app.state.gate = (
        settings, store, executor, gate)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["*"],  # a browser client may add its own (X-Requested-With, ...)
        expose_headers=["Location", "Retry-After", "ETag", "WWW-Authenticate", "Content-Length"],
        max_age=3600,
    )
    # Outermost of all, around the framework's own error and body-limit layers too: point
    # lookups and cached results skip every layer (a tenth of a lookup's cost). The front
    # passes on anything it cannot answer whole, and catches its own failures, so those layers
    # still see every other request.
    framework_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: QueryFront(  # type: ignore[method-assign]
        framework_stack(), settings=settings, store=store, executor=executor)
    # KgraphError and HTTPError are answered by the exception middleware; anything else is a
    # fault, answered 500 by the outermost middleware (and re-raised to the test client).
    app.add_exception_handler(RoutingError, render)
    app.add_exception_handler(KgraphError, render)
    app.add_exception_handler(HTTPError, render)
    app.add_exception_handler(Exception, render)

    async def body_of(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        limit = settings.max_body_bytes
        if declared is not None:
            try:
                if int(declared) > limit:
                    raise HTTPError(413, f"The request body is larger than {limit} bytes")
            except ValueError:
                raise HTTPError(400, "Content-Length is not a number") from None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise HTTPError(413, f"The request body is larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def writer(request: Request) -> str:
        """The agent IRI of the token a write request carries (401/403 otherwise)."""
        try:
            token: Token = authorise(tokens, request.headers.get("authorization"))
        except AuthError as exc:
            headers = {"WWW-Authenticate": 'Bearer realm="kgraph"'} if exc.status == 401 else {}
            raise HTTPError(exc.status, exc.message, headers) from None
        return f"{store.namespaces.id}agent/token/{token.name}"

    def run(request: Request, op: protocol.Operation, queries: bool, updates: bool) -> Response:
        if op.query is None and op.update is None:
            if request.method not in ("GET", "HEAD"):
                raise HTTPError(400, "The request carries neither a query nor an update (send "
                                "'query' or 'update'; GET without either describes the service)")
            return service_description(
                request, store, queries=queries, updates=updates and bool(tokens),
                union_default_graph=settings.union_default_graph,
                federated=bool(settings.service_allow))
        agent = writer(request)
        assert op.update is not None
        protocol.check_update(op.update, settings.service_allow)
        text = protocol.using(op, op.update)
        result = gate.update(text, agent=agent, base_iri=protocol.endpoint_iri(request))
        return JSONResponse({"activity": result.activity, "added": result.added,
                             "removed": result.removed, "graphs": result.graphs})

    async def sparql(request: Request, *, queries: bool, updates: bool) -> Response:
        body = b"" if request.method in ("GET", "HEAD") else await body_of(request)
        op = protocol.read_operation(
            request.method, request.url.query, request.headers.get("content-type", ""), body,
            allow_query=queries, allow_update=updates)
        if op.query is not None:
            plan = protocol.plan_query(op, request.headers.get("accept"), settings,
                                       protocol.endpoint_iri(request))
            # A query that is sure to be quick is answered here, on the event loop, without
            # the hop to a thread (and, on an embedded store, to a worker process).
            stream = executor.try_inline(plan.request)
            if stream is not None:
                return protocol.respond(plan, stream, request.method, store)
            return await run_in_threadpool(protocol.answer_query, plan, request.method, store,
                                           executor)
        return await run_in_threadpool(run, request, op, queries, updates)

    # -- the route table ----------------------------------------------------------------------
    @app.api_route("/sparql", methods=["GET", "HEAD", "POST"], summary="SPARQL query and update",
                   openapi_extra=openapi.SPARQL)
    async def sparql_endpoint(request: Request) -> Response:
        return await sparql(request, queries=True, updates=True)

    @app.api_route("/query", methods=["GET", "HEAD", "POST"], summary="SPARQL query",
                   openapi_extra=openapi.QUERY)
    async def query_endpoint(request: Request) -> Response:
        return await sparql(request, queries=True, updates=False)

    @app.post("/update", summary="SPARQL update", openapi_extra=openapi.UPDATE)
    async def update_endpoint(request: Request) -> Response:
        return await sparql(request, queries=False, updates=True)

    @app.api_route("/store", methods=["GET", "HEAD"], summary="Graph Store: read a graph or the dataset",
                   openapi_extra=openapi.STORE_READ)
    @app.api_route("/store/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def store_read(request: Request) -> Response:
        return graph_store.read(request, store)

    @app.api_route("/store", methods=["PUT", "POST", "DELETE"], summary="Graph Store: write a graph",
                   openapi_extra=openapi.STORE_WRITE)
    @app.api_route("/store/{path:path}", methods=["PUT", "POST", "DELETE"], include_in_schema=False)
    async def store_write(request: Request) -> Response:
        body = b"" if request.method == "DELETE" else await body_of(request)
        agent = writer(request)
        return await run_in_threadpool(graph_store.write, request, body, store, gate, agent)

    @app.api_route("/graph/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def named_graph(path: str) -> Response:
        """A named graph's IRI (`graph/<name>` under the base) dereferences: 303 to its
        content at the Graph Store (by Accept there)."""
        return _see_graph(store.namespaces.graph_iri(path))

    @app.api_route("/shapes", methods=["GET", "HEAD"], include_in_schema=False)
    def shapes() -> Response:
        """The shapes' IRI (`shapes`, its terms `shapes#...`): 303 to the shapes graph."""
        return _see_graph(store.namespaces.graph_iri(GRAPH_SHAPES))

    def _see_graph(iri: str) -> Response:
        if iri not in store.graphs():
            raise HTTPError(404, f"No graph {iri} in the store")
        return Response(status_code=303, headers={
            "Location": f"/store?graph={quote(iri, safe='')}", "Vary": "Accept"})

    @app.api_route("/health", methods=["GET", "HEAD"], summary="Liveness and store size")
    def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "graphs": len(store.graphs()),
                             "quads": store.count()})

    def openapi_schema() -> dict[str, object]:
        """FastAPI names every method of a multi-method route alike; name them per method."""
        if app.openapi_schema is None:
            import warnings

            from fastapi.openapi.utils import get_openapi

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                schema = get_openapi(title=app.title, version=__version__, summary=app.summary,
                                     routes=app.routes)
            for path, item in schema.get("paths", {}).items():
                for method, operation in item.items():
                    slug = path.strip("/").replace("/", "_").replace(".", "").replace("{", "").replace("}", "")
                    operation["operationId"] = f"{method}_{slug or 'root'}"
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi_schema  # type: ignore[method-assign]

    ctx = WebContext(settings, store)
    for name in FEATURES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        app.include_router(module.router(ctx))
    return app
