"""Reading SPARQL text without parsing it: the checks that must happen before pyoxigraph sees
a query or an update (nesting depth, SERVICE and LOAD endpoints, FROM clauses, USING
injection).

A small tokenizer skips IRIs, strings and comments, so a keyword inside them does not count.
What a check finds in a short text is remembered (`by_text`): clients send the same queries
again and again, and these scans cost a point lookup more than its evaluation's planning.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TypeVar

from kgraph.errors import Location, QueryError

T = TypeVar("T")

#: Texts up to this long have what the checks find in them remembered (a few hundred of them).
MEMO_MAX_CHARS = 4096


def by_text(check: Callable[..., T]) -> Callable[..., T]:
    """Remember what a pure function of a text (and hashable arguments) returns, for short
    texts; a long text is read every time, so the memory held stays small."""
    remembered = functools.lru_cache(maxsize=512)(check)

    @functools.wraps(check)
    def read(text: str, *args: object) -> T:
        return remembered(text, *args) if len(text) <= MEMO_MAX_CHARS else check(text, *args)

    read.cache_info = remembered.cache_info  # type: ignore[attr-defined]
    return read

_TOKENS = re.compile(
    r"""(?P<iri><[^<>"{}|^`\\\s]*>)|(?P<string>'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"""|(?P<comment>\#[^\n]*)|(?P<var>[?$][A-Za-z0-9_]+)"""
    # a prefixed name (`from:x`, `where:`) is one token, never the keyword its prefix spells
    r"""|(?P<pname>(?:[A-Za-z_][\w.-]*)?:[\w.:%\\-]*)|(?P<word>[A-Za-z_]+)"""
    r"""|(?P<open>[{(\[])|(?P<close>[})\]])""",
    re.S,
)

#: Deeper nesting than this is refused before parsing: pyoxigraph's recursive parser would
#: exhaust its stack (and take its process with it) long before any real query gets there.
MAX_NESTING = 128


def check_nesting(text: str, what: str = "query") -> None:
    line = _too_deep_at(text)
    if line is not None:
        raise QueryError(f"the {what} nests brackets more than {MAX_NESTING} deep; "
                         "simplify it", Location(line, None, what))


@by_text
def _too_deep_at(text: str) -> int | None:
    """The line where the text's brackets first nest deeper than MAX_NESTING, if they do."""
    depth = 0
    for m in _TOKENS.finditer(text):
        if m.group("open"):
            depth += 1
            if depth > MAX_NESTING:
                return text.count("\n", 0, m.start()) + 1
        elif m.group("close"):
            depth -= 1
    return None


def _top_level_words(text: str):  # type: ignore[no-untyped-def]
    """(match, word in upper case) for keywords outside any brace."""
    depth = 0
    for m in _TOKENS.finditer(text):
        if m.group("open") == "{":
            depth += 1
        elif m.group("close") == "}":
            depth -= 1
        elif depth == 0 and m.group("word"):
            yield m, m.group("word").upper()


@by_text
def has_dataset_clause(query: str) -> bool:
    """Whether the query names its own dataset (FROM / FROM NAMED)."""
    return any(word == "FROM" for _, word in _top_level_words(query))


def service_endpoints(query: str) -> tuple[str | None, ...]:
    """The endpoint of every SERVICE in the query; None for `SERVICE ?variable` or a prefixed
    name (which the caller cannot check without resolving prefixes: written as a full IRI, it
    can be)."""
    return _targets(query, "SERVICE")


def load_sources(update: str) -> tuple[str | None, ...]:
    """The IRI every LOAD of the update reads from (None when it is not written as a full IRI,
    which the grammar does not allow anyway)."""
    return _targets(update, "LOAD")


@by_text
def _targets(text: str, keyword: str) -> tuple[str | None, ...]:
    """The IRI that follows each `keyword` (after an optional SILENT), or None where another
    token follows it."""
    tokens = [m for m in _TOKENS.finditer(text)
              if m.group("open") is None and m.group("close") is None and m.group("comment") is None]
    found: list[str | None] = []
    for i, m in enumerate(tokens):
        word = m.group("word")
        if word is None or word.upper() != keyword:
            continue
        rest = tokens[i + 1:i + 3]
        if rest and rest[0].group("word") and rest[0].group("word").upper() == "SILENT":
            rest = rest[1:]
        target = rest[0] if rest else None
        found.append(target.group("iri")[1:-1] if target is not None and target.group("iri") else None)
    return tuple(found)


def named_iris(text: str, prefixes: dict[str, str]) -> set[str]:
    """Every IRI the text writes out: full IRIs, and prefixed names expanded with its own PREFIX
    declarations and the given (predeclared) prefixes. Relative IRIs are left as written."""
    declared = dict(prefixes)
    tokens = [m for m in _TOKENS.finditer(text) if m.group("comment") is None]
    for i, m in enumerate(tokens[:-2]):
        if (m.group("word") or "").upper() == "PREFIX" and tokens[i + 1].group("pname") \
                and tokens[i + 2].group("iri"):
            declared[tokens[i + 1].group("pname").rstrip(":")] = tokens[i + 2].group("iri")[1:-1]
    found = set()
    for m in tokens:
        if m.group("iri"):
            found.add(m.group("iri")[1:-1])
        elif m.group("pname"):
            prefix, _, local = m.group("pname").partition(":")
            if prefix in declared:
                found.add(declared[prefix] + local)
    return found


def with_using(update: str, using: list[str], using_named: list[str]) -> str:
    """Apply the protocol's using-graph-uri / using-named-graph-uri: a USING (NAMED) clause
    before each top-level WHERE of the update. An update with its own USING or WITH is refused,
    as the protocol requires."""
    if not using and not using_named:
        return update
    clause = " ".join([*(f"USING <{g}>" for g in using), *(f"USING NAMED <{g}>" for g in using_named)])
    out, last = [], 0
    for m, word in _top_level_words(update):
        if word in ("USING", "WITH"):
            raise QueryError("the update has its own USING or WITH clause; it cannot also be "
                             "given using-graph-uri or using-named-graph-uri")
        if word == "WHERE":
            out.append(update[last:m.start()])
            out.append(clause + " ")
            last = m.start()
    out.append(update[last:])
    return "".join(out)
