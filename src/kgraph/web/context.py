"""What every web module gets: the settings, the store and the namespaces.

Each feature module exposes `router(ctx: WebContext) -> fastapi.APIRouter`; `web/app.py`
includes them in its one table of routes. `ctx.store.query(...)` runs in this process and is
for kgraph's own bounded queries (pages, lookup, VoID); users' SPARQL goes through the query
executor, which can stop a runaway query.
"""

from __future__ import annotations

from dataclasses import dataclass

from kgraph.namespaces import Namespaces
from kgraph.settings import Settings
from kgraph.store import AnyStore


@dataclass
class WebContext:
    settings: Settings
    store: AnyStore

    @property
    def namespaces(self) -> Namespaces:
        return self.store.namespaces
