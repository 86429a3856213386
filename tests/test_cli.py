"""The command line, run as a user runs it: a subprocess with its exit code and output."""

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kgraph.settings import REPOSITORY_ROOT

CLAIM = "https://w3id.org/kgraph/id/claim/kursk-dprk-2025-id/gerasimov-ua-losses"


def kgraph(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kgraph.cli", *args],
        capture_output=True, text=True, cwd=cwd or REPOSITORY_ROOT, timeout=300,
    )


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("repo") / "kgraph"
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPOSITORY_ROOT / folder, target / folder)
    return target


def test_validate_passes_on_the_shipped_repository():
    result = kgraph("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout


@pytest.mark.parametrize("engine", ["auto", "pyshacl"])
def test_validate_names_a_claim_without_claimant(repo_copy, tmp_path, engine):
    broken = repo_copy.parent / f"broken-{engine}"
    shutil.copytree(repo_copy, broken)
    source = broken / "data" / "ttl" / "sources" / "kursk-dprk-2025-id.ttl"
    lines = source.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"<{CLAIM}>")
    end = lines.index(".", start)
    kept = [l for i, l in enumerate(lines) if not (start < i < end and "kg:claimant" in l)]
    assert len(kept) == len(lines) - 1, "exactly one kg:claimant line removed"
    source.write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = kgraph("validate", "--repository", str(broken), "--engine", engine)
    assert result.returncode == 3, result.stdout + result.stderr
    report = result.stdout + result.stderr
    assert CLAIM in report
    assert "ontology#claimant" in report
    assert "needs exactly one claimant" in report
    assert "kursk-dprk-2025-id.ttl" in report, "the report names the source file"


def test_a_syntax_error_is_reported_with_file_and_line(repo_copy):
    broken = repo_copy.parent / "syntax"
    shutil.copytree(repo_copy, broken)
    source = broken / "data" / "ttl" / "entities.ttl"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[20] = lines[20] + ' "unterminated'
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = kgraph("validate", "--repository", str(broken))
    assert result.returncode == 2
    assert "entities.ttl:2" in result.stderr  # line 21 or 22 (the parser reads past the line end)
    store = broken / "store"
    result = kgraph("load", "--repository", str(broken), "--store", str(store))
    assert result.returncode == 2
    assert "entities.ttl:" in result.stderr
    listing = kgraph("graphs", "--store", str(store))
    assert "graph/entities" not in listing.stdout, "nothing may be loaded from a malformed repository"


def test_load_query_and_summary(tmp_path):
    store = tmp_path / "store"
    loaded = kgraph("load", "--store", str(store))
    assert loaded.returncode == 0, loaded.stderr
    assert "graph/source/kursk-dprk-2025-id" in loaded.stdout
    csv = kgraph("query", "--store", str(store), "--format", "csv",
                 "SELECT ?amount WHERE { <%s> kg:objectValue/kg:amount ?amount }" % CLAIM)
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.splitlines() == ["amount", "76000"]
    bad = kgraph("query", "--store", str(store), "SELECT ?x WHERE { ?x }")
    assert bad.returncode == 2
    assert "1:" in bad.stderr and "does not parse" in bad.stderr
    summary = kgraph("graphs", "--store", str(store))
    assert "claims: " in summary.stdout


def test_compile_and_fmt_checks_pass_on_the_shipped_data():
    assert kgraph("compile", "--check").returncode == 0
    assert kgraph("fmt", "--check").returncode == 0


def test_dump_and_restore_round_trip_the_whole_dataset(tmp_path):
    from kgraph.settings import Settings
    from kgraph.store import canonical_digest, open_store

    store_dir = tmp_path / "store"
    assert kgraph("load", "--store", str(store_dir)).returncode == 0
    s = open_store(Settings(store=store_dir))
    before = canonical_digest(s.quads())
    s.close()
    for name in ("dump.nq", "dump.trig"):
        dumped = kgraph("dump", str(tmp_path / name), "--store", str(store_dir))
        assert dumped.returncode == 0, dumped.stderr
        target = tmp_path / f"restored-{name}"
        restored = kgraph("restore", str(tmp_path / name), "--store", str(target))
        assert restored.returncode == 0, restored.stderr
        s = open_store(Settings(store=target))
        assert canonical_digest(s.quads()) == before
        s.close()
    bad = tmp_path / "bad.nq"
    bad.write_text("<http://e/a> <http://e/b> .\n")
    refused = kgraph("restore", str(bad), "--store", str(tmp_path / "restored-dump.nq"))
    assert refused.returncode == 2 and "bad.nq:1:" in refused.stderr
    s = open_store(Settings(store=tmp_path / "restored-dump.nq"))
    assert canonical_digest(s.quads()) == before, "a failed restore leaves the store as it was"
    s.close()


def test_serve_help_lists_every_setting_with_its_default():
    from kgraph.settings import Settings

    result = kgraph("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for s in Settings.describe():
        if s.name != "repository":
            assert s.env in text, s.env
    assert "KGRAPH_PORT=7878" in text


def serve_until_ready(*args: str, then: Callable[[int], object] | None = None) -> tuple[str, object]:
    """Start `kgraph serve ARGS` on a free port, wait for /health, call `then(port)`, stop the
    server (by its PID); return its output and what `then` returned."""
    import os
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kgraph.cli", "serve", *args, "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPOSITORY_ROOT,
        env={**os.environ, "COLUMNS": "200"},
    )
    answer = None
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, "kgraph serve exited before it was ready"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "kgraph serve did not become ready"
            time.sleep(0.3)
        if then is not None:
            answer = then(port)
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    return output, answer


def _serve_until_ready(store: Path) -> str:
    return serve_until_ready("--store", str(store))[0]


def test_serve_validates_a_new_store_and_trusts_an_existing_one(tmp_path):
    store = tmp_path / "store"
    first = _serve_until_ready(store)
    assert "store was empty" in first and "shapes: conforms" in first, first
    second = _serve_until_ready(store)
    assert "store was empty" not in second
    assert "not checked again at start" in second and "conforms" not in second, second


def test_serve_derives_the_truthy_graph_again_once_it_answers(tmp_path):
    """A process stopped between a write and the derivation that follows leaves the truthy
    graph behind the data: the next start derives it again, in the background."""
    import json
    import time
    import urllib.parse
    import urllib.request

    from kgraph.settings import Settings
    from kgraph.store import open_store

    store_dir = tmp_path / "store"
    _serve_until_ready(store_dir)
    truthy = "https://w3id.org/kgraph/graph/truthy"
    store = open_store(Settings(store=store_dir))
    expected = store.count(truthy)
    store.update(f"DELETE WHERE {{ GRAPH <{truthy}> {{ ?s ?p ?o }} }} ;"
                 f"INSERT DATA {{ GRAPH <{truthy}> {{ <http://e/stale> <http://e/p> 1 }} }}")
    store.close()
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{truthy}> {{ ?s ?p ?o }} }}"

    def truthy_count(port: int) -> int:
        deadline = time.monotonic() + 120
        while True:
            url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": count})
            req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(req, timeout=10) as r:
                n = int(json.load(r)["results"]["bindings"][0]["n"]["value"])
            if n != 1 or time.monotonic() > deadline:
                return n
            time.sleep(0.2)

    output, n = serve_until_ready("--store", str(store_dir), then=truthy_count)
    assert n == expected > 20
    assert "derived again in the background" in output
    assert "truthy graph derived again:" in output, output


def test_the_start_up_summary_folds_many_source_graphs_into_one_row():
    from kgraph.cli import SUMMARY_SOURCE_ROWS, out, print_summary
    from kgraph.settings import Settings
    from kgraph.store import open_store

    store = open_store(Settings(), in_memory=True)
    n = SUMMARY_SOURCE_ROWS + 5
    store.update("INSERT DATA { " + " ".join(
        f"GRAPH <https://w3id.org/kgraph/graph/source/s{i}> {{ <http://e/a> <http://e/p> {i}, {i + 1000} }}"
        for i in range(n)) + " GRAPH <https://w3id.org/kgraph/graph/entities> { <http://e/a> <http://e/p> 1 } }")
    store.update("CREATE GRAPH <http://e/empty>")
    with out.capture() as compact:
        print_summary(store, compact=True)
    with out.capture() as full:
        print_summary(store)
    assert f"({n} source graphs)" in compact.get() and str(2 * n) in compact.get()
    assert "graph/source/s3 " not in compact.get() and "graph/entities" in compact.get()
    assert all(f"graph/source/s{i} " in full.get() for i in range(n))
    assert "http://e/empty" in full.get()


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("cli-store") / "store"
    assert kgraph("load", "--store", str(store)).returncode == 0
    return store


def test_version():
    from kgraph import __version__

    done = kgraph("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"kgraph {__version__}"


def test_restore_never_replaces_a_folder_of_other_files(tmp_path, loaded_store):
    dump = tmp_path / "all.nq"
    assert kgraph("dump", str(dump), "--store", str(loaded_store)).returncode == 0
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.txt").write_text("precious")
    refused = kgraph("restore", str(dump), "--store", str(folder))
    assert refused.returncode == 2 and "not a kgraph store" in refused.stderr
    assert (folder / "thesis.txt").read_text() == "precious"
    missing = kgraph("restore", str(tmp_path / "nope.nq"), "--store", str(tmp_path / "new"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert not (tmp_path / "new.restoring").exists()


def test_restore_refuses_a_store_in_use(tmp_path, loaded_store):
    import pyoxigraph as ox

    dump = tmp_path / "all.nq"
    assert kgraph("dump", str(dump), "--store", str(loaded_store)).returncode == 0
    target = tmp_path / "in-use"
    assert kgraph("restore", str(dump), "--store", str(target)).returncode == 0
    held = ox.Store(str(target))  # as a running server holds it
    try:
        refused = kgraph("restore", str(dump), "--store", str(target))
        assert refused.returncode == 2 and "in use" in refused.stderr
        assert len(held) > 0
    finally:
        del held


@pytest.mark.parametrize("graph,message", [
    ("http://example.org/x> ; DROP GRAPH <http://example.org/g", "not an IRI"),
    ("not an iri", "not an IRI"),
    ("https://w3id.org/kgraph/graph/meta", "maintains"),
])
def test_load_checks_the_graph_option_first(tmp_path, loaded_store, graph, message):
    before = kgraph("graphs", "--store", str(loaded_store)).stdout
    f = tmp_path / "note.ttl"
    f.write_text('<http://example.org/n> <http://www.w3.org/2000/01/rdf-schema#comment> "n"@en .\n')
    done = kgraph("load", str(f), "--graph", graph, "--store", str(loaded_store))
    assert done.returncode == 2 and message in done.stderr
    assert kgraph("graphs", "--store", str(loaded_store)).stdout == before


@pytest.mark.parametrize("command", [["query", "ASK {}"], ["graphs"], ["dump", "out.nq"],
                                     ["validate", "--store", "--store-path"]])
def test_reading_commands_need_a_store_and_create_none(tmp_path, command):
    missing = tmp_path / "no-store"
    args = [*command, str(missing)] if command[-1] == "--store-path" else [*command, "--store", str(missing)]
    done = kgraph(*args, cwd=tmp_path)
    assert done.returncode == 2 and "no store at" in done.stderr, done.stderr
    assert not missing.exists()


def test_reading_commands_read_a_store_a_server_holds(loaded_store):
    import pyoxigraph as ox

    held = ox.Store(str(loaded_store))
    try:
        done = kgraph("query", "--store", str(loaded_store), "-f", "csv", "ASK {}")
        assert done.returncode == 0 and done.stdout.strip() == "true", done.stderr
    finally:
        del held


def test_query_errors_are_one_line(tmp_path, loaded_store):
    for args in (["query", f"@{tmp_path}/nope.rq"], ["query", "-f", "yaml", "ASK {}"],
                 ["dump", str(tmp_path / "no/such/dir/x.nq")], ["dump", str(tmp_path / "x.ttl")],
                 ["validate", "--format", "yaml"]):
        done = kgraph(*args, "--store", str(loaded_store)) if args[0] != "validate" else kgraph(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0, done.stderr


def test_query_union_option_overrides_the_setting(loaded_store):
    import os

    env = {**os.environ, "KGRAPH_UNION_DEFAULT_GRAPH": "false"}
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for flag, positive in (("--union", True), ("--no-union", False)):
        done = subprocess.run([sys.executable, "-m", "kgraph.cli", "query", "--store", str(loaded_store),
                               "-f", "csv", flag, q], capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        assert (int(done.stdout.splitlines()[1]) > 0) is positive


def test_a_large_result_streams_into_a_pipe_that_closes(loaded_store):
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    done = subprocess.run(f"{sys.executable} -m kgraph.cli query --store {loaded_store} -f csv '{q}' | head -1",
                          shell=True, capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "s,p,o" and "Traceback" not in done.stderr


def test_serve_refuses_a_port_in_use_in_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = kgraph("serve", "--store", str(tmp_path / "store"), "--port", str(port))
    assert done.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert not (tmp_path / "store").exists()


def test_serve_refuses_a_folder_of_other_files(tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    done = kgraph("serve", "--store", str(folder), "--port", "0")
    assert done.returncode == 2 and "not a kgraph store" in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_fmt_reports_a_syntax_error_with_file_and_line(tmp_path):
    (tmp_path / "data" / "ttl").mkdir(parents=True)
    bad = tmp_path / "data" / "ttl" / "x.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e .\n")
    done = kgraph("fmt", "--repository", str(tmp_path))
    assert done.returncode == 2 and "x.ttl:3:" in done.stderr and "Traceback" not in done.stderr
