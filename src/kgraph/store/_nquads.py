"""Files to N-Quads, batch by batch, in a process of its own: the parsing half of a bulk load.

The engine's bulk loader takes about as long to sort and write a batch of quads as Python takes
to parse the next one, and both hold this process (the loader consumes quads under the GIL).
So when a load has several batches, a child process parses batch k+1 into an N-Quads file
while the parent's loader writes batch k from the previous file; the engine reads N-Quads
itself, without Python. The parent runs `python -m kgraph.store._nquads WORKDIR`, writes the
batches as one JSON line, and reads one JSON line per batch:

    {"batch": k, "path": ".../batch-k.nq", "files": [[path, quads read], ...]}
    {"syntax": [message, filename, line, column, end line, end column]}   then the child exits
    {"oserror": message}                                                    then the child exits

It writes at most two batches ahead: before batch k+2 it waits for the parent's line saying
that batch k was loaded (and its file removed), so the files on disk stay bounded whatever the
size of the load. Blank nodes keep their labels, as when the parent parses a load's only batch
itself (with the same `write_nquads`).

A file is written without a Python step per triple (`write_nquads`): the engine serialises a
chunk of the parser's triples as N-Triples, and the graph's label goes in before every line's
final " ." (an N-Triples line has no other line break: literals escape theirs). That parses
about 1.5x as fast as building each quad in Python, and the loader, not the parse, then sets
the pace.
"""

from __future__ import annotations

import itertools
import json
import shutil
import sys
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

#: Triples serialised at a time (bounds the memory a large file takes).
CHUNK = 65536

#: How many batches the child may have written and the parent not yet loaded.
AHEAD = 2


def write_nquads(path: Path, fmt: ox.RdfFormat, graph: str, out: BinaryIO) -> int:
    """Write the triples of the file into `out` as N-Quads in `graph`; how many were read. A
    syntax error names its file (`filename`), as the engine's own loader does."""
    label = f" {ox.NamedNode(graph)} .\n".encode()
    triples = ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri(),
                       without_named_graphs=True)
    n = 0
    try:
        while chunk := ox.serialize(itertools.islice(triples, CHUNK), format=ox.RdfFormat.N_TRIPLES):
            n += chunk.count(b"\n")
            out.write(chunk.replace(b" .\n", label))
    except SyntaxError as exc:
        if not exc.filename:
            exc.filename = str(path)
        raise
    return n


def _say(message: object) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(workdir: str) -> int:
    batches: list[list[list[str]]] = json.loads(sys.stdin.readline())
    for k, batch in enumerate(batches):
        if k >= AHEAD and not sys.stdin.readline():  # the parent is gone: so are its files
            shutil.rmtree(workdir, ignore_errors=True)
            return 1
        out = Path(workdir) / f"batch-{k}.nq"
        files: list[tuple[str, int]] = []
        items = [(Path(path), ox.RdfFormat.from_media_type(media_type), graph)
                 for path, media_type, graph in batch]
        path = Path()
        try:
            with out.open("wb", buffering=1 << 20) as f:
                for path, fmt, graph in items:
                    files.append((str(path), write_nquads(path, fmt, graph, f)))
        except SyntaxError as exc:
            _say({"syntax": [str(exc.msg or exc), exc.filename, exc.lineno, exc.offset,
                             getattr(exc, "end_lineno", None), getattr(exc, "end_offset", None)]})
            return 0
        except OSError as exc:
            _say({"oserror": f"{path}: {exc.strerror or exc}"})
            return 0
        _say({"batch": k, "path": str(out), "files": files})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
