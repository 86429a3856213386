import pytest

from kgraph.errors import QueryError
from kgraph.sparql_text import (
    MAX_NESTING,
    check_nesting,
    has_dataset_clause,
    load_sources,
    service_endpoints,
    with_using,
)


def test_nesting_limit_counts_brackets_outside_strings_and_iris():
    check_nesting("SELECT * WHERE { FILTER" + "(" * (MAX_NESTING - 1) + "1" + ")" * (MAX_NESTING - 1) + " }")
    check_nesting('ASK { ?s ?p "' + "{" * 1000 + '" }')
    check_nesting("ASK { ?s ?p <http://e/" + "(" * 10 + "> }")
    with pytest.raises(QueryError) as info:
        check_nesting("ASK {\n" + "{" * (MAX_NESTING + 1))
    assert info.value.location.line == 2


def test_dataset_clause():
    assert has_dataset_clause("SELECT * FROM <http://g> WHERE { ?s ?p ?o }")
    assert has_dataset_clause("select * from named <http://g> where { }")
    assert not has_dataset_clause("SELECT ?from WHERE { ?from ?p 'FROM' }")
    assert not has_dataset_clause("SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o } } }")


def test_service_endpoints():
    q = ("SELECT * WHERE { SERVICE <http://a/> { ?s ?p ?o } SERVICE SILENT <http://b/> {} "
         "SERVICE ?x {} ?s ex:SERVICE ?o . # SERVICE <http://c/>\n ?s ?p 'SERVICE <http://d/>' }")
    assert service_endpoints(q) == ("http://a/", "http://b/", None)


def test_with_using_adds_clauses_before_each_where():
    u = "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o } ; INSERT { ?s ?p 1 } WHERE { ?s ?p 2 }"
    out = with_using(u, ["http://g/1"], ["http://g/2"])
    assert out.count("USING <http://g/1> USING NAMED <http://g/2> WHERE") == 2
    assert with_using(u, [], []) == u
    with pytest.raises(QueryError):
        with_using("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://g/1"], [])
    assert "USING" not in with_using("INSERT DATA { <a:b> <a:c> 'WHERE' }", ["http://g/1"], [])


def test_load_sources():
    u = ("LOAD <http://a/x.ttl> ; load silent <file:///etc/x> INTO GRAPH <http://g> ;\n"
         "# LOAD <http://c/>\nINSERT DATA { <http://s> <http://p> 'LOAD <http://d/>' }")
    assert load_sources(u) == ("http://a/x.ttl", "file:///etc/x")


def test_prefixed_names_are_not_keywords():
    assert not has_dataset_clause("PREFIX from: <http://x/> SELECT * WHERE { ?s from:p ?o }")
    assert service_endpoints("PREFIX service: <http://x/> SELECT * WHERE { ?s service:p ?o }") == ()
    out = with_using("PREFIX where: <http://x/> DELETE { ?s where:p ?o } WHERE { ?s where:p ?o }",
                     ["http://g"], [])
    assert out.count("USING <http://g>") == 1 and out.index("USING") > out.index("DELETE")


def test_checks_remember_what_they_found_in_short_texts_only():
    from kgraph.sparql_text import MEMO_MAX_CHARS, check_nesting, has_dataset_clause

    deep = "SELECT * WHERE " + "{" * 200 + "}" * 200
    for _ in range(2):  # remembered, the answer is still a refusal, with its line
        with pytest.raises(QueryError, match="nests brackets"):
            check_nesting(deep)
    short = "SELECT * FROM <http://g/> WHERE { ?s ?p ?o } # remembered"
    before = has_dataset_clause.cache_info()
    assert has_dataset_clause(short) and has_dataset_clause(short)
    after = has_dataset_clause.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    long = short + " " * MEMO_MAX_CHARS
    assert has_dataset_clause(long) and has_dataset_clause(long)
    assert has_dataset_clause.cache_info() == after, "a long text is read every time"
