"""Loading: file:line:column for malformed files, nothing loaded on error, atomic replacement."""

from pathlib import Path

import pyoxigraph as ox
import pytest

from kgraph.errors import ParseError, StoreError
from kgraph.loading import GraphFile, load_files, load_repository, plan_repository
from kgraph.namespaces import Namespaces
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import canonical_digest, open_store

GOOD = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n"
BAD = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e \"unterminated .\n"


def test_plan_names_one_graph_per_source():
    plan = plan_repository(REPOSITORY_ROOT, Namespaces())
    graphs = {item.graph for item in plan}
    assert "https://w3id.org/kgraph/graph/ontology" in graphs
    assert "https://w3id.org/kgraph/graph/shapes" in graphs
    assert "https://w3id.org/kgraph/graph/entities" in graphs
    assert "https://w3id.org/kgraph/graph/source/kursk-dprk-2025-id" in graphs


def test_malformed_turtle_reports_line_and_loads_nothing(tmp_path: Path, empty_store):
    good, bad = tmp_path / "good.ttl", tmp_path / "bad.ttl"
    good.write_text(GOOD)
    bad.write_text(BAD)
    with pytest.raises(ParseError) as info:
        load_files(empty_store, [GraphFile(good, "http://g/1"), GraphFile(bad, "http://g/2")])
    assert info.value.location.line == 3
    assert info.value.location.column is not None
    assert "bad.ttl:3:" in str(info.value)
    assert empty_store.count() == 0, "a file after or before the bad one must not be loaded"


def test_reloading_replaces_the_graph(tmp_path: Path, empty_store):
    f = tmp_path / "a.ttl"
    f.write_text(GOOD)
    load_files(empty_store, [GraphFile(f, "http://g/1")])
    f.write_text("@prefix ex: <http://example.org/> .\nex:x ex:y ex:z .\n")
    load_files(empty_store, [GraphFile(f, "http://g/1")])
    quads = list(empty_store.quads("http://g/1"))
    assert [q.subject.value for q in quads] == ["http://example.org/x"]


@pytest.mark.parametrize("on_disk", [True, False])
def test_a_replacement_that_fails_midway_leaves_the_graph_as_it_was(tmp_path: Path, on_disk: bool):
    """A new graph is written in place, an existing one through a staging graph: either way a
    failure while the quads are read leaves nothing of them."""
    store = open_store(Settings(store=tmp_path / "store"), in_memory=not on_disk)
    node = ox.NamedNode("http://example.org/a")

    def failing(n: int):
        for i in range(n):
            yield ox.Quad(node, node, ox.Literal(i))
        raise ValueError("cut off")

    for before in (0, 3):  # the graph is absent, then holds three triples
        if before:
            kept = (ox.Quad(node, node, ox.Literal(-i)) for i in range(1, 4))
            assert store.replace_graph("http://g/1", kept) == 3
        with pytest.raises(ValueError):
            store.replace_graph("http://g/1", failing(1000))
        assert store.count("http://g/1") == before
        assert store.graphs() == (["http://g/1"] if before else [])
    store.close()


def test_loading_the_repository_twice_gives_the_same_dataset():
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    first = canonical_digest(store.quads())
    load_repository(store, REPOSITORY_ROOT)
    assert canonical_digest(store.quads()) == first
    assert not any(g.startswith("https://w3id.org/kgraph/graph/staging/") for g in store.graphs())


def test_another_base_iri_rebases_every_kgraph_iri():
    store = open_store(Settings(base_iri="http://localhost:8000/kg/"), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    assert "http://localhost:8000/kg/graph/entities" in store.graphs()
    leaked = [q for q in store.quads() if "w3id.org/kgraph/" in str(q)]
    assert leaked == []
    ask = store.query("ASK { <http://localhost:8000/kg/id/person/valery-gerasimov> ?p ?o }")
    assert bool(ask)


def test_leftover_staging_graph_is_dropped_on_open(tmp_path: Path):
    settings = Settings(store=tmp_path / "store")
    store = open_store(settings)
    staging = "https://w3id.org/kgraph/graph/staging/deadbeef"
    store.raw.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b"),
                          ox.NamedNode("http://e/c"), ox.NamedNode(staging)))
    store.close()
    reopened = open_store(settings)
    assert staging not in reopened.graphs()
    reopened.close()



KILLED_MIDWAY = """
import itertools, os, sys
from pathlib import Path
import pyoxigraph as ox
from kgraph.settings import Settings
from kgraph.store import open_store

store = open_store(Settings(store=Path(sys.argv[1])))
real, calls = store._store, []

class DiesInTheSecondBulkLoad:  # the engine, until the process is killed
    def __getattr__(self, name):
        return getattr(real, name)

    def __len__(self):
        return len(real)

    def bulk_extend(self, quads):
        calls.append(1)
        if len(calls) == 2:
            real.bulk_extend(itertools.islice(quads, 1))  # part of the batch is written
            os._exit(9)  # no clean-up of any kind runs
        real.bulk_extend(quads)

    def bulk_load(self, **kwargs):  # batches parsed by a child process come as N-Quads files
        calls.append(1)
        if len(calls) == 2:
            real.bulk_extend(itertools.islice(ox.parse(path=kwargs["path"], format=kwargs["format"]), 1))
            os._exit(9)
        real.bulk_load(**kwargs)

store._store = DiesInTheSecondBulkLoad()
files = [(Path(f), ox.RdfFormat.TURTLE, f"http://g/n{i}") for i, f in enumerate(sys.argv[2:])]
store.replace_graphs_from_files(files, batch_bytes=1)  # one file per bulk load
"""


def test_a_bulk_load_cut_off_midway_is_dropped_on_open(tmp_path: Path):
    """New graphs are bulk-loaded in place (not transactional): a process killed midway
    leaves them listed in a journal, and the next open drops them, those of the batches
    already written too; graphs that were already there stay."""
    import subprocess
    import sys

    settings = Settings(store=tmp_path / "store")
    store = open_store(settings)
    old = tmp_path / "old.ttl"
    old.write_text(GOOD)
    load_files(store, [GraphFile(old, "http://g/old")])
    store.close()
    new = [tmp_path / f"n{i}.ttl" for i in range(4)]
    for f in new:
        f.write_text(GOOD)
    run = subprocess.run([sys.executable, "-c", KILLED_MIDWAY, str(settings.store), *map(str, new)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 9, run.stderr
    reopened = open_store(settings)
    assert set(reopened.graphs()) == {"http://g/old"}
    assert reopened.count() == 1
    reopened.close()


@pytest.mark.parametrize("duplicates", [True, False])
@pytest.mark.parametrize("batch_bytes", [1, 700, 10**9])
def test_new_graphs_load_in_batches_as_file_by_file(tmp_path: Path, batch_bytes: int, duplicates: bool):
    """However the files are grouped into bulk loads, each graph holds its file's triples
    (duplicates once, blank nodes kept apart per file, relative IRIs against the file) and
    the counts are the graphs' sizes, whether or not a file states a triple twice (the
    loader counts what it reads, and counts the graphs only when that differs)."""
    files = []
    for i in range(7):
        f = tmp_path / f"s{i}.ttl"
        twice = f"{i}, {i}" if duplicates else f"{i}"
        f.write_text(f"@prefix ex: <http://example.org/> .\nex:a ex:b {twice}, \"x{i}\"@en .\n"
                     f"<rel/{i}> ex:c [ ex:d ex:e ] .\n" + "ex:m ex:n ex:o .\n" * (i % 3 if duplicates else 1))
        files.append((f, ox.RdfFormat.TURTLE, f"http://g/s{i}"))
    store = open_store(Settings(store=tmp_path / "store"))
    seen: list[tuple[str, int]] = []
    counts = store.replace_graphs_from_files(files, batch_bytes=batch_bytes,
                                             progress=lambda p, n: seen.append((p, n)))
    reference = ox.Store()
    for f, fmt, graph in files:
        reference.load(path=str(f), format=fmt, base_iri=f.resolve().as_uri(),
                       to_graph=ox.NamedNode(graph))
    assert canonical_digest(store.quads()) == canonical_digest(reference)
    assert counts == {g: store.count(g) for _, _, g in files}
    assert [p for p, _ in seen] == [str(f) for f, _, _ in files]
    store.close()


def test_a_malformed_file_in_a_batch_is_named_and_nothing_is_loaded(tmp_path: Path):
    files = []
    for i in range(5):
        f = tmp_path / f"s{i}.ttl"
        f.write_text(BAD if i == 3 else GOOD)
        files.append(GraphFile(f, f"http://g/s{i}"))
    store = open_store(Settings(store=tmp_path / "store"))
    with pytest.raises(ParseError) as info:
        load_files(store, files)
    assert "s3.ttl:3:" in str(info.value)
    assert store.count() == 0 and store.graphs() == []
    store.close()


@pytest.mark.parametrize("batch_bytes", [1, 10**9])
def test_a_syntax_error_or_a_vanished_file_in_any_batch_loads_nothing(tmp_path: Path, batch_bytes: int):
    """In one batch (parsed here) or several (parsed by a child process while the previous
    batch is written), a syntax error names its file, line and column, a file that cannot be
    read fails the load, and nothing stays in the store."""
    files = []
    for i in range(5):
        f = tmp_path / f"s{i}.ttl"
        f.write_text(BAD if i == 3 else GOOD)
        files.append((f, ox.RdfFormat.TURTLE, f"http://g/s{i}"))
    store = open_store(Settings(store=tmp_path / "store"))
    with pytest.raises(SyntaxError) as info:
        store.replace_graphs_from_files(files, batch_bytes=batch_bytes)
    assert (info.value.filename, info.value.lineno) == (str(files[3][0]), 3) and info.value.offset
    assert store.count() == 0 and store.graphs() == []
    files[3][0].unlink()
    with pytest.raises(StoreError, match="s3.ttl"):
        store.replace_graphs_from_files(files, batch_bytes=batch_bytes)
    assert store.count() == 0 and store.graphs() == []
    store.close()


def test_truthy_graph_holds_asserted_claims_only(seed_store):
    truthy = "https://w3id.org/kgraph/graph/truthy"
    assert seed_store.count(truthy) > 20
    # the outlet's statement that the ministry did NOT acknowledge is a denial: not truthy
    denied = seed_store.query(f"""ASK {{ GRAPH <{truthy}> {{
        <https://w3id.org/kgraph/id/org/ru-ministry-of-defence> kg:acknowledged ?x }} }}""")
    assert not bool(denied)
    taken = seed_store.query(f"""ASK {{ GRAPH <{truthy}> {{
        <https://w3id.org/kgraph/id/force/ru-armed-forces> kg:tookControlOf
        <https://w3id.org/kgraph/id/settlement/gornal> }} }}""")
    assert bool(taken)


def test_large_files_are_streamed_and_replace_their_graph(tmp_path: Path, empty_store):
    f = tmp_path / "big.nt"
    f.write_text("".join(f"<http://e/s{i}> <http://e/p> \"{i}\" .\n" for i in range(2500)))
    seen = []
    report = load_files(empty_store, [GraphFile(f, "http://g/big")],
                        progress=lambda p, n: seen.append(n), streaming_threshold=10)
    assert report.graphs == {"http://g/big": 2500}
    assert empty_store.count("http://g/big") == 2500
    assert seen[-1] == 2500
    assert not any("staging" in g for g in empty_store.graphs())


def test_a_large_malformed_file_loads_nothing(tmp_path: Path, empty_store):
    f = tmp_path / "big.nt"
    f.write_text("<http://e/a> <http://e/p> \"1\" .\n" * 50 + "<http://e/a> <http://e/p> .\n")
    with pytest.raises(ParseError) as info:
        load_files(empty_store, [GraphFile(f, "http://g/big")], streaming_threshold=10)
    assert info.value.location.line == 51
    assert empty_store.count() == 0


@pytest.mark.parametrize("path,graph", [
    ("x/data/ttl/sources/abc.ttl", "source/abc"),
    ("x/data/ttl/entities.ttl", "entities"),
    ("x/data/ttl/dataset.ttl", "dataset"),
    ("x/ontology/kgraph.ttl", "ontology"),
    ("x/ontology/imports/terms.ttl", "vocabularies"),
    ("x/shapes/s.ttl", "shapes"),
])
def test_graph_follows_the_place_in_any_checkout(tmp_path, path, graph):
    from kgraph.loading import graph_for_file

    assert graph_for_file(tmp_path / path, Namespaces()) == "https://w3id.org/kgraph/graph/" + graph


def test_a_file_outside_the_layout_needs_a_graph(tmp_path):
    from kgraph.errors import UserError
    from kgraph.loading import graph_for_file

    with pytest.raises(UserError, match="--graph"):
        graph_for_file(tmp_path / "elsewhere" / "x.ttl", Namespaces())


TRUTHY_RULES = """
@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix x: <urn:x:> .
x:body kg:passageRole kg:BodyText .   x:head kg:passageRole kg:Headline .
x:rb kg:passage x:body .              x:rh kg:passage x:head .
# kept: asserted, from body text, uncontested
x:c1 a kg:Claim ; rdf:subject x:a ; rdf:predicate x:p ; rdf:object x:o1 ; kg:stance kg:Asserts ; prov:wasDerivedFrom x:rb .
# left out: read only from a headline
x:c2 a kg:Claim ; rdf:subject x:a ; rdf:predicate x:q ; rdf:object x:o2 ; kg:stance kg:Asserts ; prov:wasDerivedFrom x:rh .
# kept: a headline and a body passage
x:c3 a kg:Claim ; rdf:subject x:a ; rdf:predicate x:r ; rdf:object x:o3 ; kg:stance kg:Asserts ; prov:wasDerivedFrom x:rh , x:rb .
# left out: deprecated
x:c4 a kg:Claim ; rdf:subject x:b ; rdf:predicate x:p ; rdf:object x:o4 ; kg:stance kg:Asserts ; kg:rank kg:DeprecatedRank ; prov:wasDerivedFrom x:rb .
# left out: denied by c6 (which, a denial, is not truthy either)
x:c5 a kg:Claim ; rdf:subject x:b ; rdf:predicate x:q ; rdf:object x:o5 ; kg:stance kg:Asserts ; prov:wasDerivedFrom x:rb .
x:c6 a kg:Claim ; rdf:subject x:b ; rdf:predicate x:q ; rdf:object x:o5 ; kg:stance kg:Denies ; prov:wasDerivedFrom x:rb .
# c8 is preferred on (d, p): it is kept, c7 is outranked; c9 on another predicate is kept
x:c7 a kg:Claim ; rdf:subject x:d ; rdf:predicate x:p ; rdf:object x:o7 ; kg:stance kg:Asserts ; prov:wasDerivedFrom x:rb .
x:c8 a kg:Claim ; rdf:subject x:d ; rdf:predicate x:p ; rdf:object x:o8 ; kg:stance kg:Asserts ; kg:rank kg:PreferredRank ; prov:wasDerivedFrom x:rb .
x:c9 a kg:Claim ; rdf:subject x:d ; rdf:predicate x:q ; rdf:object x:o9 ; kg:stance kg:Asserts ; prov:wasDerivedFrom x:rb .
# two preferred claims on one subject and predicate: both kept
x:c10 a kg:Claim ; rdf:subject x:e ; rdf:predicate x:p ; rdf:object x:o10 ; kg:stance kg:Asserts ; kg:rank kg:PreferredRank ; prov:wasDerivedFrom x:rb .
x:c11 a kg:Claim ; rdf:subject x:e ; rdf:predicate x:p ; rdf:object x:o11 ; kg:stance kg:Asserts ; kg:rank kg:PreferredRank ; prov:wasDerivedFrom x:rb .
"""


def test_truthy_rules_one_by_one():
    import pyoxigraph as ox

    from kgraph.loading import derive_truthy
    from kgraph.namespaces import Namespaces
    from kgraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(None, Namespaces())
    store.replace_graph("https://w3id.org/kgraph/graph/source/t",
                        (ox.Quad(t.subject, t.predicate, t.object)
                         for t in ox.parse(TRUTHY_RULES.encode(), format=ox.RdfFormat.TURTLE)))
    assert derive_truthy(store) == 6
    kept = {(q.subject.value[6:], q.object.value[6:])
            for q in store.quads("https://w3id.org/kgraph/graph/truthy")}
    assert kept == {("a", "o1"), ("a", "o3"), ("d", "o8"), ("d", "o9"), ("e", "o10"), ("e", "o11")}


def _random_change(rng, store, step: int) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """One change of the kinds that decide truthiness: (added, removed) quads."""
    kg, rdf = "https://w3id.org/kgraph/ontology#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    prov = "http://www.w3.org/ns/prov#"
    claims = sorted({q.subject for q in store.raw.quads_for_pattern(None, ox.NamedNode(kg + "stance"), None, None)}, key=str)
    claim = rng.choice(claims)
    mine = list(store.raw.quads_for_pattern(claim, None, None, None))
    graph = mine[0].graph_name
    kind = rng.choice(["drop-claim", "flip-stance", "rank", "headline", "deny-elsewhere", "unlink"])
    if kind == "drop-claim":
        return [], mine
    if kind == "flip-stance":
        old = [q for q in mine if q.predicate.value == kg + "stance"]
        other = kg + ("Denies" if old[0].object.value == kg + "Asserts" else "Asserts")
        return [ox.Quad(claim, old[0].predicate, ox.NamedNode(other), graph)], old
    if kind == "rank":
        rank = ox.NamedNode(kg + rng.choice(["PreferredRank", "DeprecatedRank"]))
        return [ox.Quad(claim, ox.NamedNode(kg + "rank"), rank, graph)], []
    refs = [q.object for q in mine if q.predicate.value == prov + "wasDerivedFrom"]
    if kind == "headline" and refs:
        passages = [q.object for q in store.raw.quads_for_pattern(refs[0], ox.NamedNode(kg + "passage"), None, None)]
        if passages:
            return [ox.Quad(passages[0], ox.NamedNode(kg + "passageRole"), ox.NamedNode(kg + "Headline"), graph)], []
    if kind == "unlink" and refs:
        return [], list(store.raw.quads_for_pattern(refs[0], ox.NamedNode(kg + "passage"), None, None))
    # a claim in another graph that denies this one's triple
    spo = {q.predicate.value: q.object for q in mine}
    if not all(rdf + x in spo for x in ("subject", "predicate", "object")):
        return [], []
    other, g = ox.NamedNode(f"http://example.org/claim/{step}"), ox.NamedNode(f"http://example.org/g/{step}")
    return [ox.Quad(other, ox.NamedNode(rdf + "type"), ox.NamedNode(kg + "Claim"), g),
            ox.Quad(other, ox.NamedNode(kg + "stance"), ox.NamedNode(kg + "Denies"), g),
            *(ox.Quad(other, ox.NamedNode(rdf + x), spo[rdf + x], g) for x in ("subject", "predicate", "object"))], []


def test_the_truthy_graph_derived_after_a_change_equals_a_full_derivation():
    """Random changes of every kind that bears on truthiness (claims dropped, stances flipped,
    ranks, headline passages, unlinked references, denials from another graph): after each,
    the truthy graph re-derived for the touched subjects equals the one derived in full."""
    import random

    from kgraph.loading import derive_truthy

    rng = random.Random(7)
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    truthy = "https://w3id.org/kgraph/graph/truthy"
    changed_truthy = 0
    for step in range(40):
        before = {str(q) for q in store.quads(truthy)}
        added, removed = _random_change(rng, store, step)
        for q in removed:
            store.raw.remove(q)
        for q in added:
            store.raw.add(q)
        derive_truthy(store, [*added, *removed])
        incremental = {str(q) for q in store.quads(truthy)}
        derive_truthy(store)
        full = {str(q) for q in store.quads(truthy)}
        assert incremental == full, f"step {step}: {added} {removed}"
        changed_truthy += before != full
    assert changed_truthy >= 10, "too few of the changes altered the truthy graph to test anything"
