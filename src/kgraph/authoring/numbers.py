"""Numbers as Indonesian sources write them, with their qualifiers.

The locale: '.' groups thousands ('1.268' is 1268) and ',' is the decimal mark ('29,9 ribu' is
29900). Qualifiers become an approximation and bounds: 'lebih dari' (more than) an exclusive
lower bound, 'dalam waktu' (within) an inclusive upper bound, 'sekitar' (about) no bound at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

#: qualifier phrase -> (approximation concept, which bound, inclusive)
QUALIFIERS: dict[str, tuple[str, str | None, bool]] = {
    "lebih dari": ("MoreThan", "lower", False),
    "sekitar": ("Approximately", None, False),
    "kira-kira": ("Approximately", None, False),
    "hampir": ("Approximately", None, False),
    "setidaknya": ("AtLeast", "lower", True),
    "sedikitnya": ("AtLeast", "lower", True),
    "paling sedikit": ("AtLeast", "lower", True),
    "kurang dari": ("LessThan", "upper", False),
    "dalam waktu": ("AtMost", "upper", True),
    "paling banyak": ("AtMost", "upper", True),
    "hingga": ("AtMost", "upper", True),
}

MULTIPLIERS = {"ribu": 1000, "juta": 1_000_000, "miliar": 1_000_000_000}

WORDS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000,
}

_NUMBER = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$|^\d+(,\d+)?$")


@dataclass(frozen=True)
class Quantity:
    """A number read from text: amount, the approximation concept and bounds."""

    amount: Decimal
    approximation: str = "Unqualified"
    lower: Decimal | None = None
    lower_inclusive: bool | None = None
    upper: Decimal | None = None
    upper_inclusive: bool | None = None


def parse_number(token: str) -> Decimal:
    """'1.268' -> 1268, '29,9' -> 29.9, '76' -> 76, 'enam' -> 6."""
    word = token.lower()
    if word in WORDS:
        return Decimal(WORDS[word])
    if not _NUMBER.match(token):
        raise ValueError(
            f"{token!r} is not a number in Indonesian notation "
            "('.' groups thousands, ',' is the decimal mark)"
        )
    return Decimal(token.replace(".", "").replace(",", "."))


def parse_quantity(text: str) -> Quantity:
    """Read 'lebih dari 76 ribu', 'sekitar 1.268', '29,9 ribu', 'dua jam' (the unit words
    after the number are ignored here; the curator names the unit)."""
    rest = " ".join(text.strip().split()).lower()
    approximation, bound, inclusive = "Unqualified", None, False
    for phrase, meaning in QUALIFIERS.items():
        if rest.startswith(phrase + " "):
            approximation, bound, inclusive = meaning
            rest = rest[len(phrase) + 1 :]
            break
    tokens = rest.split()
    if not tokens:
        raise ValueError(f"no number in {text!r}")
    amount = parse_number(tokens[0])
    if len(tokens) > 1 and tokens[1] in MULTIPLIERS:
        amount *= MULTIPLIERS[tokens[1]]
    amount = amount.normalize() if amount == amount.to_integral() else amount
    if amount == amount.to_integral():
        amount = amount.quantize(Decimal(1))
    if bound == "lower":
        return Quantity(amount, approximation, lower=amount, lower_inclusive=inclusive)
    if bound == "upper":
        return Quantity(amount, approximation, upper=amount, upper_inclusive=inclusive)
    return Quantity(amount, approximation)
