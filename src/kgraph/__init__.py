"""kgraph: a provenance-first knowledge graph of conflict reporting, served over SPARQL.

The public API is small; everything else lives in modules a user should not need:

>>> from kgraph import Settings, open_store, load_repository, validate_store
"""

from importlib import import_module as _import_module
from typing import TYPE_CHECKING as _TYPE_CHECKING

__version__ = "0.1.0"

#: Each public name and the module it lives in. They are imported on first use: every
#: `kgraph` command imports this package, and most need neither the validator (pySHACL and
#: rdflib) nor the remote store's HTTP client, which would otherwise cost each of them a third
#: of a second before it starts.
_EXPORTS = {
    "GraphStore": "kgraph.store",
    "KgraphError": "kgraph.errors",
    "ParseError": "kgraph.errors",
    "QueryError": "kgraph.errors",
    "Settings": "kgraph.settings",
    "StoreError": "kgraph.errors",
    "ValidationFailed": "kgraph.errors",
    "load_repository": "kgraph.loading",
    "open_store": "kgraph.store",
    "validate_store": "kgraph.validation",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kgraph' has no attribute {name!r}")
    value = getattr(_import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if _TYPE_CHECKING:
    from kgraph.errors import KgraphError, ParseError, QueryError, StoreError, ValidationFailed
    from kgraph.loading import load_repository
    from kgraph.settings import Settings
    from kgraph.store import GraphStore, open_store
    from kgraph.validation import validate_store
