"""Write the SHACL test cases of tests/test_shapes.py from tests/shapes/valid/base.ttl.

The cases are data files, kept in the repository and read by the test as they are; this script
only spares writing them by hand. Each invalid case is base.ttl with one change, a header
comment saying what the change is, and the urn:kgraph-test: triples stating the expected
sh:message and focus node. Run it after changing base.ttl or a case below:

    .venv/bin/python tests/shapes/make_cases.py

It rewrites every file in tests/shapes/invalid/ and every file in tests/shapes/valid/ but
base.ttl, so hand edits to those files are lost: make them here instead.
"""

from __future__ import annotations

from pathlib import Path

import rdflib
from rdflib.namespace import SH

OUT = Path(__file__).resolve().parent
ROOT = OUT.parent.parent
BASE = (OUT / "valid/base.ttl").read_text()
SHAPES = rdflib.Graph().parse(ROOT / "shapes/kgraph-shapes.ttl")
MESSAGES = list(dict.fromkeys(str(m) for m in SHAPES.objects(None, SH.message)))

ID = "https://w3id.org/kgraph/id/"
ONT = "https://w3id.org/kgraph/ontology"
claimA = ID + "claim/mini/alfa-taken"
claimB = ID + "claim/mini/south-killed"
qty = ID + "quantity/mini/south-killed"
tv = ID + "time/mini/alfa-taken"
ref1 = ID + "reference/mini/alfa-taken-1"
ref2 = ID + "reference/mini/alfa-taken-2"
refB = ID + "reference/mini/south-killed-1"
gloss = ID + "gloss/mini/alfa-taken-1"
doc = ID + "document/mini"
p1 = ID + "passage/mini/p1-s1"
p2 = ID + "passage/mini/p2-s1"
unk = ID + "unknown/mini-author"
ext = ID + "extraction/mini"
outlet = ID + "org/mini-outlet"
curators = ID + "agent/mini-curators"
budi = ID + "person/budi-santoso"
northland = ID + "country/northland"
region = ID + "region/east-province"
district = ID + "district/alfa-district"
alfa = ID + "settlement/alfa"
inf = ID + "inference/settlement-alfa-1"
battle = ID + "event/alfa-battle"
announce = ID + "event/budi-announcement"


def msg(key: str) -> str:
    found = [m for m in MESSAGES if key in m]
    assert len(found) == 1, (key, found)
    return found[0]


# ------------------------------------------------------------------ text edits on base.ttl

def block_span(text: str, subject: str) -> tuple[int, int]:
    start = text.index(f"\n<{subject}>\n") + 1
    end = text.index("\n.\n", start) + 1
    return start, end


def replace(old: str, new: str, count: int = 1):
    def edit(text: str) -> str:
        n = text.count(old)
        assert n == count, (old, n)
        return text.replace(old, new)
    return edit


def in_block(subject: str, old: str, new: str):
    def edit(text: str) -> str:
        s, e = block_span(text, subject)
        block = text[s:e]
        assert block.count(old) == 1, (subject, old, block)
        return text[:s] + block.replace(old, new) + text[e:]
    return edit


def drop(subject: str, line_key: str):
    def edit(text: str) -> str:
        s, e = block_span(text, subject)
        lines = text[s:e].split("\n")
        hits = [line for line in lines if line_key in line]
        assert len(hits) == 1, (subject, line_key, hits)
        lines.remove(hits[0])
        return text[:s] + "\n".join(lines) + text[e:]
    return edit


def add(subject: str, line: str):
    def edit(text: str) -> str:
        s, e = block_span(text, subject)
        return text[:e] + "    " + line + "\n" + text[e:]
    return edit


def append(turtle: str):
    def edit(text: str) -> str:
        return text.rstrip("\n") + "\n\n" + turtle.strip("\n") + "\n"
    return edit


def rename(old_iri: str, new_iri: str):
    def edit(text: str) -> str:
        assert f"<{old_iri}>" in text
        return text.replace(f"<{old_iri}>", f"<{new_iri}>")
    return edit


def ttl_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


GEOMETRY = """
<https://w3id.org/kgraph/id/geometry/alfa>
{type}    geo:asWKT "POINT(35.20 51.10)"^^geo:wktLiteral ;
    kg:coordinateSource <https://sws.geonames.org/1234567/> ;
.
"""


def geometry(typed=True, wkt=True, source=True) -> str:
    text = GEOMETRY.format(type="    a geo:Geometry ;\n" if typed else "")
    if not wkt:
        text = "\n".join(x for x in text.split("\n") if "asWKT" not in x)
    if not source:
        text = "\n".join(x for x in text.split("\n") if "coordinateSource" not in x)
    return text


GEO_PREFIX = replace("PREFIX dcterms:", "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\nPREFIX dcterms:")
OWL_PREFIX = replace("PREFIX dcterms:", "PREFIX owl: <http://www.w3.org/2002/07/owl#>\nPREFIX dcterms:")
HAS_GEOMETRY = add(alfa, "geo:hasGeometry <https://w3id.org/kgraph/id/geometry/alfa> ;")

OTHER_DOC = """
<https://w3id.org/kgraph/id/document/other-article>
    a kg:NewsArticle ;
    rdfs:label "Another article, which has no passages"@en ;
    dcterms:language "en"^^xsd:language ;
.
"""

AREA = """
<https://w3id.org/kgraph/id/area/alfa-outskirts>
    a kg:AreaDescription ;
    skos:prefLabel "outskirts of Alfa"@en ;
.
"""

grading_doc = ID + "grading/mini"
grading_claim = ID + "grading/mini/alfa-taken"
alias = ID + "alias/mini/budi"
withdrawal = ID + "withdrawal/old-source/20260101T000000Z"


def graded(reliability="kg:ReliabilityB", credibility="kg:Credibility2", doc_grader=True) -> str:
    """A reliability grading of the document and a credibility grading of claim A."""
    rel = f"    kg:reliability {reliability} ;\n" if reliability else ""
    cred = f"    kg:credibility {credibility} ;\n" if credibility else ""
    by = f"    prov:wasAttributedTo <{curators}> ;\n" if doc_grader else ""
    return f"""
<{doc}> kg:reliabilityGrading <{grading_doc}> .
<{grading_doc}>
    a kg:ReliabilityGrading ;
{rel}{by}    kg:reason "A test outlet with a record of accurate reports."@en ;
.
<{claimA}> kg:credibilityGrading <{grading_claim}> .
<{grading_claim}>
    a kg:CredibilityGrading ;
{cred}    prov:wasAttributedTo <{curators}> ;
.
"""


def learnt_alias(document=True) -> str:
    """'Pak Budi' learnt as an alias of Budi Santoso from the mini document."""
    derived = f"    prov:wasDerivedFrom <{doc}> ;\n" if document else ""
    return f"""
<{budi}> skos:altLabel "Pak Budi"@id .
<{alias}>
    a kg:LearntAlias ;
    rdfs:label "alias 'Pak Budi' of person/budi-santoso, learnt from mini"@en ;
    kg:aliasOf <{budi}> ;
    rdf:value "Pak Budi"@id ;
{derived}    prov:wasAttributedTo <{curators}> ;
.
"""


def withdrawn(reason=True) -> str:
    """The tombstone of a withdrawn source."""
    why = '    kg:reason "The source was found to be a fabrication."@en ;\n' if reason else ""
    return f"""
<{withdrawal}>
    a kg:Withdrawal ;
    rdfs:label "Withdrawal of source old-source"@en ;
    kg:withdrawnGraph <https://w3id.org/kgraph/graph/source/old-source> ;
    prov:wasAssociatedWith <{curators}> ;
    prov:endedAtTime "2026-01-01T00:00:00Z"^^xsd:dateTime ;
{why}    prov:invalidated <{ID}claim/old-source/some-claim> ;
.
"""


# (file stem, message key, focus, description, edits, extra expectation triples)
CASES = [
    # ---- claims
    ("ClaimShape--iri-pattern", "minting pattern", ID + "claim/mini/Alfa_Taken",
     "The claim's IRI has upper case and '_' in its claim id.",
     [rename(claimA, ID + "claim/mini/Alfa_Taken")]),
    ("ClaimShape--iri-without-source-id", "minting pattern", ID + "claim/alfa-taken",
     "The claim's IRI lacks the source id segment.",
     [rename(claimA, ID + "claim/alfa-taken")]),
    ("ClaimSubject--missing", "exactly one subject", claimA,
     "The claim has no rdf:subject.", [drop(claimA, "rdf:subject")]),
    ("ClaimSubject--literal", "exactly one subject", claimA,
     "The claim's subject is a literal, not an IRI.",
     [in_block(claimA, "rdf:subject <https://w3id.org/kgraph/id/country/northland>", 'rdf:subject "Northland"@en')]),
    ("ClaimPredicate--missing", "exactly one predicate", claimA,
     "The claim has no rdf:predicate.", [drop(claimA, "rdf:predicate")]),
    ("ClaimObject--missing", "exactly one simple object", claimA,
     "The claim has no rdf:object.", [drop(claimA, "rdf:object")]),
    ("ClaimObject--two-objects", "exactly one simple object", claimA,
     "The claim has two rdf:object values.",
     [add(claimA, "rdf:object <https://w3id.org/kgraph/id/district/alfa-district> ;")]),
    ("ClaimClaimant--curator-not-actor", "exactly one claimant", claimA,
     "The claimant is the curator team, a prov:Agent but not a kg:Actor.",
     [in_block(claimA, f"kg:claimant <{budi}>", f"kg:claimant <{curators}>")]),
    ("ClaimClaimant--missing", "exactly one claimant", claimA,
     "The claim has no claimant.", [drop(claimA, "kg:claimant")]),
    ("ClaimAttribution--not-a-status", "how the source attributes it", claimA,
     "The attribution is a modality (kg:Factual), not an attribution status.",
     [in_block(claimA, "kg:attribution kg:NamedInSource", "kg:attribution kg:Factual")]),
    ("ClaimStance--missing", "exactly one stance", claimA,
     "The claim has no stance.", [drop(claimA, "kg:stance")]),
    ("ClaimModality--stance-as-modality", "at most one modality", claimA,
     "The modality is a stance (kg:Asserts), not a kg:Modality.",
     [in_block(claimA, "kg:modality kg:Factual", "kg:modality kg:Asserts")]),
    ("ClaimReference--passage-not-reference", "at least one reference", claimB,
     "The claim is derived from a passage directly instead of from a kg:Reference.",
     [in_block(claimB, f"prov:wasDerivedFrom <{refB}>", f"prov:wasDerivedFrom <{p2}>")]),
    ("ClaimExtraction--missing", "which extraction activity", claimA,
     "The claim does not say which extraction wrote it.", [drop(claimA, "prov:wasGeneratedBy")]),
    ("ClaimLabel--not-english", "English summary label", claimA,
     "The claim's only label is in Indonesian.",
     [in_block(claimA, 'on 6 August 2024"@en', 'on 6 August 2024"@id')]),
    ("ClaimObjectValue--time-value", "rich value (kg:objectValue)", claimA,
     "The claim's rich value is a kg:TimeValue, not a kg:QuantityValue.",
     [add(claimA, f"kg:objectValue <{tv}> ;")]),
    ("ClaimTime--quantity-value", "A claim's time (kg:time)", claimA,
     "The claim's time points at a kg:QuantityValue.",
     [in_block(claimA, f"kg:time <{tv}>", f"kg:time <{qty}>")]),
    ("ClaimRank--not-a-rank", "at most one rank", claimA,
     "The rank is a modality (kg:Estimate).",
     [in_block(claimA, "kg:rank kg:NormalRank", "kg:rank kg:Estimate")]),
    ("ClaimRank--two-ranks", "at most one rank", claimA,
     "The claim has two ranks.",
     [in_block(claimA, "kg:rank kg:NormalRank", "kg:rank kg:NormalRank , kg:PreferredRank")]),
    ("ContextAttributionNeedsReason--no-inference", "attributed from context", claimB,
     "The claim is attributed from context but records no inference of its claimant.",
     [in_block(claimB, "kg:attribution kg:NamedInSource", "kg:attribution kg:InferredFromContext")]),
    ("UnattributedClaimantIsPublisher--named-person", "outlet's own voice", claimA,
     "The claim is marked unattributed, but its claimant is a person, not the document's publisher.",
     [in_block(claimA, "kg:attribution kg:NamedInSource", "kg:attribution kg:UnattributedInSource")]),
    ("ObjectMatchesAmount--different-object", "that value's amount as its simple object", claimB,
     "The simple object (30.0) differs from the rich value's amount (300.0).",
     [in_block(claimB, "rdf:object 300.0", "rdf:object 30.0")]),
    ("ObjectMatchesAmount--object-as-string", "that value's amount as its simple object", claimB,
     "The simple object is the string \"300\", not a number.",
     [in_block(claimB, "rdf:object 300.0", 'rdf:object "300"')]),
    ("UnnamedClaimShape--person-claimant", "unnamed source must have", claimA,
     "The claim is attributed to an unnamed source, but its claimant is a named person.",
     [in_block(claimA, "kg:attribution kg:NamedInSource", "kg:attribution kg:UnnamedSource")]),
    ("CasualtyClaimShape--no-side", "whose losses it counts", claimB,
     "The quantity claim is also typed a casualty claim, but names no kg:side.",
     [in_block(claimB, "a kg:Claim , kg:QuantityClaim", "a kg:Claim , kg:QuantityClaim , kg:CasualtyClaim")]),
    # ---- references
    ("ReferenceShape--no-stated-in", "one document it was read in", ref2,
     "The reference names no document.", [drop(ref2, "kg:statedIn")]),
    ("ReferenceShape--two-passages", "cite exactly one passage", ref1,
     "The reference cites two passages (its quote occurs in both).",
     [add(ref1, f"kg:passage <{p2}> ;")]),
    ("ReferenceShape--quote-without-language", "verbatim quote it was read from", ref2,
     "The quote has no language tag.",
     [in_block(ref2, '6 Agustus 2024"@id', '6 Agustus 2024"')]),
    ("ReferenceShape--gloss-literal", "English gloss is one", ref1,
     "The gloss is a plain literal instead of a kg:CuratorTranslation.",
     [in_block(ref1, f"kg:gloss <{gloss}>", 'kg:gloss "The Northland forces took the village of Alfa"@en')]),
    ("ReferenceShape--quote-not-verbatim", "words of its passage, verbatim", refB,
     "The quote says 3.000 where the passage says 300.",
     [in_block(refB, "lebih dari 300 tentara", "lebih dari 3.000 tentara")]),
    ("ReferenceShape--passage-of-other-document", "belong to the document the reference names", ref2,
     "The reference names another document than the one its passage belongs to.",
     [in_block(ref2, f"kg:statedIn <{doc}>", f"kg:statedIn <{ID}document/other-article>"), append(OTHER_DOC)]),
    # ---- passages
    ("PassageShape--iri-pattern", "p<paragraph>-s<sentence>", ID + "passage/mini/headline",
     "The passage's IRI does not end in p<n>-s<n>.",
     [rename(p1, ID + "passage/mini/headline")]),
    ("PassageShape--passage-of-two-documents", "belongs to exactly one document", p1,
     "The passage also claims to belong to an undeclared document.",
     [add(p1, f"kg:passageOf <{ID}document/missing-article> ;")]),
    ("PassageShape--text-without-language", "verbatim text (kg:text)", p2,
     "The passage text has no language tag.",
     [in_block(p2, 'Selatan tewas."@id', 'Selatan tewas."')]),
    ("PassageShape--start-offset-not-integer", "integer start offset", p1,
     "The start offset is an xsd:int, not an xsd:integer.",
     [in_block(p1, "kg:startOffset 0 ;", 'kg:startOffset "0"^^xsd:int ;')]),
    ("PassageShape--start-offset-after-end", "integer start offset", p1,
     "The start offset is after the end offset. (The text-between-offsets constraint necessarily "
     "fires too: the substring between the offsets is then empty.)",
     [in_block(p1, "kg:startOffset 0 ;", "kg:startOffset 40 ;")],
     [("alsoExpectMessage", "document's full text between its offsets")]),
    ("PassageShape--end-offset-not-integer", "integer end offset", p1,
     "The end offset is an xsd:int, not an xsd:integer.",
     [in_block(p1, "kg:endOffset 37 ;", 'kg:endOffset "37"^^xsd:int ;')]),
    ("PassageShape--no-role", "needs one role", p2,
     "The passage has no role.", [drop(p2, "kg:passageRole")]),
    ("PassageShape--offsets-shifted", "document's full text between its offsets", p2,
     "The offsets are shifted by one character.",
     [in_block(p2, "kg:startOffset 39 ;", "kg:startOffset 40 ;"),
      in_block(p2, "kg:endOffset 165 ;", "kg:endOffset 166 ;")]),
    ("PassageShape--uncited", "cited by a claim's reference", p1,
     "No reference cites the headline any more (its reference now cites p2-s1, which also holds "
     "the quote) and it has no exclusion reason.",
     [in_block(ref1, f"kg:passage <{p1}>", f"kg:passage <{p2}>")]),
    # ---- documents
    ("DocumentShape--iri-pattern", "<base>id/document/<id>", ID + "document/mini_article",
     "The document's IRI has a '_'.", [rename(doc, ID + "document/mini_article")]),
    ("DocumentShape--no-label", "document needs a language-tagged label", doc,
     "The document has no label.", [drop(doc, "rdfs:label")]),
    ("DocumentShape--no-language", "must carry its full text", doc,
     "The document has passages but no dcterms:language.", [drop(doc, "dcterms:language")]),
    ("DocumentShape--no-full-text", "must carry its full text", doc,
     "The document has passages but no kg:fullText.",
     [replace('    kg:fullText """Budi: Pasukan Utara merebut Desa Alfa\n\nKomandan Budi Santoso mengatakan '
              'Pasukan Utara merebut Desa Alfa pada 6 Agustus 2024 dan lebih dari 300 tentara Selatan tewas."""@id ;\n', "")]),
    # ---- glosses, extraction, inference, unknown value
    ("GlossShape--not-english", "A gloss is one English text", gloss,
     "The gloss is tagged @id.",
     [in_block(gloss, 'village of Alfa"@en', 'village of Alfa"@id')]),
    ("GlossShape--attributed-to-person", "attributed to the curator who translated it", gloss,
     "The gloss is attributed to the claimant, a person, not to a kg:Curator.",
     [in_block(gloss, f"prov:wasAttributedTo <{curators}>", f"prov:wasAttributedTo <{budi}>")]),
    ("ExtractionShape--no-used", "document it read (prov:used)", ext,
     "The extraction does not name the document it read.", [drop(ext, "prov:used")]),
    ("ExtractionShape--no-agent", "who carried it out", ext,
     "The extraction does not name who carried it out.", [drop(ext, "prov:wasAssociatedWith")]),
    ("InferenceShape--no-property", "name the one property whose value", inf,
     "The inference does not name the property it supplies.", [drop(inf, "kg:inferredProperty")]),
    ("InferenceShape--no-reason", "An inference must give its reason", inf,
     "The inference gives no reason.", [drop(inf, "kg:reason")]),
    ("InferenceShape--not-attributed", "attributed to whoever made it", inf,
     "The inference is attributed to no one.", [drop(inf, "prov:wasAttributedTo")]),
    ("UnknownValueShape--no-property", "name the property that is unknown", unk,
     "The unknown-value record does not name the property.", [drop(unk, "kg:unknownProperty")]),
    ("UnknownValueShape--no-reason", "say why it is unknown", unk,
     "The unknown-value record gives no reason.", [drop(unk, "kg:reason")]),
    # ---- quantities
    ("QuantityShape--amount-integer", "exactly one amount", qty,
     "The amount is an xsd:integer, not an xsd:decimal.",
     [in_block(qty, "kg:amount 300.0 ;", "kg:amount 300 ;")]),
    ("QuantityShape--no-unit", "exactly one unit", qty,
     "The quantity has no unit.", [drop(qty, "kg:unit")]),
    ("QuantityShape--no-approximation", "exactly one approximation", qty,
     "The quantity has no approximation.", [drop(qty, "kg:approximation")]),
    ("QuantityShape--no-verbatim", "verbatim wording (kg:verbatim)", qty,
     "The quantity has no verbatim wording.", [drop(qty, "kg:verbatim")]),
    ("QuantityShape--lower-bound-integer", "at most one lower bound", qty,
     "The lower bound is an xsd:integer.",
     [in_block(qty, "kg:lowerBound 300.0 ;", "kg:lowerBound 300 ;")]),
    ("QuantityShape--upper-bound-integer", "at most one upper bound", qty,
     "'Less than 300' with an exclusive upper bound that is an xsd:integer.",
     [in_block(qty, "kg:approximation kg:MoreThan", "kg:approximation kg:LessThan"),
      in_block(qty, "kg:lowerBound 300.0 ;", "kg:upperBound 300 ;"),
      in_block(qty, "kg:lowerBoundInclusive false", "kg:upperBoundInclusive false"),
      in_block(qty, '"lebih dari 300 tentara"@id', '"kurang dari 300 tentara"@id')]),
    ("QuantityShape--lower-bound-above-amount", "bounds must be consistent", qty,
     "The lower bound (400) is above the amount (300). (This constraint cannot fire alone: a "
     "bound different from the amount always breaks the approximation/bounds constraint too.)",
     [in_block(qty, "kg:lowerBound 300.0 ;", "kg:lowerBound 400.0 ;")],
     [("alsoExpectMessage", "bounds must match its approximation")]),
    ("QuantityShape--inclusive-flag-missing", "whether it is inclusive", qty,
     "The lower bound does not say whether it is inclusive.", [drop(qty, "kg:lowerBoundInclusive")]),
    ("QuantityShape--more-than-inclusive", "bounds must match its approximation", qty,
     "'More than' with an inclusive lower bound (that would be 'at least').",
     [in_block(qty, "kg:lowerBoundInclusive false", "kg:lowerBoundInclusive true")]),
    ("QuantityShape--approximately-with-bound", "bounds must match its approximation", qty,
     "'Approximately' with a lower bound.",
     [in_block(qty, "kg:approximation kg:MoreThan", "kg:approximation kg:Approximately")]),
    # ---- times
    ("TimeShape--no-precision", "must carry its precision", tv,
     "The date has no precision.", [drop(tv, "kg:timePrecision")]),
    ("TimeShape--no-earliest", "earliest possible day", tv,
     "The date has no earliest day.", [drop(tv, "kg:earliest")]),
    ("TimeShape--no-latest", "latest possible day", tv,
     "The date has no latest day.", [drop(tv, "kg:latest")]),
    ("TimeShape--day-precision-month-value", "value must match its precision", tv,
     "Day precision, but the value is an xsd:gYearMonth.",
     [in_block(tv, 'time:inXSDDate "2024-08-06"^^xsd:date', 'time:inXSDgYearMonth "2024-08"^^xsd:gYearMonth')]),
    ("TimeShape--earliest-after-latest", "earliest day must not come after", tv,
     "The earliest day is after the latest day.",
     [in_block(tv, 'kg:earliest "2024-08-06"', 'kg:earliest "2024-08-07"')]),
    ("TimeShape--no-year-no-inference", "gives no year", tv,
     "The source wording gives no year and no inference of the year is recorded.",
     [in_block(tv, '"pada 6 Agustus 2024"@id', '"pada 6 Agustus"@id')]),
    # ---- labels, entities, actors
    ("LabelledShape--plain-label", "Labels must be language-tagged", budi,
     "A label without a language tag.",
     [in_block(budi, 'rdfs:label "Budi Santoso"@en ,', 'rdfs:label "Budi Santoso" ,')]),
    ("LabelledShape--two-english-preflabels", "at most one per language", budi,
     "Two English preferred labels.",
     [add(budi, 'skos:prefLabel "Commander Budi"@en ;')]),
    ("LabelledShape--plain-altlabel", "Alternative labels must be", budi,
     "An alternative label without a language tag.",
     [in_block(budi, 'skos:altLabel "Komandan Budi"@id', 'skos:altLabel "Komandan Budi"')]),
    ("EntityShape--iri-pattern", "<base>id/<kind>/<name>", ID + "person/Budi_Santoso",
     "The person's IRI has upper case and '_'.",
     [rename(budi, ID + "person/Budi_Santoso")]),
    ("EntityShape--no-english-preflabel", "English preferred label", region,
     "The region's only preferred label is Indonesian.",
     [in_block(region, 'skos:prefLabel "East Province"@en', 'skos:prefLabel "Provinsi Timur"@id')]),
    ("EntityShape--russian-preflabel", "in English or Indonesian", region,
     "The region has an extra preferred label in Russian.",
     [add(region, 'skos:prefLabel "Vostochnaya oblast"@ru ;')]),
    ("ActorShape--affiliated-with-region", "affiliated with at most one party", budi,
     "The person is affiliated with a region, which is not a kg:ConflictParty.",
     [in_block(budi, f"kg:affiliatedWith <{northland}>", f"kg:affiliatedWith <{region}>")]),
    # ---- places
    ("SettlementShape--in-country", "settlement must sit in the place hierarchy", alfa,
     "The settlement is located directly in a country.",
     [in_block(alfa, f"kg:locatedIn <{district}>", f"kg:locatedIn <{northland}>")]),
    ("DistrictShape--in-country", "district must be located in one region", district,
     "The district is located directly in a country.",
     [in_block(district, f"kg:locatedIn <{region}>", f"kg:locatedIn <{northland}>")]),
    ("RegionShape--not-located", "region must be located in one country", region,
     "The region is located nowhere.", [drop(region, "kg:locatedIn")]),
    ("AreaShape--not-located", "described area must be placed", ID + "area/alfa-outskirts",
     "A described area that is not placed in a named place.", [append(AREA)]),
    ("PlaceGeometryShape--not-a-geometry", "geometry must be a verified one", alfa,
     "The settlement's geometry is not typed geo:Geometry.",
     [GEO_PREFIX, HAS_GEOMETRY, append(geometry(typed=False))]),
    ("VerifiedGeometryShape--no-coordinate-source", "the source its coordinates were verified in",
     ID + "geometry/alfa",
     "The settlement's geometry has no kg:coordinateSource. kgsh:VerifiedGeometryShape has no "
     "target: it is reached only through sh:node from kgsh:PlaceGeometryShape, so its result "
     "comes as the sh:detail of a result with the place-geometry message, which fires too.",
     [GEO_PREFIX, HAS_GEOMETRY, append(geometry(source=False))],
     [("alsoExpectMessage", "geometry must be a verified one")]),
    ("VerifiedGeometryShape--no-wkt", "exactly one WKT literal", ID + "geometry/alfa",
     "The settlement's geometry has no WKT literal. kgsh:VerifiedGeometryShape has no target: it "
     "is reached only through sh:node from kgsh:PlaceGeometryShape, so its result comes as the "
     "sh:detail of a result with the place-geometry message, which fires too.",
     [GEO_PREFIX, HAS_GEOMETRY, append(geometry(wkt=False))],
     [("alsoExpectMessage", "geometry must be a verified one")]),
    ("ExternalIdShape--wikidata-page-url", "A Wikidata link", budi,
     "The Wikidata link is the item's web page, not its entity IRI.",
     [in_block(budi, "<http://www.wikidata.org/entity/Q4115189>", "<https://www.wikidata.org/wiki/Q4115189>")]),
    ("ExternalIdShape--geonames-page-url", "A GeoNames link", alfa,
     "The GeoNames link is the web page, not the feature IRI.",
     [in_block(alfa, "<https://sws.geonames.org/1234567/>", "<https://www.geonames.org/1234567>")]),
    # ---- events
    ("EventShape--sub-event-of-place", "sub-event of another event", battle,
     "The battle is a sub-event of a settlement.",
     [add(battle, f"kg:subEventOf <{alfa}> ;")]),
    ("EventShape--location-person", "location must be a place", battle,
     "The battle's location is a person.",
     [in_block(battle, f"kg:location <{alfa}>", f"kg:location <{budi}>")]),
    ("EventShape--precedes-place", "only precede another event", battle,
     "The battle precedes a settlement.",
     [add(battle, f"kg:precedes <{alfa}> ;")]),
    ("CommunicationEventShape--no-agent", "name who made it", announce,
     "The announcement does not name who made it.", [drop(announce, "kg:agent")]),
    # ---- vocabulary
    ("DeclaredTermsShape--undeclared-property", "Every property used in the data", claimA,
     "The claim uses kg:confidence, which the ontology does not declare.",
     [add(claimA, "kg:confidence 0.9 ;")]),
    ("DeclaredTermsShape--undeclared-class", "Every class used in the data", claimA,
     "The claim is typed kg:RumourClaim, which the ontology does not declare.",
     [in_block(claimA, "a kg:Claim , kg:TerritorialControlClaim", "a kg:Claim , kg:TerritorialControlClaim , kg:RumourClaim")]),
    # ---- ontology header (the ontology graph is mixed into the data graph)
    ("OntologyShape--two-version-iris", "exactly one version IRI", ONT,
     "The data gives the ontology a second version IRI.",
     [OWL_PREFIX, append(f"<{ONT}> owl:versionIRI <{ONT}/9.9.9> .")]),
    ("OntologyShape--two-version-numbers", "exactly one version number", ONT,
     "The data gives the ontology a second version number.",
     [OWL_PREFIX, append(f'<{ONT}> owl:versionInfo "9.9.9" .')]),
    ("OntologyShape--no-licence", "needs a licence", ONT,
     "The ontology's dcterms:license is removed from the ontology graph before validation "
     "(urn:kgraph-test:removeFromOntology).",
     [], [("removeFromOntology", None)]),
    ("OntologyShape--plain-title", "language-tagged title", ONT,
     "The data gives the ontology a title without a language tag.",
     [append(f'<{ONT}> dcterms:title "kgraph ontology" .')]),
    # ---- grades, learnt aliases, withdrawals
    ("ReliabilityGradingShape--credibility-grade", "Admiralty reliability scale", grading_doc,
     "The source's reliability grading gives a credibility grade (2) instead of A-F.",
     [append(graded(reliability="kg:Credibility2"))]),
    ("CredibilityGradingShape--no-grade", "Admiralty credibility scale", grading_claim,
     "The claim's credibility grading gives no grade.",
     [append(graded(credibility=None))]),
    ("GradingShape--no-grader", "who graded it", grading_doc,
     "The source's reliability grading does not say who graded it.",
     [append(graded(doc_grader=False))]),
    ("LearntAliasShape--no-document", "A learnt alias must name its entity", alias,
     "The learnt alias does not say which document it was read in.",
     [append(learnt_alias(document=False))]),
    ("WithdrawalShape--no-reason", "A withdrawal must say which graph", withdrawal,
     "The withdrawal does not say why the source was withdrawn.",
     [append(withdrawn(reason=False))]),
]


def expectation(stem, key, focus, description, extras) -> str:
    lines = [
        "<urn:kgraph-test:case>",
        f"    <urn:kgraph-test:expectMessage> {ttl_str(msg(key))}@en ;",
        f"    <urn:kgraph-test:expectFocus> <{focus}> ;",
    ]
    for prop, value in extras:
        if prop == "removeFromOntology":
            lines.append("    <urn:kgraph-test:removeFromOntology> <http://purl.org/dc/terms/license> ;")
        else:
            lines.append(f"    <urn:kgraph-test:{prop}> {ttl_str(msg(value))}@en ;")
    lines.append(f"    <urn:kgraph-test:comment> {ttl_str(description)}@en .")
    return "\n".join(lines)


def header(stem, description) -> str:
    words, line, out = description.split(), "# Change from valid/base.ttl:", []
    for w in words:
        if len(line) + 1 + len(w) > 98:
            out.append(line)
            line = "#  "
        line += " " + w
    out.append(line)
    return f"# Invalid case {stem}: must fail with exactly the expected sh:message (see the end).\n" + "\n".join(out) + "\n"


def strip_base_header(text: str) -> str:
    # drop the base file's leading comment block
    lines = text.split("\n")
    i = 0
    while lines[i].startswith("#"):
        i += 1
    return "\n".join(lines[i:])


def main():
    out = OUT / "invalid"
    for old in out.glob("*.ttl"):
        old.unlink()
    body = strip_base_header(BASE)
    for case in CASES:
        stem, key, focus, description, edits = case[:5]
        extras = case[5] if len(case) > 5 else []
        text = body
        for e in edits:
            text = e(text)
        assert text != body or extras, stem
        text = header(stem, description) + text.rstrip("\n") + "\n\n" + expectation(stem, key, focus, description, extras) + "\n"
        rdflib.Graph().parse(data=text, format="turtle")
        (out / f"{stem}.ttl").write_text(text)
    covered = {msg(c[1]) for c in CASES}
    missing = [m for m in MESSAGES if m not in covered]
    print(len(CASES), "cases;", "uncovered:", missing)



# ------------------------------------------------------------------ extra valid cases

VALID_CASES = [
    ("approximately-no-bounds",
     "'About 300' (kg:Approximately) is a quantity with no bounds at all.",
     [replace("lebih dari 300 tentara", "sekitar 300 tentara", 4),
      in_block(p2, "kg:endOffset 165 ;", "kg:endOffset 162 ;"),
      in_block(claimB, "more than 300 Southland", "about 300 Southland"),
      in_block(qty, "kg:approximation kg:MoreThan", "kg:approximation kg:Approximately"),
      drop(qty, "kg:lowerBound "), drop(qty, "kg:lowerBoundInclusive")]),
    ("at-least-inclusive-bound",
     "'At least 300' (kg:AtLeast) has an inclusive lower bound equal to the amount.",
     [replace("lebih dari 300 tentara", "sedikitnya 300 tentara", 4),
      in_block(claimB, "more than 300 Southland", "at least 300 Southland"),
      in_block(qty, "kg:approximation kg:MoreThan", "kg:approximation kg:AtLeast"),
      in_block(qty, "kg:lowerBoundInclusive false", "kg:lowerBoundInclusive true")]),
    ("month-precision-year-inferred",
     "A month-precision date whose source wording ('pada bulan Agustus') gives no year; the claim "
     "records the curator's inference of the year (kg:hasInference on kg:time).",
     [replace("pada 6 Agustus 2024", "pada bulan Agustus", 4),
      in_block(p2, "kg:endOffset 165 ;", "kg:endOffset 164 ;"),
      in_block(claimA, "on 6 August 2024", "in August 2024"),
      in_block(tv, "time:unitDay", "time:unitMonth"),
      in_block(tv, 'time:inXSDDate "2024-08-06"^^xsd:date', 'time:inXSDgYearMonth "2024-08"^^xsd:gYearMonth'),
      in_block(tv, 'kg:earliest "2024-08-06"', 'kg:earliest "2024-08-01"'),
      in_block(tv, 'kg:latest "2024-08-06"', 'kg:latest "2024-08-31"'),
      add(claimA, f"kg:hasInference <{ID}inference/mini-alfa-taken-time-1> ;"),
      append(f"""
<{ID}inference/mini-alfa-taken-time-1>
    a kg:CuratorInference ;
    kg:inferredProperty kg:time ;
    kg:reason "The article says only 'in August'; it reports the battle as the latest news of 2024, so the year is read as 2024."@en ;
    prov:wasAttributedTo <{curators}> ;
.""")]),
    ("context-inferred-attribution",
     "A claim attributed from context, with the curator's inference of its claimant and the reason.",
     [in_block(claimB, "kg:attribution kg:NamedInSource", "kg:attribution kg:InferredFromContext"),
      add(claimB, f"kg:hasInference <{ID}inference/mini-south-killed-1> ;"),
      append(f"""
<{ID}inference/mini-south-killed-1>
    a kg:CuratorInference ;
    kg:inferredProperty kg:claimant ;
    kg:inferredValue <{budi}> ;
    kg:reason "The figure ends the sentence that opens with Budi Santoso's statement; the sentence does not say outright that the figure is his."@en ;
    prov:wasAttributedTo <{curators}> ;
.""")]),
    ("unattributed-publisher-claimant",
     "A claim in the outlet's own voice: unattributed, with the document's publisher as claimant.",
     [in_block(claimA, "kg:attribution kg:NamedInSource", "kg:attribution kg:UnattributedInSource"),
      in_block(claimA, f"kg:claimant <{budi}>", f"kg:claimant <{outlet}>"),
      in_block(claimA, "Budi Santoso: the Northland", "Mini News: the Northland")]),
    ("unnamed-source-group-claimant",
     "A claim from an unnamed source, with an unnamed group as claimant.",
     [in_block(claimA, "kg:attribution kg:NamedInSource", "kg:attribution kg:UnnamedSource"),
      in_block(claimA, f"kg:claimant <{budi}>", f"kg:claimant <{ID}group/northland-military-sources>"),
      append(f"""
<{ID}group/northland-military-sources>
    a kg:UnnamedGroup ;
    skos:prefLabel "unnamed Northland military sources"@en ;
    kg:affiliatedWith <{northland}> ;
.""")]),
    ("place-with-verified-geometry",
     "A settlement with a verified geometry: a geo:Geometry with one WKT literal and the source of its coordinates.",
     [GEO_PREFIX, HAS_GEOMETRY, append(geometry())]),
    ("graded-aliased-withdrawn",
     "A graded source and claim (Admiralty B and 2), an alias learnt from the source, and the "
     "tombstone of another, withdrawn source.",
     [append(graded()), append(learnt_alias()), append(withdrawn())]),
    ("excluded-passage",
     "A passage cited by no reference but carrying an exclusion reason (the headline's reference "
     "now cites p2-s1, which holds the same words).",
     [in_block(ref1, f"kg:passage <{p1}>", f"kg:passage <{p2}>"),
      add(p1, 'kg:exclusionReason "Headline; its words are repeated, and cited, in p2-s1."@en ;')]),
]


def valid_header(stem, description) -> str:
    words, line, out = description.split(), "# Change from base.ttl:", []
    for w in words:
        if len(line) + 1 + len(w) > 98:
            out.append(line)
            line = "#  "
        line += " " + w
    out.append(line)
    return f"# Valid case {stem}: must conform.\n" + "\n".join(out) + "\n"


def main_valid():
    out = OUT / "valid"
    for old in out.glob("*.ttl"):
        if old.name != "base.ttl":
            old.unlink()
    body = strip_base_header(BASE)
    for stem, description, edits in VALID_CASES:
        text = body
        for e in edits:
            text = e(text)
        text = valid_header(stem, description) + text
        rdflib.Graph().parse(data=text, format="turtle")
        (out / f"{stem}.ttl").write_text(text)
    print(len(VALID_CASES), "valid cases")


if __name__ == "__main__":
    main()
    main_valid()
