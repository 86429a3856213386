"""The audits over HTTP: the same runner as `kgraph audit`, the same answers.

    GET  /audit                 the audits with their descriptions (JSON), or the report (HTML)
    GET  /audit/report          overview: counts per audit and every flag with its passages
                                (HTML; JSON or CSV of the flags by Accept)
    GET  /audit/findings        the findings of a run as RDF (Turtle, JSON-LD, N-Triples), not
                                written anywhere
    GET  /audit/claim?iri=      one claim audited: its provenance chain drawn as a graph, the
                                flags that concern it, its proposition's corroboration, what the
                                curator inferred (HTML; JSON by Accept)
    POST /audit/run             run every audit and write the findings to graph/audit (Bearer
                                token, as for any write; validated and logged by the write gate)
    GET  /audit/{name}          one audit's rows and flags (JSON; CSV of the rows, HTML, or its
                                findings as Turtle / N-Triples by Accept); ?claim= / ?document=
                                bind its parameters

Parameters reach SPARQL only as bound terms. HTML pages escape everything (Jinja2
autoescaping), carry no script and send the same content security policy as the entity pages.
Results of a full run are cached until the store's graphs or its size change.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from kgraph.audits import (
    SEVERITIES,
    AuditResult,
    Context,
    Flag,
    all_flags,
    findings_graph,
    registry,
    run_audit,
    run_audits,
    write_findings,
)
from kgraph.audits.flags import FLAGS
from kgraph.audits.report import (
    counts,
    dumps,
    flags_csv,
    report_json,
    rows_csv,
    summary,
)
from kgraph.audits.runner import iri_term
from kgraph.audits.trace import Chain, chains, describe
from kgraph.web.auth import AuthError, authorise, parse_tokens
from kgraph.web.conneg import negotiate
from kgraph.web.context import WebContext
from kgraph.web.errors import HTTPError
from kgraph.web.pages import (
    BOX_H,
    BOX_W,
    COLOURS,
    HTML,
    JSON_LD,
    N_TRIPLES,
    PAD,
    TURTLE,
    Linker,
    conditional,
    not_acceptable,
    render,
    root_of,
    security_headers,
    serialize,
)

JSON = "application/json"
CSV = "text/csv"
RDF_OUT = [TURTLE, JSON_LD, N_TRIPLES]
MAX_PARAMETER = 2000
RESERVED = {"report", "findings", "claim", "run"}


def router(ctx: WebContext) -> APIRouter:
    api = APIRouter()
    ns = ctx.namespaces
    tokens = parse_tokens(ctx.settings.write_token)
    cache: dict[str, Any] = {"key": None, "results": None}
    lock = threading.Lock()

    def full_run() -> list[AuditResult]:
        """Every audit, unparameterised: cached until the store's graphs or size change."""
        key = (tuple(ctx.store.graphs()), ctx.store.count())
        with lock:
            if cache["key"] != key:
                cache["results"] = run_audits(ctx.store)
                cache["key"] = key
            return cache["results"]  # type: ignore[no-any-return]

    def argument(name: str, value: str | None) -> dict[str, str]:
        if value is None or value == "":
            return {}
        if len(value) > MAX_PARAMETER:
            raise HTTPError(400, f"the parameter {name} is longer than {MAX_PARAMETER} characters")
        iri_term(value, ns)  # 400 for what is not an IRI
        return {name: value}

    def linker(request: Request, context: Context) -> Linker:
        return Linker(ns, root_of(request))

    def show(link: Linker, context: Context, value: Any) -> dict[str, Any]:
        """A row value as a template shows it: a label with a link for IRIs."""
        if isinstance(value, list):
            return {"list": [show(link, context, v) for v in value]}
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return {"text": context.label(value), "href": link.href(value), "title": value}
        if isinstance(value, bool):
            return {"text": "true" if value else "false"}
        if isinstance(value, float):
            return {"text": f"{value:g}"}
        return {"text": "" if value is None else str(value)}

    def flag_view(request: Request, link: Linker, context: Context, flag: Flag) -> dict[str, Any]:
        root = root_of(request)
        targets = []
        for target in flag.targets:
            is_claim = target.startswith(ns.id + "claim/")
            targets.append({
                "text": context.label(target), "href": link.href(target), "title": target,
                "audit": f"{root}/audit/claim?iri={quote(target, safe='')}" if is_claim else None,
            })
        return {"flag": flag, "kind": FLAGS[flag.code], "targets": targets,
                "passages": [{"id": e.short, "quote": e.quote, "href": link.href(e.passage),
                              "title": e.passage} for e in flag.passages]}

    def page(request: Request, template: str, **values: Any) -> Response:
        body = render(template, root=root_of(request), severities=SEVERITIES, **values)
        return conditional(request, body, HTML)

    def text_response(request: Request, body: str, media: str) -> Response:
        return conditional(request, body.encode("utf-8"), media)

    # -- the list and the report -----------------------------------------------------------
    @api.get("/audit", summary="The audits (JSON), or the audit report (HTML)")
    def audits(request: Request) -> Response:
        media = negotiate(request.headers.get("accept"), [JSON, HTML])
        if media is None:
            return not_acceptable([JSON, HTML])
        if media == HTML:
            return report_page(request)
        root = root_of(request)
        document = {
            "audits": [a.to_json() | {"href": f"{root}/audit/{a.name}"}
                       for a in registry().values()],
            "report": f"{root}/audit/report", "findings": f"{root}/audit/findings",
            "claim": f"{root}/audit/claim?iri={{claim}}",
            "flags": [{"code": k.code, "flag": "kg:" + k.concept, "severity": k.severity,
                       "label": k.label} for k in FLAGS.values()],
        }
        return text_response(request, dumps(document), JSON)

    def report_page(request: Request) -> Response:
        results = full_run()
        context = Context(ctx.store)
        link = linker(request, context)
        flags = all_flags(results)
        return page(request, "audit_report.html", summary=summary(results),
                    totals=counts(flags),
                    flags={s: [flag_view(request, link, context, f) for f in flags
                               if f.severity == s] for s in SEVERITIES})

    @api.get("/audit/report", summary="Audit report: counts per audit and every flag")
    def report(request: Request) -> Response:
        offered = [HTML, JSON, CSV]
        media = negotiate(request.headers.get("accept"), offered)
        if media is None:
            return not_acceptable(offered)
        if media == HTML:
            return report_page(request)
        results = full_run()
        if media == CSV:
            return text_response(request, flags_csv(all_flags(results)), CSV)
        return text_response(request, dumps(report_json(results)), JSON)

    @api.get("/audit/findings", summary="The findings of a run of every audit, as RDF")
    def findings(request: Request) -> Response:
        media = negotiate(request.headers.get("accept"), RDF_OUT)
        if media is None:
            return not_acceptable(RDF_OUT)
        triples = findings_graph(full_run(), ns)
        return conditional(request, serialize(triples, media, ns), media)

    @api.post("/audit/run", summary="Run every audit and write the findings to graph/audit")
    def run(request: Request) -> Response:
        try:
            token = authorise(tokens, request.headers.get("authorization"))
        except AuthError as exc:
            headers = {"WWW-Authenticate": 'Bearer realm="kgraph"'} if exc.status == 401 else {}
            raise HTTPError(exc.status, exc.message, headers) from None
        agent = f"{ns.id}agent/token/{token.name}"
        started = datetime.now(timezone.utc)
        results = run_audits(ctx.store)
        graph, count = write_findings(ctx.store, results, started=started,
                                      gate=request.app.state.gate, agent=agent)
        document = {"graph": graph, "triples": count,
                    "flags": counts(all_flags(results)), "audits": summary(results)}
        return Response(dumps(document), media_type=JSON + "; charset=utf-8",
                        headers=security_headers(JSON))

    # -- one claim -------------------------------------------------------------------------
    @api.get("/audit/claim", summary="One claim audited: provenance chain, flags, inferences")
    def claim_page(request: Request,
                   iri: str = Query(..., description="the claim's IRI")) -> Response:
        offered = [HTML, JSON]
        media = negotiate(request.headers.get("accept"), offered)
        if media is None:
            return not_acceptable(offered)
        given = argument("iri", iri)
        if not given:
            raise HTTPError(400, "the parameter iri (the claim's IRI) is required")
        claim = iri_term(given["iri"], ns).value
        context = Context(ctx.store)
        facts = context.facts(claim)
        if ns.kg + "Claim" not in (facts.get(RDF_TYPE) or []):
            raise HTTPError(404, f"no claim <{claim}> in the store")
        params = {"claim": claim}
        per_claim = {a.name: run_audit(ctx.store, a.name, params, context=context)
                     for a in registry().values() if a.parameter("claim")}
        flags = [f for f in all_flags(full_run()) if claim in f.targets]
        traced = chains(per_claim["origin-trace"].rows)
        if media == JSON:
            document = {"claim": claim, "label": context.label(claim),
                        "chains": [c.to_json() for c in traced],
                        "flags": [f.to_json() for f in flags],
                        "audits": {n: r.to_json() for n, r in per_claim.items()}}
            return text_response(request, dumps(document), JSON)
        link = linker(request, context)

        def one(p: str) -> Any:
            values = facts.get(p) or []
            return show(link, context, values[0]) if values else None

        statement = {"subject": one(RDF + "subject"), "predicate": one(RDF + "predicate"),
                     "object": one(RDF + "object")}
        claimant = (facts.get(ns.kg + "claimant") or [None])[0]
        party = (context.facts(claimant).get(ns.kg + "affiliatedWith") or [None])[0] \
            if claimant else None
        qualifiers = [{"name": name, "value": one(ns.kg + p)} for name, p in (
            ("claimant", "claimant"), ("attribution", "attribution"), ("stance", "stance"),
            ("modality", "modality"), ("side", "side"), ("made in", "madeIn"))
            if facts.get(ns.kg + p)]
        if claimant:
            qualifiers.insert(1, {"name": "claimant's party",
                                  "value": show(link, context, party) if party
                                  else {"text": "unknown"}})
        corroboration = per_claim["corroboration"].rows
        return page(
            request, "audit_claim.html", claim=claim, title=context.label(claim),
            page_href=link.href(claim), statement=statement, qualifiers=qualifiers,
            svg=draw_chains(traced, context, link, claim),
            chains=[chain_view(c, context, link) for c in traced],
            flags=[flag_view(request, link, context, f) for f in flags],
            corroboration=[{k: show(link, context, v) for k, v in row.items()}
                           for row in corroboration],
            corroboration_columns=per_claim["corroboration"].variables,
            inferences=[{k: show(link, context, r.get(k)) for k in
                         ("node", "property", "value", "verbatim", "date", "reason")}
                        for r in _unique(per_claim["inferred"].rows, "inference")])

    # -- one audit -------------------------------------------------------------------------
    @api.get("/audit/{name}", summary="One audit: its rows and flags")
    def one_audit(
        request: Request,
        name: str,
        claim: str | None = Query(None, description="bind ?claim (an IRI)"),
        document: str | None = Query(None, description="bind ?document (an IRI)"),
    ) -> Response:
        if name not in registry():
            raise HTTPError(404, f"no audit named {name!r}; the audits are: "
                            + ", ".join(registry()))
        offered = [JSON, HTML, CSV, TURTLE, N_TRIPLES]
        media = negotiate(request.headers.get("accept"), offered)
        if media is None:
            return not_acceptable(offered)
        params = {**argument("claim", claim), **argument("document", document)}
        audit_ = registry()[name]
        for p in params:
            if audit_.parameter(p) is None:
                raise HTTPError(400, f"the audit {name!r} has no parameter {p}")
        if params:
            result = run_audit(ctx.store, name, params)
        else:
            result = next(r for r in full_run() if r.name == name)
        if media == JSON:
            return text_response(request, dumps(result.to_json()), JSON)
        if media == CSV:
            return text_response(request, rows_csv(result), CSV)
        if media in (TURTLE, N_TRIPLES):
            triples = findings_graph([result], ns)
            return conditional(request, serialize(triples, media, ns), media)
        context = Context(ctx.store)
        link = linker(request, context)
        root = root_of(request)
        if name == "origin-trace":
            rows = [{"claim": show(link, context, c.claim),
                     "chain": {"text": describe(c, context.label)},
                     "audit": f"{root}/audit/claim?iri={quote(c.claim, safe='')}"}
                    for c in chains(result.rows)]
            columns = ["claim", "chain"]
        else:
            rows = [{v: show(link, context, row.get(v)) for v in result.variables}
                    for row in result.rows]
            columns = result.variables
        return page(request, "audit_one.html", audit=audit_, result=result, columns=columns,
                    rows=rows, arguments=params,
                    flags=[flag_view(request, link, context, f) for f in result.flags],
                    totals=counts(result.flags))

    return api


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF + "type"


def _unique(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    seen, out = set(), []
    for row in rows:
        if row.get(key) not in seen:
            seen.add(row.get(key))
            out.append(row)
    return out


def chain_view(chain: Chain, context: Context, link: Linker) -> dict[str, Any]:
    def doc(iri: str) -> dict[str, Any]:
        return {"text": context.label(iri), "href": link.href(iri), "title": iri}

    steps = []
    for step in chain.steps:
        steps.append({"document": doc(step.document),
                      "author": doc(step.author) if step.author else None,
                      "language": step.language, "date": step.date,
                      "relation": step.relation, "translated_from": step.translated_from,
                      "reason": step.translation_reason})
    return {
        "passage": {"text": chain.passage.rsplit("/", 1)[-1], "href": link.href(chain.passage),
                    "title": chain.passage},
        "quote": chain.quote, "speaker": doc(chain.speaker), "steps": steps,
        "read_in": doc(chain.read_in), "read_in_language": chain.read_in_language,
        "read_in_date": chain.read_in_date, "read_in_date_unknown": chain.read_in_date_unknown,
        "made_in": doc(chain.made_in) if chain.made_in else None,
        "made_in_date": chain.made_in_date, "line": describe(chain, context.label),
    }


# -- the provenance chain drawn ----------------------------------------------------------------

GAP_X, GAP_Y = 96, 16


def draw_chains(traced: list[Chain], context: Context, link: Linker, claim: str) -> Markup | None:
    """Inline SVG, left to right: speaker → the documents it travelled through → the document
    the graph read → the passage → the claim. Edges may skip columns (a statement relayed
    directly sits beside one relayed twice). Every label is escaped; no script, no style."""
    if not traced:
        return None
    depth = max(c.relays for c in traced)
    read_col = depth + 1
    columns: dict[int, list[tuple[str, str, str, str | None]]] = {}
    edges: set[tuple[str, str, str]] = set()

    def node(col: int, key: str, label: str, kind: str, iri: str | None) -> str:
        entries = columns.setdefault(col, [])
        if not any(k == key for k, *_ in entries) and len(entries) < 10:
            entries.append((key, label, kind, link.href(iri) if iri else None))
        return key

    claim_key = node(read_col + 2, "claim", context.label(claim), "claim", claim)
    for chain in traced:
        docs = [s.document for s in chain.steps]
        start = read_col - len(docs)
        speaker_is_author = not chain.steps or chain.steps[0].author in (None, chain.speaker)
        first_author = chain.steps[0].author if chain.steps else None
        if speaker_is_author:
            speaker = node(0, "agent:" + chain.speaker, context.label(chain.speaker),
                           "speaker", chain.speaker)
        else:
            speaker = node(0, "agent:" + str(first_author), context.label(first_author),
                           "author", first_author)
            claimant = node(0, "agent:" + chain.speaker, context.label(chain.speaker),
                            "claimant", chain.speaker)
            edges.add((claimant, claim_key, "claimant (speaks in its own voice)"))
        previous, label = speaker, "said" if speaker_is_author else "author of"
        for offset, step in enumerate(chain.steps):
            bits = [b for b in (step.language, str(step.date) if step.date else None) if b]
            key = node(start + offset, "doc:" + step.document,
                       context.label(step.document), "document" + (
                           " · " + " · ".join(bits) if bits else ""), step.document)
            edges.add((previous, key, label))
            previous = key
            label = "quoted in" if step.relation == "quoted" else "relayed in"
            if step.translated_from:
                label += f", translated from {step.translated_from}"
        read_bits = [b for b in (chain.read_in_language, str(chain.read_in_date)
                                 if chain.read_in_date else None) if b]
        read = node(read_col, "doc:" + chain.read_in, context.label(chain.read_in),
                    "read in" + (" · " + " · ".join(read_bits) if read_bits else ""),
                    chain.read_in)
        edges.add((previous, read, label))
        passage = node(read_col + 1, "passage:" + chain.passage,
                       chain.passage.rsplit("/", 1)[-1] + (f" “{chain.quote}”" if chain.quote
                                                           else ""), "passage", chain.passage)
        edges.add((read, passage, "passage"))
        edges.add((passage, claim_key, "read as"))
    return _svg(columns, edges, f"Provenance chain of {context.label(claim)}")


def _svg(columns: dict[int, list[tuple[str, str, str, str | None]]],
         edges: set[tuple[str, str, str]], title: str) -> Markup:
    used = sorted(columns)
    position = {col: i for i, col in enumerate(used)}
    rows = max(len(v) for v in columns.values())
    width = PAD * 2 + len(used) * BOX_W + (len(used) - 1) * GAP_X
    height = PAD * 2 + rows * (BOX_H + GAP_Y) - GAP_Y + 14 + 18  # + the lane under the boxes
    where: dict[str, tuple[float, float]] = {}
    for col in used:
        entries = columns[col]
        x = PAD + position[col] * (BOX_W + GAP_X)
        top = PAD + 14 + (height - 32 - 2 * PAD - (len(entries) * (BOX_H + GAP_Y) - GAP_Y)) / 2
        for row, (key, *_rest) in enumerate(entries):
            where[key] = (x, top + row * (BOX_H + GAP_Y))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="provenance" role="img" '
        f'viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="chain-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#6b7280"/></marker></defs>',
    ]
    for source, target, label in sorted(edges):
        if source not in where or target not in where:
            continue
        x1, y1 = where[source]
        x2, y2 = where[target]
        x1, y1, y2 = x1 + BOX_W, y1 + BOX_H / 2, y2 + BOX_H / 2
        if x2 <= x1:
            continue
        translated = "translated" in label
        colour = "#b45309" if translated else "#6b7280"
        if x2 - x1 > GAP_X + 1:
            # skips a column: run along the lane under the boxes, so as not to cross them
            lane = height - PAD - 6
            d = (f"M {x1:.0f} {y1:.0f} C {x1 + 30:.0f} {y1:.0f}, {x1 + 10:.0f} {lane:.0f}, "
                 f"{x1 + 40:.0f} {lane:.0f} L {x2 - 40:.0f} {lane:.0f} C {x2 - 10:.0f} "
                 f"{lane:.0f}, {x2 - 30:.0f} {y2:.0f}, {x2:.0f} {y2:.0f}")
            tx, ty = (x1 + x2) / 2, lane - 3
        else:
            middle = (x1 + x2) / 2
            d = (f"M {x1:.0f} {y1:.0f} C {middle:.0f} {y1:.0f}, {middle:.0f} {y2:.0f}, "
                 f"{x2:.0f} {y2:.0f}")
            tx, ty = middle, (y1 + y2) / 2 - 4
        parts.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.3" '
                     f'marker-end="url(#chain-arrow)"><title>{escape(label)}</title></path>')
        if label not in ("passage", "read as"):
            parts.append(f'<text x="{tx:.0f}" y="{ty:.0f}" font-size="9" fill="{colour}" '
                         f'text-anchor="middle" font-family="sans-serif">'
                         f"{escape(_short_edge(label))}</text>")
    for col in used:
        for key, label, kind, href in columns[col]:
            x, y = where[key]
            colour = COLOURS.get(kind.split(" ")[0], COLOURS.get(
                {"speaker": "agent", "author": "agent", "claimant": "agent",
                 "read": "document"}.get(kind.split(" ")[0], ""), "#ffffff"))
            box = (f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="5" '
                   f'fill="{colour}" stroke="#374151" stroke-width="0.8"/>'
                   f'<text x="{x + 8:.0f}" y="{y + 14:.0f}" font-size="9" fill="#4b5563" '
                   f'font-family="sans-serif">{escape(_clip(kind, 34))}</text>'
                   f'<text x="{x + 8:.0f}" y="{y + 27:.0f}" font-size="11" fill="#111827" '
                   f'font-family="sans-serif">{escape(_clip(label))}</text>'
                   f"<title>{escape(label)}</title>")
            parts.append(f'<a href="{escape(href)}">{box}</a>' if href else f"<g>{box}</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _short_edge(label: str) -> str:
    """An edge's label as drawn (its full text is the edge's tooltip)."""
    text = label.replace(", translated from ", " · from ")
    text = text.replace(" (speaks in its own voice)", "")
    return _clip(text, 24)


def _clip(text: str, width: int = 28) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


__all__ = ["router"]
