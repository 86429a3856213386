"""In-process measurements through kgraph's Python API, one JSON line on stdout.

    python bench/inproc.py validate --repository DIR [--engine auto|sparql|pyshacl]
        what `kgraph validate --repository DIR` does (load every file into an in-memory store,
        derive the truthy graph, run the shapes: compiled to SPARQL, or pySHACL), timed by phase
    python bench/inproc.py write --store DIR --source FILE --graph IRI [--no-validate]
        one Graph Store PUT of a new source through `WriteGate.put_graph` against an on-disk
        store (change it: give it a copy), timed by phase: the copy of the store and the diff,
        the validation of the touched nodes, the re-derivation of the truthy graph

`bench/run.py` runs these in a child process with a time limit.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path


def peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def validate(repository: Path, engine: str = "auto") -> dict:
    from kgraph.loading import derive_truthy, load_files, plan_repository
    from kgraph.settings import Settings
    from kgraph.store import open_store
    from kgraph.validation import validate_store

    t0 = time.perf_counter()
    s = open_store(Settings(repository=repository), in_memory=True)
    report = load_files(s, plan_repository(repository, s.namespaces))
    derive_truthy(s)
    t1 = time.perf_counter()
    result = validate_store(s, engine=engine)
    t2 = time.perf_counter()
    hard = [v for v in result.violations if v.severity == "Violation"]
    return {"load_seconds": round(t1 - t0, 2), "validate_seconds": round(t2 - t1, 2),
            "triples": report.triples, "conforms": result.conforms, "violations": len(hard),
            "warnings": len(result.violations) - len(hard), "peak_rss_mib": peak_mib(), "engine": engine}


def write(store: Path, source: Path, graph: str, validate_on: bool) -> dict:
    import kgraph.writes as writes
    from kgraph.loading import parse_file
    from kgraph.settings import Settings
    from kgraph.store import open_store

    s = open_store(Settings(store=store))
    triples = parse_file(source, s.namespaces)
    gate = writes.WriteGate(s, validate=validate_on)
    spent = {"validate": 0.0, "truthy": 0.0}
    inner_validate, inner_truthy = gate._validate, writes.derive_truthy

    def timed_validate(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return inner_validate(*args, **kwargs)
        finally:
            spent["validate"] += time.perf_counter() - t

    def timed_truthy(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return inner_truthy(*args, **kwargs)
        finally:
            spent["truthy"] += time.perf_counter() - t

    gate._validate = timed_validate  # type: ignore[method-assign]
    writes.derive_truthy = timed_truthy  # type: ignore[assignment]
    store_quads = s.count()
    t0 = time.perf_counter()
    _, result = gate.put_graph(graph, triples, agent="https://w3id.org/kgraph/id/agent/bench")
    total = time.perf_counter() - t0
    s.close()
    return {"seconds": round(total, 3), "validate_seconds": round(spent["validate"], 3),
            "truthy_seconds": round(spent["truthy"], 3),
            "copy_and_commit_seconds": round(total - spent["validate"] - spent["truthy"], 3),
            "triples": len(triples), "added": result.added, "store_quads": store_quads,
            "validated": validate_on, "peak_rss_mib": peak_mib()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate")
    v.add_argument("--repository", type=Path, required=True)
    v.add_argument("--engine", default="auto", choices=("auto", "sparql", "pyshacl"))
    w = sub.add_parser("write")
    w.add_argument("--store", type=Path, required=True)
    w.add_argument("--source", type=Path, required=True)
    w.add_argument("--graph", required=True)
    w.add_argument("--no-validate", action="store_true")
    args = parser.parse_args()
    if args.command == "validate":
        print(json.dumps(validate(args.repository, args.engine)))
    else:
        print(json.dumps(write(args.store, args.source, args.graph, not args.no_validate)))


if __name__ == "__main__":
    main()
