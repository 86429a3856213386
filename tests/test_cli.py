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
