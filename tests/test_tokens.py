"""SPARQL's tokens, read once for the security check (inspect) and the Virtuoso rewrites
(dialect): where strings, comments and IRIs end, and what each reader then does with a keyword
or a ``/`` inside them."""

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef

from peerkg.graph.base.errors import QueryError
from peerkg.graph.store.dialect import decimal_division, uses_exists, values_at_end
from peerkg.graph.store.engine import free_port
from peerkg.graph.store.inspect import Dataset, inspect, with_using, without_dataset
from peerkg.graph.store.tokens import LAYOUT, tokenize


def unspaced(text: str) -> list[tuple[str, str]]:
    return [(kind, value) for kind, value, _ in tokenize(text) if kind != "space"]


@pytest.mark.parametrize(("text", "expected"), [
    ("<http://x/a#b> ?o", [("iri", "<http://x/a#b>"), ("var", "?o")]),
    ('"a # b" ?o', [("string", '"a # b"'), ("var", "?o")]),
    ('"""say "hi" and ""twice""\n# not a comment""" ?o',
     [("string", '"""say "hi" and ""twice""\n# not a comment"""'), ("var", "?o")]),
    ("'''it's\n''not'' over''' ?o", [("string", "'''it's\n''not'' over'''"), ("var", "?o")]),
    (r'"a \" FROM" ?o', [("string", r'"a \" FROM"'), ("var", "?o")]),
    (r"'it\'s' ?o", [("string", r"'it\'s'"), ("var", "?o")]),
    ("?s # FROM <http://x> 'open\n?o", [("var", "?s"), ("comment", "# FROM <http://x> 'open"),
                                        ("var", "?o")]),
    ("?s # a comment ends at a carriage return\r?o",
     [("var", "?s"), ("comment", "# a comment ends at a carriage return"), ("var", "?o")]),
    ("ex:from ?from $from FrOm", [("name", "ex:from"), ("var", "?from"), ("var", "$from"),
                                  ("name", "FrOm")]),
    ("1SERVICE 2.5e3 .5", [("number", "1"), ("name", "SERVICE"), ("number", "2.5e3"),
                           ("number", ".5")]),
    ("ex:o. _:b. ex:a.b", [("name", "ex:o"), ("op", "."), ("name", "_:b"), ("op", "."),
                           ("name", "ex:a.b")]),
    ('"x"@en-GB^^ && ?a||!', [("string", '"x"'), ("name", "@en-GB"), ("op", "^^"),
                              ("op", "&&"), ("var", "?a"), ("op", "||"), ("op", "!")]),
    ("?a < ?b", [("var", "?a"), ("op", "<"), ("var", "?b")]),
    ('?o "unclosed', [("var", "?o"), ("other", '"'), ("name", "unclosed")]),
])
def test_strings_comments_and_iris_end_where_sparql_ends_them(text, expected):
    assert unspaced(text) == expected
    assert "".join(value for _, value, _ in tokenize(text)) == text


def test_each_token_knows_where_it_starts():
    text = "SELECT *\n  WHERE { }"
    assert [(value, start) for kind, value, start in tokenize(text) if kind not in LAYOUT] \
        == [("SELECT", 0), ("*", 7), ("WHERE", 11), ("{", 17), ("}", 19)]


# -- the security check -------------------------------------------------------------------------

HIDDEN = ('PREFIX ex: <http://ex/> SELECT ?from (ex:from AS ?x)\n'
          '# FROM <http://comment/>\n'
          'WHERE { ?s ex:p "FROM <http://string/>", """SERVICE <http://long/> { }\n'
          '"FROM" <http://x/>""", \'\'\'it\'s FROM <http://single/>\'\'\', "a \\" FROM <http://esc/>" '
          '; <http://x/#FROM> ?from }')


def test_from_and_service_inside_strings_comments_and_iris_do_not_count():
    found = inspect(HIDDEN)
    assert found.dataset is None and found.services == () and found.clauses == ()
    assert without_dataset(HIDDEN) == HIDDEN


def test_keywords_count_in_any_case_and_after_a_number():
    query = ("PREFIX ex: <http://ex/> SELECT * FrOm <http://g1/> from NAMED ex:g2 WHERE { "
             "?s ?p 1SERVICE <http://x/sparql> { ?a ?b ?c } }")
    found = inspect(query)
    assert found.dataset == Dataset(("http://g1/",), ("http://ex/g2",))
    assert found.services == ("http://x/sparql",)
    assert without_dataset(query) == ("PREFIX ex: <http://ex/> SELECT *   WHERE { ?s ?p 1SERVICE "
                                      "<http://x/sparql> { ?a ?b ?c } }")


def test_oxigraph_calls_a_service_written_right_after_a_number():
    """Why a number is a token of its own: Oxigraph reads ``1SERVICE`` as ``1 SERVICE``."""
    url = f"http://127.0.0.1:{free_port()}/sparql"
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("http://s"), pyoxigraph.NamedNode("http://p"),
                              pyoxigraph.Literal(1)))
    query = f"SELECT * WHERE {{ ?s ?p 1SERVICE <{url}> {{ ?a ?b ?c }} }}"
    with pytest.raises(OSError):  # nothing listens there: the engine tried to connect
        list(store.query(query, use_default_graph_as_union=True))
    assert inspect(query).services == (url,)


def test_an_unclosed_quote_is_refused_where_it_opens():
    with pytest.raises(QueryError, match="line 2, column 14: cannot read '\"' here"):
        inspect('SELECT * WHERE\n{ ?s ?p ?o . "open }')


def test_using_goes_before_the_where_keyword_not_a_where_in_a_string():
    update = 'INSERT { ?s ?p "WHERE { }" } # WHERE\nWHERE { ?s ?p ?o }'
    assert with_using(update, Dataset(("http://g/",))) == (
        'INSERT { ?s ?p "WHERE { }" } # WHERE\nUSING <http://g/> WHERE { ?s ?p ?o }')


# -- the Virtuoso rewrites ----------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    'SELECT (STRLEN("a/b \\" c/d") AS ?n) WHERE {}',
    "SELECT (STRLEN('''it's a/b\n''a/b''') AS ?n) WHERE {}",
    "SELECT (STRLEN(?x) AS ?n) WHERE { FILTER(?x = <http://x/a\\u0041/b>) } # (1/2)\r",
    "SELECT * WHERE { ?s (ex:p/ex:q)|^ex:r ?o }",
])
def test_division_outside_expressions_strings_iris_and_comments_is_left_alone(query):
    assert decimal_division(query) == query


def test_division_next_to_strings_and_numbers_is_rewritten():
    assert decimal_division('SELECT (STRLEN("a/b")/2 AS ?n) WHERE {}') \
        == 'SELECT (STRLEN("a/b") * 1.0 /2 AS ?n) WHERE {}'


def test_exists_and_where_inside_strings_and_comments_do_not_count():
    assert not uses_exists('SELECT * WHERE { ?s ?p """EXISTS""" } # EXISTS')
    assert uses_exists("SELECT * WHERE { FILTER(nOt ExIsTs { ?s ?p ?o }) }")
    query = "SELECT * WHERE { # WHERE {\n ?s ?p ?c FILTER EXISTS { ?s ?p ?o } # last\n}"
    assert values_at_end(query, "VALUES ?c { 1 }", ["c"]) == (
        "SELECT * WHERE { # WHERE {\n ?s ?p ?c FILTER EXISTS { ?s ?p ?o } # last\n"
        " VALUES ?c { 1 }\n}")


def test_every_backend_reads_strings_and_comments_as_the_checks_do(any_store):
    """End to end: FROM in a string and a comment names no dataset, the division is decimal on
    Virtuoso too, the string is not rewritten, and parameters are not put in a comment."""
    a, b = URIRef("https://example.org/a"), URIRef("https://example.org/b")
    data = Graph()
    for subject, text in ((a, "a"), (b, "b")):
        data.add((subject, URIRef("https://example.org/p"), Literal(text)))
    any_store.replace_graphs({URIRef("https://example.org/g"): data})
    query = ('SELECT ?s (STRLEN("""a/b "FROM" # c\nd!""") / 2 AS ?half) WHERE {\n'
             "  ?s ?p ?o FILTER EXISTS { ?s ?p ?t } # FROM <https://example.org/none> 1/2\n}")
    rows = any_store.select(query, {"t": Literal("b")}).rows
    assert [(str(s), float(half)) for s, half in rows] == [(str(b), 8.5)]



def test_parameters_go_into_the_where_group_not_a_comment_or_string():
    from rdflib import Literal

    from peerkg.graph.store.binding import with_values

    query = ('SELECT ?x # WHERE { is in a comment\nWHERE {\n  ?x ?p "WHERE { in a string" }')
    bound = with_values(query, {"x": Literal("a")})
    assert bound.startswith('SELECT ?x # WHERE { is in a comment\nWHERE { VALUES ?x { "a" }')
    assert bound.endswith('?x ?p "WHERE { in a string" }')
    with pytest.raises(QueryError, match="WHERE clause"):
        with_values("SELECT * { ?s ?p ?o }", {"x": Literal(1)})
