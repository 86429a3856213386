"""The audits' cost on the generated benchmark data: every audit `kgraph audit` runs, the whole run,
writing the findings as RDF, and the per-claim origin trace, each timed cold and warm.

    .venv/bin/python bench/audits.py --scale 100k        # 1m: add --step-timeout 3600
    [--repeat 3] [--warm-budget 300] [--step-timeout 1800] [--sample 20] [--seed 42]

Steps: generate the data (bench/generate.py, cached under bench/work/data-<scale>-s<seed>);
load it with `kgraph load --repository` into a fresh store of its own, bench/work/audits-<scale>
(what a user's store holds: the source graphs, entities, dataset, ontology, shapes and the derived
truthy graph; the audits read the union of all graphs); then measure, each step in a fresh child
process with a time limit:

* each of the eight audits through the runner (`kgraph.audits.run_audit`): the query, turning
  rows into values and raising the flags, with the time of the audit's own query and of the
  label/evidence look-ups the flags need shown apart;
* the whole run in process (`run_audits`: the eight audits sharing one look-up cache, as
  `kgraph audit` runs them) and `kgraph audit --format json` as a command (process start,
  imports and opening the store included);
* writing the findings to graph/audit (`write_findings`: the digest of the data graphs, the
  findings' triples, replacing the graph) and `kgraph audit --write-graph` as a command;
* the origin trace of single claims (`run_audit(store, "origin-trace", {"claim": ...})`, what
  `kgraph audit origin-trace --claim` and the claim pages ask for) on an evenly spread sample.

Cold is the first run in a fresh process that has just opened the store (the operating
system's page cache may still hold the store's files from an earlier step); warm is the median of
the repeats that follow in the same process (at least one, at most --repeat, while their total
stays under --warm-budget seconds). Peak RSS is the child's own maximum resident set (getrusage).
A step that passes --step-timeout is stopped and reported as not finished.

Writes bench/results/<date>-<scale>-audits.json (everything, with the exact command, the
machine and package versions) and bench/results/<date>-<scale>-audits.md, the tables made from it.
Figures are measured here, never asserted by a test (tests/test_bench_audits_smoke.py only checks
that a tiny run is complete).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import run  # noqa: E402

PY = sys.executable
BASE_IRI = "https://w3id.org/kgraph/"
#: the audits in the order `kgraph audit` runs them (checked against the registry at run time)
AUDITS = ("corroboration", "origin-trace", "unnamed", "absent-speaker", "inferred", "conflicts",
          "omissions", "coverage")


# -- the machine, the data: as bench/run.py has them (so the two share the generated data) ------

def versions() -> dict[str, str | None]:
    return run.versions(("kgraph", "pyoxigraph", "rdflib", "pyshacl"))


def machine() -> dict[str, Any]:
    return run.machine("one step at a time; the machine may be shared (see the load averages)")


loadavg, scale_name = run.loadavg, run.scale_name


def ensure_data(n: int, seed: int, work: Path) -> tuple[Path, dict[str, Any], float | None]:
    return run.ensure_data(n, seed, work)


def run_child(cmd: list[str], timeout: float, stdout: Path, log: Path) -> dict[str, Any]:
    """Run a command to its end or its time limit; wall time, exit code and the peak resident
    set of the process (from wait4, exact, no sampling). Output goes to files: a JSON report of
    a million-triple run is too large for a pipe nobody reads while waiting."""
    started = time.perf_counter()
    with stdout.open("wb") as out, log.open("ab") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        expired = threading.Event()

        def stop() -> None:
            expired.set()
            proc.kill()  # only the child we started, by its PID

        timer = threading.Timer(timeout, stop)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": round(time.perf_counter() - started, 3), "rc": proc.returncode,
            "timed_out": expired.is_set(), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}


def load_store(data: Path, store: Path, work: Path, timeout: float) -> dict[str, Any]:
    """A fresh store of this benchmark's own, loaded the way a user loads a repository."""
    shutil.rmtree(store, ignore_errors=True)
    out = work / f"{store.name}.load.out"
    cmd = [PY, "-m", "kgraph.cli", "load", "--store", str(store), "--repository", str(data)]
    r = run_child(cmd, timeout, out, work / f"{store.name}.log")
    text = out.read_text(errors="replace")
    m = re.search(r"loaded (\d+) triples into (\d+) graph", " ".join(text.split()))
    return {"command": f"kgraph load --store {rel(store)} --repository {rel(data)}",
            "seconds": r["wall_s"], "rc": r["rc"], "timed_out": r["timed_out"],
            "peak_rss_mib": r["peak_rss_mib"], "quads": int(m[1]) if m else None,
            "graphs": int(m[2]) if m else None}


def rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# -- the measurements, in a child process ------------------------------------------------------

class Timings:
    """Wraps the runner's `select`, so that the time of an audit's own query and of the flags'
    look-ups (labels, evidence, facts: one small query each) can be told apart."""

    def __init__(self) -> None:
        import kgraph.audits.runner as runner

        self.runner = runner
        self.real = runner.select
        self.audit_texts = {a.text for a in runner.registry().values()}
        self.reset()
        runner.select = self.select  # type: ignore[assignment]

    def reset(self) -> None:
        self.query_s = 0.0
        self.lookup_s = 0.0
        self.lookups = 0

    def select(self, store: Any, text: str, bindings: Any = None, *,
               inline_values: bool = False) -> Any:
        started = time.perf_counter()
        try:
            return self.real(store, text, bindings, inline_values=inline_values)
        finally:
            spent = time.perf_counter() - started
            if text in self.audit_texts:
                self.query_s += spent
            else:
                self.lookup_s += spent
                self.lookups += 1

    def snapshot(self, total: float) -> dict[str, Any]:
        return {"seconds": round(total, 4), "query_s": round(self.query_s, 4),
                "lookups_s": round(self.lookup_s, 4), "lookups": self.lookups,
                "rest_s": round(total - self.query_s - self.lookup_s, 4)}


def repeat_warm(once: Callable[[], dict[str, Any]], repeat: int, budget: float) -> dict[str, Any]:
    """Up to `repeat` further runs (at least one) while their total stays under `budget`
    seconds; the median of each measured figure."""
    runs: list[dict[str, Any]] = []
    spent = 0.0
    while len(runs) < max(1, repeat):
        if runs and spent + runs[-1]["seconds"] > budget:
            break
        r = once()
        runs.append(r)
        spent += r["seconds"]
    out: dict[str, Any] = {"runs": len(runs)}
    for key in runs[0]:
        values = [r[key] for r in runs]
        if all(isinstance(v, (int, float)) for v in values):
            out[key] = round(statistics.median(values), 4)
    out["all_s"] = [r["seconds"] for r in runs]
    return out


def counts_of(results: list[Any]) -> dict[str, Any]:
    flags = [f for r in results for f in r.flags]
    by = {s: sum(1 for f in flags if f.severity == s) for s in ("warning", "notice", "info")}
    return {"rows": sum(len(r.rows) for r in results), "flags": len(flags), **by}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """One step, in this (fresh) process: its cold run and its warm repeats."""
    from kgraph.namespaces import Namespaces
    from kgraph.store.embedded import EmbeddedStore

    step = args.step
    writes = step == "write"
    started = time.perf_counter()
    store = EmbeddedStore(Path(args.store), Namespaces(BASE_IRI), read_only=not writes)
    opened = time.perf_counter() - started
    timings = Timings()
    from kgraph.audits import Context, run_audit, run_audits, write_findings

    out: dict[str, Any] = {"step": step, "open_s": round(opened, 4)}
    if step.startswith("audit:"):
        name = step.split(":", 1)[1]
        last: list[Any] = []

        def once() -> dict[str, Any]:
            timings.reset()
            t = time.perf_counter()
            last[:] = [run_audit(store, name, context=Context(store))]
            return timings.snapshot(time.perf_counter() - t)

        out["cold"] = once()
        out["title"] = last[0].audit.title
        out["counts"] = counts_of(last)
        emit(out)
        out["warm"] = repeat_warm(once, args.repeat, args.warm_budget)
    elif step == "run-all":
        last = []

        def once() -> dict[str, Any]:
            timings.reset()
            t = time.perf_counter()
            last[:] = run_audits(store)
            return timings.snapshot(time.perf_counter() - t)

        out["cold"] = once()
        out["counts"] = counts_of(last)
        out["per_audit"] = {r.name: counts_of([r]) for r in last}
        emit(out)
        out["warm"] = repeat_warm(once, args.repeat, args.warm_budget)
    elif step == "write":
        from datetime import datetime, timezone

        from kgraph.audits.rdf import data_digest, findings_graph

        t = time.perf_counter()
        results = run_audits(store)
        out["audits_s"] = round(time.perf_counter() - t, 4)
        out["counts"] = counts_of(results)

        def once() -> dict[str, Any]:
            t0 = time.perf_counter()
            graph, count = write_findings(store, results, started=datetime.now(timezone.utc))
            t1 = time.perf_counter()
            digest = data_digest(store)  # the parts, timed again after the whole
            t2 = time.perf_counter()
            findings_graph(results, store.namespaces, digest=digest)
            t3 = time.perf_counter()
            out["triples"] = count
            return {"seconds": round(t1 - t0, 4), "digest_s": round(t2 - t1, 4),
                    "triples_s": round(t3 - t2, 4)}

        out["cold"] = once()
        emit(out)
        out["warm"] = repeat_warm(once, args.repeat, args.warm_budget)
        store.flush()
    elif step == "trace":
        from kgraph.audits.runner import select
        from kgraph.audits.trace import chains

        _, rows = select(store, "PREFIX kg: <https://w3id.org/kgraph/ontology#> "
                                "SELECT ?c WHERE { ?c a kg:Claim } ORDER BY ?c")
        claims = [r["c"].value for r in rows]
        every = max(1, len(claims) // max(1, args.sample))
        sample = claims[::every][: args.sample]
        out["claims_in_store"] = len(claims)
        out["sample"] = sample
        per_claim: dict[str, list[float]] = {c: [] for c in sample}
        info: dict[str, dict[str, int]] = {}

        def one_pass() -> dict[str, Any]:
            total = 0.0
            for claim in sample:
                t = time.perf_counter()
                r = run_audit(store, "origin-trace", {"claim": claim})
                spent = time.perf_counter() - t
                per_claim[claim].append(spent)
                total += spent
                info[claim] = {"rows": len(r.rows), "chains": len(chains(r.rows)),
                               "flags": len(r.flags)}
            return {"seconds": round(total, 4)}

        out["cold"] = one_pass()
        cold = [per_claim[c][0] for c in sample]
        out["cold"].update(distribution(cold))
        out["counts"] = trace_counts(sample, info)
        emit(out)
        out["warm"] = repeat_warm(one_pass, args.repeat, args.warm_budget)
        warm = [statistics.median(per_claim[c][1:]) for c in sample if len(per_claim[c]) > 1]
        out["warm"].update(distribution(warm))
    else:
        raise SystemExit(f"unknown step {step!r}")
    if writes:
        store.close()
    else:
        del store  # EmbeddedStore.close() flushes, which a read-only pyoxigraph store refuses
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def emit(out: dict[str, Any]) -> None:
    """The step's figures so far, as one JSON line: if the warm repeats pass the time limit,
    the parent still has the cold run."""
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


def trace_counts(sample: list[str], info: dict[str, dict[str, int]]) -> dict[str, int]:
    return {"claims": len(sample), "rows": sum(i["rows"] for i in info.values()),
            "chains": sum(i["chains"] for i in info.values()),
            "flags": sum(i["flags"] for i in info.values())}


def distribution(values: list[float]) -> dict[str, Any]:
    """Per-claim figures: median, 90th percentile (nearest rank), max, in seconds."""
    if not values:
        return {}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, max(0, -(-9 * len(ordered) // 10) - 1))]
    return {"per_claim_p50_s": round(statistics.median(ordered), 4),
            "per_claim_p90_s": round(p90, 4), "per_claim_max_s": round(ordered[-1], 4)}


# -- the steps, from the parent ----------------------------------------------------------------

def child_step(step: str, store: Path, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """One measuring step in a fresh process, bounded by --step-timeout."""
    slug = step.replace(":", "-")
    out_file = work / f"{store.name}.{slug}.json"
    cmd = [PY, str(Path(__file__).resolve()), "measure", "--store", str(store), "--step", step,
           "--repeat", str(args.repeat), "--warm-budget", str(args.warm_budget),
           "--sample", str(args.sample)]
    r = run_child(cmd, args.step_timeout, out_file, work / f"{store.name}.log")
    limit = f"did not finish within {args.step_timeout:g} s"
    try:
        result = json.loads(out_file.read_text().strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = None
    if r["timed_out"]:
        if result is None:  # not even the cold run
            return {"error": limit, "timed_out": True, "limit_s": args.step_timeout,
                    "peak_rss_mib": r["peak_rss_mib"]}
        result["warm"] = {"error": limit, "timed_out": True}  # the cold run is kept
    elif result is None or r["rc"] != 0:
        return {"error": f"exit code {r['rc']}; see {rel(work / (store.name + '.log'))}"}
    result["process_wall_s"] = r["wall_s"]
    result["process_peak_rss_mib"] = r["peak_rss_mib"]
    return result


def cli_step(store: Path, args: argparse.Namespace, work: Path, write: bool) -> dict[str, Any]:
    """`kgraph audit --format json` (with --write-graph if asked) as a command: the first run
    (cold) and repeats (warm), each a new process; the flags and rows counted from its output."""
    extra = ["--write-graph"] if write else []
    cmd = [PY, "-m", "kgraph.cli", "audit", "--store", str(store), *extra, "--format", "json"]
    shown = " ".join(["kgraph audit --store", rel(store), *extra, "--format json"])
    out_file = work / f"{store.name}.cli{'-write' if write else ''}.json"
    log = work / f"{store.name}.log"
    runs: list[dict[str, Any]] = []
    result: dict[str, Any] = {"command": shown}
    spent = 0.0
    while len(runs) < 1 + max(1, args.repeat):
        if len(runs) > 1 and spent + runs[-1]["wall_s"] > args.warm_budget:
            break
        r = run_child(cmd, args.step_timeout, out_file, log)
        if r["timed_out"] or r["rc"] != 0:
            result["error"] = (f"did not finish within {args.step_timeout:g} s" if r["timed_out"]
                               else f"exit code {r['rc']}; see {rel(log)}")
            result["timed_out"] = r["timed_out"]
            break
        runs.append(r)
        if len(runs) == 1:
            document = json.loads(out_file.read_text())
            flags = [f for a in document["audits"] for f in a["flags"]]
            result["counts"] = {
                "audits": len(document["audits"]),
                "rows": sum(len(a["rows"]) for a in document["audits"]),
                "flags": len(flags),
                **{s: sum(1 for f in flags if f["severity"] == s)
                   for s in ("warning", "notice", "info")}}
            result["output_bytes"] = out_file.stat().st_size
        else:
            spent += r["wall_s"]
    if runs:
        result["cold"] = {"seconds": runs[0]["wall_s"]}
        warm = [r["wall_s"] for r in runs[1:]]
        if warm:
            result["warm"] = {"runs": len(warm), "seconds": round(statistics.median(warm), 3),
                              "all_s": warm}
        result["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
    return result


# -- the report -------------------------------------------------------------------------------

def fmt(x: object, digits: int = 2) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:.{digits}f}" if abs(x) >= 0.01 or x == 0 else f"{x:.4f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def mib(x: object) -> str:
    """Memory in whole MiB: finer is noise."""
    return f"{x:,.0f}" if isinstance(x, (int, float)) else "–"


def flag_cell(c: dict[str, Any] | None) -> str:
    if not c:
        return "–"
    severities = " / ".join(fmt(c.get(s)) for s in ("warning", "notice", "info"))
    return f"{fmt(c.get('flags'))} ({severities})"


def table(header: list[str], rows: list[list[str]], right_from: int = 1) -> list[str]:
    """A Markdown table; columns from `right_from` on are right-aligned (figures)."""
    align = ["---" if i < right_from else "---:" for i in range(len(header))]
    return ["| " + " | ".join(r) + " |" for r in (header, align, *rows)]


def markdown(res: dict[str, Any]) -> str:
    m, d, st = res["machine"], res["data"], res["settings"]
    ld = res["store"]["load"]
    versions_ = ", ".join(f"{k} {v}" for k, v in res["versions"].items() if v)
    lines = [
        f"# kgraph audits on the generated data, {res['scale']}, {res['date']}", "",
        f"Command: `{res['command']}`", "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}, "
        f"Python {m['python']}; {m['note']}. Load average at start {res['loadavg_at_start']}, "
        f"at end {res.get('loadavg_at_end', '–')}.", "",
        f"Versions: {versions_}.", "",
        f"Data: `bench/generate.py --triples {d['target_triples']} --seed {d['seed']}`: "
        f"{fmt(d['data_triples'])} data triples in {fmt(d['sources'])} source graphs "
        f"(+ entities). Store: `{ld['command']}` in {fmt(ld['seconds'])} s "
        f"(peak RSS {mib(ld['peak_rss_mib'])} MiB): {fmt(ld.get('quads'))} quads in "
        f"{fmt(ld.get('graphs'))} graphs, with the derived truthy graph; the audits read the "
        "union of all graphs.", "",
        f"Each step ran in a fresh process, limited to {fmt(st['step_timeout_s'])} s. "
        "**Cold**: the first run after opening the store. **Warm**: the median of the repeats "
        f"in the same process (up to {st['repeat']}, while their total stays under "
        f"{fmt(st['warm_budget_s'])} s; `runs` says how many). **query**: the audit's own "
        "SPARQL query; **look-ups**: the label and evidence queries its flags need (how many); "
        "the rest is turning rows into values and raising the flags. Times in seconds; peak "
        "RSS is the step process's maximum resident set.", "",
        "## Each audit, and the whole run", ""]

    def row(label: str, r: dict[str, Any]) -> list[str]:
        if "error" in r:
            peak = mib(r.get("peak_rss_mib"))
            return [label, "–", "–", f"**{r['error']}**", *["–"] * 5, peak]
        c, w, counts = r.get("cold", {}), r.get("warm", {}), r.get("counts", {})
        lookups = (f"{fmt(c.get('lookups_s'))} ({fmt(c.get('lookups'))})"
                   if "lookups" in c else "–")
        warm = f"**{w['error']}**" if "error" in w else fmt(w.get("seconds"))
        return [label, fmt(counts.get("rows")), flag_cell(counts), fmt(c.get("seconds")),
                fmt(c.get("query_s")), lookups, warm, fmt(w.get("query_s")),
                fmt(w.get("runs")), mib(r.get("peak_rss_mib"))]

    rows = [row(f"`{name}`", r) for name, r in res["audits"].items()]
    rows.append(row("all eight (`run_audits`, in process)", res["whole"]["run_audits"]))
    rows.append(row("`kgraph audit --format json` (a process)", res["whole"]["kgraph_audit"]))
    lines += table(["audit", "rows", "flags (warning / notice / info)", "cold", "cold query",
                    "cold look-ups (n)", "warm", "warm query", "runs", "peak RSS (MiB)"], rows)
    lines += ["", "The whole run in process shares one look-up cache across the eight audits "
              "(each label and evidence looked up once), as `kgraph audit` does; the command "
              "adds starting Python, importing kgraph, opening the store and writing the JSON.",
              "", "## Writing the findings to graph/audit", ""]
    wf, kw = res["write"]["write_findings"], res["write"]["kgraph_audit_write_graph"]
    rows = []
    if "error" in wf:
        rows.append(["`write_findings`", "–", "–", f"**{wf['error']}**", *["–"] * 5])
    else:
        c, w = wf["cold"], wf["warm"]
        rows.append([f"`write_findings` (after the audits: {fmt(wf.get('audits_s'))} s)",
                     fmt(wf["counts"]["flags"]), fmt(wf.get("triples")), fmt(c["seconds"]),
                     fmt(w.get("digest_s")), fmt(w.get("triples_s")),
                     f"**{w['error']}**" if "error" in w else fmt(w.get("seconds")),
                     fmt(w.get("runs")), mib(wf.get("peak_rss_mib"))])
    label = "`kgraph audit --write-graph --format json` (audits and write)"
    if "error" in kw:
        rows.append([label, "–", "–", f"**{kw['error']}**", *["–"] * 5])
    else:
        kw_warm = kw.get("warm", {})
        rows.append([label, fmt(kw["counts"]["flags"]), "–", fmt(kw["cold"]["seconds"]), "–",
                     "–", fmt(kw_warm.get("seconds")), fmt(kw_warm.get("runs")),
                     mib(kw.get("peak_rss_mib"))])
    lines += table(["what", "findings", "triples", "cold", "digest of the data",
                    "the findings' triples", "warm", "runs", "peak RSS (MiB)"], rows)
    lines += ["", "The digest and the triples are timed again on their own after each write "
              "(warm figures); the write replaces the graph, so each repeat writes the same "
              "findings again.", "", "## The origin trace of one claim", ""]
    tr = res["trace"]
    if "error" in tr:
        lines.append(f"**{tr['error']}**")
    else:
        c, w, n = tr["cold"], tr["warm"], tr["counts"]
        lines += [f"`run_audit(store, \"origin-trace\", {{\"claim\": ...}})` for {n['claims']} "
                  f"claims spread evenly over the {fmt(tr['claims_in_store'])} of the store "
                  f"({fmt(n['rows'])} rows, {fmt(n['chains'])} chains, {fmt(n['flags'])} flags "
                  "in all).", ""]

        def figures(x: dict[str, Any]) -> list[str]:
            return [fmt(x.get(k), 4) for k in ("per_claim_p50_s", "per_claim_p90_s",
                                               "per_claim_max_s")] + [fmt(x.get("seconds"))]

        warm_row = (["warm", f"**{w['error']}**", "–", "–", "–", "–", ""] if "error" in w
                    else ["warm", *figures(w), fmt(w.get("runs")), ""])
        lines += table(["", "per claim, median", "90th percentile", "max", "the whole sample",
                        "runs", "peak RSS (MiB)"],
                       [["cold", *figures(c), "1", mib(tr.get("peak_rss_mib"))], warm_row])
    if res["notes"]:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in res["notes"]]
    lines += ["", f"Total time of the benchmark: {fmt(res['total_seconds'])} s. On a shared "
              "2-core machine read differences under about 15 % as noise.", ""]
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="100k", help="data triples: 100k, 1m (or any number)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="warm repeats per step (at most)")
    parser.add_argument("--warm-budget", type=float, default=300.0,
                        help="seconds the warm repeats of one step may take together")
    parser.add_argument("--step-timeout", type=float, default=1800.0,
                        help="seconds one step (cold run and repeats) may take")
    parser.add_argument("--sample", type=int, default=20, help="claims whose origin trace is timed")
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)
    n = generate.parse_scale(args.scale)
    scale = scale_name(n)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:7.1f}s] {msg}", file=sys.stderr, flush=True)

    res: dict[str, Any] = {
        "scale": scale, "date": date.today().isoformat(),
        "command": "python bench/audits.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(), "versions": versions(), "loadavg_at_start": loadavg(),
        "settings": {"repeat": args.repeat, "warm_budget_s": args.warm_budget,
                     "step_timeout_s": args.step_timeout, "sample": args.sample},
        "notes": []}
    log(f"data: {scale} (seed {args.seed})")
    data, manifest, gen_s = ensure_data(n, args.seed, work)
    res["data"] = {k: manifest.get(k) for k in ("seed", "target_triples", "data_triples",
                                                  "quads_in_all_nq", "sources", "graphs")}
    res["data"]["folder"] = rel(data)
    res["data"]["generate_seconds"] = gen_s if gen_s is not None else "cached"
    store = work / f"audits-{scale}"
    log(f"load into {rel(store)}")
    res["store"] = {"path": rel(store), "load": load_store(data, store, work, args.step_timeout)}
    if res["store"]["load"]["rc"] != 0:
        raise SystemExit(f"kgraph load failed: see {rel(work / (store.name + '.log'))}")
    log(f"  {res['store']['load']}")

    from kgraph.audits import registry

    names = list(registry())
    if tuple(names) != AUDITS:
        res["notes"].append(f"the registry's audits are {names}, not the eight this benchmark "
                            "was written for; all of the registry's are measured.")
    res["audits"] = {}
    for name in names:
        log(f"audit {name}")
        res["audits"][name] = child_step(f"audit:{name}", store, args, work)
        log(f"  {summary(res['audits'][name])}")
    # A step that runs every audit cannot finish sooner than an audit that did not finish alone:
    # it is reported as not run rather than left to spend the same time limit again.
    unfinished = [name for name, r in res["audits"].items() if r.get("timed_out")]
    if unfinished:
        res["notes"].append(
            f"{', '.join(unfinished)} did not finish within {args.step_timeout:g} s alone, so the "
            "steps that run every audit (the whole run, kgraph audit, the writes) were not run.")

    def whole(label: str, measure_step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        log(label)
        if unfinished:
            r: dict[str, Any] = {"error": "not run: " + ", ".join(unfinished)
                                 + f" did not finish within {args.step_timeout:g} s",
                                 "skipped": True}
        else:
            r = measure_step()
        log(f"  {summary(r)}")
        return r

    res["whole"] = {
        "run_audits": whole("all audits, in process",
                            lambda: child_step("run-all", store, args, work)),
        "kgraph_audit": whole("kgraph audit --format json",
                              lambda: cli_step(store, args, work, write=False)),
    }
    log(f"origin trace of {args.sample} claims")
    res["trace"] = child_step("trace", store, args, work)
    log(f"  {summary(res['trace'])}")
    res["write"] = {
        "write_findings": whole("write_findings", lambda: child_step("write", store, args, work)),
        "kgraph_audit_write_graph": whole("kgraph audit --write-graph",
                                          lambda: cli_step(store, args, work, write=True)),
    }
    res["loadavg_at_end"] = loadavg()
    res["total_seconds"] = round(time.perf_counter() - t_start, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{res['date']}-{scale}-audits"
    stem.with_suffix(".json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(res), encoding="utf-8")
    log(f"wrote {rel(stem)}.json and .md")
    return res


def summary(r: dict[str, Any]) -> str:
    if "error" in r:
        return r["error"]
    cold, warm = r.get("cold", {}).get("seconds"), r.get("warm", {}).get("seconds")
    return f"cold {cold} s, warm {warm} s, {r.get('counts')}"


def measure_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="one measuring step (run by bench/audits.py)")
    parser.add_argument("--store", required=True)
    parser.add_argument("--step", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warm-budget", type=float, default=300.0)
    parser.add_argument("--sample", type=int, default=20)
    result = measure(parser.parse_args(argv))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        measure_main(sys.argv[2:])
    else:
        main()
