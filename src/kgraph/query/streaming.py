"""Recognising the queries that stream: one triple pattern, every match written as it is found.

A query of this form (a point lookup, a property scan)

    PREFIX ... SELECT ?p ?o WHERE { <s> ?p ?o } LIMIT 10
    ASK { GRAPH ?g { ?s ex:p "x" } }

is one index scan whose every match is a row of output: the evaluation never reads much without
writing. So its cost is bounded by the size of what it writes, and a writer that stops taking
output stops the evaluation. That lets the server answer it in its own process within a small
output budget, without a round trip to a query worker (see `executor.try_inline`).

The recogniser is strict, not complete: any form it does not know (a second pattern, FILTER,
DISTINCT, OFFSET, ORDER BY, a repeated variable, a blank node, FROM) is sent to a worker, where
the usual hard deadline holds. DISTINCT and OFFSET are left out because they can read a whole
index while writing nothing; a repeated variable (`?x ?p ?x`) because the scan filters its rows.
"""

from __future__ import annotations

import re

from kgraph.sparql_text import by_text


_TOKEN = re.compile(
    r"""(?P<space>(?:\s|\#[^\n]*)+)
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<string>"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
      | (?P<var>[?$][A-Za-z0-9_]+)
      | (?P<pname>(?:[A-Za-z][A-Za-z0-9_.-]*)?:(?:[A-Za-z0-9_:%-](?:[A-Za-z0-9_.:%-]*[A-Za-z0-9_:%-])?)?)
      | (?P<number>[+-]?(?:\d+\.\d*|\.?\d+)(?:[eE][+-]?\d+)?)
      | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
      | (?P<word>[A-Za-z]+)
      | (?P<punct>\^\^|[{}.*])
    """,
    re.X | re.S,
)

_TERM_KINDS = ("iri", "pname")


def _tokens(query: str) -> list[tuple[str, str]] | None:
    """(kind, text) for every token, or None when some text is not a token this module knows."""
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None or m.end() == pos:
            return None
        kind = m.lastgroup
        assert kind is not None
        if kind != "space":
            out.append((kind, m.group()))
        pos = m.end()
    return out


class _Reader:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self, kind: str, text: str | None = None) -> str | None:
        k, t = self.peek()
        if k == kind and (text is None or t == text):
            self.i += 1
            return t
        return None

    def keyword(self, word: str) -> bool:
        k, t = self.peek()
        if k == "word" and t.upper() == word:
            self.i += 1
            return True
        return False


def _term(r: _Reader, variables: list[str], *, position: str) -> bool:
    kind, text = r.peek()
    if kind == "var":
        r.i += 1
        variables.append(text[1:])
        return True
    if kind in _TERM_KINDS:
        r.i += 1
        return True
    if position == "predicate":
        return r.take("word", "a") is not None
    if position != "object":
        return False
    if kind == "number":
        r.i += 1
        return True
    if kind == "word" and text in ("true", "false"):
        r.i += 1
        return True
    if kind == "string":
        r.i += 1
        if r.take("lang") is not None:
            return True
        if r.take("punct", "^^") is not None:
            return r.take("iri") is not None or r.take("pname") is not None
        return True
    return False


def _triple(r: _Reader, variables: list[str]) -> bool:
    ok = (_term(r, variables, position="subject") and _term(r, variables, position="predicate")
          and _term(r, variables, position="object"))
    r.take("punct", ".")
    return ok


@by_text
def streams(query: str) -> bool:
    """Whether `query` is one triple pattern, SELECT or ASK, with at most a LIMIT (see above)."""
    if len(query) > 4096:
        return False
    tokens = _tokens(query)
    if tokens is None:
        return False
    r = _Reader(tokens)
    while True:  # the prologue
        if r.keyword("BASE"):
            if r.take("iri") is None:
                return False
        elif r.keyword("PREFIX"):
            name = r.take("pname")
            if name is None or not name.endswith(":") or r.take("iri") is None:
                return False
        else:
            break
    variables: list[str] = []
    if r.keyword("SELECT"):
        if r.take("punct", "*") is None:
            if r.take("var") is None:
                return False
            while r.take("var") is not None:
                pass
        r.keyword("WHERE")
        select = True
    elif r.keyword("ASK"):
        r.keyword("WHERE")
        select = False
    else:
        return False
    if r.take("punct", "{") is None:
        return False
    if r.keyword("GRAPH"):
        if not _term(r, variables, position="subject") or r.take("punct", "{") is None:
            return False
        if not _triple(r, variables) or r.take("punct", "}") is None:
            return False
        r.take("punct", ".")
    elif not _triple(r, variables):
        return False
    if r.take("punct", "}") is None:
        return False
    if select and r.keyword("LIMIT"):
        limit = r.take("number")
        if limit is None or not limit.isdigit():
            return False
    return r.peek()[0] == "end" and len(variables) == len(set(variables))
