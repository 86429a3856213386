"""From files to named graphs: parse (reporting file:line:column), rebase, load atomically.

Which graph a file belongs to follows from where it lies in the repository:

    ontology/*.ttl              -> graph/ontology
    ontology/imports/*.ttl      -> graph/vocabularies   (declarations of the external terms used)
    shapes/*.ttl                -> graph/shapes
    data/ttl/entities.ttl       -> graph/entities       (persons, organisations, places, events)
    data/ttl/dataset.ttl        -> graph/dataset        (the dataset's description and rights)
    data/ttl/sources/<id>.ttl   -> graph/source/<id>    (one graph per source document)

Every file is parsed before anything is written, so a malformed file loads nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kgraph.errors import Location, ParseError, UserError
from kgraph.namespaces import (
    GRAPH_DATASET,
    GRAPH_ENTITIES,
    GRAPH_ONTOLOGY,
    GRAPH_SHAPES,
    GRAPH_SOURCE_PREFIX,
    GRAPH_TRUTHY,
    GRAPH_VOCABULARIES,
    GRAPH_WITHDRAWN,
    Namespaces,
)
from kgraph.settings import DEFAULT_BASE_IRI
from kgraph.store import AnyStore

QUERIES = Path(__file__).parent / "queries"


@dataclass(frozen=True)
class GraphFile:
    """One repository file and the named graph it is loaded into."""

    path: Path
    graph: str


def plan_repository(root: Path, namespaces: Namespaces) -> list[GraphFile]:
    """Every RDF file of the repository with its graph, in a stable order."""
    patterns = ("ontology/*.ttl", "ontology/imports/*.ttl", "shapes/*.ttl",
                "data/ttl/entities.ttl", "data/ttl/dataset.ttl", "data/ttl/withdrawn.ttl",
                "data/ttl/sources/*.ttl")
    return [
        GraphFile(path, graph_for_file(path, namespaces))
        for pattern in patterns
        for path in sorted(root.glob(pattern))
    ]


def graph_for_file(path: Path, namespaces: Namespaces) -> str:
    """The graph a file belongs to by its place in a repository layout (any checkout or copy:
    only the folders it sits in count); UserError for a file outside the layout."""
    parts = path.resolve().parts
    name = path.stem
    if parts[-3:-1] == ("ttl", "sources") and len(parts) >= 4 and parts[-4] == "data":
        return namespaces.graph_iri(GRAPH_SOURCE_PREFIX + name)
    if parts[-3:-1] == ("data", "ttl") and name in (GRAPH_ENTITIES, GRAPH_DATASET, GRAPH_WITHDRAWN):
        return namespaces.graph_iri(name)
    if parts[-3:-1] == ("ontology", "imports"):
        return namespaces.graph_iri(GRAPH_VOCABULARIES)
    if parts[-2] == "ontology":
        return namespaces.graph_iri(GRAPH_ONTOLOGY)
    if parts[-2] == "shapes":
        return namespaces.graph_iri(GRAPH_SHAPES)
    raise UserError(f"{path}: not a file of the repository layout; name its graph with --graph")


def parse_file(path: Path, namespaces: Namespaces, *, display: str | None = None) -> list[ox.Triple]:
    """Parse one Turtle (or N-Triples, RDF/XML...) file into triples, rebased to the settings'
    base IRI. A syntax error becomes ParseError with file:line:column."""
    shown = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{shown}: cannot read the file: {exc.strerror}") from None
    return parse_bytes(data, _format_of(path), namespaces, source=shown,
                       base_iri=path.resolve().as_uri())


def _format_of(path: Path) -> ox.RdfFormat:
    """The RDF format a file's extension names; Turtle when it names none."""
    try:
        return ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
    except ValueError:
        return ox.RdfFormat.TURTLE


def parse_bytes(
    data: bytes,
    fmt: ox.RdfFormat,
    namespaces: Namespaces,
    *,
    source: str = "<input>",
    base_iri: str | None = None,
) -> list[ox.Triple]:
    """Parse a serialisation into triples (quads' graph names are dropped only for graph
    formats). Errors carry `source:line:column`."""
    quads = _parse(data, fmt, source, base_iri, without_named_graphs=True)
    return [rebase_triple(ox.Triple(q.subject, q.predicate, q.object), namespaces) for q in quads]


def parse_dataset_bytes(
    data: bytes,
    fmt: ox.RdfFormat,
    namespaces: Namespaces,
    *,
    source: str = "<input>",
    base_iri: str | None = None,
) -> list[ox.Quad]:
    """Parse a dataset serialisation (TriG, N-Quads) into quads, graph names kept and IRIs
    rebased. Errors carry `source:line:column`."""
    out = []
    for q in _parse(data, fmt, source, base_iri):
        t = rebase_triple(ox.Triple(q.subject, q.predicate, q.object), namespaces)
        graph = q.graph_name
        if isinstance(graph, ox.NamedNode):
            graph = _rebase(graph, namespaces.base) if namespaces.base != DEFAULT_BASE_IRI else graph
        out.append(ox.Quad(t.subject, t.predicate, t.object, graph))  # type: ignore[arg-type]
    return out


def _parse(data: bytes, fmt: ox.RdfFormat, source: str, base_iri: str | None,
           **options: bool) -> list[ox.Quad]:
    """All the quads of a serialisation; a syntax error as ParseError at `source:line:column`."""
    try:
        return list(ox.parse(data, format=fmt, base_iri=base_iri, **options))
    except SyntaxError as exc:
        raise parse_error(exc, source) from None
    except ValueError as exc:
        raise ParseError(str(exc), Location(source=source)) from None


def parse_error(exc: SyntaxError, source: str) -> ParseError:
    message = str(exc.msg) if exc.msg else str(exc)
    for prefix in ("Parser error ",):
        if message.startswith(prefix):
            message = message.split(": ", 1)[-1]
    return ParseError(message, Location(exc.lineno, exc.offset, source))


def rebase_triple(triple: ox.Triple, namespaces: Namespaces) -> ox.Triple:
    if namespaces.base == DEFAULT_BASE_IRI:
        return triple
    return ox.Triple(
        _rebase(triple.subject, namespaces.base),  # type: ignore[arg-type]
        _rebase(triple.predicate, namespaces.base),  # type: ignore[arg-type]
        _rebase(triple.object, namespaces.base),
    )


def _rebase(term: object, base: str) -> object:
    if isinstance(term, ox.NamedNode) and term.value.startswith(DEFAULT_BASE_IRI):
        return ox.NamedNode(base + term.value[len(DEFAULT_BASE_IRI):])
    if isinstance(term, ox.Literal) and not term.language:
        datatype = _rebase(term.datatype, base)
        value = term.value
        if value.startswith(DEFAULT_BASE_IRI):  # void:uriSpace, vann:preferredNamespaceUri
            value = base + value[len(DEFAULT_BASE_IRI):]
        if datatype is not term.datatype or value is not term.value:
            return ox.Literal(value, datatype=datatype)  # type: ignore[arg-type]
    return term


@dataclass(frozen=True)
class LoadReport:
    graphs: dict[str, int]

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


#: Files larger than this are streamed: checked in one pass, bulk-loaded in a second.
STREAMING_THRESHOLD = 64 * 1024 * 1024


def stream_triples(item: GraphFile, namespaces: Namespaces) -> Iterator[ox.Triple]:
    """Parse a file lazily (bounded memory); errors carry file:line:column."""
    try:
        for q in ox.parse(path=str(item.path), format=_format_of(item.path), base_iri=item.path.resolve().as_uri(),
                          without_named_graphs=True):
            yield rebase_triple(ox.Triple(q.subject, q.predicate, q.object), namespaces)
    except SyntaxError as exc:
        raise parse_error(exc, _display(item.path)) from None


def load_files(
    store: AnyStore,
    files: Iterable[GraphFile],
    *,
    progress: Callable[[str, int], None] | None = None,
    streaming_threshold: int = STREAMING_THRESHOLD,
) -> LoadReport:
    """Parse every file first; then replace each graph atomically with its files' triples.
    Files sharing a graph are merged. Nothing is written if any file fails to parse.

    A file over `streaming_threshold` bytes is not held in memory: a first pass checks its
    syntax (reporting progress every 100,000 triples), a second bulk-loads it into a staging
    graph that then replaces its target in one transaction."""
    files = list(files)
    if store.namespaces.base == DEFAULT_BASE_IRI:
        # IRIs need no rebasing: the engine parses and writes the files itself
        for item in files:
            if not item.path.is_file():
                raise UserError(f"{_display(item.path)}: cannot read the file: no such file")
        try:
            return LoadReport(store.replace_graphs_from_files(
                [(f.path, _format_of(f.path), f.graph) for f in files], progress=progress))
        except SyntaxError as exc:
            shown = exc.filename or ""
            match = [f for f in files if str(f.path) == shown]
            raise parse_error(exc, _display(match[0].path) if match else shown) from None
        except ValueError as exc:
            raise ParseError(str(exc), Location(source="")) from None
    large = [f for f in files if f.path.stat().st_size > streaming_threshold]
    for item in large:
        n = 0
        for n, _ in enumerate(stream_triples(item, store.namespaces), start=1):
            if progress and n % 100_000 == 0:
                progress(str(item.path), n)
        if progress:
            progress(str(item.path), n)
    by_graph: dict[str, list[ox.Triple]] = {}
    for item in files:
        if item in large:
            continue
        triples = parse_file(item.path, store.namespaces, display=_display(item.path))
        by_graph.setdefault(item.graph, []).extend(triples)
        if progress:
            progress(str(item.path), len(triples))
    counts: dict[str, int] = {}
    for graph, triples in by_graph.items():
        counts[graph] = store.replace_graph(graph, _as_quads(triples))
    for item in large:
        counts[item.graph] = store.bulk_replace_graph(
            item.graph, _as_quads(stream_triples(item, store.namespaces)))
    return LoadReport(counts)


def load_repository(
    store: AnyStore,
    root: Path,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> LoadReport:
    """Load the ontology, shapes and data of a repository checkout, then derive the truthy
    graph. Graphs of sources no longer in the repository are left alone (withdraw them
    explicitly)."""
    plan = plan_repository(root, store.namespaces)
    if not any(item.graph.endswith("/" + GRAPH_ONTOLOGY) for item in plan):
        raise UserError(f"{root}: no ontology/*.ttl found; is this a kgraph repository?")
    report = load_files(store, plan, progress=progress)
    truthy = derive_truthy(store)
    return LoadReport({**report.graphs, store.namespaces.graph_iri(GRAPH_TRUTHY): truthy})


def derive_truthy(store: AnyStore, changed: Sequence[ox.Quad] | None = None) -> int:
    """Rebuild graph/truthy: the simple s-p-o triples of asserted, uncontested claims.

    With `changed` (the quads a write added or removed, already committed), only the subjects
    those quads can affect are derived again: whether (s, p, o) is truthy depends on the
    claims about s alone (their stance, rank, references and passages), so the triples of
    every other subject stay as they are. Returns the number of truthy triples written."""
    truthy = store.namespaces.graph_iri(GRAPH_TRUTHY)
    subjects = None if changed is None else _truthy_subjects(store, changed)
    if subjects is None:
        # Over the union of all graphs: the query's patterns match claims only, which live in
        # the source graphs (the engine's union is one scan, a list of graphs is one per graph).
        whole = (QUERIES / "truthy-whole.rq").read_text(encoding="utf-8")
        triples = list(store.query(whole, union_default_graph=True))  # type: ignore[arg-type]
        return store.replace_graph(truthy, _as_quads(triples))
    if not subjects:
        return 0
    query = (QUERIES / "truthy.rq").read_text(encoding="utf-8")
    values = "VALUES ?s { " + " ".join(str(s) for s in sorted(subjects, key=str)) + " }"
    restricted, n = _SUBJECTS_LINE.subn(values + " ?c rdf:subject ?s .", query)
    if n != 2:
        raise RuntimeError(f"truthy.rq has {n} #@subjects lines, not 2")
    triples = list(store.query(restricted, union_default_graph=True))  # type: ignore[arg-type]
    data = " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    store.update(f"DELETE {{ GRAPH <{truthy}> {{ ?s ?p ?o }} }} WHERE {{ {values} GRAPH <{truthy}> {{ ?s ?p ?o }} }}"
                 + (f" ;\nINSERT DATA {{ GRAPH <{truthy}> {{ {data} }} }}" if data else ""))
    return len(triples)


# Past this many subjects one derivation of the whole graph is cheaper than a long VALUES list.
_MAX_INCREMENTAL_SUBJECTS = 5000


def _truthy_subjects(store: AnyStore, changed: Sequence[ox.Quad]) -> set[ox.NamedNode] | None:
    """The claim subjects whose truthy triples a change can alter: those of the claims it
    touches, of the claims that cite a reference it touches, and of the claims whose
    reference quotes a passage it touches. None when that cannot be told (a blank node
    changed, or too many subjects): derive everything."""
    nodes = {q.subject for q in changed}
    if any(not isinstance(n, ox.NamedNode) for n in nodes):
        return None
    subjects = {q.object for q in changed if q.predicate == _RDF_SUBJECT}  # of removed claims too
    # three plain joins: as one UNION or with a property path the engine scans every claim
    paths = ("?n rdf:subject ?s", "?c prov:wasDerivedFrom ?n ; rdf:subject ?s",
             "?r kg:passage ?n . ?c prov:wasDerivedFrom ?r ; rdf:subject ?s")
    ordered = sorted(nodes, key=str)
    for chunk in (ordered[i:i + 1000] for i in range(0, len(ordered), 1000)):
        for path in paths:
            rows = store.query("SELECT DISTINCT ?s WHERE { VALUES ?n { " + " ".join(map(str, chunk))
                               + " } " + path + " }", union_default_graph=True)
            subjects.update(row["s"] for row in rows)  # type: ignore[index,union-attr,call-overload]
    if len(subjects) > _MAX_INCREMENTAL_SUBJECTS or any(not isinstance(s, ox.NamedNode) for s in subjects):
        return None
    return subjects  # type: ignore[return-value]


_SUBJECTS_LINE = re.compile(r"^[ \t]*#@subjects[ \t]*$", re.MULTILINE)
_RDF_SUBJECT = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#subject")


def _as_quads(triples: Iterable[ox.Triple]) -> Iterator[ox.Quad]:
    for t in triples:
        yield ox.Quad(t.subject, t.predicate, t.object)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


__all__ = [
    "GraphFile",
    "LoadReport",
    "derive_truthy",
    "graph_for_file",
    "load_files",
    "load_repository",
    "parse_bytes",
    "parse_dataset_bytes",
    "parse_file",
    "plan_repository",
]
