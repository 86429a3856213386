"""Origin traces: the rows of the origin-trace audit put in order, one chain per reference.

A chain runs from the speaker through the document that first carried the statement and each
outlet that relayed it, to the document the graph read and the passage in it:

    Valery Gerasimov → Gerasimov's report (ru) —relayed, translated from ru→ the article (id)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Step:
    """One document on the way, with how the next document downstream took it from this one."""

    document: str
    relation: str  # quoted | derived: how the next document downstream used this one
    author: str | None = None
    language: str | None = None
    date: Any = None
    translated_from: str | None = None  # the translation between this and the next document
    translation: str | None = None
    translation_reason: str | None = None


@dataclass
class Chain:
    claim: str
    ref: str
    passage: str
    quote: str | None
    speaker: str
    attribution: str | None
    made_in: str | None
    made_in_date: Any
    read_in: str
    read_in_language: str | None
    read_in_date: Any
    read_in_date_unknown: str | None
    publisher: str | None
    steps: list[Step] = field(default_factory=list)  # origin first
    also: list[str] = field(default_factory=list)  # other documents a step derives from

    @property
    def relays(self) -> int:
        return len(self.steps)

    @property
    def translations(self) -> list[Step]:
        return [s for s in self.steps if s.translated_from]

    @property
    def origin(self) -> str:
        return self.steps[0].document if self.steps else self.read_in

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim, "reference": self.ref, "passage": self.passage,
            "quote": self.quote, "speaker": self.speaker, "madeIn": self.made_in,
            "madeInDate": self.made_in_date,
            "steps": [{"document": s.document, "relation": s.relation, "author": s.author,
                       "language": s.language, "date": s.date,
                       "translatedFrom": s.translated_from, "translation": s.translation}
                      for s in self.steps],
            "readIn": self.read_in, "readInLanguage": self.read_in_language,
            "readInDate": self.read_in_date, "readInDateUnknown": self.read_in_date_unknown,
        }


def chains(rows: Iterable[dict[str, Any]]) -> list[Chain]:
    """One chain per (claim, reference), in the order of the rows."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((row["claim"], row["ref"]), []).append(row)
    out = []
    for (claim, ref), group in grouped.items():
        first = group[0]
        chain = Chain(
            claim=claim, ref=ref, passage=first["passage"], quote=first.get("quote"),
            speaker=first["claimant"], attribution=first.get("attribution"),
            made_in=first.get("madeIn"), made_in_date=first.get("madeInDate"),
            read_in=first["readIn"], read_in_language=first.get("readInLanguage"),
            read_in_date=first.get("readInDate"),
            read_in_date_unknown=first.get("readInDateUnknown"),
            publisher=first.get("readInPublisher"))
        edges: dict[str, list[dict[str, Any]]] = {}
        for row in group:
            if row.get("to") and row.get("from"):
                edges.setdefault(row["from"], []).append(row)
        # walk upstream from the document read: hop 1 first, then the documents' own sources
        upstream: list[Step] = []
        current, seen = chain.read_in, {chain.read_in}
        hop_one = sorted((r for r in edges.get(current, []) if r.get("hop") == 1),
                         key=lambda r: (r["relation"], r["to"]))
        candidates = hop_one
        while candidates:
            edge = candidates[0]
            for other in candidates[1:]:
                if other["to"] != edge["to"] and other["to"] not in chain.also:
                    chain.also.append(other["to"])
            target = edge["to"]
            if target in seen:
                break
            seen.add(target)
            upstream.append(Step(
                document=target, relation=edge["relation"], author=edge.get("toAuthor"),
                language=edge.get("toLanguage") or edge.get("translatedFrom"),
                date=edge.get("toDate"), translated_from=edge.get("translatedFrom"),
                translation=edge.get("translation"),
                translation_reason=edge.get("translationReason")))
            current = target
            candidates = sorted((r for r in edges.get(current, []) if r.get("hop") != 1),
                                key=lambda r: (r["relation"], r["to"]))
        chain.steps = list(reversed(upstream))
        out.append(chain)
    return out


def describe(chain: Chain, label: Any) -> str:
    """The chain in one line, speaker first:
    `Valery Gerasimov (speaker) → Gerasimov's report (ru) —relayed, translated from ru→ ...`.
    When the origin's author is not the claimant (the outlet's own voice), the chain starts at
    the author and the claimant is named at the end."""
    author = chain.steps[0].author if chain.steps else None
    voiced = author is not None and author != chain.speaker
    text = f"{label(author)} (author) → " if voiced else f"{label(chain.speaker)} (speaker) → "
    for step in chain.steps:
        bits = [b for b in (step.language, _date(step.date)) if b]
        text += label(step.document) + (f" ({', '.join(bits)})" if bits else "")
        arrow = "quoted" if step.relation == "quoted" else "relayed"
        if step.translated_from:
            arrow += f", translated from {step.translated_from}"
        text += f" —{arrow}→ "
    read_date = _date(chain.read_in_date) or (
        "date unknown" if chain.read_in_date_unknown else None)
    bits = [b for b in (chain.read_in_language, read_date) if b]
    text += label(chain.read_in) + (f" ({', '.join(bits)})" if bits else "")
    text += f" · passage {chain.passage.rsplit('/', 1)[-1]}"
    return text + (f"; claimant {label(chain.speaker)}, in its own voice" if voiced else "")


def _date(value: Any) -> str | None:
    return None if value is None else str(value)
