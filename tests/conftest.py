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
