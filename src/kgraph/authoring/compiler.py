"""Compile authoring YAML into the model's RDF.

Two kinds of authoring file:

* `entities.yaml`: what many sources share (persons, organisations, forces, places, events,
  the documents sources relay), compiled into the entities graph;
* `sources/<id>.yaml`: one source document, its passages and its claims, compiled into that
  source's graph. The text itself is read from the file the YAML names, split into passages
  (`kgraph.authoring.passages`), and every quote is checked against its passage.

IRIs are minted from the authoring identifiers only (never from labels), so compiling the same
input again gives the same IRIs and the same triples. Any problem is an AuthoringError naming the
YAML file and line. The format is documented in docs/authoring.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kgraph.authoring.mentions import decisions_path, read_decisions, read_mentions
from kgraph.authoring.numbers import parse_quantity
from kgraph.authoring.passages import Passage, segment
from kgraph.authoring.yamlfile import Node, load_yaml
from kgraph.errors import AuthoringError, Location
from kgraph.namespaces import STANDARD_PREFIXES, Namespaces

SCHEMA = STANDARD_PREFIXES["schema"]
TIME = STANDARD_PREFIXES["time"]
ORG = STANDARD_PREFIXES["org"]
UNIT = STANDARD_PREFIXES["unit"]
WD = STANDARD_PREFIXES["wd"]
GN = STANDARD_PREFIXES["gn"]

_REF = re.compile(r"^[a-z][a-z0-9-]*/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
_LANG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9]*):([A-Za-z0-9_][A-Za-z0-9_.-]*)$")

ATTRIBUTIONS = {
    "named": "NamedInSource",
    "unnamed": "UnnamedSource",
    "context": "InferredFromContext",
    "unattributed": "UnattributedInSource",
}
STANCES = {"asserts": "Asserts", "denies": "Denies", "questions": "Questions"}
MODALITIES = {
    "factual": "Factual",
    "estimate": "Estimate",
    "evaluation": "Evaluation",
    "prediction": "Prediction",
    "hedged-prediction": "HedgedPrediction",
    "negative": "Negative",
}
PRECISIONS = {"day": "unitDay", "month": "unitMonth", "year": "unitYear"}
UNITS = {"NUM": "NUM", "KiloM2": "KiloM2", "HR": "HR", "DAY": "DAY"}
PASSAGE_ROLES = {"Headline", "RepeatedHeadline", "SectionTitle", "BodySentence"}
#: The Admiralty (NATO) grading scales: source reliability A-F, information credibility 1-6.
RELIABILITY = ("A", "B", "C", "D", "E", "F")
CREDIBILITY = ("1", "2", "3", "4", "5", "6")


@dataclass
class Context:
    """What a compilation needs: namespaces and the graph being written."""

    ns: Namespaces
    graph: Graph = field(default_factory=Graph)
    #: mention key -> the entity identifier a curator confirmed for it
    mentions: dict[str, str] = field(default_factory=dict)
    #: mention key -> name, for mentions not confirmed yet
    pending: dict[str, str] = field(default_factory=dict)
    #: node -> (authoring file, line) of the block that minted it, to report shape violations
    lines: dict[URIRef, tuple[str, int]] = field(default_factory=dict)
    here: tuple[str, int] | None = None
    #: (who, when) the mentions were confirmed, for the provenance of learnt aliases
    learnt_by: tuple[str, str] | None = None
    source_id: str = "<source-id>"

    def __post_init__(self) -> None:
        for prefix, iri in self.ns.prefixes.items():
            self.graph.bind(prefix, iri, override=True, replace=True)

    @property
    def kg(self) -> str:
        return self.ns.kg

    def k(self, local: str) -> URIRef:
        return URIRef(self.ns.kg + local)

    def ref(self, path: str) -> URIRef:
        return URIRef(self.ns.id + path)

    def add(self, s: Any, p: Any, o: Any) -> None:
        self.graph.add((s, p, o))
        if self.here is not None and isinstance(s, URIRef):
            self.lines.setdefault(s, self.here)

    def at(self, node: Node) -> None:
        """Nodes minted from now on come from `node`'s block (for reporting)."""
        self.here = (node.source, node.line)

    def term(self, value: Any, where: Node, key: str) -> URIRef | Literal:
        """An authoring value as an RDF term: 'kind/local' is a kgraph IRI, 'prefix:local' a
        CURIE, a URL an IRI; {lang: text} a language-tagged literal; numbers and booleans are
        typed literals."""
        if isinstance(value, bool):
            return Literal(value)
        if isinstance(value, int):
            return Literal(value, datatype=XSD.integer)
        if isinstance(value, float):
            return Literal(Decimal(str(value)), datatype=XSD.decimal)
        if isinstance(value, dict):
            if len(value) == 1:
                ((lang, text),) = value.items()
                return Literal(str(text), lang=str(lang))
            raise where.fail("a language-tagged value is written {lang: text}", key)
        if isinstance(value, str):
            return self.iri_or_literal(value, where, key)
        raise where.fail(f"cannot use {value!r} as a value", key)

    def iri_or_literal(self, value: str, where: Node, key: str) -> URIRef | Literal:
        if value.startswith("mention/"):
            return self.mention(value[len("mention/"):], where, key)
        if _REF.match(value):
            return self.ref(value)
        curie = _CURIE.match(value)
        if curie and curie[1] in self.ns.prefixes:
            return URIRef(self.ns.prefixes[curie[1]] + curie[2])
        if value.startswith(("http://", "https://")):
            return URIRef(value)
        return Literal(value)

    def mention(self, name: str, where: Node, key: str) -> URIRef:
        """`mention/<key>`: the entity a curator confirmed for that name, never a guess."""
        if name in self.mentions:
            return self.ref(self.mentions[name])
        if name in self.pending:
            raise where.fail(f"{key}: mention/{name} ({self.pending[name]!r}) has no confirmed "
                             f"entity: run `kgraph match {self.source_id}` and confirm it", key)
        raise where.fail(f"{key}: no mention {name!r} under 'mentions:'", key)

    def iri(self, value: Any, where: Node, key: str) -> URIRef:
        term = self.term(value, where, key) if isinstance(value, str) else None
        if not isinstance(term, URIRef):
            raise where.fail(f"{key}: expected an entity reference like 'person/x' or a "
                             f"CURIE like 'kg:Term', got {value!r}", key)
        return term

    def cls(self, name: Any, where: Node, key: str = "type") -> URIRef:
        if not isinstance(name, str):
            raise where.fail(f"{key}: expected a class name", key)
        return self.iri(name if ":" in name else "kg:" + name, where, key)


def _lang_values(ctx: Context, subject: URIRef, predicate: URIRef, value: Any,
                 where: Node, key: str) -> None:
    """{en: 'A', id: ['B', 'C']} -> language-tagged literals."""
    if not isinstance(value, dict):
        raise where.fail(f"{key}: expected a mapping of language tags to text", key)
    for lang, texts in value.items():
        if not _LANG.match(str(lang)):
            raise where.fail(f"{key}: {lang!r} is not a language tag (quote text that "
                             "contains ', ' or ': ' in YAML flow mappings)", key)
        for text in texts if isinstance(texts, list) else [texts]:
            ctx.add(subject, predicate, Literal(str(text), lang=str(lang)))


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _require(node: Node, key: str, what: str = "") -> Any:
    if key not in node or node[key] in (None, ""):
        raise node.fail(f"missing '{key}'{': ' + what if what else ''}")
    return node[key]


def _known_keys(spec: Node, known: set[str]) -> None:
    for key in spec:
        if key not in known:
            raise spec.fail(f"unknown key {key!r} (known: {', '.join(sorted(known))}); "
                            "quote text containing ', ' or ': ' in YAML flow mappings", str(key))


# -- shared pieces: inferences, times, quantities --------------------------------------------

def _inferences(ctx: Context, subject: URIRef, base: str, items: Any, where: Node,
                curator: URIRef, start: int = 1) -> int:
    """`inferred: [{property: kg:time, reason: ...}]` -> kg:CuratorInference nodes."""
    n = start
    for item in _list(items):
        if not isinstance(item, Node):
            raise where.fail("inferred: each entry is {property: ..., reason: ...}", "inferred")
        node = ctx.ref(f"inference/{base}-{n}")
        ctx.add(subject, ctx.k("hasInference"), node)
        ctx.add(node, RDF.type, ctx.k("CuratorInference"))
        ctx.add(node, ctx.k("inferredProperty"), ctx.iri(_require(item, "property"), item, "property"))
        ctx.add(node, ctx.k("reason"), Literal(str(_require(item, "reason")), lang="en"))
        if "value" in item:
            ctx.add(node, ctx.k("inferredValue"), ctx.term(item["value"], item, "value"))
        ctx.add(node, PROV.wasAttributedTo, curator)
        n += 1
    return n


def _time_value(ctx: Context, node_iri: URIRef, spec: Any, where: Node, key: str,
                lang: str) -> str | None:
    """`{value: 2025-04-26, precision: day, verbatim: ..., year-inferred: reason}`; the
    verbatim is in `lang` unless written `{id: ...}`. Returns the reason if the year was
    inferred."""
    if not isinstance(spec, Node):
        raise where.fail(f"{key}: expected a mapping with value and precision", key)
    _known_keys(spec, {"value", "precision", "verbatim", "earliest", "latest", "year-inferred"})
    raw = str(_require(spec, "value"))
    precision = str(_require(spec, "precision"))
    if precision not in PRECISIONS:
        raise spec.fail(f"precision must be one of {', '.join(PRECISIONS)}", "precision")
    try:
        if precision == "day":
            day = date.fromisoformat(raw)
            earliest, latest = day, day
            ctx.add(node_iri, URIRef(TIME + "inXSDDate"), Literal(raw, datatype=XSD.date))
        elif precision == "month":
            y, m = (int(x) for x in raw.split("-"))
            earliest = date(y, m, 1)
            latest = date(y + (m == 12), m % 12 + 1, 1).fromordinal(
                date(y + (m == 12), m % 12 + 1, 1).toordinal() - 1)
            ctx.add(node_iri, URIRef(TIME + "inXSDgYearMonth"),
                    Literal(raw, datatype=XSD.gYearMonth))
        else:
            y = int(raw)
            earliest, latest = date(y, 1, 1), date(y, 12, 31)
            ctx.add(node_iri, URIRef(TIME + "inXSDgYear"), Literal(raw, datatype=XSD.gYear))
    except ValueError:
        raise spec.fail(f"value {raw!r} does not match precision {precision}", "value") from None
    if "earliest" in spec:
        earliest = date.fromisoformat(str(spec["earliest"]))
    if "latest" in spec:
        latest = date.fromisoformat(str(spec["latest"]))
    ctx.add(node_iri, RDF.type, ctx.k("TimeValue"))
    ctx.add(node_iri, ctx.k("timePrecision"), URIRef(TIME + PRECISIONS[precision]))
    ctx.add(node_iri, ctx.k("earliest"), Literal(earliest.isoformat(), datatype=XSD.date))
    ctx.add(node_iri, ctx.k("latest"), Literal(latest.isoformat(), datatype=XSD.date))
    if "verbatim" in spec:
        verbatim = spec["verbatim"]
        if isinstance(verbatim, Node):  # {id: 'pada tanggal ...'}: words in another language
            if len(verbatim) != 1:
                raise spec.fail("verbatim: one language and its text, e.g. {id: 'pada 6 Maret'}",
                                "verbatim")
            ((lang, verbatim),) = verbatim.items()
        ctx.add(node_iri, ctx.k("verbatim"), Literal(str(verbatim), lang=str(lang)))
    reason = spec.get("year-inferred")
    return str(reason) if reason else None


def _quantity(ctx: Context, node_iri: URIRef, spec: Any, where: Node, lang: str) -> Decimal:
    """`{verbatim: 'lebih dari 76 ribu', unit: NUM}` -> kg:QuantityValue; returns the amount."""
    if not isinstance(spec, Node):
        raise where.fail("value: expected {verbatim: ..., unit: ...}", "value")
    _known_keys(spec, {"verbatim", "reading", "unit", "amount"})
    verbatim = str(_require(spec, "verbatim", "the number as the source writes it"))
    try:
        q = parse_quantity(str(spec.get("reading", verbatim)), lang)
    except ValueError as exc:
        raise spec.fail(str(exc), "verbatim") from None
    unit = str(_require(spec, "unit"))
    if unit not in UNITS:
        raise spec.fail(f"unit must be one of {', '.join(UNITS)}", "unit")
    if "amount" in spec and Decimal(str(spec["amount"])) != q.amount:
        raise spec.fail(f"amount {spec['amount']} does not match the reading of "
                        f"{verbatim!r} ({q.amount})", "amount")
    dec = lambda d: Literal(d, datatype=XSD.decimal)  # noqa: E731
    ctx.add(node_iri, RDF.type, ctx.k("QuantityValue"))
    ctx.add(node_iri, ctx.k("amount"), dec(q.amount))
    ctx.add(node_iri, ctx.k("approximation"), ctx.k(q.approximation))
    ctx.add(node_iri, ctx.k("unit"), URIRef(UNIT + UNITS[unit]))
    ctx.add(node_iri, ctx.k("verbatim"), Literal(verbatim, lang=lang))
    if q.lower is not None:
        ctx.add(node_iri, ctx.k("lowerBound"), dec(q.lower))
        ctx.add(node_iri, ctx.k("lowerBoundInclusive"), Literal(bool(q.lower_inclusive)))
    if q.upper is not None:
        ctx.add(node_iri, ctx.k("upperBound"), dec(q.upper))
        ctx.add(node_iri, ctx.k("upperBoundInclusive"), Literal(bool(q.upper_inclusive)))
    return q.amount


def _props(ctx: Context, subject: URIRef, props: Any, where: Node) -> None:
    """`props: {kg:locatedIn: place/x, schema:name: {en: X}}`: any further triples."""
    if props is None:
        return
    if not isinstance(props, Node):
        raise where.fail("props: expected a mapping of properties to values", "props")
    for key, values in props.items():
        predicate = ctx.iri(key, props, key)
        for value in _list(values):
            ctx.add(subject, predicate, ctx.term(value, props, key))


# -- entities ---------------------------------------------------------------------------------

ENTITY_SHORTCUTS = {
    "in": "kg:locatedIn",
    "affiliated": "kg:affiliatedWith",
    "part-of": "org:subOrganizationOf",
    "based-in": "kg:basedIn",
    "occupation": "kg:occupation",
    "sub-event-of": "kg:subEventOf",
    "precedes": "kg:precedes",
    "participants": "kg:hasParticipant",
    "location": "kg:location",
    "agent": "kg:agent",
    "addressee": "kg:addressee",
    "author": "schema:author",
    "published-in": "kg:publishedIn",
    "post-in": "org:postIn",
    "role": "org:role",
    "place-type": "kg:placeType",
    "territory-of": "kg:territoryOf",
    "generated": "prov:generated",
    "operates": "kg:operates",
    "parties": "kg:party",
    "scheme": "skos:inScheme",
}


def compile_entities(path: Path, ns: Namespaces, *, display: str | None = None,
                     lines: dict[URIRef, tuple[str, int]] | None = None) -> Graph:
    """entities.yaml -> the entities graph. `lines`, when given, is filled with the file and
    line of the block each node was minted from."""
    doc = load_yaml(path, display)
    if not isinstance(doc, Node) or "entities" not in doc:
        raise AuthoringError("expected a top-level 'entities' mapping", Location(1, None, display or str(path)))
    ctx = Context(ns)
    curator = ctx.ref(str(doc.get("curator", "agent/kgraph-curators")))
    entities = doc["entities"]
    if not isinstance(entities, Node):
        raise doc.fail("entities: expected a mapping of identifiers to entities", "entities")
    for ident, spec in entities.items():
        if not isinstance(ident, str) or not _REF.match(ident):
            raise entities.fail(f"{ident!r} is not an identifier of the form 'kind/local-name'", str(ident))
        if not isinstance(spec, Node):
            raise entities.fail(f"{ident}: expected a mapping", ident)
        ctx.at(spec)
        _entity(ctx, ident, spec, curator)
    if lines is not None:
        lines.update(ctx.lines)
    return ctx.graph


def _entity(ctx: Context, ident: str, spec: Node, curator: URIRef) -> None:
    s = ctx.ref(ident)
    types = _list(_require(spec, "type"))
    for t in types:
        ctx.add(s, RDF.type, ctx.cls(t, spec))
    _lang_values(ctx, s, SKOS.prefLabel, _require(spec, "label"), spec, "label")
    _lang_values(ctx, s, RDFS.label, spec["label"], spec, "label")
    if "alt" in spec:
        _lang_values(ctx, s, SKOS.altLabel, spec["alt"], spec, "alt")
    if "description" in spec:
        _lang_values(ctx, s, SKOS.definition, spec["description"], spec, "description")
    if "note" in spec:
        _lang_values(ctx, s, SKOS.note, spec["note"], spec, "note")
    if "wikidata" in spec:
        ctx.add(s, ctx.k("wikidata"), URIRef(WD + str(spec["wikidata"])))
    if "geonames" in spec:
        ctx.add(s, ctx.k("geonames"), URIRef(f"{GN}{spec['geonames']}/"))
    if "identity-known" in spec:
        ctx.add(s, ctx.k("identityKnown"), Literal(bool(spec["identity-known"])))
    if "time" in spec:
        node = ctx.ref(f"time/{ident}")
        ctx.add(s, ctx.k("time"), node)
        reason = _time_value(ctx, node, spec["time"], spec, "time", "en")
        if reason:
            _inferences(ctx, s, ident.replace("/", "-") + "-time",
                        [_as_node({"property": "kg:time", "reason": reason}, spec)], spec, curator)
    if "language" in spec:
        ctx.add(s, DCTERMS.language, Literal(str(spec["language"]), datatype=XSD.language))
        ctx.add(s, URIRef(SCHEMA + "inLanguage"), Literal(str(spec["language"])))
    if "caption" in spec:
        _lang_values(ctx, s, ctx.k("caption"), spec["caption"], spec, "caption")
    for key, predicate in ENTITY_SHORTCUTS.items():
        for value in _list(spec.get(key)):
            ctx.add(s, ctx.iri(predicate, spec, key), ctx.term(value, spec, key))
    if "unknown" in spec:
        _unknowns(ctx, s, ident.replace("/", "-"), spec["unknown"], spec, curator)
    _props(ctx, s, spec.get("props"), spec)
    _inferences(ctx, s, ident.replace("/", "-"), spec.get("inferred"), spec, curator)
    known = {"type", "label", "alt", "description", "note", "wikidata", "geonames", "time",
             "identity-known", "language", "caption", "unknown", "props", "inferred",
             *ENTITY_SHORTCUTS}
    for key in spec:
        if key not in known:
            raise spec.fail(f"unknown key '{key}' (known: {', '.join(sorted(known))})", key)


def _unknowns(ctx: Context, s: URIRef, base: str, spec: Any, where: Node, curator: URIRef) -> None:
    """`unknown: {schema:datePublished: reason}` -> kg:UnknownValue records."""
    if not isinstance(spec, Node):
        raise where.fail("unknown: expected {property: reason}", "unknown")
    for prop, reason in spec.items():
        predicate = ctx.iri(prop, spec, prop)
        local = prop.split(":")[-1]
        node = ctx.ref(f"unknown/{base}-{local}")
        ctx.add(s, ctx.k("hasUnknown"), node)
        ctx.add(node, RDF.type, ctx.k("UnknownValue"))
        ctx.add(node, ctx.k("unknownProperty"), predicate)
        ctx.add(node, ctx.k("reason"), Literal(str(reason), lang="en"))
        ctx.add(node, PROV.wasAttributedTo, curator)


# -- a source ---------------------------------------------------------------------------------

@dataclass
class SourceCompilation:
    graph: Graph
    source_id: str
    passages: list[Passage]
    cited: set[str]
    excluded: dict[str, str]
    lines: dict[URIRef, tuple[str, int]] = field(default_factory=dict)
    #: a source with no claims yet (`claims: []`, as `kgraph add-source` writes it)
    draft: bool = False

    def uncovered(self) -> list[Passage]:
        """Passages neither cited by a claim nor excluded with a reason."""
        return [p for p in self.passages if p.id not in self.cited and p.id not in self.excluded]


def compile_source(path: Path, ns: Namespaces, *, display: str | None = None,
                   decisions: Path | None = None) -> SourceCompilation:
    """sources/<id>.yaml (+ the text it names, + the curator's confirmed decisions on its
    mentions, `data/authoring/matches/<id>.yaml` unless `decisions` names another file) ->
    the source's graph."""
    doc = load_yaml(path, display)
    shown = display or str(path)
    if not isinstance(doc, Node) or "source" not in doc:
        raise AuthoringError("expected a top-level 'source' mapping", Location(1, None, shown))
    ctx = Context(ns)
    src: Node = doc["source"]
    source_id = str(_require(src, "id"))
    if not re.match(r"^[a-z0-9][a-z0-9-]*$", source_id):
        raise src.fail("id: lower-case letters, digits and '-' only", "id")
    lang = str(_require(src, "language"))
    text_path = (path.parent / str(_require(src, "text"))).resolve()
    try:
        text = text_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise src.fail(f"text: cannot read {text_path}: {exc}", "text") from None
    if isinstance(doc.get("claims"), list) and not doc["claims"]:
        # a draft, as `kgraph add-source` writes it: nothing to compile yet
        return SourceCompilation(Graph(), source_id, segment(text), set(), {}, draft=True)
    document = ctx.ref(f"document/{source_id}")
    curator = ctx.ref(str(src.get("curator", "agent/kgraph-curators")))
    extraction = ctx.ref(f"extraction/{source_id}")
    ctx.source_id = source_id
    ctx.at(src)
    confirmed = _resolve_mentions(ctx, doc, path, source_id, shown, decisions)

    # The document itself
    ctx.add(document, RDF.type, ctx.cls(_require(src, "class"), src, "class"))
    ctx.add(document, ctx.k("fullText"), Literal(text, lang=lang))
    ctx.add(document, DCTERMS.language, Literal(lang, datatype=XSD.language))
    ctx.add(document, URIRef(SCHEMA + "inLanguage"), Literal(lang))
    _lang_values(ctx, document, RDFS.label, _require(src, "label"), src, "label")
    for key, predicate in (("publisher", "schema:publisher"), ("author", "schema:author")):
        for value in _list(src.get(key)):
            ctx.add(document, ctx.iri(predicate, src, key), ctx.term(value, src, key))
    if "rights" in src:
        _lang_values(ctx, document, DCTERMS.rights, src["rights"], src, "rights")
    if "title" in src:
        _lang_values(ctx, document, DCTERMS.title, src["title"], src, "title")
    if "published" in src:
        try:
            published = date.fromisoformat(str(src["published"])).isoformat()
        except ValueError:
            raise src.fail("published: expected a date YYYY-MM-DD", "published") from None
        ctx.add(document, URIRef(SCHEMA + "datePublished"), Literal(published, datatype=XSD.date))
    if "url" in src:
        url = str(src["url"])
        if not url.startswith(("http://", "https://")):
            raise src.fail("url: expected an http(s) address", "url")
        ctx.add(document, URIRef(SCHEMA + "url"), URIRef(url))
    if "reliability" in src:
        _grading(ctx, document, ctx.ref(f"grading/{source_id}"), src["reliability"], src,
                 "reliability")
    _learnt_aliases(ctx, document, source_id, confirmed)
    if "unknown" in src:
        _unknowns(ctx, document, source_id, src["unknown"], src, curator)
    for up in _list(src.get("derived-from")):
        ctx.add(document, PROV.wasDerivedFrom, ctx.iri(up, src, "derived-from"))
    _props(ctx, document, src.get("props"), src)

    # Extraction activity
    ctx.add(extraction, RDF.type, ctx.k("Extraction"))
    ctx.add(extraction, RDFS.label, Literal(f"Extraction of claims from {source_id}", lang="en"))
    ctx.add(extraction, PROV.used, document)
    ctx.add(extraction, PROV.wasAssociatedWith, curator)
    if "extracted" in src:
        ctx.add(extraction, PROV.endedAtTime,
                Literal(f"{src['extracted']}T00:00:00Z", datatype=XSD.dateTime))

    # Passages
    passages = segment(text)
    by_id = {p.id: p for p in passages}
    roles: dict[str, str] = {}
    excluded: dict[str, str] = {}
    spec_passages = doc.get("passages") or Node()
    headline = passages[0] if passages else None
    if headline is not None and src.get("first-paragraph-is-headline", True):
        roles[headline.id] = "Headline"
        ctx.add(document, URIRef(SCHEMA + "headline"), Literal(headline.text, lang=lang))
        if "title" not in src:
            ctx.add(document, DCTERMS.title, Literal(headline.text, lang=lang))
        for p in passages[1:]:
            if p.text == headline.text:
                roles[p.id] = "RepeatedHeadline"
                excluded[p.id] = "The headline repeated in the body; it states nothing the headline does not."
    for pid, pspec in spec_passages.items():
        ctx.lines.setdefault(ctx.ref(f"passage/{source_id}/{pid}"),
                             (spec_passages.source, spec_passages.key_lines.get(str(pid), spec_passages.line)))
        if pid not in by_id:
            raise spec_passages.fail(f"no passage {pid} in {text_path.name} "
                                     f"(it has {passages[0].id}..{passages[-1].id})", pid)
        if "role" in pspec:
            if pspec["role"] not in PASSAGE_ROLES:
                raise pspec.fail(f"role must be one of {', '.join(sorted(PASSAGE_ROLES))}", "role")
            roles[pid] = pspec["role"]
        if "exclude" in pspec:
            excluded[pid] = str(pspec["exclude"])
    for p in passages:
        piri = ctx.ref(f"passage/{source_id}/{p.id}")
        ctx.add(piri, RDF.type, ctx.k("Passage"))
        ctx.add(piri, ctx.k("passageOf"), document)
        ctx.add(piri, ctx.k("text"), Literal(p.text, lang=lang))
        ctx.add(piri, ctx.k("paragraph"), Literal(p.paragraph, datatype=XSD.integer))
        ctx.add(piri, ctx.k("sentence"), Literal(p.sentence, datatype=XSD.integer))
        ctx.add(piri, ctx.k("startOffset"), Literal(p.start, datatype=XSD.integer))
        ctx.add(piri, ctx.k("endOffset"), Literal(p.end, datatype=XSD.integer))
        ctx.add(piri, ctx.k("passageRole"), ctx.k(roles.get(p.id, "BodySentence")))
        ctx.add(piri, RDFS.label, Literal(f"{source_id} {p.id}", lang="en"))
        if p.id in excluded:
            ctx.add(piri, ctx.k("exclusionReason"), Literal(excluded[p.id], lang="en"))

    # Relays: the document derives from upstream documents, possibly through a translation
    for rspec in _list(doc.get("relays")):
        _relay(ctx, document, source_id, rspec, curator)

    # Claims
    cited: set[str] = set()
    seen: set[str] = set()
    claims = doc.get("claims")
    if not isinstance(claims, list):
        raise doc.fail("claims: expected a list of claims", "claims")
    for cspec in claims:
        if not isinstance(cspec, Node):
            raise doc.fail("claims: each claim is a mapping", "claims")
        cid = str(_require(cspec, "id"))
        if cid in seen:
            raise cspec.fail(f"duplicate claim id {cid!r}", "id")
        seen.add(cid)
        ctx.at(cspec)
        cited |= _claim(ctx, cspec, source_id, document, extraction, curator, by_id, lang)
    return SourceCompilation(ctx.graph, source_id, passages, cited, excluded, ctx.lines)


def _resolve_mentions(ctx: Context, doc: Node, path: Path, source_id: str, shown: str,
                      decisions_file: Path | None) -> list[tuple[str, str, str, str]]:
    """Fill ctx.mentions from the confirmed decisions; returns the learnt aliases as
    (key, name, lang, entity)."""
    mentions = read_mentions(doc, shown)
    if not mentions:
        return []
    dpath = decisions_file or decisions_path(path, source_id)
    decisions = read_decisions(dpath)
    learnt = []
    for m in mentions:
        decision = decisions.mentions.get(m.key) if decisions else None
        if m.entity:
            ctx.mentions[m.key] = m.entity
        elif decision is not None:
            if (decision.name, decision.lang) != (m.name, m.lang):
                raise AuthoringError(
                    f"mention {m.key} is now {m.name!r}@{m.lang} but was confirmed as "
                    f"{decision.name!r}@{decision.lang}: run `kgraph match {source_id}` again",
                    Location(m.line, None, shown))
            ctx.mentions[m.key] = decision.entity
            if decision.new_alias:
                learnt.append((m.key, m.name, m.lang, decision.entity))
        else:
            ctx.pending[m.key] = m.name
    ctx.learnt_by = (decisions.confirmed_by, decisions.confirmed) if decisions else None
    return learnt


def _learnt_aliases(ctx: Context, document: URIRef, source_id: str,
                    learnt: list[tuple[str, str, str, str]]) -> None:
    """A name the curator confirmed for an entity that did not have it becomes an alias of
    that entity, in this source's graph (withdrawing the source withdraws it), with a
    kg:LearntAlias record saying where it was read, who confirmed it and when."""
    if not learnt:
        return
    by, when = ctx.learnt_by or ("", "")
    for key, name, lang, entity in learnt:
        e = ctx.ref(entity)
        ctx.add(e, SKOS.altLabel, Literal(name, lang=lang))
        a = ctx.ref(f"alias/{source_id}/{key}")
        ctx.add(a, RDF.type, ctx.k("LearntAlias"))
        ctx.add(a, RDFS.label, Literal(f"alias '{name}' of {entity}, learnt from {source_id}", lang="en"))
        ctx.add(a, ctx.k("aliasOf"), e)
        ctx.add(a, RDF.value, Literal(name, lang=lang))
        ctx.add(a, PROV.wasDerivedFrom, document)
        if by:
            ctx.add(a, PROV.wasAttributedTo, ctx.ref(by))
        if when:
            ctx.add(a, PROV.generatedAtTime, Literal(when, datatype=XSD.dateTime))


def _grading(ctx: Context, subject: URIRef, node: URIRef, spec: Any, where: Node, key: str) -> None:
    """`reliability: {grade: B, by: agent/x, date: 2026-01-10, reason: ...}` on a source, or
    `credibility: {grade: 2, ...}` on a claim: an Admiralty grade with who gave it."""
    if not isinstance(spec, Node):
        raise where.fail(f"{key}: expected {{grade: ..., by: agent/..., date: ...}}", key)
    _known_keys(spec, {"grade", "by", "date", "reason"})
    grade = str(_require(spec, "grade"))
    if key == "reliability":
        scale, cls, prop, concept = RELIABILITY, "ReliabilityGrading", "reliability", "Reliability"
    else:
        scale, cls, prop, concept = CREDIBILITY, "CredibilityGrading", "credibility", "Credibility"
    if grade not in scale:
        raise spec.fail(f"grade: {key} is graded {', '.join(scale)}; got {grade!r}", "grade")
    ctx.add(subject, ctx.k(prop + "Grading"), node)
    ctx.add(node, RDF.type, ctx.k(cls))
    ctx.add(node, ctx.k(prop), ctx.k(concept + grade))
    ctx.add(node, PROV.wasAttributedTo, ctx.iri(_require(spec, "by", "who graded it"), spec, "by"))
    if "date" in spec:
        try:
            day = date.fromisoformat(str(spec["date"])).isoformat()
        except ValueError:
            raise spec.fail("date: expected YYYY-MM-DD", "date") from None
        ctx.add(node, DCTERMS.date, Literal(day, datatype=XSD.date))
    if "reason" in spec:
        ctx.add(node, ctx.k("reason"), Literal(str(spec["reason"]), lang="en"))


def _relay(ctx: Context, document: URIRef, source_id: str, spec: Any, curator: URIRef) -> None:
    """`relays: [{document: document/x, translated-from: ru, inferred: reason}]`"""
    if not isinstance(spec, Node):
        raise AuthoringError("relays: each entry is a mapping", Location())
    upstream = ctx.iri(_require(spec, "document"), spec, "document")
    local = str(spec["document"]).split("/")[-1]
    ctx.add(document, PROV.wasDerivedFrom, upstream)
    if spec.get("quoted", False):
        ctx.add(document, PROV.wasQuotedFrom, upstream)
    derivation = ctx.ref(f"derivation/{source_id}/{local}")
    ctx.add(document, PROV.qualifiedDerivation, derivation)
    ctx.add(derivation, RDF.type, PROV.Derivation)
    ctx.add(derivation, PROV.entity, upstream)
    if "translated-from" in spec:
        activity = ctx.ref(f"translation/{source_id}/{local}")
        ctx.add(derivation, PROV.hadActivity, activity)
        ctx.add(activity, RDF.type, ctx.k("Translation"))
        ctx.add(activity, PROV.used, upstream)
        ctx.add(activity, RDFS.label,
                Literal(f"Translation of {local} into the language of {source_id}", lang="en"))
        ctx.add(activity, ctx.k("fromLanguage"),
                Literal(str(spec["translated-from"]), datatype=XSD.language))
        if "inferred" in spec:
            _inferences(ctx, activity, f"{source_id}-translation-{local}",
                        [_as_node({"property": "prov:hadActivity", "reason": spec["inferred"]}, spec)],
                        spec, curator)
    if "note" in spec:
        ctx.add(derivation, SKOS.note, Literal(str(spec["note"]), lang="en"))


CLAIM_KEYS = {
    "id", "kind", "label", "passage", "passages", "quote", "gloss", "claimant", "named-as",
    "attribution", "attribution-reason", "stance", "modality", "subject", "predicate", "object",
    "value", "time", "location", "side", "during", "made-in", "relayed-from", "quoted",
    "competes-with", "contradicts", "inferred", "props", "rank", "references", "addressee",
    "credibility",
}


def _claim(ctx: Context, spec: Node, source_id: str, document: URIRef, extraction: URIRef,
           curator: URIRef, passages: dict[str, Passage], lang: str) -> set[str]:
    for key in spec:
        if key not in CLAIM_KEYS:
            raise spec.fail(f"unknown key '{key}' in a claim (known: {', '.join(sorted(CLAIM_KEYS))})", key)
    cid = str(spec["id"])
    base = f"{source_id}/{cid}"
    c = ctx.ref(f"claim/{base}")
    ctx.add(c, RDF.type, ctx.k("Claim"))
    ctx.add(c, RDF.type, ctx.k(str(_require(spec, "kind")) + "Claim"))
    ctx.add(c, RDFS.label, Literal(str(_require(spec, "label")), lang="en"))
    ctx.add(c, PROV.wasGeneratedBy, extraction)
    ctx.add(c, RDF.subject, ctx.iri(_require(spec, "subject"), spec, "subject"))
    ctx.add(c, RDF.predicate, ctx.iri(_require(spec, "predicate"), spec, "predicate"))
    if ("object" in spec) == ("value" in spec):
        raise spec.fail("a claim has exactly one of 'object' and 'value'")
    if "object" in spec:
        obj = ctx.term(spec["object"], spec, "object")
        ctx.add(c, RDF.object, obj)
    else:
        qnode = ctx.ref(f"quantity/{base}")
        amount = _quantity(ctx, qnode, spec["value"], spec, lang)
        ctx.add(c, RDF.object, Literal(amount, datatype=XSD.decimal))
        ctx.add(c, ctx.k("objectValue"), qnode)

    # Who and how
    claimant = ctx.iri(_require(spec, "claimant"), spec, "claimant")
    ctx.add(c, ctx.k("claimant"), claimant)
    attribution = str(_require(spec, "attribution"))
    if attribution not in ATTRIBUTIONS:
        raise spec.fail(f"attribution must be one of {', '.join(ATTRIBUTIONS)}", "attribution")
    ctx.add(c, ctx.k("attribution"), ctx.k(ATTRIBUTIONS[attribution]))
    stance = str(spec.get("stance", "asserts"))
    modality = str(spec.get("modality", "factual"))
    if stance not in STANCES:
        raise spec.fail(f"stance must be one of {', '.join(STANCES)}", "stance")
    if modality not in MODALITIES:
        raise spec.fail(f"modality must be one of {', '.join(MODALITIES)}", "modality")
    ctx.add(c, ctx.k("stance"), ctx.k(STANCES[stance]))
    ctx.add(c, ctx.k("modality"), ctx.k(MODALITIES[modality]))
    ctx.add(c, ctx.k("rank"), ctx.k(str(spec.get("rank", "Normal")) + "Rank"))
    inferred = list(_list(spec.get("inferred")))
    if attribution == "context":
        reason = spec.get("attribution-reason")
        if not reason:
            raise spec.fail("attribution: context needs an 'attribution-reason'", "attribution")
        inferred.insert(0, _as_node({"property": "kg:claimant", "reason": reason,
                                     "value": spec["claimant"]}, spec))

    # Qualifiers
    for key, local in (("location", "location"), ("side", "side"), ("during", "duringEvent"),
                       ("made-in", "madeIn"), ("addressee", "addressee")):
        for value in _list(spec.get(key)):
            ctx.add(c, ctx.k(local), ctx.iri(value, spec, key))
    if "time" in spec:
        tnode = ctx.ref(f"time/{base}")
        ctx.add(c, ctx.k("time"), tnode)
        reason = _time_value(ctx, tnode, spec["time"], spec, "time", lang)
        if reason:
            inferred.append(_as_node({"property": "kg:time", "reason": reason}, spec))
    for key, local in (("competes-with", "competesWith"), ("contradicts", "contradicts")):
        for other in _list(spec.get(key)):
            ctx.add(c, ctx.k(local), ctx.ref(f"claim/{source_id}/{other}"))
    _props(ctx, c, spec.get("props"), spec)
    if "credibility" in spec:
        _grading(ctx, c, ctx.ref(f"grading/{base}"), spec["credibility"], spec, "credibility")
    _inferences(ctx, c, base.replace("/", "-"), [_as_node(i, spec) for i in inferred], spec, curator)

    # References: one per passage
    refs = spec.get("references")
    if refs is None:
        refs = [_as_node({k: spec[k] for k in ("passage", "quote", "gloss", "named-as",
                                               "relayed-from", "quoted") if k in spec}, spec)]
    cited: set[str] = set()
    for n, rspec in enumerate(refs, start=1):
        cited.add(_reference(ctx, c, f"{base}-{n}", rspec, source_id, document, curator,
                             passages, lang))
    return cited


def _as_node(item: Any, where: Node) -> Node:
    """A mapping built by the compiler, reporting problems at `where`'s lines."""
    if isinstance(item, Node):
        return item
    node = Node(item)
    node.line, node.key_lines, node.source = where.line, where.key_lines, where.source
    return node


def _reference(ctx: Context, claim: URIRef, base: str, spec: Node, source_id: str,
               document: URIRef, curator: URIRef, passages: dict[str, Passage],
               lang: str) -> str:
    pid = str(_require(spec, "passage"))
    if pid not in passages:
        raise spec.fail(f"no passage {pid} in the source", "passage")
    passage = passages[pid]
    quote = str(_require(spec, "quote", "the exact words of the passage"))
    if quote not in passage.text:
        raise spec.fail(f"the quote is not in passage {pid}: {quote!r} (passage: {passage.text!r})",
                        "quote")
    r = ctx.ref(f"reference/{base}")
    ctx.add(claim, PROV.wasDerivedFrom, r)
    ctx.add(r, RDF.type, ctx.k("Reference"))
    ctx.add(r, ctx.k("statedIn"), document)
    ctx.add(r, ctx.k("passage"), ctx.ref(f"passage/{source_id}/{pid}"))
    ctx.add(r, ctx.k("quote"), Literal(quote, lang=lang))
    for name in _list(spec.get("named-as")):
        if str(name) not in passage.text:
            raise spec.fail(f"named-as {name!r} does not occur in passage {pid}", "named-as")
        ctx.add(r, ctx.k("claimantNamedAs"), Literal(str(name), lang=lang))
    gloss = spec.get("gloss")
    if gloss:
        g = ctx.ref(f"gloss/{base}")
        ctx.add(r, ctx.k("gloss"), g)
        ctx.add(g, RDF.type, ctx.k("CuratorTranslation"))
        ctx.add(g, RDF.value, Literal(str(gloss), lang="en"))
        ctx.add(g, PROV.wasAttributedTo, curator)
        ctx.add(g, PROV.wasDerivedFrom, ctx.ref(f"passage/{source_id}/{pid}"))
    for up in _list(spec.get("relayed-from")):
        upstream = ctx.iri(up, spec, "relayed-from")
        predicate = PROV.wasQuotedFrom if spec.get("quoted") else PROV.wasDerivedFrom
        ctx.add(r, predicate, upstream)
    return pid


__all__ = ["SourceCompilation", "compile_entities", "compile_source"]
