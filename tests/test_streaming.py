"""The recogniser of queries that stream (one triple pattern): strict, never loose.

A query it accepts is answered in the server's own process, where no deadline can stop an
evaluation that reads without writing; so every form that can (a join, FILTER, DISTINCT, OFFSET,
ORDER BY, a path, a repeated variable) must be refused, and the accepted ones must be the single
pattern pyoxigraph also reads."""

from pathlib import Path

import pyoxigraph as ox
import pytest

from kgraph.query.streaming import streams

STREAMING = [
    "SELECT ?p ?o WHERE { <http://example.org/s> ?p ?o }",
    "select * { ?s a <http://example.org/C> . } limit 5",
    "SELECT ?s WHERE { ?s <http://example.org/p> 42 }",
    "SELECT ?s WHERE { ?s <http://example.org/p> -4.5e3 }",
    "SELECT ?s WHERE { ?s <http://example.org/p> true }",
    'SELECT ?s WHERE { ?s <http://example.org/p> "x"@en-GB }',
    'SELECT ?s WHERE { ?s <http://example.org/p> "a \\" } b"^^<http://example.org/dt> }',
    "SELECT ?s WHERE { ?s <http://example.org/p> 'single' }",
    "PREFIX ex: <http://example.org/> SELECT $s WHERE { $s ex:p ex:o }",
    "BASE <http://example.org/> PREFIX : <http://example.org/> SELECT ?o { <s> :p ?o }",
    "ASK { <http://example.org/s> ?p ?o }",
    "ASK WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?g ?s WHERE { GRAPH <http://example.org/g> { ?s ?p ?o . } . }",
    "# a comment\nSELECT ?o # another\nWHERE { <http://example.org/s> ?p ?o } # end",
    "SELECT ?x ?o WHERE { <http://example.org/s> ?p ?o }",  # ?x unbound: still one scan
]

NOT_STREAMING = [
    "SELECT ?s WHERE { ?s ?p ?o . ?o ?q ?r }",                       # a join
    "SELECT ?s WHERE { ?s ?p ?o ; ?q ?r }",                          # a join, abbreviated
    "SELECT ?s WHERE { ?s ?p ?o , ?r }",                             # a join, abbreviated
    "SELECT DISTINCT ?p WHERE { ?s ?p ?o }",                         # reads all, writes few
    "SELECT REDUCED ?p WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } OFFSET 1000000",                   # skips without writing
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5 OFFSET 5",
    "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s",                      # sorts before writing
    "SELECT ?s WHERE { ?s ?p ?o FILTER(?o = 1) }",                   # may write nothing
    "SELECT ?s WHERE { ?s ?p ?s }",                                  # a repeated variable
    "SELECT ?s WHERE { GRAPH ?s { ?s ?p ?o } }",
    "SELECT ?s WHERE { ?s <http://example.org/p>* ?o }",             # a path
    "SELECT ?s WHERE { ?s <http://example.org/p>/<http://example.org/q> ?o }",
    "SELECT ?s WHERE { ?s ^<http://example.org/p> ?o }",
    "SELECT ?s WHERE { ?s ?p _:b }",                                 # a blank node is a variable
    "SELECT ?s WHERE { ?s ?p [] }",
    "SELECT ?s FROM <http://example.org/g> WHERE { ?s ?p ?o }",      # its own dataset
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",                    # an aggregate
    "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s",
    "SELECT ?s WHERE { { ?s ?p ?o } UNION { ?o ?p ?s } }",
    "SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?s WHERE { ?s ?p ?o BIND(1 AS ?x) }",
    "SELECT ?s WHERE { VALUES ?s { <http://example.org/a> } ?s ?p ?o }",
    "SELECT ?s WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT ?s WHERE { ?s ?p ?o MINUS { ?s a ?c } }",
    "SELECT * WHERE { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "DESCRIBE <http://example.org/s>",
    'SELECT ?s WHERE { ?s ?p """long } string""" }',
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT ?n",
    "SELECT ?s WHERE { ?s ?p ?o",
    "SELECT ?s WHERE { ?s ?p }",
    "SELECT WHERE { ?s ?p ?o }",
    "",
    "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }",
    "SELECT ?s WHERE { <<( ?s ?p ?o )>> ?q ?r }",
]


@pytest.mark.parametrize("query", STREAMING)
def test_one_pattern_streams(query):
    assert streams(query)
    ox.Store().query(query)  # and pyoxigraph reads it too (it is valid SPARQL)


@pytest.mark.parametrize("query", NOT_STREAMING)
def test_everything_else_goes_to_a_worker(query):
    assert not streams(query)


def test_of_the_shipped_queries_only_the_two_single_patterns_stream():
    """The examples, audits and pages are joins, which must keep the worker's deadline; the
    two look-ups of one node's triples are single patterns."""
    root = Path(__file__).parents[1] / "src" / "kgraph"
    queries = sorted(root.rglob("*.rq"))
    assert len(queries) > 30
    assert [q.name for q in queries if streams(q.read_text(encoding="utf-8"))] == [
        "facts.rq", "incoming.rq"]


def test_very_long_text_is_not_read():
    pattern = "SELECT ?o WHERE { <http://example.org/" + "x" * 5000 + "> ?p ?o }"
    assert not streams(pattern)
