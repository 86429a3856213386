"""Entity reuse: matched, ambiguous and new names; nothing is merged without the curator."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kgraph.authoring.compiler import compile_source
from kgraph.authoring.matching import (
    AMBIGUOUS, MATCHED, NEW, build_index, confirm, match_mention, match_source, normalise)
from kgraph.authoring.mentions import Mention
from kgraph.errors import AuthoringError, UserError
from kgraph.namespaces import Namespaces
from kgraph.settings import REPOSITORY_ROOT


@pytest.fixture(scope="module")
def index():
    return build_index(REPOSITORY_ROOT)


def test_normalise_ignores_case_accents_and_punctuation():
    assert normalise("Plékhovo") == normalise("PLEKHOVO")
    assert normalise("Urengoy–Pomary") == "urengoy pomary"


@pytest.mark.parametrize(("mention", "entity", "how"), [
    (Mention("a", "korut", "id"), "country/north-korea", "alias"),  # an alias in another language
    (Mention("b", "Kursk Oblast", "ru"), "region/kursk-oblast", "label"),
    (Mention("c", "Владимир Путин", "ru", wikidata="Q7747"), "person/vladimir-putin", "wikidata Q7747"),
    (Mention("d", "Kursk", "en", geonames="538555"), "region/kursk-oblast", "geonames 538555"),
])
def test_matched_by_label_alias_or_external_id(index, mention, entity, how):
    m = match_mention(mention, index)
    assert (m.status, m.entity, m.how) == (MATCHED, entity, how)


def test_a_name_new_to_its_entity_is_a_new_alias(index):
    assert match_mention(Mention("c", "Владимир Путин", "ru", wikidata="Q7747"), index).new_alias
    assert not match_mention(Mention("b", "Kursk region", "en"), index).new_alias


def test_a_shared_name_is_ambiguous_and_an_unknown_one_new(index):
    m = match_mention(Mention("x", "Russian Ministry of Defence statement on Ukrainian losses in Kursk Oblast", "en"), index)
    assert m.status == AMBIGUOUS
    assert m.candidates == ["document/mod-losses-statement", "event/mod-losses-statement"]
    narrowed = match_mention(Mention("x", m.mention.name, "en", kind="event"), index)
    assert narrowed.status == MATCHED
    assert match_mention(Mention("y", "Nobody Known", "en"), index).status == NEW


def _source_with_mentions(tmp: Path) -> Path:
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(REPOSITORY_ROOT / folder, tmp / folder)
    (tmp / "data" / "sources" / "t.txt").write_text("Putin spoke.\n\nThe ministry spoke too.\n", encoding="utf-8")
    path = tmp / "data" / "authoring" / "sources" / "t.yaml"
    path.write_text("""source:
  id: t
  class: NewsArticle
  text: ../../sources/t.txt
  language: en
  label: {en: Test}
mentions:
  putin: {name: Putin, lang: en, kind: person}
  ministry: {name: Russian Ministry of Defence statement on Ukrainian losses in Kursk Oblast, lang: en}
claims:
  - id: spoke
    kind: Statement
    label: Putin spoke
    passage: p1-s1
    quote: Putin spoke.
    claimant: mention/putin
    attribution: named
    subject: mention/putin
    predicate: kg:reportedOn
    object: event/ru-kursk-operation
""", encoding="utf-8")
    return path


def test_ambiguous_names_refuse_the_confirmation(tmp_path):
    _source_with_mentions(tmp_path)
    results = match_source(tmp_path, "t")
    with pytest.raises(UserError, match="ministry .* is ambiguous"):
        confirm(tmp_path, "t", results, {}, by="agent/kgraph-curators")
    assert not (tmp_path / "data" / "authoring" / "matches" / "t.yaml").exists()


def test_an_unconfirmed_mention_stops_the_compiler_at_its_line(tmp_path):
    path = _source_with_mentions(tmp_path)
    with pytest.raises(AuthoringError, match="mention/putin .* no confirmed entity") as info:
        compile_source(path, Namespaces())
    lines = path.read_text(encoding="utf-8").splitlines()
    assert info.value.location.line == lines.index("    subject: mention/putin") + 1


def test_confirmed_choices_resolve_and_teach_an_alias(tmp_path):
    path = _source_with_mentions(tmp_path)
    results = match_source(tmp_path, "t")
    decisions = confirm(tmp_path, "t", results, {"putin": "person/vladimir-putin",
                                                 "ministry": "document/mod-losses-statement"},
                        by="agent/kgraph-curators")
    assert decisions.mentions["putin"].new_alias
    graph = compile_source(path, Namespaces()).graph
    ttl = graph.serialize(format="nt")
    assert '<https://w3id.org/kgraph/id/person/vladimir-putin> <http://www.w3.org/2004/02/skos/core#altLabel> "Putin"@en' in ttl
    assert "https://w3id.org/kgraph/id/alias/t/putin" in ttl
