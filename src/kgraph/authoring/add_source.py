"""Adding a source: its text stored as given, and a starter authoring file for the curator.

`kgraph add-source TEXTFILE --id ID [--title --language --publisher --date --url --rights]`
writes `data/sources/<id>.txt` (the text exactly as given) and
`data/authoring/sources/<id>.yaml`, holding the document's metadata — only what was given:
what was not is recorded as unknown, never guessed — and, as comments, every passage the
compiler will mint, with its stable identifier (`p3-s2`) and character offsets. The starter
has no claims (`claims: []`): `kgraph compile` reports it as a draft and writes nothing until
the curator adds some. Everything is checked before anything is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from kgraph.authoring.passages import Passage, segment
from kgraph.errors import UserError

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LANG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
_CLASS = re.compile(r"^([A-Za-z][A-Za-z0-9]*:)?[A-Z][A-Za-z0-9]*$")

#: What the metadata is when it was not given: recorded as a kg:UnknownValue, never guessed.
UNKNOWN_REASONS = {
    "schema:publisher": "No publisher was given when the source was added.",
    "schema:datePublished": "No date of publication was given when the source was added.",
    "schema:url": "No address was given when the source was added.",
    "dcterms:rights": "No rights statement was given when the source was added.",
}


@dataclass(frozen=True)
class SourceMetadata:
    """A source's metadata as the curator gives it; every field optional."""

    title: str | None = None
    language: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None
    rights: str | None = None
    document_class: str = "NewsArticle"
    headline: bool = True


@dataclass(frozen=True)
class AddedSource:
    text_path: Path
    yaml_path: Path
    passages: list[Passage]


def check_metadata(source_id: str, meta: SourceMetadata) -> None:
    """UserError (exit 2) for anything malformed, before anything is written."""
    if not _ID.match(source_id):
        raise UserError(f"--id {source_id!r}: lower-case letters, digits and '-' only")
    if meta.language is not None and not _LANG.match(meta.language):
        raise UserError(f"--language {meta.language!r} is not a language tag (e.g. en, id, ru)")
    if meta.published is not None:
        try:
            date.fromisoformat(meta.published)
        except ValueError:
            raise UserError(f"--date {meta.published!r}: expected YYYY-MM-DD") from None
    if meta.url is not None and not meta.url.startswith(("http://", "https://")):
        raise UserError(f"--url {meta.url!r}: expected an http(s) address")
    if not _CLASS.match(meta.document_class):
        raise UserError(f"--class {meta.document_class!r}: a kg: class name such as NewsArticle")
    for name, value in (("--title", meta.title), ("--publisher", meta.publisher),
                        ("--rights", meta.rights)):
        if value is not None and not value.strip():
            raise UserError(f"{name} is empty: leave it out instead (it is then recorded as unknown)")


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read the file: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if not segment(text):
        raise UserError(f"{path}: the text has no sentence to cite")
    return text


def add_source(root: Path, text_file: Path, source_id: str, meta: SourceMetadata, *,
               force: bool = False) -> AddedSource:
    """Store the text and write the starter authoring file; refuses to overwrite an existing
    source (its text, authoring file or compiled graph) unless `force`."""
    check_metadata(source_id, meta)
    text = read_text(text_file)
    text_path = root / "data" / "sources" / f"{source_id}.txt"
    yaml_path = root / "data" / "authoring" / "sources" / f"{source_id}.yaml"
    ttl_path = root / "data" / "ttl" / "sources" / f"{source_id}.ttl"
    existing = [p for p in (text_path, yaml_path, ttl_path) if p.exists()]
    if existing and not force:
        raise UserError(f"source {source_id} exists already ({', '.join(str(p.relative_to(root)) for p in existing)}); "
                        "give another --id, or --force to replace it")
    passages = segment(text)
    starter = starter_yaml(source_id, meta, passages)
    text_path.parent.mkdir(parents=True, exist_ok=True)
    yaml_path.parent.mkdir(parents=True, exist_ok=True)
    text_path.write_bytes(text.encode("utf-8"))
    yaml_path.write_text(starter, encoding="utf-8")
    return AddedSource(text_path, yaml_path, passages)


def _dump(value: object) -> str:
    """One YAML scalar or flow mapping, safely quoted."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted one
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000,
                          sort_keys=False).strip()


def starter_yaml(source_id: str, meta: SourceMetadata, passages: list[Passage]) -> str:
    """The authoring file a curator starts from: metadata as given, passages as comments."""
    lang = meta.language or "und"
    label = ({lang: meta.title} if meta.title
             else {"en": f"Source {source_id} (no title was given)"})
    lines = [
        f"# Source {source_id}, added with `kgraph add-source`. Name the entities it mentions under",
        "# `mentions:` and confirm them with `kgraph match " + source_id + "`; write one block per claim",
        "# under `claims:` citing the passages listed below; then `kgraph compile` (docs/authoring.md).",
        "source:",
        f"  id: {source_id}",
        f"  class: {meta.document_class}",
        f"  text: ../../sources/{source_id}.txt",
        f"  language: {lang}" + ("" if meta.language else "   # no language was given: undetermined"),
        f"  label: {_dump(label)}",
    ]
    if not meta.headline:
        lines.append("  first-paragraph-is-headline: false")
    if meta.title:
        lines.append(f"  title: {_dump({lang: meta.title})}")
    if meta.publisher:
        lines.append("  publisher: mention/publisher")
    if meta.published:
        lines.append(f"  published: {meta.published}")
    if meta.url:
        lines.append(f"  url: {_dump(meta.url)}")
    if meta.rights:
        lines.append(f"  rights: {_dump({'en': meta.rights})}")
    unknown = {
        "schema:publisher": meta.publisher, "schema:datePublished": meta.published,
        "schema:url": meta.url, "dcterms:rights": meta.rights,
    }
    missing = [k for k, v in unknown.items() if v is None]
    if missing:
        lines.append("  unknown:                 # what was not given: recorded as unknown, never guessed")
        lines += [f"    {k}: {_dump(UNKNOWN_REASONS[k])}" for k in missing]
    lines.append("")
    if meta.publisher:
        lines.append("mentions:                  # name: as the text writes it; lang: its language")
        lines.append(f"  publisher: {_dump({'name': meta.publisher, 'lang': lang})}")
    else:
        lines.append("mentions: {}               # name: as the text writes it; lang: its language")
    lines.append("")
    lines.append("passages:                  # p<paragraph>-s<sentence> [start-end offsets] text")
    for p in passages:
        shown = p.text if len(p.text) <= 80 else p.text[:77] + "..."
        lines.append(f"  # {p.id} [{p.start}-{p.end}] {shown}")
    lines.append("")
    lines.append("claims: []")
    return "\n".join(lines) + "\n"


__all__ = ["AddedSource", "SourceMetadata", "add_source", "check_metadata", "starter_yaml"]
