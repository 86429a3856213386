"""Compiling a repository: validated before writing, violations at the authoring line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kgraph.authoring.compile_all import compile_repository
from kgraph.errors import AuthoringError, ValidationFailed
from kgraph.settings import REPOSITORY_ROOT

SOURCE = Path("data/authoring/sources/kursk-dprk-2025-id.yaml")
TTL = Path("data/ttl/sources/kursk-dprk-2025-id.ttl")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPOSITORY_ROOT / folder, tmp_path / folder)
    return tmp_path


def _edit(repo: Path, old: str, new: str) -> int:
    path = repo / SOURCE
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_a_shape_violation_is_reported_at_the_claim_and_nothing_is_written(repo):
    line = _edit(repo, "  - id: gerasimov-ua-losses\n", "  - id: gerasimov-ua-losses\n")
    _edit(repo, "    claimant: person/valery-gerasimov\n", "    claimant: agent/kgraph-curators\n")
    before = (repo / TTL).read_bytes()
    with pytest.raises(ValidationFailed) as info:
        compile_repository(repo, validate=None)
    message = str(info.value)
    assert "needs exactly one claimant" in message
    assert f"{SOURCE}:" in message and "nothing was written" in message
    assert (repo / TTL).read_bytes() == before
    assert line > 0


def test_a_malformed_file_names_its_line_and_writes_nothing(repo):
    line = _edit(repo, "    modality: estimate\n", "    modality: [estimate\n")
    before = (repo / TTL).read_bytes()
    with pytest.raises(AuthoringError) as info:
        compile_repository(repo, validate=None)
    assert info.value.location.source == str(SOURCE)
    assert info.value.location.line is not None and abs(info.value.location.line - line) <= 2
    assert (repo / TTL).read_bytes() == before


def test_compiling_again_changes_nothing(repo):
    results = compile_repository(repo, validate=None)
    assert not any(r.changed for r in results)
