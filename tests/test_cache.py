"""The result cache: repeated queries are served from memory; any write empties it."""

import pyoxigraph as ox
from fastapi.testclient import TestClient

from kgraph.query import InProcessExecutor, Request
from kgraph.query.cache import CachingExecutor
from kgraph.settings import Settings
from kgraph.store import open_store
from kgraph.web.app import create_app

CSV = ox.QueryResultsFormat.CSV


def test_second_identical_query_is_a_hit_and_a_refresh_empties_it():
    store = open_store(Settings(), in_memory=True)
    store.update("INSERT DATA { <http://e/a> <http://e/b> 1 }")
    cache = CachingExecutor(InProcessExecutor(store), max_bytes=1_000_000)
    q = Request("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=[""], results_format=CSV)
    first = b"".join(cache.execute(q))
    second = b"".join(cache.execute(q))
    assert first == second and (cache.hits, cache.misses) == (1, 1)
    other_format = Request(q.query, default_graphs=[""], results_format=ox.QueryResultsFormat.TSV)
    b"".join(cache.execute(other_format))
    assert cache.misses == 2, "the format is part of the key"
    store.update("INSERT DATA { <http://e/a> <http://e/b> 2 }")
    cache.refresh()
    assert b"".join(cache.execute(q)) != first
    assert cache.misses == 3


def test_a_result_finished_after_a_write_is_not_kept():
    store = open_store(Settings(), in_memory=True)
    cache = CachingExecutor(InProcessExecutor(store), max_bytes=1_000_000)
    q = Request("ASK { ?s ?p ?o }", default_graphs=[""], results_format=CSV)
    stream = cache.execute(q)
    cache.refresh()  # a write landed while the result was being sent
    b"".join(stream)
    b"".join(cache.execute(q))
    assert cache.hits == 0


def test_a_write_is_visible_in_the_very_next_query(tmp_path):
    settings = Settings(store=tmp_path / "store", write_token="w:t")
    store = open_store(settings)
    app = create_app(settings, store)
    assert isinstance(app.state.executor, CachingExecutor)
    with TestClient(app) as client:
        ask = {"query": "ASK { <http://e/x> ?p ?o }"}
        assert client.get("/sparql", params=ask).json()["boolean"] is False
        assert client.get("/sparql", params=ask).json()["boolean"] is False
        assert app.state.executor.hits >= 1
        r = client.post("/update", content="INSERT DATA { <http://e/x> <http://e/y> 1 }",
                        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer t"})
        assert r.status_code == 200
        assert client.get("/sparql", params=ask).json()["boolean"] is True
    app.state.executor.close()
    store.close()


def test_inline_answers_are_cached_and_a_write_is_seen_next():
    store = open_store(Settings(), in_memory=True)
    store.update("INSERT DATA { <http://e/a> <http://e/b> 1 }")
    cache = CachingExecutor(InProcessExecutor(store), max_bytes=1_000_000)
    q = Request("SELECT ?o WHERE { <http://e/a> <http://e/b> ?o }", default_graphs=[""],
                results_format=CSV)
    first = cache.try_inline(q)
    assert first is not None and (cache.hits, cache.misses) == (0, 1)
    assert cache.try_inline(q).body == first.body and cache.hits == 1
    assert b"".join(cache.execute(q)) == first.body and cache.hits == 2, "one cache for both paths"
    store.update("INSERT DATA { <http://e/a> <http://e/b> 2 }")
    cache.refresh()
    assert b"2" in cache.try_inline(q).body
    join = Request("SELECT * WHERE { ?s ?p ?o . ?o ?q ?r }", default_graphs=[""], results_format=CSV)
    assert cache.try_inline(join) is None and cache.misses == 2, "a refusal is not a miss"


def test_a_result_over_a_quarter_of_the_cache_is_not_kept():
    store = open_store(Settings(), in_memory=True)
    store.update("INSERT DATA { " + " ".join(f"<http://e/s{i}> <http://e/p> {i} ." for i in range(200)) + " }")
    q = Request("SELECT * WHERE { ?s ?p ?o . ?s ?p ?o }", default_graphs=[""], results_format=CSV)
    size = len(b"".join(InProcessExecutor(store).execute(q)))
    for max_bytes, kept in ((4 * size, True), (4 * size - 4, False)):
        cache = CachingExecutor(InProcessExecutor(store), max_bytes=max_bytes)
        b"".join(cache.execute(q))
        b"".join(cache.execute(q))
        assert (cache.hits == 1) is kept, max_bytes
