"""Entity lookup by label and alias: `GET /lookup?q=<text>&limit=<n>&lang=<tag>`.

One endpoint for scripts and for the UI: JSON by default (a bare `*/*` or `application/json`),
an HTML list of results when a browser asks for `text/html`.

    [{"iri": ..., "label": ..., "matched": ..., "types": [...], "page": "/id/..."}]

Matches are case-insensitive substrings of skos:prefLabel, skos:altLabel or rdfs:label of
entities (claims, passages, references and other provenance nodes are not entities), ranked:
the whole label, then a prefix of it, then a prefix of one of its words, then anywhere; a
preferred label before an alternative one; then the shorter label. The
search text reaches SPARQL only as a bound Literal (a substitution), never as query text.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from kgraph.web.conneg import negotiate
from kgraph.web.context import WebContext
from kgraph.web.pages import (
    HTML,
    SKOS,
    Labels,
    Linker,
    conditional,
    content_type,
    render,
    root_of,
    security_headers,
    select,
)

MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MAX_QUERY_LENGTH = 200
_LANGUAGE = re.compile(r"^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$")
_PROPERTY_RANK = {SKOS + "prefLabel": 0, SKOS + "altLabel": 1}
JSON = "application/json"


class BadLookup(ValueError):
    """A request the lookup cannot answer (400)."""


def parse(params: dict[str, str]) -> tuple[str, int, str | None]:
    q = (params.get("q") or "").strip()
    if not q:
        raise BadLookup("the parameter q (the text to look for) is required")
    if len(q) > MAX_QUERY_LENGTH:
        raise BadLookup(f"q is longer than {MAX_QUERY_LENGTH} characters")
    raw_limit = params.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None and raw_limit != "":
        try:
            limit = int(raw_limit)
        except ValueError:
            raise BadLookup("limit must be a whole number from 1 to 100") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise BadLookup("limit must be a whole number from 1 to 100")
    lang = (params.get("lang") or "").strip() or None
    if lang is not None and not _LANGUAGE.match(lang):
        raise BadLookup("lang must be a language tag such as en or id")
    return q, limit, lang


def _tier(matched: str, q: str) -> int:
    text, needle = matched.casefold(), q.casefold()
    if text == needle:
        return 0
    if text.startswith(needle):
        return 1
    if re.search(r"(?<!\w)" + re.escape(needle), text):
        return 2
    return 3


def lookup(
    ctx: WebContext, q: str, limit: int, lang: str | None, root: str
) -> list[dict[str, Any]]:
    rows = select(ctx, "pages/lookup.rq", {"q": ox.Literal(q), "lang": ox.Literal(lang or "")})
    best: dict[str, tuple[tuple[Any, ...], str]] = {}
    for row in rows:
        entity, matched = row["entity"].value, row["matched"].value
        key = (_tier(matched, q), _PROPERTY_RANK.get(row["property"].value, 2), len(matched),
               matched.casefold())
        if entity not in best or key < best[entity][0]:
            best[entity] = (key, matched)
    ranked = sorted(best.items(), key=lambda kv: (kv[1][0], kv[0]))
    # details (types, the label to show) only for what is returned
    link = Linker(ctx.namespaces, root, Labels())
    out = []
    for entity, (_, matched) in ranked[:limit]:
        types: set[str] = set()
        labels = Labels()
        for row in select(ctx, "pages/lookup-details.rq", {"entity": ox.NamedNode(entity)}):
            if "type" in row and isinstance(row["type"], ox.NamedNode):
                types.add(row["type"].value)
            if "label" in row:
                labels.add(entity, row["label"])
        out.append({
            "iri": entity,
            "label": labels.best(entity, lang if lang and lang != "*" else "en") or matched,
            "matched": matched,
            "types": sorted(types),
            "page": link.page(entity),
        })
    return out


def router(ctx: WebContext) -> APIRouter:
    api = APIRouter()

    @api.api_route("/lookup", methods=["GET", "HEAD"], summary="Find entities by label or alias")
    def find(request: Request) -> Response:
        media = negotiate(request.headers.get("accept"), [JSON, HTML]) or JSON
        params = dict(request.query_params)
        root = root_of(request)
        try:
            q, limit, lang = parse(params)
        except BadLookup as exc:
            if media == HTML:
                body = render("lookup.html", root=root, query=params.get("q", ""), results=[],
                              error=str(exc))
            else:
                body = (str(exc) + "\n").encode()
            kind = HTML if media == HTML else "text/plain"
            return Response(body, status_code=400, media_type=content_type(kind),
                            headers={"Vary": "Accept", **security_headers(kind)})
        results = lookup(ctx, q, limit, lang, root)
        if media == HTML:
            link = Linker(ctx.namespaces, root)
            shown = [{**r, "type_names": [link.curie(t) for t in r["types"]]} for r in results]
            body = render("lookup.html", root=root, query=q, results=shown, error=None)
        else:
            body = json.dumps(results, ensure_ascii=False, indent=1).encode("utf-8")
        return conditional(request, body, media)

    return api

