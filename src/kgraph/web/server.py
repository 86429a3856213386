"""Run the application with uvicorn on the settings' host and port."""

from __future__ import annotations

import uvicorn

from kgraph.settings import Settings
from kgraph.store import AnyStore
from kgraph.web.app import create_app


def run(settings: Settings, store: AnyStore) -> None:
    app = create_app(settings, store)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                    access_log=False)
    finally:
        app.state.executor.close()
        store.close()
