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

Every sh:message in the shapes must be the expectMessage of at least one invalid case (the
checks are tests/shape_cases.py's, shared with the audit shapes). The ontology graph is
ontology/kgraph.ttl, ontology/imports/*.ttl and tests/shapes/declarations.ttl (stop-gap declarations of the external terms the cases use).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import rdflib

from shape_cases import ShapeCases, without_dropped_terms

ROOT = Path(__file__).resolve().parent.parent


@cache
def ontology_graph() -> rdflib.Graph:
    g = rdflib.Graph().parse(ROOT / "ontology" / "kgraph.ttl")
    for f in sorted((ROOT / "ontology" / "imports").glob("*.ttl")):
        g.parse(f)
    g.parse(CASES.folder / "declarations.ttl")
    return g


CASES = ShapeCases(ROOT / "shapes" / "kgraph-shapes.ttl", Path(__file__).resolve().parent / "shapes",
                   ontology_graph, without_dropped_terms)
VALID, INVALID = CASES.valid, CASES.invalid


def test_cases_exist() -> None:
    assert (CASES.folder / "valid" / "base.ttl") in VALID
    assert len(VALID) >= 3
    assert len(INVALID) >= len(CASES.messages()) > 0


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_case_conforms(path: Path) -> None:
    CASES.check_valid(path)


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_case_fails_with_its_message(path: Path) -> None:
    CASES.check_invalid(path)


def test_every_message_has_a_failing_case() -> None:
    CASES.check_every_message_has_a_failing_case()


def test_case_file_names_follow_the_convention() -> None:
    CASES.check_file_names()
