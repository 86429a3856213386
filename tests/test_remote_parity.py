"""The same kgraph on a live `oxigraph serve`: every competency question and every audit gives
what it gives on the embedded store, and the endpoint, linked-data page, audit and Graph Store
suites pass through the remote store with the expectations they have on the embedded one.

Everything runs twice, against the two ways a server gives kgraph its union default graph:
`oxigraph serve` asked for the union per query, and `oxigraph serve --union-default-graph`, whose
default graph is always the union. Each is started once, on 127.0.0.1, and the seed repository is
loaded into it through kgraph (`open_store` with its URL, then `load_repository`). The other
suites' tests are taken as they are: their fixtures `seed_store`, `store` and `client` are the
remote store and an app over it here. Read-only suites run first, then the writing ones (the
protocol's updates, the Graph Store's PUTs), in the order listed. With the union always on, two
tests of the protocol suite are expected to fail, for the reasons in ALWAYS_UNION_DIFFERS (the
limits docs/scaling.md states); they are marked strict xfail, so they are known to fail.
"""

from __future__ import annotations

import inspect
import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

import test_audit_web
import test_audits
import test_competency
import test_graph_store
import test_pages
import test_protocol
from kgraph.audits import all_flags, registry, run_audit, run_audits
from kgraph.loading import load_repository
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import RemoteStore, open_store
from kgraph.web.app import create_app
from support import OxigraphServer
from test_audits import flags, results  # noqa: F401  (fixtures, over the remote store here)
from test_competency import actual_result, case_params, passages, row_tuple  # noqa: F401

TOKENS = f"alice:{test_protocol.TOKEN},bob:t0ken"


MODES = {"per-query-union": False, "union-server": True}

#: Tests that cannot pass when the server's default graph is always the union, and why.
ALWAYS_UNION_DIFFERS = {
    "test_protocol__using_graph_uri":
        "oxigraph serve --union-default-graph refuses updates with USING (400)",
    "test_protocol__a_prefix_named_where_gets_no_using":
        "oxigraph serve --union-default-graph refuses updates with USING (400)",
    "test_protocol__invalid_update_is_refused_with_the_report_and_changes_nothing":
        "an update with a WHERE clause cannot be validated against a server whose updates read "
        "the union: refused with 400 instead of validated (422)",
}


@pytest.fixture(scope="module", params=list(MODES))
def oxigraph(request, tmp_path_factory):
    union = MODES[request.param]
    folder = tmp_path_factory.mktemp(f"remote-{request.param}")
    with OxigraphServer(folder / "oxigraph", union_default_graph=union) as server:
        yield server


#: Tests that cannot pass against `oxigraph serve` in either mode, and why.
REMOTE_DIFFERS = {
    "test_protocol__a_function_the_engine_does_not_know_is_the_query_s_fault":
        "oxigraph serve answers a function it does not know with 500, which kgraph passes on as "
        "502 (a fault of the store, as far as kgraph can tell)",
}


@pytest.fixture(autouse=True)
def known_differences(request):
    name = request.node.originalname
    if name in ALWAYS_UNION_DIFFERS and "union-server" in request.node.name:
        request.applymarker(pytest.mark.xfail(reason=ALWAYS_UNION_DIFFERS[name], strict=True))
    if name in REMOTE_DIFFERS:
        request.applymarker(pytest.mark.xfail(reason=REMOTE_DIFFERS[name], strict=True))


@pytest.fixture(scope="module")
def seed_store(oxigraph):
    """The seed repository, loaded into `oxigraph serve` through kgraph."""
    store = open_store(Settings(store=oxigraph.query_url))
    assert isinstance(store, RemoteStore)
    load_repository(store, REPOSITORY_ROOT)
    yield store
    store.close()


@pytest.fixture(scope="module")
def store(seed_store):
    return seed_store


@pytest.fixture(scope="module")
def embedded():
    store = open_store(Settings(), in_memory=True)
    load_repository(store, REPOSITORY_ROOT)
    return store


@pytest.fixture(scope="module")
def client(oxigraph, seed_store):
    settings = Settings(store=oxigraph.query_url, write_token=TOKENS)
    app = create_app(settings, seed_store)
    with TestClient(app) as c:
        yield c
    app.state.executor.close()


def rows_of(result: object) -> dict[str, object]:
    """A result compared without order: variables and a multiset of rows (or the boolean)."""
    actual = actual_result(result)
    if "boolean" in actual:
        return actual
    variables = actual["variables"]
    return {"variables": variables,
            "rows": Counter(row_tuple(r, variables) for r in actual["rows"])}  # type: ignore[union-attr]


def plain(document: object) -> object:
    return json.loads(json.dumps(document, sort_keys=True))


def unordered(result_json: dict) -> dict:
    """An audit result with its rows and flags as sorted lists of canonical JSON."""
    out = dict(result_json)
    out["rows"] = sorted(json.dumps(r, sort_keys=True) for r in result_json["rows"])
    out["flags"] = sorted(json.dumps(f, sort_keys=True) for f in result_json["flags"])
    return out


# -- parity with the embedded store ------------------------------------------------------------

def test_the_remote_store_holds_what_the_embedded_store_holds(seed_store, embedded):
    assert seed_store.graphs() == embedded.graphs()
    for graph in embedded.graphs():
        remote_quads = {str(q) for q in seed_store.quads(graph)}
        local_quads = {str(q) for q in embedded.quads(graph)}
        if any("_:" in q for q in local_quads):  # blank node labels differ: compare the sizes
            assert len(remote_quads) == len(local_quads), graph
        else:
            assert remote_quads == local_quads, graph
    assert not any("/graph/staging/" in g for g in seed_store.graphs())


@pytest.mark.parametrize("path", case_params())
def test_every_competency_question_answers_as_on_the_embedded_store(path: Path, seed_store, embedded):
    text = path.read_text(encoding="utf-8")
    assert rows_of(seed_store.query(text)) == rows_of(embedded.query(text))


@pytest.mark.parametrize("name", list(registry()))
def test_every_audit_answers_as_on_the_embedded_store(name, seed_store, embedded):
    remote = run_audit(seed_store, name).to_json()
    local = run_audit(embedded, name).to_json()
    assert unordered(remote) == unordered(local)


def test_all_flags_are_the_same_and_in_the_same_order(seed_store, embedded):
    assert ([f.to_json() for f in all_flags(run_audits(seed_store))]
            == [f.to_json() for f in all_flags(run_audits(embedded))])


@pytest.mark.parametrize("path", case_params())
def test_the_endpoint_answers_the_competency_questions_as_the_embedded_store(path, client, embedded):
    text = path.read_text(encoding="utf-8")
    r = client.post("/sparql", data={"query": text},
                    headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    parsed = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)
    assert rows_of(parsed) == rows_of(embedded.query(text))


def test_linked_data_pages_render_as_on_the_embedded_store(client, embedded):
    local = TestClient(create_app(Settings(), embedded))
    for path in ("person/valery-gerasimov", "claim/kursk-dprk-2025-id/gornal-last-settlement",
                 "passage/kursk-dprk-2025-id/p11-s2", "region/kursk-oblast"):
        for media in ("text/html", "text/turtle"):
            remote_page = client.get(f"/doc/{path}", headers={"Accept": media})
            local_page = local.get(f"/doc/{path}", headers={"Accept": media})
            assert remote_page.status_code == local_page.status_code == 200, path
            if media == "text/turtle":
                assert (test_pages.parse(remote_page.content, media)
                        == test_pages.parse(local_page.content, media)), path
            else:
                assert remote_page.text == local_page.text, path


# -- the other suites, through the remote store -----------------------------------------------

#: Fixtures that are the remote store here; a test that uses none of them is not about a store
#: and is not repeated.
OVERRIDDEN = {"seed_store", "store", "client", "results", "flags", "passages"}
#: Tests that build a store of their own (embedded): nothing to repeat.
OWN_STORE = {"planted", "written", "disk_store", "tmp_path"}


def adopt(module, prefix: str) -> None:
    """Take the module's tests that use the overridden fixtures, under `prefix`."""
    for name, fn in list(vars(module).items()):
        if not (name.startswith("test_") and inspect.isfunction(fn)):
            continue
        uses = set(inspect.signature(fn).parameters)
        if uses & OVERRIDDEN and not uses & OWN_STORE:
            globals()[f"test_{prefix}__{name[len('test_'):]}"] = fn


adopt(test_competency, "competency")
adopt(test_audits, "audits")
adopt(test_audit_web, "audit_web")
adopt(test_pages, "pages")
adopt(test_protocol, "protocol")
adopt(test_graph_store, "graph_store")


def test_the_suites_are_adopted():
    adopted = [n for n in globals() if "__" in n and n.startswith("test_")]
    for prefix in ("competency", "audits", "audit_web", "pages", "protocol", "graph_store"):
        assert any(n.startswith(f"test_{prefix}__") for n in adopted), prefix
