"""Names a source uses for entities, and the curator's decisions about which entity each is.

A new source's authoring file lists the names it uses under `mentions:` (a key, the name as
written, its language, optionally a kind and external identifiers), and its claims refer to
them as `mention/<key>`. Which entity a mention is gets decided once, by a curator, through
`kgraph match <source-id> --confirm`, which writes the decisions to
`data/authoring/matches/<source-id>.yaml` (who confirmed, when, how each name matched). The
compiler resolves `mention/<key>` only through a confirmed decision, so nothing is merged
silently: an unconfirmed or ambiguous name stops the compilation at its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kgraph.authoring.yamlfile import Node, load_yaml
from kgraph.errors import AuthoringError, Location

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ENTITY = re.compile(r"^[a-z][a-z0-9-]*/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
MENTION_KEYS = {"name", "lang", "kind", "wikidata", "geonames", "entity"}


@dataclass(frozen=True)
class Mention:
    """One name as a source writes it."""

    key: str
    name: str
    lang: str
    kind: str | None = None
    wikidata: str | None = None
    geonames: str | None = None
    entity: str | None = None  # resolved by hand in the authoring file itself
    line: int | None = None


@dataclass(frozen=True)
class Decision:
    """A curator's confirmed decision: which entity a mention is, and how it was matched."""

    key: str
    name: str
    lang: str
    entity: str
    matched_by: str
    new_alias: bool


@dataclass(frozen=True)
class Decisions:
    """The decisions of one source, with who confirmed them and when."""

    source: str
    confirmed_by: str
    confirmed: str
    mentions: dict[str, Decision]


def read_mentions(doc: Any, display: str) -> list[Mention]:
    """The `mentions:` mapping of a source's authoring file (empty when it has none)."""
    if not isinstance(doc, Node) or "mentions" not in doc or doc["mentions"] is None:
        return []
    section = doc["mentions"]
    if not isinstance(section, Node):
        raise doc.fail("mentions: expected a mapping of keys to {name, lang}", "mentions")
    out = []
    for key, spec in section.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise section.fail(f"mention key {key!r}: lower-case letters, digits and '-' only", str(key))
        if isinstance(spec, str):
            raise section.fail(f"mention {key}: write {{name: ..., lang: ...}}", key)
        if not isinstance(spec, Node):
            raise section.fail(f"mention {key}: expected a mapping", key)
        for k in spec:
            if k not in MENTION_KEYS:
                raise spec.fail(f"unknown key {k!r} in a mention (known: {', '.join(sorted(MENTION_KEYS))})", str(k))
        for required in ("name", "lang"):
            if not spec.get(required):
                raise spec.fail(f"mention {key}: missing '{required}'")
        entity = spec.get("entity")
        if entity is not None and not _ENTITY.match(str(entity)):
            raise spec.fail(f"entity: {entity!r} is not an identifier like 'person/x'", "entity")
        out.append(Mention(
            key=key, name=str(spec["name"]), lang=str(spec["lang"]),
            kind=str(spec["kind"]) if spec.get("kind") else None,
            wikidata=str(spec["wikidata"]) if spec.get("wikidata") else None,
            geonames=str(spec["geonames"]) if spec.get("geonames") else None,
            entity=str(entity) if entity else None,
            line=spec.line,
        ))
    return out


def decisions_path(source_yaml: Path, source_id: str) -> Path:
    """`data/authoring/matches/<id>.yaml` beside `data/authoring/sources/<id>.yaml`."""
    return source_yaml.resolve().parent.parent / "matches" / f"{source_id}.yaml"


def read_decisions(path: Path, display: str | None = None) -> Decisions | None:
    """A source's confirmed decisions, or None when nothing was confirmed yet."""
    if not path.exists():
        return None
    shown = display or str(path)
    doc = load_yaml(path, shown)
    if not isinstance(doc, Node) or not isinstance(doc.get("mentions"), Node):
        raise AuthoringError("expected 'source', 'confirmed-by', 'confirmed' and 'mentions'",
                             Location(1, None, shown))
    mentions = {}
    for key, spec in doc["mentions"].items():
        if not isinstance(spec, Node) or not spec.get("entity"):
            raise doc["mentions"].fail(f"{key}: a decision needs 'entity'", str(key))
        mentions[str(key)] = Decision(
            key=str(key), name=str(spec.get("name", "")), lang=str(spec.get("lang", "")),
            entity=str(spec["entity"]), matched_by=str(spec.get("matched-by", "curator")),
            new_alias=bool(spec.get("new-alias", False)))
    return Decisions(str(doc.get("source", "")), str(doc.get("confirmed-by", "")),
                     str(doc.get("confirmed", "")), mentions)


def write_decisions(path: Path, decisions: Decisions) -> None:
    """Write the decisions file: generated, sorted, one block per mention."""
    body: dict[str, Any] = {
        "source": decisions.source,
        "confirmed-by": decisions.confirmed_by,
        "confirmed": decisions.confirmed,
        "mentions": {
            d.key: {"name": d.name, "lang": d.lang, "entity": d.entity,
                    "matched-by": d.matched_by, "new-alias": d.new_alias}
            for d in sorted(decisions.mentions.values(), key=lambda d: d.key)
        },
    }
    header = (f"# The curator's decisions on the names of source {decisions.source}: written by\n"
              f"# `kgraph match {decisions.source} --confirm`. Which entity each mention is; a\n"
              "# name that is new to its entity (new-alias) becomes an alias with this provenance.\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100),
                    encoding="utf-8")


__all__ = ["Decision", "Decisions", "Mention", "decisions_path", "read_decisions",
           "read_mentions", "write_decisions"]
