"""kgraph on its embedded store against kgraph over a remote `oxigraph serve`: load rate, query
latency and memory, on the benchmark's generated data.

    .venv/bin/python bench/remote.py --scale 100k [--scale 1m --scale 5m] [--requests 20]

Per scale (data from bench/generate.py, seed 42, cached under bench/work/):

1. Loads, each in a process of its own (wall time, CPU, peak RSS of the loading process):
   `load_repository` into a fresh on-disk embedded store, and into a fresh `oxigraph serve`
   (started without --union-default-graph: kgraph asks for the union per query) through
   `open_store(URL)`, whose server's CPU time and resident memory are read from /proc too.
2. Query latency: `kgraph serve` over each store (result cache off; an existing store is served
   without a start-up validation), and the same `oxigraph serve` queried directly
   (the cost of the hop through kgraph); for each query of the benchmark's mix
   (bench/queries.py), one warm-up request, then up to --requests sequential requests on one
   keep-alive connection (at most --seconds per query): p50 and p95. The answers of kgraph on
   the two stores are compared (order-insensitive digest).
3. Memory after the queries: each server process tree's resident memory (kgraph embedded: the
   server and its query workers; kgraph remote: the server alone, plus the oxigraph process),
   and each store's size on disk.

Writes bench/results/<date>-remote.json and .md. Servers bind 127.0.0.1 and are stopped by PID.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import loadgen  # noqa: E402
import queries as query_mix  # noqa: E402
from run import (  # noqa: E402
    Sampler,
    ensure_data,
    free_port,
    loadavg,
    machine,
    oxigraph_cli,
    percentile,
    stop_tree,
    tree_cpu_s,
    tree_rss_kib,
    versions,
)

PY = sys.executable
SCALES = {"100k": 100_000, "1m": 1_000_000, "5m": 5_000_000}


def du_mib(path: Path) -> float:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return round(total / 2**20, 1)


# -- the loading child ---------------------------------------------------------------------------

def child_load(store: str, repository: str) -> None:
    """Run in a process of its own: load the repository, print the figures as JSON."""
    from kgraph.loading import load_repository
    from kgraph.settings import Settings
    from kgraph.store import open_store

    started = time.perf_counter()
    s = open_store(Settings(store=store))
    report = load_repository(s, Path(repository))
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    s.close()
    print(json.dumps({"seconds": round(seconds, 2), "triples": report.triples,
                      "graphs": len(report.graphs), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
                      "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}))


def run_load(store: str, data: Path, log: Path) -> dict:
    with log.open("wb") as err:
        done = subprocess.run([PY, __file__, "_load", store, str(data)], stdout=subprocess.PIPE,
                              stderr=err, cwd=ROOT, check=True)
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


# -- servers -------------------------------------------------------------------------------------

class Process:
    """A server we started: its PID tree sampled for memory, stopped by PID."""

    def __init__(self, cmd: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log.open("ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT,
                                     env=env)
        self.sampler = Sampler(self.proc.pid)
        self.sampler.start()

    def wait_ready(self, port: int, path: str, timeout: float = 600) -> float:
        started = time.perf_counter()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                status, _, _ = loadgen.one(port, path, "ASK {}", query_mix.SELECT_ACCEPT, 10)
                if status == 200:
                    return round(time.perf_counter() - started, 2)
            except Exception:  # noqa: BLE001 - not up yet
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready in {timeout} s; see {self.log.name}")

    def stop(self) -> None:
        self.sampler.stop()
        stop_tree(self.proc, self.sampler.pids)
        self.log.close()


def start_oxigraph(location: Path, work: Path, scale: str) -> tuple[Process, int]:
    binary = oxigraph_cli()
    if binary is None:
        raise SystemExit("the oxigraph CLI is missing: pip install -e '.[test]'")
    port = free_port()
    server = Process([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                      "--timeout-s", "300"], work / f"remote-oxigraph-{scale}.log")
    server.wait_ready(port, "/query")
    return server, port


def start_kgraph(store: str, data: Path, work: Path, name: str) -> tuple[Process, int, float]:
    port = free_port()
    env = {**os.environ, "KGRAPH_CACHE_BYTES": "0", "KGRAPH_QUERY_TIMEOUT": "300",
           "KGRAPH_QUEUE_WAIT": "300", "KGRAPH_STORE_TIMEOUT": "300"}
    server = Process([PY, "-m", "kgraph.cli", "serve", "--store", store, "--repository", str(data),
                      "--host", "127.0.0.1", "--port", str(port)], work / f"remote-{name}.log", env)
    ready = server.wait_ready(port, "/sparql")
    return server, port, ready


# -- latency -------------------------------------------------------------------------------------

async def _latencies(port: int, targets: str, accept: str, requests: int, seconds: float,
                     timeout: float) -> tuple[list[float], bytes, int | str]:
    """One warm-up request (whose time is kept when it is the only one), then sequential
    requests for at most `seconds`; each request bounded by `timeout`."""
    conn = loadgen.Connection(port)
    times: list[float] = []
    try:
        t0 = time.perf_counter()
        status, body = await asyncio.wait_for(conn.get(targets, accept), timeout)
        first = time.perf_counter() - t0
        deadline = time.monotonic() + seconds
        while status == 200 and len(times) < requests and time.monotonic() < deadline:
            t0 = time.perf_counter()
            status, body = await asyncio.wait_for(conn.get(targets, accept), timeout)
            times.append(time.perf_counter() - t0)
        return times or [first], body, status
    except asyncio.TimeoutError:
        return times, b"", "timeout"
    finally:
        conn.close()


def latencies(port: int, path: str, extra: str, mix: list, requests: int, seconds: float,
              timeout: float) -> dict:
    out = {}
    for q in mix:
        target = f"{path}?query={quote(q.text, safe='')}{extra}"
        times, body, status = asyncio.run(_latencies(port, target, q.accept, requests, seconds, timeout))
        entry: dict = {"status": status, "requests": len(times)}
        if status == 200 and times:
            entry.update(p50_ms=round(percentile(times, 50) * 1000, 2),
                         p95_ms=round(percentile(times, 95) * 1000, 2))
            try:
                rows, digest = (loadgen.digest_graph if q.graph else loadgen.digest_select)(body)
                entry.update(rows=rows, digest=digest)
            except ValueError as exc:  # a body cut short (a server's own limit)
                entry.update(status=f"invalid body: {exc}"[:120])
        out[q.name] = entry
        print(f"    {q.name}: {entry.get('p50_ms', entry['status'])}", flush=True)
    return out


# -- one scale -----------------------------------------------------------------------------------

def bench_scale(scale: str, args: argparse.Namespace, work: Path) -> dict:
    data, manifest, generated = ensure_data(SCALES[scale], 42, work)
    mix = query_mix.mix(manifest["hot"])
    result: dict = {"scale": scale, "data": str(data.relative_to(ROOT)),
                    "data_triples": manifest["data_triples"], "generated_s": generated,
                    "loadavg_before": loadavg()}
    embedded_dir = work / f"remote-bench-embedded-{scale}"
    oxigraph_dir = work / f"remote-bench-oxigraph-{scale}"
    shutil.rmtree(embedded_dir, ignore_errors=True)
    shutil.rmtree(oxigraph_dir, ignore_errors=True)

    print(f"[{scale}] load: embedded", flush=True)
    result["load_embedded"] = run_load(str(embedded_dir), data, work / f"remote-load-embedded-{scale}.log")
    result["load_embedded"]["store_mib"] = du_mib(embedded_dir)

    print(f"[{scale}] load: oxigraph serve", flush=True)
    oxigraph, ox_port = start_oxigraph(oxigraph_dir, work, scale)
    try:
        cpu_before = tree_cpu_s(oxigraph.proc.pid)
        url = f"http://127.0.0.1:{ox_port}/query"
        load = run_load(url, data, work / f"remote-load-oxigraph-{scale}.log")
        load["server_cpu_s"] = round(tree_cpu_s(oxigraph.proc.pid) - cpu_before, 1)
        load["server_rss_mib"] = round(tree_rss_kib(oxigraph.proc.pid) / 1024, 1)
        load["server_peak_rss_mib"] = round(oxigraph.sampler.peak_kib / 1024, 1)
        load["store_mib"] = du_mib(oxigraph_dir)
        result["load_remote"] = load

        print(f"[{scale}] queries", flush=True)
        servers: dict = {}
        for name, store in (("kgraph-embedded", str(embedded_dir)), ("kgraph-remote", url)):
            server, port, ready = start_kgraph(store, data, work, f"{name}-{scale}")
            try:
                servers[name] = {"ready_s": ready,
                                 "queries": latencies(port, "/sparql", "", mix, args.requests,
                                                      args.seconds, args.timeout),
                                 "rss_mib": round(tree_rss_kib(server.proc.pid) / 1024, 1),
                                 "peak_rss_mib": round(server.sampler.peak_kib / 1024, 1)}
            finally:
                server.stop()
        servers["oxigraph-direct"] = {
            "queries": latencies(ox_port, "/query", "&union-default-graph", mix, args.requests,
                                 args.seconds, args.timeout)}
        servers["oxigraph-direct"]["rss_mib"] = round(tree_rss_kib(oxigraph.proc.pid) / 1024, 1)
        result["oxigraph_peak_rss_mib"] = round(oxigraph.sampler.peak_kib / 1024, 1)
        result["servers"] = servers
    finally:
        oxigraph.stop()
    result["loadavg_after"] = loadavg()
    if not args.keep:
        shutil.rmtree(embedded_dir, ignore_errors=True)
        shutil.rmtree(oxigraph_dir, ignore_errors=True)
    for leftover in work.glob(f"{embedded_dir.name}.snapshots-*"):  # of a server stopped by PID
        shutil.rmtree(leftover, ignore_errors=True)
    return result


# -- report --------------------------------------------------------------------------------------

def per_million(mib: float, triples: int) -> float:
    return round(mib / (triples / 1e6), 1)


def markdown(report: dict) -> str:
    lines = [f"# kgraph on its embedded store and over `oxigraph serve`, {report['date']}", "",
             f"Command: `{report['command']}`", "",
             f"Machine: {report['machine']['cores']} cores ({report['machine']['cpu']}), "
             f"{report['machine']['memory_gib']} GiB, {report['machine']['os']}, Python "
             f"{report['machine']['python']}; the loads, servers and client share the machine "
             "(and it was shared with other work: the load averages are given).", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items() if v) + ".",
             "", "## Loads", "",
             "`load_repository` of the generated repository (one graph per source, the entities, "
             "the ontology, vocabularies and shapes, then the derived truthy graph), into a fresh "
             "store. Remote: through `open_store(URL)` into a fresh `oxigraph serve` (grouped "
             "updates and N-Quads POSTs, 50,000 triples per request), client and server on the "
             "same 2 cores.", "",
             "| scale | store | triples | wall (s) | triples/s | client CPU (s) | server CPU (s) | "
             "client peak RSS (MiB) | server RSS after (MiB) | on disk (MiB) | load avg |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in report["scales"]:
        e, m = r["load_embedded"], r["load_remote"]
        lines.append(f"| {r['scale']} | embedded | {e['triples']:,} | {e['seconds']} | "
                     f"{e['triples'] / e['seconds']:,.0f} | {e['cpu_s']} | — | {e['peak_rss_mib']} | — | "
                     f"{e['store_mib']} | {r['loadavg_before']} |")
        lines.append(f"| {r['scale']} | oxigraph serve | {m['triples']:,} | {m['seconds']} | "
                     f"{m['triples'] / m['seconds']:,.0f} | {m['cpu_s']} | {m['server_cpu_s']} | "
                     f"{m['peak_rss_mib']} | {m['server_rss_mib']} | {m['store_mib']} | |")
    lines += ["", "## Query latency (sequential, one keep-alive connection): p50 / p95 ms", "",
              "`kgraph (embedded)`: kgraph serve over its on-disk store (query worker processes); "
              "`kgraph (remote)`: kgraph serve over oxigraph serve (the query forwarded, the bytes "
              "streamed back); `oxigraph direct`: the same oxigraph serve asked directly. Result "
              "cache off. `same` compares kgraph's answers on the two stores (order-insensitive "
              "digest).", ""]
    for r in report["scales"]:
        s = r["servers"]
        lines += [f"### {r['scale']} ({r['data_triples']:,} data triples)", "",
                  "| query | kgraph (embedded) | kgraph (remote) | oxigraph direct | remote/embedded | same |",
                  "|---|---:|---:|---:|---:|---|"]
        for name in s["kgraph-embedded"]["queries"]:
            cells, p50s = [], []
            for server in ("kgraph-embedded", "kgraph-remote", "oxigraph-direct"):
                q = s[server]["queries"][name]
                if "p50_ms" in q:
                    cells.append(f"{q['p50_ms']} / {q['p95_ms']} ({q['requests']})")
                    p50s.append(q["p50_ms"])
                else:
                    cells.append(f"status {q['status']}")
                    p50s.append(None)
            ratio = (f"{p50s[1] / p50s[0]:.2f}" if p50s[0] and p50s[1] else "—")
            a, b = s["kgraph-embedded"]["queries"][name], s["kgraph-remote"]["queries"][name]
            same = ("—" if not (a.get("digest") and b.get("digest"))
                    else "yes" if a["digest"] == b["digest"] else "NO")
            lines.append(f"| {name} | {' | '.join(cells)} | {ratio} | {same} |")
        lines.append("")
    lines += ["## Memory", "",
              "Resident memory after the query mix; per million triples of the store (data + "
              "ontology, vocabularies, shapes, truthy).", "",
              "| scale | triples | kgraph embedded: server + workers (MiB) | per M | kgraph remote: "
              "server (MiB) | oxigraph serve (MiB) | remote total per M | on disk embedded / "
              "oxigraph (MiB per M) |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in report["scales"]:
        s, n = r["servers"], r["load_remote"]["triples"]
        emb, rem, oxi = (s["kgraph-embedded"]["rss_mib"], s["kgraph-remote"]["rss_mib"],
                         s["oxigraph-direct"]["rss_mib"])
        lines.append(f"| {r['scale']} | {n:,} | {emb} | {per_million(emb, n)} | {rem} | {oxi} | "
                     f"{per_million(rem + oxi, n)} | {per_million(r['load_embedded']['store_mib'], n)}"
                     f" / {per_million(r['load_remote']['store_mib'], n)} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_load":
        child_load(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) > 2 and sys.argv[1] == "_report":  # the Markdown again, from a JSON report
        report_json = Path(sys.argv[2])
        report_json.with_suffix(".md").write_text(markdown(json.loads(report_json.read_text())))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", action="append", choices=list(SCALES))
    parser.add_argument("--requests", type=int, default=20, help="requests per query and server")
    parser.add_argument("--seconds", type=float, default=30, help="at most this long per query")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one request may take")
    parser.add_argument("--keep", action="store_true", help="keep the stores under bench/work/")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    work = BENCH / "work"
    work.mkdir(exist_ok=True)
    today = date.today().isoformat()
    out = args.out or BENCH / "results" / f"{today}-remote"
    report = {"date": today, "command": "python bench/remote.py " + " ".join(sys.argv[1:]),
              "machine": machine(), "versions": versions(), "scales": []}
    if out.with_suffix(".json").exists():  # scales measured by earlier runs of the day stay
        report["scales"] = json.loads(out.with_suffix(".json").read_text())["scales"]
    for scale in args.scale or ["100k"]:
        result = bench_scale(scale, args, work)
        report["scales"] = sorted([r for r in report["scales"] if r["scale"] != scale] + [result],
                                  key=lambda r: SCALES[r["scale"]])
        out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
        out.with_suffix(".md").write_text(markdown(report))
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
