"""`kgraph add-source`: the text as given, a starter with only the given metadata, clear refusals."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kgraph.authoring.add_source import SourceMetadata, add_source
from kgraph.authoring.compile_all import compile_repository
from kgraph.errors import UserError
from kgraph.settings import REPOSITORY_ROOT

TEXT = "Headline of a test\n\nMore than 5 people came. They left.\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPOSITORY_ROOT / folder, tmp_path / folder)
    (tmp_path / "in.txt").write_text(TEXT, encoding="utf-8")
    return tmp_path


def test_the_starter_holds_only_what_was_given(repo):
    added = add_source(repo, repo / "in.txt", "test-src", SourceMetadata(language="en", url="https://example.org/a"))
    assert (repo / "data" / "sources" / "test-src.txt").read_text(encoding="utf-8") == TEXT
    starter = added.yaml_path.read_text(encoding="utf-8")
    assert 'url: "https://example.org/a"' in starter
    assert "schema:publisher:" in starter and "schema:datePublished:" in starter, "unknown, not guessed"
    assert "# p2-s2 [45-55] They left." in starter
    results = compile_repository(repo, check=True)
    assert [r.draft for r in results if r.path.stem == "test-src"] == [True], "a draft compiles to nothing"


def test_no_language_is_undetermined_not_guessed(repo):
    added = add_source(repo, repo / "in.txt", "test-src", SourceMetadata())
    assert "language: und" in added.yaml_path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("source_id", "meta", "message"), [
    ("Bad_Id", SourceMetadata(), "lower-case"),
    ("ok", SourceMetadata(published="26 April"), "YYYY-MM-DD"),
    ("ok", SourceMetadata(url="example.org"), "http"),
    ("ok", SourceMetadata(language="english language"), "language tag"),
])
def test_bad_metadata_is_refused_and_nothing_is_written(repo, source_id, meta, message):
    with pytest.raises(UserError, match=message):
        add_source(repo, repo / "in.txt", source_id, meta)
    assert not (repo / "data" / "sources" / f"{source_id}.txt").exists()


def test_an_existing_source_is_not_overwritten_without_force(repo):
    with pytest.raises(UserError, match="exists already"):
        add_source(repo, repo / "in.txt", "kursk-dprk-2025-id", SourceMetadata())
    seed = (REPOSITORY_ROOT / "data" / "sources" / "kursk-dprk-2025-id.txt").read_bytes()
    assert (repo / "data" / "sources" / "kursk-dprk-2025-id.txt").read_bytes() == seed


def test_the_command_exits_2_with_a_clear_message(repo):
    done = subprocess.run([sys.executable, "-m", "kgraph.cli", "add-source", str(repo / "missing.txt"),
                           "--id", "x", "--repository", str(repo)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "missing.txt: cannot read the file" in done.stderr
    assert not (repo / "data" / "authoring" / "sources" / "x.yaml").exists()
