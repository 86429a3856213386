"""The write gate: what a write commits is what was tried and validated, the graphs kgraph
maintains stay out of reach, and a refused write changes nothing."""

import pytest

from kgraph.errors import UserError
from kgraph.loading import load_repository
from kgraph.namespaces import GRAPH_META, GRAPH_TRUTHY
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store
from kgraph.writes import WriteGate, WriteRefused

AGENT = "https://w3id.org/kgraph/id/agent/token/test"
G = "http://example.org/g/writes"


@pytest.fixture
def store(tmp_path):
    s = open_store(Settings(store=tmp_path / "store"))
    load_repository(s, REPOSITORY_ROOT)
    yield s
    s.close()


def count(store, graph: str) -> int:
    return sum(1 for _ in store.quads(graph))


def test_the_store_gets_the_difference_that_was_tried_not_the_update_run_again(store):
    # run twice, RAND() would come out otherwise about every other time
    gate = WriteGate(store, validate=False)
    update = f"INSERT {{ GRAPH <{G}> {{ ?n <http://example.org/p> 1 }} }} WHERE {{ BIND(IRI(CONCAT('http://example.org/n/', STRUUID())) AS ?n) FILTER(RAND() < 0.5) }}"
    for _ in range(16):
        before = count(store, G) if G in store.graphs() else 0
        result = gate.update(update, agent=AGENT)
        after = count(store, G) if G in store.graphs() else 0
        assert after - before == result.added
    values = gate.update(f"INSERT {{ GRAPH <{G}> {{ <http://example.org/r> <http://example.org/v> ?v }} }} "
                         "WHERE { BIND(RAND() AS ?v) }", agent=AGENT)
    assert values.added == 1 and count(store, G) == after + 1


def test_an_update_with_blank_nodes_still_lands(store):
    gate = WriteGate(store, validate=False)
    result = gate.update(f"INSERT DATA {{ GRAPH <{G}> {{ _:a <http://example.org/p> _:b . _:b <http://example.org/p> _:a }} }}",
                         agent=AGENT)
    assert result.added == 2 and count(store, G) == 2
    gate.update(f"DELETE WHERE {{ GRAPH <{G}> {{ ?x <http://example.org/p> ?y }} }}", agent=AGENT)
    assert count(store, G) == 0


@pytest.mark.parametrize("update", ["CLEAR ALL", "DROP ALL", "DROP NAMED", "CLEAR NAMED",
                                    "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }"])
def test_an_update_over_every_graph_leaves_the_maintained_ones(store, update):
    ns = store.namespaces
    meta, truthy = ns.graph_iri(GRAPH_META), ns.graph_iri(GRAPH_TRUTHY)
    gate = WriteGate(store, validate=True)
    gate.update(f"INSERT DATA {{ GRAPH <{G}> {{ <http://example.org/s> <http://www.w3.org/2000/01/rdf-schema#label> 'x'@en }} }}",
                agent=AGENT)
    log_before = count(store, meta)
    gate.update(update, agent=AGENT)
    # CLEAR and DELETE leave empty graphs, DROP none
    assert count(store, G) == 0 and count(store, ns.graph_iri("entities")) == 0
    assert count(store, meta) > log_before  # the write log keeps its record, and this one
    assert count(store, truthy) == 0  # derived from what is left: nothing


@pytest.mark.parametrize("update", [
    "CLEAR GRAPH <https://w3id.org/kgraph/graph/meta>",
    "PREFIX g: <https://w3id.org/kgraph/graph/> DROP GRAPH g:truthy",
    "DROP ALL ; INSERT DATA { GRAPH <https://w3id.org/kgraph/graph/meta> { <http://x/s> <http://x/p> 1 } }",
])
def test_an_update_naming_a_maintained_graph_is_refused(store, update):
    gate = WriteGate(store, validate=False)
    gate.update(f"CREATE GRAPH <{G}>", agent=AGENT)  # the write log exists from the first write
    before = sorted(map(str, store.quads()))
    with pytest.raises(WriteRefused):
        gate.update(update, agent=AGENT)
    assert sorted(map(str, store.quads())) == before


@pytest.mark.parametrize("update", ["CREATE GRAPH <https://w3id.org/kgraph/graph/entities>",
                                    "DROP GRAPH <http://example.org/none>"])
def test_a_graph_in_the_wrong_state_is_the_request_s_fault(store, update):
    with pytest.raises(UserError, match="SILENT"):
        WriteGate(store, validate=False).update(update, agent=AGENT)


def test_relative_iris_resolve_against_the_base(store):
    WriteGate(store, validate=False).update(f"INSERT DATA {{ GRAPH <{G}> {{ <s> <p> <o> }} }}",
                                            agent=AGENT, base_iri="http://example.org/sparql")
    assert [str(q.subject) for q in store.quads(G)] == ["<http://example.org/s>"]


def test_created_and_dropped_empty_graphs_land(store):
    gate = WriteGate(store, validate=False)
    gate.update(f"CREATE GRAPH <{G}>", agent=AGENT)
    assert G in store.graphs() and count(store, G) == 0
    gate.update(f"DROP GRAPH <{G}>", agent=AGENT)
    assert G not in store.graphs()
