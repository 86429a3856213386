"""The authoring compiler: deterministic output, and problems reported with file and line."""

import shutil
from pathlib import Path

import pytest

from kgraph.authoring.compile_all import compile_repository
from kgraph.authoring.compiler import compile_source
from kgraph.errors import AuthoringError
from kgraph.namespaces import Namespaces
from kgraph.settings import REPOSITORY_ROOT

SOURCE_YAML = REPOSITORY_ROOT / "data" / "authoring" / "sources" / "kursk-dprk-2025-id.yaml"


def test_shipped_turtle_is_what_the_authoring_files_compile_to():
    results = compile_repository(REPOSITORY_ROOT, check=True)
    assert len(results) >= 2
    stale = [str(r.path) for r in results if r.changed]
    assert stale == [], "data/ttl is out of date: run `kgraph compile`"


def test_compiling_twice_gives_identical_triples():
    a = compile_source(SOURCE_YAML, Namespaces())
    b = compile_source(SOURCE_YAML, Namespaces())
    assert set(a.graph) == set(b.graph)
    assert len(a.graph) > 1000
    assert a.uncovered() == []


def _copy_source(tmp_path: Path) -> Path:
    (tmp_path / "sources").mkdir()
    shutil.copy(REPOSITORY_ROOT / "data" / "sources" / "kursk-dprk-2025-id.txt", tmp_path / "kursk.txt")
    text = SOURCE_YAML.read_text(encoding="utf-8").replace("../../sources/kursk-dprk-2025-id.txt", "../kursk.txt")
    target = tmp_path / "sources" / "kursk.yaml"
    target.write_text(text, encoding="utf-8")
    return target


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


def test_a_quote_not_in_its_passage_is_reported_with_its_line(tmp_path):
    path = _copy_source(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "quote: menyebabkan kerugian serius", "quote: menyebabkan kerugian besar")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuthoringError) as info:
        compile_source(path, Namespaces())
    assert info.value.location.line == _line_of(path, "quote: menyebabkan kerugian besar")
    assert "not in passage p10-s1" in str(info.value)


def test_malformed_yaml_is_reported_with_its_line(tmp_path):
    path = _copy_source(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[40] = lines[40] + " : : ["
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(AuthoringError) as info:
        compile_source(path, Namespaces())
    assert info.value.location.line is not None
    assert abs(info.value.location.line - 41) <= 1


def test_an_unknown_key_is_reported(tmp_path):
    path = _copy_source(tmp_path)
    text = path.read_text(encoding="utf-8").replace("    kind: Casualty\n", "    kind: Casualty\n    claimnt: x\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuthoringError) as info:
        compile_source(path, Namespaces())
    assert "unknown key 'claimnt'" in str(info.value)
    assert info.value.location.line == _line_of(path, "claimnt: x")


def test_a_wrong_amount_is_refused(tmp_path):
    path = _copy_source(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "value: {verbatim: 412 tank, reading: '412', unit: NUM}",
        "value: {verbatim: 412 tank, reading: '412', unit: NUM, amount: 421}")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuthoringError, match="does not match"):
        compile_source(path, Namespaces())
