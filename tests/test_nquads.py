"""The load's parser process writes each file as N-Quads without a Python step per triple
(`kgraph.store._nquads.write_nquads`): what it writes must be exactly the file's triples in the
target graph, whatever the literals hold and wherever a chunk ends."""

import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgraph.store import _nquads, canonical_digest

TRICKY = '''@prefix ex: <http://example.org/> .
ex:a ex:text """two lines .
and a dot at the end of the first""" , "ends with a dot ." , 'quote " and .' ,
    "tab\\tand newline\\n ." , "ünïcödé ."@de , "1.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<rel/x> ex:b [ ex:c ex:d ] , _:named .
_:named ex:e 1.0 , 2 , true , "x"@en-GB .
ex:a ex:text "ends with a dot ." .
'''


@pytest.mark.parametrize("chunk", [1, 2, 3, 65536])
def test_written_quads_are_the_files_triples_in_its_graph(tmp_path: Path, monkeypatch, chunk: int):
    monkeypatch.setattr(_nquads, "CHUNK", chunk)
    source = tmp_path / "tricky.ttl"
    source.write_text(TRICKY, encoding="utf-8")
    graph = "http://example.org/graph/with%20escapes?and=query"
    out = io.BytesIO()
    n = _nquads.write_nquads(source, ox.RdfFormat.TURTLE, graph, out)
    assert n == 14  # as read: the triple the file states twice counts twice
    written = ox.Store()
    written.load(out.getvalue(), format=ox.RdfFormat.N_QUADS)
    reference = ox.Store()
    reference.load(path=str(source), format=ox.RdfFormat.TURTLE, base_iri=source.resolve().as_uri(),
                   to_graph=ox.NamedNode(graph))
    assert len(reference) == 13 and {q.graph_name.value for q in written} == {graph}
    assert canonical_digest(written) == canonical_digest(reference)


def test_a_syntax_error_names_the_file_line_and_column(tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\n")
    with pytest.raises(SyntaxError) as info:
        _nquads.write_nquads(bad, ox.RdfFormat.TURTLE, "http://g/bad", io.BytesIO())
    assert (info.value.filename, info.value.lineno) == (str(bad), 3) and info.value.offset
