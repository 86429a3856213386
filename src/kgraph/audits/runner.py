"""Named, parameterised audits: one SPARQL file each, run with bound parameters.

An audit is a SELECT query in `audits/queries/<name>.rq` that opens with a header:

    # title: Corroboration of each proposition
    # description: ... (continued on lines that start with '#   ')
    # parameters: ?claim (IRI, optional) only the proposition this claim states
    # lists: ?members ?claimantList         (columns that are GROUP_CONCATs of IRIs)

`run_audit(store, name, params)` binds the parameters and returns an `AuditResult`: the rows as
plain Python values (IRIs as strings, numbers as numbers, lists as lists) and the flags the
audit raises on them (`kgraph.audits.flags`). Parameters never reach the query text as text:
on the embedded store they are pyoxigraph substitutions; for a store that cannot substitute
(a remote SPARQL endpoint), `with_values` puts them in a VALUES block of N-Triples-serialised
terms at the top of the query's outermost group, which the queries are written to treat the same
way (a parameter-dependent FILTER stands in that group, never below it).

pyoxigraph's substitutions need the substituted variable in the SELECT projection, and
BOUND(?var) is false for a substituted variable: the queries never test a parameter with BOUND.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kgraph.errors import UserError
from kgraph.settings import DEFAULT_BASE_IRI
from kgraph.store.sparql_request import values_block

QUERY_DIR = Path(__file__).parent / "queries"
SUPPORT_DIR = QUERY_DIR / "support"

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                               "positiveInteger", "negativeInteger", "nonPositiveInteger",
                               "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_DECIMALS = {XSD + "decimal", XSD + "double", XSD + "float"}
_PARAMETER = re.compile(r"^\?([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)\s*(.*)$")

#: Severities, most severe first.
SEVERITIES = ("warning", "notice", "info")


# -- the audits ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # "IRI"
    optional: bool
    description: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "optional": self.optional,
                "description": self.description}


@dataclass(frozen=True)
class Audit:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    lists: tuple[str, ...]
    text: str
    path: Path

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "description": self.description,
                "parameters": [p.to_json() for p in self.parameters]}


def parse_header(text: str, path: Path) -> dict[str, Any]:
    """The `# key: value` comments at the top of an audit (continuation lines '#   ...')."""
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:]
        match = re.match(r"^ ([a-z]+): ?(.*)$", body)
        if match:
            key = match[1]
            fields[key] = match[2].strip()
        elif key and body.startswith("   "):
            fields[key] += " " + body.strip()
    for required in ("title", "description"):
        if not fields.get(required):
            raise ValueError(f"{path.name}: the header needs '# {required}: ...'")
    parameters = []
    for part in filter(None, (p.strip() for p in fields.get("parameters", "").split(";"))):
        m = _PARAMETER.match(part)
        if not m:
            raise ValueError(f"{path.name}: cannot read the parameter {part!r}")
        kinds = [k.strip() for k in m[2].split(",")]
        parameters.append(Parameter(m[1], kinds[0], "optional" in kinds[1:], m[3].strip()))
    lists = tuple(v.lstrip("?") for v in fields.get("lists", "").split())
    return {"title": fields["title"], "description": fields["description"],
            "parameters": tuple(parameters), "lists": lists}


@lru_cache(maxsize=1)
def registry() -> dict[str, Audit]:
    """Every audit, by name, in the order they are run and shown."""
    audits = {}
    for path in sorted(QUERY_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        audits[path.stem] = Audit(name=path.stem, text=text, path=path,
                                  **parse_header(text, path))
    order = {name: i for i, name in enumerate(ORDER)}
    return dict(sorted(audits.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


#: The order audits are run and shown in (any other .rq file comes after, by name).
ORDER = ("corroboration", "origin-trace", "unnamed", "absent-speaker", "inferred", "conflicts",
         "omissions", "coverage")


def audit(name: str) -> Audit:
    try:
        return registry()[name]
    except KeyError:
        raise UserError(f"no audit named {name!r}; the audits are: "
                        + ", ".join(registry())) from None


@lru_cache(maxsize=None)
def support_query(name: str) -> str:
    return (SUPPORT_DIR / f"{name}.rq").read_text(encoding="utf-8")


# -- results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """A passage a flag was read from, with the words of it that matter."""

    passage: str
    quote: str | None = None

    @property
    def short(self) -> str:
        return self.passage.rstrip("/").rsplit("/", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        return {"passage": self.passage, "id": self.short, "quote": self.quote}


@dataclass
class Flag:
    """Something an auditor should know, traced to the claims and passages it comes from."""

    audit: str
    code: str
    severity: str
    about: str
    message: str
    targets: list[str] = field(default_factory=list)
    passages: list[Evidence] = field(default_factory=list)
    #: what else tells two findings with the same targets apart (an omission's direction)
    discriminator: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """Stable across runs: the same finding on the same data has the same id (labels and
        wording may change; the audit, flag, targets and passages make it)."""
        key = "\n".join([self.audit, self.code, *sorted(self.targets),
                         *sorted({e.passage for e in self.passages}), *self.discriminator])
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]

    def to_json(self) -> dict[str, Any]:
        from kgraph.audits.flags import FLAGS

        return {"id": self.id, "audit": self.audit, "code": self.code,
                "flag": "kg:" + FLAGS[self.code].concept, "severity": self.severity,
                "about": self.about, "message": self.message, "targets": list(self.targets),
                "passages": [e.to_json() for e in self.passages]}


Row = dict[str, Any]


@dataclass
class AuditResult:
    audit: Audit
    params: dict[str, str]
    variables: list[str]
    rows: list[Row]
    flags: list[Flag]

    @property
    def name(self) -> str:
        return self.audit.name

    def to_json(self) -> dict[str, Any]:
        return {**self.audit.to_json(), "arguments": dict(self.params),
                "variables": list(self.variables), "rows": self.rows,
                "flags": [f.to_json() for f in self.flags]}


# -- binding parameters ----------------------------------------------------------------------

Term = ox.NamedNode | ox.Literal | ox.BlankNode


def with_values(query: str, bindings: Mapping[str, Term]) -> str:
    """The query with a VALUES block of the bindings at the top of its outermost WHERE group
    (for stores that cannot substitute). Only the position is found in the text; the terms are
    serialised, never copied from input."""
    block = values_block(bindings)
    if not block:
        return query
    at = _outer_where(query)
    return query[:at] + "\n  " + block + "\n" + query[at:]


def _outer_where(query: str) -> int:
    """The offset just after the `{` that opens the outermost WHERE group, skipping comments,
    strings and IRIs."""
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c == "#":
            i = query.find("\n", i)
            if i < 0:
                break
            continue
        if c in "\"'":
            long = query.startswith(c * 3, i)
            end = c * 3 if long else c
            i += len(end)
            while i < n and not query.startswith(end, i):
                i += 2 if query[i] == "\\" else 1
            i += len(end)
            continue
        if c == "<" and re.match(r"<[^\s<>\"{}|^`\\]*>", query[i:]):
            i = query.index(">", i) + 1
            continue
        if c == "{":
            return i + 1
        i += 1
    raise ValueError("the query has no group to put a VALUES block in")


def bind(audit_: Audit, params: Mapping[str, str], namespaces: Any) -> dict[str, Term]:
    """The parameters as terms; UserError for one the audit does not declare or a bad IRI."""
    bound: dict[str, Term] = {}
    for name, value in params.items():
        parameter = audit_.parameter(name)
        if parameter is None:
            raise UserError(f"the audit {audit_.name!r} has no parameter ?{name}")
        bound[name] = iri_term(value, namespaces)
    for parameter in audit_.parameters:
        if not parameter.optional and parameter.name not in bound:
            raise UserError(f"the audit {audit_.name!r} needs ?{parameter.name}")
    return bound


def iri_term(value: str, namespaces: Any) -> ox.NamedNode:
    """An IRI given in full, as `kgr:path` or as a path under the base's `id/`."""
    text = value.strip()
    if text.startswith("kgr:"):
        text = namespaces.id + text[4:]
    elif not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
        text = namespaces.id + text.lstrip("/")
    try:
        return ox.NamedNode(text)
    except ValueError:
        raise UserError(f"{value!r} is not an IRI") from None


# -- running ---------------------------------------------------------------------------------

def plain(term: Any) -> Any:
    """A result term as a plain Python value."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGERS:
                return int(term.value)
            if datatype in _DECIMALS:
                return float(term.value)
        except ValueError:
            return term.value
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return str(term)


def for_base(text: str, namespaces: Any) -> str:
    """The query for a store whose base IRI is not the default (the files are written against
    the default, as the repository's data is)."""
    base = getattr(namespaces, "base", DEFAULT_BASE_IRI)
    return text if base == DEFAULT_BASE_IRI else text.replace(DEFAULT_BASE_IRI, base)


def select(store: Any, text: str, bindings: Mapping[str, Term] | None = None, *,
           inline_values: bool = False) -> tuple[list[str], list[dict[str, Any]]]:
    """The variables and the raw rows (terms) of a SELECT over the union of all graphs,
    consumed on this thread (pyoxigraph requires it)."""
    bindings = dict(bindings or {})
    text = for_base(text, store.namespaces)
    if inline_values:
        result = store.query(with_values(text, bindings), union_default_graph=True)
    else:
        result = store.query(text, substitutions=bindings or None, union_default_graph=True)
    try:
        names = [v.value for v in result.variables]
        rows = [{n: solution[n] for n in names if solution[n] is not None} for solution in result]
        return names, rows
    finally:
        del result


class Context:
    """What flaggers need besides the rows: labels and the passages of claims, each looked up
    once per run (parameters bound as substitutions)."""

    def __init__(self, store: Any):
        self.store = store
        self.namespaces = store.namespaces
        self._labels: dict[str, str] = {}
        self._evidence: dict[str, list[Evidence]] = {}
        self._facts: dict[str, dict[str, list[Any]]] = {}

    def label(self, iri: str | None) -> str:
        if iri is None:
            return "—"
        if not isinstance(iri, str) or not iri.startswith(("http://", "https://", "urn:")):
            return str(iri)
        if iri not in self._labels:
            _, rows = select(self.store, support_query("labels"), {"iri": ox.NamedNode(iri)})
            self._labels[iri] = best_label(rows) or short_name(iri, self.namespaces)
        return self._labels[iri]

    def evidence(self, claim: str) -> list[Evidence]:
        """The passages a claim was read from, with its quotes, in document order."""
        if claim not in self._evidence:
            _, rows = select(self.store, support_query("evidence"), {"claim": ox.NamedNode(claim)})
            rows.sort(key=lambda r: (plain(r.get("paragraph")) or 0, plain(r.get("sentence")) or 0,
                                     r["passage"].value))
            seen, out = set(), []
            for r in rows:
                item = Evidence(r["passage"].value, plain(r.get("quote")))
                if (item.passage, item.quote) not in seen:
                    seen.add((item.passage, item.quote))
                    out.append(item)
            self._evidence[claim] = out
        return self._evidence[claim]

    def facts(self, node: str) -> dict[str, list[Any]]:
        """The node's own triples in the data graphs, predicate -> plain values."""
        if node not in self._facts:
            _, rows = select(self.store, support_query("facts"), {"node": ox.NamedNode(node)})
            out: dict[str, list[Any]] = {}
            for r in rows:
                out.setdefault(r["p"].value, []).append(plain(r["o"]))
            self._facts[node] = out
        return self._facts[node]

    def grades(self, claim: str) -> list[tuple[str, str, str, str | None]]:
        """The claim's Admiralty grades, if a curator gave any: (kind, graded node, grade,
        grader), the claim's credibility and the reliability of the documents it was read in."""
        _, rows = select(self.store, support_query("grades"), {"claim": ox.NamedNode(claim)})
        found = {(plain(r["kind"]), r["graded"].value, plain(r["grade"]),
                  r["grader"].value if r.get("grader") is not None else None) for r in rows}
        return sorted(found, key=lambda g: (g[0], g[1], g[2], g[3] or ""))

    def evidence_of(self, claims: Iterable[str]) -> list[Evidence]:
        out: list[Evidence] = []
        for claim in claims:
            for item in self.evidence(claim):
                if item not in out:
                    out.append(item)
        return out


def best_label(rows: Sequence[Mapping[str, Any]]) -> str | None:
    options = [r["label"] for r in rows if isinstance(r.get("label"), ox.Literal)]
    for wanted in ("en", ""):
        chosen = sorted(o.value for o in options if (o.language or "") == wanted)
        if chosen:
            return chosen[0]
    return sorted(o.value for o in options)[0] if options else None


def short_name(iri: str, namespaces: Any) -> str:
    if iri.startswith(namespaces.kg):
        return "kg:" + iri[len(namespaces.kg):]
    if iri.startswith(namespaces.id):
        return iri[len(namespaces.id):]
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


def run_audit(store: Any, name: str, params: Mapping[str, str] | None = None, *,
              inline_values: bool = False, context: Context | None = None) -> AuditResult:
    """Run one audit with its parameters bound; rows as plain values, and its flags."""
    from kgraph.audits.flags import flag

    audit_ = audit(name)
    params = {k: v for k, v in (params or {}).items() if v is not None}
    bindings = bind(audit_, params, store.namespaces)
    variables, raw = select(store, audit_.text, bindings, inline_values=inline_values)
    rows = []
    for r in raw:
        row: Row = {}
        for n in variables:
            value = plain(r.get(n))
            if n in audit_.lists:
                value = sorted(v for v in (value or "").split(" ") if v)
            row[n] = value
        rows.append(row)
    ctx = context or Context(store)
    if audit_.name == "corroboration":  # the Admiralty grades, where a curator gave them
        from kgraph.audits.flags import grade_list

        variables = [*variables, "grades"]
        for row in rows:
            row["grades"] = grade_list(ctx, row.get("members") or [])
    flags = flag(audit_.name, rows, ctx)
    flags.sort(key=lambda f: (SEVERITIES.index(f.severity), f.code, f.about, f.id))
    return AuditResult(audit_, {k: bindings[k].value for k in bindings}, variables, rows,
                       flags)  # type: ignore[union-attr]


def run_audits(store: Any, names: Sequence[str] | None = None,
               params: Mapping[str, str] | None = None, *,
               inline_values: bool = False) -> list[AuditResult]:
    """Run the named audits (all when none are named). With parameters, only the audits that
    declare all of them run (with none named) or are allowed (with names: UserError)."""
    params = {k: v for k, v in (params or {}).items() if v is not None}
    chosen = list(names) if names else list(registry())
    for name in chosen:
        audit(name)
    if params and not names:
        chosen = [n for n in chosen if all(registry()[n].parameter(p) for p in params)]
        if not chosen:
            raise UserError("no audit takes the parameter(s) " + ", ".join(f"?{p}" for p in params))
    ctx = Context(store)
    return [run_audit(store, n, params, inline_values=inline_values, context=ctx) for n in chosen]


def all_flags(results: Iterable[AuditResult]) -> list[Flag]:
    flags = [f for r in results for f in r.flags]
    flags.sort(key=lambda f: (SEVERITIES.index(f.severity), ORDER.index(f.audit)
                              if f.audit in ORDER else len(ORDER), f.code, f.about, f.id))
    return flags


__all__ = ["Audit", "AuditResult", "Context", "Evidence", "Flag", "Parameter", "SEVERITIES",
           "all_flags", "audit", "iri_term", "plain", "registry", "run_audit", "run_audits",
           "values_block", "with_values"]
