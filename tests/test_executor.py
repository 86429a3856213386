"""The query executors: workers over checkpoints, hard deadlines, caps, and refresh after writes."""

import pyoxigraph as ox
import pytest

from kgraph.query import InProcessExecutor, QueryFailed, QueryLimit, Request, WorkerExecutor

CSV = ox.QueryResultsFormat.CSV


@pytest.fixture(scope="module")
def executor(disk_seed):
    settings, store = disk_seed
    ex = WorkerExecutor(store, max_concurrent=2)
    yield ex
    ex.close()


def test_answers_like_the_store(executor, disk_seed):
    _, store = disk_seed
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    stream = executor.execute(Request(q, union=True, results_format=CSV))
    assert stream.kind == "solutions"
    n = int(b"".join(stream).decode().split()[1])
    direct = next(iter(store.query(q)))["n"].value
    assert n == int(direct) > 1000



def test_a_small_result_comes_whole_and_a_large_one_streams(executor, disk_seed):
    """Under one chunk the worker sends the result in one message and is free again before the
    answer goes out; a larger one streams chunk by chunk. Both equal the store's own answer."""
    from kgraph.query.worker import CHUNK

    _, store = disk_seed
    for q in ("SELECT ?p ?o WHERE { <https://w3id.org/kgraph/id/person/valery-gerasimov> ?p ?o }",
              "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"):
        stream = executor.execute(Request(q, union=True, results_format=CSV))
        body = b"".join(stream)
        stream.close()
        direct = store.query(q).serialize(format=CSV)
        assert sorted(body.splitlines()) == sorted(direct.splitlines())
        if len(body) < CHUNK:
            assert stream.body == body
        else:
            assert stream.body is None
    assert len(direct) > CHUNK, "the second query must be large enough to stream"

def test_syntax_error_is_400_with_position(executor):
    with pytest.raises(QueryFailed) as info:
        executor.execute(Request("SELECT ?x WHERE {", results_format=CSV))
    assert info.value.http_status == 400 and "query:1:" in str(info.value)


def test_small_cap_is_refused_before_any_byte(executor, disk_seed):
    _, store = disk_seed
    with pytest.raises(QueryLimit) as info:
        executor.execute(Request("SELECT * WHERE { ?s ?p ?o }", union=True,
                                 results_format=CSV, max_bytes=1000))
    assert info.value.http_status == 413


def test_deadline_kills_and_replaces_the_worker(executor, disk_seed):
    _, store = disk_seed
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(QueryLimit) as info:
        executor.execute(Request(runaway, union=True, results_format=CSV,
                                 timeout=1.0))
    assert info.value.http_status == 504
    ok = executor.execute(Request("ASK { ?s ?p ?o }", union=True, results_format=CSV))
    assert b"".join(ok).strip() == b"true"


def test_refresh_makes_a_write_visible_and_collects_old_checkpoints(tmp_path):
    from kgraph.settings import Settings
    from kgraph.store import open_store

    store = open_store(Settings(store=tmp_path / "store"))
    ex = WorkerExecutor(store, max_concurrent=1)
    try:
        ask = Request("ASK { <http://e/a> ?p ?o }", results_format=CSV)
        assert b"".join(ex.execute(ask)).strip() == b"false"
        store.update("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }")
        assert b"".join(ex.execute(ask)).strip() == b"false", "readers see checkpoints only"
        ex.refresh()
        assert b"".join(ex.execute(ask)).strip() == b"true"
        for _ in range(3):
            ex.refresh()
        (root,) = tmp_path.glob("store.snapshots-*")
        assert len(list(root.iterdir())) <= 2
    finally:
        ex.close()
        store.close()
    assert not list(tmp_path.glob("store.snapshots-*")), "close removes the checkpoints"


def test_in_process_executor_for_memory_stores(seed_store):
    ex = InProcessExecutor(seed_store)
    stream = ex.execute(Request("CONSTRUCT WHERE { ?s a kg:Person }", rdf_format=ox.RdfFormat.N_TRIPLES,
                                union=True))
    assert stream.kind == "graph" and b"valery-gerasimov" in b"".join(stream)
    with pytest.raises(QueryFailed) as info:
        ex.execute(Request("CONSTRUCT WHERE { ?s a kg:Person }", results_format=CSV))
    assert info.value.http_status == 406


def test_refreshing_while_queries_run_never_loses_a_checkpoint(tmp_path):
    """Regression: a checkpoint being made must never be collected as stale."""
    import threading

    from kgraph.settings import Settings
    from kgraph.store import open_store

    from kgraph.loading import load_repository
    from kgraph.settings import REPOSITORY_ROOT

    store = open_store(Settings(store=tmp_path / "store"))
    load_repository(store, REPOSITORY_ROOT)
    ex = WorkerExecutor(store, max_concurrent=3)
    failures = []
    done = threading.Event()

    def ask():
        while not done.is_set():
            try:
                b"".join(ex.execute(Request("ASK { ?s ?p ?o }", results_format=CSV)))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(repr(exc))
                done.set()

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(150):
        if done.is_set():
            break
        store.update(f"INSERT DATA {{ <http://e/a> <http://e/b> {i} }}")
        ex.refresh()
    done.set()
    for t in threads:
        t.join()
    ex.close()
    store.close()
    assert failures == []
