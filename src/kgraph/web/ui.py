"""The query page and the self-description of the examples.

    GET /                            the query page: YASGUI from the package, bound to /sparql
    GET /static/{path}               the page's script and style, and the vendored YASGUI build
    GET /ui/examples.json            what the page loads: the examples (one tab each), the
                                     endpoint, the prefixes and the query for completions
    GET /.well-known/sparql-examples the example queries as SHACL executables (SIB style);
                                     Turtle, JSON-LD or N-Triples by Accept
    GET /.well-known/sparql-examples/{NNN}   one of them (the last segment of its IRI)

The page loads nothing from anywhere but this server: YASGUI is vendored under static/vendor/
(see scripts/vendor_yasgui.sh), its outside endpoints (DBpedia, Wikidata) and its Linked Open
Vocabularies completers are replaced by this endpoint and by completions of kgraph's own classes
and properties, and the Content-Security-Policy allows 'self' only (and, by hash, the few
inline styles YASGUI writes).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from kgraph import __version__
from kgraph.examples import (
    GRAPH_PREFIXES,
    WELL_KNOWN_PATH,
    Example,
    examples_digest,
    examples_graph,
    load_examples,
)
from kgraph.namespaces import GRAPH_ONTOLOGY, GRAPH_VOCABULARIES
from kgraph.web.conneg import negotiate
from kgraph.web.context import WebContext

STATIC_DIR = Path(__file__).parent / "static"
YASGUI_DIR = STATIC_DIR / "vendor" / "yasgui"

#: The inline styles the vendored YASGUI writes, allowed by hash (style-src). Its column
#: resizer adds two fixed <style> elements (the table layout, and the cursor while dragging);
#: its editor marks the expected tokens of a syntax error with one style attribute (allowed by
#: 'unsafe-hashes' for exactly that value). Everything else it styles through the CSSOM, which
#: the policy does not restrict. tests/test_ui.py recomputes these from the vendored bundle.
YASGUI_INLINE_STYLES = {
    # column-resizer: " .grip-resizable{table-layout:fixed;} ..." (710 characters)
    "sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk=",
    # column-resizer, while a column is dragged: "*{cursor:col-resize!important}"
    "sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg=",
    # yasqe's syntax error tooltip: style='text-decoration:underline'
    "sha256-EntWS0hFrz2vH7susM+dPUxvHlL6sBswmM8K80E5oUk=",
}

#: Everything the page may load or connect to: this server, nothing else. No inline <script>;
#: no inline style but YASGUI's own, by hash.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-hashes' " + " ".join(f"'{h}'" for h in sorted(YASGUI_INLINE_STYLES)),
    "img-src 'self' data:",  # CodeMirror's 1-pixel drag image
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}

#: Media types of the static files, by suffix; anything else is served as plain text.
STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".map": "application/json",
}

EXAMPLE_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}

#: The editor's text for a new tab.
NEW_TAB_QUERY = """PREFIX kg: <{kg}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?claim ?label WHERE {{
  ?claim a kg:Claim ;
         rdfs:label ?label .
}}
LIMIT 20
"""

#: kgraph's own classes and properties, for the editor's completions (ontology and the
#: declarations of the external terms it reuses).
COMPLETION_QUERY = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT DISTINCT ?term ?kind WHERE {{
  VALUES ?graph {{ <{ontology}> <{vocabularies}> }}
  VALUES (?type ?kind) {{
    (owl:Class "class") (rdfs:Class "class")
    (owl:ObjectProperty "property") (owl:DatatypeProperty "property")
    (owl:AnnotationProperty "property") (owl:SymmetricProperty "property")
    (owl:TransitiveProperty "property") (rdf:Property "property")
  }}
  GRAPH ?graph {{ ?term a ?type }}
  FILTER (isIRI(?term))
}}
ORDER BY ?term
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kgraph · SPARQL query</title>
<link rel="icon" href="{root}/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{root}/static/vendor/yasgui/yasgui.min.css?v={yasgui}">
<link rel="stylesheet" href="{root}/static/ui.css?v={version}">
<script src="{root}/static/vendor/yasgui/yasgui.min.js?v={yasgui}" defer></script>
<script src="{root}/static/ui.js?v={version}" defer></script>
</head>
<body>
<header class="kg-header">
  <h1>kgraph</h1>
  <p>A provenance-first knowledge graph of conflict reporting: every statement is a claim, with
  who said it, in which source, relayed by whom, and the words it was read from.</p>
  <nav aria-label="Services">
    <span>SPARQL endpoint: <a href="{root}/sparql"><code>{root}/sparql</code></a>
    (SPARQL 1.1 Protocol, GET or POST)</span>
    <span>Example queries: <a href="{root}/{well_known}"><code>{root}/{well_known}</code></a></span>
    <span>HTTP API: <a href="{root}/api"><code>{root}/api</code></a> (OpenAPI description)</span>
  </nav>
</header>
<main>
  <p id="kg-status" class="kg-status" role="status">Loading the query editor…</p>
  <div id="yasgui" data-config="{root}/ui/examples.json"></div>
  <noscript><p class="kg-status">The query editor needs JavaScript. Without it, send queries to
  <code>{root}/sparql?query=…</code>; the examples are at
  <code>{root}/{well_known}</code>.</p></noscript>
</main>
<footer class="kg-footer">kgraph {version_text} · query editor: YASGUI {yasgui_text} (MIT),
served from this server</footer>
</body>
</html>
"""


def router(ctx: WebContext) -> APIRouter:
    api = APIRouter()
    ns = ctx.namespaces
    examples = load_examples(ns)
    digest = examples_digest(examples)
    yasgui_version = (YASGUI_DIR / "VERSION").read_text(encoding="utf-8").strip()
    page_fields = {
        "version": html.escape(__version__, quote=True), "version_text": html.escape(__version__),
        "yasgui": html.escape(yasgui_version, quote=True),
        "yasgui_text": html.escape(yasgui_version),
        "well_known": WELL_KNOWN_PATH,
    }
    ui_config = {
        "version": __version__,
        "endpoint": "/sparql",
        # Stored tabs belong to one version of kgraph and of its examples; the page drops others.
        "persistenceId": f"kgraph-{__version__}-{digest}",
        "persistencePrefix": "kgraph-",
        "prefixes": ns.prefixes,
        "newTabQuery": NEW_TAB_QUERY.format(kg=ns.kg),
        "completionQuery": COMPLETION_QUERY.format(
            ontology=ns.graph_iri(GRAPH_ONTOLOGY), vocabularies=ns.graph_iri(GRAPH_VOCABULARIES)
        ),
        "examples": [e.as_json() for e in examples],
    }

    @api.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse,
                   include_in_schema=False)
    def index(request: Request) -> Response:
        page = PAGE.format(root=html.escape(_root(request), quote=True), **page_fields)
        return Response(page.encode("utf-8"), media_type="text/html; charset=utf-8",
                        headers=PAGE_HEADERS)

    @api.api_route("/static/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def static(path: str) -> Response:
        file = _static_file(path)
        if file is None:
            return PlainTextResponse("Not found\n", status_code=404)
        return FileResponse(
            file,
            media_type=STATIC_TYPES.get(file.suffix, "text/plain; charset=utf-8"),
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"},
        )

    @api.get("/ui/examples.json", include_in_schema=False)
    def ui_examples(request: Request) -> Response:
        body = {**ui_config, "endpoint": _root(request) + "/sparql"}
        return Response(json.dumps(body, ensure_ascii=False).encode("utf-8"),
                        media_type="application/json", headers={"Cache-Control": "no-cache"})

    def described(request: Request, chosen: list[Example]) -> Response:
        media = negotiate(request.headers.get("accept"), list(EXAMPLE_FORMATS))
        if media is None:
            return PlainTextResponse(
                "No acceptable RDF format; try text/turtle, application/ld+json or "
                "application/n-triples\n", status_code=406, headers={"Vary": "Accept"})
        endpoint = str(request.base_url) + "sparql"
        triples = examples_graph(chosen, base=ns.base, endpoint=endpoint)
        fmt = EXAMPLE_FORMATS[media]
        prefixes = {"prefixes": GRAPH_PREFIXES} if fmt == ox.RdfFormat.TURTLE else {}
        body = ox.serialize(triples, format=fmt, **prefixes)
        return Response(body, media_type=media, headers={
            "Vary": "Accept", "Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache",
        })

    @api.get("/" + WELL_KNOWN_PATH, summary="The example queries, as SHACL executables")
    def sparql_examples(request: Request) -> Response:
        """The example queries described in RDF, as the SIB sparql-examples collections do:
        Turtle (the default), JSON-LD or N-Triples."""
        return described(request, examples)

    @api.get("/" + WELL_KNOWN_PATH + "/{number}", summary="One example query")
    def sparql_example(request: Request, number: str) -> Response:
        """One example, by its three-digit number (the last segment of its IRI)."""
        chosen = [e for e in examples if e.number == number]
        if not chosen:
            return PlainTextResponse(f"No example {number}\n", status_code=404)
        return described(request, chosen)

    return api


def _root(request: Request) -> str:
    """The path the application is mounted at ('' at the server's root): the page's links and
    the endpoint it queries are under it."""
    return str(request.scope.get("root_path", "") or "").rstrip("/")


def _static_file(path: str) -> Path | None:
    """The file under static/ that `path` names, or None (never anything outside it)."""
    root = STATIC_DIR.resolve()
    try:
        file = (root / path).resolve()
    except (OSError, RuntimeError):
        return None
    if not file.is_relative_to(root) or not file.is_file():
        return None
    return file
