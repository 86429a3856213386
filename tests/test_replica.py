"""The query workers' in-memory replicas: the same answers as the store on disk, blank nodes
named alike, writes visible in the very next query, only the changed graphs copied again."""

import random

import pyoxigraph as ox
import pytest

from kgraph.loading import load_repository
from kgraph.query import Request, WorkerExecutor
from kgraph.query.replica import Replica, _changed_since, available_memory
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store
from kgraph.writes import WriteGate

CSV = ox.QueryResultsFormat.CSV
EVERY_QUAD = "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
GRAPHS = "SELECT ?g WHERE { GRAPH ?g { } }"
AGENT = "http://example.org/test"


def answer(executor, query: str) -> list[bytes]:
    return sorted(b"".join(executor.execute(Request(query, results_format=CSV))).splitlines())


def own_answer(store, query: str) -> list[bytes]:
    return sorted(store.raw.query(query).serialize(format=CSV).splitlines())


@pytest.fixture
def seed(tmp_path):
    store = open_store(Settings(store=tmp_path / "store"))
    load_repository(store, REPOSITORY_ROOT)
    yield store
    store.close()


@pytest.fixture
def executor(seed):
    ex = WorkerExecutor(seed, max_concurrent=2, replica_max_quads=10**6)
    yield ex
    ex.close()


def test_replicas_answer_as_the_store_on_disk_does(executor, seed):
    replicas = executor.warm(wait=60)
    assert replicas == [(True, len(seed.raw))] * 2
    blank = "SELECT ?s ?p ?b WHERE { GRAPH ?g { ?s ?p ?b } FILTER isBlank(?b) }"
    assert own_answer(seed, blank), "the seed must hold blank nodes for this test to mean much"
    for query in (EVERY_QUAD, GRAPHS, blank,
                  "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p"):
        assert answer(executor, query) == own_answer(seed, query), query


def test_a_write_is_seen_by_the_next_query_and_then_by_the_replica(executor, seed):
    executor.warm(wait=60)
    ask = "ASK { GRAPH <http://e/g> { <http://e/a> <http://e/b> 1 } }"
    seed.update("INSERT DATA { GRAPH <http://e/g> { <http://e/a> <http://e/b> 1 } }")
    executor.refresh(["http://e/g"])
    assert answer(executor, ask) == [b"true"], "no lag: a replica behind is not read"
    assert executor.warm(wait=60) == [(True, len(seed.raw))] * 2
    assert answer(executor, ask) == [b"true"]
    assert answer(executor, EVERY_QUAD) == own_answer(seed, EVERY_QUAD)


def test_random_writes_through_the_gate_keep_replicas_equal_to_the_store(executor, seed):
    """Each write tells the executor the graphs it changed (with the write log and the truthy
    graph); the replicas copy those again and must then equal the store, empty graphs too.
    Every kind of write comes at least once, in a random order, on random graphs."""
    gate = WriteGate(seed, validate=False, on_commit=executor.refresh)
    rng = random.Random(7)
    kinds = ["put", "post", "delete", "create-empty", "drop-empty", "put", "post"]
    rng.shuffle(kinds)
    kinds.sort(key=lambda k: k in ("delete", "drop-empty"))  # something to delete first
    executor.warm(wait=60)
    empty: list[str] = []
    for i, kind in enumerate(kinds):
        written = [g for g in seed.graphs() if g.startswith("http://e/graph/")]
        if kind == "put":
            triples = [ox.Triple(ox.NamedNode(f"http://e/s{rng.randrange(5)}"), ox.NamedNode("http://e/p"),
                                 ox.Literal(str(rng.randrange(100)))) for _ in range(rng.randrange(1, 4))]
            gate.put_graph(f"http://e/graph/{rng.randrange(3)}", triples, agent=AGENT)
        elif kind == "post":
            gate.post_graph(f"http://e/graph/{rng.randrange(3)}", [ox.Triple(
                ox.NamedNode("http://e/x"), ox.NamedNode("http://e/p"), ox.Literal(str(i)))], agent=AGENT)
        elif kind == "delete":
            gate.delete_graph(rng.choice(written), agent=AGENT)
        elif kind == "create-empty":
            empty.append(f"http://e/empty/{i}")
            gate.update(f"CREATE GRAPH <{empty[-1]}>", agent=AGENT)
        else:
            gate.update(f"DROP GRAPH <{empty.pop()}>", agent=AGENT)
        assert executor.warm(wait=60) == [(True, len(seed.raw))] * 2, kind
        for query in (EVERY_QUAD, GRAPHS):
            assert answer(executor, query) == own_answer(seed, query), (i, kind, query)


def test_only_the_changed_graphs_are_copied_again(seed, tmp_path):
    """In this process: after a commit that names its graphs the replica is the same store,
    updated; after one that does not, a new store."""
    replica = Replica(ox, 10**6, tmp_path / "replica")
    (tmp_path / "replica").mkdir()
    first = str(tmp_path / "gen-1")
    seed.checkpoint(tmp_path / "gen-1")
    history = [(first, None)]
    assert replica.store_for(first, history) is None, "not built yet: read the disk"
    assert replica.wait(60)
    built = replica.store_for(first, history)
    assert built is not None and len(built) == len(seed.raw)

    seed.update("INSERT DATA { GRAPH <http://e/g> { <http://e/a> <http://e/b> 2 } }")
    second = str(tmp_path / "gen-2")
    seed.checkpoint(tmp_path / "gen-2")
    history.append((second, ("http://e/g",)))
    assert replica.store_for(second, history) is None
    assert replica.wait(60)
    updated = replica.store_for(second, history)
    assert updated is built and len(updated) == len(seed.raw)

    third = str(tmp_path / "gen-3")
    seed.checkpoint(tmp_path / "gen-3")
    history.append((third, None))
    replica.store_for(third, history)
    assert replica.wait(60)
    rebuilt = replica.store_for(third, history)
    assert rebuilt is not None and rebuilt is not built
    assert not list((tmp_path / "replica").iterdir()), "the builder's links are removed"


def test_a_checkpoint_superseded_before_its_build_leaves_no_links(seed, tmp_path):
    """Checkpoints that come while a build runs: only the newest is built next, and the
    links of the one it superseded are removed (they would keep old files on disk)."""
    (tmp_path / "replica").mkdir()
    replica = Replica(ox, 10**6, tmp_path / "replica")
    history = []
    for n in (1, 2, 3):
        seed.update(f"INSERT DATA {{ GRAPH <http://e/g> {{ <http://e/a> <http://e/b> {n} }} }}")
        seed.checkpoint(tmp_path / f"gen-{n}")
        history.append((str(tmp_path / f"gen-{n}"), ("http://e/g",)))
        replica.store_for(history[-1][0], history)  # the first build is still running
    assert replica.wait(60)
    assert replica.store_for(history[-1][0], history) is not None
    assert len(replica.store) == len(seed.raw)
    assert not list((tmp_path / "replica").iterdir())


def test_a_store_over_the_limit_stays_on_disk(seed, tmp_path):
    ex = WorkerExecutor(seed, max_concurrent=1, replica_max_quads=100)
    try:
        assert ex.warm(wait=60) == [(False, 0)]
        assert answer(ex, "ASK { GRAPH ?g { ?s ?p ?o } }") == [b"true"]
    finally:
        ex.close()


@pytest.mark.parametrize(("share", "built"), [(1e-9, False), (0.5, True)])
def test_a_replica_is_built_only_within_its_share_of_the_memory_available(seed, tmp_path, share, built):
    assert available_memory() is not None, "this system says how much memory is available"
    replica = Replica(ox, 10**6, tmp_path / "replica", memory_share=share)
    (tmp_path / "replica").mkdir()
    seed.checkpoint(tmp_path / "gen-1")
    history = [(str(tmp_path / "gen-1"), None)]
    replica.store_for(history[0][0], history)
    assert replica.wait(60)
    assert (replica.store_for(history[0][0], history) is not None) is built
    assert replica.disabled is not built


@pytest.mark.parametrize(("base", "snapshot", "expected"), [
    ("a", "c", ["g1", "g2"]),
    ("b", "c", ["g2"]),
    ("c", "c", []),
    (None, "c", None),          # nothing built yet
    ("x", "c", None),           # older than the history kept
    ("a", "d", None),           # a commit that did not say what it changed
])
def test_changed_since(base, snapshot, expected):
    history = [("a", None), ("b", ("g1",)), ("c", ("g2",)), ("d", None)]
    assert _changed_since(base, snapshot, history) == expected


def test_a_runaway_query_on_a_replica_is_stopped_and_its_worker_replaced(executor, seed):
    """The deadline holds from memory as from disk: the worker is ended; its successor answers
    (from disk until it has built a replica of its own, then from memory)."""
    from kgraph.query import QueryLimit

    assert executor.warm(wait=60) == [(True, len(seed.raw))] * 2
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?a1 ?b ?c } GRAPH ?d { ?e ?f ?g } GRAPH ?h { ?i ?j ?k } }"
    with pytest.raises(QueryLimit) as info:
        executor.execute(Request(runaway, results_format=CSV, timeout=1.0))
    assert info.value.http_status == 504
    assert answer(executor, GRAPHS) == own_answer(seed, GRAPHS)
    assert executor.warm(wait=60) == [(True, len(seed.raw))] * 2
    assert answer(executor, GRAPHS) == own_answer(seed, GRAPHS)
