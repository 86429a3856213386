"""`kgraph serve` for the benchmark, without its start-up validation of the whole store.

    python bench/serve_kgraph.py --store DIR --repository DIR --port PORT

Does what `kgraph serve` does (the same settings and KGRAPH_* variables, load an empty store,
re-derive the truthy graph, print the summary, serve with uvicorn), except `validate_store`,
which `kgraph serve` runs on every start and which takes minutes from 100k triples up
(pySHACL): the benchmark measures that separately (the full-validation figure), and
`bench/run.py` reports kgraph serve's real time to ready as this launcher's plus that figure.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kgraph.cli import _settings, _store, out, print_summary
from kgraph.loading import derive_truthy, load_repository
from kgraph.web.server import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--repository", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = _settings(store=args.store, repository=args.repository, port=args.port,
                         host="127.0.0.1")
    s = _store(settings)
    if not s.graphs():
        report = load_repository(s, settings.repository)
        out.print(f"store was empty: loaded {report.triples} triples from {settings.repository}")
    else:
        derive_truthy(s)
    out.print("shapes: not validated at start (bench/serve_kgraph.py)")
    print_summary(s)
    run(settings, s)


if __name__ == "__main__":
    main()
