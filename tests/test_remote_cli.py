"""The command line on a remote store, run as a user runs it (subprocesses) against a live
`oxigraph serve` on 127.0.0.1: the two commands of docs/scaling.md (`kgraph load --store URL`,
then `kgraph serve --store URL`) give what the embedded store gives; a second load duplicates
nothing; --restart redoes an interrupted load; what cannot work (a server that is down, one
without SPARQL Update, a store too large to copy for validation, `restore`) is a user error
(exit 2) that names the URL."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rich.console import Console
from rich.progress import Progress

from kgraph.loading import GraphFile, load_files, load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import StoreUnavailable, canonical_digest, open_store, remote_load
from support import OxigraphServer
from test_cli import CLAIM, kgraph, serve_until_ready

KG = "https://w3id.org/kgraph/ontology#"
SOURCE_ID = "kursk-dprk-2025-id"
#: Every claim with its amount: answered by the server, compared with the embedded store.
AMOUNTS = "SELECT ?claim ?amount WHERE { ?claim kg:objectValue/kg:amount ?amount }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`oxigraph serve` as docs/scaling.md starts it (without --union-default-graph)."""
    with OxigraphServer(tmp_path_factory.mktemp("cli-remote") / "oxigraph",
                        union_default_graph=False) as s:
        yield s


@pytest.fixture(scope="module")
def loaded(server):
    """The first of the two commands: the seed repository loaded into the server."""
    return kgraph("load", "--store", server.query_url)


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> Path:
    """The same repository in an embedded store directory, loaded by the same command."""
    store = tmp_path_factory.mktemp("cli-local") / "store"
    result = kgraph("load", "--store", str(store))
    assert result.returncode == 0, result.stderr
    return store


def digest(location: str | Path) -> str:
    s = open_store(Settings(store=location))
    try:
        return canonical_digest(s.quads())
    finally:
        s.close()


def counts(location: str | Path) -> dict[str, int]:
    s = open_store(Settings(store=location))
    try:
        return {g: s.count(g) for g in s.graphs()}
    finally:
        s.close()


def rows(solutions: ox.QuerySolutions) -> list[tuple[str, ...]]:
    variables = [v.value for v in solutions.variables]
    return sorted(tuple(str(s[v]) for v in variables) for s in solutions)


# -- the two commands ----------------------------------------------------------------------------

def test_load_says_what_the_server_supports_and_loads_what_the_embedded_store_holds(server, loaded, local):
    assert loaded.returncode == 0, loaded.stderr
    for line in (f"SPARQL store at {server.query_url}:", "union default graph: per query",
                 "SPARQL Update: yes", "Graph Store protocol: yes"):
        assert line in loaded.stderr, loaded.stderr
    assert f"in {server.query_url}" in loaded.stdout
    assert counts(server.query_url) == counts(local)
    assert digest(server.query_url) == digest(local)


def test_loading_the_repository_again_duplicates_nothing(server, loaded, local):
    assert loaded.returncode == 0, loaded.stderr
    before = digest(server.query_url)
    again = kgraph("load", "--store", server.query_url)
    assert again.returncode == 0, again.stderr
    assert digest(server.query_url) == before == digest(local)
    assert counts(server.query_url) == counts(local)


def ask(query: str) -> Callable[[int], ox.QuerySolutions]:
    """What asks a `kgraph serve` on a port this query at /sparql, for JSON results."""
    def asked(port: int) -> ox.QuerySolutions:
        params = urllib.parse.urlencode({"query": query})
        request = urllib.request.Request(f"http://127.0.0.1:{port}/sparql?{params}",
                                         headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=60) as r:
            return ox.parse_query_results(r.read(), format=ox.QueryResultsFormat.JSON)  # type: ignore[return-value]

    return asked


def test_serve_over_the_remote_store_answers_as_the_embedded_store(server, loaded, seed_store):
    assert loaded.returncode == 0, loaded.stderr
    output, remote = serve_until_ready("--store", server.query_url, "--check", then=ask(AMOUNTS))
    assert "SPARQL Update: yes" in output and "shapes: conforms" in output, output
    expected = rows(seed_store.query(AMOUNTS))  # type: ignore[arg-type]
    assert expected and rows(remote) == expected  # type: ignore[arg-type]


def test_query_audit_and_export_read_the_remote_store_as_the_embedded_one(server, loaded, local):
    assert loaded.returncode == 0, loaded.stderr
    for args in (["query", "--format", "csv", AMOUNTS], ["audit", "--format", "csv"],
                 ["export", "csv"]):
        remote = kgraph(*args, "--store", server.query_url)
        embedded = kgraph(*args, "--store", str(local))
        assert remote.returncode == embedded.returncode == 0, remote.stderr + embedded.stderr
        assert len(remote.stdout.splitlines()) > 1, args
        assert sorted(remote.stdout.splitlines()) == sorted(embedded.stdout.splitlines()), args


# -- resuming and restarting ---------------------------------------------------------------------

def test_restart_redoes_an_interrupted_load_from_the_start(server, loaded, tmp_path):
    """A load is interrupted after two batches of a graph; the record vouches for them, so a
    plain rerun would continue after them, keeping whatever the graph received meanwhile.
    --restart forgets the record: the graph is exactly its file."""
    graph = "http://example.org/test/restart"
    path = tmp_path / "restart.nt"
    path.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n'
                            for i in range(23)))
    store = open_store(Settings(store=server.query_url))
    real_send = store.send_triples
    sent: list[str] = []

    def failing_send(g, batch):  # type: ignore[no-untyped-def]
        sent.append(g)
        if len(sent) == 3:
            raise StoreUnavailable("the connection dropped")
        real_send(g, batch)

    store.batch_triples = 5
    store.send_triples = failing_send  # type: ignore[method-assign]
    try:
        with pytest.raises(StoreUnavailable):
            load_files(store, [GraphFile(path, graph)])
        store.send_triples = real_send  # type: ignore[method-assign]
        record = remote_load.read_records(store)[graph]
        assert (record.triples, record.done) == (10, False)
        store.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/stray> '
                     f'<http://example.org/p> "written meanwhile" }} }}')

        restarted = kgraph("load", str(path), "--graph", graph, "--restart",
                           "--store", server.query_url)
        assert restarted.returncode == 0, restarted.stderr
        expected = {t.object.value for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)}
        assert {t.object.value for t in store.triples(graph)} == expected
        assert store.count(graph) == len(expected)
        assert remote_load.progress_graph(store) not in store.graphs()
        assert not any("/graph/staging/" in g for g in store.graphs())
    finally:
        store.send_triples = real_send  # type: ignore[method-assign]
        store.drop_graph(graph)
        store.drop_graph(remote_load.progress_graph(store))
        store.close()


def test_forget_drops_the_records_of_the_graphs_named_only(server, loaded):
    store = open_store(Settings(store=server.query_url))
    record = remote_load.progress_graph(store)
    kg = store.namespaces.kg
    try:
        store.update(f'INSERT DATA {{ GRAPH <{record}> {{ <http://example.org/a> <{kg}loadTriples> 1 . '
                     f'<http://example.org/b> <{kg}loadTriples> 2 }} }}')
        remote_load.forget(store, ["http://example.org/a"])
        left = {r["s"].value for r in store.query(  # type: ignore[union-attr]
            f"SELECT ?s WHERE {{ GRAPH <{record}> {{ ?s ?p ?o }} }}")}
        assert left == {"http://example.org/b"}
        remote_load.forget(store)
        assert record not in store.graphs()
    finally:
        store.drop_graph(record)
        store.close()


def test_the_progress_bar_reaches_its_total_in_triples_remote_and_in_files_embedded(server, loaded):
    from kgraph.cli import LoadProgress
    from kgraph.loading import plan_repository

    embedded = open_store(Settings(), in_memory=True)
    plan = plan_repository(REPOSITORY_ROOT, embedded.namespaces)
    remote = open_store(Settings(store=server.query_url))
    try:
        totals = []
        for store in (remote, embedded):
            with Progress(console=Console(file=io.StringIO())) as progress:
                tick = LoadProgress(progress, len(plan))
                report = load_files(store, plan, progress=tick)
                task = progress.tasks[0]
                assert task.completed == task.total, (store, task.completed, task.total)
                totals.append((task.total, task.fields["unit"], report.triples))
        (remote_total, remote_unit, remote_triples), (local_total, local_unit, local_triples) = totals
        assert (remote_unit, local_unit) == ("triples", "files")
        assert remote_total == remote_triples == local_triples  # the seed files repeat no triple
        assert local_total == len(plan)
    finally:
        remote.close()


# -- validating ----------------------------------------------------------------------------------

def test_validate_store_reads_the_remote_store(server, loaded, local):
    assert loaded.returncode == 0, loaded.stderr
    remote = kgraph("validate", "--store", "--store-path", server.query_url, "--format", "json")
    embedded = kgraph("validate", "--store", "--store-path", str(local), "--format", "json")
    assert remote.returncode == embedded.returncode == 0, remote.stdout + remote.stderr
    assert json.loads(remote.stdout) == json.loads(embedded.stdout)

    s = open_store(Settings(store=server.query_url))
    claimant = [(r["g"], r["c"]) for r in s.query(  # type: ignore[union-attr]
        f"SELECT ?g ?c WHERE {{ GRAPH ?g {{ <{CLAIM}> kg:claimant ?c }} }}")]
    assert len(claimant) == 1
    (g, c), = claimant
    triple = f"GRAPH {g} {{ <{CLAIM}> <{KG}claimant> {c} }}"
    httpx.post(server.url + "/update", data={"update": f"DELETE DATA {{ {triple} }}"}).raise_for_status()
    try:  # changed behind kgraph's back: the validation must see it
        broken = kgraph("validate", "--store", "--store-path", server.query_url)
        assert broken.returncode == 3, broken.stdout + broken.stderr
        assert CLAIM in broken.stdout + broken.stderr
    finally:
        httpx.post(server.url + "/update", data={"update": f"INSERT DATA {{ {triple} }}"}).raise_for_status()
        s.close()


@pytest.mark.parametrize("command", [["validate", "--store", "--store-path"],
                                     ["serve", "--check", "--store"]])
def test_a_store_too_large_to_copy_for_validation_says_its_size_the_limit_and_the_setting(server, loaded, command):
    assert loaded.returncode == 0, loaded.stderr
    size = sum(counts(server.query_url).values())
    env = {**os.environ, "KGRAPH_STORE_MAX_COPY_QUADS": "100"}
    port = ["--port", str(free_port())] if command[0] == "serve" else []  # were it to serve
    result = subprocess.run([sys.executable, "-m", "kgraph.cli", *command, server.query_url, *port],
                            capture_output=True, text=True, cwd=REPOSITORY_ROOT, env=env, timeout=300)
    assert result.returncode == 2, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert f"{size:,} quads" in message and "100" in message, message
    assert "raise KGRAPH_STORE_MAX_COPY_QUADS" in message and server.query_url in message
    assert "Traceback" not in result.stderr


# -- what cannot work ----------------------------------------------------------------------------

def test_a_server_that_is_down_is_a_user_error_naming_its_url():
    url = f"http://127.0.0.1:{free_port()}/query"
    for args in (["graphs"], ["load"], ["serve"]):
        result = kgraph(*args, "--store", url)
        assert result.returncode == 2, (args, result.stderr)
        assert f"cannot reach the SPARQL store at {url}" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_server_without_sparql_update_is_refused_for_loading_and_read_for_queries(server, loaded):
    assert loaded.returncode == 0, loaded.stderr
    nowhere = server.url + "/no-update-here"
    refused = kgraph("load", "--store", server.query_url, "--store-update-url", nowhere)
    assert refused.returncode == 2, refused.stderr
    assert "SPARQL Update: no" in refused.stderr
    message = " ".join(refused.stderr.split())
    assert f"the SPARQL store at {nowhere} does not accept SPARQL Update" in message
    assert "Traceback" not in refused.stderr
    read = kgraph("graphs", "--store", server.query_url, "--store-update-url", nowhere)
    assert read.returncode == 0 and SOURCE_ID in read.stdout, read.stderr


def test_a_graph_store_url_is_taken_from_its_option(server, loaded):
    result = kgraph("graphs", "--store", server.query_url,
                    "--store-graph-store-url", server.url + "/no-graph-store-here")
    assert result.returncode == 0, result.stderr
    assert "Graph Store protocol: no" in result.stderr
    assert f"no Graph Store protocol at {server.url}/no-graph-store-here" in result.stderr


def test_remote_urls_beside_a_store_directory_are_refused(tmp_path):
    result = kgraph("graphs", "--store", str(tmp_path / "store"),
                    "--store-update-url", "http://127.0.0.1:1/update")
    assert result.returncode == 2 and "--store-update-url is for a remote store" in result.stderr


def test_restore_into_a_remote_store_is_refused_and_changes_nothing(server, loaded, tmp_path):
    assert loaded.returncode == 0, loaded.stderr
    before = digest(server.query_url)
    dump = tmp_path / "dump.nq"
    dumped = kgraph("dump", str(dump), "--store", server.query_url)
    assert dumped.returncode == 0, dumped.stderr
    result = kgraph("restore", str(dump), "--store", server.query_url)
    assert result.returncode == 2, result.stderr
    assert "docs/scaling.md" in result.stderr and server.query_url in result.stderr
    assert digest(server.query_url) == before


def test_withdraw_on_a_remote_store_as_on_the_embedded_one(tmp_path):
    repo = tmp_path / "repo"
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPOSITORY_ROOT / folder, repo / folder)
    local = tmp_path / "store"
    assert kgraph("load", "--store", str(local), "--repository", str(repo)).returncode == 0
    with OxigraphServer(tmp_path / "oxigraph", union_default_graph=False) as server:
        s = open_store(Settings(store=server.query_url))
        load_repository(s, repo)
        s.close()
        outputs = []
        for store in (server.query_url, str(local)):
            result = kgraph("withdraw", SOURCE_ID, "--reason", "test", "--keep-files",
                            "--store", store, "--repository", str(repo))
            assert result.returncode == 0, result.stderr
            outputs.append(result.stdout.split(" IRIs now answer 410")[0].split(": ")[-1])
            assert not any(g.endswith(f"/source/{SOURCE_ID}") for g in counts(store)), store
        assert outputs[0] == outputs[1] and int(outputs[0]) > 0
