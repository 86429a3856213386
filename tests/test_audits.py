"""The audits: parameters bound, never pasted; expected results on the seed article, written from
the article; one fixture per flag (tests/audits/*.trig); the findings as RDF; `kgraph audit`.

The expectations on the seed are what a careful reader of the article raises: the Ukrainian
losses of more than 76,000 come from the General Staff (Gerasimov) and the Ministry of Defence,
both Russian (p11-s3, p22-s1); the North Korean special forces at Plekhovo rest on unnamed war
correspondents (p15-s1..s3) and the ministry's communiqué on Plekhovo credits only Russian forces
(p16-s2, p17-s1), the article noting it did not acknowledge the North Koreans (p17-s1); the
headline's 'North Korea officially acknowledged' (p1-s1) has no North Korean speaker anywhere;
the four dates the article gives without a year (26 April, 6 March, December, 11 December) had
their years supplied by the curator.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kgraph.audits import (
    FLAGS,
    all_flags,
    audit_graph_iri,
    findings_graph,
    registry,
    run_audit,
    run_audits,
    values_block,
    with_values,
    write_findings,
)
from kgraph.audits.report import flags_csv, rows_csv
from kgraph.audits.runner import select
from kgraph.audits.trace import chains
from kgraph.errors import UserError
from kgraph.loading import GraphFile, load_files, load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store
from kgraph.validation import to_rdflib, validate_graphs

ID = "https://w3id.org/kgraph/id/"
KG = "https://w3id.org/kgraph/ontology#"
SRC = "kursk-dprk-2025-id"
FIXTURES = REPOSITORY_ROOT / "tests" / "audits"
FIXTURE_FILES = sorted(FIXTURES.glob("*.trig"))


def claim(name: str) -> str:
    return f"{ID}claim/{SRC}/{name}"


def passage(name: str) -> str:
    return f"{ID}passage/{SRC}/{name}"


@pytest.fixture(scope="module")
def results(seed_store):
    return {r.name: r for r in run_audits(seed_store)}


@pytest.fixture(scope="module")
def flags(results):
    return all_flags(results.values())


def flags_of(flags, code):
    return [f for f in flags if f.code == code]


# -- the audits and their headers ------------------------------------------------------------------

REQUIRED = {"corroboration", "origin-trace", "unnamed", "inferred", "conflicts", "omissions",
            "coverage", "absent-speaker"}


def test_the_required_audits_exist_each_with_a_title_description_and_parameters():
    audits = registry()
    assert REQUIRED <= set(audits)
    for audit in audits.values():
        assert audit.title and audit.description, audit.name
        text = audit.path.read_text(encoding="utf-8")
        assert text.startswith("# title: "), audit.name
        assert "\n# description: " in text and "\n# parameters: " in text, audit.name
        for parameter in audit.parameters:
            assert parameter.kind == "IRI" and parameter.optional
            assert f"?{parameter.name}" in text.split("SELECT", 1)[1].split("WHERE", 1)[0], (
                f"{audit.name}: a substituted variable must be in the projection")
    assert all(registry()[n].parameter("claim") for n in REQUIRED - {"coverage"})
    assert registry()["coverage"].parameter("document")


def test_every_flag_code_is_a_concept_of_the_ontology(seed_store):
    rows = select(seed_store, """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?concept ?code ?scheme WHERE { GRAPH ?g {
          ?concept skos:notation ?code ; skos:inScheme ?scheme } }""")[1]
    by_code = {r["code"].value: r["concept"].value for r in rows
               if r["scheme"].value == KG + "AuditFlagScheme"}
    assert by_code == {code: KG + kind.concept for code, kind in FLAGS.items()}
    severities = {r["code"].value for r in rows if r["scheme"].value == KG + "SeverityScheme"}
    assert severities == {"warning", "notice", "info"}


# -- binding parameters: substitutions, or a VALUES block of serialised terms ----------------------

def test_values_block_serialises_terms_never_raw_text():
    block = values_block({"claim": ox.NamedNode(claim("gornal-taken")),
                          "text": ox.Literal('say "hi" \\ } # not a comment', language="en")})
    assert block == ('VALUES (?claim ?text) { (<' + claim("gornal-taken") + '> '
                     '"say \\"hi\\" \\\\ } # not a comment"@en) }')
    with pytest.raises(UserError):
        values_block({"x } DROP ALL {": ox.NamedNode(claim("gornal-taken"))})
    with pytest.raises(UserError):
        values_block({"x": ox.BlankNode("b")})


def test_values_block_goes_into_the_outermost_where_group():
    query = ('# title: a { in a comment\nPREFIX kg: <https://w3id.org/kgraph/ontology#>\n'
             'SELECT ?claim ?n WHERE {\n  { SELECT ?n WHERE { ?x ?p "}{" } }\n'
             '  FILTER EXISTS { ?claim a kg:Claim }\n}')
    rewritten = with_values(query, {"claim": ox.NamedNode(claim("gornal-taken"))})
    assert rewritten.index("VALUES (?claim)") < rewritten.index("{ SELECT ?n")
    assert rewritten.split("SELECT ?claim ?n WHERE {", 1)[1].lstrip().startswith("VALUES (?claim)")


@pytest.mark.parametrize("text", [
    'claim/x> } ; DROP ALL ; SELECT * { <a',
    "claim/with space",
    'https://example.org/a"b',
    "",
])
def test_a_parameter_that_is_not_an_iri_is_refused(seed_store, text):
    with pytest.raises(UserError):
        run_audit(seed_store, "corroboration", {"claim": text} if text else {"nope": "x"})


def test_an_unknown_audit_or_parameter_is_refused(seed_store):
    with pytest.raises(UserError, match="no audit named"):
        run_audit(seed_store, "nope")
    with pytest.raises(UserError, match="no parameter"):
        run_audit(seed_store, "coverage", {"claim": claim("gornal-taken")})


FOCUS = ["gerasimov-ua-losses", "mod-ua-losses-personnel", "plekhovo-taken-by-kp-fighters",
         "mod-plekhovo-north-group", "headline-kp-acknowledged", "mod-did-not-acknowledge-kp",
         "gornal-taken", "photo-caption"]


@pytest.mark.parametrize("name", sorted(n for n, a in registry().items() if a.parameter("claim")))
def test_values_block_and_substitutions_give_the_same_rows(seed_store, name):
    """The remote path (a VALUES block) and the embedded path (substitutions) agree, for every
    audit with ?claim and for claims of every kind; and unbound, the audit returns more."""
    unbound = run_audit(seed_store, name).rows
    for focus in FOCUS:
        params = {"claim": claim(focus)}
        embedded = run_audit(seed_store, name, params)
        remote = run_audit(seed_store, name, params, inline_values=True)
        key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
        assert sorted(map(key, embedded.rows)) == sorted(map(key, remote.rows)), (name, focus)
        assert all(row.get("claim") == claim(focus) for row in embedded.rows), (name, focus)
        assert len(embedded.rows) <= len(unbound)


def test_a_claim_parameter_restricts_to_that_claims_proposition(seed_store):
    result = run_audit(seed_store, "corroboration", {"claim": claim("gerasimov-ua-losses")})
    assert len(result.rows) == 1
    assert set(result.rows[0]["members"]) == {claim("gerasimov-ua-losses"),
                                              claim("mod-ua-losses-personnel")}


# -- the seed article: what a careful reader raises ------------------------------------------------

RUSSIA, NORTH_KOREA = ID + "country/russia", ID + "country/north-korea"


def test_ukrainian_losses_over_76000_rest_on_one_party(results, flags):
    row = next(r for r in results["corroboration"].rows
               if r["predicate"] == KG + "personnelLosses"
               and r["subject"] == ID + "event/kursk-fighting")
    # Gerasimov (p11-s3) and the Ministry of Defence (p22-s1): two speakers, two statements,
    # one party
    assert row["about"] == ID + "force/ua-armed-forces" and row["figure"] is True
    assert set(row["claimantList"]) == {ID + "person/valery-gerasimov",
                                        ID + "org/ru-ministry-of-defence"}
    assert (row["claims"], row["claimants"], row["parties"], row["sources"]) == (2, 2, 1, 2)
    assert row["partyList"] == [RUSSIA] and row["unaffiliatedList"] == []
    assert set(row["originList"]) == {ID + "document/gerasimov-report",
                                      ID + "document/mod-losses-statement"}
    [flag] = [f for f in flags_of(flags, "single-party")
              if claim("gerasimov-ua-losses") in f.targets]
    assert flag.severity == "warning"
    assert set(flag.targets) == {claim("gerasimov-ua-losses"), claim("mod-ua-losses-personnel")}
    assert {e.short for e in flag.passages} == {"p11-s3", "p22-s1"}
    assert all("lebih dari 76 ribu" in e.quote for e in flag.passages)
    assert "Russia" in flag.message


def test_no_proposition_of_the_article_has_two_known_parties(results):
    """Zelensky is the only Ukrainian speaker and he confirms none of the Russian side's claims;
    no North Korean speaks: nothing in the article is independently confirmed."""
    assert max(r["knownParties"] for r in results["corroboration"].rows) == 1


def test_north_korean_participation_rests_on_russian_voices_and_the_outlet(flags):
    flag = next(f for f in flags_of(flags, "single-party")
                if claim("headline-kp-participation") in f.targets)
    assert set(flag.targets) == {claim("headline-kp-participation"), claim("photo-caption"),
                                 claim("gerasimov-quote-kp-border-areas")}
    assert "Russia" in flag.message and "unknown" in flag.message


def test_the_plekhovo_special_forces_rest_on_unnamed_war_correspondents(flags):
    unnamed = {t for f in flags_of(flags, "unnamed-source") for t in f.targets}
    assert unnamed == {claim(c) for c in (
        "plekhovo-kp-special-forces", "plekhovo-taken-by-kp-fighters", "plekhovo-two-hours",
        "plekhovo-ua-driven-out", "plekhovo-300-killed")}
    first = next(f for f in flags_of(flags, "unnamed-source")
                 if f.targets == [claim("plekhovo-kp-special-forces")])
    assert [e.short for e in first.passages] == ["p15-s1"]
    assert "koresponden perang" in first.message
    assert all(f.severity == "warning" for f in flags_of(flags, "unnamed-source"))


def test_the_ministrys_communique_on_plekhovo_omits_the_north_koreans(results, flags):
    rows = [r for r in results["omissions"].rows if r["actor"] == ID + "force/kp-special-forces"]
    assert {r["topic"] for r in rows} == {ID + "settlement/plekhovo"}
    assert {r["origin"] for r in rows} == {ID + "document/war-correspondents-plekhovo-reports"}
    assert {r["otherOrigin"] for r in rows} == {ID + "document/mod-communique-2024-12-11"}
    assert {a for r in rows for a in r["otherActors"]} == {ID + "force/ru-armed-forces",
                                                          ID + "force/ru-group-north"}
    assert {c for r in rows for c in r["contextClaims"]} == {claim("mod-did-not-acknowledge-kp")}
    [flag] = [f for f in flags_of(flags, "omission")
              if claim("plekhovo-taken-by-kp-fighters") in f.targets
              and claim("mod-did-not-acknowledge-kp") in f.targets]
    assert {e.short for e in flag.passages} >= {"p15-s2", "p16-s2", "p17-s1"}
    assert "North Korean special forces" in flag.message and "leaves it out" in flag.message
    assert "did not openly acknowledge" in flag.message


def test_the_headline_acknowledgement_has_no_north_korean_speaker(results, flags):
    [flag] = flags_of(flags, "absent-speaker")
    assert flag.targets == [claim("headline-kp-acknowledged")]
    assert [(e.short, e.quote) for e in flag.passages] == [
        ("p1-s1", "Korut Secara Resmi Mengakui Keterlibatannya")]
    assert "North Korea" in flag.message and "no speaker of that party" in flag.message
    assert {r["speaker"] for r in results["absent-speaker"].rows} == {NORTH_KOREA}
    headline = {t for f in flags_of(flags, "unattributed-headline") for t in f.targets}
    assert headline == {claim("headline-kp-acknowledged"), claim("headline-kp-participation")}


#: The article's dates without a year, the sentence each is in, and the year the curator read.
YEARLESS = {
    "pada tanggal 26 April": ("p11-s2", "2025-04-26"),
    "pada tanggal 6 Maret": ("p21-s2", "2025-03-06"),
    "Pada bulan Desember": ("p15-s1", "2024-12"),
    "Pada tanggal 11 Desember": ("p16-s2", "2024-12-11"),
}


def test_the_years_of_dates_given_without_one_are_inferred(flags):
    found = {}
    for flag in flags_of(flags, "inferred-year"):
        [(verbatim, date)] = re.findall(r"“([^”]+)” \(read as ([0-9-]+)\)", flag.message)
        found[verbatim] = ({e.short for e in flag.passages}, date)
        assert flag.severity == "notice" and "Reason:" in flag.message
    assert found == {v: ({p}, d) for v, (p, d) in YEARLESS.items()}
    # dates that carry their year are read, not inferred
    assert not any("2024" in v or "2025" in v for v in found)


def test_every_curator_inference_is_listed_with_its_reason(seed_store, results):
    declared = select(seed_store, """
        PREFIX kg: <https://w3id.org/kgraph/ontology#>
        SELECT DISTINCT ?i WHERE { ?n kg:hasInference ?i }""")[1]
    listed = {r["inference"] for r in results["inferred"].rows}
    assert listed == {r["i"].value for r in declared} and len(listed) >= 20
    assert all(r.get("reason") for r in results["inferred"].rows)
    places = {f.about.split(":")[0] for f in all_flags([results["inferred"]])
              if f.code == "inferred-place"}
    assert places == {"Gornal", "Sudzha"}


def test_competing_accounts_and_the_outlets_denial(flags):
    [competing] = flags_of(flags, "competing")
    assert set(competing.targets) == {claim("plekhovo-taken-by-kp-fighters"),
                                      claim("mod-plekhovo-north-group")}
    [denial] = flags_of(flags, "denial")
    assert denial.targets == [claim("mod-did-not-acknowledge-kp")]
    assert [e.short for e in denial.passages] == ["p17-s1"]
    assert not flags_of(flags, "contradiction") and not flags_of(flags, "denied")
    assert not flags_of(flags, "differing-figures")  # 76,000 and 76,000 agree


def test_gerasimovs_words_passed_through_a_translation(results):
    by_claim = {c.claim: c for c in chains(results["origin-trace"].rows)}
    losses = by_claim[claim("gerasimov-ua-losses")]
    assert losses.speaker == ID + "person/valery-gerasimov"
    assert [s.document for s in losses.steps] == [ID + "document/gerasimov-report"]
    assert losses.steps[0].translated_from == "ru" and losses.read_in_language == "id"
    assert losses.read_in == ID + f"document/{SRC}" and losses.passage == passage("p11-s3")
    quoted = by_claim[claim("gerasimov-quote-assistance")]
    assert quoted.steps[0].relation == "quoted"
    assert by_claim[claim("headline-kp-participation")].steps == []
    # the MoD's communiqué is dated 11 December, its year supplied by the curator
    plekhovo = by_claim[claim("mod-plekhovo-liberated")]
    assert plekhovo.steps[0].date == "2024-12-11"


def test_coverage_every_uncited_passage_has_its_reason(results, flags):
    rows = results["coverage"].rows
    assert {r["passage"].rsplit("/", 1)[-1] for r in rows} == {
        "p3-s1", "p6-s1", "p8-s1", "p14-s1", "p18-s1"}  # two repeated headlines, three titles
    assert all(r["exclusionReason"] for r in rows)
    assert {(r["passages"], r["cited"]) for r in rows} == {(43, 38)}
    assert not flags_of(flags, "uncited-passage")
    assert len(flags_of(flags, "excluded-passage")) == 5


def test_every_flag_is_traced_to_passages_with_quotes(flags):
    for flag in flags:
        assert flag.passages, (flag.code, flag.about)
        assert all(e.passage.startswith(ID + "passage/") for e in flag.passages)
    assert len({f.id for f in flags}) == len(flags), "finding ids are unique"


def test_results_are_the_same_every_time(seed_store, flags):
    again = all_flags(run_audits(seed_store))
    assert [f.to_json() for f in again] == [f.to_json() for f in flags]


# -- fixtures: one flag each -----------------------------------------------------------------------

def fixture_header(path: Path) -> tuple[list[tuple[str, str, int, list[str]]], set[str]]:
    expect, also = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# expect: "):
            words = line[len("# expect: "):].split()
            count = 1
            if len(words) > 2 and re.fullmatch(r"x[0-9]+", words[2]):
                count = int(words.pop(2)[1:])
            expect.append((words[0], words[1], count, [ID + w for w in words[2:]]))
        elif line.startswith("# also: "):
            also |= set(line[len("# also: "):].split())
    return expect, also


def fixture_store(path: Path):
    store = open_store(Settings(), in_memory=True)
    ns = store.namespaces
    load_files(store, [GraphFile(p, ns.graph_iri("ontology"))
                       for p in sorted((REPOSITORY_ROOT / "ontology").glob("*.ttl"))]
               + [GraphFile(p, ns.graph_iri("vocabularies"))
                  for p in sorted((REPOSITORY_ROOT / "ontology" / "imports").glob("*.ttl"))])
    graphs = defaultdict(list)
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
        graphs[quad.graph_name.value].append(quad)
    for graph, quads in graphs.items():
        store.replace_graph(graph, quads)
    return store


def test_there_is_a_fixture_for_each_flag_the_issue_names():
    assert len(FIXTURE_FILES) >= 6
    codes = {code for path in FIXTURE_FILES for _, code, _, _ in fixture_header(path)[0]}
    # a contradiction, a denial, one party through two speakers, a relay through a translation,
    # an inferred year, an unattributed headline
    assert {"contradiction", "denied", "single-party", "translated", "inferred-year",
            "unattributed-headline"} <= codes
    assert all(fixture_header(p)[0] for p in FIXTURE_FILES), "every fixture says what it expects"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_fixture_raises_its_flag(path):
    expect, also = fixture_header(path)
    flags = all_flags(run_audits(fixture_store(path)))
    for audit, code, count, targets in expect:
        raised = [f for f in flags if f.audit == audit and f.code == code
                  and set(targets) <= set(f.targets)]
        assert len(raised) == count, (path.name, code, [f.to_json() for f in flags])
        assert all(f.passages for f in raised)
    expected = {code for _, code, _, _ in expect} | also
    unexpected = {f.code for f in flags if f.severity == "warning"} - expected
    assert not unexpected, (path.name, unexpected)


def test_the_translation_fixture_traces_the_whole_chain():
    store = fixture_store(FIXTURES / "relay-through-translation.trig")
    [chain] = chains(run_audit(store, "origin-trace").rows)
    assert [s.document for s in chain.steps] == [ID + "document/fx-minister-statement",
                                                ID + "document/fx-wire-story"]
    assert [s.translated_from for s in chain.steps] == ["ru", None]
    assert [s.language for s in chain.steps] == ["ru", "en"] and chain.read_in_language == "id"


# -- the findings as RDF ---------------------------------------------------------------------------

def test_findings_graph_has_one_finding_per_flag(seed_store, results, flags):
    triples = findings_graph(list(results.values()), seed_store.namespaces)
    graph = rdflib.Graph()
    for t in triples:
        graph.add(tuple(_rdflib(x) for x in (t.subject, t.predicate, t.object)))
    findings = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(KG + "AuditFinding")))
    assert {str(f) for f in findings} == {f"{ID}audit/finding/{f.id}" for f in flags}
    for flag in flags:
        node = rdflib.URIRef(f"{ID}audit/finding/{flag.id}")
        flag_iri = graph.value(node, rdflib.URIRef(KG + "auditFlag"))
        assert str(flag_iri) == KG + FLAGS[flag.code].concept
        has_target = rdflib.URIRef("http://www.w3.org/ns/oa#hasTarget")
        targets = {str(o) for o in graph.objects(node, has_target)}
        assert targets == set(flag.targets)


def test_every_term_of_the_findings_is_declared(seed_store, results):
    declared = {r["t"].value for r in select(seed_store, """
        SELECT DISTINCT ?t WHERE { GRAPH ?g { ?t a ?kind } }""")[1]}
    used = set()
    for t in findings_graph(list(results.values()), seed_store.namespaces):
        used.add(t.predicate.value)
        if t.predicate.value.endswith("#type") or t.predicate.value.startswith(KG + "audit") or \
                t.predicate.value in (KG + "severity", "http://www.w3.org/ns/oa#motivatedBy"):
            if isinstance(t.object, ox.NamedNode):
                used.add(t.object.value)
    assert used - declared == set()


@pytest.fixture(scope="module")
def written():
    """A store of its own with the findings written to graph/audit."""
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    results = run_audits(store)
    graph, count = write_findings(store, results, started=datetime.now(timezone.utc))
    return store, results, graph, count


def test_write_findings_replaces_the_audit_graph(written):
    store, results, graph, count = written
    assert graph == audit_graph_iri(store.namespaces) == "https://w3id.org/kgraph/graph/audit"
    assert store.count(graph) == count > 0
    # the audit graph is not part of the data the audits read: running again changes nothing
    assert [f.id for f in all_flags(run_audits(store))] == [f.id for f in all_flags(results)]


def test_the_findings_answer_sparql_and_match_the_runner(written):
    store, results, graph, _ = written
    rows = select(store, f"""
        PREFIX kg: <{KG}>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?finding ?code ?severity ?audit WHERE {{
          GRAPH <{graph}> {{ ?finding a kg:AuditFinding ; kg:auditFlag ?flag ;
                               kg:severity ?severity ; kg:auditName ?audit }}
          GRAPH ?o {{ ?flag skos:notation ?code }}
        }}""")[1]
    found = {(r["finding"].value.rsplit("/", 1)[-1], r["code"].value, r["audit"].value)
             for r in rows}
    assert found == {(f.id, f.code, f.audit) for f in all_flags(results)}
    # a question across the findings: which claims carry a warning, with the passage to check
    warned = select(store, f"""
        PREFIX kg: <{KG}>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT DISTINCT ?claim WHERE {{ GRAPH <{graph}> {{
          ?f kg:severity kg:WarningSeverity ; oa:hasTarget ?claim ; kg:evidencePassage ?p }}
          ?claim a kg:Claim }}""")[1]
    assert claim("headline-kp-acknowledged") in {r["claim"].value for r in warned}


def test_the_findings_conform_to_the_proposed_shape_and_the_shapes(written):
    store, _, graph, _ = written
    ns = store.namespaces
    data = rdflib.Graph()
    for g in store.graphs():
        if g.startswith(ns.graph_iri("source/")) or g in (ns.graph_iri("entities"),
                                                          ns.graph_iri("dataset"), graph):
            to_rdflib(store.quads(g), data)
    shapes = to_rdflib(store.quads(ns.graph_iri("shapes")))
    shapes.parse(REPOSITORY_ROOT / "shapes" / "kgraph-audit-shapes.ttl")
    ontology = to_rdflib(store.quads(ns.graph_iri("ontology")))
    to_rdflib(store.quads(ns.graph_iri("vocabularies")), ontology)
    report = validate_graphs(data, shapes, ontology)
    assert report.conforms, report.text()
    # the proposed shape does bite
    broken = rdflib.Graph()
    finding = rdflib.URIRef(f"{ID}audit/finding/0123")
    broken.add((finding, rdflib.RDF.type, rdflib.URIRef(KG + "AuditFinding")))
    assert not validate_graphs(data + broken, shapes, ontology).conforms


def test_finding_iris_are_stable_across_runs(seed_store, results):
    one = findings_graph(list(results.values()), seed_store.namespaces,
                         started=datetime(2026, 1, 1, tzinfo=timezone.utc))
    two = findings_graph(run_audits(seed_store), seed_store.namespaces,
                         started=datetime(2026, 2, 1, tzinfo=timezone.utc))
    findings = lambda ts: {str(t) for t in ts if "/audit/finding/" in str(t.subject)  # noqa: E731
                           and "wasGeneratedBy" not in t.predicate.value}
    assert findings(one) == findings(two)


# -- kgraph audit ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def disk_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("audit-cli") / "store"
    store = open_store(Settings(store=path))
    load_repository(store, REPOSITORY_ROOT)
    store.close()
    return path


class Ran:
    def __init__(self, done: subprocess.CompletedProcess[str]):
        self.exit_code, self.output, self.stderr = done.returncode, done.stdout, done.stderr


def cli(*args: str) -> Ran:
    """`kgraph ...` as a user runs it: a subprocess, its exit code and output."""
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("KGRAPH_STORE", None)
    return Ran(subprocess.run([sys.executable, "-m", "kgraph.cli", *args], capture_output=True,
                              text=True, cwd=REPOSITORY_ROOT, timeout=300, env=env))


def test_kgraph_audit_prints_the_flags_a_careful_reader_raises(disk_store):
    result = cli("audit", "--store", str(disk_store))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    text = re.sub(r" ?│ ?", " ", text)
    for expected in (
        "Rests on one party (Russia): 2 claims by 2 claimants",
        "Rests on war correspondents (unnamed)",
        "names only Armed Forces of the Russian Federation and North group of forces (Russia)",
        "no speaker of that party anywhere in the text",
        "the year of “pada tanggal 26 April” (read as 2025-04-26)",
        "the year of “Pada tanggal 11 Desember” (read as 2024-12-11)",
    ):
        assert " ".join(expected.split()) in " ".join(text.split()), expected
    for short in ("p11-s3", "p22-s1", "p15-s1", "p17-s1", "p1-s1", "p16-s2"):
        assert short in result.output


def test_kgraph_audit_json_and_csv_are_the_runners_results(disk_store, seed_store):
    result = cli("audit", "--store", str(disk_store), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    expected = json.loads(json.dumps([r.to_json() for r in run_audits(seed_store)]))
    assert document["audits"] == expected
    one = cli("audit", "corroboration", "--store", str(disk_store), "--format", "csv")
    assert one.output.replace("\r\n", "\n") == rows_csv(
        run_audit(seed_store, "corroboration")).replace("\r\n", "\n")
    every = cli("audit", "--store", str(disk_store), "--format", "csv")
    assert every.output.replace("\r\n", "\n") == flags_csv(
        all_flags(run_audits(seed_store))).replace("\r\n", "\n")


def test_kgraph_audit_for_one_claim(disk_store):
    result = cli("audit", "corroboration", "--claim", f"claim/{SRC}/gerasimov-ua-losses",
                 "--store", str(disk_store), "--format", "json")
    assert result.exit_code == 0, result.output
    [audit] = json.loads(result.output)["audits"]
    assert audit["arguments"] == {"claim": claim("gerasimov-ua-losses")}
    assert len(audit["rows"]) == 1
    bad = cli("audit", "--claim", "not an iri", "--store", str(disk_store))
    assert bad.exit_code == 2
    unknown = cli("audit", "nope", "--store", str(disk_store))
    assert unknown.exit_code == 2 and "no audit named" in unknown.stderr


def test_kgraph_audit_write_graph(tmp_path):
    path = tmp_path / "store"
    store = open_store(Settings(store=path))
    load_repository(store, REPOSITORY_ROOT)
    store.close()
    refused = cli("audit", "corroboration", "--write-graph", "--store", str(path))
    assert refused.exit_code == 2
    result = cli("audit", "--write-graph", "--store", str(path), "--format", "csv")
    assert result.exit_code == 0, result.output
    store = open_store(Settings(store=path))
    try:
        assert store.count("https://w3id.org/kgraph/graph/audit") > 0
    finally:
        store.close()


def _rdflib(term):
    from kgraph.validation import _term

    return _term(term)
