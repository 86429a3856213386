"""Numbers as sources write them, with their qualifiers, in the source's own locale.

Indonesian (the default): '.' groups thousands ('1.268' is 1268) and ',' is the decimal mark
('29,9 ribu' is 29900). English: ',' groups thousands ('76,000') and '.' is the decimal mark.
Qualifiers become an approximation and bounds: 'lebih dari' / 'more than' an exclusive lower
bound, 'dalam waktu' / 'within' an inclusive upper bound, 'sekitar' / 'about' no bound at all.
A source in a language with no locale here cannot have its figures read: the compiler says so.
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

#: English: qualifiers, multipliers, number words and notation ('76,000', '29.9').
EN_QUALIFIERS: dict[str, tuple[str, str | None, bool]] = {
    "more than": ("MoreThan", "lower", False),
    "over": ("MoreThan", "lower", False),
    "exceeded": ("MoreThan", "lower", False),
    "exceeding": ("MoreThan", "lower", False),
    "about": ("Approximately", None, False),
    "around": ("Approximately", None, False),
    "approximately": ("Approximately", None, False),
    "nearly": ("Approximately", None, False),
    "almost": ("Approximately", None, False),
    "at least": ("AtLeast", "lower", True),
    "fewer than": ("LessThan", "upper", False),
    "less than": ("LessThan", "upper", False),
    "within": ("AtMost", "upper", True),
    "up to": ("AtMost", "upper", True),
    "at most": ("AtMost", "upper", True),
}
EN_MULTIPLIERS = {"thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a hundred": 100, "a thousand": 1000,
}
_EN_NUMBER = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")


@dataclass(frozen=True)
class Locale:
    """How one language writes numbers and qualifies them."""

    qualifiers: dict[str, tuple[str, str | None, bool]]
    multipliers: dict[str, int]
    words: dict[str, int]
    pattern: re.Pattern[str]
    group: str
    decimal: str
    name: str


LOCALES: dict[str, Locale] = {
    "id": Locale(QUALIFIERS, MULTIPLIERS, WORDS, _NUMBER, ".", ",", "Indonesian"),
    "en": Locale(EN_QUALIFIERS, EN_MULTIPLIERS, EN_WORDS, _EN_NUMBER, ",", ".", "English"),
}


def locale_for(lang: str) -> Locale:
    """The locale of a language tag ('en-GB' -> English); ValueError for one with none."""
    primary = lang.split("-")[0].lower()
    if primary not in LOCALES:
        raise ValueError(f"no number locale for language {lang!r} (known: {', '.join(sorted(LOCALES))})")
    return LOCALES[primary]


@dataclass(frozen=True)
class Quantity:
    """A number read from text: amount, the approximation concept and bounds."""

    amount: Decimal
    approximation: str = "Unqualified"
    lower: Decimal | None = None
    lower_inclusive: bool | None = None
    upper: Decimal | None = None
    upper_inclusive: bool | None = None


def parse_number(token: str, lang: str = "id") -> Decimal:
    """'1.268' -> 1268, '29,9' -> 29.9, '76' -> 76, 'enam' -> 6 (Indonesian); with lang='en',
    '76,000' -> 76000, '29.9' -> 29.9, 'six' -> 6."""
    locale = locale_for(lang)
    word = token.lower()
    if word in locale.words:
        return Decimal(locale.words[word])
    if not locale.pattern.match(token):
        raise ValueError(
            f"{token!r} is not a number in {locale.name} notation "
            f"('{locale.group}' groups thousands, '{locale.decimal}' is the decimal mark)"
        )
    return Decimal(token.replace(locale.group, "").replace(locale.decimal, "."))


def parse_quantity(text: str, lang: str = "id") -> Quantity:
    """Read 'lebih dari 76 ribu', 'sekitar 1.268', '29,9 ribu', 'dua jam' (or, with lang='en',
    'more than 50,000', 'about 1.5 thousand'); the unit words after the number are ignored
    here, the curator names the unit."""
    locale = locale_for(lang)
    rest = " ".join(text.strip().split()).lower()
    approximation, bound, inclusive = "Unqualified", None, False
    for phrase, meaning in locale.qualifiers.items():
        if rest.startswith(phrase + " "):
            approximation, bound, inclusive = meaning
            rest = rest[len(phrase) + 1 :]
            break
    tokens = rest.split()
    if not tokens:
        raise ValueError(f"no number in {text!r}")
    amount = parse_number(tokens[0], lang)
    if len(tokens) > 1 and tokens[1] in locale.multipliers:
        amount *= locale.multipliers[tokens[1]]
    amount = amount.normalize() if amount == amount.to_integral() else amount
    if amount == amount.to_integral():
        amount = amount.quantize(Decimal(1))
    if bound == "lower":
        return Quantity(amount, approximation, lower=amount, lower_inclusive=inclusive)
    if bound == "upper":
        return Quantity(amount, approximation, upper=amount, upper_inclusive=inclusive)
    return Quantity(amount, approximation)
