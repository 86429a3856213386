"""Stores behind one interface: the embedded on-disk pyoxigraph store (default)."""

from __future__ import annotations

from pathlib import Path

from kgraph.namespaces import Namespaces
from kgraph.settings import Settings
from kgraph.store.base import GraphStore, QueryResult, Term, canonical_digest, query_error
from kgraph.store.embedded import EmbeddedStore


def open_store(settings: Settings, *, in_memory: bool = False) -> EmbeddedStore:
    """Open the store the settings name (an on-disk directory), or a fresh in-memory one."""
    namespaces = Namespaces(settings.base_iri)
    return EmbeddedStore(None if in_memory else Path(settings.store), namespaces)


__all__ = ["EmbeddedStore", "canonical_digest", "GraphStore", "QueryResult", "Term", "open_store", "query_error"]
