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


# -- inline: single patterns answered without a worker ----------------------------------------

def _single_pattern_requests(store):
    """Single-pattern queries over the seed's own terms, in every dataset form the protocol
    has: union, the store's default graph, chosen default graphs, GRAPH over named graphs."""
    import random

    rng = random.Random(7)
    quads = [q for q in store.raw if not isinstance(q.subject, ox.BlankNode)
             and not isinstance(q.object, ox.BlankNode)]
    graphs = sorted({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})
    requests = []
    for _ in range(60):
        q = rng.choice(quads)
        s, p, o = (str(q.subject), "?p", "?o") if rng.random() < 0.5 else ("?s", str(q.predicate), str(q.object))
        text = f"SELECT * WHERE {{ {s} {p} {o} }}"
        form = rng.randrange(4)
        if form == 0:
            requests.append(Request(text, union=True, results_format=CSV))
        elif form == 1:
            requests.append(Request(text, default_graphs=[q.graph_name.value], results_format=CSV))
        elif form == 2:
            requests.append(Request(f"SELECT * WHERE {{ GRAPH ?g {{ {s} {p} {o} }} }}",
                                    named_graphs=rng.sample(graphs, 3) + [q.graph_name.value],
                                    default_graphs=[], results_format=CSV))
        else:
            requests.append(Request(f"ASK {{ {s} {p} {o} }}", union=True, results_format=CSV))
    return requests


def test_inline_answers_equal_the_workers(executor, disk_seed):
    """The same single-pattern queries, inline on the live store and in a worker on its
    checkpoint: the same bytes, whatever the dataset."""
    _, store = disk_seed
    requests = _single_pattern_requests(store)
    inline = 0
    for request in requests:
        stream = executor.try_inline(request)
        if stream is None:
            continue
        inline += 1
        assert stream.body == b"".join(executor.execute(request)), request
    assert inline >= 50, "most single-pattern look-ups must be answered inline"


def test_inline_gives_way_to_a_worker_when_the_result_grows(executor):
    """Past one message of output the inline evaluation is abandoned, unanswered."""
    from kgraph.query.worker import CHUNK

    big = Request("SELECT * WHERE { ?s ?p ?o }", union=True, results_format=CSV)
    assert executor.try_inline(big) is None
    assert len(b"".join(executor.execute(big))) > CHUNK


def test_inline_refuses_joins_and_reports_errors_as_execute_does(executor):
    join = Request("SELECT * WHERE { ?s ?p ?o . ?o ?q ?r } LIMIT 1", union=True, results_format=CSV)
    assert executor.try_inline(join) is None
    for request in (Request("SELECT ?o WHERE { nope:x ?p ?o }", union=True, results_format=CSV),
                    Request("SELECT ?o WHERE { ?s ?p ?o }", union=True, results_format=CSV,
                            max_bytes=100),
                    Request("SELECT ?o WHERE { ?s ?p ?o }", union=True, results_format=None)):
        with pytest.raises((QueryFailed, QueryLimit)) as inline:
            executor.try_inline(request)
        with pytest.raises((QueryFailed, QueryLimit)) as worker:
            executor.execute(request)
        assert (inline.value.http_status, str(inline.value)) == (
            worker.value.http_status, str(worker.value))
    assert inline.value.http_status == 406 and "query:1:" not in str(inline.value)


def test_inline_sees_a_write_at_once(tmp_path):
    from kgraph.settings import Settings
    from kgraph.store import open_store

    store = open_store(Settings(store=tmp_path / "store"))
    ex = WorkerExecutor(store, max_concurrent=1)
    try:
        ask = Request("ASK { <http://e/a> <http://e/b> ?o }", union=True, results_format=CSV)
        assert ex.try_inline(ask).body.strip().endswith(b"false")
        store.update("INSERT DATA { GRAPH <http://e/g> { <http://e/a> <http://e/b> 1 } }")
        ex.refresh()
        assert ex.try_inline(ask).body.strip().endswith(b"true")
    finally:
        ex.close()
        store.close()
