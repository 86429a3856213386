"""A query worker's copy of the store in memory, kept in step with the checkpoints.

On disk every index probe of a join goes through RocksDB (10 to 15 µs); the same queries on the
same quads in an in-memory pyoxigraph store answer 4 to 6 times sooner (bench/results/
2026-11-27-1m.md, the heavy queries' medians at one client: `kgraph` against `kgraph+disk`). A
worker with a replica answers from memory the jobs whose checkpoint the replica equals, and
from the checkpoint on disk every other job, so an answer never lags a write:

* the first job (or a job after the replica was dropped) starts a full build in a background
  thread: the checkpoint dumped to N-Quads (in the engine, without the GIL: the worker goes on
  answering from disk meanwhile) and parsed into a new store;
* a job on a newer checkpoint starts an update: the graphs the commits since the replica's own
  checkpoint changed (`Job.changes`, kept by the executor) are copied again from the newer
  checkpoint; a commit that did not say which graphs it changed means a full build;
* a store larger than the limit is not copied: the worker stays on disk for its lifetime.

Checkpoints belong to the executor, which removes those no worker holds. The builder reads
from hard links of its own (`workdir`), made while the job that asked for them holds the
checkpoint, so the executor can remove a checkpoint while a build still reads it.

Workers do not share one copy: pyoxigraph's in-memory store writes to the pages it reads
(reference counts), so a copy inherited from a parent becomes private page by page.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: (checkpoint, the graphs its commit changed, or None when it did not say): oldest first
Changes = Sequence[tuple[str, Sequence[str] | None]]


#: What a replica takes while it is built, per quad: the dump, the parse and the store (at 1M
#: quads a worker peaked at about 0.8 GB; bench/results/2026-11-27-1m.md), with a margin.
BUILD_BYTES_PER_QUAD = 1000


def available_memory() -> int | None:
    """The memory the system can give without swapping (MemAvailable), in bytes; None when it
    cannot be told."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class Replica:
    """`memory_share`: the fraction of the memory available when a build starts that this
    replica may take (the workers share what is there: the executor gives each a part); a
    store too large for it stays on disk, as one over `max_quads` does."""

    def __init__(self, ox: Any, max_quads: int, workdir: Path, memory_share: float = 1.0) -> None:
        self._ox = ox
        self.max_quads = max_quads
        self.memory_share = memory_share
        self.workdir = workdir
        self.store: Any = None
        self.of: str | None = None           # the checkpoint `store` equals
        self.disabled = False
        self._lock = threading.Lock()
        self._wanted: tuple[str, Path, Changes] | None = None  # with its hard links
        self._building = False
        self._target: str | None = None      # the checkpoint being built
        self._serial = 0

    def store_for(self, snapshot: str, changes: Changes) -> Any:
        """The in-memory store when it equals `snapshot`; else None (answer from disk), after
        asking the builder to bring the replica up to `snapshot` (`changes`: the history of
        commits, to copy again only the graphs they changed)."""
        with self._lock:
            if self.of == snapshot:
                return self.store
            if self.disabled or snapshot in (self._target, self._wanted and self._wanted[0]):
                return None
            try:
                linked = self._link(snapshot)
            except OSError as exc:  # no copy this time: the disk answers, as without one
                print(f"kgraph query worker {os.getpid()}: cannot link {snapshot} for the "
                      f"in-memory replica: {exc}", file=sys.stderr, flush=True)
                return None
            superseded, self._wanted = self._wanted, (snapshot, linked, changes)
            start, self._building = not self._building, True
        if superseded is not None:  # a newer checkpoint came before its turn
            shutil.rmtree(superseded[1], ignore_errors=True)
        if start:
            threading.Thread(target=self._run, name="kgraph-replica", daemon=True).start()
        return None

    def wait(self, timeout: float) -> bool:
        """Until no build is running or wanted; True when idle (False after `timeout` s)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if not self._building:
                    return True
            time.sleep(0.01)
        return False

    # the builder thread ------------------------------------------------------------------------
    def _link(self, snapshot: str) -> Path:
        """Hard links of the checkpoint's files (immutable), made now, while the caller's job
        holds the checkpoint; removed once built or superseded. Called with the lock held."""
        self._serial += 1
        target = self.workdir / f"{self._serial}"
        try:
            shutil.copytree(snapshot, target, copy_function=os.link)
        except OSError:
            shutil.rmtree(target, ignore_errors=True)
            raise
        return target

    def _run(self) -> None:
        while True:
            with self._lock:
                wanted, self._wanted = self._wanted, None
                if wanted is None:
                    self._building, self._target = False, None
                    return
                self._target = wanted[0]
            snapshot, linked, changes = wanted
            try:
                self._bring_to(snapshot, linked, changes)
            except Exception as exc:  # the worker goes on from disk; say why once
                with self._lock:
                    self.store, self.of = None, None
                print(f"kgraph query worker {os.getpid()}: in-memory replica dropped: "
                      f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            finally:
                shutil.rmtree(linked, ignore_errors=True)

    def _bring_to(self, snapshot: str, linked: Path, changes: Changes) -> None:
        ox = self._ox
        source = ox.Store.read_only(str(linked))
        with self._lock:
            base, store = self.of, self.store
            graphs = _changed_since(base, snapshot, changes)
            self.of = None  # from here on `store` may differ from every checkpoint
        start = time.perf_counter()
        if store is None or graphs is None:
            with self._lock:
                self.store = store = None  # let the old copy go before building the new one
            n = len(source)  # in the engine: 0.2 s for a million quads
            available = available_memory()
            room = None if available is None else int(available * self.memory_share)
            if n > self.max_quads or (room is not None and n * BUILD_BYTES_PER_QUAD > room):
                with self._lock:
                    self.disabled = True
                why = (f"more than {self.max_quads:,} quads" if n > self.max_quads else
                       f"{n:,} quads, too many for this worker's share of the memory available "
                       f"({room / 2**30:.1f} GiB)")
                print(f"kgraph query worker {os.getpid()}: the store holds {why}: queries read "
                      "it on disk", file=sys.stderr, flush=True)
                return
            # The dump runs in the engine without the GIL (most of the time: the worker answers
            # from disk meanwhile). Parsed by `ox.parse`, not `Store.load`, which would rename
            # the blank nodes: the replica must name them as the store on disk does.
            data = source.dump(format=ox.RdfFormat.N_QUADS)
            store = ox.Store()
            store.bulk_extend(ox.parse(data, format=ox.RdfFormat.N_QUADS))
            del data
            print(f"kgraph query worker {os.getpid()}: in-memory replica of {len(store):,} quads "
                  f"built in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        else:
            for iri in graphs:
                if iri == "":
                    store.update("CLEAR SILENT DEFAULT")
                    store.extend(source.quads_for_pattern(None, None, None, ox.DefaultGraph()))
                    continue
                graph = ox.NamedNode(iri)
                if store.contains_named_graph(graph):
                    store.remove_graph(graph)
                store.extend(source.quads_for_pattern(None, None, None, graph))
                if source.contains_named_graph(graph):  # also when it is empty
                    store.add_graph(graph)
        del source
        with self._lock:
            self.store, self.of = store, snapshot


def _changed_since(base: str | None, snapshot: str, changes: Changes) -> list[str] | None:
    """The graphs the commits after `base` up to `snapshot` changed; None when that is not
    known (no base, `base` not in the history, or a commit that did not say)."""
    if base is None:
        return None
    names = [s for s, _ in changes]
    if base not in names or snapshot not in names:
        return None
    start, end = names.index(base), names.index(snapshot)
    if end < start:
        return None
    graphs: set[str] = set()
    for _, changed in changes[start + 1:end + 1]:
        if changed is None:
            return None
        graphs.update(changed)
    return sorted(graphs)


__all__ = ["BUILD_BYTES_PER_QUAD", "Changes", "Replica", "available_memory"]
