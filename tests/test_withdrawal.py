"""Withdrawal refuses what it cannot do clearly, and changes nothing then."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kgraph.errors import UserError
from kgraph.settings import REPOSITORY_ROOT
from kgraph.withdrawal import withdraw


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPOSITORY_ROOT / folder, tmp_path / folder)
    return tmp_path


@pytest.mark.parametrize(("source", "reason", "by", "message"), [
    ("no-such-source", "why", "agent/kgraph-curators", "no source no-such-source"),
    ("kursk-dprk-2025-id", "  ", "agent/kgraph-curators", "--reason is empty"),
    ("kursk-dprk-2025-id", "why", "Jane Doe", "agent identifier"),
])
def test_refusals_change_nothing(repo, source, reason, by, message):
    with pytest.raises(UserError, match=message):
        withdraw(repo, source, reason=reason, by=by)
    assert (repo / "data" / "ttl" / "sources" / "kursk-dprk-2025-id.ttl").exists()
    assert not (repo / "data" / "ttl" / "withdrawn.ttl").exists()


def test_files_only_withdrawal_lists_the_minted_iris_but_not_the_entities(repo):
    w = withdraw(repo, "kursk-dprk-2025-id", reason="A test.", by="agent/kgraph-curators")
    assert "https://w3id.org/kgraph/id/claim/kursk-dprk-2025-id/gerasimov-ua-losses" in w.minted
    assert "https://w3id.org/kgraph/id/document/kursk-dprk-2025-id" in w.minted
    assert not any("/person/" in i for i in w.minted)
    assert (repo / "data" / "authoring" / "withdrawn" / "kursk-dprk-2025-id.yaml").exists()
    assert "kg:Withdrawal" in (repo / "data" / "ttl" / "withdrawn.ttl").read_text()


def test_the_command_exits_2(repo):
    done = subprocess.run([sys.executable, "-m", "kgraph.cli", "withdraw", "nope", "--reason", "x",
                           "--repository", str(repo), "--store", str(repo / "no-store")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "no source nope" in done.stderr
