"""SPARQL text for a server that only takes text: kgraph's prefixes and bound parameters.

The embedded store receives prefixes and parameter bindings as pyoxigraph arguments; a remote
server receives the text alone. So the prefixes become a prologue, written on the query's first
line (line numbers in the server's error messages stay those of the query), and bindings become
a VALUES block at the top of the query's WHERE group, every term serialised in N-Triples syntax
(pyoxigraph escapes what must be escaped): a parameter never reaches the server as raw text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from kgraph.errors import Location, QueryError
from kgraph.sparql_text import _TOKENS, _top_level_words

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SERVER_ERROR = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


def prologue(prefixes: Mapping[str, str]) -> str:
    """`PREFIX a: <...> PREFIX b: <...> ` on one line, without a line break. A query that
    declares one of these prefixes itself redefines it (the later declaration wins)."""
    return "".join(f"PREFIX {name}: <{iri}> " for name, iri in sorted(prefixes.items()))


def values_block(bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """`VALUES (?a ?b) { (<...> "...") }` with every term in N-Triples syntax (pyoxigraph's
    `str()` of a term escapes what must be escaped); "" for no bindings. IRIs and literals
    only: a blank node has no name that another query could use."""
    if not bindings:
        return ""
    names = sorted(bindings)
    for name in names:
        if not _VARIABLE.fullmatch(name):
            raise QueryError(f"{name!r} is not a variable name")
        if not isinstance(bindings[name], (ox.NamedNode, ox.Literal)):
            raise QueryError(f"?{name}: only IRIs and literals can be bound")
    variables = " ".join(f"?{n}" for n in names)
    terms = " ".join(str(bindings[n]) for n in names)
    return f"VALUES ({variables}) {{ ({terms}) }}"


def with_bindings(query: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """The query with a VALUES block of the bindings first in its WHERE group (so the bindings
    join everything in that group, as a substitution would bind it). The template of a
    CONSTRUCT is skipped; only the position is read from the text."""
    if not bindings:
        return query
    at = where_group(query)
    return query[:at] + " " + values_block(bindings) + " " + query[at:]


def where_group(query: str) -> int:
    """The offset just after the `{` that opens the query's WHERE group: the first top-level
    group, or the second when the first is a CONSTRUCT template. Comments, strings and IRIs are
    skipped."""
    depth = 0
    form: str | None = None
    template_done = False
    previous_word: str | None = None
    for m in _TOKENS.finditer(query):
        word = m.group("word")
        if word and depth == 0:
            upper = word.upper()
            if form is None and upper in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
                form = upper
            previous_word = upper
            continue
        if m.group("open") == "{":
            if depth == 0:
                if form == "CONSTRUCT" and not template_done and previous_word == "CONSTRUCT":
                    template_done = True  # the template; the WHERE group comes next
                    depth += 1
                    continue
                if form == "CONSTRUCT" and not template_done:
                    raise QueryError("parameters cannot be bound in a CONSTRUCT WHERE { } "
                                     "short form; write the template out")
                return m.end()
            depth += 1
        elif m.group("close") == "}":
            depth -= 1
        previous_word = None
    raise QueryError("the query has no WHERE group to bind parameters in")


_DATASET_IRI = re.compile(r"\s+(NAMED\s+)?(<[^<>\s]*>|[A-Za-z][\w.-]*:[\w.-]*|:[\w.-]*)", re.I)
_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*|):\s*<([^<>\s]*)>", re.I)


def from_clause_params(query: str, prefixes: Mapping[str, str]) -> list[tuple[str, str]]:
    """The query's FROM and FROM NAMED graphs as protocol parameters (`default-graph-uri`,
    `named-graph-uri`), for a server that would otherwise put its union in their place. A
    dataset clause kgraph cannot read is left to the server (no parameters)."""
    known = dict(prefixes)
    known.update({m[1]: m[2] for m in _PREFIX_DECL.finditer(query)})
    defaults: list[str] = []
    named: list[str] = []
    for m, word in _top_level_words(query):
        if word != "FROM":
            continue
        found = _DATASET_IRI.match(query, m.end())
        if not found:
            return []
        name = found[2]
        if name.startswith("<"):
            iri = name[1:-1]
        else:
            prefix, local = name.split(":", 1)
            if prefix not in known:
                return []
            iri = known[prefix] + local
        (named if found[1] else defaults).append(iri)
    if not defaults and not named:
        return []
    # FROM NAMED alone leaves the default graph empty, as the query says
    return ([("default-graph-uri", g) for g in defaults or ["urn:x-kgraph:no-default-graph"]]
            + [("named-graph-uri", g) for g in named])


def reads_a_dataset(update: str) -> bool:
    """Whether an update has a WHERE clause (DELETE/INSERT ... WHERE, DELETE WHERE) or names its
    dataset (USING, WITH): unlike INSERT DATA, DELETE DATA and the graph management operations,
    its effect depends on what the server takes as its default graph."""
    return any(word in ("WHERE", "USING", "WITH") for _, word in _top_level_words(update))


def server_error(message: str, what: str, prologue_length: int) -> QueryError:
    """A server's refusal as a QueryError. Oxigraph's `error at L:C: ...` gives the location;
    the prologue kgraph wrote on line 1 is taken off the column."""
    text = message.strip() or "refused by the SPARQL store"
    match = _SERVER_ERROR.match(text)
    if match:
        line, column, detail = int(match[1]), int(match[2]), match[3]
        if line == 1:
            column = max(1, column - prologue_length)
        return QueryError(f"the {what} does not parse: {detail}", Location(line, column, what))
    return QueryError(f"the SPARQL store refused the {what}: {text}")


__all__ = ["from_clause_params", "prologue", "reads_a_dataset", "server_error", "values_block",
           "where_group", "with_bindings"]
