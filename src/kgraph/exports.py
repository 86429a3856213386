"""Exports for people who work in spreadsheets, and the release bundle.

* `claims_csv(store)`: one row per claim, RFC 4180 (CRLF line ends, quoted where needed), UTF-8:
  the proposition (subject, predicate, object, with English labels), the value with its
  qualifier and bounds, the date with its precision, place, side, claimant and party, stance,
  the source document, the passages and quotes it was read from, what the curator inferred
  and why, and the source's and the claim's Admiralty grades when graded. Every value comes
  from the store by SPARQL (`queries/exports/*.rq`); lists are joined with " | ".
* `write_release(store, folder)`: the whole dataset as N-Quads, the claims CSV, a SHA256SUMS
  file and `dataset.ttl`, a VoID/DCAT description of the release (version, date, licence and
  rights from graph/dataset, counts of triples, claims, sources and passages, and each file's
  size and SHA-256 checksum).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, VOID, XSD

from kgraph.namespaces import GRAPH_DATASET

QUERIES = Path(__file__).parent / "queries" / "exports"
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")

COLUMNS = [
    "claim", "label", "subject", "subject_label", "predicate", "object", "object_label",
    "amount", "approximation", "lower_bound", "lower_inclusive", "upper_bound",
    "upper_inclusive", "unit", "value_verbatim", "date", "date_precision", "earliest", "latest",
    "place", "place_label", "side", "side_label", "claimant", "claimant_label", "party",
    "party_label", "attribution", "stance", "modality", "source", "source_label", "passages",
    "quotes", "relayed_from", "inferred", "source_reliability", "claim_credibility",
]
SEPARATOR = " | "


def _query(store: Any, name: str) -> list[dict[str, Any]]:
    text = (QUERIES / name).read_text(encoding="utf-8")
    result = store.query(text, union_default_graph=True)
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        rows.append({n: solution[n] for n in names if solution[n] is not None})
    return rows


def _plain(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)


def _local(term: Any) -> str:
    """kg:MoreThan -> MoreThan, time:unitDay -> day."""
    text = _plain(term)
    local = text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return local[4:].lower() if local.startswith("unit") and local[4:5].isupper() else local


def claim_rows(store: Any) -> list[dict[str, str]]:
    """The rows of the claims CSV, ordered by claim IRI."""
    labels: dict[str, str] = {}
    for row in _query(store, "labels.rq"):
        labels.setdefault(row["s"].value, row["label"].value)
    multi: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in _query(store, "claim-links.rq"):
        values = multi[row["claim"].value][row["key"].value]
        value = _plain(row["value"])
        if value not in values:
            values.append(value)
    for values in multi.values():
        for key in values:
            values[key].sort()
    out = []
    for row in _query(store, "claims.rq"):
        claim = row["claim"].value
        links = multi.get(claim, {})

        def joined(key: str, *, label: bool = False) -> str:
            items = links.get(key, [])
            return SEPARATOR.join(labels.get(i, "") if label else i for i in items)

        obj = row.get("object")
        out.append({
            "claim": claim,
            "label": _plain(row.get("label")),
            "subject": _plain(row.get("subject")),
            "subject_label": labels.get(_plain(row.get("subject")), ""),
            "predicate": _plain(row.get("predicate")),
            "object": "" if "amount" in row else _plain(obj),
            "object_label": labels.get(_plain(obj), "") if isinstance(obj, ox.NamedNode) else "",
            "amount": _plain(row.get("amount")),
            "approximation": _local(row.get("approximation")) if "approximation" in row else "",
            "lower_bound": _plain(row.get("lower")),
            "lower_inclusive": _plain(row.get("lowerInclusive")),
            "upper_bound": _plain(row.get("upper")),
            "upper_inclusive": _plain(row.get("upperInclusive")),
            "unit": _local(row.get("unit")) if "unit" in row else "",
            "value_verbatim": _plain(row.get("valueVerbatim")),
            "date": _plain(row.get("date")),
            "date_precision": _local(row.get("precision")) if "precision" in row else "",
            "earliest": _plain(row.get("earliest")),
            "latest": _plain(row.get("latest")),
            "place": joined("place"), "place_label": joined("place", label=True),
            "side": joined("side"), "side_label": joined("side", label=True),
            "claimant": _plain(row.get("claimant")),
            "claimant_label": labels.get(_plain(row.get("claimant")), ""),
            "party": joined("party"), "party_label": joined("party", label=True),
            "attribution": _local(row.get("attribution")) if "attribution" in row else "",
            "stance": _local(row.get("stance")) if "stance" in row else "",
            "modality": _local(row.get("modality")) if "modality" in row else "",
            "source": joined("source"), "source_label": joined("source", label=True),
            "passages": joined("passage"),
            "quotes": joined("quote"),
            "relayed_from": joined("upstream"),
            "inferred": joined("inferred"),
            "source_reliability": joined("reliability"),
            "claim_credibility": joined("credibility"),
        })
    out.sort(key=lambda r: r["claim"])
    return out


def claims_csv(store: Any) -> str:
    """The claims as RFC 4180 CSV text (header row first)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n",
                            quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(claim_rows(store))
    return buffer.getvalue()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _count(store: Any, query: str) -> int:
    rows = list(store.query(query, union_default_graph=True))
    return int(rows[0]["n"].value) if rows else 0


def write_release(store: Any, folder: Path, *, version: str | None = None,
                  repository: Path | None = None, today: date | None = None) -> list[Path]:
    """Write kgraph.nq, claims.csv, dataset.ttl and SHA256SUMS into `folder`."""
    from kgraph import __version__

    version = version or __version__
    issued = (today or date.today()).isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    nquads = folder / "kgraph.nq"
    partial = nquads.with_name(nquads.name + ".partial")
    with partial.open("wb") as f:
        store.dump(f, ox.RdfFormat.N_QUADS)
    partial.replace(nquads)
    claims = folder / "claims.csv"
    claims.write_text(claims_csv(store), encoding="utf-8", newline="")

    ns = store.namespaces
    kg = ns.kg
    g = rdflib.Graph()
    for prefix, iri in (("dcat", DCAT), ("dcterms", DCTERMS), ("void", VOID), ("spdx", SPDX),
                        ("owl", OWL), ("xsd", XSD), ("kg", kg)):
        g.bind(prefix, iri)
    dataset = rdflib.URIRef(f"{ns.id}dataset/kgraph")
    rel = rdflib.URIRef(f"{ns.id}dataset/kgraph/release/{version}")
    g.add((rel, RDF.type, DCAT.Dataset))
    g.add((rel, RDF.type, VOID.Dataset))
    g.add((rel, RDFS.label, rdflib.Literal(f"kgraph release {version}", lang="en")))
    g.add((rel, DCTERMS.isVersionOf, dataset))
    g.add((rel, rdflib.URIRef(str(DCAT) + "version"), rdflib.Literal(version)))  # DCAT 3
    g.add((rel, OWL.versionInfo, rdflib.Literal(version)))
    g.add((rel, DCTERMS.issued, rdflib.Literal(issued, datatype=XSD.date)))
    described = ox.NamedNode(str(dataset))
    for q in store.quads(ns.graph_iri(GRAPH_DATASET)):
        if q.subject == described and q.predicate.value in (
                str(DCTERMS.license), str(DCTERMS.rights), str(DCTERMS.title),
                str(DCTERMS.description), str(DCTERMS.publisher)):
            from kgraph.validation import _term

            g.add((rel, rdflib.URIRef(q.predicate.value), _term(q.object)))
    g.add((rel, VOID.triples, rdflib.Literal(store.count(), datatype=XSD.integer)))
    for cls, query in (("Claim", "kg:Claim"), ("Document", "kg:Document"), ("Passage", "kg:Passage")):
        n = _count(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {query} }}")
        part = rdflib.URIRef(f"{rel}/class/{cls}")
        g.add((rel, VOID.classPartition, part))
        g.add((part, VOID["class"], rdflib.URIRef(kg + cls)))
        g.add((part, VOID.entities, rdflib.Literal(n, datatype=XSD.integer)))
    sources = _count(store, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?d a kg:Document ; kg:fullText ?t } }")
    g.add((rel, VOID.subset, rdflib.URIRef(f"{rel}/sources")))
    g.add((rdflib.URIRef(f"{rel}/sources"), RDFS.label,
           rdflib.Literal(f"{sources} source graph(s)", lang="en")))
    sums = []
    for path, media in ((nquads, "application/n-quads"), (claims, "text/csv")):
        digest = _sha256(path)
        sums.append(f"{digest}  {path.name}")
        dist = rdflib.URIRef(f"{rel}/{path.name}")
        checksum = rdflib.URIRef(f"{rel}/{path.name}#sha256")
        g.add((rel, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, rdflib.URIRef(path.name, base=f"{rel}/")))
        g.add((dist, DCAT.mediaType, rdflib.URIRef(f"https://www.iana.org/assignments/media-types/{media}")))
        g.add((dist, DCAT.byteSize, rdflib.Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, rdflib.Literal(digest, datatype=XSD.hexBinary)))
    description = folder / "dataset.ttl"
    description.write_text(g.serialize(format="turtle"), encoding="utf-8")
    sums_file = folder / "SHA256SUMS"
    sums.append(f"{_sha256(description)}  {description.name}")
    sums_file.write_text("\n".join(sums) + "\n", encoding="utf-8")
    return [nquads, claims, description, sums_file]


__all__ = ["COLUMNS", "claim_rows", "claims_csv", "write_release"]
