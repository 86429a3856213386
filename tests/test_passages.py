"""Passages: the segmentation of the seed article, and that every sentence is accounted for."""

from kgraph.authoring.passages import segment
from kgraph.settings import REPOSITORY_ROOT

ARTICLE = REPOSITORY_ROOT / "data" / "sources" / "kursk-dprk-2025-id.txt"


def test_offsets_reproduce_the_text():
    text = ARTICLE.read_text(encoding="utf-8")
    passages = segment(text)
    assert len(passages) == 43
    for p in passages:
        assert text[p.start : p.end] == p.text
        assert p.text == p.text.strip()


def test_abbreviation_does_not_split_a_sentence():
    passages = segment("Pada helm mereka pita St. George, tanda pasukan. Kalimat kedua.")
    assert [p.text for p in passages] == [
        "Pada helm mereka pita St. George, tanda pasukan.",
        "Kalimat kedua.",
    ]


def test_quoted_sentences_split_after_the_full_stop():
    passages = segment("“Kalimat satu. Kalimat dua,” kata dia.")
    assert [p.id for p in passages] == ["p1-s1", "p1-s2"]


def test_blank_and_whitespace_paragraphs_are_skipped():
    passages = segment("Judul\n\n\u00a0\n\nKalimat.")
    assert [(p.paragraph, p.text) for p in passages] == [(1, "Judul"), (2, "Kalimat.")]


def test_every_sentence_is_cited_or_excluded(seed_store):
    """Every passage of the article is cited by a claim's reference, or is on the exclusion list
    (kg:exclusionReason) with its reason; and every sentence of the text is a passage."""
    text = ARTICLE.read_text(encoding="utf-8")
    expected = {(p.paragraph, p.sentence, p.text) for p in segment(text)}
    rows = list(seed_store.query("""
        SELECT ?n ?m ?text (COUNT(?ref) AS ?refs) (SAMPLE(?why) AS ?reason) WHERE {
          ?p a kg:Passage ; kg:passageOf <https://w3id.org/kgraph/id/document/kursk-dprk-2025-id> ;
             kg:paragraph ?n ; kg:sentence ?m ; kg:text ?text .
          OPTIONAL { ?ref kg:passage ?p }
          OPTIONAL { ?p kg:exclusionReason ?why }
        } GROUP BY ?n ?m ?text"""))
    assert len(rows) == len(expected) == 43
    stored = {(int(r["n"].value), int(r["m"].value), r["text"].value) for r in rows}
    assert stored == expected
    uncovered = [
        (r["n"].value, r["m"].value, r["text"].value)
        for r in rows
        if int(r["refs"].value) == 0 and r["reason"] is None
    ]
    assert uncovered == []
    excluded = [r for r in rows if r["reason"] is not None]
    assert 1 <= len(excluded) <= 6  # two repeated headlines and three section titles
    for r in excluded:
        assert int(r["refs"].value) == 0, "an excluded passage must not also be cited"
