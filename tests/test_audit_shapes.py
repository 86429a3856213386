"""The SHACL shapes of the audit findings (shapes/kgraph-audit-shapes.ttl), tested case by case
in the format of tests/test_shapes.py.

Each case is a data file under tests/shapes/audit/ (written by tests/shapes/audit/make_cases.py):

* ``valid/*.ttl`` must conform. ``valid/base.ttl`` is the findings graph of a real audit run
  over the seed data (kgraph.audits.rdf), trimmed to three findings, with its evidence passages
  typed kg:Passage; the others are things the audits' RDF may also hold.
* ``invalid/<shape>--<case>.ttl`` is a copy of the base with one change, stating what it expects
  in triples about ``<urn:kgraph-test:case>`` (removed before validation): ``expectMessage``
  (one: the distinct messages of the Violation results must be exactly it, plus any
  ``alsoExpectMessage``), ``expectFocus`` (among the focus nodes of its results) and ``comment``.

Only the audit shapes are applied, with the ontology (ontology/kgraph.ttl and its imports) mixed
into the data, as `kgraph validate` does: the flag and severity concepts are typed there. Every
sh:message of the audit shapes must be the expectMessage of at least one case. Last, what
`kgraph audit --write-graph` writes on the seed must conform, to these shapes and to the store's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SH

from kgraph.validation import ValidationReport, to_rdflib, validate_graphs

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "shapes" / "kgraph-audit-shapes.ttl"
CASES = Path(__file__).resolve().parent / "shapes" / "audit"
VALID = sorted((CASES / "valid").glob("*.ttl"))
INVALID = sorted((CASES / "invalid").glob("*.ttl"))

TEST = rdflib.Namespace("urn:kgraph-test:")
CASE = TEST.case
KG = rdflib.Namespace("https://w3id.org/kgraph/ontology#")


@cache
def shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES)


@cache
def ontology_graph() -> rdflib.Graph:
    g = rdflib.Graph().parse(ROOT / "ontology" / "kgraph.ttl")
    for f in sorted((ROOT / "ontology" / "imports").glob("*.ttl")):
        g.parse(f)
    return g


def shape_messages() -> set[str]:
    return {str(m) for m in shapes_graph().objects(None, SH.message)}


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


def validate_case(path: Path) -> tuple[ValidationReport, rdflib.Graph]:
    data, meta = load_case(path)
    return validate_graphs(data, shapes_graph(), ontology_graph()), meta


def violations_by_message(report: ValidationReport) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for v in report.violations:
        if v.severity == "Violation":
            found.setdefault(v.message, set()).add(v.focus)
    return found


def test_there_are_cases() -> None:
    assert (CASES / "valid" / "base.ttl") in VALID
    assert len(VALID) >= 2
    assert len(INVALID) > 0
    assert len(INVALID) >= len(shape_messages()) > 0


def test_the_base_holds_a_run_and_findings_of_every_severity() -> None:
    data, meta = load_case(CASES / "valid" / "base.ttl")
    assert len(list(data.subjects(RDF.type, KG.AuditRun))) == 1
    severities = {data.value(f, KG.severity) for f in data.subjects(RDF.type, KG.AuditFinding)}
    assert severities == {KG.WarningSeverity, KG.NoticeSeverity, KG.InfoSeverity}


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


# -- what `kgraph audit --write-graph` writes --------------------------------------------------

def kgraph(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("KGRAPH_STORE", None)
    return subprocess.run([sys.executable, "-m", "kgraph.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, env=env)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A store loaded from the repository with `kgraph load`, after `kgraph audit --write-graph`;
    and the run's JSON report."""
    store = tmp_path_factory.mktemp("audit-shapes") / "store"
    done = kgraph("load", "--store", str(store))
    assert done.returncode == 0, done.stderr
    done = kgraph("audit", "--store", str(store), "--write-graph", "--format", "json")
    assert done.returncode == 0, done.stderr
    return store, json.loads(done.stdout)


def test_the_written_findings_conform_to_the_audit_shapes(written: tuple[Path, dict]) -> None:
    from kgraph.audits import audit_graph_iri
    from kgraph.namespaces import Namespaces
    from kgraph.store.embedded import EmbeddedStore

    path, report = written
    store = EmbeddedStore(path, Namespaces("https://w3id.org/kgraph/"), read_only=True)
    ns = store.namespaces
    findings = to_rdflib(store.quads(audit_graph_iri(ns)))
    # the passages the findings cite, typed where the sources type them
    data = findings + rdflib.Graph()
    for g in store.graphs():
        if g.startswith(ns.graph_iri("source/")):
            for q in store.quads(g):
                if q.predicate.value == str(RDF.type) and q.object.value == str(KG.Passage):
                    data.add((rdflib.URIRef(q.subject.value), RDF.type, KG.Passage))
    del store

    flags = {f["id"] for a in report["audits"] for f in a["flags"]}
    nodes = {str(f).rsplit("/", 1)[-1] for f in findings.subjects(RDF.type, KG.AuditFinding)}
    assert nodes == flags and flags, "one kg:AuditFinding per flag of the run"
    result = validate_graphs(data, shapes_graph(), ontology_graph())
    assert result.conforms, result.text()
    # the shapes reached every finding and the run: each is the focus of some check when broken
    broken = data + rdflib.Graph()
    for f in findings.subjects(RDF.type, KG.AuditFinding):
        broken.remove((f, rdflib.RDFS.label, None))
    for run in findings.subjects(RDF.type, KG.AuditRun):
        broken.remove((run, rdflib.URIRef("http://www.w3.org/ns/prov#startedAtTime"), None))
    focus = {v.focus for v in validate_graphs(broken, shapes_graph(), ontology_graph()).violations}
    assert {str(f) for f in findings.subjects(RDF.type, KG.AuditFinding)} < focus
    assert {str(r) for r in findings.subjects(RDF.type, KG.AuditRun)} < focus


def test_kgraph_validate_accepts_the_store_with_its_findings(written: tuple[Path, dict]) -> None:
    path, _ = written
    done = kgraph("validate", "--store", "--store-path", str(path), "--format", "json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert json.loads(done.stdout)["conforms"] is True
