"""The `kgraph` command line: add-source, match, compile, load, validate, query, fmt, graphs,
audit, withdraw, export, release, dump, restore, serve.

Every option is also a KGRAPH_* environment variable (see `kgraph serve --help`). Errors are
printed as one readable line (file:line:column where there is one) and end with the error's exit
code: 2 for wrong input, 3 for data that violates the shapes, 1 for a fault.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import pyoxigraph as ox
import typer
from rich.console import Console
from rich.table import Table

from kgraph.errors import KgraphError, UserError
from kgraph.namespaces import GRAPH_SOURCE_PREFIX
from kgraph.settings import Settings

app = typer.Typer(
    name="kgraph",
    help="A provenance-first knowledge graph of conflict reporting, served over SPARQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

StoreOpt = Annotated[
    Optional[str],
    typer.Option("--store", help="store directory, or a SPARQL server's query URL [KGRAPH_STORE]"),
]
UpdateUrlOpt = Annotated[
    Optional[str],
    typer.Option("--store-update-url", help="a remote store's SPARQL update URL, where the server "
                 "keeps them apart, as Fuseki does [KGRAPH_STORE_UPDATE_URL]"),
]
GraphStoreUrlOpt = Annotated[
    Optional[str],
    typer.Option("--store-graph-store-url", help="a remote store's Graph Store protocol URL, where "
                 "the server keeps them apart, as Fuseki does [KGRAPH_STORE_GRAPH_STORE_URL]"),
]
RepoOpt = Annotated[
    Optional[Path],
    typer.Option("--repository", help="folder with ontology/, shapes/, data/ttl/ [KGRAPH_REPOSITORY]"),
]


def _settings(*, store_update_url: str | None = None, store_graph_store_url: str | None = None,
              **overrides: object) -> Settings:
    """The settings: defaults, KGRAPH_* variables, then the options given. A remote store's
    other URLs are refused beside a store directory."""
    try:
        settings = Settings.from_env(store_update_url=store_update_url,
                                     store_graph_store_url=store_graph_store_url, **overrides)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    given = [name for name, value in (("--store-update-url", store_update_url),
                                      ("--store-graph-store-url", store_graph_store_url)) if value]
    if given and not settings.remote_store:
        raise UserError(f"{given[0]} is for a remote store: give --store the server's SPARQL "
                        f"query URL (the store is the directory {settings.store})")
    return settings


def _store(settings: Settings, *, in_memory: bool = False, writes: str | None = None):  # type: ignore[no-untyped-def]
    """The store the settings name. A remote one is connected to first and what its server
    supports is printed (on stderr); a server that cannot be reached or is not a SPARQL
    endpoint is a UserError naming the URL, and so is one without SPARQL Update when the
    command (`writes`: its name) writes."""
    from kgraph.store import open_store

    url = settings.remote_store
    if url is None or in_memory:
        return open_store(settings, in_memory=in_memory)
    from kgraph.store.remote import StoreCapabilityMissing, StoreUnavailable

    try:
        s = open_store(settings)
    except (StoreUnavailable, StoreCapabilityMissing) as exc:
        raise UserError(f"{exc} (check --store / KGRAPH_STORE, and that the server is "
                        "running)") from None
    err.print(f"SPARQL store at {url}:", markup=False, highlight=False)
    for line in s.capabilities.describe():
        err.print(f"  {line}", markup=False, highlight=False)
    if writes:
        _require_update(s, writes)
    return s


def _require_update(s, command: str) -> None:  # type: ignore[no-untyped-def]
    """UserError (the store closed) when `s` is a remote store whose server does not accept
    SPARQL Update, which `kgraph <command>` needs."""
    from kgraph.store import RemoteStore

    if isinstance(s, RemoteStore) and not s.capabilities.update:
        s.close()
        raise UserError(f"`kgraph {command}` writes to the store, and the SPARQL store at "
                        f"{s.update_url} does not accept SPARQL Update (its query URL: "
                        f"{s.query_url}); name its update URL with --store-update-url, give "
                        "credentials with KGRAPH_STORE_AUTH, or use a server that takes updates")


def _whole_copy(s):  # type: ignore[no-untyped-def]
    """The store to validate whole: the store itself, or an in-memory copy of a remote one
    (the compiled shapes run on pyoxigraph); UserError when it is too large to copy."""
    from kgraph.store import RemoteStore
    from kgraph.store.remote_scratch import ScratchTooLarge

    if not isinstance(s, RemoteStore):
        return s
    try:
        return s.to_embedded()
    except ScratchTooLarge:
        raise UserError(
            f"the SPARQL store at {s.location} holds {s.count():,} quads, more than the "
            f"{s.max_copy_quads:,} kgraph copies to validate a store whole "
            f"(KGRAPH_STORE_MAX_COPY_QUADS={s.max_copy_quads}): raise KGRAPH_STORE_MAX_COPY_QUADS "
            "(the copy is held in memory here), or validate the repository files with "
            "`kgraph validate`") from None


# -- compile ---------------------------------------------------------------------------------

@app.command("compile")
def compile_cmd(
    repository: RepoOpt = None,
    check: Annotated[bool, typer.Option("--check", help="fail if data/ttl is not up to date")] = False,
    validate_: Annotated[Optional[bool], typer.Option("--validate/--no-validate", help="validate the compiled graphs against the shapes before writing (default: when a file changes)")] = None,
) -> None:
    """Compile data/authoring/*.yaml into canonical Turtle in data/ttl/, validating it against
    the shapes first (violations are reported at the authoring file's line; exit 3, nothing
    written)."""
    from kgraph.authoring.compile_all import compile_repository

    settings = _settings(repository=repository)
    results = compile_repository(settings.repository, check=check,
                                 validate=False if check and validate_ is None else validate_)
    stale = [r for r in results if r.changed]
    for r in results:
        if r.draft:
            out.print(f"{'draft':>9}  {r.path.relative_to(settings.repository)}  (no claims yet: not written)")
            continue
        status = "stale" if (check and r.changed) else ("written" if r.changed else "unchanged")
        out.print(f"{status:>9}  {r.path.relative_to(settings.repository)}  ({r.triples} triples)")
        for p in r.uncovered:
            err.print(f"[yellow]warning[/]: {r.path.name}: passage {p.id} is cited by no claim "
                      f"and not excluded: {p.text!r}")
    if check and stale:
        raise UserError("data/ttl is out of date: run `kgraph compile`")


# -- add-source / match -----------------------------------------------------------------------

@app.command("add-source")
def add_source_cmd(
    text_file: Annotated[Path, typer.Argument(help="the source's text (UTF-8), stored as given")],
    source_id: Annotated[str, typer.Option("--id", help="the source's identifier: lower-case letters, digits, '-'")],
    title: Annotated[Optional[str], typer.Option(help="its title, in its own language")] = None,
    language: Annotated[Optional[str], typer.Option(help="its language tag (en, id, ru...); else undetermined")] = None,
    publisher: Annotated[Optional[str], typer.Option(help="its publisher's name (matched later with `kgraph match`)")] = None,
    date: Annotated[Optional[str], typer.Option("--date", help="its date of publication, YYYY-MM-DD")] = None,
    url: Annotated[Optional[str], typer.Option(help="its address")] = None,
    rights: Annotated[Optional[str], typer.Option(help="who holds the rights to its text, and on what terms")] = None,
    document_class: Annotated[str, typer.Option("--class", help="its kg: class")] = "NewsArticle",
    headline: Annotated[bool, typer.Option("--headline/--no-headline", help="the first paragraph is its headline")] = True,
    force: Annotated[bool, typer.Option("--force", help="replace an existing source of that id")] = False,
    repository: RepoOpt = None,
) -> None:
    """Add a source: store its text and write a starter authoring file with its metadata (only
    what is given; the rest is recorded as unknown) and its passages, ready for claims."""
    from kgraph.authoring.add_source import SourceMetadata, add_source

    settings = _settings(repository=repository)
    meta = SourceMetadata(title=title, language=language, publisher=publisher, published=date,
                          url=url, rights=rights, document_class=document_class, headline=headline)
    added = add_source(settings.repository, text_file, source_id, meta, force=force)
    root = settings.repository
    out.print(f"wrote {added.text_path.relative_to(root)} and {added.yaml_path.relative_to(root)} "
              f"({len(added.passages)} passages)")
    out.print(f"next: name its entities under `mentions:`, run `kgraph match {source_id}`, "
              "write its claims, then `kgraph compile`")


@app.command("match")
def match_cmd(
    source_id: Annotated[str, typer.Argument(help="the source whose mentions to match")],
    confirm: Annotated[bool, typer.Option("--confirm", help="record the decisions (refused while a name is ambiguous)")] = False,
    choose: Annotated[Optional[list[str]], typer.Option("--choose", help="KEY=ENTITY: the curator's choice for a mention (repeatable)")] = None,
    by: Annotated[str, typer.Option("--by", help="who confirms (an agent identifier)")] = "agent/kgraph-curators",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    repository: RepoOpt = None,
) -> None:
    """Match the names a source uses against the known entities (label, alias in any
    language, Wikidata / GeoNames id): matched, ambiguous or new. Nothing is merged until the
    curator confirms; names new to their entity become aliases with that provenance."""
    from kgraph.authoring.matching import AMBIGUOUS, NEW, confirm as confirm_matches, match_source

    settings = _settings(repository=repository)
    choices: dict[str, str] = {}
    for item in choose or []:
        key, sep, entity = item.partition("=")
        if not sep or not key or not entity:
            raise UserError(f"--choose {item!r}: write KEY=ENTITY, e.g. gerasimov=person/valery-gerasimov")
        choices[key.strip()] = entity.strip()
    if choices and not confirm:
        raise UserError("--choose records a decision: give --confirm with it")
    results = match_source(settings.repository, source_id)
    decisions = None
    if confirm:
        decisions = confirm_matches(settings.repository, source_id, results, choices, by=by)
    if as_json:
        body = {"source": source_id, "mentions": [r.as_json() for r in results]}
        if decisions is not None:
            body["confirmed"] = {k: d.entity for k, d in sorted(decisions.mentions.items())}
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return
    style = {"matched": "green", AMBIGUOUS: "bold red", NEW: "yellow"}
    table = Table(title=f"mentions of {source_id}")
    for column in ("mention", "name", "status", "entity / candidates", "how", "new alias", "confirmed"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(r.mention.key, f"{r.mention.name} @{r.mention.lang}",
                      f"[{style[r.status]}]{r.status}[/]", r.entity or ", ".join(r.candidates) or "—",
                      r.how or "", "yes" if r.new_alias else "", r.confirmed or "")
    out.print(table)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("matched", AMBIGUOUS, NEW)}
    out.print(f"{counts['matched']} matched, {counts[AMBIGUOUS]} ambiguous, {counts[NEW]} new")
    if decisions is not None:
        learnt = [d for d in decisions.mentions.values() if d.new_alias]
        out.print(f"confirmed {len(decisions.mentions)} decision(s) by {by}"
                  + (f"; {len(learnt)} alias(es) learnt" if learnt else ""))
    elif results:
        out.print(f"review, then `kgraph match {source_id} --confirm` (--choose KEY=ENTITY for ambiguous "
                  "names; add new ones to data/authoring/entities.yaml first)")


# -- load ------------------------------------------------------------------------------------

@app.command()
def load(
    files: Annotated[Optional[list[Path]], typer.Argument(help="files to load; none = the whole repository")] = None,
    graph: Annotated[Optional[str], typer.Option("--graph", help="named graph for FILES (else from their place in the layout)")] = None,
    restart: Annotated[bool, typer.Option("--restart", help="remote store: redo the graphs of this load from the start instead of resuming an interrupted load")] = False,
    store: StoreOpt = None,
    store_update_url: UpdateUrlOpt = None,
    store_graph_store_url: GraphStoreUrlOpt = None,
    repository: RepoOpt = None,
) -> None:
    """Load the repository (or some files) into the store; each graph is replaced atomically.
    Into a remote store, an interrupted load resumes when run again (--restart: redo it)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from kgraph.loading import GraphFile, derive_truthy, graph_for_file, load_files, load_repository, plan_repository
    from kgraph.store import RemoteStore, remote_load

    settings = _settings(store=store, repository=repository, store_update_url=store_update_url,
                         store_graph_store_url=store_graph_store_url)
    if graph is not None:
        _check_graph_option(graph, settings)
    for f in files or []:
        if not f.is_file():
            raise UserError(f"{f}: {'a directory, not a file' if f.is_dir() else 'no such file'}")
    s = _store(settings, writes="load")
    try:
        plan = [GraphFile(f, graph or graph_for_file(f, s.namespaces)) for f in files or []]
        if restart and isinstance(s, RemoteStore):  # the whole repository: every record
            remote_load.forget(s, [item.graph for item in plan] if plan else None)
        files_count = len(plan or plan_repository(settings.repository, s.namespaces))
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[unit]}"), TimeRemainingColumn(),
                      console=err, transient=True) as progress:
            tick = LoadProgress(progress, files_count)
            if plan:
                report = load_files(s, plan, progress=tick)
                derive_truthy(s)
            else:
                report = load_repository(s, settings.repository, progress=tick)
        for g, n in sorted(report.graphs.items()):
            out.print(f"{n:>8}  {g}")
        out.print(f"loaded {report.triples} triples into {len(report.graphs)} graph(s) in {settings.store}")
    finally:
        s.close()


def _check_graph_option(graph: str, settings: Settings) -> None:
    """--graph names a graph by an absolute IRI, and never one kgraph maintains."""
    from kgraph.namespaces import Namespaces

    try:
        ox.NamedNode(graph)
    except ValueError as exc:
        raise UserError(f"--graph {graph!r}: not an IRI ({exc})") from None
    if ":" not in graph:
        raise UserError(f"--graph {graph!r}: not an absolute IRI")
    if Namespaces(settings.base_iri).maintained(graph):
        raise UserError(f"--graph {graph}: kgraph maintains that graph; it is not loaded from files")


class LoadProgress:
    """The progress callback of a load, as a bar: in files, or in triples once the loader says
    how many there are (a load into a remote store counts them while it checks their syntax,
    before it sends anything)."""

    def __init__(self, progress, files: int) -> None:  # type: ignore[no-untyped-def]
        self.progress = progress
        self.task = progress.add_task("loading", total=files, unit="files")
        self.in_triples = False
        self.triples = 0
        self._files: set[str] = set()

    def set_total(self, triples: int) -> None:
        self.in_triples = True
        self.progress.update(self.task, total=triples, completed=0, unit="triples")

    def __call__(self, path: str, n: int) -> None:
        self.triples += n
        if self.in_triples:
            advance = n
        else:  # a file may be reported more than once (a large one, as it goes)
            advance = 0 if path in self._files else 1
            self._files.add(path)
        self.progress.update(self.task, advance=advance,
                             description=f"{Path(path).name} ({self.triples:,} triples)")


# -- validate --------------------------------------------------------------------------------

@app.command()
def validate(
    files: Annotated[Optional[list[Path]], typer.Argument(help="data files to validate with the repository (they replace the graphs of the same place)")] = None,
    store: Annotated[bool, typer.Option("--store", help="validate the store instead of the repository files")] = False,
    store_path: Annotated[Optional[str], typer.Option("--store-path", help="store directory for --store, or a SPARQL server's query URL [KGRAPH_STORE]")] = None,
    store_update_url: UpdateUrlOpt = None,
    store_graph_store_url: GraphStoreUrlOpt = None,
    repository: RepoOpt = None,
    output: Annotated[str, typer.Option("--format", help="text, json or turtle")] = "text",
    engine: Annotated[str, typer.Option("--engine", help="auto (the shapes compiled to SPARQL, pySHACL for what they cannot express), sparql or pyshacl")] = "auto",
) -> None:
    """Validate data against the SHACL shapes; exit 3 with a report on violation."""
    from kgraph.validation import ENGINES

    if engine not in ENGINES:
        raise UserError(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if output not in ("text", "json", "turtle"):
        raise UserError(f"--format must be text, json or turtle, not {output!r}")
    from kgraph.loading import GraphFile, derive_truthy, graph_for_file, load_files, plan_repository
    from kgraph.validation import validate_store

    settings = _settings(store=store_path, repository=repository, store_update_url=store_update_url,
                         store_graph_store_url=store_graph_store_url)
    files_of: dict[str, list[str]] = {}
    if store:
        s = _whole_copy(_existing_store(settings, allow_empty=True))
    else:
        s = _store(settings, in_memory=True)
        plan = plan_repository(settings.repository, s.namespaces)
        extra = []
        for f in files or []:
            g = graph_for_file(f, s.namespaces)
            plan = [item for item in plan if item.graph != g]
            extra.append(GraphFile(f, g))
        load_files(s, [*plan, *extra])
        derive_truthy(s)
        for item in [*plan, *extra]:
            files_of.setdefault(item.graph, []).append(_relative(item.path))
    report = validate_store(s, engine=engine)
    if files_of:  # name the source files rather than the graphs they were loaded into
        import dataclasses

        report.violations = [
            dataclasses.replace(v, graphs=tuple(f for g in v.graphs for f in files_of.get(g, [g])))
            for v in report.violations
        ]
    if output == "json":
        out.print_json(json.dumps({
            "conforms": report.conforms,
            "results": [v.__dict__ for v in report.violations],
        }, default=list))
    elif output == "turtle":
        assert report.graph is not None
        sys.stdout.write(report.graph.serialize(format="turtle"))
    else:
        if report.conforms:
            out.print(f"[green]conforms[/]: {len(report.violations)} warning(s)")
        for v in report.violations:
            (out if report.conforms else err).print(v.describe(), markup=False, highlight=False)
    if not report.conforms:
        n = sum(1 for v in report.violations if v.severity == "Violation")
        err.print(f"[red]does not conform[/]: {n} violation(s)")
        raise typer.Exit(3)


# -- query -----------------------------------------------------------------------------------

FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}
RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


@app.command()
def query(
    sparql: Annotated[str, typer.Argument(help="a SPARQL query, or @FILE / a path to a .rq file")],
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv, tsv, json, xml (SELECT/ASK); turtle, ntriples, nquads, rdfxml, jsonld (CONSTRUCT)")] = "table",
    store: StoreOpt = None,
    store_update_url: UpdateUrlOpt = None,
    store_graph_store_url: GraphStoreUrlOpt = None,
    union: Annotated[Optional[bool], typer.Option("--union/--no-union", help="default graph = union of all graphs [KGRAPH_UNION_DEFAULT_GRAPH]")] = None,
) -> None:
    """Run a SPARQL query against the store and print the results."""
    if output != "table" and output not in FORMATS and output not in RDF_FORMATS:
        raise UserError(f"--format {output}: use table, {', '.join(FORMATS)} (SELECT, ASK) or "
                        f"{', '.join(RDF_FORMATS)} (CONSTRUCT, DESCRIBE)")
    settings = _settings(store=store, store_update_url=store_update_url,
                         store_graph_store_url=store_graph_store_url)
    text = sparql
    if sparql.startswith("@"):
        text = Path(sparql[1:]).read_text(encoding="utf-8")
    elif sparql.endswith(".rq") and Path(sparql).is_file():
        text = Path(sparql).read_text(encoding="utf-8")
    s = _existing_store(settings, allow_empty=True)
    try:
        result = s.query(text, union_default_graph=settings.union_default_graph if union is None else union)
    except RuntimeError as exc:  # the engine refuses what the query asks (an unknown function)
        raise UserError(f"the query cannot be evaluated: {exc}") from None
    if isinstance(result, ox.QueryBoolean):
        if output in FORMATS:
            sys.stdout.buffer.write(result.serialize(format=FORMATS[output]) + b"\n")
        else:
            out.print("true" if bool(result) else "false")
    elif isinstance(result, ox.QuerySolutions):
        if output in FORMATS:  # written as it is read: a large result streams, head stops it
            result.serialize(sys.stdout.buffer, format=FORMATS[output])
        elif output == "table":
            variables = [v.value for v in result.variables]
            table = Table(show_lines=False)
            for v in variables:  # folded, never cut: piped or narrow, every IRI stays whole
                table.add_column(v, overflow="fold")
            rows = 0
            for solution in result:
                table.add_row(*(_show(solution[v]) for v in variables))
                rows += 1
            out.print(table)
            out.print(f"{rows} row(s)")
        else:
            raise UserError(f"--format {output}: use table, csv, tsv, json or xml for SELECT")
    else:
        fmt = RDF_FORMATS.get("turtle" if output == "table" else output)
        if fmt is None:
            raise UserError(f"--format {output}: use {', '.join(RDF_FORMATS)} for CONSTRUCT")
        ox.serialize(result, sys.stdout.buffer, format=fmt, prefixes=s.namespaces.prefixes)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _show(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


# -- fmt -------------------------------------------------------------------------------------

@app.command()
def fmt(
    check: Annotated[bool, typer.Option("--check", help="fail if a data file is not canonical")] = False,
    repository: RepoOpt = None,
) -> None:
    """Rewrite data/ttl/**/*.ttl in canonical Turtle (or check that they are)."""
    from kgraph.canonical import canonical_text
    from kgraph.namespaces import Namespaces

    settings = _settings(repository=repository)
    ns = Namespaces()
    bad = []
    files = sorted((settings.repository / "data" / "ttl").rglob("*.ttl"))
    if not files:
        raise UserError("no data/ttl/**/*.ttl files found")
    from kgraph.loading import parse_bytes

    for path in files:
        text = path.read_text(encoding="utf-8")
        # the engine's parser first: a syntax error is reported as file:line:column
        parse_bytes(text.encode("utf-8"), ox.RdfFormat.TURTLE, ns, source=_relative(path))
        canon = canonical_text(text, ns)
        if canon != text:
            bad.append(path)
            if not check:
                path.write_text(canon, encoding="utf-8")
    for path in bad:
        out.print(f"{'not canonical' if check else 'reformatted'}: {path}")
    if check and bad:
        raise UserError(f"{len(bad)} file(s) not in canonical form: run `kgraph fmt`")
    out.print(f"{len(files)} file(s) checked")


# -- graphs / summary ------------------------------------------------------------------------

@app.command()
def graphs(
    store: StoreOpt = None,
    store_update_url: UpdateUrlOpt = None,
    store_graph_store_url: GraphStoreUrlOpt = None,
) -> None:
    """List the named graphs of the store with their triple counts."""
    settings = _settings(store=store, store_update_url=store_update_url,
                         store_graph_store_url=store_graph_store_url)
    s = _existing_store(settings, allow_empty=True)
    print_summary(s)
    s.close()


def print_summary(s, *, compact: bool = False) -> None:  # type: ignore[no-untyped-def]
    """The named graphs with their sizes, then counts of the model's main kinds. `compact`:
    past SUMMARY_SOURCE_ROWS source graphs, they are one row (a large store has thousands)."""
    rows = s.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    sizes = dict.fromkeys(s.graphs(), 0)  # empty graphs too
    sizes.update({row["g"].value: int(row["n"].value) for row in rows})
    prefix = s.namespaces.graph_iri(GRAPH_SOURCE_PREFIX)
    sources = sorted(g for g in sizes if g.startswith(prefix))
    folded = compact and len(sources) > SUMMARY_SOURCE_ROWS
    table = Table("graph", "triples")
    for g in sorted(sizes):
        if not (folded and g in sources):
            table.add_row(g, str(sizes[g]))
    if folded:
        table.add_row(f"{prefix}... ({len(sources)} source graphs)", str(sum(sizes[g] for g in sources)))
    out.print(table)
    counts = s.query((Path(__file__).parent / "queries" / "summary.rq").read_text(encoding="utf-8"))
    for row in counts:
        out.print(
            f"sources: {row['sources'].value}  passages: {row['passages'].value}  "
            f"claims: {row['claims'].value}  claimants: {row['claimants'].value}  "
            f"entities: {row['entities'].value}  inferences: {row['inferences'].value}"
        )


#: Source graphs listed one by one in the server's start-up summary; more are one row.
SUMMARY_SOURCE_ROWS = 20


# -- audit -----------------------------------------------------------------------------------

SEVERITY_STYLE = {"warning": "bold red", "notice": "yellow", "info": "dim"}


@app.command()
def audit(
    names: Annotated[Optional[list[str]], typer.Argument(help="audits to run; none = all (see --list)")] = None,
    claim: Annotated[Optional[str], typer.Option("--claim", help="only what concerns this claim (IRI, kgr:path or claim/<source>/<id>)")] = None,
    document: Annotated[Optional[str], typer.Option("--document", help="coverage of this document only (IRI or document/<id>)")] = None,
    output: Annotated[str, typer.Option("--format", "-f", help="table, json or csv (csv: the rows of one named audit, else the flags)")] = "table",
    store: StoreOpt = None,
    store_update_url: UpdateUrlOpt = None,
    store_graph_store_url: GraphStoreUrlOpt = None,
    write_graph: Annotated[bool, typer.Option("--write-graph", help="write the findings as RDF to graph/audit (a full run only)")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="list info flags too, and every audit's rows")] = False,
    list_audits: Annotated[bool, typer.Option("--list", help="list the audits and their parameters")] = False,
) -> None:
    """Run the provenance audits: flags first (each with the passages it came from), then the
    rows. Exit 0 whatever is flagged; 2 for wrong input."""
    from datetime import datetime, timezone

    from kgraph.audits import registry, run_audits, write_findings
    from kgraph.audits.report import dumps, flags_csv, report_json, results_json, rows_csv
    from kgraph.audits.runner import all_flags

    if list_audits:
        table = Table("audit", "title", "parameters")
        for a in registry().values():
            table.add_row(a.name, a.title, "\n".join(
                f"?{p.name} ({p.kind}{', optional' if p.optional else ''}) {p.description}"
                for p in a.parameters))
        out.print(table)
        return
    if output not in ("table", "json", "csv"):
        raise UserError(f"--format {output}: use table, json or csv")
    params = {k: v for k, v in (("claim", claim), ("document", document)) if v}
    if write_graph and (names or params):
        raise UserError("--write-graph writes the findings of a full run: give no audit name, "
                        "--claim or --document")
    settings = _settings(store=store, store_update_url=store_update_url,
                         store_graph_store_url=store_graph_store_url)
    s = _existing_store(settings, writes="audit --write-graph" if write_graph else None)
    started = datetime.now(timezone.utc)
    results = run_audits(s, names or None, params)
    if write_graph:
        graph, count = write_findings(s, results, started=started)
        err.print(f"wrote {count} triples of findings to {graph}")
    if output == "json":
        sys.stdout.write(dumps(results_json(results) | {"report": report_json(results)}))
        return
    if output == "csv":
        if names and len(results) == 1:
            sys.stdout.write(rows_csv(results[0]))
        else:
            sys.stdout.write(flags_csv(all_flags(results)))
        return
    focused = bool(names or params)
    _print_audit_tables(results, s, show_all=show_all or focused, rows=focused or show_all)


def _print_audit_tables(results, s, *, show_all: bool, rows: bool) -> None:  # type: ignore[no-untyped-def]
    from collections import Counter

    from kgraph.audits import Context
    from kgraph.audits.report import cell, counts
    from kgraph.audits.runner import all_flags, short_name
    from kgraph.audits.trace import chains, describe

    namespaces = s.namespaces
    flags = all_flags(results)
    shown = [f for f in flags if show_all or f.severity != "info"]
    table = Table("flag", "finding, and the passages it comes from", show_lines=True,
                  title=f"{len(shown)} flag(s)" + ("" if show_all else " (warnings and notices)"))
    for f in shown:
        passages = "\n".join(f"[cyan]{e.short}[/] “{_escape(e.quote or '')}”" for e in f.passages)
        table.add_row(f"[{SEVERITY_STYLE[f.severity]}]{f.severity}[/]\n{f.audit}\n{f.code}",
                      f"[bold]{_escape(f.about)}[/]\n{_escape(f.message)}\n{passages}")
    if shown:
        out.print(table)
    else:
        out.print("no flag" + ("" if show_all else " (warnings and notices)"))
    hidden = [f for f in flags if f not in shown]
    if hidden:
        by_code = Counter(f.code for f in hidden)
        out.print(f"and {len(hidden)} info flag(s): "
                  + ", ".join(f"{code} {n}" for code, n in sorted(by_code.items()))
                  + " (--all lists them)")
    summary = Table("audit", "title", "rows", "warnings", "notices", "info")
    for r in results:
        c = counts(r.flags)
        summary.add_row(r.name, r.audit.title, str(len(r.rows)), str(c["warning"]),
                        str(c["notice"]), str(c["info"]))
    out.print(summary)
    if not rows:
        out.print("Name an audit (or give --all) to see its rows; --format json or csv for data.")
        return

    def short(value: object) -> str:
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return short_name(value, namespaces)
        if isinstance(value, list):
            return ", ".join(short(v) for v in value)
        return cell(value)

    for r in results:
        if r.name == "origin-trace":
            t = Table("claim", "chain (speaker → relays → document read · passage)",
                      title=f"{r.name}: {r.audit.title}", show_lines=True)
            labels = Context(s)
            for chain in chains(r.rows):
                t.add_row(short(chain.claim), _escape(describe(chain, labels.label)))
        else:
            t = Table(title=f"{r.name}: {r.audit.title}", show_lines=False)
            for v in r.variables:
                t.add_column(v, overflow="fold")
            for row in r.rows:
                t.add_row(*(_escape(short(row.get(v))) for v in r.variables))
        out.print(t)
        out.print(f"{len(r.rows)} row(s)")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


# -- withdraw --------------------------------------------------------------------------------

@app.command()
def withdraw(
    source_id: Annotated[str, typer.Argument(help="the source to withdraw")],
    reason: Annotated[str, typer.Option("--reason", help="why it is withdrawn (recorded, and shown with every 410)")],
    by: Annotated[str, typer.Option("--by", help="who withdraws it (an agent identifier)")] = "agent/kgraph-curators",
    keep_files: Annotated[bool, typer.Option("--keep-files", help="change the store only, not the repository files")] = False,
    store: StoreOpt = None,
    store_update_url: UpdateUrlOpt = None,
    store_graph_store_url: GraphStoreUrlOpt = None,
    repository: RepoOpt = None,
) -> None:
    """Withdraw a source: remove its graph from the store (a validated, logged write), record
    who withdrew it, when and why in graph/withdrawn, so its IRIs answer 410 Gone; delete its
    compiled Turtle and park its authoring file in data/authoring/withdrawn/."""
    from kgraph.withdrawal import withdraw as withdraw_source

    settings = _settings(store=store, repository=repository, store_update_url=store_update_url,
                         store_graph_store_url=store_graph_store_url)
    present = settings.remote_store is not None or Path(settings.store).exists()
    s = _store(settings, writes="withdraw") if present else None
    try:
        w = withdraw_source(settings.repository, source_id, reason=reason, by=by, store=s,
                            keep_files=keep_files)
    finally:
        if s is not None:
            s.close()
    out.print(f"withdrew {w.graph}: {len(w.minted)} IRIs now answer 410 ({w.iri})")
    for line in w.files:
        out.print(f"  {line}")


# -- export / release ------------------------------------------------------------------------

export_app = typer.Typer(help="Export the claims for people who work in spreadsheets.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("csv")
def export_csv(
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="file to write; default standard output")] = None,
    store: StoreOpt = None,
    store_update_url: UpdateUrlOpt = None,
    store_graph_store_url: GraphStoreUrlOpt = None,
) -> None:
    """One row per claim (RFC 4180 CSV, UTF-8): proposition, value, bounds, date and precision,
    place, claimant, party, source, passage, inferred parts, grades."""
    from kgraph.exports import claims_csv

    settings = _settings(store=store, store_update_url=store_update_url,
                         store_graph_store_url=store_graph_store_url)
    s = _existing_store(settings)
    text = claims_csv(s)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        err.print(f"wrote {text.count(chr(10)) - 1} claim(s) to {output}")


@app.command()
def release(
    directory: Annotated[Path, typer.Argument(help="folder to write the release into")],
    version: Annotated[Optional[str], typer.Option(help="release version (default: the package's)")] = None,
    store: StoreOpt = None,
    store_update_url: UpdateUrlOpt = None,
    store_graph_store_url: GraphStoreUrlOpt = None,
    repository: RepoOpt = None,
) -> None:
    """Write a release: the whole dataset as N-Quads, the claims as CSV, and a VoID/DCAT
    description (counts, version, date, licence, checksums) in Turtle."""
    from kgraph.exports import write_release

    settings = _settings(store=store, repository=repository, store_update_url=store_update_url,
                         store_graph_store_url=store_graph_store_url)
    s = _existing_store(settings)
    files = write_release(s, directory, version=version, repository=settings.repository)
    for f in files:
        out.print(f"wrote {f}")


def _existing_store(settings: Settings, *, writes: str | None = None,  # type: ignore[no-untyped-def]
                    allow_empty: bool = False):
    """The store the settings name, which must exist (and hold data, unless `allow_empty`): a
    remote one connected to (see _store), or a directory, opened read-only unless the command
    (`writes`) writes, so that it also reads a store a running server holds."""
    from kgraph.namespaces import Namespaces
    from kgraph.store.embedded import EmbeddedStore

    if settings.remote_store:
        s = _store(settings, writes=writes)
    else:
        path = Path(settings.store)
        if not _is_store(path):
            raise UserError(f"no store at {path}: run `kgraph load` first (or give --store)")
        s = EmbeddedStore(path, Namespaces(settings.base_iri), read_only=not writes)
    if not allow_empty and not s.graphs():
        s.close()
        raise UserError(f"the store at {settings.store} is empty: run `kgraph load` first")
    return s


def _is_store(path: Path) -> bool:
    """Whether `path` is a store directory (the engine's files: CURRENT names its manifest)."""
    return path.is_dir() and (path / "CURRENT").is_file()


def _refuse_other_files(path: Path) -> None:
    """A command that makes or replaces a store there refuses a path holding anything else."""
    if path.exists() and not _is_store(path) and not (path.is_dir() and not any(path.iterdir())):
        raise UserError(f"{path} is not a kgraph store (it holds other files): give --store a "
                        "store directory, or a new path for a new store")


# -- dump / restore --------------------------------------------------------------------------

@app.command()
def dump(
    output: Annotated[Path, typer.Argument(help="file to write (.nq or .trig)")],
    store: StoreOpt = None,
    store_update_url: UpdateUrlOpt = None,
    store_graph_store_url: GraphStoreUrlOpt = None,
) -> None:
    """Write the whole dataset, every graph, to an N-Quads or TriG file (`-`: N-Quads to
    standard output)."""
    settings = _settings(store=store, store_update_url=store_update_url,
                         store_graph_store_url=store_graph_store_url)
    if str(output) != "-" and output.suffix not in (".nq", ".nquads", ".trig"):
        raise UserError(f"{output}: a dump is N-Quads (.nq) or TriG (.trig), with every graph")
    fmt = ox.RdfFormat.TRIG if output.suffix == ".trig" else ox.RdfFormat.N_QUADS
    s = _existing_store(settings, allow_empty=True)
    if str(output) == "-":
        s.dump(sys.stdout.buffer, fmt)
        return
    tmp = output.with_name(output.name + ".partial")
    with tmp.open("wb") as f:
        s.dump(f, fmt)
    tmp.replace(output)  # a dump is complete or absent
    out.print(f"dumped {s.count()} quads to {output}")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="an N-Quads or TriG dump")],
    store: StoreOpt = None,
) -> None:
    """Replace the store with a dump. The dump is loaded into a new store beside the old one,
    which is swapped in only when the load is complete. A store directory only: a remote store
    is restored with its server's tools (docs/scaling.md)."""
    import shutil

    from kgraph.loading import parse_error

    settings = _settings(store=store)
    if settings.remote_store:
        raise UserError(
            f"`kgraph restore` replaces a store directory; the SPARQL store at "
            f"{settings.remote_store} is restored with its server's own tools (`oxigraph load`, "
            "`tdb2.tdbloader`, Virtuoso's `ld_dir`...): see docs/scaling.md, \"Moving from the "
            "embedded store\"")
    fmt = ox.RdfFormat.TRIG if source.suffix == ".trig" else ox.RdfFormat.N_QUADS
    if not source.is_file():
        raise UserError(f"{source}: no such file (a dump: .nq or .trig)")
    target = Path(settings.store)
    _refuse_other_files(target)  # only a store, or nothing, is ever replaced
    held = None
    if _is_store(target):  # held while it is swapped: refused if a server has it open
        try:
            held = ox.Store(str(target))
        except OSError as exc:
            raise UserError(f"the store at {target} is in use ({exc}): stop the server first") from None
    fresh = target.with_name(target.name + ".restoring")
    shutil.rmtree(fresh, ignore_errors=True)
    from kgraph.store.embedded import EmbeddedStore
    from kgraph.namespaces import Namespaces

    try:
        new = EmbeddedStore(fresh, Namespaces(settings.base_iri))
        try:
            new.bulk_extend(ox.parse(path=str(source), format=fmt))
        except SyntaxError as exc:
            raise parse_error(exc, str(source)) from None
        finally:
            count = new.count()
            new.close()
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    old = target.with_name(target.name + ".replaced")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    del held  # the old store's lock goes with it
    shutil.rmtree(old, ignore_errors=True)
    out.print(f"restored {count} quads into {target}")


# -- serve -----------------------------------------------------------------------------------

def _settings_epilog() -> str:
    defaults = Settings()
    rows = [f"{s.env}={getattr(defaults, s.name)!s}  {s.help}" for s in Settings.describe()
            if s.name != "repository"]
    return "Every setting, with its environment variable and default:\n\n" + "\n\n".join(rows)


@app.command(epilog=_settings_epilog())
def serve(
    store: StoreOpt = None,
    store_update_url: UpdateUrlOpt = None,
    store_graph_store_url: GraphStoreUrlOpt = None,
    host: Annotated[Optional[str], typer.Option(help="address to bind [KGRAPH_HOST] (default 127.0.0.1)")] = None,
    port: Annotated[Optional[int], typer.Option(help="port [KGRAPH_PORT] (default 7878)")] = None,
    repository: RepoOpt = None,
    base_iri: Annotated[Optional[str], typer.Option(help="persistent base IRI [KGRAPH_BASE_IRI]")] = None,
    union_default_graph: Annotated[Optional[bool], typer.Option("--union-default-graph/--no-union-default-graph", help="default graph = union of all graphs [KGRAPH_UNION_DEFAULT_GRAPH]")] = None,
    validate_writes: Annotated[Optional[bool], typer.Option("--validate-writes/--no-validate-writes", help="validate writes against the shapes [KGRAPH_VALIDATE_WRITES]")] = None,
    write_token: Annotated[Optional[str], typer.Option(help="name:secret write tokens, comma-separated [KGRAPH_WRITE_TOKEN]")] = None,
    query_timeout: Annotated[Optional[float], typer.Option(help="seconds a query may run [KGRAPH_QUERY_TIMEOUT]")] = None,
    max_result_bytes: Annotated[Optional[int], typer.Option(help="largest query result [KGRAPH_MAX_RESULT_BYTES]")] = None,
    max_body_bytes: Annotated[Optional[int], typer.Option(help="largest request body [KGRAPH_MAX_BODY_BYTES]")] = None,
    max_concurrent_queries: Annotated[Optional[int], typer.Option(help="queries at once; more get 503 [KGRAPH_MAX_CONCURRENT_QUERIES]")] = None,
    service_allow_list: Annotated[Optional[str], typer.Option(help="IRI prefixes SERVICE may call [KGRAPH_SERVICE_ALLOW_LIST]")] = None,
    queue_wait: Annotated[Optional[float], typer.Option(help="seconds a query waits for a slot [KGRAPH_QUEUE_WAIT]")] = None,
    cache_bytes: Annotated[Optional[int], typer.Option(help="memory for cached results; 0 = off [KGRAPH_CACHE_BYTES]")] = None,
    replica_max_quads: Annotated[Optional[int], typer.Option(help="query workers answer from a copy of the store in memory while it holds at most this many quads (default 2,000,000) and the copies fit in half the memory available; 0 = off [KGRAPH_REPLICA_MAX_QUADS]")] = None,
    check: Annotated[bool, typer.Option("--check/--no-check", help="validate the whole store against the shapes before serving (always done when the store was empty)")] = False,
) -> None:
    """Fill an empty store with the shipped ontology, shapes and data and validate it; print a
    summary; serve SPARQL, the query UI and the linked-data pages.

    A store that already holds data is served without validating it again: every write to it
    was validated (a full check of a large store takes minutes; ask for it with --check, or run
    `kgraph validate` beside the server). A remote store (--store URL) is validated on a copy
    held here, up to KGRAPH_STORE_MAX_COPY_QUADS."""
    from kgraph.loading import load_repository
    from kgraph.store import RemoteStore
    from kgraph.validation import validate_store

    settings = _settings(
        store=store, store_update_url=store_update_url, store_graph_store_url=store_graph_store_url,
        host=host, port=port, repository=repository, base_iri=base_iri,
        union_default_graph=union_default_graph, validate_writes=validate_writes,
        write_token=write_token, query_timeout=query_timeout, max_result_bytes=max_result_bytes,
        max_body_bytes=max_body_bytes, max_concurrent_queries=max_concurrent_queries,
        service_allow_list=service_allow_list, queue_wait=queue_wait, cache_bytes=cache_bytes,
        replica_max_quads=replica_max_quads)
    _check_can_listen(settings.host, settings.port)
    if not settings.remote_store:
        _refuse_other_files(Path(settings.store))
    s = _store(settings)
    asked = check
    rederive = False
    if not s.graphs():
        _require_update(s, "serve (on an empty store: it loads the repository first)")
        report = load_repository(s, settings.repository)
        out.print(f"store was empty: loaded {report.triples} triples from {settings.repository}")
        check = True
    elif not isinstance(s, RemoteStore) or s.capabilities.update:
        # derived state is rebuilt, whatever a crash may have left: in the background, once
        # the server answers (on a large store this takes a minute)
        rederive = True
    if check:
        try:
            whole = _whole_copy(s)
        except UserError as exc:
            if asked:
                raise
            whole = None  # the check was not asked for: serve, and say why it was not done
            err.print(f"[yellow]warning[/]: shapes not checked: {_escape(str(exc))}", highlight=False)
        if whole is not None:
            result = validate_store(whole)
            out.print("shapes: " + ("[green]conforms[/]" if result.conforms else "[red]does not conform[/]"))
            if not result.conforms:
                for v in result.violations:
                    err.print(v.describe(), markup=False, highlight=False)
    else:
        out.print("shapes: not checked again at start (--check to do so); writes are validated")
    print_summary(s, compact=True)
    if rederive:
        out.print("truthy graph: derived again in the background (writes wait for it)")
    from kgraph.web.server import run

    run(settings, s, rederive=rederive)


def _check_can_listen(host: str, port: int) -> None:
    """Refuse at once, before the store is opened or loaded, an address another process holds."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror} (is another "
                            "server running? give --port)") from None


def main() -> None:
    try:
        app()
    except KgraphError as exc:
        err.print(f"kgraph: {exc}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # the reader stopped (`| head`): stop too, quietly, as `yes | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
    except OSError as exc:  # a file the command was told to read or write (the store's own
        # failures are StoreError): wrong input, said in one line
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"kgraph: {where}{exc.strerror or exc}", markup=False, highlight=False)
        sys.exit(2)
    except UnicodeDecodeError as exc:
        err.print(f"kgraph: a file is not UTF-8 text ({exc.reason} at byte {exc.start})",
                  markup=False, highlight=False)
        sys.exit(2)


def _version(value: bool) -> None:
    if value:
        from kgraph import __version__

        out.print(f"kgraph {__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="print the version and exit")] = False,
) -> None:
    """A provenance-first knowledge graph of conflict reporting, served over SPARQL."""


if __name__ == "__main__":
    main()
