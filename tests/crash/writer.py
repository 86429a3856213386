"""Child process for the crash trials: performs one write on a store, then exits.

    python writer.py STORE OPERATION VARIANT

OPERATION is load (a file replacing a graph), update (SPARQL update through the write gate) or
put (a Graph Store PUT through the write gate); VARIANT (a or b) says which of two contents the
write installs. It prints "ready" just before the write, so the parent can kill it during it.
"""

import sys
from pathlib import Path

import pyoxigraph as ox

from kgraph.loading import GraphFile, load_files
from kgraph.settings import Settings
from kgraph.store import open_store
from kgraph.writes import WriteGate

GRAPH = "http://example.org/crash/graph"
SIZE = 20_000


def triples(variant: str) -> list[ox.Triple]:
    p = ox.NamedNode("http://example.org/crash/p")
    return [ox.Triple(ox.NamedNode(f"http://example.org/crash/{variant}/{i}"), p, ox.Literal(f"{variant}{i}"))
            for i in range(SIZE)]


def main() -> None:
    store_dir, operation, variant = sys.argv[1], sys.argv[2], sys.argv[3]
    other = "b" if variant == "a" else "a"
    store = open_store(Settings(store=Path(store_dir)))
    gate = WriteGate(store, validate=False)
    if operation == "load":
        path = Path(store_dir).parent / f"crash-{variant}.nt"
        if not path.exists():
            path.write_text("".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples(variant)))
        print("ready", flush=True)
        load_files(store, [GraphFile(path, GRAPH)])
    elif operation == "update":
        print("ready", flush=True)
        gate.update(
            f"DELETE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }} ;\n"
            f"INSERT {{ GRAPH <{GRAPH}> {{ ?s <http://example.org/crash/p> ?o }} }} WHERE {{\n"
            f"  VALUES ?i {{ {' '.join(str(i) for i in range(0, SIZE, 10))} }}\n"
            f"  BIND(IRI(CONCAT('http://example.org/crash/{variant}/', STR(?i))) AS ?s)\n"
            f"  BIND(CONCAT('{variant}', STR(?i)) AS ?o) }}",
            agent="http://example.org/crash/agent",
        )
    elif operation == "put":
        data = triples(variant)
        print("ready", flush=True)
        gate.put_graph(GRAPH, data, agent="http://example.org/crash/agent")
    else:
        raise SystemExit(f"unknown operation {operation}")
    del other
    store.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
