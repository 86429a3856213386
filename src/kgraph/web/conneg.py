"""Content negotiation: one function, used by every route that returns results or RDF.

Follows RFC 9110: q-values, `type/*` and `*/*` wildcards, the most specific range wins for a
media type; ties go to the order of `supported` (the server's preference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgraph.sparql_text import by_text


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...]

    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*") + bool(self.params)

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return self.type in ("*", t) and self.subtype in ("*", s)


def parse_accept(header: str) -> list[MediaRange]:
    """Parse an Accept header; malformed ranges are skipped, as browsers expect."""
    ranges = []
    for part in header.split(","):
        part = part.strip()
        if not part:
            continue
        fields = [f.strip() for f in part.split(";")]
        full = fields[0].lower()
        if full == "*":
            full = "*/*"
        if "/" not in full:
            continue
        t, s = full.split("/", 1)
        q = 1.0
        params = []
        for f in fields[1:]:
            k, _, v = f.partition("=")
            k, v = k.strip().lower(), v.strip().strip('"')
            if k == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
            elif k:
                params.append((k, v))
        ranges.append(MediaRange(t, s, q, tuple(params)))
    return ranges


def negotiate(accept: str | None, supported: Sequence[str]) -> str | None:
    """The best of `supported` for an Accept header; the first when there is none; None when
    nothing acceptable is supported (the caller answers 406)."""
    if not accept or not accept.strip():
        return supported[0]
    return _choose(accept, tuple(supported))


@by_text  # clients send the same few headers again and again
def _choose(accept: str, supported: tuple[str, ...]) -> str | None:
    ranges = parse_accept(accept)
    if not ranges:
        return supported[0]
    best: tuple[float, int, int] | None = None
    choice = None
    for index, media_type in enumerate(supported):
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        top = max(matching, key=lambda r: r.specificity())
        q = top.q
        if q <= 0:
            continue
        key = (q, top.specificity(), -index)
        if best is None or key > best:
            best, choice = key, media_type
    return choice
