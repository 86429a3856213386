"""A bounded soak of `kgraph serve`: many clients, mixed queries, a runaway query among them.

    python bench/soak.py [--clients 32] [--seconds 60] [--out bench/results]

Starts `kgraph serve` on a fresh store on 127.0.0.1 (only there), runs the clients for a fixed
time with every request bounded by a client timeout, and reports per kind of request: count,
statuses, p50/p99 latency, plus errors (any status a kind should not get) and the peak resident
memory of the server's process tree. Writes `<out>/soak-<date>.json` and `.md`, with the command.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "soak-writer-secret"
LIMITS = {413, 429, 503, 504}

MIX = [
    # kind, weight, method, query/update, expected statuses
    ("lookup", 50, "SELECT ?p ?o WHERE { <https://w3id.org/kgraph/id/person/valery-gerasimov> ?p ?o }", {200}),
    ("claims-by-claimant", 15, "SELECT ?who (COUNT(?c) AS ?n) WHERE { ?c a kg:Claim ; kg:claimant ?who } GROUP BY ?who", {200}),
    ("single-party-audit", 10, """SELECT ?s ?p (COUNT(DISTINCT ?party) AS ?parties) WHERE {
        ?c a kg:CasualtyClaim ; rdf:subject ?s ; rdf:predicate ?p ; kg:claimant ?who .
        OPTIONAL { ?who kg:affiliatedWith ?party } } GROUP BY ?s ?p HAVING (COUNT(DISTINCT ?party) <= 1)""", {200}),
    ("text-search", 10, "SELECT ?p ?t WHERE { ?p kg:text ?t FILTER(CONTAINS(LCASE(?t), 'kursk')) }", {200}),
    ("construct", 10, "CONSTRUCT WHERE { ?s a kg:Person ; ?p ?o }", {200}),
    ("runaway", 1, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", {504, 503}),
    ("write", 4, None, {200, 503}),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (KiB), from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().split()
            if int(entry.name) != pid and int(stat[3]) != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total


async def client(n: int, url: str, deadline: float, results: dict, rng: random.Random) -> None:
    weights = [w for _, w, _, _ in MIX]
    async with httpx.AsyncClient(timeout=60) as http:
        while time.monotonic() < deadline:
            kind, _, text, expected = rng.choices(MIX, weights)[0]
            start = time.monotonic()
            try:
                if kind == "write":
                    label = f"soak {n} {rng.random()}"
                    r = await http.post(f"{url}/update", headers={
                        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"},
                        content=f'INSERT DATA {{ GRAPH <http://example.org/soak> {{ <http://example.org/soak/{n}> <http://www.w3.org/2000/01/rdf-schema#comment> "{label}" }} }}')
                else:
                    params = {"query": text}
                    if kind == "runaway":
                        params["timeout"] = "2"
                    r = await http.get(f"{url}/sparql", params=params,
                                       headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"})
                status = r.status_code
            except httpx.HTTPError as exc:
                status = f"transport:{type(exc).__name__}"
            elapsed = time.monotonic() - start
            entry = results.setdefault(kind, {"latencies": [], "statuses": {}, "errors": 0, "limits": 0})
            entry["latencies"].append(elapsed)
            entry["statuses"][str(status)] = entry["statuses"].get(str(status), 0) + 1
            if status in LIMITS and status not in expected:
                entry["limits"] += 1  # the limits' own statuses are by design; counted apart
            elif status not in expected:
                entry["errors"] += 1


async def drive(url: str, clients: int, seconds: float, pid: int) -> tuple[dict, int]:
    results: dict = {}
    deadline = time.monotonic() + seconds
    peak = 0

    async def sample() -> None:
        nonlocal peak
        while time.monotonic() < deadline:
            peak = max(peak, tree_rss_kib(pid))
            await asyncio.sleep(0.5)

    rng = random.Random(42)
    await asyncio.gather(sample(), *(client(i, url, deadline, results, random.Random(rng.random()))
                                     for i in range(clients)))
    return results, peak


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kgraph-soak-"))
    port = free_port()
    env = {**os.environ, "KGRAPH_STORE": str(work / "store"), "KGRAPH_PORT": str(port),
           "KGRAPH_HOST": "127.0.0.1", "KGRAPH_WRITE_TOKEN": f"soak:{TOKEN}"}
    log = (work / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "kgraph.cli", "serve"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit("the server did not start")
        results, peak = asyncio.run(drive(url, args.clients, args.seconds, server.pid))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        faults = [line for line in (work / "server.log").read_text(errors="replace").splitlines()
                  if "fault" in line or "Error" in line]
        if faults:
            print(f"server log: {len(faults)} fault line(s); first: {faults[:5]}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
    summary = {
        "command": "python bench/soak.py " + " ".join(sys.argv[1:]),
        "date": date.today().isoformat(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
        "clients": args.clients, "seconds": args.seconds,
        "peak_rss_mib": round(peak / 1024, 1),
        "kinds": {},
    }
    for kind, entry in sorted(results.items()):
        lat = entry["latencies"]
        summary["kinds"][kind] = {
            "requests": len(lat), "errors": entry["errors"], "limits": entry["limits"],
            "statuses": entry["statuses"],
            "p50_ms": round(statistics.median(lat) * 1000, 1),
            "p99_ms": round(percentile(lat, 99) * 1000, 1),
        }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"soak-{summary['date']}"
    stem.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
    lines = [f"# Soak, {summary['date']}", "", f"Command: `{summary['command']}`", "",
             f"Machine: {summary['machine']['cores']} cores, {summary['machine']['memory_gib']} GiB, "
             f"Python {summary['machine']['python']}; server and clients on the same machine.", "",
             f"{args.clients} clients for {args.seconds:g} s; peak RSS of the server tree "
             f"(server and query workers): {summary['peak_rss_mib']} MiB.", "",
             "| kind | requests | errors | limit statuses | statuses | p50 ms | p99 ms |",
             "|---|---:|---:|---:|---|---:|---:|"]
    for kind, k in summary["kinds"].items():
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(k["statuses"].items()))
        lines.append(f"| {kind} | {k['requests']} | {k['errors']} | {k['limits']} | {statuses} | "
                     f"{k['p50_ms']} | {k['p99_ms']} |")
    lines += ["", "An error is a 500, a transport failure or a status the kind should never get; "
              "limit statuses (503 when every query slot stayed busy past the queue wait, 504 past a "
              "time limit, 413) are by design and counted apart. The runaway query expects 504 "
              "(stopped at its 2 s timeout) or 503."]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
