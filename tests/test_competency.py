"""Competency questions, OWLUnit-style: one case per pair of files in tests/cq/.

    NNN-slug.rq             '# CQ:', '# cites:' and '# why:' comment lines, then a SELECT or ASK
    NNN-slug.expected.json  the answer, written by hand from the article:
        SELECT: {"variables": [...], "rows": [{var: value}, ...], "ordered": false}
        ASK:    {"boolean": true | false}

Values are compared as strings: IRIs in full, literals by their lexical form, except that numeric
literals are compared in canonical decimal form ("76000.0"^^xsd:decimal is "76000"). A variable
left out of an expected row means it is unbound. Rows are compared as multisets unless
"ordered" is true.

The repository is loaded once into an in-memory store; the default graph is the union of the
data graphs (entities, sources, truthy, dataset), and GRAPH clauses see every named graph.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgraph.loading import load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store

CASES_DIR = Path(__file__).parent / "cq"
MIN_CASES = 18
XSD = "http://www.w3.org/2001/XMLSchema#"
KG = "https://w3id.org/kgraph/ontology#"
PASSAGE_ID = re.compile(r"^p(\d+)-s(\d+)$")

NUMERIC_DATATYPES = {
    XSD + name
    for name in (
        "decimal", "integer", "double", "float", "long", "int", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
        "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    )
}

#: Cases whose hand-written expectation is right and the data wrong. strict=True: each must
#: fail until the data is fixed, and then this entry must go.
XFAIL: dict[str, str] = {
}


# -- the cases ------------------------------------------------------------------------------------
def case_files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.rq"))


def case_params() -> list[object]:
    params = []
    for path in case_files():
        marks = []
        if path.stem in XFAIL:
            marks.append(pytest.mark.xfail(reason=XFAIL[path.stem], strict=True))
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def header(text: str) -> dict[str, str]:
    """The '# key: value' comment lines at the top of a query."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = re.match(r"#\s*(CQ|cites|why)\s*:\s*(.*)$", stripped)
        if match:
            fields[match.group(1)] = match.group(2).strip()
    return fields


def cited_passages(fields: dict[str, str]) -> list[str]:
    return [p.strip() for p in fields.get("cites", "").split(",") if p.strip()]


# -- the store ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store():
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    return store


@pytest.fixture(scope="module")
def passages(store) -> set[str]:
    query = f"""
        SELECT ?n ?m WHERE {{ ?p a <{KG}Passage> ; <{KG}paragraph> ?n ; <{KG}sentence> ?m }}
    """
    return {f"p{int(s['n'].value)}-s{int(s['m'].value)}" for s in store.query(query)}


# -- comparing results ----------------------------------------------------------------------------
def term_text(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        if term.datatype.value in NUMERIC_DATATYPES:
            return canonical_number(term.value)
        return term.value
    return str(term)


def canonical_number(lexical: str) -> str:
    try:
        number = Decimal(lexical.strip())
    except InvalidOperation:
        return lexical
    if not number.is_finite():
        return lexical
    text = format(number.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def actual_result(result: object) -> dict[str, object]:
    if isinstance(result, ox.QueryBoolean):
        return {"boolean": bool(result)}
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [{v: term_text(solution[v]) for v in variables} for solution in result]
        return {"variables": variables, "rows": rows}
    raise AssertionError(f"only SELECT and ASK are competency questions, got {type(result)}")


def row_tuple(row: dict[str, object], variables: list[str]) -> tuple[object, ...]:
    return tuple(row.get(v) for v in variables)


def check_expected_shape(expected: dict, name: str) -> None:
    if "boolean" in expected:
        assert isinstance(expected["boolean"], bool), f"{name}: 'boolean' must be true or false"
        return
    assert isinstance(expected.get("variables"), list), f"{name}: needs 'variables' or 'boolean'"
    assert isinstance(expected.get("rows"), list), f"{name}: needs 'rows'"
    for row in expected["rows"]:
        unknown = set(row) - set(expected["variables"])
        assert not unknown, f"{name}: row names variables not projected: {sorted(unknown)}"
        for key, value in row.items():
            assert isinstance(value, str), f"{name}: {key} must be written as a string"


# -- the tests ------------------------------------------------------------------------------------
def test_case_inventory() -> None:
    queries = case_files()
    assert len(queries) >= MIN_CASES, f"{len(queries)} competency questions, want >= {MIN_CASES}"
    missing = [q.name for q in queries if not q.with_name(q.stem + ".expected.json").exists()]
    assert not missing, f"queries without an .expected.json: {missing}"
    stems = {q.stem for q in queries}
    orphans = [
        e.name for e in CASES_DIR.glob("*.expected.json")
        if e.name[: -len(".expected.json")] not in stems
    ]
    assert not orphans, f".expected.json files without a query: {orphans}"
    names = [q.stem for q in queries]
    assert all(re.match(r"^\d{3}-[a-z0-9-]+$", n) for n in names), names
    numbers = [n[:3] for n in names]
    assert len(numbers) == len(set(numbers)), f"duplicate case numbers: {numbers}"
    stale = set(XFAIL) - stems
    assert not stale, f"XFAIL names cases that do not exist: {sorted(stale)}"


@pytest.mark.parametrize("path", case_params())
def test_competency(path: Path, store, passages: set[str]) -> None:
    text = path.read_text(encoding="utf-8")
    fields = header(text)
    for key in ("CQ", "cites", "why"):
        assert fields.get(key), f"{path.name}: missing '# {key}:' comment line"
    cites = cited_passages(fields)
    assert cites, f"{path.name}: '# cites:' names no passage"
    malformed = [c for c in cites if not PASSAGE_ID.match(c)]
    assert not malformed, f"{path.name}: cites are not pN-sM passage ids: {malformed}"
    unknown = [c for c in cites if c not in passages]
    assert not unknown, f"{path.name}: cites passages that are not in the store: {unknown}"

    expected_path = path.with_name(path.stem + ".expected.json")
    assert expected_path.exists(), f"{path.name}: no {expected_path.name}"
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    check_expected_shape(expected, expected_path.name)

    actual = actual_result(store.query(text))

    if "boolean" in expected:
        assert "boolean" in actual, f"{path.name}: expected an ASK answer, the query is a SELECT"
        assert actual["boolean"] == expected["boolean"], (
            f"{path.name}: {fields['CQ']}\n expected {expected['boolean']}, got {actual['boolean']}"
        )
        return

    assert "rows" in actual, f"{path.name}: expected SELECT rows, the query is an ASK"
    variables = expected["variables"]
    assert actual["variables"] == variables, (
        f"{path.name}: projected {actual['variables']}, expected {variables}"
    )
    want = [row_tuple(r, variables) for r in expected["rows"]]
    got = [row_tuple(r, variables) for r in actual["rows"]]
    if expected.get("ordered", False):
        assert got == want, f"{path.name}: {fields['CQ']}\n{_diff(want, got, variables)}"
    else:
        assert Counter(got) == Counter(want), (
            f"{path.name}: {fields['CQ']}\n{_diff(want, got, variables)}"
        )


def _diff(want: list[tuple], got: list[tuple], variables: list[str]) -> str:
    def show(rows: list[tuple]) -> str:
        return "\n".join("   " + json.dumps(dict(zip(variables, r))) for r in rows) or "   (none)"

    missing = list((Counter(want) - Counter(got)).elements())
    extra = list((Counter(got) - Counter(want)).elements())
    return (
        f" expected rows missing from the result:\n{show(missing)}\n"
        f" unexpected rows in the result:\n{show(extra)}\n"
        f" full result ({len(got)} rows):\n{show(got)}"
    )
