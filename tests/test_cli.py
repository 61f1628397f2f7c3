"""The peerkg command line, run as a user would, on a store in a temporary directory."""

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from peerkg.api.cli import cli
from peerkg.graph.readers.vocab import read_vocab

from .conftest import STUDY


@pytest.fixture
def run(store_dir):
    """Run peerkg on a fresh copy of an initialised store."""
    def invoke(*args):
        return CliRunner().invoke(cli, ["--store", store_dir, *args], catch_exceptions=False)

    return invoke


def test_init_loads_the_ontology_vocabulary_and_bundled_studies(tmp_path):
    store = str(tmp_path / "store")
    result = CliRunner().invoke(cli, ["--store", store, "init"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "https://w3id.org/peerkg/id/gillard2013: " in result.stdout
    assert f"Store: {store}" in result.stdout
    count = CliRunner().invoke(cli, ["--store", store, "query", "-e",
                                     "SELECT (COUNT(*) AS ?n) WHERE { ?q a <https://w3id.org/peerkg/ontology#Quote> }",
                                     "--format", "csv"])
    assert count.stdout.split() == ["n", "53"]


def test_query_quotes_csv(run):
    result = run("query", "quotes", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 53
    assert list(rows[0]) == ["quote", "text", "site", "stakeholder", "theme", "study"]
    assert rows[2]["text"] == "I have empathy with people and I felt I can give."
    assert (rows[2]["site"], rows[2]["stakeholder"]) == ("London", "Peer Worker")


def test_query_json_is_sparql_results(run):
    result = run("query", "quotes-by-construct", "--param", "construct=institutional-support",
                 "--format", "json")
    data = json.loads(result.stdout)
    assert data["head"]["vars"][:3] == ["construct", "quote", "text"]
    assert data["results"]["bindings"]
    assert {b["construct"]["value"] for b in data["results"]["bindings"]} == {
        "https://w3id.org/peerkg/id/construct/institutional-support"}


def test_query_table_and_list(run):
    listing = run("query")
    assert "participants-by-site-role" in listing.stdout and "Quotes by construct" in listing.stdout
    table = run("query", "participants-by-site-role", "-p", "study=Gillard et al. 2013")
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["study", "site", "stakeholder", "participants"]
    assert len(lines) == 2 + 12


def test_query_from_a_file(run, tmp_path):
    path = tmp_path / "count.rq"
    path.write_text("PREFIX pk: <https://w3id.org/peerkg/ontology#>\n"
                    "SELECT (COUNT(*) AS ?n) WHERE { ?q a pk:Quote }\n", encoding="utf-8")
    assert run("query", str(path), "--format", "csv").stdout.splitlines() == ["n", "53"]


def test_query_inline_sparql(run):
    """-e takes the query text; the project's prefixes need no declaration."""
    result = run("query", "-e", "SELECT ?site (COUNT(?q) AS ?n) WHERE { ?q a pk:Quote ; pk:atSite/rdfs:label ?site } "
                 "GROUP BY ?site ORDER BY ?site", "--format", "csv")
    assert result.stdout.splitlines() == ["site,n", "London,31", "North,12", "South,10"]
    declared = run("query", "-e", "PREFIX pk: <urn:not-the-ontology#> SELECT * WHERE { ?q a pk:Quote }")
    assert declared.exit_code == 0 and declared.stdout.splitlines()[2:] == []
    broken = run("query", "-e", "SELECT * WHERE { ?s ?p }")
    assert broken.exit_code == 2 and "SPARQL query syntax error" in broken.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "quotes", "-e", "SELECT * WHERE {}"], "give a query NAME or FILE.rq, or -e SPARQL, not both"),
        (["query", "no-such-query"], "no named query 'no-such-query'"),
        (["query", "quotes", "--param", "x"], "expected NAME=VALUE"),
        (["query", "quotes", "--param", "x=1"], "query 'quotes' has no parameter 'x'"),
        (["load", "/nonexistent/study"], "/nonexistent/study: no such file or folder"),
        (["export", "--graph", "https://example.org/none"], "no graph https://example.org/none"),
    ],
)
def test_usage_and_input_errors_exit_2_without_traceback(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_validate_store_conforms(run):
    result = run("validate")
    assert result.exit_code == 0 and "SHACL: conforms" in result.stdout


def test_validate_broken_copy_exits_1_naming_the_node(run, tmp_path):
    """A copy of the bundled study, as TriG, in which one quote is given a second theme: the
    reader cannot say that, so SHACL must catch it."""
    from peerkg.graph.loader import read_source

    dataset = Dataset()
    for name, g in read_source(STUDY).items():
        dataset.graph(name).__iadd__(g)
    quote = "https://w3id.org/peerkg/id/gillard2013/quote/q01"
    dataset.parse(data=(
        f"<https://w3id.org/peerkg/id/gillard2013> {{ <{quote}> "
        "<https://w3id.org/peerkg/ontology#inTheme> "
        "<https://w3id.org/peerkg/id/gillard2013/theme/building-teams> . }"), format="trig")
    broken = tmp_path / "broken.trig"
    broken.write_text(dataset.serialize(format="trig"), encoding="utf-8")
    result = run("validate", str(broken))
    assert result.exit_code == 1
    assert f"{quote} (pk:inTheme): A quote is reported under at most one theme." in result.stderr


@pytest.mark.java
def test_reason_then_saved_inferences_are_queryable_until_the_next_load(run, tmp_path):
    """validate --reason runs HermiT and reports what it infers; --save keeps that queryable."""
    query = tmp_path / "bears-on.rq"
    query.write_text(
        "PREFIX pk: <https://w3id.org/peerkg/ontology#>\n"
        "SELECT (COUNT(*) AS ?links) WHERE { GRAPH <https://w3id.org/peerkg/id/inferred> "
        "{ ?quote pk:bearsOnConstruct ?construct } }\n", encoding="utf-8")
    result = run("validate", "--reason", "--save")
    assert result.exit_code == 0, result.stderr
    assert "OWL (HermiT): consistent" in result.stdout
    assert "inferred    92 pk:hasCode" in result.stdout
    assert "Saved" in result.stdout
    assert run("query", str(query), "--format", "csv").stdout.split() == ["links", "150"]
    assert run("validate", "--reason").stdout.count("inferred   150 pk:bearsOnConstruct") == 1
    assert run("load", str(STUDY)).exit_code == 0
    assert run("query", str(query), "--format", "csv").stdout.split() == ["links", "0"]


def test_save_needs_reason(run):
    result = run("validate", "--save")
    assert result.exit_code == 2 and "--save needs --reason" in result.stderr


@pytest.mark.parametrize("fmt", ["trig", "nquads", "jsonld"])
def test_export_round_trips_the_store(run, tmp_path, fmt):
    out = tmp_path / f"export.{fmt}"
    assert run("export", "--format", fmt, "-o", str(out)).exit_code == 0
    reference = Dataset()
    reference.parse(data=run("export", "--format", "nquads").stdout, format="nquads")
    exported = Dataset()
    exported.parse(out, format={"trig": "trig", "nquads": "nquads", "jsonld": "json-ld"}[fmt])
    names = {str(g.identifier) for g in reference.graphs() if len(g)}
    assert names == {"https://w3id.org/peerkg/ontology", "https://w3id.org/peerkg/id/vocab",
                     "https://w3id.org/peerkg/id/gillard2013", "https://w3id.org/peerkg/id/ramesh2023",
                     "https://w3id.org/peerkg/id/nixdorf2024", "https://w3id.org/peerkg/id/mappings/bundled"}
    for name in names:
        assert isomorphic(reference.graph(name), exported.graph(name)), name


def test_export_one_graph_as_turtle(run):
    result = run("export", "--format", "turtle", "--graph", "https://w3id.org/peerkg/id/vocab")
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert isomorphic(graph, read_vocab().graph)


def same_store(before: str, after: str) -> bool:
    """Two N-Quads exports hold isomorphic graphs (blank node labels may differ)."""
    a, b = Dataset(), Dataset()
    a.parse(data=before, format="nquads")
    b.parse(data=after, format="nquads")
    names = {g.identifier for g in a.graphs() if len(g)}
    return names == {g.identifier for g in b.graphs() if len(g)} and all(
        isomorphic(a.graph(n), b.graph(n)) for n in names)


def test_load_replaces_a_study_atomically(run, tmp_path):
    before = run("export", "--format", "nquads").stdout
    broken = shutil.copytree(STUDY, tmp_path / "broken")
    (broken / "quotes.csv").write_text("id,site\nq1,london\n", encoding="utf-8")
    result = run("load", str(broken))
    assert result.exit_code == 2 and "quotes.csv, row 1: missing column(s)" in result.stderr
    assert same_store(before, run("export", "--format", "nquads").stdout)
    assert run("load", str(STUDY)).exit_code == 0
    assert run("query", "quotes", "--format", "csv").stdout.count("\n") == 54
