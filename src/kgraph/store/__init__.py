"""Stores behind one interface: the embedded on-disk pyoxigraph store (default), or a remote
server speaking the SPARQL 1.1 Protocol and the Graph Store HTTP Protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Union

from kgraph.namespaces import Namespaces
from kgraph.settings import Settings
from kgraph.store.base import GraphStore, QueryResult, Term, canonical_digest, query_error
from kgraph.store.embedded import EmbeddedStore
from kgraph.store.remote import RemoteStore, StoreUnavailable

AnyStore = Union[EmbeddedStore, RemoteStore]


def open_store(settings: Settings, *, in_memory: bool = False) -> AnyStore:
    """Open the store the settings name: a remote SPARQL server when the store is an http(s)
    URL (its capabilities checked first), else an on-disk directory; or a fresh in-memory
    store."""
    namespaces = Namespaces(settings.base_iri)
    url = settings.remote_store
    if url and not in_memory:
        return open_remote(settings, url, namespaces)
    return EmbeddedStore(None if in_memory else Path(settings.store), namespaces)


def open_remote(settings: Settings, url: str, namespaces: Namespaces | None = None) -> RemoteStore:
    """The remote store at `url`, checked. kgraph's own queries (pages, audits) read the union
    default graph whatever KGRAPH_UNION_DEFAULT_GRAPH says of users' queries, so a server
    without one is refused."""
    return RemoteStore.connect(
        url, namespaces or Namespaces(settings.base_iri),
        update_url=settings.store_update_url or None,
        graph_store_url=settings.store_graph_store_url or None,
        auth=settings.store_auth,
        timeout=settings.store_timeout,
        batch_triples=settings.store_batch_triples,
        max_copy_quads=settings.store_max_copy_quads,
    )


__all__ = ["AnyStore", "EmbeddedStore", "GraphStore", "QueryResult", "RemoteStore",
           "StoreUnavailable", "Term", "canonical_digest", "open_remote", "open_store",
           "query_error"]
