"""Run the application with uvicorn on the settings' host and port."""

from __future__ import annotations

import logging
import threading
import time

import uvicorn

from kgraph.query import QueryExecutor
from kgraph.settings import Settings
from kgraph.store import AnyStore
from kgraph.web.app import create_app
from kgraph.writes import WriteGate

log = logging.getLogger("kgraph.web")


def run(settings: Settings, store: AnyStore, *, rederive: bool = False) -> None:
    """Serve until interrupted. `rederive`: derive the truthy graph again in the background
    (`WriteGate.rederive`) while the server already answers."""
    app = create_app(settings, store)
    if rederive or settings.replica_max_quads > 0:
        threading.Thread(target=_start_up, args=(app.state.gate, app.state.executor, rederive),
                         daemon=True, name="kgraph-start-up").start()
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                    access_log=False)
    finally:
        app.state.executor.close()
        store.close()


def _start_up(gate: WriteGate, executor: QueryExecutor, rederive: bool) -> None:
    """The start-up work done while the server already answers: the truthy graph derived again,
    then the query workers' in-memory replicas built."""
    # uvicorn's logger: the one the server's own start-up lines go through
    say = logging.getLogger("uvicorn.error").info
    if rederive:
        start = time.perf_counter()
        try:
            n = gate.rederive()
        except Exception:  # the server goes on with the graph as it was; say why
            log.exception("the truthy graph could not be derived again at start")
        else:
            say("truthy graph derived again: %d triples in %.1f s", n, time.perf_counter() - start)
    start = time.perf_counter()
    try:
        replicas = executor.warm(wait=600)
    except Exception:  # queries read the store on disk until a replica is ready
        log.exception("the query workers' in-memory replicas could not be built at start")
        return
    if replicas:
        ready = [quads for up_to_date, quads in replicas if up_to_date]
        say("query replicas ready: %d of %d workers hold the store in memory (%s quads) after %.1f s",
            len(ready), len(replicas), f"{max(ready, default=0):,}", time.perf_counter() - start)
