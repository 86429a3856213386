"""Adding a second source end to end, as a curator does it, then withdrawing it.

In a copy of the repository: `kgraph add-source` stores an invented English article (marked as
invented at its top; tests/fixtures/second-source/), the curator's authoring file replaces the
starter, `kgraph match` resolves its names to the seed's entities (one chosen by the curator,
which teaches an alias), `kgraph compile` writes and validates its graph, the store is loaded,
and the corroboration and conflict audits report across both sources. `kgraph withdraw` then
restores the audits' previous answers and leaves 410s behind. Compiling again changes nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kgraph.audits import run_audits
from kgraph.loading import load_repository
from kgraph.namespaces import Namespaces
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store
from kgraph.web import pages
from kgraph.web.app import create_app
from kgraph.web.context import WebContext

FIXTURE = Path(__file__).parent / "fixtures" / "second-source"
SOURCE = "northern-courier-kursk-en"
ID = "https://w3id.org/kgraph/id/"
SEED_CLAIM = ID + "claim/kursk-dprk-2025-id/kp-shoulder-to-shoulder"
NEW_CLAIM = ID + f"claim/{SOURCE}/kp-fought-alongside-ru"


def kgraph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kgraph.cli", *args], capture_output=True,
                          text=True, cwd=REPOSITORY_ROOT, timeout=600)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def copy_repository(target: Path) -> Path:
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPOSITORY_ROOT / folder, target / folder)
    return target


def audit_answers(store) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What the audits say, in a form two stores can be compared by."""
    results = {r.name: r for r in run_audits(store, ["corroboration", "conflicts"])}
    return {
        "corroboration": sorted(json.dumps(r, sort_keys=True, default=str)
                                for r in results["corroboration"].rows),
        "conflicts": sorted(json.dumps(r, sort_keys=True, default=str)
                            for r in results["conflicts"].rows),
        "flags": sorted((f.code, f.about, f.message) for r in results.values() for f in r.flags),
    }


def row_for(store, claim: str) -> dict:  # type: ignore[no-untyped-def]
    (result,) = run_audits(store, ["corroboration"], {"claim": claim})
    (row,) = result.rows
    return row


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    """Run the whole journey once; the tests below check its steps."""
    root = copy_repository(tmp_path_factory.mktemp("second-source") / "kgraph")
    repo = ("--repository", str(root))
    steps: dict[str, object] = {"root": root}

    # 1. add the source: text and starter authoring file
    steps["added"] = ok(kgraph("add-source", str(FIXTURE / f"{SOURCE}.txt"), "--id", SOURCE,
                               "--title", "Ukrainian officials dispute Russian figures on Kursk",
                               "--language", "en", "--publisher", "The Northern Courier",
                               "--no-headline", *repo))
    steps["starter"] = (root / "data" / "authoring" / "sources" / f"{SOURCE}.yaml").read_text()
    # 2. the curator writes mentions and claims; adds the two entities no source had before
    shutil.copy(FIXTURE / f"{SOURCE}.yaml", root / "data" / "authoring" / "sources" / f"{SOURCE}.yaml")
    entities = root / "data" / "authoring" / "entities.yaml"
    entities.write_text(entities.read_text() + (FIXTURE / "entities-additions.yaml").read_text())
    # 3. match, review, confirm (one name chosen by the curator)
    steps["report"] = json.loads(ok(kgraph("match", SOURCE, "--json", *repo)))
    steps["confirmed"] = json.loads(ok(kgraph("match", SOURCE, "--confirm", "--json", "--choose",
                                              "gerasimov=person/valery-gerasimov", *repo)))
    steps["decisions"] = (root / "data" / "authoring" / "matches" / f"{SOURCE}.yaml").read_text()
    # 4. compile (validated), twice
    steps["compiled"] = ok(kgraph("compile", *repo))
    ttl = root / "data" / "ttl" / "sources" / f"{SOURCE}.ttl"
    steps["ttl"] = ttl.read_bytes()
    steps["recompiled"] = ok(kgraph("compile", *repo))
    steps["ttl-again"] = ttl.read_bytes()
    # 5. load both sources into an on-disk store; audit
    settings = Settings(store=root / "store")
    store = open_store(settings)
    load_repository(store, root)
    steps["with"] = audit_answers(store)
    steps["row-with"] = row_for(store, NEW_CLAIM)
    steps["seed-row-with"] = row_for(store, SEED_CLAIM)
    store.close()
    # 6. withdraw it
    steps["withdrawn"] = ok(kgraph("withdraw", SOURCE, "--reason", "An invented test article.",
                                   "--by", "agent/kgraph-curators", "--store", str(root / "store"),
                                   *repo))
    store = open_store(settings)
    steps["after"] = audit_answers(store)
    steps["seed-row-after"] = row_for(store, SEED_CLAIM)
    steps["store"] = store
    yield steps
    store.close()


def test_add_source_writes_text_and_a_starter_with_only_the_given_metadata(journey):
    root = journey["root"]
    text = (root / "data" / "sources" / f"{SOURCE}.txt").read_bytes()
    assert text == (FIXTURE / f"{SOURCE}.txt").read_bytes(), "the text is stored as given"
    starter = journey["starter"]
    assert "language: en" in starter and "The Northern Courier" in starter
    assert "schema:datePublished:" in starter and "schema:url:" in starter, "not given: unknown"
    assert "# p3-s4 [591-674] The officials denied" in starter, "passages with ids and offsets"
    assert "claims: []" in starter


def test_match_resolves_the_names_to_the_seed_entities(journey):
    report = {m["key"]: m for m in journey["report"]["mentions"]}
    assert report["kp-troops"]["status"] == "matched"
    assert report["kp-troops"]["entity"] == "force/kp-armed-forces"
    assert report["kp-troops"]["how"] == "alias"
    assert report["plekhovo"]["entity"] == "settlement/plekhovo"
    assert report["kursk-region"]["entity"] == "region/kursk-oblast"
    assert report["gerasimov"]["status"] == "new", "a surname alone matches no label: not merged"
    confirmed = journey["confirmed"]["confirmed"]
    assert confirmed["gerasimov"] == "person/valery-gerasimov"
    assert confirmed["ua-officials"] == "group/ua-military-officials"
    decisions = journey["decisions"]
    assert "confirmed-by: agent/kgraph-curators" in decisions
    assert "new-alias: true" in decisions


def test_compile_is_validated_and_idempotent(journey):
    assert f"written  data/ttl/sources/{SOURCE}.ttl" in journey["compiled"]
    assert f"unchanged  data/ttl/sources/{SOURCE}.ttl" in journey["recompiled"]
    assert journey["ttl"] == journey["ttl-again"], "compiling the same input is byte-identical"
    ttl = journey["ttl"].decode()
    assert "<https://w3id.org/kgraph/id/person/valery-gerasimov>" in ttl
    assert '"Gerasimov"@en' in ttl, "the alias learnt from the source, with its record"
    assert "kg:LearntAlias" in ttl and "kg:ReliabilityF" in ttl and "kg:Credibility2" in ttl


def test_corroboration_reports_across_both_sources(journey):
    before = journey["seed-row-after"]
    assert before["claimants"] == 1, "alone, the seed's claim has one claimant"
    row = journey["seed-row-with"]
    same = {k: v for k, v in row.items() if k != "claim"}
    assert same == {k: v for k, v in journey["row-with"].items() if k != "claim"}, \
        "one proposition, whichever of its claims is asked about"
    assert set(row["members"]) == {SEED_CLAIM, NEW_CLAIM}
    assert row["claimants"] == 2 and row["knownParties"] == 2 and row["sources"] == 2
    assert any("credibility 2" in g for g in row["grades"]), row["grades"]
    assert any("reliability F" in g for g in row["grades"]), row["grades"]


def test_conflicts_report_across_both_sources(journey):
    flags = journey["with"]["flags"]
    codes = {(code, about) for code, about, _ in flags}
    assert any(code == "denied" and "Ukrainian officials deny" in about for code, about in codes)
    assert any(code == "differing-figures" and "about 20,000" in about for code, about in codes)
    assert not any("Ukrainian officials" in about for _, about, _ in journey["after"]["flags"])


def test_withdrawal_restores_the_previous_answers(journey, tmp_path):
    """The store the source was withdrawn from answers as one never given it: the seed
    repository (with the two entities the curator added, which no claim now uses)."""
    baseline = open_store(Settings(), in_memory=True)
    load_repository(baseline, journey["root"])
    assert journey["after"] == audit_answers(baseline)
    seed = open_store(Settings(), in_memory=True)
    load_repository(seed, REPOSITORY_ROOT)
    assert journey["after"] == audit_answers(seed)
    assert journey["after"] != journey["with"]


def test_withdrawal_moves_the_files_and_a_reload_does_not_bring_it_back(journey, tmp_path):
    root = journey["root"]
    assert not (root / "data" / "ttl" / "sources" / f"{SOURCE}.ttl").exists()
    assert (root / "data" / "authoring" / "withdrawn" / f"{SOURCE}.yaml").exists()
    assert (root / "data" / "sources" / f"{SOURCE}.txt").exists(), "the text is kept"
    fresh = open_store(Settings(), in_memory=True)
    report = load_repository(fresh, root)
    assert report.graphs[Namespaces().graph_iri("withdrawn")] > 0, "the tombstones are part of the plan"
    graphs = fresh.graphs()
    assert Namespaces().graph_iri(f"source/{SOURCE}") not in graphs
    assert Namespaces().graph_iri("withdrawn") in graphs


def client_for(store) -> TestClient:  # type: ignore[no-untyped-def]
    app = create_app(Settings(), store)
    app.include_router(pages.router(WebContext(Settings(), store)))
    return TestClient(app)


@pytest.mark.parametrize("path", [f"claim/{SOURCE}/ua-losses-20k", f"passage/{SOURCE}/p3-s2",
                                  f"document/{SOURCE}"])
def test_withdrawn_iris_answer_410_with_what_withdrew_them(journey, path):
    client = client_for(journey["store"])
    for prefix in ("/id/", "/doc/"):
        r = client.get(prefix + path, headers={"Accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 410, (prefix, r.status_code)
        assert "An invented test article." in r.text
        assert "agent/kgraph-curators" in r.text
    r = client.get("/doc/" + path, headers={"Accept": "text/turtle"})
    assert r.status_code == 410
    assert "wasInvalidatedBy" in r.text and "Withdrawal" in r.text


def test_the_seed_and_the_entities_still_answer(journey):
    client = client_for(journey["store"])
    for path in ("claim/kursk-dprk-2025-id/kp-shoulder-to-shoulder", "person/valery-gerasimov",
                 "group/ua-military-officials"):
        assert client.get("/id/" + path, follow_redirects=False).status_code == 303
