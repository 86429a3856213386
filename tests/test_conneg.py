import pytest

from kgraph.web.conneg import negotiate, parse_accept

RESULTS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]

CASES = [
    (None, "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv", "text/csv"),
    ("text/*", "text/csv"),
    ("application/sparql-results+xml, application/sparql-results+json;q=0.5",
     "application/sparql-results+xml"),
    ("*/*;q=1, application/sparql-results+json;q=0, text/csv;q=0.5",
     "application/sparql-results+xml"),
    ("text/tab-separated-values;q=0.9, text/csv;q=0.8", "text/tab-separated-values"),
    ("text/html", None),
    ("image/png, text/html;q=0.9", None),
    ("garbage", "application/sparql-results+json"),
    ("application/sparql-results+json;q=abc, text/csv", "text/csv"),
    ("*/*;q=0", None),
]


@pytest.mark.parametrize("accept,expected", CASES)
def test_negotiate(accept, expected):
    assert negotiate(accept, RESULTS) == expected


def test_parse_accept_reads_parameters_and_q():
    (r,) = parse_accept('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"; q=0.7')
    assert (r.type, r.subtype, r.q) == ("application", "ld+json", 0.7)
    assert r.params == (("profile", "http://www.w3.org/ns/json-ld#compacted"),)
