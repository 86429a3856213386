"""A remote store: any server that speaks the SPARQL 1.1 Protocol (and, where it has one, the
Graph Store HTTP Protocol), behind the same interface as the embedded store.

kgraph's queries read the union of all named graphs as their default graph. A server gives it in
one of two ways, found out by `RemoteStore.connect` before anything else runs:

* per query (`UNION_PARAMETER`): Oxigraph's `union-default-graph` request parameter, with
  `oxigraph serve` started without `--union-default-graph`. kgraph asks for the union exactly
  where the embedded store uses it, so everything else behaves as on the embedded store: FROM
  clauses, updates (over the store's own default graph, as pyoxigraph evaluates them), the
  store's own default graph in Graph Store requests and linked-data pages.
* always (`UNION_SERVER`): `oxigraph serve --union-default-graph`, Fuseki's `unionDefaultGraph`,
  Virtuoso, GraphDB. Then the store's own default graph cannot be named in a query (kgraph
  keeps everything in named graphs, and a query for "the store's own default graph" gets an
  empty one); a FROM clause is sent as protocol parameters too (Oxigraph's union flag would
  otherwise override it); and since the server evaluates an update's WHERE over the union, which
  a local copy cannot reproduce, a SPARQL update with a WHERE clause is not accepted as a
  validated write (INSERT DATA, DELETE DATA and the Graph Store protocol are).

A server with neither is refused at connection, with how to configure it. Connection failures
and the server's own faults are StoreErrors (5xx); only what the server refuses as malformed is
a QueryError (400). Results are parsed by pyoxigraph: SELECT and ASK come back as pyoxigraph's
own QuerySolutions and QueryBoolean, CONSTRUCT and DESCRIBE as an iterator of triples. A blank
node from one response cannot be named in the next: binding a parameter to one gives no rows.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable

import httpx
import pyoxigraph as ox

from kgraph.errors import QueryError, StoreError, UserError
from kgraph.namespaces import GRAPH_STAGING_PREFIX, Namespaces
from kgraph.sparql_text import check_nesting, has_dataset_clause
from kgraph.store.base import QueryResult, Term
from kgraph.store.sparql_request import (
    from_clause_params,
    prologue,
    reads_a_dataset,
    server_error,
    with_bindings,
)

if TYPE_CHECKING:
    from kgraph.store.embedded import EmbeddedStore

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
#: What a query asks for: JSON results for SELECT and ASK, N-Triples for CONSTRUCT/DESCRIBE.
QUERY_ACCEPT = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9"
#: The default graph of a query that asks for "the store's own default graph": a graph no
#: store holds, so that it is empty (see the module docstring).
NO_DEFAULT_GRAPH = "urn:x-kgraph:no-default-graph"


class StoreUnavailable(StoreError):
    """The remote store cannot be reached or is overloaded (HTTP 503): retry later."""

    http_status = 503
    retry_after = 5


class StoreCapabilityMissing(StoreError):
    """The remote store lacks something kgraph needs for this operation (HTTP 501)."""

    http_status = 501


UNION_PARAMETER = "per query"      # Oxigraph's `union-default-graph` request parameter
UNION_SERVER = "always"            # the server's default graph is the union
UNION_NONE = "no"
UNION_UNKNOWN = "unknown"          # an empty, read-only store: nothing to tell it by


@dataclass
class Capabilities:
    """What the remote server was found to support when kgraph connected."""

    union: str = UNION_UNKNOWN
    update: bool = False
    graph_store: bool = False
    notes: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        """One line per capability, for the start-up log."""
        return [f"union default graph: {self.union}",
                f"SPARQL Update: {'yes' if self.update else 'no'}",
                f"Graph Store protocol: {'yes' if self.graph_store else 'no'}", *self.notes]


def endpoints(query_url: str, update_url: str | None = None,
              graph_store_url: str | None = None) -> tuple[str, str, str | None]:
    """The three URLs. A query URL ending in /query has /update and /store beside it (Oxigraph's
    layout); any other serves updates itself and has no Graph Store unless one is named."""
    if query_url.rstrip("/").endswith("/query"):
        root = query_url.rstrip("/")[: -len("/query")]
        return (query_url, update_url or root + "/update",
                graph_store_url if graph_store_url is not None else root + "/store")
    return query_url, update_url or query_url, graph_store_url or None


def auth_for(text: str) -> httpx.Auth | None:
    """`user:password` (HTTP Basic), `digest:user:password` (Digest, as Virtuoso asks), or
    `Bearer <token>`."""
    text = text.strip()
    if not text:
        return None
    if text.lower().startswith("bearer "):
        token = text[7:].strip()

        class _Bearer(httpx.Auth):
            def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
                request.headers["Authorization"] = f"Bearer {token}"
                yield request

        return _Bearer()
    if text.lower().startswith("digest:"):
        user, _, password = text[7:].partition(":")
        return httpx.DigestAuth(user, password)
    user, _, password = text.partition(":")
    return httpx.BasicAuth(user, password)


class RemoteStore:
    """A SPARQL 1.1 server as a kgraph store. Build it with `RemoteStore.connect(...)`, which
    checks the server's capabilities; the constructor alone sends nothing."""

    def __init__(
        self,
        query_url: str,
        namespaces: Namespaces,
        *,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        timeout: float = 60.0,
        auth: str = "",
        batch_triples: int = 50_000,
        max_copy_quads: int = 500_000,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.query_url, self.update_url, self.graph_store_url = endpoints(
            query_url, update_url, graph_store_url)
        self.namespaces = namespaces
        self.timeout = timeout
        self.batch_triples = batch_triples
        self.max_copy_quads = max_copy_quads
        self.capabilities = Capabilities(graph_store=self.graph_store_url is not None, update=True)
        self._prologue = prologue(namespaces.prefixes)
        self._client = httpx.Client(
            auth=auth_for(auth), transport=transport, follow_redirects=True,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            headers={"User-Agent": "kgraph"})
        self._local = threading.local()  # the write gate's copy of the graphs it is changing
        self._dataset_post: bool | None = None  # whether the Graph Store takes N-Quads

    @classmethod
    def connect(cls, query_url: str, namespaces: Namespaces, *, require_union: bool = True,
                **options: Any) -> "RemoteStore":
        """A store whose server has been checked: reachable, union default graph (unless not
        required), and which of SPARQL Update and the Graph Store protocol it offers."""
        store = cls(query_url, namespaces, **options)
        try:
            store.check(require_union=require_union)
        except BaseException:
            store.close()
            raise
        return store

    @property
    def location(self) -> str:
        return self.query_url

    # -- capabilities ----------------------------------------------------------------------
    def check(self, *, require_union: bool = True) -> Capabilities:
        """Find out what the server supports. Raises StoreUnavailable for an unreachable
        server, StoreCapabilityMissing for one that is not a SPARQL endpoint or has no union
        default graph (when required), StoreError for a server that fails."""
        caps = self.capabilities
        self._ask("ASK {}")  # reachable, and a SPARQL endpoint
        caps.update = self._probe_update()
        caps.graph_store = self.graph_store_url is not None and self._probe_graph_store()
        if self.graph_store_url is not None and not caps.graph_store:
            caps.notes.append(f"no Graph Store protocol at {self.graph_store_url}: graphs are "
                              "loaded with SPARQL Update (slower); name the right URL with "
                              "--store-graph-store-url")
        if not caps.update:
            caps.notes.append(f"{self.update_url} does not accept SPARQL updates: the store is "
                              "read-only for kgraph (loading and writes will be refused)")
        caps.union = self._probe_union()
        if caps.union == UNION_UNKNOWN:
            caps.notes.append("the store is empty and read-only: whether its default graph is "
                              "the union of its graphs could not be checked")
        elif caps.union == UNION_SERVER:
            caps.notes.append("the server's default graph is always the union: SPARQL updates "
                              "with a WHERE clause are not accepted as validated writes, and "
                              "its own default graph cannot be queried (with Oxigraph, start "
                              "`oxigraph serve` without --union-default-graph to lift both)")
        elif caps.union == UNION_NONE and require_union:
            raise StoreCapabilityMissing(
                f"the SPARQL store at {self.query_url} does not answer queries over the union "
                "of its named graphs, which kgraph's queries read as their default graph. Use "
                "`oxigraph serve` (kgraph asks it for the union per query); in Fuseki set "
                "`tdb2:unionDefaultGraph true` on the dataset; in GraphDB and Virtuoso the "
                "default graph is the union already")
        return caps

    def _probe_update(self) -> bool:
        probe = self._probe_graph()
        try:
            self._post_update(f"DROP SILENT GRAPH <{probe}>")  # changes nothing
        except StoreUnavailable:
            raise
        except (StoreError, QueryError):
            return False
        return True

    def _probe_graph_store(self) -> bool:
        assert self.graph_store_url is not None
        try:
            response = self._client.get(self.graph_store_url, params={"default": ""},
                                        headers={"Accept": N_TRIPLES})
        except httpx.HTTPError as exc:
            raise self._unreachable(self.graph_store_url, exc) from None
        media = response.headers.get("content-type", "").split(";")[0].strip()
        return response.status_code == 200 and media in (N_TRIPLES, "text/plain", "text/turtle")

    def _probe_union(self) -> str:
        """Is a triple of a named graph (without blank nodes) in the default graph: always, or
        when asked with `union-default-graph`? An empty store is probed with a triple written
        to, and dropped from, a graph of its own."""
        rows = self._select("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
                            "FILTER(!isBlank(?s) && !isBlank(?o)) } LIMIT 1")
        if rows:
            return self._union_of(f"{rows[0]['s']} {rows[0]['p']} {rows[0]['o']}")
        if not self.capabilities.update:
            return UNION_UNKNOWN
        probe = self._probe_graph()
        self._post_update(f"INSERT DATA {{ GRAPH <{probe}> {{ <{probe}> <{probe}> <{probe}> }} }}")
        try:
            return self._union_of(f"<{probe}> <{probe}> <{probe}>")
        finally:
            self._post_update(f"DROP SILENT GRAPH <{probe}>")

    def _union_of(self, triple: str) -> str:
        if self._ask(f"ASK {{ {triple} }}"):
            return UNION_SERVER
        try:
            asked = bool(self._parse(self._post_query(f"ASK {{ {triple} }}",
                                                      [("union-default-graph", "")], RESULTS_JSON)))
        except (QueryError, StoreCapabilityMissing):
            asked = False
        return UNION_PARAMETER if asked else UNION_NONE

    def _probe_graph(self) -> str:
        return self.namespaces.graph_iri(GRAPH_STAGING_PREFIX) + "probe-" + uuid.uuid4().hex[:12]

    # -- HTTP ------------------------------------------------------------------------------
    def _unreachable(self, url: str, exc: Exception) -> StoreError:
        if isinstance(exc, httpx.TimeoutException):
            return StoreUnavailable(f"the SPARQL store at {url} did not answer within "
                                    f"{self.timeout:g} s ({type(exc).__name__})")
        return StoreUnavailable(f"cannot reach the SPARQL store at {url}: {exc}")

    def _failed(self, url: str, response: httpx.Response, what: str, prologue_length: int = 0) -> Exception:
        """The error for a response that is not a success."""
        status = response.status_code
        text = response.text[:2000]
        if status == 400:
            return server_error(text, what, prologue_length)
        if status in (401, 403):
            return StoreError(f"the SPARQL store at {url} refused the {what} (HTTP {status}): "
                              "give credentials with KGRAPH_STORE_AUTH, or use a server that "
                              f"allows it. It said: {text.strip()[:300]}")
        if status in (404, 405):
            return StoreCapabilityMissing(f"{url} answers HTTP {status} to a SPARQL {what}: it "
                                          f"is not a SPARQL {what} endpoint")
        if status in (502, 503, 504):
            return StoreUnavailable(f"the SPARQL store at {url} is unavailable (HTTP {status}): "
                                    f"{text.strip()[:300]}")
        return StoreError(f"the SPARQL store at {url} failed on a {what} (HTTP {status}): "
                          f"{text.strip()[:500]}")

    def _post_query(self, text: str, params: list[tuple[str, str]], accept: str) -> httpx.Response:
        body = [("query", self._prologue + text), *params]
        try:
            response = self._client.post(self.query_url, data=_form(body),
                                         headers={"Accept": accept})
        except httpx.HTTPError as exc:
            raise self._unreachable(self.query_url, exc) from None
        if response.status_code != 200:
            raise self._failed(self.query_url, response, "query", len(self._prologue))
        return response

    def _post_update(self, text: str) -> None:
        if not self.capabilities.update:
            raise StoreCapabilityMissing(f"the SPARQL store at {self.update_url} does not accept "
                                         "updates; kgraph can only read it")
        try:
            response = self._client.post(
                self.update_url, content=(self._prologue + text).encode("utf-8"),
                headers={"Content-Type": "application/sparql-update"})
        except httpx.HTTPError as exc:
            raise self._unreachable(self.update_url, exc) from None
        if response.status_code not in (200, 201, 204):
            raise self._failed(self.update_url, response, "update", len(self._prologue))

    def _select(self, text: str) -> list[dict[str, Term]]:
        result = self._parse(self._post_query(text, [], RESULTS_JSON))
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in result]

    def _ask(self, text: str) -> bool:
        return bool(self._parse(self._post_query(text, [], RESULTS_JSON)))

    def _parse(self, response: httpx.Response) -> QueryResult:
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if media in (N_TRIPLES, "text/plain", "text/turtle", "application/rdf+xml"):
                fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
                return RemoteTriples(ox.parse(response.content, format=fmt))  # type: ignore[return-value]
            fmt_results = ox.QueryResultsFormat.from_media_type(media or RESULTS_JSON)
            if fmt_results is None:
                raise StoreError(f"the SPARQL store at {self.query_url} answered in {media!r}, "
                                 "which kgraph does not read")
            return ox.parse_query_results(response.content, format=fmt_results)
        except SyntaxError as exc:
            raise StoreError(f"the SPARQL store at {self.query_url} sent a result that does not "
                             f"parse: {exc}") from None

    # -- reading ---------------------------------------------------------------------------
    def query(
        self,
        query: str,
        *,
        union_default_graph: bool = True,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: Mapping[str, Term] | None = None,
    ) -> QueryResult:
        """Evaluate on the server, over the dataset the embedded store would use (see
        dataset_params). Substitutions become a VALUES block of serialised terms."""
        check_nesting(query)
        if substitutions:
            if any(isinstance(v, ox.BlankNode) for v in substitutions.values()):
                return _no_rows()
            query = with_bindings(query, substitutions)  # type: ignore[arg-type]
        params = self.dataset_params(query, default_graphs, named_graphs,
                                     union=union_default_graph)
        return self._parse(self._post_query(query, params, QUERY_ACCEPT))

    def dataset_params(self, query: str, default_graphs: Sequence[str] | None,
                       named_graphs: Sequence[str] | None, *, union: bool) -> list[tuple[str, str]]:
        """The protocol parameters that give a query the dataset the embedded store would: the
        graphs named, else the union (asked for, or the server's) unless the query has its own
        FROM clause. With default graphs and named graphs None, every named graph stays visible
        to GRAPH, as on the embedded store (an empty list: none is); the store's own default
        graph ("") is named by asking for nothing where the union is per query, else it is the
        empty NO_DEFAULT_GRAPH."""
        per_query = self.capabilities.union == UNION_PARAMETER
        if default_graphs or named_graphs:
            if per_query and list(default_graphs or []) == [""] and named_graphs is None:
                return []
            defaults = [NO_DEFAULT_GRAPH if g == "" else g for g in (default_graphs or [])]
            named = list(named_graphs) if named_graphs is not None else self.graphs()
            return ([("default-graph-uri", g) for g in defaults or [NO_DEFAULT_GRAPH]]
                    + [("named-graph-uri", g) for g in named])
        if has_dataset_clause(query):
            # the query's own dataset; a server whose union always applies would ignore it
            return [] if per_query else from_clause_params(query, self.namespaces.prefixes)
        if union and per_query:
            return [("union-default-graph", "")]
        return []

    def graphs(self) -> list[str]:
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(g.value for r in rows if isinstance(g := r.get("g"), ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        return int(rows[0]["n"].value) if rows else 0  # type: ignore[union-attr]

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        cached = getattr(self._local, "quads", None)
        if cached is not None and graph in cached:
            return iter(cached[graph])
        if graph is None:
            return self._dataset_quads()
        return (ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                for t in self.triples(graph))

    def triples(self, graph: str | None) -> Iterator[ox.Triple]:
        """The triples of one named graph, or (None) of the server's own default graph, which
        only the Graph Store protocol can read."""
        if self.capabilities.graph_store:
            return self._gsp_triples(graph)
        if graph is None:
            return iter(())
        rows = self._select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return iter([ox.Triple(r["s"], r["p"], r["o"]) for r in rows])  # type: ignore[arg-type]

    def _gsp_triples(self, graph: str | None) -> Iterator[ox.Triple]:
        assert self.graph_store_url is not None
        params = {"graph": graph} if graph else {"default": ""}
        response = self._gsp_get(params, N_TRIPLES)
        if response is None:
            return iter(())
        try:
            return iter([ox.Triple(q.subject, q.predicate, q.object)
                         for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)])
        except SyntaxError as exc:
            raise StoreError(f"the Graph Store at {self.graph_store_url} sent a graph that does "
                             f"not parse: {exc}") from None

    def _gsp_get(self, params: dict[str, str], accept: str) -> httpx.Response | None:
        assert self.graph_store_url is not None
        try:
            response = self._client.get(self.graph_store_url, params=params,
                                        headers={"Accept": accept})
        except httpx.HTTPError as exc:
            raise self._unreachable(self.graph_store_url, exc) from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._failed(self.graph_store_url, response, "Graph Store request")
        return response

    def _dataset_quads(self) -> Iterator[ox.Quad]:
        """Every quad: the Graph Store's dataset (Oxigraph and Fuseki serve it), else every
        named graph's quads by SPARQL."""
        if self.capabilities.graph_store:
            response = self._gsp_get({}, N_QUADS)
            media = response.headers.get("content-type", "") if response is not None else ""
            if response is not None and media.startswith(N_QUADS):
                return iter(list(ox.parse(response.content, format=ox.RdfFormat.N_QUADS)))
        rows = self._select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return iter([ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows])  # type: ignore[arg-type]

    def dump(self, output: IO[bytes], format: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> None:
        """The whole dataset: streamed as the server writes it where its Graph Store serves
        the dataset in the format asked (N-Quads or TriG), else read and written here."""
        if self.capabilities.graph_store and format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            assert self.graph_store_url is not None
            try:
                with self._client.stream("GET", self.graph_store_url,
                                         headers={"Accept": format.media_type}) as response:
                    media = response.headers.get("content-type", "").split(";")[0].strip()
                    if response.status_code == 200 and media == format.media_type:
                        for chunk in response.iter_bytes():
                            output.write(chunk)
                        return
            except httpx.HTTPError as exc:
                raise self._unreachable(self.graph_store_url, exc) from None
        ox.serialize(self._dataset_quads(), output=output, format=format)

    # -- writing ---------------------------------------------------------------------------
    def update(self, update: str) -> None:
        check_nesting(update, "update")
        self._post_update(update)

    def check_validatable(self, update: str) -> None:
        """Refuse a SPARQL update whose effect a local copy cannot reproduce: one with a WHERE
        clause on a server that evaluates it over the union of its graphs."""
        if self.capabilities.union == UNION_SERVER and reads_a_dataset(update):
            raise UserError(
                f"the SPARQL store at {self.update_url} evaluates an update's WHERE clause over "
                "the union of all its graphs, which kgraph cannot reproduce to validate the "
                "write first; send INSERT DATA / DELETE DATA, or use the Graph Store protocol "
                "(PUT, POST or DELETE /store?graph=<iri>). With Oxigraph, start `oxigraph serve` "
                "without --union-default-graph and such updates are validated as on the "
                "embedded store")

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH <{graph}>")

    def staging_graph(self, graph: str) -> str:
        return self.namespaces.graph_iri(GRAPH_STAGING_PREFIX) + _slug(graph)

    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> int:
        """Replace a graph so that readers see the old content or the new, never a mix: a graph
        that fits in one batch is replaced by one update (DROP + INSERT DATA: one transaction on
        the server); a larger one is filled batch by batch into a staging graph, then MOVEd over
        its target in one update. Returns the number of triples sent."""
        from kgraph.store.remote_load import replace_graph

        return replace_graph(self, graph, (ox.Triple(q.subject, q.predicate, q.object)
                                           for q in quads))

    def bulk_replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> int:
        """As replace_graph (which already streams in batches)."""
        return self.replace_graph(graph, quads)

    def replace_graphs_from_files(
        self,
        files: Sequence[tuple[Path, ox.RdfFormat, str]],
        *,
        progress: Callable[[str, int], None] | None = None,
        bulk_threshold: int = 0,
        resume: bool = True,
    ) -> dict[str, int]:
        """Replace graphs with the content of files, streamed in batches; an interrupted load
        resumes where it stopped (see remote_load)."""
        from kgraph.store.remote_load import load_files

        return load_files(self, files, progress=progress, resume=resume)

    def send_triples(self, graph: str, triples: list[ox.Triple]) -> None:
        """Add triples to a graph: a Graph Store POST of N-Triples, or an INSERT DATA update."""
        if not triples:
            return
        if self.capabilities.graph_store:
            assert self.graph_store_url is not None
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            try:
                response = self._client.post(self.graph_store_url, params={"graph": graph},
                                             content=body, headers={"Content-Type": N_TRIPLES})
            except httpx.HTTPError as exc:
                raise self._unreachable(self.graph_store_url, exc) from None
            if response.status_code not in (200, 201, 204):
                raise self._failed(self.graph_store_url, response, "Graph Store request")
            return
        self._post_update(insert_data(graph, triples))

    def send_quads(self, quads: list[ox.Quad]) -> bool:
        """Add quads to their graphs in one request: a POST of N-Quads to the Graph Store's
        dataset (Oxigraph and Fuseki take it; about twice as fast as INSERT DATA). False when
        the server has no such thing (then nothing was written, and it is not asked again)."""
        if not quads:
            return True
        if not self.capabilities.graph_store or self._dataset_post is False:
            return False
        assert self.graph_store_url is not None
        body = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        try:
            response = self._client.post(self.graph_store_url, content=body,
                                         headers={"Content-Type": N_QUADS})
        except httpx.HTTPError as exc:
            raise self._unreachable(self.graph_store_url, exc) from None
        if response.status_code in (400, 404, 405, 415) and self._dataset_post is None:
            self._dataset_post = False
            return False
        if response.status_code not in (200, 201, 204):
            raise self._failed(self.graph_store_url, response, "Graph Store request")
        self._dataset_post = True
        return True

    def scratch_copy(self, scope: Sequence[str | None] | None = None) -> AbstractContextManager[ox.Store]:
        """A local copy to try a write on: the schema graphs and the graphs in `scope`, and,
        once the write has been applied to it, the neighbourhood the shapes read around the
        nodes it touched (see remote_scratch). `scope` None (an arbitrary SPARQL update) needs
        a copy of everything: refused above `max_copy_quads`."""
        from kgraph.store.remote_scratch import scratch_copy

        return scratch_copy(self, scope)

    def to_embedded(self) -> "EmbeddedStore":
        """An in-memory embedded copy of the whole store, for what only runs on pyoxigraph
        (a full validation with the compiled shapes). Refused above `max_copy_quads`."""
        from kgraph.store.embedded import EmbeddedStore
        from kgraph.store.remote_scratch import ScratchTooLarge

        size = self.count()
        if size > self.max_copy_quads:
            raise ScratchTooLarge(
                f"the remote store holds {size} quads, more than {self.max_copy_quads} "
                "(KGRAPH_STORE_MAX_COPY_QUADS) to copy here; validate the repository files with "
                "`kgraph validate` instead")
        copy = EmbeddedStore(None, self.namespaces)
        copy.raw.extend(self.quads())
        return copy

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r})"


class RemoteTriples:
    """The triples of a CONSTRUCT or DESCRIBE result, iterated once like pyoxigraph's."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        self._quads = iter(quads)

    def __iter__(self) -> Iterator[ox.Triple]:
        for q in self._quads:
            yield ox.Triple(q.subject, q.predicate, q.object)


def insert_data(graph: str | None, triples: Iterable[ox.Triple]) -> str:
    lines = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    if graph is None:
        return f"INSERT DATA {{\n{lines}\n}}"
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{lines}\n}} }}"


def _no_rows() -> ox.QuerySolutions:
    return ox.parse_query_results(b'{"head":{"vars":[]},"results":{"bindings":[]}}',
                                  format=ox.QueryResultsFormat.JSON)  # type: ignore[return-value]


def _form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for key, value in pairs:
        form.setdefault(key, []).append(value)
    return form


def _slug(iri: str) -> str:
    return hashlib.sha256(iri.encode()).hexdigest()[:16]


def is_url(location: object) -> bool:
    """Whether a --store value names a server rather than a directory."""
    text = str(location)
    return text.startswith(("http://", "https://"))


__all__ = ["Capabilities", "RemoteStore", "RemoteTriples", "StoreCapabilityMissing",
           "StoreUnavailable", "UNION_NONE", "UNION_PARAMETER", "UNION_SERVER", "UNION_UNKNOWN",
           "endpoints", "is_url"]
