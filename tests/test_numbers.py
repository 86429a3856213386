from decimal import Decimal

import pytest

from kgraph.authoring.numbers import parse_number, parse_quantity

CASES = [
    # text, amount, approximation, lower, lower_inclusive, upper, upper_inclusive
    ("lebih dari 76 ribu", "76000", "MoreThan", "76000", False, None, None),
    ("sekitar 1.268", "1268", "Approximately", None, None, None, None),
    ("29,9 ribu", "29900", "Unqualified", None, None, None, None),
    ("412", "412", "Unqualified", None, None, None, None),
    ("enam", "6", "Unqualified", None, None, None, None),
    ("dalam waktu dua", "2", "AtMost", None, None, "2", True),
    ("Lebih dari 300", "300", "MoreThan", "300", False, None, None),
    ("setidaknya 5", "5", "AtLeast", "5", True, None, None),
    ("kurang dari 1,5 juta", "1500000", "LessThan", None, None, "1500000", False),
]


@pytest.mark.parametrize("text,amount,approx,lo,lo_inc,hi,hi_inc", CASES)
def test_parse_quantity(text, amount, approx, lo, lo_inc, hi, hi_inc):
    q = parse_quantity(text)
    assert q.amount == Decimal(amount)
    assert q.approximation == approx
    assert q.lower == (Decimal(lo) if lo else None)
    assert q.lower_inclusive == lo_inc
    assert q.upper == (Decimal(hi) if hi else None)
    assert q.upper_inclusive == hi_inc


@pytest.mark.parametrize("token", ["1.5", "12.34", "abc", "1,234.5", ""])
def test_parse_number_rejects_non_indonesian_notation(token):
    with pytest.raises(ValueError):
        parse_number(token)


def test_thousands_separator_is_a_dot():
    assert parse_number("1.268") == 1268
    assert parse_number("1.268.000") == 1268000
    assert parse_number("29,9") == Decimal("29.9")
