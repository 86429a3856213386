"""Quality checks: every SPARQL query in tests/qc/*.rq lists problems and must return no rows.

The repository is loaded into an in-memory store and each check runs with the default graph
set to the union of all named graphs (ontology, vocabularies, shapes, entities, dataset,
sources, truthy); checks that care which graph a triple is in say so with GRAPH clauses.

The negative tests add a known fault to a freshly loaded store and assert that the check
reports it, so that a check returning nothing means the data is clean, not that the query
is broken.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgraph.loading import load_repository
from kgraph.namespaces import STANDARD_PREFIXES
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import EmbeddedStore, open_store

QC_DIR = REPOSITORY_ROOT / "tests" / "qc"
QC_FILES = sorted(QC_DIR.glob("*.rq"))

KG = "https://w3id.org/kgraph/ontology#"
ID = "https://w3id.org/kgraph/id/"
GRAPH = "https://w3id.org/kgraph/graph/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

#: Checks known to fail on the current data, with why (strict: they must fail until fixed).
KNOWN_PROBLEMS: dict[str, str] = {}


def load() -> EmbeddedStore:
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    return store


@pytest.fixture(scope="module")
def repository_store() -> EmbeddedStore:
    """The repository as shipped, shared by the checks (read only)."""
    return load()


@pytest.fixture
def fresh_store() -> EmbeddedStore:
    """The repository in a store of its own, for a test to break."""
    return load()


def run_check(store: EmbeddedStore, check: str | Path) -> list[dict[str, str]]:
    """The rows a check returns, each as variable -> term (N-Triples syntax)."""
    path = check if isinstance(check, Path) else QC_DIR / f"{check}.rq"
    result = store.query(path.read_text(encoding="utf-8"), default_graphs=store.graphs())
    assert isinstance(result, ox.QuerySolutions), f"{path.name} must be a SELECT query"
    names = [v.value for v in result.variables]
    return [
        {name: str(solution[name]) for name in names if solution[name] is not None}
        for solution in result
    ]


def header(path: Path) -> dict[str, str]:
    """The `# title:` and `# description:` comments at the top of a check."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line.lstrip("# ").partition(":")
        if sep and key in ("title", "description"):
            fields[key] = value.strip()
    return fields


def describe(rows: list[dict[str, str]], limit: int = 50) -> str:
    lines = ["  " + "  ".join(f"{k}={v}" for k, v in row.items()) for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"  ... and {len(rows) - limit} more")
    return "\n".join(lines)


def _case(path: Path) -> object:
    marks = []
    if path.stem in KNOWN_PROBLEMS:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_PROBLEMS[path.stem]))
    return pytest.param(path, id=path.stem, marks=marks)


# -- the checks on the repository ---------------------------------------------------------


def test_there_are_enough_checks() -> None:
    assert len(QC_FILES) >= 10, f"only {len(QC_FILES)} checks in {QC_DIR}"


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in QC_FILES])
def test_check_has_title_and_description(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# title: "), f"{path.name}: first line must be '# title: ...'"
    assert lines[1].startswith("# description: "), (
        f"{path.name}: second line must be '# description: ...'"
    )
    assert header(path).get("title") and header(path).get("description")


@pytest.mark.parametrize("path", [_case(p) for p in QC_FILES])
def test_quality_check(repository_store: EmbeddedStore, path: Path) -> None:
    rows = run_check(repository_store, path)
    assert not rows, (
        f"{path.name} ({header(path).get('title')}) found {len(rows)} problem(s):\n"
        f"{describe(rows)}"
    )


def test_external_terms_are_declared() -> None:
    """Every external term used in ontology/, shapes/ and data/ttl/ is declared in
    ontology/imports/ (the script also checks labels and, through rdflib, existence)."""
    script = REPOSITORY_ROOT / "scripts" / "list_external_terms.py"
    done = subprocess.run(
        [sys.executable, str(script), "--root", str(REPOSITORY_ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- the checks can fail -------------------------------------------------------------------

PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in STANDARD_PREFIXES.items()) + (
    f"PREFIX kg: <{KG}>\nPREFIX ex: <http://example.org/>\n"
)
# Planted faults go into a source graph of their own (any graph under graph/source/ is data).
SOURCE = f"<{GRAPH}source/qc-planted-fault>"
ENTITIES = f"<{GRAPH}entities>"
ONTOLOGY = f"<{GRAPH}ontology>"

#: A passage of the seed source that references cite, and its document.
PASSAGE_QUERY = """
SELECT ?passage ?document ?text WHERE {
  ?reference kg:passage ?passage .
  ?passage kg:passageOf ?document ; kg:text ?text .
} ORDER BY ?passage LIMIT 1
"""


def add(store: EmbeddedStore, trig: str) -> None:
    """Add the quads of a TriG snippet (standard prefixes predeclared) to the store."""
    quads = ox.parse(PREFIXES + trig, format=ox.RdfFormat.TRIG)
    store.raw.extend(list(quads))


def a_cited_passage(store: EmbeddedStore) -> tuple[str, str]:
    rows = list(store.query(PASSAGE_QUERY, default_graphs=store.graphs()))
    assert rows, "the seed data has no cited passage"
    return rows[0]["passage"].value, rows[0]["document"].value


def r(path: str) -> str:
    """A kgraph resource IRI in Turtle syntax (prefixed names cannot hold a '/')."""
    return f"<{ID}{path}>"


NEGATIVE_CASES = [
    pytest.param(
        "claim-object-kind",
        f"GRAPH {SOURCE} {{ {r('claim/literal-object')} a kg:EventClaim ; rdf:predicate kg:phaseBegan ; "
        f"rdf:object 'a phase' . {r('claim/iri-object')} a kg:QuantityClaim ; "
        f"rdf:predicate kg:depictedCount ; rdf:object {r('concept/x')} }}",
        [ID + "claim/literal-object", ID + "claim/iri-object"],
        id="claim-object-kind",
    ),
    pytest.param(
        "undeclared-term",
        f"GRAPH {SOURCE} {{ {r('claim/broken')} ex:undeclaredPredicate 'x' ; a ex:Undeclared }}",
        ["http://example.org/undeclaredPredicate", "http://example.org/Undeclared"],
        id="undeclared-term",
    ),
    pytest.param(
        "undefined-kg-term",
        f"GRAPH {ENTITIES} {{ {r('person/someone')} a kg:Persn ; kg:basedIn kg:Nowhere }}",
        [KG + "Persn", KG + "Nowhere"],
        id="undefined-kg-term",
    ),
    pytest.param(
        "unlabelled-term",
        f"GRAPH {ONTOLOGY} {{ kg:NewThing a owl:Class ; "
        "rdfs:isDefinedBy <https://w3id.org/kgraph/ontology> }",
        [KG + "NewThing"],
        id="unlabelled-term",
    ),
    pytest.param(
        "dangling-reference",
        f"GRAPH {SOURCE} {{ {r('claim/broken')} kg:claimant {r('person/nobody-described')} }}",
        [ID + "person/nobody-described"],
        id="dangling-reference",
    ),
    pytest.param(
        "label-with-iri",
        f"GRAPH {ENTITIES} {{ {r('person/x')} rdfs:label 'see https://example.org/x'@en }}",
        [ID + "person/x"],
        id="label-with-iri",
    ),
    pytest.param(
        "claim-without-reference",
        # typed with a subclass only: the check must follow rdfs:subClassOf
        f"GRAPH {SOURCE} {{ {r('claim/unreferenced')} a kg:EventClaim }}",
        [ID + "claim/unreferenced"],
        id="claim-without-reference",
    ),
    pytest.param(
        "reference-without-passage",
        f"GRAPH {SOURCE} {{ {r('reference/orphan')} a kg:Reference ; kg:quote 'x'@id }}",
        [ID + "reference/orphan"],
        id="reference-without-passage",
    ),
    pytest.param(
        "passage-neither-cited-nor-excluded",
        f"GRAPH {SOURCE} {{ {r('passage/uncited')} a kg:Passage ; kg:text 'Tidak dikutip.'@id }}",
        [ID + "passage/uncited"],
        id="passage-neither-cited-nor-excluded",
    ),
    pytest.param(
        "deprecated-term-used",
        # kg:basedIn is used in the seed data
        f"GRAPH {ONTOLOGY} {{ kg:basedIn owl:deprecated true }}",
        [KG + "basedIn"],
        id="deprecated-term-used",
    ),
    pytest.param(
        "geometry-without-coordinate-source",
        f"GRAPH {ENTITIES} {{ {r('place/x')} geo:hasGeometry {r('geometry/x')} . "
        f"{r('geometry/x')} a geo:Geometry ; geo:asWKT 'POINT(35.1 51.3)'^^geo:wktLiteral }}",
        [ID + "geometry/x"],
        id="geometry-without-coordinate-source",
    ),
    pytest.param(
        "external-id-namespace",
        f"GRAPH {ENTITIES} {{ "
        f"{r('person/x')} kg:wikidata <https://www.wikidata.org/wiki/Q7747> . "
        f"{r('place/y')} kg:geonames <http://sws.geonames.org/538555/> . "
        f"{r('place/z')} kg:wikidata 'Q159' }}",
        [ID + "person/x", ID + "place/y", ID + "place/z"],
        id="external-id-namespace",
    ),
]


@pytest.mark.parametrize(("check", "trig", "expected"), NEGATIVE_CASES)
def test_check_catches_a_planted_fault(
    fresh_store: EmbeddedStore, check: str, trig: str, expected: list[str]
) -> None:
    assert not run_check(fresh_store, check), f"{check} must pass before the fault is planted"
    add(fresh_store, trig)
    rows = run_check(fresh_store, check)
    found = {value for row in rows for value in row.values()}
    for iri in expected:
        assert f"<{iri}>" in found, f"{check} did not report <{iri}>:\n{describe(rows)}"


def test_quote_not_in_passage_catches_a_wrong_quote(fresh_store: EmbeddedStore) -> None:
    passage, document = a_cited_passage(fresh_store)
    add(
        fresh_store,
        f"GRAPH {SOURCE} {{ {r('reference/misquoted')} a kg:Reference ; "
        f"kg:passage <{passage}> ; kg:statedIn <{document}> ; "
        "kg:quote 'kata-kata yang tidak ada di sana'@id }",
    )
    rows = run_check(fresh_store, "quote-not-in-passage")
    assert [row["reference"] for row in rows] == [f"<{ID}reference/misquoted>"]


def test_excluded_passage_cited_catches_a_contradiction(fresh_store: EmbeddedStore) -> None:
    passage, _ = a_cited_passage(fresh_store)
    add(fresh_store, f"GRAPH {SOURCE} {{ <{passage}> kg:exclusionReason 'a title'@en }}")
    rows = run_check(fresh_store, "excluded-passage-cited")
    assert rows and all(row["passage"] == f"<{passage}>" for row in rows)


def test_reference_document_mismatch_catches_another_document(
    fresh_store: EmbeddedStore,
) -> None:
    passage, _ = a_cited_passage(fresh_store)
    add(
        fresh_store,
        f"GRAPH {SOURCE} {{ {r('reference/elsewhere')} a kg:Reference ; "
        f"kg:passage <{passage}> ; kg:statedIn {r('document/other')} ; kg:quote 'x'@id }}",
    )
    rows = run_check(fresh_store, "reference-document-mismatch")
    assert [row["reference"] for row in rows] == [f"<{ID}reference/elsewhere>"]


def test_passage_offsets_catch_wrong_offsets(fresh_store: EmbeddedStore) -> None:
    passage, document = a_cited_passage(fresh_store)
    query = f"SELECT * {{ <{passage}> kg:text ?text ; kg:startOffset ?start ; kg:endOffset ?end }}"
    row = next(iter(fresh_store.query(query, default_graphs=fresh_store.graphs())))
    start, end = int(row["start"].value), int(row["end"].value)
    graph = ox.NamedNode(GRAPH + "source/qc-planted-fault")
    shifted = ox.NamedNode(ID + "passage/shifted")
    # the same text one character further on: its length fits, only the full text can tell
    for predicate, value in (
        (RDF_TYPE, ox.NamedNode(KG + "Passage")),
        (ox.NamedNode(KG + "passageOf"), ox.NamedNode(document)),
        (ox.NamedNode(KG + "text"), row["text"]),
        (ox.NamedNode(KG + "startOffset"), ox.Literal(str(start + 1), datatype=XSD_INTEGER)),
        (ox.NamedNode(KG + "endOffset"), ox.Literal(str(end + 1), datatype=XSD_INTEGER)),
    ):
        fresh_store.raw.add(ox.Quad(shifted, predicate, value, graph))
    # offsets that disagree with the text's length
    add(
        fresh_store,
        f"GRAPH {SOURCE} {{ {r('passage/too-long')} a kg:Passage ; "
        "kg:text 'abc'@id ; kg:startOffset 0 ; kg:endOffset 10 }",
    )
    reported = {row["passage"] for row in run_check(fresh_store, "passage-offsets")}
    assert f"<{ID}passage/too-long>" in reported
    assert f"<{ID}passage/shifted>" in reported
