"""Virtuoso 7 as peerkg's store, beyond the contract tests it shares with every backend
(tests/test_store.py, the named queries): its own graphs stay out of sight, updates need a
user with the SPARQL_UPDATE role (HTTP Digest), cut or stopped results are errors, and a new
user's ``peerkg --store URL init`` loads what the embedded store holds."""

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from peerkg.graph.base.errors import StoreError
from peerkg.graph.store import EndpointStore, QueryTimeout, open_store
from peerkg.graph.store.settings import EndpointSettings

from . import virtuoso as private_virtuoso

pytestmark = pytest.mark.virtuoso
G = URIRef("https://example.org/g1")


def triples(n: int) -> Graph:
    g = Graph()
    for i in range(n):
        g.add((URIRef(f"https://example.org/s{i}"), URIRef("https://example.org/p"), Literal(i)))
    return g


def raw_graphs(url: str) -> set[str]:
    """The graphs Virtuoso itself lists, asked without peerkg's adapter."""
    query = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    request = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return {b["g"]["value"] for b in json.load(answer)["results"]["bindings"]}


def test_virtuosos_own_graphs_are_out_of_sight(virtuoso, virtuoso_server):
    assert "http://www.openlinksw.com/schemas/virtrdf#" in raw_graphs(virtuoso_server.url)
    assert virtuoso.graphs() == [] and virtuoso.is_empty()
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(virtuoso.select(count).rows[0][0]) == 0
    virtuoso.replace_graphs({G: triples(3)})
    assert int(virtuoso.select(count).rows[0][0]) == 3 and virtuoso.graphs() == [str(G)]
    assert len(virtuoso.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows) == 3


def test_a_store_of_hundreds_of_graphs_answers(virtuoso):
    """Virtuoso answers a query with every graph of its dataset echoed as a header, and the
    adapter names every graph in every query: past a hundred graphs Python's HTTP client
    refused the answer ("got more than 100 headers")."""
    virtuoso.replace_graphs({URIRef(f"https://example.org/g{i}"): triples(1) for i in range(300)})
    assert len(virtuoso.graphs()) == 300
    assert int(virtuoso.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]) == 300


def test_the_profile_says_what_virtuoso_does_differently(virtuoso):
    profile = virtuoso.profile
    assert profile.name == "virtuoso" and profile.names_graphs
    assert not profile.atomic_updates and not profile.blank_nodes and profile.integer_division
    assert virtuoso.update_url.endswith("/sparql-auth")


def test_integer_division_gives_a_decimal(virtuoso):
    rows = virtuoso.select("SELECT (2 / 3 AS ?r) (ROUND(1000 * 2 / 3) / 1000 AS ?s) WHERE {}").rows
    assert [float(t) for t in rows[0]] == pytest.approx([2 / 3, 0.667])


def test_updates_without_credentials_say_what_to_set(virtuoso_server):
    anonymous = EndpointStore(virtuoso_server.url, settings=EndpointSettings())
    with pytest.raises(StoreError, match="PEERKG_STORE_USER"):
        anonymous.replace_graphs({G: triples(1)})


def test_wrong_password_is_refused_without_showing_it(virtuoso_server):
    password = virtuoso_server.settings.password + "-wrong"
    store = EndpointStore(virtuoso_server.url, settings=EndpointSettings(user="peerkg", password=password))
    with pytest.raises(StoreError, match="refused the credentials of user 'peerkg'") as error:
        store.replace_graphs({G: triples(1)})
    assert password not in str(error.value) and virtuoso_server.settings.password not in str(error.value)


def test_a_query_past_the_time_limit_is_stopped(virtuoso):
    virtuoso.timeout = 1
    expensive = ("SELECT (COUNT(*) AS ?n) FROM <http://www.openlinksw.com/schemas/virtrdf#> "
                 "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    with pytest.raises(QueryTimeout):
        virtuoso.select(expensive)


@pytest.fixture(scope="module")
def small_virtuoso(tmp_path_factory):
    """A second private Virtuoso that sends at most 5 rows per result (ResultSetMaxRows)."""
    server = private_virtuoso.Virtuoso(tmp_path_factory.mktemp("small-virtuoso"), max_rows=5)
    server.start()
    yield server
    server.stop()


def test_a_result_cut_at_result_set_max_rows_is_an_error(small_virtuoso):
    store = EndpointStore(small_virtuoso.url, settings=small_virtuoso.settings)
    store.replace_graphs({G: triples(6)})
    with pytest.raises(StoreError, match="ResultSetMaxRows"):
        store.select("SELECT ?s WHERE { ?s ?p ?o }")
    with pytest.raises(StoreError, match="ResultSetMaxRows"):
        store.dump()
    assert len(store.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 4").rows) == 4


def test_a_new_user_inits_queries_and_exports_as_on_the_embedded_store(virtuoso, virtuoso_server, initialised):
    """The issue's path: ``peerkg --store http://127.0.0.1:PORT/sparql init`` with the user and
    password in the environment; the graphs read back are those of an embedded store."""
    env = {**os.environ, "PEERKG_STORE_USER": "peerkg",
           "PEERKG_STORE_PASSWORD": virtuoso_server.settings.password,
           "PEERKG_STORE_CONFIG": os.devnull}
    peerkg = [str(Path(sys.executable).parent / "peerkg"), "--store", virtuoso_server.url]

    def run(*args, **kwargs):
        return subprocess.run([*peerkg, *args], capture_output=True, text=True, env=env, timeout=600, **kwargs)

    result = run("init")
    assert result.returncode == 0, result.stderr
    assert virtuoso_server.settings.password not in result.stdout + result.stderr
    quotes = run("query", "quotes", "--format", "csv")
    assert quotes.returncode == 0, quotes.stderr
    exported = run("export", "--format", "trig")
    assert exported.returncode == 0, exported.stderr
    with open_store(str(initialised)) as embedded:
        expected = Dataset().parse(data=embedded.export("application/trig"), format="trig")
        expected_quotes = embedded.query_as(open_query("quotes"), "text/csv")
    got = Dataset().parse(data=exported.stdout, format="trig")
    names = {g.identifier for g in expected.graphs() if len(g)}
    assert names == {g.identifier for g in got.graphs() if len(g)}
    for name in names:
        assert isomorphic(got.graph(name), expected.graph(name)), name
    assert len(quotes.stdout.splitlines()) == len(expected_quotes.decode().splitlines())
    wrong = subprocess.run([*peerkg, "init"], capture_output=True, text=True, timeout=600,
                           env={**env, "PEERKG_STORE_PASSWORD": "not-" + virtuoso_server.settings.password})
    assert wrong.returncode == 2 and "refused the credentials" in wrong.stderr
    assert virtuoso_server.settings.password not in wrong.stderr


def open_query(name: str) -> str:
    from peerkg.queries import registry

    return registry()[name].text
