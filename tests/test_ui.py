"""The query page, its static files and the examples' self-description, through the test client."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kgraph import __version__
from kgraph.examples import load_examples
from kgraph.settings import Settings
from kgraph.store import open_store
from kgraph.store.embedded import EmbeddedStore
from kgraph.web import ui
from kgraph.web.app import create_app
from kgraph.web.context import WebContext

YASGUI = ui.STATIC_DIR / "vendor" / "yasgui"
SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def ui_app(store: EmbeddedStore, settings: Settings | None = None) -> FastAPI:
    """The application as served: create_app includes the UI's router (kgraph.web.ui)."""
    return create_app(settings or Settings(), store)


def test_the_ui_router_stands_alone(seed_store):
    """The router needs nothing from the rest of the application to serve its routes."""
    app = FastAPI()
    app.include_router(ui.router(WebContext(Settings(), seed_store)))
    client = TestClient(app)
    for path in ("/", "/ui/examples.json", "/.well-known/sparql-examples", "/static/ui.js"):
        assert client.get(path).status_code == 200, path


@pytest.fixture(scope="module")
def client(seed_store):
    return TestClient(ui_app(seed_store))


# -- the page ---------------------------------------------------------------------------------
class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if getattr(self, "_in_script", False) and data.strip():
            self.inline_script = True
        self.text.append(data)


@pytest.fixture(scope="module")
def page(client):
    r = client.get("/")
    parsed = _Page()
    parsed.feed(r.text)
    return r, parsed


def _csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_page_is_html_with_a_strict_policy(page):
    r, _ = page
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    csp = _csp(r.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["base-uri"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    for directive, sources in csp.items():
        for source in sources:
            assert source in {"'self'", "'none'", "'unsafe-hashes'", "data:"} or (
                directive == "style-src" and re.fullmatch(r"'sha256-[A-Za-z0-9+/]+=*'", source)
            ), f"{directive} allows {source}"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_page_loads_nothing_from_elsewhere(page):
    r, parsed = page
    assert not parsed.inline_script
    assert not any(tag == "style" for tag, _ in parsed.tags)
    assert not any("style" in attrs for _, attrs in parsed.tags)
    for tag, attrs in parsed.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("/"), f"<{tag} {name}={value}> is not on this server"
    scripts = [a["src"] for t, a in parsed.tags if t == "script"]
    yasgui_version = (YASGUI / "VERSION").read_text().strip()
    assert scripts == [f"/static/vendor/yasgui/yasgui.min.js?v={yasgui_version}",
                       f"/static/ui.js?v={__version__}"]


def test_page_points_to_the_endpoint_and_the_api(page):
    r, parsed = page
    hrefs = {a.get("href") for t, a in parsed.tags if t == "a"}
    assert {"/sparql", "/api", "/.well-known/sparql-examples"} <= hrefs
    assert "/sparql" in "".join(parsed.text)


def test_page_answers_head(client):
    assert client.head("/").status_code == 200


def test_every_file_the_page_names_is_served(client, page):
    _, parsed = page
    for tag, attrs in parsed.tags:
        url = attrs.get("src") or (attrs.get("href") if tag == "link" else None)
        if url:
            assert client.get(url).status_code == 200, url


# -- static files -----------------------------------------------------------------------------
@pytest.mark.parametrize("path,media", [
    ("/static/vendor/yasgui/yasgui.min.js", "text/javascript"),
    ("/static/vendor/yasgui/yasgui.min.css", "text/css"),
    ("/static/ui.js", "text/javascript"),
    ("/static/ui.css", "text/css"),
    ("/static/favicon.svg", "image/svg+xml"),
])
def test_static_file_content_type(client, path, media):
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert r.headers["x-content-type-options"] == "nosniff"


def test_vendored_yasgui_matches_its_checksums(client):
    sums = (YASGUI / "SHA256SUMS").read_text().split("\n")
    entries = [line.split() for line in sums if line.strip()]
    assert {name for _, name in entries} == {"yasgui.min.js", "yasgui.min.css"}
    for digest, name in entries:
        served = client.get(f"/static/vendor/yasgui/{name}").content
        assert hashlib.sha256(served).hexdigest() == digest, name
    assert (YASGUI / "VERSION").read_text().strip() == "4.6.2"


@pytest.mark.parametrize("path", [
    "/static/../ui.py", "/static/%2e%2e/ui.py", "/static/vendor/../../ui.py",
    "/static/nothing.js", "/static/vendor", "/static//etc/passwd",
])
def test_static_never_leaves_its_folder(client, path):
    assert client.get(path).status_code == 404


def test_policy_hashes_are_the_inline_styles_yasgui_writes():
    """If YASGUI is re-vendored, its inline styles may change: the policy must follow."""
    bundle = (YASGUI / "yasgui.min.js").read_text(encoding="utf-8")

    def h(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    static_styles = re.findall(r"createStyle\(a,`([^`]*)`\)", bundle)
    assert len(static_styles) == 1
    assert "dragCursor:`col-resize`" in bundle and "`*{cursor:`+" in bundle
    assert "style='text-decoration:underline'" in bundle
    expected = {h(static_styles[0]), h("*{cursor:col-resize!important}"),
                h("text-decoration:underline")}
    assert expected == ui.YASGUI_INLINE_STYLES


def test_the_outside_services_in_the_bundle_are_those_the_page_turns_off():
    """YASGUI's runtime references to other hosts: the endpoint catalogue (DBpedia, Wikidata),
    the class and property completers (Linked Open Vocabularies). ui.js replaces all three."""
    bundle = (YASGUI / "yasgui.min.js").read_text(encoding="utf-8")
    hosts = r"`(?:https?:|\$\{[a-z]\})?//?([a-z0-9.-]+\.[a-z]{2,})/[^`]*`"
    fetched = set(re.findall(hosts, bundle))
    assert {"dbpedia.org", "query.wikidata.org"} <= fetched
    assert "lov.linkeddata.es/dataset/lov/api/v2/autocomplete" in bundle
    script = (ui.STATIC_DIR / "ui.js").read_text(encoding="utf-8")
    assert '["class", "property", "prefixes"]' in script
    assert "getData: function () { return [{ endpoint: endpoint }]; }" in script
    assert "copyEndpointOnNewTab: false" in script
    assert not re.search(r"https?://", script.split("*/", 1)[1])  # no URL outside the comment


# -- /ui/examples.json ------------------------------------------------------------------------
def test_ui_examples_json(client):
    r = client.get("/ui/examples.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    config = r.json()
    examples = load_examples()
    assert config["endpoint"] == "/sparql"
    assert __version__ in config["persistenceId"]
    assert config["persistenceId"].startswith(config["persistencePrefix"])
    assert [e["id"] for e in config["examples"]] == [e.id for e in examples]
    for served, example in zip(config["examples"], examples):
        assert served["title"] == example.title
        assert served["query"] == example.query
        assert served["description"] == example.description
    assert config["prefixes"]["kg"] == "https://w3id.org/kgraph/ontology#"


def test_completion_query_finds_kgraph_classes_and_properties(client):
    config = client.get("/ui/examples.json").json()
    r = client.post("/sparql", data={"query": config["completionQuery"]},
                    headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    found = {(b["term"]["value"], b["kind"]["value"]) for b in r.json()["results"]["bindings"]}
    kg = "https://w3id.org/kgraph/ontology#"
    assert (kg + "Claim", "class") in found
    assert (kg + "CasualtyClaim", "class") in found
    assert (kg + "claimant", "property") in found
    assert (kg + "competesWith", "property") in found
    assert ("http://www.w3.org/ns/prov#wasDerivedFrom", "property") in found


def test_every_example_runs_through_the_endpoint(client):
    for example in client.get("/ui/examples.json").json()["examples"]:
        r = client.post("/sparql", data={"query": example["query"]})
        assert r.status_code == 200, example["id"]


# -- /.well-known/sparql-examples -------------------------------------------------------------
def _executables(triples) -> set:
    return {t.subject for t in triples
            if t.predicate == RDF_TYPE and t.object == ox.NamedNode(SH + "SPARQLExecutable")}


@pytest.mark.parametrize("accept,media,fmt", [
    (None, "text/turtle", ox.RdfFormat.TURTLE),
    ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
    ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "text/turtle", ox.RdfFormat.TURTLE),
])
def test_sparql_examples_by_content_negotiation(client, accept, media, fmt):
    headers = {"Accept": accept} if accept else {}
    r = client.get("/.well-known/sparql-examples", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert "Accept" in r.headers["vary"]
    triples = list(ox.parse(r.content, format=fmt))
    executables = _executables(triples)
    assert len(executables) >= 12
    assert all(e.value.startswith("https://w3id.org/kgraph/.well-known/sparql-examples/")
               for e in executables)
    targets = {t.object for t in triples if t.predicate.value == "https://schema.org/target"}
    assert targets == {ox.NamedNode("http://testserver/sparql")}


def test_sparql_examples_queries_are_the_files(client):
    r = client.get("/.well-known/sparql-examples")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    texts = {t.object.value for t in triples
             if t.predicate.value in {SH + "select", SH + "ask", SH + "construct"}}
    assert texts == {e.query for e in load_examples()}
    labels = {t.object.value for t in triples
              if t.predicate.value == "http://www.w3.org/2000/01/rdf-schema#label"}
    assert {e.title for e in load_examples()} <= labels


def test_sparql_examples_unacceptable_is_406(client):
    r = client.get("/.well-known/sparql-examples", headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_sparql_examples_follow_the_base_iri():
    settings = Settings(base_iri="https://example.org/kg/")
    store = open_store(settings, in_memory=True)
    app = FastAPI()
    app.include_router(ui.router(WebContext(settings, store)))
    client = TestClient(app)
    r = client.get("/.well-known/sparql-examples", headers={"Accept": "application/n-triples"})
    triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
    executables = _executables(triples)
    assert len(executables) >= 12
    assert all(e.value.startswith("https://example.org/kg/.well-known/sparql-examples/")
               for e in executables)
    queries = [e["query"] for e in client.get("/ui/examples.json").json()["examples"]]
    assert not any("https://w3id.org/kgraph/" in q for q in queries)


def test_one_example_by_its_number(client):
    r = client.get("/.well-known/sparql-examples/001")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    assert {e.value for e in _executables(triples)} == {
        "https://w3id.org/kgraph/.well-known/sparql-examples/001"}
    assert client.get("/.well-known/sparql-examples/999").status_code == 404


def test_page_follows_the_root_path(seed_store):
    """Behind a proxy that mounts kgraph under a path, every link and the endpoint follow."""
    client = TestClient(ui_app(seed_store), root_path="/kg")
    r = client.get("/kg/")
    urls = re.findall(r'(?:href|src|data-config)="([^"]*)"', r.text)
    assert urls and all(u.startswith("/kg/") for u in urls), urls
    assert client.get("/kg/ui/examples.json").json()["endpoint"] == "/kg/sparql"
    r = client.get("/kg/.well-known/sparql-examples", headers={"Accept": "application/n-triples"})
    assert "<http://testserver/kg/sparql>" in r.text
