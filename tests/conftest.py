"""Shared fixtures: the repository loaded once into an in-memory store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kgraph.loading import load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import EmbeddedStore, open_store


@pytest.fixture(scope="session")
def seed_store() -> Iterator[EmbeddedStore]:
    """The shipped ontology, shapes and data in a fresh in-memory store (read-only use)."""
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    yield store


@pytest.fixture
def empty_store() -> EmbeddedStore:
    return open_store(Settings(), in_memory=True)


@pytest.fixture(scope="session")
def disk_seed(tmp_path_factory):
    """Settings and an on-disk store with the repository loaded (what `kgraph serve` runs on)."""
    settings = Settings(store=tmp_path_factory.mktemp("disk-seed") / "store")
    store = open_store(settings)
    load_repository(store, REPOSITORY_ROOT)
    yield settings, store
    store.close()
