"""A write is validated only on the nodes it can affect; random writes show that this gives the
same verdict as validating everything."""

import random

import pyoxigraph as ox
import pytest

from kgraph.errors import ValidationFailed
from kgraph.loading import GraphFile, load_files
from kgraph.namespaces import Namespaces
from kgraph.settings import REPOSITORY_ROOT, Settings
from kgraph.store import open_store
from kgraph.validation import validate_store
from kgraph.writes import WriteGate

TRIALS = 25
BASE = REPOSITORY_ROOT / "tests" / "shapes" / "valid" / "base.ttl"
DATA = "https://w3id.org/kgraph/graph/source/base"


def fresh_store():
    ns = Namespaces()
    store = open_store(Settings(), in_memory=True)
    files = [GraphFile(p, ns.graph_iri("ontology")) for p in (REPOSITORY_ROOT / "ontology").glob("*.ttl")]
    files += [GraphFile(p, ns.graph_iri("vocabularies")) for p in (REPOSITORY_ROOT / "ontology" / "imports").glob("*.ttl")]
    files += [GraphFile(p, ns.graph_iri("shapes")) for p in (REPOSITORY_ROOT / "shapes").glob("*.ttl")]
    files.append(GraphFile(BASE, DATA))
    load_files(store, files)
    return store


def mutation(rng: random.Random, quads: list[ox.Quad]) -> str:
    """A random one-triple change of the data graph, as a SPARQL update."""
    q = rng.choice(quads)
    if rng.random() < 0.6:
        return f"DELETE DATA {{ GRAPH <{DATA}> {{ {q.subject} {q.predicate} {q.object} }} }}"
    other = rng.choice(quads)
    third = rng.choice(quads)
    return f"INSERT DATA {{ GRAPH <{DATA}> {{ {q.subject} {other.predicate} {third.object} }} }}"


def test_random_writes_get_the_verdict_of_a_full_validation():
    rng = random.Random(20261126)
    store = fresh_store()
    assert validate_store(store).conforms, "the base fixture conforms"
    quads = [q for q in store.quads(DATA) if not isinstance(q.subject, ox.BlankNode)
             and not isinstance(q.object, ox.BlankNode)]
    assert len(quads) > 50
    refused = accepted = 0
    for _ in range(TRIALS):
        update = mutation(rng, quads)
        gate = WriteGate(store, validate=True)
        # the full verdict, on a copy with the update applied
        copy = fresh_store()
        copy.update(update)
        full = validate_store(copy).conforms
        try:
            gate.update(update, agent="http://example.org/test")
            incremental = True
        except ValidationFailed:
            incremental = False
        assert incremental == full, update
        if incremental:
            accepted += 1
            store.update(update.replace("INSERT DATA", "DELETE DATA") if "INSERT DATA" in update
                         else update.replace("DELETE DATA", "INSERT DATA"))  # undo
        else:
            refused += 1
    assert refused >= 5 and accepted >= 5, (refused, accepted)
