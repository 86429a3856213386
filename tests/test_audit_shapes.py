"""The SHACL shapes of the audit findings (shapes/kgraph-audit-shapes.ttl), tested case by case
with the checks of tests/shape_cases.py (shared with tests/test_shapes.py).

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
from rdflib.namespace import RDF

from kgraph.validation import to_rdflib, validate_graphs
from shape_cases import ShapeCases, load_case

ROOT = Path(__file__).resolve().parent.parent
KG = rdflib.Namespace("https://w3id.org/kgraph/ontology#")


@cache
def ontology_graph() -> rdflib.Graph:
    g = rdflib.Graph().parse(ROOT / "ontology" / "kgraph.ttl")
    for f in sorted((ROOT / "ontology" / "imports").glob("*.ttl")):
        g.parse(f)
    return g


CASES = ShapeCases(ROOT / "shapes" / "kgraph-audit-shapes.ttl",
                   Path(__file__).resolve().parent / "shapes" / "audit", ontology_graph)
VALID, INVALID = CASES.valid, CASES.invalid


def shapes_graph() -> rdflib.Graph:
    return CASES.shapes_graph


def test_there_are_cases() -> None:
    assert (CASES.folder / "valid" / "base.ttl") in VALID
    assert len(VALID) >= 2
    assert len(INVALID) >= len(CASES.messages()) > 0


def test_the_base_holds_a_run_and_findings_of_every_severity() -> None:
    data, meta = load_case(CASES.folder / "valid" / "base.ttl")
    assert len(list(data.subjects(RDF.type, KG.AuditRun))) == 1
    severities = {data.value(f, KG.severity) for f in data.subjects(RDF.type, KG.AuditFinding)}
    assert severities == {KG.WarningSeverity, KG.NoticeSeverity, KG.InfoSeverity}


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
