"""The audits over HTTP: the same answers as the runner and `kgraph audit`, as JSON, CSV, HTML
and RDF; parameters checked; pages escaped and locked down; writing the findings needs a token."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from kgraph.audits import all_flags, registry, run_audit, run_audits
from kgraph.audits.report import flags_csv, rows_csv
from kgraph.loading import load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store
from kgraph.web.app import create_app
from kgraph.web.context import WebContext

ID = "https://w3id.org/kgraph/id/"
KG = "https://w3id.org/kgraph/ontology#"
CLAIM = ID + "claim/kursk-dprk-2025-id/gerasimov-ua-losses"
HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


def make_app(settings: Settings, store):
    app = create_app(settings, store)
    if not any(getattr(route, "path", None) == "/audit" for route in app.routes):
        # web/app.py includes feature routers named in FEATURES; until kgraph.web.audit is
        # listed there, include it here
        from kgraph.web import audit

        app.include_router(audit.router(WebContext(settings, store)))
    return app


@pytest.fixture(scope="module")
def client(seed_store):
    app = make_app(Settings(), seed_store)
    with TestClient(app) as c:
        yield c
    app.state.executor.close()


def plain(document):
    return json.loads(json.dumps(document))


# -- the same answers ------------------------------------------------------------------------------

def test_audit_lists_the_audits_with_their_descriptions(client):
    r = client.get("/audit", headers=JSON)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    listed = {a["name"]: a for a in r.json()["audits"]}
    assert set(listed) == set(registry())
    for name, audit in registry().items():
        assert listed[name]["description"] == audit.description
        assert listed[name]["href"] == f"/audit/{name}"
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("name", list(registry()))
def test_each_audit_answers_what_the_runner_answers(client, seed_store, name):
    r = client.get(f"/audit/{name}", headers=JSON)
    assert r.status_code == 200
    assert r.json() == plain(run_audit(seed_store, name).to_json())
    rows = client.get(f"/audit/{name}", headers={"Accept": "text/csv"})
    assert rows.status_code == 200 and rows.headers["content-type"].startswith("text/csv")
    assert rows.text == rows_csv(run_audit(seed_store, name))


def test_bound_parameters_answer_what_the_runner_answers(client, seed_store):
    for claim in (CLAIM, "claim/kursk-dprk-2025-id/plekhovo-taken-by-kp-fighters"):
        for name in ("corroboration", "origin-trace", "inferred", "omissions"):
            r = client.get(f"/audit/{name}", params={"claim": claim}, headers=JSON)
            assert r.status_code == 200, r.text
            assert r.json() == plain(run_audit(seed_store, name, {"claim": claim}).to_json())
    r = client.get("/audit/coverage", params={"document": ID + "document/kursk-dprk-2025-id"},
                   headers=JSON)
    assert len(r.json()["rows"]) == 5


def test_the_report_answers_the_cli(client, seed_store):
    flags = all_flags(run_audits(seed_store))
    report = client.get("/audit/report", headers=JSON).json()
    assert report["flags"] == plain([f.to_json() for f in flags])
    assert report["totals"]["warning"] == sum(f.severity == "warning" for f in flags)
    as_csv = client.get("/audit/report", headers={"Accept": "text/csv"}).text
    assert as_csv == flags_csv(flags)
    assert {row["code"] for row in csv.DictReader(io.StringIO(as_csv))} >= {
        "single-party", "unnamed-source", "omission", "absent-speaker", "inferred-year"}


def test_the_findings_as_rdf_are_the_runners_flags(client, seed_store):
    flags = all_flags(run_audits(seed_store))
    for media, fmt in (("text/turtle", ox.RdfFormat.TURTLE),
                       ("application/n-triples", ox.RdfFormat.N_TRIPLES)):
        r = client.get("/audit/findings", headers={"Accept": media})
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
        triples = list(ox.parse(r.content, format=fmt))
        findings = {t.subject.value for t in triples if t.predicate.value.endswith("#type")
                    and t.object.value == KG + "AuditFinding"}
        assert findings == {f"{ID}audit/finding/{f.id}" for f in flags}
        flag_of = {t.subject.value: t.object.value for t in triples
                   if t.predicate.value == KG + "auditFlag"}
        assert {flag_of[f"{ID}audit/finding/{f.id}"].rsplit("#", 1)[1] for f in flags} >= {
            "SinglePartyFlag", "UnnamedSourceFlag", "OmissionFlag", "AbsentSpeakerFlag",
            "InferredYearFlag"}
    one = client.get("/audit/absent-speaker", headers={"Accept": "text/turtle"})
    assert "AbsentSpeakerFlag" in one.text and "headline-kp-acknowledged" in one.text


# -- the HTML report and the claim page ------------------------------------------------------------

def test_the_report_page_shows_counts_and_flags_with_their_passages(client):
    r = client.get("/audit/report", headers=HTML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for text in ("Audit report", "single-party", "Rests on one party (Russia)",
                 "war correspondents (unnamed)", "no speaker of that party",
                 "Korut Secara Resmi Mengakui Keterlibatannya", "lebih dari 76 ribu",
                 "(read as 2024-12-11)"):
        assert text in page, text
    assert f'href="/audit/claim?iri={quote(CLAIM, safe="")}"' in page
    assert client.get("/audit", headers=HTML).text == page  # the browser's /audit


def test_the_claim_page_draws_the_provenance_chain(client):
    r = client.get("/audit/claim", params={"iri": CLAIM}, headers=HTML)
    assert r.status_code == 200
    page = r.text
    assert "<svg" in page and "Provenance chain of" in page
    for text in ("Valery Gerasimov", "Gerasimov&#39;s report", "translated from ru",
                 "p11-s3", "Russia", "Rests on one party"):
        assert text in page, text
    assert page.count("<script") == 0
    data = client.get("/audit/claim", params={"iri": CLAIM}, headers=JSON).json()
    assert data["chains"][0]["steps"][0]["translatedFrom"] == "ru"
    assert {f["code"] for f in data["flags"]} >= {"single-party", "translated"}


def test_pages_are_locked_down_like_the_entity_pages(client):
    for path in ("/audit/report", f"/audit/claim?iri={quote(CLAIM)}", "/audit/corroboration"):
        r = client.get(path, headers=HTML)
        assert r.status_code == 200, path
        policy = r.headers["content-security-policy"]
        assert "script-src 'none'" in policy and "default-src 'none'" in policy
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["etag"]


@pytest.fixture(scope="module")
def planted():
    """Markup planted in a claim label and a passage's quote: it must stay text."""
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    source = ox.NamedNode("https://w3id.org/kgraph/graph/source/kursk-dprk-2025-id")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.raw.extend([
        ox.Quad(ox.NamedNode(CLAIM), label, ox.Literal("<script>alert(1)</script>", language="en"),
                source),
        ox.Quad(ox.NamedNode(ID + "reference/kursk-dprk-2025-id/gerasimov-ua-losses-1"),
                ox.NamedNode(KG + "quote"), ox.Literal('<img src=x onerror="alert(2)">'), source),
    ])
    app = make_app(Settings(), store)
    with TestClient(app) as c:
        yield c
    app.state.executor.close()


@pytest.mark.parametrize("path", ["/audit/report", f"/audit/claim?iri={quote(CLAIM)}",
                                  "/audit/corroboration", "/audit/origin-trace"])
def test_everything_shown_is_escaped(planted, path):
    page = planted.get(path, headers=HTML).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&lt;img" in page


# -- wrong input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path,status", [
    ("/audit/nope", 404),
    ("/audit/coverage?claim=" + quote(CLAIM), 400),
    ("/audit/corroboration?claim=not%20an%20iri", 400),
    ("/audit/corroboration?claim=" + quote('x"> } DROP ALL {'), 400),
    ("/audit/claim?iri=" + quote(ID + "person/valery-gerasimov"), 404),
    ("/audit/claim?iri=a%20b", 400),
    ("/audit/claim?iri=", 400),
    ("/audit/claim", 422),
])
def test_wrong_input_is_refused_never_500(client, path, status):
    assert client.get(path, headers=JSON).status_code == status


def test_unacceptable_media_is_406(client):
    assert client.get("/audit/corroboration", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/audit/findings", headers={"Accept": "text/html"}).status_code == 406


# -- links from the entity pages and the query UI --------------------------------------------------

def test_entity_pages_link_to_the_audit(client):
    page = client.get("/doc/claim/kursk-dprk-2025-id/gerasimov-ua-losses", headers=HTML).text
    assert "/audit/claim?iri=" in page and "Audit this claim" in page
    person = client.get("/doc/person/valery-gerasimov", headers=HTML).text
    assert 'href="/audit/report"' in person


def test_the_query_ui_links_to_the_report():
    from kgraph.web import ui

    script = (ui.STATIC_DIR / "ui.js").read_text(encoding="utf-8")
    assert '"/audit/report"' in script and 'nav[aria-label="Services"]' in script


# -- writing the findings --------------------------------------------------------------------------

def test_writing_the_findings_needs_a_token_and_lands_in_graph_audit():
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    read_only = make_app(Settings(), store)
    with TestClient(read_only) as c:
        assert c.post("/audit/run").status_code == 403
    read_only.state.executor.close()
    settings = Settings(write_token="auditor:s3cret")
    app = make_app(settings, store)
    with TestClient(app) as c:
        assert c.post("/audit/run").status_code == 401
        assert c.post("/audit/run", headers={"Authorization": "Bearer wrong"}).status_code == 401
        r = c.post("/audit/run", headers={"Authorization": "Bearer s3cret"})
        assert r.status_code == 200, r.text
        body = r.json()
        graph = "https://w3id.org/kgraph/graph/audit"
        assert body["graph"] == graph and store.count(graph) == body["triples"] > 0
        # the findings answer SPARQL through the endpoint, the same as the runner's flags
        query = (f"SELECT ?f WHERE {{ GRAPH <{graph}> {{ ?f a <{KG}AuditFinding> }} }}")
        answer = c.get("/sparql", params={"query": query},
                       headers={"Accept": "application/sparql-results+json"})
        found = {b["f"]["value"] for b in answer.json()["results"]["bindings"]}
        assert found == {f"{ID}audit/finding/{f.id}" for f in all_flags(run_audits(store))}
        # the write is logged, with the token's name
        log = c.get("/sparql", params={"query": (
            "SELECT ?w WHERE { GRAPH <https://w3id.org/kgraph/graph/meta> { "
            f"?w <{KG}writtenGraph> <{graph}> ; "
            "<http://www.w3.org/ns/prov#wasAssociatedWith> <" + ID + "agent/token/auditor> } }")},
            headers={"Accept": "application/sparql-results+json"})
        assert log.json()["results"]["bindings"]
    app.state.executor.close()
