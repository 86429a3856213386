"""Linked data: every IRI under the persistent base dereferences, whatever host serves it.

    GET /id/<path>           303 See Other to /doc/<path> (Vary: Accept); 404 for an unknown IRI;
                             410 Gone (both /id/ and /doc/) for an IRI of a withdrawn source,
                             saying what withdrew it, who, when and why (HTML, Turtle or text)
    GET /doc/<path>          the description of <base>id/<path>, negotiated: HTML, Turtle,
                             JSON-LD, N-Triples, RDF/XML (ETag, 304 on If-None-Match)
    GET /doc/<path>.ttl      one representation by suffix: .html .ttl .jsonld .nt .rdf
    GET /ontology            the ontology graph as RDF, or its HTML documentation (#Term anchors)
    GET /ontology/<path>     another ontology IRI (a version IRI, the import module), the same way

Stored IRIs always use the persistent base (KGRAPH_BASE_IRI); a request path is mapped onto it
(`/id/person/x` is `<base>id/person/x`), so a server at any address serves the same IRIs. Page
parameters reach SPARQL only as substitutions, never as query text; every HTML page escapes what
it shows (Jinja2 autoescaping) and sends a strict content security policy.

The helpers at the top (query loading, RDF serialisation, conditional responses) are shared with
`web/void.py` and `web/lookup.py`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from kgraph.namespaces import (
    GRAPH_DATASET,
    GRAPH_ONTOLOGY,
    GRAPH_TRUTHY,
    GRAPH_VOCABULARIES,
    Namespaces,
)
from kgraph.web.conneg import negotiate
from kgraph.web.context import WebContext

QUERIES = Path(__file__).resolve().parents[1] / "queries"
TEMPLATES = Path(__file__).parent / "templates"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "http://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
VANN = "http://purl.org/vocab/vann/"
RDF_TYPE = RDF + "type"
LABEL_PROPERTIES = (SKOS + "prefLabel", SKOS + "altLabel", RDFS + "label")

HTML = "text/html"
TURTLE = "text/turtle"
JSON_LD = "application/ld+json"
N_TRIPLES = "application/n-triples"
RDF_XML = "application/rdf+xml"
#: What a page offers, in the server's order of preference (a bare */* gets HTML).
PAGE_MEDIA = [HTML, TURTLE, JSON_LD, N_TRIPLES, RDF_XML]
#: What a data-only document (VoID) offers.
RDF_MEDIA = [TURTLE, JSON_LD, N_TRIPLES, RDF_XML]
SUFFIXES = {".html": HTML, ".ttl": TURTLE, ".jsonld": JSON_LD, ".nt": N_TRIPLES, ".rdf": RDF_XML}
SUFFIX_OF = {media: suffix for suffix, media in SUFFIXES.items()}
OX_FORMATS = {TURTLE: ox.RdfFormat.TURTLE, N_TRIPLES: ox.RdfFormat.N_TRIPLES,
              RDF_XML: ox.RdfFormat.RDF_XML}

#: Layer and list limits that keep a page and its drawing small.
MAX_PER_PROPERTY = 100
MAX_PER_LAYER = 10


# -- queries ---------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def load_query(name: str) -> str:
    """The text of `queries/<name>` (e.g. `pages/describe.rq`)."""
    return (QUERIES / name).read_text(encoding="utf-8")


Row = dict[str, Any]


def select(
    ctx: WebContext,
    name: str,
    substitutions: Mapping[str, Any] | None = None,
    *,
    default_graphs: Sequence[str] | None = None,
) -> list[Row]:
    """Rows of a SELECT query as dicts of bound variables (unbound ones are left out).

    The default graph is the union of all graphs whatever KGRAPH_UNION_DEFAULT_GRAPH says
    (that setting is about users' queries), unless `default_graphs` names others ("" is the
    store's own default graph). The result is consumed here, on the thread that made it
    (pyoxigraph requires it)."""
    result = ctx.store.query(load_query(name), substitutions=substitutions,
                             default_graphs=default_graphs, union_default_graph=True)
    try:
        names = [v.value for v in result.variables]  # type: ignore[union-attr]
        rows = []
        for solution in result:  # type: ignore[union-attr]
            row = {}
            for n in names:
                value = solution[n]
                if value is not None:
                    row[n] = value
            rows.append(row)
        return rows
    finally:
        del result


def ask(ctx: WebContext, name: str, substitutions: Mapping[str, Any]) -> bool:
    result = ctx.store.query(load_query(name), substitutions=substitutions,
                             union_default_graph=True)
    try:
        return bool(result)
    finally:
        del result


def construct(ctx: WebContext, name: str, substitutions: Mapping[str, Any]) -> list[ox.Triple]:
    result = ctx.store.query(load_query(name), substitutions=substitutions,
                             union_default_graph=True)
    try:
        return list(result)  # type: ignore[arg-type]
    finally:
        del result


# -- RDF representations ---------------------------------------------------------------------

_PLAIN_LOCAL = re.compile(r"^([A-Za-z0-9_]([A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?)?$")


def used_prefixes(
    triples: Iterable[ox.Triple], prefixes: Mapping[str, str], *, plain: bool = True
) -> dict[str, str]:
    """The prefixes whose namespace starts an IRI of the triples (longest namespace first).
    With `plain`, a prefix is left out when one of its local names would need escaping in
    Turtle (`kgr:person\\/x`): those IRIs are clearer written in full."""
    iris = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    ordered = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    used: dict[str, str] = {}
    awkward: set[str] = set()
    for iri in iris:
        for name, namespace in ordered:
            if iri.startswith(namespace):
                used[name] = namespace
                if plain and not _PLAIN_LOCAL.match(iri[len(namespace):]):
                    awkward.add(name)
                break
    return {k: v for k, v in sorted(used.items()) if k not in awkward}


def sort_triples(triples: Iterable[ox.Triple], first: str | None = None) -> list[ox.Triple]:
    """Distinct triples in a stable order: those about `first` first, then by N-Triples text."""
    unique = {str(t): t for t in triples}
    def key(item: tuple[str, ox.Triple]) -> tuple[int, str]:
        text, t = item
        own = isinstance(t.subject, ox.NamedNode) and t.subject.value == first
        return (0 if own else 1, text)
    return [t for _, t in sorted(unique.items(), key=key)]


def serialize(triples: list[ox.Triple], media: str, namespaces: Namespaces) -> bytes:
    """Turtle, N-Triples and RDF/XML by pyoxigraph; compacted JSON-LD by rdflib with a local
    @context of kgraph's prefixes (no remote context is ever fetched)."""
    if media == JSON_LD:
        return _json_ld(triples, used_prefixes(triples, namespaces.prefixes, plain=False))
    prefixes = used_prefixes(triples, namespaces.prefixes)
    if media == N_TRIPLES:
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=OX_FORMATS[media], prefixes=prefixes)


def _json_ld(triples: list[ox.Triple], prefixes: Mapping[str, str]) -> bytes:
    import rdflib

    graph = rdflib.Graph()
    for t in triples:
        graph.add((_rdflib(t.subject), _rdflib(t.predicate), _rdflib(t.object)))
    text = graph.serialize(format="json-ld", context=dict(prefixes), auto_compact=True)
    return text.encode("utf-8")


def _rdflib(term: Any) -> Any:
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == XSD + "string":
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value),
                              normalize=False)
    raise TypeError(f"cannot convert {term!r}")


# -- responses -------------------------------------------------------------------------------

CSS = (TEMPLATES / "kgraph.css").read_text(encoding="utf-8")
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
#: HTML pages load nothing but themselves: no script at all, the one inline stylesheet by hash.
CSP_HTML = ("default-src 'none'; img-src 'self' data:; style-src 'sha256-" + _CSS_HASH + "'; "
            "script-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
#: Data is never a document to render.
CSP_DATA = "default-src 'none'; frame-ancestors 'none'"


def security_headers(media: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": CSP_HTML if media == HTML else CSP_DATA,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def etag_of(body: bytes, media: str) -> str:
    """A strong validator of one representation."""
    return '"' + hashlib.sha256(media.encode() + b"\n" + body).hexdigest()[:40] + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def content_type(media: str) -> str:
    textual = media.startswith("text/") or media.endswith("json")
    return media + "; charset=utf-8" if textual else media


def conditional(
    request: Request,
    body: bytes,
    media: str,
    *,
    vary: bool = True,
    headers: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    """A representation with ETag, Cache-Control: no-cache, Vary: Accept (when negotiated), the
    security headers; 304 when If-None-Match names the current ETag."""
    etag = etag_of(body, media)
    out = {"ETag": etag, "Cache-Control": "no-cache", **security_headers(media), **(headers or {})}
    if vary:
        out["Vary"] = "Accept"
    if status == 200 and etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=out)
    return Response(body, status_code=status, headers=out, media_type=content_type(media))


def not_acceptable(offered: Sequence[str]) -> Response:
    return PlainTextResponse(
        "No acceptable representation; this resource is available as " + ", ".join(offered) + "\n",
        status_code=406, headers={"Vary": "Accept", **security_headers("text/plain")})


def root_of(request: Request) -> str:
    return str(request.scope.get("root_path", "") or "").rstrip("/")


def raw_rest(request: Request, prefix: str, fallback: str) -> str:
    """The request path after `prefix` exactly as sent (percent-encoding kept), so that the IRI
    built from it is the one the client dereferenced."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else quote(request.url.path)
    root = root_of(request)
    if root and path.startswith(root + "/"):
        path = path[len(root):]
    if path.startswith(prefix):
        return path[len(prefix):]
    return quote(fallback, safe="/:@!$&'()*+,;=-._~%")


_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def uri_to_iri(text: str) -> str:
    """Decode the percent-encodings that stand for unreserved ASCII or for non-ASCII characters
    (RFC 3987 3.2); reserved characters stay encoded, so the IRI keeps its structure."""

    def decode(match: re.Match[str]) -> str:
        data = bytes.fromhex(match.group(0).replace("%", ""))
        out, i = [], 0
        while i < len(data):
            b = data[i]
            if b < 0x80:
                out.append(chr(b) if chr(b) in _UNRESERVED else f"%{b:02X}")
                i += 1
                continue
            for width in (4, 3, 2):
                try:
                    out.append(data[i:i + width].decode("utf-8"))
                    i += width
                    break
                except UnicodeDecodeError:
                    continue
            else:
                out.append(f"%{b:02X}")
                i += 1
        return "".join(out)

    return _PERCENT.sub(decode, text)


def iri_to_path(text: str) -> str:
    """An IRI's path part as a URI path: non-ASCII characters percent-encoded."""
    return quote(text, safe="/:@!$&'()*+,;=-._~%")


def named_node(iri: str) -> ox.NamedNode | None:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None


# -- templates -------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["css"] = Markup(CSS)
    return env


def render(template: str, **context: Any) -> bytes:
    return environment().get_template(template).render(**context).encode("utf-8")


# -- terms as shown --------------------------------------------------------------------------

class Labels:
    """Labels of IRIs by language; `best` prefers English, then no language, then any."""

    def __init__(self) -> None:
        self.by_iri: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def add(self, iri: str, literal: Any) -> None:
        if isinstance(literal, ox.Literal):
            self.by_iri[iri].add((literal.language or "", literal.value))

    def best(self, iri: str, lang: str = "en") -> str | None:
        options = self.by_iri.get(iri)
        if not options:
            return None
        for wanted in (lang, ""):
            chosen = sorted(text for language, text in options if language == wanted)
            if chosen:
                return chosen[0]
        return sorted(options)[0][1]


@dataclass
class Shown:
    """One RDF term as the templates show it."""

    kind: str  # iri | bnode | literal
    text: str
    href: str | None = None
    title: str | None = None
    lang: str | None = None
    datatype: str | None = None
    derived: bool = False

    @property
    def long(self) -> bool:
        return self.kind == "literal" and len(self.text) > 280


class Linker:
    """Turns IRIs into local links and readable names for one request."""

    def __init__(self, namespaces: Namespaces, root: str, labels: Labels | None = None):
        self.ns = namespaces
        self.root = root
        self.labels = labels or Labels()
        self.prefixes = sorted(namespaces.prefixes.items(), key=lambda kv: -len(kv[1]))

    def href(self, iri: str) -> str | None:
        base = self.ns.base
        if iri.startswith(self.ns.kg):
            return f"{self.root}/ontology#{iri_to_path(iri[len(self.ns.kg):])}"
        if iri.startswith(base) and "#" not in iri and "?" not in iri:
            rest = iri[len(base):]
            if rest.startswith(("id/", "ontology")):
                return f"{self.root}/{iri_to_path(rest)}"
            return None
        if iri.startswith(("http://", "https://")):
            return iri
        return None  # never a link for javascript:, data:, urn: and the like

    def curie(self, iri: str) -> str:
        for name, namespace in self.prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{name}:{iri[len(namespace):]}"
        return iri

    def name(self, iri: str) -> str:
        return self.labels.best(iri) or self.curie(iri)

    def show(self, term: Any) -> Shown:
        if isinstance(term, ox.NamedNode):
            return Shown("iri", self.name(term.value), self.href(term.value), term.value)
        if isinstance(term, ox.BlankNode):
            return Shown("bnode", "_:" + term.value)
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value
            shown_type = None
            if not term.language and datatype not in (XSD + "string", RDF + "langString"):
                shown_type = self.curie(datatype)
            return Shown("literal", term.value, lang=term.language, datatype=shown_type)
        return Shown("literal", str(term))

    def page(self, iri: str) -> str | None:
        return self.href(iri) if iri.startswith(self.ns.id) else None


def _node(link: Linker, iri: str, kind: str) -> Node:
    return Node(iri, link.name(iri), kind, link.href(iri))


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


# -- the provenance drawing ------------------------------------------------------------------

@dataclass
class Node:
    key: str
    label: str
    kind: str
    href: str | None = None


@dataclass
class Drawing:
    """A left-to-right layered graph: layer 0 is the resource, each edge goes one layer right."""

    layers: list[list[Node]] = field(default_factory=list)
    edges: set[tuple[str, str, str]] = field(default_factory=set)
    dropped: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, layer: int, node: Node) -> bool:
        while len(self.layers) <= layer:
            self.layers.append([])
        if any(n.key == node.key for n in self.layers[layer]):
            return True
        if len(self.layers[layer]) >= MAX_PER_LAYER:
            self.dropped[layer].add(node.key)
            return False
        self.layers[layer].append(node)
        return True

    def link(self, source: str, target: str, label: str) -> None:
        self.edges.add((source, target, label))

    def has(self, layer: int, key: str) -> bool:
        return layer < len(self.layers) and any(n.key == key for n in self.layers[layer])


COLOURS = {"claim": "#fde68a", "reference": "#e5e7eb", "passage": "#bfdbfe",
           "document": "#bbf7d0", "agent": "#ddd6fe", "entity": "#fbcfe8", "more": "#ffffff"}
BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 190, 34, 56, 12, 8


def _clip(text: str, width: int = 28) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def draw(drawing: Drawing, title: str) -> Markup | None:
    """Inline SVG of the drawing; every label and link is escaped. No script, no style."""
    layers = [list(layer) for layer in drawing.layers if layer]
    if len(layers) < 2:
        return None
    for number, layer in enumerate(drawing.layers):
        if layer and drawing.dropped.get(number):
            count = len(drawing.dropped[number])
            layers[[i for i, l in enumerate(drawing.layers) if l].index(number)].append(
                Node(f"more-{number}", f"and {count} more (see the tables)", "more"))
    rows = max(len(layer) for layer in layers)
    width = PAD * 2 + len(layers) * BOX_W + (len(layers) - 1) * GAP_X
    height = PAD * 2 + rows * (BOX_H + GAP_Y) - GAP_Y
    where: dict[tuple[int, str], tuple[float, float]] = {}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="provenance" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#6b7280"/></marker></defs>',
    ]
    for column, layer in enumerate(layers):
        x = PAD + column * (BOX_W + GAP_X)
        top = PAD + (height - 2 * PAD - (len(layer) * (BOX_H + GAP_Y) - GAP_Y)) / 2
        for row, node in enumerate(layer):
            where[(column, node.key)] = (x, top + row * (BOX_H + GAP_Y))
    index = {node.key: column for column, layer in enumerate(layers) for node in layer}
    for source, target, label in sorted(drawing.edges):
        if source not in index or target not in index or index[target] != index[source] + 1:
            continue
        x1, y1 = where[(index[source], source)]
        x2, y2 = where[(index[target], target)]
        x1, y1, y2 = x1 + BOX_W, y1 + BOX_H / 2, y2 + BOX_H / 2
        middle = (x1 + x2) / 2
        parts.append(
            f'<path d="M {x1:.0f} {y1:.0f} C {middle:.0f} {y1:.0f}, {middle:.0f} {y2:.0f}, '
            f'{x2:.0f} {y2:.0f}" fill="none" stroke="#6b7280" stroke-width="1.2" '
            f'marker-end="url(#arrow)"><title>{escape(label)}</title></path>')
    for column, layer in enumerate(layers):
        for node in layer:
            x, y = where[(column, node.key)]
            box = (f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="5" '
                   f'fill="{COLOURS.get(node.kind, "#ffffff")}" stroke="#374151" '
                   f'stroke-width="0.8"/>'
                   f'<text x="{x + 8:.0f}" y="{y + 14:.0f}" font-size="9" fill="#4b5563" '
                   f'font-family="sans-serif">{escape(node.kind)}</text>'
                   f'<text x="{x + 8:.0f}" y="{y + 27:.0f}" font-size="11" fill="#111827" '
                   f'font-family="sans-serif">{escape(_clip(node.label))}</text>'
                   f"<title>{escape(node.label)}</title>")
            if node.href:
                parts.append(f'<a href="{escape(node.href)}">{box}</a>')
            else:
                parts.append(f"<g>{box}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


# -- one resource's page ---------------------------------------------------------------------

class Resource:
    """Everything the store says about one IRI, read once per request."""

    def __init__(self, ctx: WebContext, iri: str):
        self.ctx = ctx
        self.iri = iri
        self.node = ox.NamedNode(iri)
        ns = ctx.namespaces
        subs = {"iri": self.node}
        self.outgoing = select(ctx, "pages/describe.rq", subs, default_graphs=[""])
        self.incoming = select(ctx, "pages/incoming.rq", subs)
        self.linked = select(ctx, "pages/linked-labels.rq", subs)
        self.truthy = ns.graph_iri(GRAPH_TRUTHY)
        self.closure = self._blank_closure()

    def _blank_closure(self) -> list[Row]:
        """Triples of the blank nodes reachable from the resource (as in a concise bounded
        description)."""
        seen: set[str] = set()
        rows: list[Row] = []
        todo = [r["o"] for r in self.outgoing if isinstance(r.get("o"), ox.BlankNode)]
        while todo and len(seen) < 1000:
            blank = todo.pop()
            if blank.value in seen:
                continue
            seen.add(blank.value)
            found = select(self.ctx, "pages/describe.rq", {"iri": blank}, default_graphs=[""])
            rows.extend(found)
            todo.extend(r["o"] for r in found if isinstance(r.get("o"), ox.BlankNode))
        return rows

    def triples(self) -> list[ox.Triple]:
        """The RDF document: the resource's own triples in every graph, blank-node closure,
        incoming links from the data graphs, and the labels of everything linked."""
        out = [ox.Triple(r["iri"], r["p"], r["o"]) for r in self.outgoing + self.closure]
        out += [ox.Triple(r["s"], r["p"], self.node) for r in self.incoming]
        out += [ox.Triple(r["x"], r["lp"], r["label"]) for r in self.linked]
        return sort_triples(out, self.iri)

    def types(self) -> list[str]:
        return sorted({r["o"].value for r in self.outgoing
                       if r["p"].value == RDF_TYPE and isinstance(r["o"], ox.NamedNode)})


def term_labels(ctx: WebContext, labels: Labels) -> None:
    ns = ctx.namespaces
    for row in select(ctx, "pages/term-labels.rq", {
        "ontology": ox.NamedNode(ns.graph_iri(GRAPH_ONTOLOGY)),
        "vocabularies": ox.NamedNode(ns.graph_iri(GRAPH_VOCABULARIES)),
    }):
        labels.add(row["term"].value, row["label"])


def _maybe(link: Linker, term: Any) -> Shown | None:
    return None if term is None else link.show(term)


def _first(rows: Iterable[Row], name: str) -> Any:
    for row in rows:
        if name in row:
            return row[name]
    return None


def _sorted_unique(values: Iterable[Any]) -> list[Any]:
    return sorted({str(v): v for v in values if v is not None}.values(), key=str)


def resource_context(ctx: WebContext, res: Resource, root: str) -> dict[str, Any]:
    ns = ctx.namespaces
    labels = Labels()
    term_labels(ctx, labels)
    for row in res.linked:
        labels.add(row["x"].value, row["label"])
    for row in res.outgoing:
        if row["p"].value in (SKOS + "prefLabel", RDFS + "label"):
            labels.add(res.iri, row["o"])
    link = Linker(ns, root, labels)
    iri = res.iri

    # labels by language
    by_language: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in res.outgoing:
        p = row["p"].value
        if p in LABEL_PROPERTIES and isinstance(row["o"], ox.Literal):
            texts = by_language[row["o"].language or ""][local_name(p)]
            if row["o"].value not in texts:
                texts.append(row["o"].value)
    languages = [{"lang": lang or "—", "pref": v.get("prefLabel", []),
                  "alt": v.get("altLabel", []), "label": v.get("label", [])}
                 for lang, v in sorted(by_language.items())]

    types = [link.show(ox.NamedNode(t)) for t in res.types()]
    external_props = {ns.kg + "wikidata": "Wikidata", ns.kg + "geonames": "GeoNames",
                      SKOS + "exactMatch": "exact match", SKOS + "closeMatch": "close match",
                      OWL + "sameAs": "same as"}
    external = []
    properties: dict[str, list[Shown]] = defaultdict(list)
    for row in sorted(res.outgoing, key=lambda r: (r["p"].value, str(r["o"]))):
        p, o = row["p"].value, row["o"]
        if p == RDF_TYPE or p in LABEL_PROPERTIES:
            continue
        if p in external_props and isinstance(o, ox.NamedNode):
            external.append({"source": external_props[p], "id": local_name(o.value),
                             "href": link.href(o.value), "iri": o.value})
            continue
        shown = link.show(o)
        shown.derived = row.get("g") is not None and row["g"].value == res.truthy
        if not any(s.text == shown.text and s.title == shown.title and s.lang == shown.lang
                   and s.derived == shown.derived for s in properties[p]):
            properties[p].append(shown)
    described = [{"property": link.show(ox.NamedNode(p)), "values": values[:MAX_PER_PROPERTY],
                  "more": max(0, len(values) - MAX_PER_PROPERTY)}
                 for p, values in sorted(properties.items(), key=lambda kv: link.name(kv[0]))]

    incoming_by: dict[str, list[Shown]] = defaultdict(list)
    for row in sorted(res.incoming, key=lambda r: (r["p"].value, str(r["s"]))):
        values = incoming_by[row["p"].value]
        shown = link.show(row["s"])
        if not any(s.title == shown.title and s.text == shown.text for s in values):
            values.append(shown)
    incoming = [{"property": link.show(ox.NamedNode(p)), "values": values[:MAX_PER_PROPERTY],
                 "more": max(0, len(values) - MAX_PER_PROPERTY)}
                for p, values in sorted(incoming_by.items(), key=lambda kv: link.name(kv[0]))]

    drawing = Drawing()
    own_kind = "claim" if ns.kg + "Claim" in res.types() else (
        "passage" if ns.kg + "Passage" in res.types() else "entity")
    drawing.add(0, Node(iri, labels.best(iri) or local_name(iri), own_kind))

    claims_about, claims_by = _claims(ctx, res, link, labels, drawing)
    claim = _claim_context(ctx, res, link, drawing) if own_kind == "claim" else None
    citations = _citations(ctx, res, link, drawing) if own_kind == "passage" else []
    inferences = _inferences(ctx, res, link)
    title = labels.best(iri) or local_name(iri)
    passage_text = [link.show(r["o"]) for r in res.outgoing
                    if own_kind == "passage" and r["p"].value == ns.kg + "text"]
    svg = draw(drawing, f"Provenance of {title}")
    rest = iri[len(ns.id):]
    return {
        "title": title, "iri": iri, "languages": languages, "types": types,
        "external": external, "described": described, "incoming": incoming,
        "claims_about": claims_about, "claims_by": claims_by, "claim": claim,
        "citations": citations, "inferences": inferences, "svg": svg,
        "passage_text": passage_text,
        "alternates": alternates(root, "/doc/" + iri_to_path(rest)),
    }


def alternates(root: str, path: str) -> list[dict[str, str]]:
    names = {HTML: "HTML", TURTLE: "Turtle", JSON_LD: "JSON-LD", N_TRIPLES: "N-Triples",
             RDF_XML: "RDF/XML"}
    return [{"href": f"{root}{path}{suffix}", "type": media, "name": names[media]}
            for suffix, media in SUFFIXES.items()]


def _claims(ctx: WebContext, res: Resource, link: Linker, labels: Labels,
            drawing: Drawing) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = select(ctx, "pages/claims.rq", {"iri": res.node})
    for row in rows:  # claim labels and claimant names travel with the rows
        if "claimLabel" in row:
            labels.add(row["claim"].value, row["claimLabel"])
    _label_iris(ctx, labels, {r[k].value for r in rows
                              for k in ("claimant", "doc", "upstream", "author", "passage")
                              if isinstance(r.get(k), ox.NamedNode)})
    grouped: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        grouped[(row["role"].value, row["claim"].value)].append(row)
    about, by = [], []
    for (role, claim), group in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        passages = []
        for ref in sorted({r["ref"].value for r in group if "ref" in r}):
            ref_rows = [r for r in group if "ref" in r and r["ref"].value == ref]
            passage = _first(ref_rows, "passage")
            text = _first(ref_rows, "passageText")
            quote_ = _first(ref_rows, "quote")
            entry = {"passage": link.show(passage) if passage is not None else None,
                     "text": text.value if text is not None else None,
                     "lang": getattr(text, "language", None),
                     "quote": quote_.value if quote_ is not None else None}
            if entry not in passages:
                passages.append(entry)
        claimant = _first(group, "claimant")
        item = {
            "claim": link.show(group[0]["claim"]), "role": role,
            "claimant": link.show(claimant) if claimant is not None else None,
            "attribution": _maybe(link, _first(group, "attribution")),
            "stance": _maybe(link, _first(group, "stance")),
            "passages": passages,
        }
        (by if role == "claimant" else about).append(item)
        # the drawing: resource -> claim -> document stated in -> upstream -> author
        label = labels.best(claim) or local_name(claim)
        if drawing.add(1, Node(claim, label, "claim", link.href(claim))):
            drawing.link(res.iri, claim, {"subject": "subject of", "object": "object of",
                                          "claimant": "claimant of"}[role])
            _draw_sources(drawing, link, labels, claim, group, start=2)
    return about, by


def _draw_sources(drawing: Drawing, link: Linker, labels: Labels, source: str, rows: list[Row],
                  start: int) -> None:
    for row in rows:
        doc = row.get("doc")
        if not isinstance(doc, ox.NamedNode):
            continue
        if drawing.add(start, _node(link, doc.value, "document")):
            drawing.link(source, doc.value, "stated in")
        upstream = row.get("upstream")
        if isinstance(upstream, ox.NamedNode) and drawing.has(start, doc.value):
            if drawing.add(start + 1, _node(link, upstream.value, "document")):
                drawing.link(doc.value, upstream.value, "relays")
            author = row.get("author")
            if isinstance(author, ox.NamedNode) and drawing.has(start + 1, upstream.value):
                if drawing.add(start + 2, _node(link, author.value, "agent")):
                    drawing.link(upstream.value, author.value, "author")


def _label_iris(ctx: WebContext, labels: Labels, iris: Iterable[str]) -> None:
    """Labels for IRIs met in rows (claimants, documents, authors) not yet labelled."""
    for iri in sorted(iris):
        if iri in labels.by_iri:
            continue
        node = named_node(iri)
        if node is None:
            continue
        for row in select(ctx, "pages/lookup-details.rq", {"entity": node}):
            if "label" in row:
                labels.add(iri, row["label"])


def _claim_context(ctx: WebContext, res: Resource, link: Linker,
                   drawing: Drawing) -> dict[str, Any]:
    ns = ctx.namespaces
    rows = select(ctx, "pages/provenance.rq", {"iri": res.node})
    _label_iris(ctx, link.labels, {r[k].value for r in rows
                                   for k in ("doc", "upstream", "author", "passage")
                                   if isinstance(r.get(k), ox.NamedNode)})
    own = defaultdict(list)
    for row in res.outgoing:
        own[row["p"].value].append(row["o"])

    def one(p: str) -> Shown | None:
        values = own.get(p)
        return link.show(sorted(values, key=str)[0]) if values else None

    statement = {"subject": one(RDF + "subject"), "predicate": one(RDF + "predicate"),
                 "object": one(RDF + "object"), "value": one(ns.kg + "objectValue")}
    qualifiers = []
    for p in ("claimant", "attribution", "stance", "modality", "rank", "side", "time", "location",
              "madeIn", "duringEvent"):
        for value in sorted(own.get(ns.kg + p, []), key=str):
            qualifiers.append({"property": link.show(ox.NamedNode(ns.kg + p)),
                               "value": link.show(value)})
    references = []
    for ref in sorted({r["ref"].value for r in rows}):
        group = [r for r in rows if r["ref"].value == ref]
        upstream = _sorted_unique(r.get("upstream") for r in group)
        authors = {u.value: [link.show(a) for a in _sorted_unique(
            r.get("author") for r in group if r.get("upstream") == u)] for u in upstream}
        relations = {u.value: sorted({link.name(r["relation"].value) for r in group
                                      if r.get("upstream") == u and "relation" in r})
                     for u in upstream}
        entry = {
            "ref": link.show(ox.NamedNode(ref)),
            "doc": _maybe(link, _first(group, "doc")),
            "passage": _maybe(link, _first(group, "passage")),
            "text": getattr(_first(group, "passageText"), "value", None),
            "lang": getattr(_first(group, "passageText"), "language", None),
            "quote": _first(group, "quote"),
            "named_as": getattr(_first(group, "namedAs"), "value", None),
            "glosses": [g.value for g in _sorted_unique(r.get("glossText") for r in group)],
            "upstream": [{"doc": link.show(u), "relation": ", ".join(relations[u.value]),
                          "authors": authors[u.value]} for u in upstream],
        }
        if entry["quote"] is not None:
            entry["quote"] = link.show(entry["quote"])
        references.append(entry)
        # claim -> reference -> passage / document -> upstream -> author
        ref_label = "reference " + local_name(ref).rsplit("-", 1)[-1]
        if drawing.add(1, Node(ref, ref_label, "reference", link.href(ref))):
            drawing.link(res.iri, ref, "derived from")
            passage = _first(group, "passage")
            if isinstance(passage, ox.NamedNode) and drawing.add(
                    2, _node(link, passage.value, "passage")):
                drawing.link(ref, passage.value, "passage")
            _draw_sources(drawing, link, link.labels, ref, group, start=2)
    return {"statement": statement, "qualifiers": qualifiers, "references": references}


def _citations(
    ctx: WebContext, res: Resource, link: Linker, drawing: Drawing
) -> list[dict[str, Any]]:
    rows = select(ctx, "pages/citations.rq", {"iri": res.node})
    for row in rows:
        if "claimLabel" in row:
            link.labels.add(row["claim"].value, row["claimLabel"])
    _label_iris(ctx, link.labels, {r["claimant"].value for r in rows
                                   if isinstance(r.get("claimant"), ox.NamedNode)})
    out = []
    for claim in sorted({r["claim"].value for r in rows}):
        group = [r for r in rows if r["claim"].value == claim]
        claimant = _first(group, "claimant")
        out.append({"claim": link.show(ox.NamedNode(claim)),
                    "claimant": link.show(claimant) if claimant is not None else None,
                    "quotes": [q.value for q in _sorted_unique(r.get("quote") for r in group)]})
        if drawing.add(1, _node(link, claim, "claim")):
            drawing.link(res.iri, claim, "cited by")
            if isinstance(claimant, ox.NamedNode) and drawing.add(
                    2, _node(link, claimant.value, "agent")):
                drawing.link(claim, claimant.value, "claimant")
    return out


def _inferences(ctx: WebContext, res: Resource, link: Linker) -> list[dict[str, Any]]:
    rows = select(ctx, "pages/inferences.rq", {"iri": res.node})
    out = []
    for inference in sorted({r["inference"].value for r in rows}):
        group = [r for r in rows if r["inference"].value == inference]
        prop, value, reason = (_first(group, k) for k in ("property", "value", "reason"))
        out.append({"inference": link.show(ox.NamedNode(inference)),
                    "property": link.show(prop) if prop is not None else None,
                    "value": link.show(value) if value is not None else None,
                    "reason": reason.value if reason is not None else None})
    return out


# -- the ontology's documentation ------------------------------------------------------------

CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {OWL + "ObjectProperty": "object properties",
                  OWL + "DatatypeProperty": "datatype properties",
                  OWL + "AnnotationProperty": "annotation properties",
                  RDF + "Property": "other properties"}
PROPERTY_FLAVOURS = {OWL + "SymmetricProperty", OWL + "TransitiveProperty",
                     OWL + "FunctionalProperty", OWL + "InverseFunctionalProperty"}
TERM_FIELDS = [
    ("subclass of", RDFS + "subClassOf", False), ("subclasses", RDFS + "subClassOf", True),
    ("subproperty of", RDFS + "subPropertyOf", False),
    ("subproperties", RDFS + "subPropertyOf", True),
    ("domain includes", SCHEMA + "domainIncludes", False), ("domain", RDFS + "domain", False),
    ("range includes", SCHEMA + "rangeIncludes", False), ("range", RDFS + "range", False),
    ("used in the domain of", SCHEMA + "domainIncludes", True),
    ("used in the range of", SCHEMA + "rangeIncludes", True),
    ("inverse of", OWL + "inverseOf", False), ("in scheme", SKOS + "inScheme", False),
    ("concepts", SKOS + "inScheme", True), ("exact match", SKOS + "exactMatch", False),
    ("close match", SKOS + "closeMatch", False), ("replaced by", DCTERMS + "isReplacedBy", False),
    ("see also", RDFS + "seeAlso", False), ("defined by", RDFS + "isDefinedBy", False),
]


def ontology_context(triples: list[ox.Triple], ontology: str, link: Linker) -> dict[str, Any]:
    about: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    inverse: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode):
            continue
        about[t.subject.value][t.predicate.value].append(t.object)
        if isinstance(t.object, ox.NamedNode):
            inverse[t.object.value][t.predicate.value].append(t.subject.value)
        if t.predicate.value in (RDFS + "label", SKOS + "prefLabel"):
            link.labels.add(t.subject.value, t.object)
    head = about.get(ontology, {})

    def literal(values: list[Any]) -> str | None:
        texts = sorted((v.language != "en", v.value) for v in values if isinstance(v, ox.Literal))
        return texts[0][1] if texts else None

    namespace = literal(head.get(VANN + "preferredNamespaceUri", [])) or ontology + "#"

    def anchor(iri: str) -> str:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return iri[len(namespace):]
        return link.curie(iri)

    documented = {s for s, props in about.items() if s != ontology and RDF_TYPE in props}

    def ref(iri: str) -> dict[str, Any]:
        if iri in documented:
            return {"href": "#" + anchor(iri), "text": link.labels.best(iri) or anchor(iri),
                    "title": iri}
        return {"href": link.href(iri), "text": link.curie(iri), "title": iri}

    def term(iri: str) -> dict[str, Any]:
        props = about[iri]
        fields_ = []
        for name, p, reverse in TERM_FIELDS:
            targets = inverse[iri].get(p, []) if reverse else [
                v.value for v in props.get(p, []) if isinstance(v, ox.NamedNode)]
            if p == RDFS + "isDefinedBy" and targets == [ontology]:
                continue
            if targets:
                fields_.append({"name": name, "values": [ref(v) for v in sorted(set(targets))]})
        return {
            "anchor": anchor(iri), "iri": iri, "curie": link.curie(iri),
            "label": link.labels.best(iri) or anchor(iri),
            "types": [ref(v.value) for v in sorted(props.get(RDF_TYPE, []), key=str)
                      if isinstance(v, ox.NamedNode)],
            "definition": literal(props.get(SKOS + "definition", [])),
            "comment": literal(props.get(RDFS + "comment", [])),
            "note": literal(props.get(SKOS + "scopeNote", []) + props.get(SKOS + "note", [])),
            "example": literal(props.get(SKOS + "example", [])),
            "deprecated": any(isinstance(v, ox.Literal) and v.value == "true"
                              for v in props.get(OWL + "deprecated", [])),
            "fields": fields_,
        }

    def types_of(iri: str) -> set[str]:
        return {v.value for v in about[iri].get(RDF_TYPE, []) if isinstance(v, ox.NamedNode)}

    def by_label(iris: Iterable[str]) -> list[dict[str, Any]]:
        return sorted((term(i) for i in iris), key=lambda t: (t["label"].lower(), t["iri"]))

    def iris(p: str) -> list[dict[str, Any]]:
        return [ref(v.value) for v in head.get(p, []) if isinstance(v, ox.NamedNode)]

    classes = [i for i in documented if types_of(i) & CLASS_TYPES]
    schemes = [i for i in documented if SKOS + "ConceptScheme" in types_of(i)]
    property_groups = []
    placed = set(classes) | set(schemes)
    for type_iri, name in PROPERTY_TYPES.items():
        members = [i for i in documented if i not in placed
                   and (type_iri in types_of(i) or (type_iri == RDF + "Property"
                                                    and types_of(i) & PROPERTY_FLAVOURS))]
        placed |= set(members)
        if members:
            property_groups.append({"name": name, "terms": by_label(members)})
    concepts = [i for i in documented if i not in placed and SKOS + "inScheme" in about[i]]
    placed |= set(concepts)
    scheme_list = []
    for scheme in by_label(schemes):
        members = [c for c in concepts
                   if ox.NamedNode(scheme["iri"]) in about[c][SKOS + "inScheme"]]
        scheme_list.append({"scheme": scheme, "concepts": by_label(members)})
    others = by_label(i for i in documented if i not in placed)
    return {
        "ontology": ontology, "namespace": namespace,
        "title": literal(head.get(DCTERMS + "title", [])) or link.curie(ontology),
        "description": literal(head.get(DCTERMS + "description", [])),
        "comment": literal(head.get(RDFS + "comment", [])),
        "version": literal(head.get(OWL + "versionInfo", [])),
        "version_iri": iris(OWL + "versionIRI"), "license": iris(DCTERMS + "license"),
        "imports": iris(OWL + "imports"),
        "prefix": literal(head.get(VANN + "preferredNamespacePrefix", [])),
        "modified": literal(head.get(DCTERMS + "modified", [])),
        "classes": by_label(classes), "properties": property_groups, "schemes": scheme_list,
        "others": others,
    }


# -- routes ----------------------------------------------------------------------------------

def router(ctx: WebContext) -> APIRouter:
    api = APIRouter()
    ns = ctx.namespaces

    def exists(iri: str) -> bool:
        node = named_node(iri)
        return node is not None and ask(ctx, "pages/exists.rq", {"iri": node})

    def not_found(request: Request, iri: str, what: str = "resource") -> Response:
        media = negotiate(request.headers.get("accept"), [HTML, "text/plain"]) or "text/plain"
        hint = " ".join(re.split(r"[-_/]+", local_name(iri))).strip()
        if media == HTML:
            body = render("notfound.html", iri=iri, what=what, hint=hint, root=root_of(request))
        else:
            body = (f"Nothing is known about <{iri}>.\nFind an entity by name: "
                    f"{root_of(request)}/lookup?q={quote(hint)}\n").encode()
        return Response(body, status_code=404, media_type=content_type(media),
                        headers={"Vary": "Accept", "Cache-Control": "no-cache",
                                 **security_headers(media)})

    def withdrawn(iri: str) -> list[Row]:
        node = named_node(iri)
        return select(ctx, "pages/withdrawn.rq", {"iri": node}) if node is not None else []

    def gone(request: Request, iri: str, rows: list[Row]) -> Response:
        """410: the IRI was minted by a withdrawn source; say what withdrew it."""
        media = negotiate(request.headers.get("accept"), [HTML, TURTLE, "text/plain"]) or "text/plain"
        root = root_of(request)
        link = Linker(ns, root)
        items = [{
            "withdrawal": r["withdrawal"].value,
            "withdrawal_href": link.href(r["withdrawal"].value) or r["withdrawal"].value,
            "label": r["label"].value if "label" in r else r["withdrawal"].value,
            "graph": r["graph"].value if "graph" in r else "",
            "agent": r["agent"].value if "agent" in r else "",
            "when": r["when"].value if "when" in r else "",
            "reason": r["reason"].value if "reason" in r else "",
        } for r in rows]
        if media == HTML:
            body = render("gone.html", iri=iri, withdrawals=items, root=root)
        elif media == TURTLE:
            prov = "http://www.w3.org/ns/prov#"
            triples = []
            for r in rows:
                w = r["withdrawal"]
                triples.append(ox.Triple(ox.NamedNode(iri), ox.NamedNode(prov + "wasInvalidatedBy"), w))
                triples.append(ox.Triple(w, ox.NamedNode(RDF_TYPE), ox.NamedNode(ns.kg + "Withdrawal")))
                for name, predicate in (("graph", ns.kg + "withdrawnGraph"),
                                        ("agent", prov + "wasAssociatedWith"),
                                        ("when", prov + "endedAtTime"), ("reason", ns.kg + "reason"),
                                        ("label", RDFS + "label")):
                    if name in r:
                        triples.append(ox.Triple(w, ox.NamedNode(predicate), r[name]))
            body = serialize(triples, TURTLE, ns)
        else:
            body = "".join(f"<{iri}> was withdrawn by <{i['withdrawal']}> ({i['label']}) on "
                           f"{i['when']}, by <{i['agent']}>: {i['reason']}\n" for i in items).encode()
        return Response(body, status_code=410, media_type=content_type(media),
                        headers={"Vary": "Accept", "Cache-Control": "no-cache",
                                 **security_headers(media)})

    @api.api_route("/id/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def identifier(request: Request, path: str) -> Response:
        rest = raw_rest(request, "/id/", path)
        iri = ns.id + uri_to_iri(rest)
        rows = withdrawn(iri) if rest else []
        if rows:
            return gone(request, iri, rows)
        if not rest or not exists(iri):
            return not_found(request, iri)
        root = root_of(request)
        return RedirectResponse(f"{root}/doc/{rest}", status_code=303, headers={
            "Vary": "Accept", "Cache-Control": "no-cache",
            "Link": f'<{root}/doc/{rest}>; rel="describedby"', **security_headers("text/plain")})

    @api.api_route("/doc/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def document(request: Request, path: str) -> Response:
        rest = raw_rest(request, "/doc/", path)
        iri, fixed, base_rest = ns.id + uri_to_iri(rest), None, rest
        rows = withdrawn(iri) if rest else []
        if not rows and rest:
            for suffix in SUFFIXES:
                if rest.endswith(suffix):
                    rows = withdrawn(ns.id + uri_to_iri(rest[: -len(suffix)]))
                    if rows:
                        iri = ns.id + uri_to_iri(rest[: -len(suffix)])
                        break
        if rows:
            return gone(request, iri, rows)
        if not rest or not exists(iri):
            for suffix, media in SUFFIXES.items():
                stem = rest[: -len(suffix)]
                if rest.endswith(suffix) and exists(ns.id + uri_to_iri(stem)):
                    iri, fixed, base_rest = ns.id + uri_to_iri(stem), media, stem
                    break
            else:
                return not_found(request, iri)
        media = fixed or negotiate(request.headers.get("accept"), PAGE_MEDIA)
        if media is None:
            return not_acceptable(PAGE_MEDIA)
        root = root_of(request)
        res = Resource(ctx, iri)
        if media == HTML:
            body = render("resource.html", root=root, **resource_context(ctx, res, root))
        else:
            body = serialize(res.triples(), media, ns)
        links = [f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"'
                 for a in alternates(root, "/doc/" + base_rest) if a["type"] != media]
        links.append(f'<{iri}>; rel="describes"')
        licence = select(ctx, "pages/licence.rq", {"graph": ox.NamedNode(ns.graph_iri(GRAPH_DATASET))})
        if licence:  # the data's terms, reachable from every document (LD Best Practices)
            links.append(f'<{licence[0]["licence"].value}>; rel="license"')
        headers = {"Link": ", ".join(links)}
        if fixed is None:
            headers["Content-Location"] = f"{root}/doc/{base_rest}{SUFFIX_OF[media]}"
        return conditional(request, body, media, vary=fixed is None, headers=headers)

    def ontology_graph(iri: str) -> str | None:
        node = named_node(iri)
        if node is None:
            return None
        rows = select(ctx, "pages/ontology-graph.rq", {"iri": node})
        graphs = sorted(r["g"].value for r in rows if isinstance(r.get("g"), ox.NamedNode))
        return graphs[0] if graphs else None

    def ontology_response(request: Request, rest: str) -> Response:
        """`rest` is the path after the base: `ontology`, `ontology/0.1.0`, `ontology.ttl`..."""
        rest = rest.rstrip("/")
        iri, fixed = ns.base + uri_to_iri(rest), None
        graph = ontology_graph(iri)
        if graph is None:
            for suffix, media in SUFFIXES.items():
                if rest.endswith(suffix):
                    candidate = ns.base + uri_to_iri(rest[: -len(suffix)])
                    graph = ontology_graph(candidate)
                    if graph is not None:
                        iri, fixed, rest = candidate, media, rest[: -len(suffix)]
                        break
        if graph is None:
            return not_found(request, iri, "ontology")
        media = fixed or negotiate(request.headers.get("accept"), PAGE_MEDIA)
        if media is None:
            return not_acceptable(PAGE_MEDIA)
        triples = construct(ctx, "pages/graph.rq", {"graph": ox.NamedNode(graph)})
        triples = sort_triples(triples, iri)
        # the ontology of a version IRI is the one that names it
        subject = iri
        for t in triples:
            if t.predicate.value == OWL + "versionIRI" and t.object == ox.NamedNode(iri):
                subject = t.subject.value  # type: ignore[union-attr]
        root = root_of(request)
        if media == HTML:
            labels = Labels()
            term_labels(ctx, labels)
            link = Linker(ns, root, labels)
            body = render("ontology.html", root=root, iri=iri, graph=graph,
                          alternates=alternates(root, "/" + rest),
                          **ontology_context(triples, subject, link))
        else:
            body = serialize(triples, media, ns)
        links = [f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"'
                 for a in alternates(root, "/" + rest) if a["type"] != media]
        headers = {"Link": ", ".join(links)}
        if fixed is None:
            headers["Content-Location"] = f"{root}/{rest}{SUFFIX_OF[media]}"
        return conditional(request, body, media, vary=fixed is None, headers=headers)

    ontology_path = ns.ontology[len(ns.base):] if ns.ontology.startswith(ns.base) else "ontology"

    @api.api_route(f"/{ontology_path}", methods=["GET", "HEAD"], include_in_schema=False)
    @api.api_route(f"/{ontology_path}/", methods=["GET", "HEAD"], include_in_schema=False)
    def ontology(request: Request) -> Response:
        return ontology_response(request, ontology_path)

    @api.api_route(f"/{ontology_path}.{{ext}}", methods=["GET", "HEAD"], include_in_schema=False)
    def ontology_suffix(request: Request, ext: str) -> Response:
        return ontology_response(request, f"{ontology_path}.{ext}")

    @api.api_route(f"/{ontology_path}/{{path:path}}", methods=["GET", "HEAD"],
                   include_in_schema=False)
    def ontology_part(request: Request, path: str) -> Response:
        rest = raw_rest(request, f"/{ontology_path}/", path)
        return ontology_response(request, f"{ontology_path}/{rest}")

    return api
