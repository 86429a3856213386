"""The SPARQL 1.1 Graph Store HTTP Protocol at /store.

https://www.w3.org/TR/sparql11-http-rdf-update/ — `?graph=<iri>` or `?default` names the
graph; GET/HEAD read it, PUT replaces it, POST merges into it, DELETE drops it. GET /store with
neither returns the whole dataset (TriG or N-Quads). POST /store with neither creates a new
graph, named under /store/, and answers 201 with its IRI as Location; a TriG or N-Quads body
there adds its quads to their graphs (POST) or replaces the dataset (PUT, the graphs kgraph
maintains kept), as Oxigraph's server does. A multipart/form-data body is several documents,
merged. Writes go through the validated write gate.
"""

from __future__ import annotations

import io
import uuid
from email.parser import BytesParser
from email.policy import HTTP

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from kgraph.loading import parse_bytes, parse_dataset_bytes
from kgraph.store import AnyStore
from kgraph.web.conneg import negotiate
from kgraph.web.errors import HTTPError
from kgraph.web.protocol import RDF_FORMATS, parse_params
from kgraph.writes import WriteGate

GRAPH_FORMATS = {k: v for k, v in RDF_FORMATS.items()
                 if k in ("text/turtle", "application/n-triples", "application/rdf+xml",
                          "application/ld+json", "text/plain")}
DATASET_FORMATS = {"application/trig": ox.RdfFormat.TRIG, "application/n-quads": ox.RdfFormat.N_QUADS}
BODY_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/n3": ox.RdfFormat.N3,
}


def target(request: Request) -> tuple[bool, str | None]:
    """(named at all, graph IRI or None for the default graph). Under /store/<path> the graph
    is named directly: its IRI is the request URL itself (direct graph identification)."""
    params = parse_params(request.url.query)
    if request.url.path.rstrip("/") != request.scope.get("root_path", "") + "/store":
        if params.get("graph") or "default" in params:
            raise HTTPError(400, "A graph named by its URL takes no ?graph or ?default")
        return True, request_iri(request)
    graphs = params.get("graph", [])
    default = "default" in params
    if graphs and default:
        raise HTTPError(400, "Give either ?graph=<iri> or ?default, not both")
    if len(graphs) > 1:
        raise HTTPError(400, "Exactly one 'graph' parameter is allowed")
    if graphs:
        iri = graphs[0]
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise HTTPError(400, f"not a valid graph IRI: {iri!r}") from None
        if ":" not in iri:
            raise HTTPError(400, f"the graph IRI must be absolute: {iri!r}")
        return True, iri
    return default, None


def request_iri(request: Request) -> str:
    """The request's URL without its query, its path as the client wrote it (percent-encoded):
    /store/a%2Fb and /store/a/b name different graphs, and /store/a%20b a valid one."""
    raw = request.scope.get("raw_path")
    if not raw:
        return str(request.url.replace(query="", fragment=""))
    return f"{request.url.scheme}://{request.url.netloc}{raw.split(b'?')[0].decode('latin-1')}"


def read(request: Request, store: AnyStore) -> Response:
    named, graph = target(request)
    accept = request.headers.get("accept")
    if not named:  # the whole dataset
        media = negotiate(accept, list(DATASET_FORMATS))
        if media is None:
            raise HTTPError(406, "The dataset is served as application/trig or application/n-quads")
        buffer = io.BytesIO()
        store.dump(buffer, DATASET_FORMATS[media])
        # for HEAD too: the same headers as GET, Content-Length included (the server sends
        # no body in answer to HEAD)
        return Response(buffer.getvalue(), media_type=media, headers={"Vary": "Accept"})
    media = negotiate(accept, list(GRAPH_FORMATS))
    if media is None:
        raise HTTPError(406, "A graph is served as text/turtle, application/n-triples, "
                        "application/rdf+xml or application/ld+json")
    if graph is not None and graph not in store.graphs():
        raise HTTPError(404, f"No graph {graph} in the store")
    body = ox.serialize(list(store.triples(graph)), format=GRAPH_FORMATS[media],
                        prefixes=store.namespaces.prefixes if media == "text/turtle" else None) or b""
    charset = "; charset=utf-8" if media.startswith("text/") else ""
    return Response(body, media_type=media + charset, headers={"Vary": "Accept"})


def _mime(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def parse_body(request: Request, body: bytes, store: AnyStore) -> list[ox.Triple]:
    """The triples of a graph write: one RDF document, or several as the parts of a
    multipart/form-data body (the protocol's form upload), merged."""
    content_type = request.headers.get("content-type", "")
    if _mime(content_type) == "multipart/form-data":
        return [t for i, (fmt, data) in enumerate(_parts(content_type, body), start=1)
                for t in parse_bytes(data, fmt, store.namespaces, source=f"request body part {i}",
                                     base_iri=request_iri(request))]
    fmt = BODY_FORMATS.get(_mime(content_type))
    if fmt is None:
        raise HTTPError(415, f"Unsupported RDF content type {_mime(content_type) or '(none)'}: send "
                        "text/turtle, application/n-triples, application/rdf+xml or "
                        "application/ld+json (a dataset, application/trig or application/n-quads, "
                        "to /store without ?graph or ?default)")
    return parse_bytes(body, fmt, store.namespaces, source="request body",
                       base_iri=request_iri(request))


def _parts(content_type: str, body: bytes) -> list[tuple[ox.RdfFormat, bytes]]:
    """Each part's RDF format (its Content-Type, else its file name's extension) and bytes."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise HTTPError(400, "The multipart/form-data body has no parts (is its boundary right?)")
    parts = []
    for i, part in enumerate(message.iter_parts(), start=1):
        declared = part.get("Content-Type")
        fmt = BODY_FORMATS.get(_mime(declared)) if declared else None
        if fmt is None and not declared and part.get_filename():
            try:
                fmt = ox.RdfFormat.from_extension(part.get_filename().rsplit(".", 1)[-1])
            except ValueError:
                fmt = None
        if fmt is None:
            raise HTTPError(415, f"Part {i} of the body is not in an RDF graph format "
                            f"({declared or part.get_filename() or 'no Content-Type'})")
        parts.append((fmt, part.get_payload(decode=True) or b""))
    return parts


def write(request: Request, body: bytes, store: AnyStore, gate: WriteGate,
          agent: str) -> Response:
    named, graph = target(request)
    method = request.method
    if method == "DELETE":
        if not named:
            raise HTTPError(400, "DELETE needs ?graph=<iri> or ?default")
        try:
            gate.delete_graph(graph, agent=agent)
        except KeyError:
            raise HTTPError(404, f"No graph {graph} in the store") from None
        return Response(status_code=204)
    mime = _mime(request.headers.get("content-type", ""))
    if mime in DATASET_FORMATS:
        if named:
            raise HTTPError(415, f"{mime} is a dataset format: send it to /store without ?graph "
                            "or ?default (a graph takes text/turtle, application/n-triples, ...)")
        quads = parse_dataset_bytes(body, DATASET_FORMATS[mime], store.namespaces,
                                    source="request body", base_iri=request_iri(request))
        if method == "PUT":  # the whole dataset replaced, as Oxigraph's server does
            gate.put_dataset(quads, agent=agent)
        else:
            gate.post_dataset(quads, agent=agent)
        return Response(status_code=204)
    if method == "PUT" and not named:
        raise HTTPError(400, "PUT needs ?graph=<iri> or ?default: it replaces the graph it names "
                        "(or a TriG or N-Quads body, the whole dataset)")
    triples = parse_body(request, body, store)
    if method == "POST" and not named:
        # the protocol's "new graph": its IRI is minted under the graph store's URL, so the
        # Location is both the graph's name (for ?graph=) and where it is read (direct naming)
        graph = f"{request_iri(request).rstrip('/')}/{uuid.uuid4()}"
        gate.post_graph(graph, triples, agent=agent)
        return Response(status_code=201, headers={"Location": graph})
    if method == "PUT":
        created, _ = gate.put_graph(graph, triples, agent=agent)
    else:
        created, _ = gate.post_graph(graph, triples, agent=agent)
    return Response(status_code=201 if created else 204)
