"""The flags each audit raises on its rows: the same rules, the same words, every time.

Every flag has a code (`single-party`), a severity (warning, notice, info), the claims or other
nodes it is about (`targets`) and the passages it was read from, with their quotes. Each code is
a concept of the ontology's audit flag scheme (`kg:SinglePartyFlag`, `skos:notation
"single-party"`), so the findings written as RDF can be compared across releases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kgraph.audits.runner import Context, Evidence, Flag, Row
from kgraph.audits.trace import chains, describe

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SCHEMA = "http://schema.org/"


@dataclass(frozen=True)
class FlagKind:
    code: str
    concept: str  # local name in the kg: namespace
    severity: str
    label: str


FLAGS: dict[str, FlagKind] = {k.code: k for k in (
    FlagKind("single-party", "SinglePartyFlag", "warning", "rests on a single party"),
    FlagKind("single-source", "SingleSourceFlag", "warning", "rests on a single source"),
    FlagKind("uncorroborated", "UncorroboratedFlag", "info", "one claimant only"),
    FlagKind("relay-chain", "RelayChainFlag", "notice", "relayed through several outlets"),
    FlagKind("translated", "TranslatedFlag", "info", "passed through a translation"),
    FlagKind("unstated-relay", "UnstatedRelayFlag", "info", "relay not stated"),
    FlagKind("unnamed-source", "UnnamedSourceFlag", "warning", "unnamed source"),
    FlagKind("unattributed-headline", "UnattributedHeadlineFlag", "warning",
             "headline in the outlet's own voice"),
    FlagKind("unattributed", "UnattributedFlag", "info", "the outlet's own voice"),
    FlagKind("absent-speaker", "AbsentSpeakerFlag", "warning", "no speaker of that party"),
    FlagKind("inferred-year", "InferredYearFlag", "notice", "year supplied by the curator"),
    FlagKind("inferred-place", "InferredPlaceFlag", "notice", "place resolved by the curator"),
    FlagKind("inferred-party", "InferredPartyFlag", "notice", "party supplied by the curator"),
    FlagKind("inferred-subject", "InferredSubjectFlag", "notice",
             "subject supplied by the curator"),
    FlagKind("inferred-claimant", "InferredClaimantFlag", "info", "speaker known from context"),
    FlagKind("inferred-value", "InferredValueFlag", "info", "value supplied by the curator"),
    FlagKind("competing", "CompetingClaimsFlag", "warning", "competing accounts"),
    FlagKind("contradiction", "ContradictionFlag", "warning", "contradicting claims"),
    FlagKind("denied", "DeniedFlag", "warning", "asserted and denied"),
    FlagKind("differing-figures", "DifferingFiguresFlag", "warning", "figures differ"),
    FlagKind("denial", "DenialFlag", "notice", "a denial"),
    FlagKind("omission", "OmissionFlag", "warning", "left out by another source"),
    FlagKind("uncited-passage", "UncitedPassageFlag", "warning", "passage no claim cites"),
    FlagKind("excluded-passage", "ExcludedPassageFlag", "info", "passage excluded with a reason"),
)}

Flagger = Callable[[list[Row], Context], list[Flag]]
_FLAGGERS: dict[str, Flagger] = {}


def flagger(name: str) -> Callable[[Flagger], Flagger]:
    def register(fn: Flagger) -> Flagger:
        _FLAGGERS[name] = fn
        return fn
    return register


def flag(audit: str, rows: list[Row], ctx: Context) -> list[Flag]:
    fn = _FLAGGERS.get(audit)
    return fn(rows, ctx) if fn else []


def make(audit: str, code: str, about: str, message: str, targets: Iterable[str],
         passages: Iterable[Evidence], discriminator: tuple[str, ...] = ()) -> Flag:
    kind = FLAGS[code]
    return Flag(audit=audit, code=code, severity=kind.severity, about=about, message=message,
                targets=sorted(dict.fromkeys(targets)), passages=list(dict.fromkeys(passages)),
                discriminator=discriminator)


def names(ctx: Context, iris: Iterable[str]) -> str:
    labels = [ctx.label(i) for i in iris]
    if not labels:
        return "nobody"
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def proposition(ctx: Context, subject: str, predicate: str, about: Any, figure: bool) -> str:
    what = f"{ctx.label(subject)} · {ctx.label(predicate)}"
    if figure:
        return what + (f" · side {ctx.label(about)}" if about != "no side" else "")
    return what + f" · {value_text(ctx, about)}"


def value_text(ctx: Context, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return ctx.label(value) if isinstance(value, str) else str(value)


# -- corroboration ---------------------------------------------------------------------------

def grade_list(ctx: Context, claims: Iterable[str]) -> list[str]:
    """The Admiralty grades of the claims and of the sources they were read in, in words."""
    parts: list[str] = []
    for claim in claims:
        for kind, graded, grade, grader in ctx.grades(claim):
            by = f" by {ctx.label(grader)}" if grader else ""
            text = (f"source {ctx.label(graded)} reliability {grade}{by}" if kind == "reliability"
                    else f"{ctx.label(graded)} credibility {grade}{by}")
            if text not in parts:
                parts.append(text)
    return parts


def grades_text(ctx: Context, claims: Iterable[str]) -> str:
    """' Graded: ...' for a flag's message, or '' when nothing is graded."""
    parts = grade_list(ctx, claims)
    return f" Graded: {'; '.join(parts)}." if parts else ""


@flagger("corroboration")
def corroboration(rows: list[Row], ctx: Context) -> list[Flag]:
    out = []
    for row in rows:
        members = row["members"]
        about = proposition(ctx, row["subject"], row["predicate"], row["about"], row["figure"])
        graded = grades_text(ctx, members)
        evidence = ctx.evidence_of(members)
        claims, claimants, sources = row["claims"], row["claimants"], row["sources"]
        parties, unknown = row["partyList"], row["unaffiliatedList"]
        who = names(ctx, row["claimantList"])
        if claimants >= 2 and len(parties) <= 1:
            party = (f"one party ({ctx.label(parties[0])})" if parties
                     else "no known party at all")
            note = (f"; the party of {names(ctx, unknown)} is unknown, so it does not count as "
                    "independent" if unknown and parties else "")
            origins = (f"from {sources} distinct sources ({names(ctx, row['originList'])})"
                       if sources > 1 else f"from one source ({names(ctx, row['originList'])})")
            out.append(make("corroboration", "single-party", about,
                            f"Rests on {party}: {claims} claims by {claimants} claimants "
                            f"({who}), {origins}{note}. No claimant of another party states "
                            f"it.{graded}", members, evidence))
        if claims >= 2 and sources == 1:
            out.append(make("corroboration", "single-source", about,
                            f"{claims} claims, but one source once relays are collapsed: "
                            f"{names(ctx, row['originList'])}.{graded}", members, evidence))
        if claimants == 1:
            party = (ctx.label(parties[0]) if parties else "party unknown")
            out.append(make("corroboration", "uncorroborated", about,
                            f"One claimant only: {who} ({party}), from "
                            f"{names(ctx, row['originList'])}.{graded}", members, evidence))
    return out


# -- origin trace ----------------------------------------------------------------------------

@flagger("origin-trace")
def origin_trace(rows: list[Row], ctx: Context) -> list[Flag]:
    out = []
    by_claim: dict[str, list[Any]] = {}
    for chain in chains(rows):
        by_claim.setdefault(chain.claim, []).append(chain)
    for claim, group in by_claim.items():
        about = ctx.label(claim)
        for chain in group:
            evidence = [Evidence(chain.passage, chain.quote)]
            line = describe(chain, ctx.label)
            if chain.relays >= 2:
                out.append(make("origin-trace", "relay-chain", about,
                                f"Reached the graph through {chain.relays} relays: {line}.",
                                [claim], evidence))
            for step in chain.translations:
                into = chain.read_in_language or "the language of the document read"
                reason = f" Curator: {step.translation_reason}" if step.translation_reason else ""
                out.append(make("origin-trace", "translated", about,
                                f"Passed through a translation from {step.translated_from} into "
                                f"{into}: {line}.{reason}", [claim], evidence))
            unattributed = (chain.attribution or "").endswith("UnattributedInSource")
            if not chain.steps and not unattributed and chain.speaker != chain.publisher:
                out.append(make("origin-trace", "unstated-relay", about,
                                f"The passage gives this as {ctx.label(chain.speaker)}'s but "
                                f"names no document it came through; "
                                f"{ctx.label(chain.read_in)} is the only source at hand.",
                                [claim], evidence))
    return out


# -- unnamed and unattributed ----------------------------------------------------------------

HEADLINE_ROLES = ("Headline", "RepeatedHeadline")


@flagger("unnamed")
def unnamed(rows: list[Row], ctx: Context) -> list[Flag]:
    out = []
    by_claim: dict[str, list[Row]] = {}
    for row in rows:
        by_claim.setdefault(row["claim"], []).append(row)
    for claim, group in by_claim.items():
        first = group[0]
        about = first.get("label") or ctx.label(claim)
        evidence = [Evidence(r["passage"], r.get("quote")) for r in group]
        attribution = (first.get("attribution") or "").rsplit("#", 1)[-1]
        if first.get("unnamedGroup") or attribution == "UnnamedSource":
            named = sorted({r["namedAs"] for r in group if r.get("namedAs")})
            how = (f"named in the passage only as “{named[0]}”" if named else
                   "the sentence names no source; the curator attributes it from context"
                   if attribution == "InferredFromContext" else "not named in the passage")
            out.append(make("unnamed", "unnamed-source", about,
                            f"Rests on {ctx.label(first['claimant'])}, a group the source does "
                            f"not name ({how}).", [claim], evidence))
        elif attribution == "UnattributedInSource":
            outlet = ctx.label(first["claimant"])
            unknown = ("; who the outlet is, is not known"
                       if first.get("identityKnown") is False else "")
            headline = [r for r in group
                        if (r.get("role") or "").rsplit("#", 1)[-1] in HEADLINE_ROLES]
            if headline:
                out.append(make("unnamed", "unattributed-headline", about,
                                f"A headline: the text attributes it to no one; it is the "
                                f"outlet's own voice: {outlet}{unknown}.",
                                [claim], [Evidence(r["passage"], r.get("quote"))
                                          for r in headline]))
            else:
                out.append(make("unnamed", "unattributed", about,
                                f"Attributed to no one in the text: the outlet's own voice, "
                                f"{outlet}{unknown}.", [claim], evidence))
    return out


# -- acknowledgements with no speaker of that party ------------------------------------------

@flagger("absent-speaker")
def absent_speaker(rows: list[Row], ctx: Context) -> list[Flag]:
    out = []
    by_claim: dict[str, list[Row]] = {}
    for row in rows:
        by_claim.setdefault(row["claim"], []).append(row)
    for claim, group in by_claim.items():
        first = group[0]
        speaker = ctx.label(first["speaker"])
        headline = any((r.get("role") or "").endswith("Headline") for r in group)
        where = "The headline" if headline else "The claim"
        verb = ctx.label(first["predicate"])
        what = ctx.label(first.get("object")) if first.get("object") else "something"
        out.append(make("absent-speaker", "absent-speaker", first.get("label") or ctx.label(claim),
                        f"{where} says {speaker} {verb} {what}, but no claim in the graph has "
                        f"{speaker}, or anyone affiliated with or part of it, as its claimant: "
                        f"no speaker of that party anywhere in the text. It is stated by "
                        f"{ctx.label(first['claimant'])}.",
                        [claim], [Evidence(r["passage"], r.get("quote")) for r in group]))
    return out


# -- curators' inferences --------------------------------------------------------------------

_YEAR = re.compile(r"[0-9]{4}")
_PLACE_PROPERTIES = ("locatedIn", "location")


@flagger("inferred")
def inferred(rows: list[Row], ctx: Context) -> list[Flag]:
    out = []
    by_inference: dict[str, list[Row]] = {}
    for row in rows:
        by_inference.setdefault(row["inference"], []).append(row)
    for inference, group in by_inference.items():
        first = group[0]
        prop = first["property"]
        local = re.split(r"[#/]", prop)[-1]
        verbatim = first.get("verbatim")
        if local == "time":
            code = "inferred-year" if verbatim and not _YEAR.search(verbatim) else "inferred-value"
        elif local in _PLACE_PROPERTIES:
            code = "inferred-place"
        elif local == "affiliatedWith":
            code = "inferred-party"
        elif prop == RDF + "subject":
            code = "inferred-subject"
        elif local == "claimant":
            code = "inferred-claimant"
        else:
            code = "inferred-value"
        node = first["node"]
        claims = sorted({r["claim"] for r in group if r.get("claim")})
        # the passages: those that hold the date's wording, else those of the claims concerned
        evidence = []
        for r in group:
            if r.get("passage") and (not verbatim or verbatim in (r.get("passageText") or "")):
                evidence.append(Evidence(r["passage"], verbatim or r.get("quote")))
        if not evidence:
            evidence = [Evidence(r["passage"], r.get("quote")) for r in group if r.get("passage")]
        if node not in claims:  # an entity: one quote per passage is enough
            evidence = list({e.passage: e for e in reversed(evidence)}.values())[::-1]
        value = first.get("value")
        if code == "inferred-year":
            supplied = (f"the year of “{verbatim}” (read as {first.get('date')})")
        elif value is not None:
            supplied = f"{ctx.label(prop)} = {value_text(ctx, value)}"
        else:
            supplied = ctx.label(prop)
        reason = first.get("reason") or "no reason given"
        out.append(make("inferred", code, f"{ctx.label(node)}: {ctx.label(prop)}",
                        f"The curator supplied {supplied} for {ctx.label(node)}; the source does "
                        f"not say it. Reason: {reason}",
                        [inference, node, *claims], evidence))
    return out


# -- conflicts -------------------------------------------------------------------------------

_RELATION_CODES = {"competes": "competing", "contradicts": "contradiction", "denies": "denied",
                   "denied by": "denied", "differing figure": "differing-figures",
                   "denial": "denial"}


@flagger("conflicts")
def conflicts(rows: list[Row], ctx: Context) -> list[Flag]:
    out = []
    seen: set[tuple[str, frozenset[str]]] = set()
    for row in rows:
        code = _RELATION_CODES[row["relation"]]
        claim, other = row["claim"], row.get("other")
        pair = frozenset(c for c in (claim, other) if c)
        if (code, pair) in seen:
            continue
        seen.add((code, pair))
        if code == "denial":
            out.append(make("conflicts", "denial", ctx.label(claim),
                            f"{ctx.label(row['claimant'])} denies that "
                            f"{ctx.label(row['subject'])} {ctx.label(row['predicate'])} "
                            f"{ctx.label(row.get('object'))}; no claim asserts it.",
                            [claim], ctx.evidence(claim)))
            continue
        first, second = sorted(pair)
        one = f"{ctx.label(first)} ({ctx.label(_claimant(row, first))})"
        two = f"{ctx.label(second)} ({ctx.label(_claimant(row, second))})"
        text = {
            "competing": f"Competing accounts: {one} and {two} give different accounts of the "
                         "same event, neither denying the other.",
            "contradiction": f"Contradicting claims: {one} and {two} cannot both be true.",
            "denied": f"Asserted and denied: {one} and {two} take opposite stances on the same "
                      "proposition.",
            "differing-figures": f"Differing figures for the same thing: {one} gives "
                                 f"{_amount(row, first)}, {two} gives {_amount(row, second)}.",
        }[code]
        out.append(make("conflicts", code, f"{ctx.label(first)} / {ctx.label(second)}", text,
                        [first, second], ctx.evidence_of([first, second])))
    return out


def _claimant(row: Row, claim: str) -> str:
    return row["claimant"] if claim == row["claim"] else row.get("otherClaimant", "")


def _amount(row: Row, claim: str) -> Any:
    value = row.get("amount") if claim == row["claim"] else row.get("otherAmount")
    return f"{value:g}" if isinstance(value, float) else value


# -- omissions -------------------------------------------------------------------------------

@flagger("omissions")
def omissions(rows: list[Row], ctx: Context) -> list[Flag]:
    out = []
    grouped: dict[tuple[str, str, str], list[Row]] = {}
    for row in rows:
        grouped.setdefault((row["topic"], row["origin"], row["otherOrigin"]), []).append(row)
    for (topic, origin, other), group in grouped.items():
        actors = sorted({r["actor"] for r in group})
        crediting = sorted({r["claim"] for r in group})
        others = sorted({a for r in group for a in r["otherActors"]})
        other_claims = sorted({c for r in group for c in r["otherClaims"]})
        context = sorted({c for r in group for c in r["contextClaims"]})
        message = (f"The account in {ctx.label(origin)} credits {names(ctx, actors)} for "
                   f"{ctx.label(topic)}; the account of {ctx.label(topic)} in "
                   f"{ctx.label(other)} leaves {'it' if len(actors) == 1 else 'them'} out and "
                   f"names only {names(ctx, others)}.")
        if context:
            claimant = ctx.namespaces.kg + "claimant"
            message += " Supporting context: " + "; ".join(
                f"{ctx.label(c)} ({ctx.label(_first(ctx.facts(c).get(claimant)))})"
                for c in context) + "."
        out.append(make("omissions", "omission",
                        f"{ctx.label(topic)}: {names(ctx, actors)} left out by {ctx.label(other)}",
                        message, [*crediting, *other_claims, *context],
                        ctx.evidence_of([*crediting, *other_claims, *context]),
                        discriminator=(topic, origin, other)))
    return out


def _first(values: list[Any] | None) -> Any:
    return values[0] if values else None


# -- coverage --------------------------------------------------------------------------------

@flagger("coverage")
def coverage(rows: list[Row], ctx: Context) -> list[Flag]:
    out = []
    for row in rows:
        passage = row["passage"]
        role = ctx.label(row["role"]) if row.get("role") else "passage"
        where = f"{ctx.label(row['document'])}, {Evidence(passage).short}"
        evidence = [Evidence(passage, row.get("text"))]
        if row.get("exclusionReason"):
            out.append(make("coverage", "excluded-passage", where,
                            f"No claim cites this {role}; the curator's reason: "
                            f"{row['exclusionReason']} ({row['cited']} of {row['passages']} "
                            "passages of the document are cited).", [passage], evidence))
        else:
            out.append(make("coverage", "uncited-passage", where,
                            f"No claim cites this {role} and no reason is given: a gap in the "
                            f"reading of the source ({row['cited']} of {row['passages']} "
                            "passages of the document are cited).", [passage], evidence))
    return out
