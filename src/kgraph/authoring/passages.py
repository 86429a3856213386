"""Splitting a source's text into passages: paragraphs, then sentences.

Identifiers are positional and stable (`p11-s3` is the third sentence of the eleventh non-empty
paragraph), so extracting the same text again mints the same IRIs. Offsets are in Unicode code
points into the text exactly as stored (kg:fullText).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Abbreviations whose full stop does not end a sentence.
ABBREVIATIONS = ("St.", "Dr.", "No.", "Jl.", "Prof.", "Letjen.", "Jend.", "Mr.", "Mrs.")

# A sentence ends at . ! or ? (optionally followed by closing quotes), then whitespace, then
# an upper-case letter or an opening quote.
_BOUNDARY = re.compile(r"(?<=[.!?])([”\"’)]*)\s+(?=[A-Z“\"‘(])")


@dataclass(frozen=True)
class Passage:
    paragraph: int
    sentence: int
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        return f"p{self.paragraph}-s{self.sentence}"


def segment(text: str) -> list[Passage]:
    """Every sentence of every non-empty paragraph, in order, with offsets into `text`."""
    passages: list[Passage] = []
    paragraph = 0
    for match in re.finditer(r"[^\n]+", text):
        block = match.group(0)
        if not block.strip():
            continue
        paragraph += 1
        lead = len(block) - len(block.lstrip())
        body = block.strip()
        base = match.start() + lead
        sentence = 0
        cursor = 0
        for piece_start, piece_end in _sentences(body):
            sentence += 1
            piece = body[piece_start:piece_end]
            passages.append(
                Passage(paragraph, sentence, base + piece_start, base + piece_end, piece)
            )
            cursor = piece_end
        del cursor
    return passages


def _sentences(body: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(body):
        end = m.start() + len(m.group(1))
        if any(body[:end].endswith(a) for a in ABBREVIATIONS):
            continue
        spans.append((start, end))
        start = m.end()
    spans.append((start, len(body)))
    return [(a, b) for a, b in spans if body[a:b].strip()]
