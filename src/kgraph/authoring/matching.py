"""Entity reuse: the names a new source uses, matched against the entities already known.

Each mention of a source (`mentions:` in its authoring file) is compared with every entity of
`data/authoring/entities.yaml` and with the aliases other sources' confirmed decisions taught
(`data/authoring/matches/*.yaml`):

* by external identifier first (a Wikidata Q-id or a GeoNames id the mention gives);
* then by name: every label and alias, in any language, compared case- and accent-insensitively
  (`normalise`), narrowed to the mention's kind when it gives one.

The outcome is *matched* (one entity), *ambiguous* (several: the curator must choose) or *new*
(none: the curator adds the entity to entities.yaml). Nothing is decided here: `confirm` writes
the curator's decisions, refusing while a name is still ambiguous, and a name that was new to
the entity it is confirmed for becomes an alias of it with that provenance (see
`kgraph.authoring.mentions`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from kgraph.authoring.mentions import (
    Decision,
    Decisions,
    Mention,
    decisions_path,
    read_decisions,
    read_mentions,
    write_decisions,
)
from kgraph.authoring.yamlfile import Node, load_yaml
from kgraph.errors import AuthoringError, Location, UserError

MATCHED, AMBIGUOUS, NEW = "matched", "ambiguous", "new"


def normalise(name: str) -> str:
    """Case-, accent- and punctuation-insensitive form: 'Zelenskyy’s' ~ 'zelenskyys',
    'Plékhovo' ~ 'plekhovo', 'Urengoy–Pomary' ~ 'urengoy pomary'."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"[’'`´]", "", plain)
    plain = re.sub(r"[^\w\s]|_", " ", plain)
    return " ".join(plain.split())


@dataclass
class KnownEntity:
    """An entity with every name it is known by: (text, language, where it comes from)."""

    ident: str
    names: list[tuple[str, str, str]] = field(default_factory=list)
    wikidata: str | None = None
    geonames: str | None = None

    @property
    def kind(self) -> str:
        return self.ident.split("/", 1)[0]

    def label(self, lang: str = "en") -> str:
        for text, tag, how in self.names:
            if how == "label" and tag == lang:
                return text
        return self.names[0][0] if self.names else self.ident

    def has_name(self, name: str, lang: str) -> bool:
        wanted = normalise(name)
        return any(normalise(text) == wanted and tag == lang for text, tag, _ in self.names)


@dataclass
class EntityIndex:
    """Every known entity, by normalised name and by external identifier."""

    entities: dict[str, KnownEntity]
    by_name: dict[str, set[str]]
    by_wikidata: dict[str, set[str]]
    by_geonames: dict[str, set[str]]


def build_index(root: Path, *, exclude_source: str | None = None) -> EntityIndex:
    """Index data/authoring/entities.yaml and the aliases confirmed for other sources."""
    path = root / "data" / "authoring" / "entities.yaml"
    doc = load_yaml(path, _display(path, root))
    if not isinstance(doc, Node) or not isinstance(doc.get("entities"), Node):
        raise AuthoringError("expected a top-level 'entities' mapping", Location(1, None, str(path)))
    entities: dict[str, KnownEntity] = {}
    for ident, spec in doc["entities"].items():
        if not isinstance(spec, Node):
            continue
        known = KnownEntity(str(ident))
        for key, how in (("label", "label"), ("alt", "alias")):
            value = spec.get(key)
            if isinstance(value, dict):
                for lang, texts in value.items():
                    for text in texts if isinstance(texts, list) else [texts]:
                        known.names.append((str(text), str(lang), how))
        if spec.get("wikidata"):
            known.wikidata = str(spec["wikidata"])
        if spec.get("geonames"):
            known.geonames = str(spec["geonames"])
        entities[known.ident] = known
    for other in sorted((root / "data" / "authoring" / "matches").glob("*.yaml")):
        if other.stem == exclude_source:
            continue
        decisions = read_decisions(other, _display(other, root))
        for d in decisions.mentions.values() if decisions else []:
            if d.entity in entities and not entities[d.entity].has_name(d.name, d.lang):
                entities[d.entity].names.append((d.name, d.lang, f"alias learnt from {other.stem}"))
    by_name: dict[str, set[str]] = defaultdict(set)
    by_wikidata: dict[str, set[str]] = defaultdict(set)
    by_geonames: dict[str, set[str]] = defaultdict(set)
    for e in entities.values():
        for text, _, _ in e.names:
            by_name[normalise(text)].add(e.ident)
        if e.wikidata:
            by_wikidata[e.wikidata].add(e.ident)
        if e.geonames:
            by_geonames[e.geonames].add(e.ident)
    return EntityIndex(entities, by_name, by_wikidata, by_geonames)


@dataclass
class Match:
    """What one mention matched, and how."""

    mention: Mention
    status: str
    entity: str | None = None
    how: str | None = None
    candidates: list[str] = field(default_factory=list)
    new_alias: bool = False
    confirmed: str | None = None  # the entity a previous confirmation recorded

    def as_json(self) -> dict[str, object]:
        return {"key": self.mention.key, "name": self.mention.name, "lang": self.mention.lang,
                "line": self.mention.line, "status": self.status, "entity": self.entity,
                "how": self.how, "candidates": self.candidates, "new_alias": self.new_alias,
                "confirmed": self.confirmed}


def match_mention(mention: Mention, index: EntityIndex) -> Match:
    """Match one mention: an explicit entity, then external identifiers, then names."""
    if mention.entity:
        if mention.entity not in index.entities:
            return Match(mention, NEW, how=f"names {mention.entity}, which entities.yaml lacks")
        return Match(mention, MATCHED, mention.entity, "entity given in the authoring file",
                     new_alias=not index.entities[mention.entity].has_name(mention.name, mention.lang))
    for scheme, value, table in (("wikidata", mention.wikidata, index.by_wikidata),
                                 ("geonames", mention.geonames, index.by_geonames)):
        if value and table.get(value):
            found = sorted(table[value])
            if len(found) == 1:
                entity = found[0]
                return Match(mention, MATCHED, entity, f"{scheme} {value}",
                             new_alias=not index.entities[entity].has_name(mention.name, mention.lang))
            return Match(mention, AMBIGUOUS, how=f"{scheme} {value}", candidates=found)
    found = sorted(index.by_name.get(normalise(mention.name), set()))
    if mention.kind:
        found = [f for f in found if index.entities[f].kind == mention.kind]
    if len(found) == 1:
        entity = index.entities[found[0]]
        how = next((h for text, _, h in entity.names
                    if normalise(text) == normalise(mention.name)), "label")
        return Match(mention, MATCHED, entity.ident, how,
                     new_alias=not entity.has_name(mention.name, mention.lang))
    if found:
        return Match(mention, AMBIGUOUS, how="name", candidates=found)
    return Match(mention, NEW)


def source_yaml(root: Path, source_id: str) -> Path:
    path = root / "data" / "authoring" / "sources" / f"{source_id}.yaml"
    if not path.exists():
        raise UserError(f"no authoring file {_display(path, root)}: add the source first "
                        "(kgraph add-source)")
    return path


def match_source(root: Path, source_id: str) -> list[Match]:
    """Match every mention of a source; previously confirmed decisions are shown alongside."""
    path = source_yaml(root, source_id)
    doc = load_yaml(path, _display(path, root))
    mentions = read_mentions(doc, _display(path, root))
    index = build_index(root, exclude_source=source_id)
    previous = read_decisions(decisions_path(path, source_id))
    out = []
    for m in mentions:
        result = match_mention(m, index)
        if previous and m.key in previous.mentions:
            result.confirmed = previous.mentions[m.key].entity
        out.append(result)
    return out


def confirm(root: Path, source_id: str, matches: list[Match], choices: dict[str, str], *,
            by: str, now: datetime | None = None) -> Decisions:
    """Record the curator's decisions: every matched name, and each name the curator chose
    an entity for (`choices`: key -> entity). Ambiguous names without a choice, and choices
    of unknown entities, refuse the whole confirmation (nothing is written). New names stay
    undecided until their entity exists."""
    path = source_yaml(root, source_id)
    index = build_index(root, exclude_source=source_id)
    keys = {m.mention.key for m in matches}
    unknown_keys = sorted(set(choices) - keys)
    if unknown_keys:
        raise UserError(f"--choose names no mention of {source_id}: {', '.join(unknown_keys)}")
    decided: dict[str, Decision] = {}
    problems = []
    for m in matches:
        key = m.mention.key
        if key in choices:
            entity = choices[key]
            if entity not in index.entities:
                problems.append(f"{key}: {entity} is not an entity of entities.yaml")
                continue
            decided[key] = Decision(key, m.mention.name, m.mention.lang, entity, "curator",
                                    not index.entities[entity].has_name(m.mention.name, m.mention.lang))
        elif m.status == MATCHED and m.entity:
            decided[key] = Decision(key, m.mention.name, m.mention.lang, m.entity, m.how or "name",
                                    m.new_alias)
        elif m.status == AMBIGUOUS:
            problems.append(f"{key} ({m.mention.name!r}) is ambiguous between "
                            f"{', '.join(m.candidates)}: choose with --choose {key}=<entity>")
    if problems:
        raise UserError("nothing confirmed:\n  " + "\n  ".join(problems))
    moment = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    decisions = Decisions(source_id, by, moment.isoformat().replace("+00:00", "Z"), decided)
    write_decisions(decisions_path(path, source_id), decisions)
    return decisions


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


__all__ = ["AMBIGUOUS", "MATCHED", "NEW", "EntityIndex", "KnownEntity", "Match", "build_index",
           "confirm", "match_mention", "match_source", "normalise"]
