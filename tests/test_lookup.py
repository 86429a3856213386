"""Entity lookup by label and alias: /lookup?q= for scripts (JSON) and browsers (HTML)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from kgraph.settings import Settings
from kgraph.web import lookup
from kgraph.web.app import create_app
from kgraph.web.context import WebContext

ID = "https://w3id.org/kgraph/id/"
KG = "https://w3id.org/kgraph/ontology#"


@pytest.fixture(scope="module")
def client(seed_store):
    app = create_app(Settings(), seed_store)
    app.include_router(lookup.router(WebContext(Settings(), seed_store)))
    return TestClient(app)


def find(client, **params):
    r = client.get("/lookup", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def test_alias_finds_the_person(client):
    results = find(client, q="Alexander Garmaev")
    first = results[0]
    assert first == {
        "iri": ID + "person/aleksandr-garmaev", "label": "Aleksandr Garmaev",
        "matched": "Alexander Garmaev", "types": [KG + "Person"],
        "page": "/id/person/aleksandr-garmaev",
    }


def test_prefix_ranks_first(client):
    results = find(client, q="kursk")
    assert results[0]["iri"] == ID + "region/kursk-oblast"
    assert len(results) > 1
    assert all(not r["iri"].startswith((ID + "claim/", ID + "passage/", ID + "reference/"))
               for r in results)


def test_case_is_ignored_and_exact_beats_prefix(client):
    assert find(client, q="KURSK OBLAST")[0]["matched"] == "Kursk Oblast"
    assert find(client, q="russia")[0]["iri"] == ID + "country/russia"


def test_claims_and_passages_are_not_entities(client):
    assert find(client, q="p11-s2") == []
    assert find(client, q="Gornal was the last settlement") == []


def test_language_restricts_the_label_matched(client):
    results = find(client, q="wilayah Kursk", lang="id")
    assert results[0]["iri"] == ID + "region/kursk-oblast"
    assert find(client, q="wilayah", lang="en") == []


def test_limit(client):
    assert len(find(client, q="kursk", limit=1)) == 1
    assert len(find(client, q="a", limit=100)) <= 100


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "kursk", "limit": "0"},
                                    {"q": "kursk", "limit": "101"}, {"q": "kursk", "limit": "ten"},
                                    {"q": "kursk", "lang": "not a tag!"}, {"q": "x" * 201}])
def test_bad_requests_are_400_with_a_message(client, params):
    r = client.get("/lookup", params=params)
    assert r.status_code == 400
    assert r.text.strip()
    if "q" not in params or not params["q"].strip():
        assert "q" in r.text


@pytest.mark.parametrize("q", ['") } SELECT * WHERE { ?s ?p ?o } #', "'} UNION {?s ?p ?o",
                               "\\", '"""'])
def test_search_text_is_never_query_text(client, q):
    assert find(client, q=q) == []


def test_html_for_browsers(client):
    r = client.get("/lookup", params={"q": "kursk <b>"}, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<b>" not in r.text.split("<main>")[1]  # the query is echoed escaped
    assert "script-src 'none'" in r.headers["content-security-policy"]
    page = client.get("/lookup", params={"q": "kursk"}, headers={"Accept": "text/html"}).text
    assert 'href="/id/region/kursk-oblast"' in page
    assert client.get("/lookup", headers={"Accept": "text/html"}).status_code == 400
