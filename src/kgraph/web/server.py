"""Run the application with uvicorn on the settings' host and port."""

from __future__ import annotations

import logging
import threading
import time

import uvicorn

from kgraph.settings import Settings
from kgraph.store import AnyStore
from kgraph.web.app import create_app
from kgraph.writes import WriteGate

log = logging.getLogger("kgraph.web")


def run(settings: Settings, store: AnyStore, *, rederive: bool = False) -> None:
    """Serve until interrupted. `rederive`: derive the truthy graph again in the background
    (`WriteGate.rederive`) while the server already answers."""
    app = create_app(settings, store)
    if rederive:
        threading.Thread(target=_rederive, args=(app.state.gate,), daemon=True,
                         name="kgraph-rederive").start()
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                    access_log=False)
    finally:
        app.state.executor.close()
        store.close()


def _rederive(gate: WriteGate) -> None:
    start = time.perf_counter()
    try:
        n = gate.rederive()
    except Exception:  # the server goes on with the graph as it was; say why
        log.exception("the truthy graph could not be derived again at start")
        return
    # uvicorn's logger: the one the server's own start-up lines go through
    logging.getLogger("uvicorn.error").info("truthy graph derived again: %d triples in %.1f s", n,
                                            time.perf_counter() - start)
