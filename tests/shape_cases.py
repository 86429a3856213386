"""SHACL test cases as data files, pySHACL-test style: the conventions that tests/test_shapes.py
(the data shapes) and tests/test_audit_shapes.py (the audit-finding shapes) share.

A case folder holds ``valid/*.ttl``, which must conform, and ``invalid/<shape>--<case>.ttl``,
each stating what it expects in triples about ``<urn:kgraph-test:case>`` (removed before
validation):

- ``expectMessage`` (exactly one): the distinct messages of the Violation-severity results must
  be exactly it, plus any ``alsoExpectMessage`` (a message that necessarily fires with it);
- ``expectFocus``: a node among the focus nodes of the expected message's results;
- ``removeFromOntology`` (optional): a property of the ontology header dropped from the ontology
  graph before validation (`without_dropped_terms`);
- ``comment``: what the change is.

A module declares its `ShapeCases` and hands its cases to the checks below, so every shape file
is tested by the same rules: each valid case conforms, each invalid case fails with exactly its
message, every sh:message of the shapes has a failing case, and file names follow the pattern.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import rdflib
from rdflib.namespace import SH

from kgraph.validation import ValidationReport, validate_graphs

TEST = rdflib.Namespace("urn:kgraph-test:")
CASE = TEST.case
ONTOLOGY_IRI = rdflib.URIRef("https://w3id.org/kgraph/ontology")


def load_case(path: Path) -> tuple[rdflib.Graph, rdflib.Graph]:
    """The case's data without its test triples, and those test triples (one parse, so that a
    blank node named as the expected focus is the same node in both)."""
    data = rdflib.Graph().parse(path)
    meta = rdflib.Graph()
    for t in data:
        if any(isinstance(x, rdflib.URIRef) and str(x).startswith(str(TEST)) for x in t):
            meta.add(t)
    data -= meta
    return data, meta


def without_dropped_terms(ontology: rdflib.Graph, meta: rdflib.Graph) -> rdflib.Graph:
    """The ontology without the header properties a case names in ``removeFromOntology``
    (a copy: the cached graph stays intact)."""
    dropped = list(meta.objects(CASE, TEST.removeFromOntology))
    if not dropped:
        return ontology
    ontology = ontology + rdflib.Graph()
    for p in dropped:
        assert (ONTOLOGY_IRI, p, None) in ontology, f"the ontology header has no {p}"
        ontology.remove((ONTOLOGY_IRI, p, None))
    return ontology


def violations_by_message(report: ValidationReport) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for v in report.violations:
        if v.severity == "Violation":
            found.setdefault(v.message, set()).add(v.focus)
    return found


@dataclass
class ShapeCases:
    shapes: Path                                   # the shapes file under test
    folder: Path                                   # holds valid/ and invalid/
    ontology: Callable[[], rdflib.Graph]           # mixed into the data, as `kgraph validate` does
    # a hook for cases that change the ontology graph (given the case's test triples)
    adjust_ontology: Callable[[rdflib.Graph, rdflib.Graph], rdflib.Graph] | None = None

    @property
    def valid(self) -> list[Path]:
        return sorted((self.folder / "valid").glob("*.ttl"))

    @property
    def invalid(self) -> list[Path]:
        return sorted((self.folder / "invalid").glob("*.ttl"))

    @cached_property
    def shapes_graph(self) -> rdflib.Graph:
        return rdflib.Graph().parse(self.shapes)

    def messages(self) -> set[str]:
        return {str(m) for m in self.shapes_graph.objects(None, SH.message)}

    def validate(self, path: Path) -> tuple[ValidationReport, rdflib.Graph]:
        data, meta = load_case(path)
        ontology = self.ontology()
        if self.adjust_ontology is not None:
            ontology = self.adjust_ontology(ontology, meta)
        return validate_graphs(data, self.shapes_graph, ontology), meta

    # the checks ---------------------------------------------------------------------------------
    def check_valid(self, path: Path) -> None:
        report, meta = self.validate(path)
        assert len(meta) == 0, "a valid case states no expectations"
        assert report.conforms, report.text()

    def check_invalid(self, path: Path) -> None:
        report, meta = self.validate(path)
        expected = [str(m) for m in meta.objects(CASE, TEST.expectMessage)]
        assert len(expected) == 1, "an invalid case expects exactly one message"
        message = expected[0]
        also = {str(m) for m in meta.objects(CASE, TEST.alsoExpectMessage)}
        assert {message} | also <= self.messages(), "expected messages must be the shapes'"
        focus = meta.value(CASE, TEST.expectFocus)
        assert focus is not None, "an invalid case names the focus node it expects"

        found = violations_by_message(report)
        assert set(found) == {message} | also, report.text()
        assert str(focus) in found[message], report.text()

    def check_every_message_has_a_failing_case(self) -> None:
        expected: set[str] = set()
        for path in self.invalid:
            _, meta = load_case(path)
            expected |= {str(m) for m in meta.objects(CASE, TEST.expectMessage)}
        missing = sorted(self.messages() - expected)
        assert not missing, "sh:message(s) with no invalid case:\n" + "\n".join(missing)

    def check_file_names(self) -> None:
        for path in self.invalid:
            shape, sep, case = path.stem.partition("--")
            assert sep and shape and case, path.name
