"""rdflib-endpoint over an in-memory rdflib Dataset whose default graph is the union of every
graph (what `rdflib-endpoint serve` does), bound to 127.0.0.1.

    python bench/serve_rdflib.py --port PORT FILE.nq [FILE.nq ...]
"""

from __future__ import annotations

import argparse
import sys
import time

import uvicorn
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    started = time.monotonic()
    g = Dataset(default_union=True)
    for f in args.files:
        g.parse(f, format="nquads")
    print(f"parsed {len(g)} triples in the union in {time.monotonic() - started:.1f} s",
          file=sys.stderr, flush=True)
    app = SparqlEndpoint(graph=g, path="/sparql")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
