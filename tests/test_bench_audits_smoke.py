"""A bounded smoke run of the audits benchmark (bench/audits.py): a tiny generated graph, one warm
repeat, three claims traced. It asserts only that the results are complete (every audit, the
whole run, the write and the trace have a time and a count), never a figure: the real runs
measure, tests do not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
AUDITS = ("corroboration", "origin-trace", "unnamed", "absent-speaker", "inferred", "conflicts",
          "omissions", "coverage")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("bench-audits")
    command = [sys.executable, str(BENCH / "audits.py"), "--scale", "3000", "--repeat", "1",
               "--warm-budget", "30", "--step-timeout", "120", "--sample", "3",
               "--work", str(tmp / "work"), "--out", str(tmp / "results")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    [json_file] = (tmp / "results").glob("*-3k-audits.json")
    [md_file] = (tmp / "results").glob("*-3k-audits.md")
    return {"result": json.loads(json_file.read_text()), "md": md_file.read_text(), "tmp": tmp}


def timed(step: dict[str, Any]) -> None:
    """A step that finished, with a cold time, a warm median and a peak RSS."""
    assert "error" not in step, step.get("error")
    assert step["cold"]["seconds"] > 0
    assert step["warm"]["runs"] >= 1 and step["warm"]["seconds"] > 0
    assert step["peak_rss_mib"] > 0


def test_the_result_has_every_section(smoke: dict[str, Any]) -> None:
    res = smoke["result"]
    for key in ("scale", "date", "command", "machine", "versions", "settings", "data", "store",
                "audits", "whole", "trace", "write", "total_seconds"):
        assert key in res, key
    assert res["scale"] == "3k"
    assert "bench/audits.py" in res["command"]
    assert {"cores", "memory_gib", "python"} <= set(res["machine"])
    assert res["versions"]["pyoxigraph"] and res["versions"]["kgraph"]
    load = res["store"]["load"]
    assert load["rc"] == 0 and load["seconds"] > 0 and load["quads"] > 0
    # its own store, under the work folder it was given
    assert (smoke["tmp"] / "work" / "audits-3k").is_dir()


def test_every_audit_has_a_time_and_a_count(smoke: dict[str, Any]) -> None:
    audits = smoke["result"]["audits"]
    assert set(audits) == set(AUDITS)
    for name, step in audits.items():
        timed(step)
        assert step["cold"]["query_s"] > 0, name
        assert {"rows", "flags", "warning", "notice", "info"} <= set(step["counts"]), name
        assert step["counts"]["flags"] == sum(step["counts"][s] for s in ("warning", "notice", "info"))


def test_the_whole_run_the_write_and_the_trace_are_measured(smoke: dict[str, Any]) -> None:
    res = smoke["result"]
    whole = res["whole"]["run_audits"]
    timed(whole)
    assert whole["counts"]["rows"] == sum(a["counts"]["rows"] for a in res["audits"].values())
    cli = res["whole"]["kgraph_audit"]
    timed(cli)
    assert cli["counts"]["audits"] == len(AUDITS)
    assert cli["counts"]["flags"] == whole["counts"]["flags"]
    write = res["write"]["write_findings"]
    timed(write)
    assert write["triples"] > 0 and write["warm"]["digest_s"] > 0
    timed(res["write"]["kgraph_audit_write_graph"])
    trace = res["trace"]
    timed(trace)
    assert trace["counts"]["claims"] == 3 and trace["counts"]["rows"] >= 3
    assert trace["cold"]["per_claim_p50_s"] > 0 and trace["warm"]["per_claim_max_s"] > 0


def test_the_markdown_is_made_from_the_result(smoke: dict[str, Any]) -> None:
    md = smoke["md"]
    res = smoke["result"]
    for heading in ("## Each audit, and the whole run", "## Writing the findings to graph/audit",
                    "## The origin trace of one claim"):
        assert heading in md
    assert res["command"] in md
    for name in AUDITS:
        assert f"| `{name}` |" in md
