"""A bounded smoke run of the benchmark harness (bench/run.py): a tiny generated graph, kgraph
and oxigraph serve only, half-second cells of a few requests. It asserts only that the run
produced complete results (every field, every cell), never a figure: targets are measured by
the real runs, not by tests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


def _oxigraph_cli() -> str | None:
    local = Path(sys.executable).parent / "oxigraph"
    return str(local) if local.exists() else shutil.which("oxigraph")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> dict:
    if _oxigraph_cli() is None:
        try:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--retries", "0",
                            "--timeout", "15", "oxigraph==0.5.13"], capture_output=True, timeout=90)
        except subprocess.TimeoutExpired:
            pass
        if _oxigraph_cli() is None:
            pytest.skip("the oxigraph CLI (PyPI package oxigraph==0.5.13) is not installed and "
                        "could not be installed; the harness needs it as a peer")
    tmp = tmp_path_factory.mktemp("bench")
    command = [sys.executable, str(BENCH / "run.py"), "--scale", "3000", "--duration", "0.5",
               "--concurrency", "1", "--servers", "kgraph,oxigraph", "--max-requests", "10",
               "--request-timeout", "30", "--ready-timeout", "60", "--violations", "3",
               "--validation-timeout", "60", "--work", str(tmp / "work"), "--out", str(tmp / "results"),
               "--no-install"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    [json_file] = (tmp / "results").glob("*-3k.json")
    [md_file] = (tmp / "results").glob("*-3k.md")
    return {"result": json.loads(json_file.read_text()), "md": md_file.read_text(),
            "json_file": json_file}


def test_the_result_has_every_section(smoke):
    res = smoke["result"]
    for key in ("scale", "date", "command", "machine", "versions", "data", "loads", "queries",
                "servers", "agreement", "validation", "targets", "concurrency", "duration"):
        assert key in res, key
    assert res["scale"] == "3k"
    assert {"cores", "memory_gib", "python"} <= set(res["machine"])
    assert res["versions"]["pyoxigraph"] and res["versions"]["oxigraph"]
    assert "bench/run.py" in res["command"]
    for key in ("kgraph_load", "kgraph_restore", "oxigraph_load"):
        assert res["loads"][key]["seconds"] > 0 and res["loads"][key]["triples_per_s"] > 0, key
    full = res["validation"]["full"]
    assert {"validate_seconds", "violations", "triples"} <= set(full), full
    for key in ("write", "write_no_validation"):
        assert {"seconds", "validate_seconds", "truthy_seconds", "triples"} <= set(res["validation"][key])
    assert res["targets"] and all({"target", "goal", "measured", "met"} <= set(t) for t in res["targets"])


def test_every_server_answered_every_cell(smoke):
    res = smoke["result"]
    names = [q["name"] for q in res["queries"]]
    assert len(names) >= 10
    for server in ("kgraph", "kgraph+cache", "kgraph+disk", "oxigraph"):
        s = res["servers"][server]
        assert "error" not in s, s.get("error")
        for key in ("ready_s", "rss_at_ready_mib", "peak_rss_mib", "command"):
            assert key in s, (server, key)
        if server.startswith("kgraph"):  # its background start-up work was waited for
            assert s["settled_s"] >= s["ready_s"], s
        for name in names:
            q = s["queries"][name]
            assert {"first_ms", "rows", "digest"} <= set(q), (server, name, q)
            cell = q["cells"]["1"]
            for key in ("requests", "req_s", "p50_ms", "p99_ms", "errors", "statuses"):
                assert key in cell, (server, name, key)
            assert cell["requests"] >= 1, (server, name)
    for name in names:
        assert set(res["agreement"][name]["answers"]) == {"kgraph", "kgraph+cache", "kgraph+disk", "oxigraph"}


def test_the_markdown_is_made_from_the_result(smoke):
    md = smoke["md"]
    for heading in ("## Servers", "## Queries", "## Cold", "## Loads", "## Validation", "## Targets"):
        assert heading in md
    assert smoke["result"]["command"] in md


def test_rendering_a_result_again_gives_the_same_tables(smoke, tmp_path):
    """`run.py --render` remakes the tables from a results file alone (for a report change)."""
    copy = tmp_path / smoke["json_file"].name
    copy.write_text(smoke["json_file"].read_text())
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), "--render", str(copy)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert copy.with_suffix(".md").read_text() == smoke["md"]
