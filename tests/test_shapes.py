"""The SHACL shapes (shapes/kgraph-shapes.ttl), tested case by case, pySHACL-test style.

Each case is a data file under tests/shapes/:

* ``valid/*.ttl`` must conform (no result of severity Violation). ``valid/base.ttl`` is a
  small, complete dataset; the others are tricky things the shapes must allow.
* ``invalid/<shape>--<case>.ttl`` is a copy of the base with one change. It states what it
  expects in triples about ``<urn:kgraph-test:case>``, removed before validation:

  - ``expectMessage`` (one): the sh:message the change must trigger. The distinct messages of
    the Violation-severity results must be exactly this one (plus any ``alsoExpectMessage``),
    and ``expectFocus`` must be among the focus nodes of its results;
  - ``alsoExpectMessage`` (optional): a message that necessarily fires together with the
    expected one, for a constraint that cannot fire alone (e.g. a shape reached only through
    sh:node, whose results come as sh:detail of the referring shape's result);
  - ``removeFromOntology`` (optional): a property of the ontology header
    (<https://w3id.org/kgraph/ontology>) dropped from the ontology graph before validation;
  - ``comment``: what the change is.

Every sh:message in the shapes must be the expectMessage of at least one invalid case.
The ontology graph is ontology/kgraph.ttl, ontology/imports/*.ttl and
tests/shapes/declarations.ttl (stop-gap declarations of the external terms the cases use).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import SH

from kgraph.validation import ValidationReport, validate_graphs

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "shapes"
VALID = sorted((CASES / "valid").glob("*.ttl"))
INVALID = sorted((CASES / "invalid").glob("*.ttl"))

TEST = rdflib.Namespace("urn:kgraph-test:")
CASE = TEST.case
ONTOLOGY_IRI = rdflib.URIRef("https://w3id.org/kgraph/ontology")


@cache
def shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "shapes" / "kgraph-shapes.ttl")


@cache
def ontology_graph() -> rdflib.Graph:
    g = rdflib.Graph().parse(ROOT / "ontology" / "kgraph.ttl")
    for f in sorted((ROOT / "ontology" / "imports").glob("*.ttl")):
        g.parse(f)
    g.parse(CASES / "declarations.ttl")
    return g


def shape_messages() -> set[str]:
    return {str(m) for m in shapes_graph().objects(None, SH.message)}


def load_case(path: Path) -> tuple[rdflib.Graph, rdflib.Graph]:
    """The case's data without its test triples, and those test triples."""
    data = rdflib.Graph().parse(path)
    meta = rdflib.Graph()
    for t in data:
        if any(isinstance(x, rdflib.URIRef) and str(x).startswith(str(TEST)) for x in t):
            meta.add(t)
    data -= meta
    return data, meta


def validate_case(path: Path) -> tuple[ValidationReport, rdflib.Graph]:
    data, meta = load_case(path)
    ontology = ontology_graph()
    dropped = list(meta.objects(CASE, TEST.removeFromOntology))
    if dropped:
        ontology = ontology + rdflib.Graph()  # a copy; the cached graph stays intact
        for p in dropped:
            assert (ONTOLOGY_IRI, p, None) in ontology, f"the ontology header has no {p}"
            ontology.remove((ONTOLOGY_IRI, p, None))
    return validate_graphs(data, shapes_graph(), ontology), meta


def violations_by_message(report: ValidationReport) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for v in report.violations:
        if v.severity == "Violation":
            found.setdefault(v.message, set()).add(v.focus)
    return found


def test_cases_exist() -> None:
    assert (CASES / "valid" / "base.ttl") in VALID
    assert len(VALID) >= 3
    assert len(INVALID) >= len(shape_messages())


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_case_conforms(path: Path) -> None:
    report, meta = validate_case(path)
    assert len(meta) == 0, "a valid case states no expectations"
    assert report.conforms, report.text()


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_case_fails_with_its_message(path: Path) -> None:
    report, meta = validate_case(path)
    expected = [str(m) for m in meta.objects(CASE, TEST.expectMessage)]
    assert len(expected) == 1, "an invalid case expects exactly one message"
    message = expected[0]
    also = {str(m) for m in meta.objects(CASE, TEST.alsoExpectMessage)}
    assert {message} | also <= shape_messages(), "expected messages must be the shapes'"
    focus = meta.value(CASE, TEST.expectFocus)
    assert focus is not None, "an invalid case names the focus node it expects"

    found = violations_by_message(report)
    assert set(found) == {message} | also, report.text()
    assert str(focus) in found[message], report.text()


def test_every_message_has_a_failing_case() -> None:
    expected: set[str] = set()
    for path in INVALID:
        _, meta = load_case(path)
        expected |= {str(m) for m in meta.objects(CASE, TEST.expectMessage)}
    missing = sorted(shape_messages() - expected)
    assert not missing, "sh:message(s) with no invalid case:\n" + "\n".join(missing)


def test_case_file_names_follow_the_convention() -> None:
    for path in INVALID:
        shape, sep, case = path.stem.partition("--")
        assert sep and shape and case, path.name
