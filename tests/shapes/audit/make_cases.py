"""Write the SHACL test cases of tests/test_audit_shapes.py (shapes/kgraph-audit-shapes.ttl).

The cases are data files, kept in the repository and read by the test as they are; this script
only spares writing them by hand. valid/base.ttl is not hand-written: it is what
`kgraph.audits.rdf.findings_graph` writes for a real audit run over the shipped seed data,
trimmed to three findings (a warning with several targets and passages, a notice, an info
finding whose target is a passage), with fixed start and end times so that the file is the same
on every run. The evidence passages are typed kg:Passage beside them, as their source graph
types them (the shapes check the class of a finding's evidence).

Each invalid case is base.ttl with one change, a header comment saying what the change is, and
the urn:kgraph-test: triples stating the expected sh:message and focus node (the format of
tests/test_shapes.py). Run it after changing the audits' RDF, the seed data or a case below:

    .venv/bin/python tests/shapes/audit/make_cases.py

It rewrites every file in tests/shapes/audit/valid/ and tests/shapes/audit/invalid/, so hand
edits to those files are lost: make them here instead.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

OUT = Path(__file__).resolve().parent
ROOT = OUT.parents[2]
SHAPES = rdflib.Graph().parse(ROOT / "shapes/kgraph-audit-shapes.ttl")
MESSAGES = [str(m) for m in SHAPES.objects(None, SH.message)]

ID = "https://w3id.org/kgraph/id/"
KG = "https://w3id.org/kgraph/ontology#"
PREFIXES = {
    "kg": KG,
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "dqv": "http://www.w3.org/ns/dqv#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
STARTED = datetime(2026, 1, 1, 10, 15, 0, tzinfo=timezone.utc)
ENDED = datetime(2026, 1, 1, 10, 15, 2, 250000, tzinfo=timezone.utc)
#: the findings the base keeps: (audit, flag code), the first of each in the runner's order
CHOSEN = (("corroboration", "single-party"), ("inferred", "inferred-year"),
          ("coverage", "excluded-passage"))

Edit = Callable[[str], str]


# ------------------------------------------------------------------ the base, from a real run

def term(t: ox.NamedNode | ox.Literal) -> str:
    """A term in Turtle, with the prefixes above where the local name allows."""
    if isinstance(t, ox.NamedNode):
        if t.value == PREFIXES["rdf"] + "type":
            return "a"
        for prefix, ns in PREFIXES.items():
            local = t.value[len(ns):]
            if t.value.startswith(ns) and local.replace("-", "").isalnum():
                return f"{prefix}:{local}"
        return f"<{t.value}>"
    text = str(t)
    if t.datatype.value.startswith(PREFIXES["xsd"]) and not t.language:
        text = text.replace(f"^^<{PREFIXES['xsd']}", "^^xsd:").rstrip(">")
    return text


def block(subject: str, pairs: list[tuple[ox.NamedNode, ox.NamedNode | ox.Literal]]) -> str:
    """One subject, one triple a line (the edits below work line by line)."""
    lines = [f"<{subject}>"] + [f"    {term(p)} {term(o)} ;" for p, o in pairs] + ["."]
    return "\n".join(lines) + "\n"


def base_text() -> str:
    """The findings graph of a real audit run on the seed data, trimmed to CHOSEN."""
    from kgraph.audits import findings_graph, run_audits
    from kgraph.audits.rdf import data_digest
    from kgraph.loading import load_repository
    from kgraph.settings import REPOSITORY_ROOT, Settings
    from kgraph.store import open_store

    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    results = run_audits(store)
    kept = []
    for audit, code in CHOSEN:
        found = [f for r in results for f in r.flags if (f.audit, f.code) == (audit, code)]
        assert found, f"the seed run raises no {code} finding any more: choose another"
        kept.append(found[0])
    trimmed = [dataclasses.replace(r, flags=[f for f in r.flags if f in kept]) for r in results]
    triples = findings_graph(trimmed, store.namespaces, started=STARTED, ended=ENDED,
                             digest=data_digest(store))
    subjects: dict[str, list[tuple[ox.NamedNode, ox.NamedNode | ox.Literal]]] = {}
    for t in triples:
        pair = (t.predicate, t.object)
        subjects.setdefault(t.subject.value, []).append(pair)  # type: ignore[arg-type]
    passages = sorted({o.value for pairs in subjects.values() for p, o in pairs
                       if p.value == KG + "evidencePassage"})
    run = next(s for s in subjects if "/audit/run/" in s)
    findings = [s for s in subjects if s != run]
    head = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items())
    parts = [
        "# Base fixture for the audit shape tests (shapes/kgraph-audit-shapes.ttl): what\n"
        "# `kgraph audit --write-graph` writes to graph/audit for a run over the seed data,\n"
        "# trimmed to three findings (warning, notice, info). Written by\n"
        "# tests/shapes/audit/make_cases.py; every file in ../invalid/ is a copy of this one\n"
        "# with ONE change.",
        head, "",
        "# ---------------------------------------------------------------- the audit run", "",
        block(run, subjects[run]),
        "# ---------------------------------------------------------------- its findings", "",
    ]
    parts += [block(f, subjects[f]) for f in findings]
    parts += ["# ---------------------------------------------------------------- context",
              "# The evidence passages, typed as their source graph types them.", ""]
    parts += [f"<{p}> a kg:Passage .\n" for p in passages]
    return "\n".join(parts)


# ------------------------------------------------------------------ text edits on base.ttl

def block_span(text: str, subject: str) -> tuple[int, int]:
    start = text.index(f"\n<{subject}>\n") + 1
    end = text.index("\n.\n", start) + 1
    return start, end


def in_block(subject: str, old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        s, e = block_span(text, subject)
        part = text[s:e]
        assert part.count(old) == 1, (subject, old, part)
        return text[:s] + part.replace(old, new) + text[e:]
    return edit


def drop(subject: str, line_key: str, every: bool = False) -> Edit:
    """Drop the line of the subject's block that holds line_key (every such line if asked)."""
    def edit(text: str) -> str:
        s, e = block_span(text, subject)
        lines = text[s:e].split("\n")
        hits = [line for line in lines if line_key in line]
        assert hits and (every or len(hits) == 1), (subject, line_key, hits)
        return text[:s] + "\n".join(x for x in lines if x not in hits) + text[e:]
    return edit


def add(subject: str, line: str) -> Edit:
    def edit(text: str) -> str:
        s, e = block_span(text, subject)
        return text[:e] + "    " + line + "\n" + text[e:]
    return edit


def rename(old: str, new: str) -> Edit:
    """Every occurrence of the IRI <old> becomes `new` (an IRI in <>, or a blank node label)."""
    def edit(text: str) -> str:
        assert f"<{old}>" in text
        return text.replace(f"<{old}>", new)
    return edit


def ttl_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def msg(key: str) -> str:
    found = [m for m in MESSAGES if key in m]
    assert len(found) == 1, (key, found)
    return found[0]


# ------------------------------------------------------------------ the cases

def subjects_of(base: str) -> tuple[str, str, str, str, str, list[str]]:
    """The run, the warning, notice and info findings, a target of the warning, and the
    evidence passages, read from the base (their IRIs are hashes: not written out here)."""
    g = rdflib.Graph().parse(data=base, format="turtle")
    kg = rdflib.Namespace(KG)
    run = str(next(g.subjects(rdflib.RDF.type, kg.AuditRun)))
    by_severity = {str(g.value(f, kg.severity)).rsplit("#", 1)[-1]: str(f)
                   for f in g.subjects(rdflib.RDF.type, kg.AuditFinding)}
    warning = by_severity["WarningSeverity"]
    target = sorted(str(t) for t in g.objects(rdflib.URIRef(warning),
                                              rdflib.URIRef(PREFIXES["oa"] + "hasTarget")))[0]
    passages = sorted(str(p) for p in g.subjects(rdflib.RDF.type, kg.Passage))
    return (run, warning, by_severity["NoticeSeverity"], by_severity["InfoSeverity"], target,
            passages)


def cases(base: str) -> list[tuple]:
    """(file stem, message key, focus, description, edits[, extra expectation triples])."""
    run, warn, notice, info, target, passages = subjects_of(base)
    hex_id = warn.rsplit("/", 1)[-1]
    g = rdflib.Graph().parse(data=base, format="turtle")
    [info_target] = g.objects(rdflib.URIRef(info), rdflib.URIRef(PREFIXES["oa"] + "hasTarget"))
    digest = g.value(rdflib.URIRef(run), rdflib.URIRef(KG + "auditedDataDigest"))
    return [
        # ---- the finding's IRI
        ("AuditFindingShape--iri-not-hex", "finding's IRI must follow",
         ID + "audit/finding/Single_Party",
         "The finding's IRI ends in a name, not a hex id.",
         [rename(warn, f"<{ID}audit/finding/Single_Party>")]),
        ("AuditFindingShape--iri-outside-audit", "finding's IRI must follow",
         ID + "finding/" + hex_id,
         "The finding's IRI lacks the audit/ segment.",
         [rename(warn, f"<{ID}finding/{hex_id}>")]),
        # ---- kg:auditName
        ("FindingAuditName--missing", "names the one audit that raised it", warn,
         "The finding does not name its audit.", [drop(warn, "kg:auditName")]),
        ("FindingAuditName--two-names", "names the one audit that raised it", warn,
         "The finding names two audits.", [add(warn, 'kg:auditName "inferred" ;')]),
        ("FindingAuditName--language-tagged", "names the one audit that raised it", warn,
         "The audit name is a language-tagged string, not an xsd:string.",
         [in_block(warn, 'kg:auditName "corroboration" ;', 'kg:auditName "corroboration"@en ;')]),
        # ---- kg:auditFlag
        ("FindingFlag--missing", "exactly one flag", warn,
         "The finding has no flag.", [drop(warn, "kg:auditFlag")]),
        ("FindingFlag--severity-as-flag", "exactly one flag", warn,
         "The flag is a severity concept (kg:WarningSeverity), not a kg:AuditFlag.",
         [in_block(warn, "kg:auditFlag kg:SinglePartyFlag", "kg:auditFlag kg:WarningSeverity")]),
        ("FindingFlag--two-flags", "exactly one flag", warn,
         "The finding has two flags.", [add(warn, "kg:auditFlag kg:SingleSourceFlag ;")]),
        # ---- kg:severity
        ("FindingSeverity--missing", "exactly one severity", warn,
         "The finding has no severity.", [drop(warn, "kg:severity")]),
        ("FindingSeverity--not-a-severity", "exactly one severity", warn,
         "The severity is a flag concept.",
         [in_block(warn, "kg:severity kg:WarningSeverity", "kg:severity kg:SinglePartyFlag")]),
        ("FindingSeverity--string", "exactly one severity", notice,
         "The severity is the string \"notice\", not the concept.",
         [in_block(notice, "kg:severity kg:NoticeSeverity", 'kg:severity "notice"')]),
        ("FindingSeverity--two-severities", "exactly one severity", warn,
         "The finding has two severities.", [add(warn, "kg:severity kg:InfoSeverity ;")]),
        # ---- rdfs:label
        ("FindingLabel--missing", "in one English label", warn,
         "The finding has no label.", [drop(warn, "rdfs:label")]),
        ("FindingLabel--not-english", "in one English label", warn,
         "The label is tagged @id.",
         [in_block(warn, '"@en ;\n    rdfs:comment', '"@id ;\n    rdfs:comment')]),
        ("FindingLabel--plain", "in one English label", warn,
         "The label has no language tag.",
         [in_block(warn, '"@en ;\n    rdfs:comment', '" ;\n    rdfs:comment')]),
        ("FindingLabel--two-labels", "in one English label", warn,
         "The finding has two English labels.", [add(warn, 'rdfs:label "Another label"@en ;')]),
        # ---- rdfs:comment
        ("FindingComment--missing", "message in plain English words", warn,
         "The finding has no message.", [drop(warn, "rdfs:comment")]),
        ("FindingComment--plain", "message in plain English words", info,
         "The message has no language tag.",
         [in_block(info, '"@en ;\n    oa:hasTarget', '" ;\n    oa:hasTarget')]),
        # ---- oa:hasTarget
        ("FindingTarget--missing", "at least one claim, passage or other node", warn,
         "The finding names no target.", [drop(warn, "oa:hasTarget", every=True)]),
        ("FindingTarget--literal", "at least one claim, passage or other node", info,
         "The finding's target is a string holding an IRI, not the IRI.",
         [in_block(info, f"oa:hasTarget <{info_target}>", f'oa:hasTarget "{info_target}"')]),
        # ---- oa:motivatedBy
        ("FindingMotivation--missing", "oa:motivatedBy dqv:qualityAssessment", warn,
         "The finding does not say it is a quality assessment.", [drop(warn, "oa:motivatedBy")]),
        ("FindingMotivation--commenting", "oa:motivatedBy dqv:qualityAssessment", warn,
         "The finding is motivated by oa:commenting instead.",
         [in_block(warn, "oa:motivatedBy dqv:qualityAssessment", "oa:motivatedBy oa:commenting")]),
        # ---- kg:evidencePassage
        ("FindingEvidence--claim-not-passage", "evidence (kg:evidencePassage) is a passage", warn,
         "The finding gives its target claim as evidence, which is not a kg:Passage.",
         [add(warn, f"kg:evidencePassage <{target}> ;")]),
        # ---- prov:wasGeneratedBy
        ("FindingRun--missing", "generated by exactly one audit run", warn,
         "The finding does not say which run generated it.", [drop(warn, "prov:wasGeneratedBy")]),
        ("FindingRun--passage-not-run", "generated by exactly one audit run", notice,
         "The finding is generated by a passage, not a kg:AuditRun.",
         [in_block(notice, f"prov:wasGeneratedBy <{run}>",
                   f"prov:wasGeneratedBy <{passages[0]}>")]),
        ("FindingRun--two-runs", "generated by exactly one audit run", warn,
         "The finding names a second run, typed kg:AuditRun.",
         [add(warn, f"prov:wasGeneratedBy <{ID}audit/run/20251231T000000000000Z> ;"),
          lambda text: text + f"\n<{ID}audit/run/20251231T000000000000Z> a kg:AuditRun ;\n"
          '    prov:startedAtTime "2025-12-31T00:00:00.000Z"^^xsd:dateTime ;\n'
          '    prov:endedAtTime "2025-12-31T00:00:01.000Z"^^xsd:dateTime ;\n'
          '    kg:auditName "corroboration" .\n']),
        # ---- the run
        ("AuditRunShape--blank-node", "audit run is named by an IRI", "_:run",
         "The run is a blank node (the findings still point at it).", [rename(run, "_:run")]),
        ("RunStarted--missing", "one start time", run,
         "The run has no start time.", [drop(run, "prov:startedAtTime")]),
        ("RunStarted--date-not-datetime", "one start time", run,
         "The start time is an xsd:date.",
         [in_block(run, 'prov:startedAtTime "2026-01-01T10:15:00.000Z"^^xsd:dateTime',
                   'prov:startedAtTime "2026-01-01"^^xsd:date')]),
        ("RunStarted--two", "one start time", run,
         "The run has two start times.",
         [add(run, 'prov:startedAtTime "2026-01-01T10:14:00.000Z"^^xsd:dateTime ;')]),
        ("RunEnded--missing", "one end time", run,
         "The run has no end time.", [drop(run, "prov:endedAtTime")]),
        ("RunEnded--plain-string", "one end time", run,
         "The end time is a plain string.",
         [in_block(run, '"2026-01-01T10:15:02.250Z"^^xsd:dateTime', '"2026-01-01T10:15:02.250Z"')]),
        ("RunAuditName--missing", "names the audits it ran", run,
         "The run names no audit.", [drop(run, "kg:auditName", every=True)]),
        ("RunAuditName--language-tagged", "names the audits it ran", run,
         "One of the audit names is a language-tagged string.",
         [in_block(run, 'kg:auditName "coverage" ;', 'kg:auditName "coverage"@en ;')]),
        ("RunDigest--two", "at most one digest", run,
         "The run records two digests.", [add(run, 'kg:auditedDataDigest "0000" ;')]),
        ("RunDigest--hex-binary", "at most one digest", run,
         "The digest is typed xsd:hexBinary, not xsd:string.",
         [in_block(run, f'kg:auditedDataDigest "{digest}" ;',
                   f'kg:auditedDataDigest "{digest}"^^xsd:hexBinary ;')]),
    ]


def valid_cases(base: str) -> list[tuple[str, str, list[Edit]]]:
    """Other things findings_graph writes that the shapes must allow."""
    run, warn, notice, info, target, passages = subjects_of(base)
    return [
        ("run-without-digest", "A run that records no digest of the data it read (the digest is "
         "optional).", [drop(run, "kg:auditedDataDigest")]),
        ("run-with-agent", "A run written through the write gate names the agent that asked for "
         "it (prov:wasAssociatedWith).",
         [add(run, f"prov:wasAssociatedWith <{ID}agent/curators> ;")]),
        ("finding-without-evidence", "A finding with no evidence passage (kg:evidencePassage is "
         "optional).", [drop(notice, "kg:evidencePassage", every=True)]),
    ]


# ------------------------------------------------------------------ writing the files

def expectation(key: str, focus: str, description: str, extras: list[tuple[str, str]]) -> str:
    focus_term = focus if focus.startswith("_:") else f"<{focus}>"
    lines = [
        "<urn:kgraph-test:case>",
        f"    <urn:kgraph-test:expectMessage> {ttl_str(msg(key))}@en ;",
        f"    <urn:kgraph-test:expectFocus> {focus_term} ;",
    ]
    lines += [f"    <urn:kgraph-test:{prop}> {ttl_str(msg(value))}@en ;" for prop, value in extras]
    lines.append(f"    <urn:kgraph-test:comment> {ttl_str(description)}@en .")
    return "\n".join(lines)


def header(first: str, description: str) -> str:
    return first + "\n" + "\n".join(textwrap.wrap(description, 96, initial_indent="# ",
                                                  subsequent_indent="#   ")) + "\n"


def strip_header(text: str) -> str:
    lines = text.split("\n")
    i = 0
    while lines[i].startswith("#"):
        i += 1
    return "\n".join(lines[i:])


def main() -> None:
    base = base_text()
    valid, invalid = OUT / "valid", OUT / "invalid"
    for folder in (valid, invalid):
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.ttl"):
            old.unlink()
    rdflib.Graph().parse(data=base, format="turtle")
    (valid / "base.ttl").write_text(base)
    body = strip_header(base)
    for stem, description, edits in valid_cases(base):
        text = body
        for e in edits:
            text = e(text)
        assert text != body, stem
        text = header(f"# Valid case {stem}: must conform.",
                      "Change from base.ttl: " + description) + text
        rdflib.Graph().parse(data=text, format="turtle")
        (valid / f"{stem}.ttl").write_text(text)
    all_cases = cases(base)
    for case in all_cases:
        stem, key, focus, description, edits = case[:5]
        extras = case[5] if len(case) > 5 else []
        text = body
        for e in edits:
            text = e(text)
        assert text != body, stem
        text = (header(f"# Invalid case {stem}: must fail with exactly the expected sh:message "
                       "(see the end).", "Change from valid/base.ttl: " + description)
                + text.rstrip("\n") + "\n\n" + expectation(key, focus, description, extras) + "\n")
        rdflib.Graph().parse(data=text, format="turtle")
        (invalid / f"{stem}.ttl").write_text(text)
    covered = {msg(c[1]) for c in all_cases}
    missing = [m for m in MESSAGES if m not in covered]
    print(len(all_cases), "invalid cases,", len(valid_cases(base)) + 1, "valid;",
          "uncovered:", missing)


if __name__ == "__main__":
    main()
