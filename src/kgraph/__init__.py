"""kgraph: a provenance-first knowledge graph of conflict reporting, served over SPARQL.

The public API is small; everything else lives in modules a user should not need:

>>> from kgraph import Settings, open_store, load_repository, validate_store
"""

from kgraph.errors import (
    KgraphError,
    ParseError,
    QueryError,
    StoreError,
    ValidationFailed,
)
from kgraph.loading import load_repository
from kgraph.settings import Settings
from kgraph.store import GraphStore, open_store
from kgraph.validation import validate_store

__version__ = "0.1.0"

__all__ = [
    "GraphStore",
    "KgraphError",
    "ParseError",
    "QueryError",
    "Settings",
    "StoreError",
    "ValidationFailed",
    "__version__",
    "load_repository",
    "open_store",
    "validate_store",
]
