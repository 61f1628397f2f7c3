"""The store contract, run on every backend: the embedded pyoxigraph store on a temporary
directory, and real servers spoken to over SPARQL protocol: Oxigraph with and without the
union default graph, and Virtuoso 7 (see conftest.py's ``any_store``)."""

import csv
import io
import json

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from peerkg.graph.base.errors import QueryError, StoreError
from peerkg.graph.store import EndpointStore, endpoint_urls, open_store
from peerkg.graph.store.access import ScopedStore
from peerkg.graph.store.bulk import RdfFile
from peerkg.graph.store.inspect import Dataset as Graphs

G1 = URIRef("https://example.org/g1")
G2 = URIRef("https://example.org/g2")
EX = "https://example.org/"


def graph(*objects) -> Graph:
    g = Graph()
    for i, o in enumerate(objects):
        g.add((URIRef(f"{EX}s{i}"), URIRef(EX + "p"), o))
    return g


def test_replace_graphs_replaces_whole_graphs(any_store):
    any_store.replace_graphs({G1: graph(Literal("a"), Literal("b")), G2: graph(Literal("c"))})
    assert any_store.graphs() == [str(G1), str(G2)]
    any_store.replace_graphs({G1: graph(Literal("z"))})
    table = any_store.select("SELECT ?o WHERE { GRAPH <https://example.org/g1> { ?s ?p ?o } }")
    assert [str(r[0]) for r in table.rows] == ["z"]
    assert len(any_store.select("SELECT * WHERE { GRAPH <https://example.org/g2> { ?s ?p ?o } }").rows) == 1


def test_default_graph_is_the_union(any_store):
    any_store.replace_graphs({G1: graph(Literal("a")), G2: graph(Literal("b"))})
    table = any_store.select("SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o")
    assert [str(r[0]) for r in table.rows] == ["a", "b"]


def test_terms_round_trip(any_store):
    values = [Literal("x", lang="en"), Literal(3), Literal("2013-05-24", datatype=XSD.date),
              URIRef(EX + "o"), Literal('q"uote\n'), Literal("74", datatype=XSD.decimal),
              Literal("65.5", datatype=XSD.decimal), Literal(True), Literal("x", lang="en-GB")]
    any_store.replace_graphs({G1: graph(*values)})
    table = any_store.select("SELECT ?o WHERE { ?s ?p ?o }")
    assert set(r[0] for r in table.rows) == set(values)
    stored = Dataset().parse(data=any_store.dump(), format="nquads")
    assert {o for _, _, o, _ in stored.quads()} == set(values)


def test_blank_nodes_read_back_as_blank_nodes(any_store):
    data = Graph().parse(format="turtle", data="""
        @prefix ex: <https://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        ex:C owl:equivalentClass [ owl:unionOf ( ex:A ex:B ) ] .
        ex:D ex:p [ ex:q "one" ] , [ ex:q "two" ] .""")
    any_store.replace_graphs({G1: data})
    stored = Dataset().parse(data=any_store.dump(), format="nquads")
    assert isomorphic(stored.graph(G1), data)
    rows = any_store.select("SELECT ?o WHERE { <https://example.org/D> ?p ?o }").rows
    assert len(rows) == 2 and all(isinstance(r[0], BNode) for r in rows)
    exported = Dataset().parse(data=any_store.export("application/trig"), format="trig")
    assert isomorphic(exported.graph(G1), data)


def test_a_graph_the_engine_refuses_leaves_the_store_as_it_was(any_store):
    any_store.replace_graphs({G1: graph(Literal("a"))})
    before, graphs = any_store.dump(), any_store.graphs()
    refused = Graph()
    refused.add((Literal("a literal cannot be a subject"), URIRef(EX + "p"), Literal("x")))
    with pytest.raises((QueryError, StoreError)):
        any_store.replace_graphs({G1: graph(Literal("new")), G2: graph(Literal("new")),
                                  URIRef(EX + "g3"): refused})
    assert any_store.dump() == before and any_store.graphs() == graphs


def test_bindings_are_typed_terms_not_text(any_store):
    any_store.replace_graphs({G1: graph(Literal("a"), Literal("b"))})
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    rows = any_store.select(query, {"o": Literal("b")}).rows
    assert [str(r[0]) for r in rows] == [EX + "s1"]
    # a value that would break out of a formatted query is just a literal that matches nothing
    assert any_store.select(query, {"o": Literal('b" } UNION { ?s ?p ?o')}).rows == []
    with pytest.raises(QueryError, match="not a valid IRI"):
        any_store.select(query, {"o": URIRef("https://x> } ?s ?p ?o {")})


def test_serialize_in_the_engine_formats(any_store):
    any_store.replace_graphs({G1: graph(Literal("a"))})
    query = "SELECT ?o WHERE { ?s ?p ?o }"
    data = json.loads(any_store.query_as(query, "application/sparql-results+json"))
    assert data["head"]["vars"] == ["o"] and data["results"]["bindings"][0]["o"]["value"] == "a"
    # engines quote CSV cells differently (Virtuoso quotes all): compare the cells
    assert list(csv.reader(io.StringIO(any_store.query_as(query, "text/csv").decode()))) == [["o"], ["a"]]
    turtle = any_store.query_as("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle")
    assert len(Graph().parse(data=turtle, format="turtle")) == 1


def test_malformed_query_is_a_query_error_with_the_parser_message(any_store):
    with pytest.raises(QueryError) as error:
        any_store.select("SELECT * WHERE { ?s ?p }")
    # the parser's own position of the error, on every backend: Oxigraph's line and column;
    # Virtuoso names the line and the token it stopped at
    message = str(error.value)
    assert "1:25" in message or ("line 1" in message and "at '}'" in message), message


def test_failed_update_changes_nothing(any_store):
    any_store.replace_graphs({G1: graph(Literal("a"))})
    before = any_store.dump()
    with pytest.raises(QueryError):
        any_store.update("INSERT DATA { GRAPH <https://example.org/g1> { <x:a> <x:b> } }")
    assert any_store.dump() == before
    profile = getattr(any_store, "profile", None)
    if profile is not None and not profile.atomic_updates:
        # Virtuoso commits each operation of a request on its own: the store says so, and
        # loads stage their graphs instead (test_a_graph_the_engine_refuses_...)
        assert profile.name == "virtuoso"
        return
    # a multi-part update that fails in its second part rolls back its first part
    with pytest.raises((QueryError, StoreError)):
        any_store.update(
            "CLEAR GRAPH <https://example.org/g1> ; DROP GRAPH <https://example.org/missing>")
    assert any_store.dump() == before


def test_dump_is_n_quads_of_every_named_graph(any_store):
    any_store.replace_graphs({G1: graph(Literal("a")), G2: graph(Literal("b"))})
    dataset = Dataset()
    dataset.parse(data=any_store.dump(), format="nquads")
    assert {str(g.identifier) for g in dataset.graphs() if len(g)} == {str(G1), str(G2)}


def test_drop_graph(any_store):
    any_store.replace_graphs({G1: graph(Literal("a")), G2: graph(Literal("b"))})
    any_store.drop_graph(G1)
    assert any_store.graphs() == [str(G2)]


def test_embedded_directory_persists(tmp_path):
    location = str(tmp_path / "store")
    with open_store(location) as store:
        store.replace_graphs({G1: graph(Literal("kept"))})
    with open_store(location) as store:
        assert store.graphs() == [str(G1)]


def test_second_process_gets_a_clear_error(tmp_path):
    import subprocess
    import sys

    location = str(tmp_path / "store")
    with open_store(location):
        code = f"from peerkg.graph.store import open_store; open_store({location!r})"
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "Another peerkg process" in result.stderr


def test_unreachable_endpoint_is_a_store_error():
    from tests.conftest import free_port

    store = EndpointStore(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="cannot reach the SPARQL endpoint"):
        store.graphs()


@pytest.mark.parametrize(
    ("url", "query", "update"),
    [
        ("http://h:7878", "http://h:7878/query", "http://h:7878/update"),
        ("http://h:7878/query", "http://h:7878/query", "http://h:7878/update"),
        ("http://h/ds/sparql", "http://h/ds/sparql", "http://h/ds/update"),
    ],
)
def test_endpoint_urls(url, query, update):
    assert endpoint_urls(url) == (query, update)


def test_from_and_from_named_choose_the_dataset(any_store):
    any_store.replace_graphs({G1: graph(Literal("a")), G2: graph(Literal("b"))})
    rows = any_store.select(f"SELECT ?o FROM <{G1}> WHERE {{ ?s ?p ?o }}").rows
    assert [str(r[0]) for r in rows] == ["a"]
    rows = any_store.select(f"SELECT ?g FROM NAMED <{G2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}").rows
    assert [str(r[0]) for r in rows] == [str(G2)]
    # a named dataset without FROM has an empty default graph; FROM a missing graph counts 0
    assert any_store.select(f"SELECT ?o FROM NAMED <{G2}> WHERE {{ ?s ?p ?o }}").rows == []
    count = any_store.select("SELECT (COUNT(*) AS ?n) FROM <urn:nothing> WHERE { ?s ?p ?o }")
    assert count.rows[0][0].toPython() == 0


def test_a_dataset_given_by_the_caller_overrides_the_query(any_store):
    any_store.replace_graphs({G1: graph(Literal("a")), G2: graph(Literal("b"))})
    rows = any_store.select(f"SELECT ?o FROM <{G1}> WHERE {{ ?s ?p ?o }}",
                            dataset=Graphs((str(G2),), ())).rows
    assert [str(r[0]) for r in rows] == ["b"]


def test_a_scoped_store_holds_only_its_graphs(any_store):
    any_store.replace_graphs({G1: graph(Literal("a")), G2: graph(Literal("b"))})
    scoped = ScopedStore(any_store, [str(G1)])
    for query in ("SELECT ?o WHERE { ?s ?p ?o }",
                  "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
                  f"SELECT ?o WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }} ",
                  f"SELECT ?o FROM <{G2}> FROM <{G1}> WHERE {{ ?s ?p ?o }}",
                  f"SELECT ?o FROM NAMED <{G2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"):
        assert {str(r[0]) for r in scoped.select(query).rows} <= {"a"}, query
    assert scoped.select("SELECT ?o WHERE { ?s ?p ?o }", dataset=Graphs((str(G2),), ())).rows == []
    assert scoped.graphs() == [str(G1)]
    assert str(G2).encode() not in scoped.dump()
    with pytest.raises(StoreError):
        scoped.update("CLEAR ALL")
    assert any_store.graphs() == [str(G1), str(G2)]


def test_a_kept_answer_is_renewed_by_every_write(any_store, tmp_path):
    """select_kept answers as select does after every kind of write: the embedded store keeps
    answers between writes, an endpoint that others may write keeps none."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

    def kept() -> int:
        return int(any_store.select_kept(count).rows[0][0])

    assert kept() == 0
    any_store.replace_graphs({G1: graph(Literal("a"), Literal("b"))})
    assert kept() == 2
    any_store.update(f"INSERT DATA {{ GRAPH <{G2}> {{ <{EX}s> <{EX}p> 'c' }} }}")
    assert kept() == 3
    nquads = tmp_path / "g2.nq"
    nquads.write_text(f"<{EX}s> <{EX}p> \"d\" <{G2}> .\n<{EX}s> <{EX}p> \"e\" <{G2}> .\n")
    any_store.load_graphs({}, [RdfFile(nquads, "application/n-quads", frozenset({G2}))])
    assert kept() == 4
    any_store.drop_graph(G1)
    assert kept() == 2
    scoped = ScopedStore(any_store, [str(G1)])
    assert int(scoped.select_kept(count).rows[0][0]) == 0  # a view keeps answers of its own
    assert kept() == 2


def test_big_writes_go_graph_by_graph_and_stay_all_or_nothing(any_store, monkeypatch, tmp_path):
    """Past ONE_UPDATE triples an endpoint gets each graph staged on its own, then all moved
    into place (servers cap a request's size); the store still ends as one update would leave
    it, and a graph the engine refuses still leaves it as it was."""
    monkeypatch.setattr(EndpointStore, "ONE_UPDATE", 1)
    any_store.replace_graphs({G1: graph(Literal("a"), Literal("b")), G2: graph(Literal("c"))})
    any_store.replace_graphs({G2: Graph()})
    assert any_store.graphs() == [str(G1)]
    before = any_store.dump()
    refused = Graph()
    refused.add((Literal("a literal cannot be a subject"), URIRef(EX + "p"), Literal("x")))
    with pytest.raises((QueryError, StoreError)):
        any_store.replace_graphs({G1: graph(Literal("new")), URIRef(EX + "g3"): refused})
    assert any_store.dump() == before and any_store.graphs() == [str(G1)]
    nquads = tmp_path / "two.nq"
    nquads.write_text(f"<{EX}s> <{EX}p> \"d\" <{G2}> .\n_:b <{EX}p> \"e\" <{G2}> .\n"
                      f"<{EX}s> <{EX}p> _:b <{EX}g4> .\n", encoding="utf-8")
    any_store.load_graphs({G1: graph(Literal("f"))},
                          [RdfFile(nquads, "application/n-quads", frozenset({G2, URIRef(EX + "g4")}))])
    assert any_store.graphs() == [str(G1), str(G2), EX + "g4"]
    rows = any_store.select("SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?o").rows
    assert [(str(g)[len(EX):], o if isinstance(o, Literal) else "node") for g, o in rows] == [
        ("g1", Literal("f")), ("g2", Literal("d")), ("g2", Literal("e")), ("g4", "node")]
