"""Compile every authoring file of a repository into data/ttl/ (canonical Turtle).

Everything is compiled in memory first; with validation on, the compiled graphs (with the
dataset description, the ontology and the shapes) are validated before anything is written,
and each violation is reported at the authoring file and line of the block that minted its
focus node. A file with a problem, or a graph that violates the shapes, writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from kgraph.authoring.compiler import compile_entities, compile_source
from kgraph.authoring.passages import Passage
from kgraph.canonical import HEADER, canonical_turtle
from kgraph.errors import ValidationFailed
from kgraph.namespaces import Namespaces


@dataclass
class Compiled:
    path: Path
    triples: int
    changed: bool
    uncovered: list[Passage] = field(default_factory=list)
    #: a source with no claims yet: reported, not written
    draft: bool = False


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _changed(path: Path, text: str) -> bool:
    old = path.read_text(encoding="utf-8") if path.exists() else None
    return old != text


def compile_repository(root: Path, *, check: bool = False,
                       validate: bool | None = False) -> list[Compiled]:
    """Files are always written against the default base IRI (loading rebases them).

    `validate`: True validates the compiled graphs against the shapes before writing; None
    does so only when a file would change (what `kgraph compile` does); False never."""
    ns = Namespaces()
    authoring = root / "data" / "authoring"
    results: list[Compiled] = []
    pending: list[tuple[Path, str]] = []
    graphs: list[Graph] = []
    lines: dict[URIRef, tuple[str, int]] = {}
    entities = authoring / "entities.yaml"
    if entities.exists():
        graph = compile_entities(entities, ns, display=str(entities.relative_to(root)), lines=lines)
        target = root / "data" / "ttl" / "entities.ttl"
        text = canonical_turtle(graph, ns, header=HEADER)
        results.append(Compiled(target, len(graph), _changed(target, text)))
        pending.append((target, text))
        graphs.append(graph)
    compiled_ids: set[str] = set()
    for path in sorted((authoring / "sources").glob("*.yaml")):
        compiled = compile_source(path, ns, display=str(path.relative_to(root)))
        target = root / "data" / "ttl" / "sources" / f"{compiled.source_id}.ttl"
        compiled_ids.add(compiled.source_id)
        if compiled.draft:
            results.append(Compiled(target, 0, False, draft=True))
            continue
        text = canonical_turtle(compiled.graph, ns, header=HEADER)
        results.append(Compiled(target, len(compiled.graph), _changed(target, text),
                                compiled.uncovered()))
        pending.append((target, text))
        graphs.append(compiled.graph)
        lines.update(compiled.lines)
    if validate or (validate is None and any(r.changed for r in results)):
        others = [p for p in sorted((root / "data" / "ttl" / "sources").glob("*.ttl"))
                  if p.stem not in compiled_ids]
        _validate(root, graphs, others, lines)
    if not check:
        for target, text in pending:
            if _changed(target, text):
                _write(target, text)
    return results


def _validate(root: Path, graphs: list[Graph], others: list[Path],
              lines: dict[URIRef, tuple[str, int]]) -> None:
    """Validate the compiled graphs with the rest of the repository's data; ValidationFailed
    naming the authoring file and line of each violation's focus node. The graphs go into an
    in-memory store with the ontology and the shapes, where the shapes run compiled to SPARQL
    (pySHACL only for what the compiler cannot express): seconds, not tens of seconds."""
    import pyoxigraph as ox

    from kgraph.loading import GraphFile, graph_for_file, load_files
    from kgraph.settings import Settings
    from kgraph.store import open_store
    from kgraph.validation import validate_store

    store = open_store(Settings(repository=root), in_memory=True)
    ns = store.namespaces
    files = [GraphFile(f, graph_for_file(f, ns)) for pattern in ("ontology/*.ttl", "ontology/imports/*.ttl", "shapes/*.ttl")
             for f in sorted(root.glob(pattern))]
    data_files = [GraphFile(f, graph_for_file(f, ns))
                  for f in [root / "data" / "ttl" / "dataset.ttl", *others] if f.exists()]
    load_files(store, [*files, *data_files])
    compiled = [ns.graph_iri(f"compiled/{i}") for i in range(len(graphs))]
    for name, graph in zip(compiled, graphs):
        triples = ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        store.replace_graph(name, (ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
                                   for t in triples))
    report = validate_store(store, graphs=[*compiled, *(f.graph for f in data_files)])
    if report.conforms:
        return
    hard = [v for v in report.violations if v.severity == "Violation"]
    described = []
    for v in hard:
        where = lines.get(URIRef(v.focus))
        place = f"{where[0]}:{where[1]}" if where else "(not from an authoring file)"
        described.append(f"{place}: {v.message} ({v.focus}"
                         + (f" {v.path}" if v.path else "") + ")")
    raise ValidationFailed(
        f"the compiled data violates the shapes ({len(hard)} violation(s)); nothing was "
        "written:\n" + "\n".join(described), report)
