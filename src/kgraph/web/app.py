"""The HTTP application: one table of routes, one error type rendered one way.

    GET  /                 a query page
    GET  /sparql /query    SPARQL query (GET ?query=), or the service description without one
    POST /sparql /query    SPARQL query (form or application/sparql-query)
    POST /update           refused: this server is read-only for now (403)
    GET  /health           liveness and store counts

Routes are sync functions: Starlette runs them in its thread pool, and pyoxigraph releases the
GIL while it evaluates, so queries run in parallel with the event loop free.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from kgraph.errors import KgraphError, QueryError
from kgraph.settings import Settings
from kgraph.store.embedded import EmbeddedStore
from kgraph.web.conneg import negotiate

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
#: `format=` shortcuts, as Fuseki and Virtuoso accept them.
FORMAT_ALIASES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
    "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
    "nquads": "application/n-quads", "trig": "application/trig", "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json", "json-ld": "application/ld+json",
}


class HTTPError(Exception):
    """The one error the routes raise; rendered as text/plain with its status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def create_app(settings: Settings, store: EmbeddedStore) -> FastAPI:
    app = FastAPI(title="kgraph", docs_url="/api", redoc_url=None)

    @app.exception_handler(HTTPError)
    def _http_error(request: Request, exc: HTTPError) -> Response:
        return PlainTextResponse(exc.message + "\n", status_code=exc.status, headers=exc.headers)

    @app.exception_handler(KgraphError)
    def _kgraph_error(request: Request, exc: KgraphError) -> Response:
        return PlainTextResponse(str(exc) + "\n", status_code=exc.http_status)

    def query_route(request: Request, params: dict[str, list[str]], body_query: str | None) -> Response:
        queries = params.get("query", [])
        if body_query is not None:
            if queries:
                raise HTTPError(400, "The query cannot be given both in the URL and in the body")
            queries = [body_query]
        if not queries:
            return service_description(request)
        if len(queries) > 1:
            raise HTTPError(400, "Exactly one 'query' parameter is allowed")
        return evaluate(request, queries[0], params)

    def evaluate(request: Request, query: str, params: dict[str, list[str]]) -> Response:
        accept = request.headers.get("accept")
        fmt = params.get("format", [None])[-1]
        if fmt:
            accept = FORMAT_ALIASES.get(fmt.lower(), fmt)
        defaults = params.get("default-graph-uri", [])
        named = params.get("named-graph-uri", [])
        try:
            result = store.query(
                query,
                union_default_graph=settings.union_default_graph,
                default_graphs=defaults or None,
                named_graphs=named or None,
            )
        except QueryError as exc:
            raise HTTPError(400, str(exc)) from None
        except ValueError as exc:
            raise HTTPError(400, f"invalid graph IRI: {exc}") from None
        # pyoxigraph results may only be dropped on the thread that made them: serialise here
        # and release the result before any error leaves this thread.
        try:
            media, body = _serialise(result, accept)
        finally:
            del result
        if media is None:
            raise HTTPError(406, body.decode())
        charset = "; charset=utf-8" if media.startswith("text/") else ""
        return Response(body, media_type=media + charset, headers={"Vary": "Accept"})

    def service_description(request: Request) -> Response:
        endpoint = str(request.url.replace(query=""))
        ttl = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
[] a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML, formats:SPARQL_Results_CSV,
    formats:SPARQL_Results_TSV, formats:Turtle, formats:N-Triples, formats:RDF_XML, formats:JSON-LD ;
  sd:feature sd:UnionDefaultGraph, sd:BasicFederatedQuery .
"""
        triples = list(ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE))
        media = negotiate(request.headers.get("accept"), list(RDF_FORMATS)) or "text/turtle"
        body = ox.serialize(triples, format=RDF_FORMATS[media])
        return Response(body, media_type=media, headers={"Vary": "Accept"})

    @app.get("/sparql", include_in_schema=True)
    @app.get("/query")
    def sparql_get(request: Request) -> Response:
        return query_route(request, _params(request.url.query), None)

    @app.post("/sparql")
    @app.post("/query")
    async def sparql_post(request: Request) -> Response:
        body = await request.body()
        url_params = _params(request.url.query)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPError(400, "The request body is not valid UTF-8") from None
        if ctype == "application/x-www-form-urlencoded":
            params = {**url_params}
            for k, v in parse_qsl(text, keep_blank_values=True):
                params.setdefault(k, []).append(v)
            if "update" in params:
                raise HTTPError(403, "The server is read-only")
            return await _threaded(query_route, request, params, None)
        if ctype == "application/sparql-query":
            return await _threaded(query_route, request, url_params, text)
        if ctype == "application/sparql-update":
            raise HTTPError(403, "The server is read-only")
        raise HTTPError(415, f"Unsupported content type {ctype or '(none)'}: use "
                        "application/sparql-query or application/x-www-form-urlencoded")

    @app.post("/update")
    def update(request: Request) -> Response:
        raise HTTPError(403, "The server is read-only")

    @app.get("/health")
    def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "graphs": len(store.graphs())})

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return HTMLResponse(INDEX_PAGE.replace("{{example}}", html.escape(EXAMPLE)))

    return app


def _serialise(result: object, accept: str | None) -> tuple[str | None, bytes]:
    """(media type, body) for a query result, or (None, message) when nothing acceptable."""
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        media = negotiate(accept, list(RESULT_FORMATS))
        if media is None:
            return None, (b"No acceptable result format; try application/sparql-results+json, "
                          b"application/sparql-results+xml, text/csv or text/tab-separated-values")
        return media, result.serialize(format=RESULT_FORMATS[media])
    media = negotiate(accept, list(RDF_FORMATS))
    if media is None:
        return None, (b"No acceptable RDF format; try text/turtle, application/n-triples, "
                      b"application/rdf+xml or application/ld+json")
    return media, ox.serialize(result, format=RDF_FORMATS[media])  # type: ignore[arg-type]


def _params(query_string: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for k, v in parse_qsl(query_string, keep_blank_values=True):
        params.setdefault(k, []).append(v)
    return params


async def _threaded(fn: Callable[..., Response], *args: Any) -> Response:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)


EXAMPLE = """PREFIX kg: <https://w3id.org/kgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?claim ?label ?claimantName WHERE {
  ?claim a kg:Claim ; rdfs:label ?label ; kg:claimant ?who .
  ?who rdfs:label ?claimantName . FILTER(LANG(?claimantName) = "en")
} ORDER BY ?claim LIMIT 100"""

INDEX_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kgraph SPARQL endpoint</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto}
textarea{width:100%;height:12rem;font-family:monospace}</style></head>
<body><h1>kgraph</h1>
<p>A provenance-first knowledge graph of conflict reporting. SPARQL endpoint: <code>/sparql</code>.</p>
<form method="get" action="/sparql"><textarea name="query">{{example}}</textarea>
<p><select name="format"><option value="json">JSON</option><option value="csv">CSV</option>
<option value="tsv">TSV</option><option value="xml">XML</option></select>
<button type="submit">Run query</button></p></form></body></html>"""
