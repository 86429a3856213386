"""Linked-data pages: /id/ -> 303 -> /doc/ negotiated, the ontology, escaping and headers."""

from __future__ import annotations

import base64
import hashlib
import re

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from kgraph.loading import load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store
from kgraph.web import pages
from kgraph.web.app import create_app
from kgraph.web.context import WebContext

BASE = "https://w3id.org/kgraph/"
KG = BASE + "ontology#"
ID = BASE + "id/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

PERSON = "person/valery-gerasimov"
PLACE = "region/kursk-oblast"
CLAIM = "claim/kursk-dprk-2025-id/gornal-last-settlement"
PASSAGE = "passage/kursk-dprk-2025-id/p11-s2"
P11_S2_END = ("yang menjadi pemukiman terakhir yang tersisa di bawah kendali "
              "Angkatan Bersenjata Ukraina")
P11_S2 = ("Menurutnya, pada tanggal 26 April, pasukan Rusia berhasil membebaskan desa Gornal, "
          + P11_S2_END + ".")
GLOSS = "which was the last remaining settlement under the control of the Armed Forces of Ukraine"


def make_client(store) -> TestClient:
    app = create_app(Settings(), store)
    app.include_router(pages.router(WebContext(Settings(), store)))
    return TestClient(app)


@pytest.fixture(scope="module")
def client(seed_store):
    return make_client(seed_store)


def parse(body: bytes, media: str) -> set[ox.Triple]:
    formats = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD,
               "application/n-triples": ox.RdfFormat.N_TRIPLES,
               "application/rdf+xml": ox.RdfFormat.RDF_XML}
    return {ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(body, format=formats[media])}


# -- /id/ and /doc/ --------------------------------------------------------------------------

@pytest.mark.parametrize("path", [PERSON, PLACE, CLAIM, PASSAGE])
def test_id_answers_303_to_the_document(client, path):
    r = client.get(f"/id/{path}", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/doc/{path}"
    assert "Accept" in r.headers["vary"]


@pytest.mark.parametrize("path", [PERSON, PLACE, CLAIM, PASSAGE])
def test_html_for_browsers(client, path):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get(f"/id/{path}", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.url.path == f"/doc/{path}"
    assert r.headers["content-type"].startswith("text/html")
    assert "Accept" in r.headers["vary"]
    assert ID + path in r.text
    assert "<script" not in r.text
    assert '<link rel="icon" href="/static/favicon.svg"' in r.text  # no /favicon.ico 404


@pytest.mark.parametrize("path", [PERSON, PLACE, CLAIM, PASSAGE])
@pytest.mark.parametrize("media", ["text/turtle", "application/ld+json", "application/n-triples",
                                   "application/rdf+xml"])
def test_rdf_by_content_negotiation(client, path, media):
    r = client.get(f"/id/{path}", headers={"Accept": media})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert "Accept" in r.headers["vary"]
    triples = parse(r.content, media)
    iri = ox.NamedNode(ID + path)
    # the persistent IRI, not the address that served it
    assert any(t.subject == iri and t.predicate == RDF_TYPE for t in triples)
    assert not any("testserver" in str(t) for t in triples)


@pytest.mark.parametrize("path", [PERSON, CLAIM])
def test_every_format_carries_the_same_triples(client, path):
    graphs = [parse(client.get(f"/doc/{path}", headers={"Accept": m}).content, m)
              for m in ("text/turtle", "application/ld+json", "application/n-triples")]
    assert graphs[0] == graphs[1] == graphs[2]


def test_json_ld_is_compacted_with_a_local_context(client):
    r = client.get(f"/doc/{PERSON}", headers={"Accept": "application/ld+json"})
    doc = r.json()
    assert isinstance(doc["@context"], dict)
    assert doc["@context"]["kg"] == KG
    assert "kg:claimant" in r.text and "rdfs:label" in r.text


def test_document_holds_description_incoming_links_and_labels(client):
    triples = parse(client.get(f"/doc/{PERSON}.nt").content, "application/n-triples")
    person = ox.NamedNode(ID + PERSON)
    claim = ox.NamedNode(ID + CLAIM)
    russia = ox.NamedNode(ID + "country/russia")
    assert ox.Triple(person, ox.NamedNode(KG + "affiliatedWith"), russia) in triples
    assert ox.Triple(claim, ox.NamedNode(KG + "claimant"), person) in triples  # incoming
    labels = {t.object.value for t in triples if t.subject == russia}
    assert "Russia" in labels  # the label of a linked entity


@pytest.mark.parametrize("suffix,media", [
    (".ttl", "text/turtle"), (".jsonld", "application/ld+json"), (".nt", "application/n-triples"),
    (".html", "text/html"), (".rdf", "application/rdf+xml"),
])
def test_explicit_suffix(client, suffix, media):
    r = client.get(f"/doc/{PLACE}{suffix}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media


def test_link_headers_name_the_alternates_and_the_thing(client):
    r = client.get(f"/doc/{PERSON}", headers={"Accept": "text/html"})
    link = r.headers["link"]
    assert f'</doc/{PERSON}.ttl>; rel="alternate"; type="text/turtle"' in link
    assert f'</doc/{PERSON}.jsonld>; rel="alternate"; type="application/ld+json"' in link
    assert f'<{ID}{PERSON}>; rel="describes"' in link
    assert r.headers["content-location"] == f"/doc/{PERSON}.html"


def test_unacceptable_is_406(client):
    assert client.get(f"/doc/{PERSON}", headers={"Accept": "image/png"}).status_code == 406


# -- ETag and 304 ----------------------------------------------------------------------------

@pytest.mark.parametrize("media", ["text/html", "text/turtle", "application/ld+json"])
def test_etag_and_304(client, media):
    first = client.get(f"/doc/{PERSON}", headers={"Accept": media})
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(f"/doc/{PERSON}", headers={"Accept": media})
    assert again.headers["etag"] == etag  # stable
    cached = client.get(f"/doc/{PERSON}", headers={"Accept": media, "If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    weak = client.get(f"/doc/{PERSON}",
                      headers={"Accept": media, "If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    stale = client.get(f"/doc/{PERSON}", headers={"Accept": media, "If-None-Match": '"stale"'})
    assert stale.status_code == 200


def test_each_representation_has_its_own_etag(client):
    tags = {client.get(f"/doc/{PERSON}", headers={"Accept": m}).headers["etag"]
            for m in ("text/html", "text/turtle", "application/ld+json", "application/n-triples")}
    assert len(tags) == 4


# -- unknown IRIs ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/id/person/nobody", "/doc/person/nobody", "/doc/person/nobody.ttl", "/id/", "/doc/",
    "/id/person/%3Cscript%3Ealert(1)%3C/script%3E", "/id/person/a%20b", "/id/%FF%FE",
    "/id/person/valery-gerasimov/extra",
])
@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "*/*"])
def test_unknown_iri_is_404_never_500(client, path, accept):
    r = client.get(path, headers={"Accept": accept})
    assert r.status_code == 404
    assert "<script>" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"


def test_404_page_helps(client):
    r = client.get("/id/person/nobody-known", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert "text/html" in r.headers["content-type"]
    assert "/lookup?q=nobody%20known" in r.text
    plain = client.get("/id/person/nobody-known", headers={"Accept": "text/turtle"})
    assert "text/plain" in plain.headers["content-type"]
    assert ID + "person/nobody-known" in plain.text


def test_head(client):
    r = client.head(f"/doc/{PERSON}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["etag"]


# -- what the HTML shows ---------------------------------------------------------------------

def html(client, path: str) -> str:
    r = client.get(f"/doc/{path}", headers={"Accept": "text/html"})
    assert r.status_code == 200
    return r.text


def section(page: str, heading: str) -> str:
    start = page.index(f"<h2>{heading}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start: end if end > 0 else None]


def test_person_page(client):
    page = html(client, PERSON)
    assert "<title>Valery Gerasimov · kgraph</title>" in page
    assert 'href="/ontology#Person"' in page  # the type, documented by the ontology
    assert 'href="/id/country/russia"' in page  # links rewritten to local pages
    labels = section(page, "Labels")
    assert ">en<" in labels and ">id<" in labels


def test_claim_table_for_gerasimov_includes_gornal_with_its_passage(client):
    made = section(html(client, PERSON), "Claims it made")
    row = made[made.index(f'href="/id/{CLAIM}"'):]
    row = row[: row.index("</tr>")]
    assert "Gornal was the last settlement still held by the Armed Forces of Ukraine" in row
    assert P11_S2 in row
    assert P11_S2_END in row  # the quote
    assert 'href="/ontology#Asserts"' in row and 'href="/ontology#InferredFromContext"' in row


def test_claims_about_an_entity(client):
    about = section(html(client, "settlement/gornal"), "Claims about it")
    assert f'href="/id/{CLAIM}"' in about
    assert 'href="/id/person/valery-gerasimov"' in about  # the claimant
    assert P11_S2 in about


def test_external_ids_are_links(client):
    external = section(html(client, PLACE), "External identifiers")
    assert 'href="http://www.wikidata.org/entity/Q3178"' in external
    assert 'href="https://sws.geonames.org/538555/"' in external


def test_claim_page_shows_its_provenance(client):
    page = html(client, CLAIM)
    assert P11_S2 in page
    assert GLOSS in page
    assert "&#39;Menurutnya&#39; (according to him)" in page  # the inference's reason
    assert 'href="/id/document/gerasimov-report"' in page  # the upstream document
    assert 'href="/id/document/kursk-dprk-2025-id"' in page  # stated in
    svg = page[page.index("<svg"): page.index("</svg>")]
    for kind in ("claim", "reference", "passage", "document", "agent"):
        assert f">{kind}</text>" in svg
    assert 'href="/id/passage/kursk-dprk-2025-id/p11-s2"' in svg


def test_passage_page_lists_the_claims_read_from_it(client):
    page = html(client, PASSAGE)
    assert P11_S2 in page
    cited = section(page, "Claims read from this passage")
    assert f'href="/id/{CLAIM}"' in cited
    assert 'href="/id/claim/kursk-dprk-2025-id/gornal-taken"' in cited


# -- headers and escaping ----------------------------------------------------------------------

def test_html_sends_a_strict_content_security_policy(client):
    r = client.get(f"/doc/{PERSON}", headers={"Accept": "text/html"})
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    style = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp  # the one inline stylesheet is allowed by its hash
    assert ' style="' not in r.text and "<script" not in r.text


def test_rdf_responses_send_nosniff_too(client):
    r = client.get(f"/doc/{PERSON}", headers={"Accept": "text/turtle"})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in r.headers["content-security-policy"]


XSS = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


@pytest.fixture(scope="module")
def planted():
    """A store of its own with markup planted in a label, a passage text and a claim label."""
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    entities = ox.NamedNode(BASE + "graph/entities")
    source = ox.NamedNode(BASE + "graph/source/kursk-dprk-2025-id")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    alt = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
    person, passage, claim = (ox.NamedNode(ID + p) for p in (PERSON, PASSAGE, CLAIM))
    store.raw.extend([
        ox.Quad(person, label, ox.Literal(XSS, language="en"), entities),
        ox.Quad(person, alt, ox.Literal(IMG, language="en"), entities),
        ox.Quad(passage, ox.NamedNode(KG + "text"), ox.Literal(XSS + IMG, language="id"), source),
        ox.Quad(claim, label, ox.Literal("Claim " + XSS, language="en"), source),
        ox.Quad(person, ox.NamedNode(KG + "note"), ox.NamedNode("javascript:alert(3)"), entities),
    ])
    return make_client(store)


@pytest.mark.parametrize("path", [PERSON, CLAIM, PASSAGE, "settlement/gornal", PLACE])
def test_everything_shown_is_escaped(planted, path):
    r = planted.get(f"/doc/{path}", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "<script" not in r.text
    assert "<img" not in r.text
    assert 'href="javascript:' not in r.text
    if path in (PERSON, CLAIM, PASSAGE):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_planted_markup_stays_data_in_rdf(planted):
    r = planted.get(f"/doc/{PERSON}", headers={"Accept": "text/turtle"})
    labels = {t.object.value for t in parse(r.content, "text/turtle")
              if t.subject == ox.NamedNode(ID + PERSON)}
    assert XSS in labels


# -- the ontology ----------------------------------------------------------------------------

def test_ontology_html_documents_every_term_with_an_anchor(client):
    r = client.get("/ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "Accept" in r.headers["vary"]
    page = r.text
    assert 'id="Claim"' in page and 'href="#Claim"' in page
    claim = page[page.index('id="Claim"'):]
    claim = claim[: claim.index("</section>")]
    assert "subclasses" in claim and 'href="#CasualtyClaim"' in claim
    assert 'id="claimant"' in page  # properties
    assert 'id="Asserts"' in page and 'id="StanceScheme"' in page  # concept schemes
    claimant = page[page.index('id="claimant"'):]
    claimant = claimant[: claimant.index("</section>")]
    assert "domain includes" in claimant and "range includes" in claimant
    assert "<script" not in page
    assert "script-src 'none'" in r.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/ontology", "/ontology/", "/ontology.ttl"])
def test_ontology_turtle(client, path):
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    triples = parse(r.content, "text/turtle")
    assert ox.Triple(ox.NamedNode(KG + "Claim"), RDF_TYPE,
                     ox.NamedNode("http://www.w3.org/2002/07/owl#Class")) in triples
    assert ox.Triple(ox.NamedNode(BASE + "ontology"), RDF_TYPE,
                     ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology")) in triples


def test_ontology_json_ld_and_etag(client):
    r = client.get("/ontology", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and r.json()["@context"]["kg"] == KG
    again = client.get("/ontology", headers={"Accept": "application/ld+json",
                                             "If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_ontology_version_and_import_module(client):
    assert client.get("/ontology/0.1.0", headers={"Accept": "text/turtle"}).status_code == 200
    imports = client.get("/ontology/imports/external-terms", headers={"Accept": "text/html"})
    assert imports.status_code == 200 and 'id="prov:Agent"' in imports.text
    assert client.get("/ontology/nothing-here").status_code == 404


def test_another_base_iri_maps_requests_onto_it():
    settings = Settings(base_iri="https://example.org/kg/")
    store = open_store(settings, in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    app = create_app(settings, store)
    app.include_router(pages.router(WebContext(settings, store)))
    r = TestClient(app).get(f"/id/{PERSON}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    subjects = {t.subject for t in parse(r.content, "text/turtle")}
    assert ox.NamedNode("https://example.org/kg/id/" + PERSON) in subjects
    assert ox.NamedNode(ID + PERSON) not in subjects


def test_links_carry_the_root_path_behind_a_proxy(seed_store):
    app = create_app(Settings(), seed_store)
    app.include_router(pages.router(WebContext(Settings(), seed_store)))
    proxied = TestClient(app, root_path="/kgraph")
    r = proxied.get(f"/id/{PERSON}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/kgraph/doc/{PERSON}"
    page = proxied.get(f"/doc/{PERSON}", headers={"Accept": "text/html"}).text
    assert 'href="/kgraph/id/country/russia"' in page


def test_every_document_links_the_data_s_licence(client):
    r = client.get(f"/doc/{PERSON}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert '<https://creativecommons.org/licenses/by/4.0/>; rel="license"' in r.headers["link"]
