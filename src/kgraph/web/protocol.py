"""The SPARQL 1.1 Protocol: reading a request into a query or an update, and answering it.

https://www.w3.org/TR/sparql11-protocol/ — query by GET, POST form and POST direct;
update by POST form and POST direct; `default-graph-uri` / `named-graph-uri` (queries) and
`using-graph-uri` / `using-named-graph-uri` (updates) set the dataset. kgraph adds `timeout`
(seconds, lower than the server's limit, as in Fuseki) and `format` or `output` (a media type or
a short name, for links typed by hand).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Scope

from kgraph.errors import KgraphError
from kgraph.query import QueryExecutor, QueryStream
from kgraph.sparql_text import (
    check_nesting,
    has_dataset_clause,
    load_sources,
    service_endpoints,
    with_using,
)
from kgraph.query import Request as QueryRequest
from kgraph.settings import Settings
from kgraph.store import AnyStore
from kgraph.web.conneg import negotiate
from kgraph.web.errors import HTTPError

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
    "text/plain": ox.RdfFormat.N_TRIPLES,
    # Turtle is N3 too, and the older names for Turtle
    "text/n3": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
}
#: `format=` (or Fuseki's `output=`) shortcuts, as Fuseki and Virtuoso accept them; json and
#: xml name a results format for SELECT and ASK and an RDF one for CONSTRUCT and DESCRIBE.
FORMAT_ALIASES = {
    "json": "application/sparql-results+json, application/ld+json;q=0.9",
    "xml": "application/sparql-results+xml, application/rdf+xml;q=0.9",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
    "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
    "nquads": "application/n-quads", "trig": "application/trig", "rdfxml": "application/rdf+xml",
    "xml-rdf": "application/rdf+xml", "jsonld": "application/ld+json",
    "json-ld": "application/ld+json", "n3": "text/turtle", "rdf": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
}

QUERY_PARAMS = {"query", "default-graph-uri", "named-graph-uri", "timeout", "format", "output"}
UPDATE_PARAMS = {"update", "using-graph-uri", "using-named-graph-uri"}


@dataclass
class Operation:
    """What a protocol request asks for: a query or an update, with its parameters."""

    query: str | None = None
    update: str | None = None
    params: dict[str, list[str]] = field(default_factory=dict)

    def one(self, name: str) -> str | None:
        values = self.params.get(name, [])
        if len(values) > 1:
            raise HTTPError(400, f"The '{name}' parameter is given more than once")
        return values[0] if values else None


def parse_params(text: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise HTTPError(400, "The parameters are not valid UTF-8 once percent-decoded") from None
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    return params


def read_operation(method: str, url_query: str, content_type: str, body: bytes,
                   *, allow_query: bool = True, allow_update: bool = True) -> Operation:
    """The protocol's request forms, strictly: the operation is in exactly one place."""
    params = parse_params(url_query)
    mime = content_type.split(";")[0].strip().lower()
    if method in ("GET", "HEAD"):
        if "update" in params:
            raise HTTPError(400, "An update must be sent with POST")
        op = Operation(query=_single(params, "query"), params=params)
    elif mime == "application/x-www-form-urlencoded":
        form = parse_params(_utf8(body))
        for key in ("query", "update"):
            if key in params and key in form:
                raise HTTPError(400, f"The {key} cannot be set both in the URL and in the body")
        merged = {**params}
        for key, values in form.items():
            merged.setdefault(key, []).extend(values)
        if "query" in merged and "update" in merged:
            raise HTTPError(400, "A request carries either a query or an update, not both")
        op = Operation(query=_single(merged, "query"), update=_single(merged, "update"),
                       params=merged)
    elif mime == "application/sparql-query":
        if "query" in params:
            raise HTTPError(400, "The query cannot be set both in the URL and in the body")
        op = Operation(query=_utf8(body), params=params)
    elif mime == "application/sparql-update":
        if "update" in params:
            raise HTTPError(400, "The update cannot be set both in the URL and in the body")
        op = Operation(update=_utf8(body), params=params)
    else:
        raise HTTPError(415, f"Unsupported content type {mime or '(none)'}: use "
                        "application/sparql-query, application/sparql-update or "
                        "application/x-www-form-urlencoded")
    if op.query is not None and not allow_query:
        raise HTTPError(400, "This endpoint takes updates only (use /query or /sparql for queries)")
    if op.update is not None and not allow_update:
        raise HTTPError(400, "This endpoint takes queries only (use /update or /sparql for updates)")
    if op.query is not None and op.params.keys() & (UPDATE_PARAMS - {"update"}):
        raise HTTPError(400, "using-graph-uri and using-named-graph-uri go with updates, not queries")
    if op.update is not None and op.params.keys() & {"default-graph-uri", "named-graph-uri"}:
        raise HTTPError(400, "default-graph-uri and named-graph-uri go with queries; updates use "
                        "using-graph-uri and using-named-graph-uri")
    return op


def _single(params: dict[str, list[str]], key: str) -> str | None:
    values = params.get(key, [])
    if len(values) > 1:
        raise HTTPError(400, f"Exactly one '{key}' parameter is allowed")
    return values[0] if values else None


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPError(400, f"The request body is not valid UTF-8 (byte {exc.start})") from None


# -- queries -----------------------------------------------------------------------------------

@dataclass
class QueryPlan:
    """A query request read and checked: what to run, and the media types to answer in."""

    request: QueryRequest
    results_media: str | None
    rdf_media: str | None
    compact_jsonld: bool


def plan_query(op: Operation, accept: str | None, settings: Settings,
               base_iri: str | None = None) -> QueryPlan:
    """Read a query operation's parameters and checks; raises HTTPError for what is refused.
    `base_iri`: what relative IRIs in the query resolve against (the endpoint's URL)."""
    assert op.query is not None
    # the first format named that kgraph knows; clients send several (SPARQLWrapper:
    # format=tsv&format=text/tab-separated-values), and with none known, Accept decides
    for fmt in (*op.params.get("format", []), *op.params.get("output", [])):
        name = fmt.strip().lower()
        if name in FORMAT_ALIASES or "/" in name:
            accept = FORMAT_ALIASES.get(name, fmt)
            break
    results_media = negotiate(accept, list(RESULT_FORMATS))
    rdf_media = negotiate(accept, list(RDF_FORMATS))
    if results_media is None and rdf_media is None:
        raise HTTPError(406, "No acceptable format: results are served as "
                        "application/sparql-results+json, application/sparql-results+xml, "
                        "text/csv, text/tab-separated-values; graphs as text/turtle, "
                        "application/n-triples, application/rdf+xml, application/ld+json")
    timeout = settings.query_timeout
    asked = op.one("timeout")
    if asked is not None:
        try:
            value = float(asked)
        except ValueError:
            raise HTTPError(400, f"timeout must be a number of seconds, got {asked!r}") from None
        if not value > 0:
            raise HTTPError(400, "timeout must be a positive number of seconds")
        timeout = min(timeout, value)
    defaults = op.params.get("default-graph-uri", [])
    named = op.params.get("named-graph-uri", [])
    for iri in (*defaults, *named):
        _check_iri(iri)
    union = False
    if defaults or named:
        # the protocol's dataset replaces the query's whole: no named-graph-uri, no named graphs
        default_graphs: list[str] | None = list(defaults)
        named_graphs: list[str] | None = list(named)
    else:
        default_graphs, named_graphs = None, None
        union = settings.union_default_graph and not has_dataset_clause(op.query)
    check_nesting(op.query)
    check_service(op.query, settings.service_allow)
    compact_jsonld = rdf_media == "application/ld+json"
    request = QueryRequest(
        query=op.query,
        default_graphs=default_graphs,
        union=union,
        named_graphs=named_graphs,
        results_format=RESULT_FORMATS[results_media] if results_media else None,
        rdf_format=(ox.RdfFormat.N_TRIPLES if compact_jsonld else RDF_FORMATS[rdf_media])
        if rdf_media else None,
        timeout=timeout,
        max_bytes=settings.max_result_bytes,
        base_iri=base_iri,
    )
    return QueryPlan(request, results_media, rdf_media, compact_jsonld)


def respond(plan: QueryPlan, stream: QueryStream, method: str, store: AnyStore) -> Response:
    """The HTTP answer for a query's result stream."""
    media = plan.rdf_media if stream.kind == "graph" else plan.results_media
    assert media is not None
    if plan.compact_jsonld and stream.kind == "graph":
        return Response(_compact_jsonld(stream, store), media_type="application/ld+json",
                        headers={"Vary": "Accept"})
    charset = "; charset=utf-8" if media.startswith("text/") else ""
    headers = {"Vary": "Accept"}
    if method == "HEAD":
        # the headers GET would send, Content-Length included: the body is read (within the
        # result limit) and then left out by the server
        try:
            body = stream.body if stream.body is not None else b"".join(stream)
        finally:
            stream.close()
        return Response(body, media_type=media + charset, headers=headers)
    if stream.body is not None:  # complete already: no streaming, no thread hop per chunk
        return Response(stream.body, media_type=media + charset, headers=headers)
    return StreamingResponse(_chunks(stream), media_type=media + charset, headers=headers)


def answer_query(plan: QueryPlan, method: str, store: AnyStore, executor: QueryExecutor) -> Response:
    """Run a planned query and answer it (in a worker thread: `execute` may wait)."""
    return respond(plan, executor.execute(plan.request), method, store)


class StreamAborted(Exception):
    """A limit was hit after the response began: the connection is cut so that no client can
    take the truncated result for a complete one (the server logs this, with the reason)."""


def _chunks(stream: QueryStream):  # type: ignore[no-untyped-def]
    try:
        yield from stream
    except KgraphError as exc:
        raise StreamAborted(f"response aborted after it began: {exc}") from None
    finally:
        stream.close()


def _compact_jsonld(stream: QueryStream, store: AnyStore) -> bytes:
    """A graph result as JSON-LD with kgraph's prefixes as its context: pyoxigraph writes the
    expanded form (every triple, blank-node cycles included), whose IRIs are then written as
    compact IRIs (`kg:Claim`) where a prefix covers them."""
    try:
        data = b"".join(stream)
    finally:
        stream.close()
    triples = [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
    nodes = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]")
    context = dict(sorted(store.namespaces.prefixes.items()))
    by_length = sorted(context.items(), key=lambda item: -len(item[1]))

    def iri(value: str) -> str:
        for name, namespace in by_length:
            if value.startswith(namespace) and not value[len(namespace):].startswith("//"):
                return f"{name}:{value[len(namespace):]}"
        return value

    def compact(node: Any, key: str | None = None) -> Any:
        if isinstance(node, list):
            return [compact(item, key) for item in node]
        if isinstance(node, dict):
            return {(k if k.startswith("@") else iri(k)): compact(v, k) for k, v in node.items()}
        if key in ("@id", "@type") and isinstance(node, str) and not node.startswith("_:"):
            return iri(node)
        return node

    return json.dumps({"@context": context, "@graph": compact(nodes)}, ensure_ascii=False,
                      indent=2).encode()


_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


def _check_iri(iri: str) -> None:
    if not _IRI.match(iri):
        raise HTTPError(400, f"not an absolute IRI: {iri!r}")


# -- text-level checks -------------------------------------------------------------------------

def check_service(query: str, allowed: list[str]) -> None:
    """Refuse SERVICE calls the server may not make: pyoxigraph would call any host itself, so
    the query is read first. `SERVICE ?var` is always refused; `SERVICE <iri>` only when the
    IRI starts with an allow-listed prefix (KGRAPH_SERVICE_ALLOW_LIST)."""
    for iri in service_endpoints(query):
        if iri is None:
            raise HTTPError(403, "SERVICE is allowed only with an endpoint written as a full IRI "
                            "(<http://...>), never a variable or a prefixed name")
        if not _allowed(iri, allowed):
            raise HTTPError(403, f"SERVICE <{iri}> is not allowed on this server (allowed: "
                            f"{', '.join(allowed) or 'none'}; set KGRAPH_SERVICE_ALLOW_LIST)")


def endpoint_iri(request: Request) -> str | None:
    """The base IRI of a request's query or update: the endpoint's URL, as the protocol
    suggests (relative IRIs such as `<s>` then name things under it)."""
    return endpoint_iri_of(request.scope)


def endpoint_iri_of(scope: Scope) -> str | None:
    """`endpoint_iri` from the ASGI scope itself (the hot path has no request object)."""
    host = next((v for k, v in scope["headers"] if k == b"host"), None)
    return endpoint_iri_from(scope["scheme"], scope["path"], host, scope.get("server"))


def endpoint_iri_from(scheme: str, path: str, host: bytes | None,
                      server: tuple[str, int | None] | None) -> str | None:
    """The endpoint IRI from the parts of a request it is made of: the Host header as sent,
    else the server's address without a default port. None when that makes no IRI (a Host
    header with a space or a `>`): relative IRIs are then not resolved."""
    authority = host.decode("latin-1") if host else ""
    if not authority:
        name, port = server or ("localhost", None)
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"
        authority = name if port in (None, {"http": 80, "https": 443}.get(scheme)) else f"{name}:{port}"
    iri = f"{scheme}://{authority}{path}"
    try:
        ox.NamedNode(iri)  # the engine's own check of an IRI
    except ValueError:
        return None
    return iri


def check_update(update: str, allowed: list[str]) -> None:
    """Refuse an update that would make the server call out: a SERVICE in its WHERE, as for
    queries, and a LOAD, which reads any URL (or a file of the server's) into the store, unless
    its IRI starts with an allow-listed prefix."""
    check_service(update, allowed)
    for iri in load_sources(update):
        if iri is None or not _allowed(iri, allowed):
            raise HTTPError(403, f"LOAD {'<' + iri + '>' if iri else 'of that source'} is not "
                            f"allowed on this server (allowed: {', '.join(allowed) or 'none'}; set "
                            "KGRAPH_SERVICE_ALLOW_LIST); send the data with the Graph Store "
                            "protocol instead")


def _allowed(iri: str, allowed: list[str]) -> bool:
    """Whether the server may call `iri` (KGRAPH_SERVICE_ALLOW_LIST: IRI prefixes)."""
    return any(iri.startswith(prefix) for prefix in allowed)


def using(op: Operation, update: str) -> str:
    graphs = op.params.get("using-graph-uri", [])
    named = op.params.get("using-named-graph-uri", [])
    for iri in (*graphs, *named):
        _check_iri(iri)
    return with_using(update, graphs, named)
