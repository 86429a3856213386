"""Compile every authoring file of a repository into data/ttl/ (canonical Turtle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kgraph.authoring.compiler import compile_entities, compile_source
from kgraph.authoring.passages import Passage
from kgraph.canonical import HEADER, canonical_turtle
from kgraph.namespaces import Namespaces


@dataclass
class Compiled:
    path: Path
    triples: int
    changed: bool
    uncovered: list[Passage] = field(default_factory=list)


def _write(path: Path, text: str, check: bool) -> bool:
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old == text:
        return False
    if not check:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return True


def compile_repository(root: Path, *, check: bool = False) -> list[Compiled]:
    """Files are always written against the default base IRI (loading rebases them)."""
    ns = Namespaces()
    authoring = root / "data" / "authoring"
    results: list[Compiled] = []
    entities = authoring / "entities.yaml"
    if entities.exists():
        graph = compile_entities(entities, ns, display=str(entities.relative_to(root)))
        target = root / "data" / "ttl" / "entities.ttl"
        text = canonical_turtle(graph, ns, header=HEADER)
        results.append(Compiled(target, len(graph), _write(target, text, check)))
    for path in sorted((authoring / "sources").glob("*.yaml")):
        compiled = compile_source(path, ns, display=str(path.relative_to(root)))
        target = root / "data" / "ttl" / "sources" / f"{compiled.source_id}.ttl"
        text = canonical_turtle(compiled.graph, ns, header=HEADER)
        results.append(
            Compiled(target, len(compiled.graph), _write(target, text, check), compiled.uncovered())
        )
    return results
