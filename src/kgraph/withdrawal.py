"""Withdrawing a source: its graph goes, a tombstone stays.

`kgraph withdraw <id> --reason ... --by agent/...` removes `graph/source/<id>` from the store
through the validated write path (`kgraph.writes.WriteGate`, which also logs the write in
graph/meta) and, in the same write, records a `kg:Withdrawal` (a prov:Activity) in
`graph/withdrawn`: which graph, who, when, why, and every IRI the source minted (its document,
passages, claims, references, values...) as `prov:invalidated`. The linked-data pages then
answer 410 Gone for those IRIs, saying what withdrew them, instead of 404.

In the repository, the source's compiled Turtle is deleted (a later `kgraph load` must not bring
it back), its authoring file (and its match decisions) move to `data/authoring/withdrawn/`
(restorable: move it back and compile), its text stays in `data/sources/`, and the tombstones
are kept in `data/ttl/withdrawn.ttl`, which `kgraph load` loads into graph/withdrawn.
Entities are never touched: withdrawing a source never deletes Putin.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import rdflib

from kgraph.canonical import canonical_turtle
from kgraph.errors import UserError
from kgraph.loading import parse_file
from kgraph.namespaces import GRAPH_SOURCE_PREFIX, GRAPH_TRUTHY, GRAPH_WITHDRAWN, Namespaces

PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
TOMBSTONE_HEADER = ("# Withdrawn sources (graph/withdrawn): written by `kgraph withdraw`, loaded by "
                    "`kgraph load`.\n# Each kg:Withdrawal names the IRIs its source minted; they "
                    "answer 410 Gone.\n")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_AGENT = re.compile(r"^[a-z][a-z0-9-]*/[A-Za-z0-9._-]+$")


@dataclass
class Withdrawal:
    """One withdrawal: what, who, when, why, and the IRIs it invalidated."""

    iri: str
    source_id: str
    graph: str
    reason: str
    agent: str
    when: str
    minted: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def triples(self, ns: Namespaces) -> list[ox.Triple]:
        s = ox.NamedNode(self.iri)
        kg = ns.kg
        out = [
            ox.Triple(s, ox.NamedNode(RDF_TYPE), ox.NamedNode(kg + "Withdrawal")),
            ox.Triple(s, ox.NamedNode(RDFS_LABEL),
                      ox.Literal(f"Withdrawal of source {self.source_id}", language="en")),
            ox.Triple(s, ox.NamedNode(kg + "withdrawnGraph"), ox.NamedNode(self.graph)),
            ox.Triple(s, ox.NamedNode(kg + "reason"), ox.Literal(self.reason, language="en")),
            ox.Triple(s, ox.NamedNode(PROV + "wasAssociatedWith"), ox.NamedNode(self.agent)),
            ox.Triple(s, ox.NamedNode(PROV + "endedAtTime"),
                      ox.Literal(self.when, datatype=ox.NamedNode(XSD + "dateTime"))),
        ]
        out += [ox.Triple(s, ox.NamedNode(PROV + "invalidated"), ox.NamedNode(i))
                for i in self.minted]
        return out


def minted_in_store(store, graph: str) -> list[str]:  # type: ignore[no-untyped-def]
    """IRIs under the base's id/ that the graph describes and no other graph does (entities
    the source only mentions, or teaches an alias of, are not the source's)."""
    ns = store.namespaces
    query = f"""
    SELECT DISTINCT ?s WHERE {{
      GRAPH <{graph}> {{ ?s ?p ?o }}
      FILTER (isIRI(?s) && STRSTARTS(STR(?s), "{ns.id}"))
      FILTER NOT EXISTS {{
        GRAPH ?other {{ ?s ?p2 ?o2 }}
        FILTER (?other != <{graph}> && ?other != <{ns.graph_iri(GRAPH_TRUTHY)}>
                && ?other != <{ns.graph_iri(GRAPH_WITHDRAWN)}>)
      }}
    }} ORDER BY ?s"""
    return [row["s"].value for row in store.query(query, union_default_graph=False)]


def minted_in_file(path: Path, entities: Path, ns: Namespaces) -> list[str]:
    described_elsewhere = ({t.subject.value for t in parse_file(entities, ns)
                            if isinstance(t.subject, ox.NamedNode)} if entities.exists() else set())
    return sorted({t.subject.value for t in parse_file(path, ns)
                   if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ns.id)
                   and t.subject.value not in described_elsewhere})


def withdraw(root: Path, source_id: str, *, reason: str, by: str, store=None,  # type: ignore[no-untyped-def]
             now: datetime | None = None, keep_files: bool = False) -> Withdrawal:
    """Withdraw a source from the store (when given) and the repository. UserError for an
    unknown source, an empty reason or a malformed agent; nothing is changed then."""
    ns = store.namespaces if store is not None else Namespaces()
    if not _ID.match(source_id):
        raise UserError(f"{source_id!r} is not a source id (lower-case letters, digits and '-')")
    if not reason.strip():
        raise UserError("--reason is empty: say why the source is withdrawn")
    if not _AGENT.match(by):
        raise UserError(f"--by {by!r}: give an agent identifier such as agent/kgraph-curators")
    graph = ns.graph_iri(GRAPH_SOURCE_PREFIX + source_id)
    ttl = root / "data" / "ttl" / "sources" / f"{source_id}.ttl"
    in_store = store is not None and graph in store.graphs()
    if not in_store and not ttl.exists():
        raise UserError(f"no source {source_id}: neither graph {graph} in the store nor {ttl.relative_to(root)}")
    minted = (minted_in_store(store, graph) if in_store
              else minted_in_file(ttl, root / "data" / "ttl" / "entities.ttl", ns))
    moment = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    stamp = moment.strftime("%Y%m%dT%H%M%SZ")
    w = Withdrawal(iri=f"{ns.id}withdrawal/{source_id}/{stamp}", source_id=source_id, graph=graph,
                   reason=reason.strip(), agent=ns.id + by,
                   when=moment.isoformat().replace("+00:00", "Z"), minted=minted)
    if store is not None:
        from kgraph.writes import WriteGate

        body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in w.triples(ns))
        drop = f"DROP SILENT GRAPH <{graph}> ;\n" if in_store else ""
        WriteGate(store).update(
            f"{drop}INSERT DATA {{ GRAPH <{ns.graph_iri(GRAPH_WITHDRAWN)}> {{\n{body}\n}} }}",
            agent=w.agent)
    if not keep_files:
        w.files = _retire_files(root, source_id, w, ns)
    return w


def _retire_files(root: Path, source_id: str, w: Withdrawal, ns: Namespaces) -> list[str]:
    """Delete the compiled Turtle, park the authoring files, append the tombstone."""
    changed = []
    ttl = root / "data" / "ttl" / "sources" / f"{source_id}.ttl"
    if ttl.exists():
        ttl.unlink()
        changed.append(f"deleted {ttl.relative_to(root)}")
    parked = root / "data" / "authoring" / "withdrawn"
    for src, name in ((root / "data" / "authoring" / "sources" / f"{source_id}.yaml", f"{source_id}.yaml"),
                      (root / "data" / "authoring" / "matches" / f"{source_id}.yaml", f"{source_id}.matches.yaml")):
        if src.exists():
            parked.mkdir(parents=True, exist_ok=True)
            shutil.move(str(src), parked / name)
            changed.append(f"moved {src.relative_to(root)} to {(parked / name).relative_to(root)}")
    tombstones = tombstone_file(root)
    graph = rdflib.Graph()
    if tombstones.exists():
        graph.parse(tombstones, format="turtle")
    for t in w.triples(Namespaces()):  # files are written against the default base
        graph.add(_rdflib(t))
    tombstones.write_text(canonical_turtle(graph, Namespaces(), header=TOMBSTONE_HEADER), encoding="utf-8")
    changed.append(f"recorded the withdrawal in {tombstones.relative_to(root)}")
    return changed


def _rdflib(t: ox.Triple) -> tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]:
    from kgraph.validation import _term

    return (_term(t.subject), _term(t.predicate), _term(t.object))


def tombstone_file(root: Path) -> Path:
    return root / "data" / "ttl" / "withdrawn.ttl"


__all__ = ["GRAPH_WITHDRAWN", "Withdrawal", "minted_in_store", "withdraw"]
