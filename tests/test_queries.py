"""Every named query: its header, and its rows on the mini-study fixture, on both backends."""

import csv
import importlib
from pathlib import Path

import pytest

from peerkg.graph.base.errors import InputError
from peerkg.graph.loader import load
from peerkg.queries import TYPES, parse, registry, resolve

DATA = Path(__file__).parent / "data"
MINI = [DATA / "mini-study", DATA / "mini-study-2", DATA / "mini-mappings.sssom.tsv"]
CONCATENATED = {"names": ", ", "reference": "; ", "themes": "; ", "constructs": " ", "countries": "; ",
                "settings": "; ", "stakeholders": "; "}  # separators


def expected_rows(name: str) -> tuple[list[str], list[list[str]]]:
    with (DATA / "queries" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


def normalise(columns, rows):
    def cell(column, value):
        if column in CONCATENATED:
            return tuple(sorted(v for v in value.split(CONCATENATED[column]) if v))
        return value

    return [tuple(cell(c, v) for c, v in zip(columns, row, strict=True)) for row in rows]


@pytest.fixture
def mini(any_store):
    load(any_store, MINI)
    return any_store


def test_every_named_query_has_a_fixture_and_a_header():
    fixtures = {p.stem for p in (DATA / "queries").glob("*.csv")}
    assert fixtures == set(registry())
    for query in registry().values():
        assert query.title != query.name and query.description, query.name
        assert all(p.type in TYPES for p in query.params)


PARAMS = {  # queries about one entity are checked on one
    "statement-attribution": {"entity": "https://w3id.org/peerkg/id/mini/theme/joining"},
    "study-quote-page": {"study": "https://w3id.org/peerkg/id/mini"},
}


@pytest.mark.parametrize("name", sorted(registry()))
def test_named_query_rows(mini, name):
    columns, rows = expected_rows(name)
    table = registry()[name].run(mini, PARAMS.get(name, {}))
    assert table.columns == columns
    got = [["" if t is None else str(t) for t in row] for row in table.rows]
    assert normalise(columns, got) == normalise(columns, rows)


def test_statement_attribution_of_an_entity_that_names_no_agent(mini):
    """One row per statement, said_by empty: not each statement paired with every label."""
    study = "https://w3id.org/peerkg/id/mini"
    table = registry()["statement-attribution"].run(mini, {"entity": study})
    statements = mini.select(f"SELECT ?p ?o WHERE {{ <{study}> ?p ?o }}").rows
    assert len(table.rows) == len(statements) == 7
    assert {(row["said_by"], row["said_by_label"]) for row in table.dicts()} == {(None, None)}


def test_contract_columns():
    """The columns DESIGN.md promises (more are allowed, after them)."""
    promised = {
        "quotes": "quote text site stakeholder theme study",
        "participants-by-site-role": "study site stakeholder participants",
        "site-characteristics": "study site role aim recruitment terms training support",
        "theme-structure": "study theme category code",
        "quotes-by-construct": "construct quote text stakeholder site theme reference",
        "construct-evidence": "construct stakeholder site quotes",
    }
    for name, columns in promised.items():
        header, _ = expected_rows(name)
        assert header[: len(columns.split())] == columns.split(), name


@pytest.mark.parametrize("value", ["peer-identity", "https://w3id.org/peerkg/id/construct/peer-identity"])
def test_construct_parameter_by_id_or_iri(mini, value):
    table = registry()["quotes-by-construct"].run(mini, {"construct": value})
    assert [str(r[1]) for r in table.rows] == ["https://w3id.org/peerkg/id/mini/quote/q3"]


def test_stakeholder_parameters_swap_the_groups(mini):
    table = registry()["divergent-views"].run(mini, {"group_a": "peer-worker", "group_b": "manager"})
    row = table.dicts()
    assert [(str(r["a"]), str(r["a_lacking"]), str(r["b"]), str(r["b_present"])) for r in row] == [
        ("Peer Worker", "1", "Manager", "1")
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"nope": "x"}, "has no parameter 'nope' (it takes: construct)"),
        ({"construct": "Not An Id"}, "parameter 'construct': no construct 'Not An Id' in the store (known: "),
        ({"construct": "http://bad iri"}, "no construct 'http://bad iri'"),
        ({"construct": "role-distinctivness"}, "parameter 'construct': no construct 'role-distinctivness' in the store"),
    ],
)
def test_bad_parameters_are_refused(mini, params, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        registry()["quotes-by-construct"].run(mini, params)


def test_malformed_header_names_the_line():
    text = "# title: x\n# param: construct nonsense\nSELECT * WHERE {}"
    with pytest.raises(InputError, match=r"my\.rq, line 2: malformed parameter"):
        parse(text, "my", "my.rq")


def test_resolve_reads_a_query_file(tmp_path):
    path = tmp_path / "mine.rq"
    path.write_text("# title: Mine\nSELECT (1 AS ?one) WHERE {}\n", encoding="utf-8")
    assert resolve(str(path)).title == "Mine"
    with pytest.raises(InputError, match="no named query 'unknown'"):
        resolve("unknown")


@pytest.mark.parametrize("name", sorted(n for n, q in registry().items() if q.study_graph))
def test_one_study_read_from_its_graph_on_every_backend(mini, monkeypatch, name):
    """A ``study-graph: yes`` query given a study runs on that study's graph and the shared ones
    (a dataset each backend must honour); its rows are those read from every graph."""
    scoped = registry()[name].run(mini, {"study": "mini"})
    monkeypatch.setattr(importlib.import_module("peerkg.queries.registry"), "study_scope",
                        lambda store, studies: store)
    whole = registry()[name].run(mini, {"study": "mini"})
    assert normalise(scoped.columns, [["" if t is None else str(t) for t in r] for r in scoped.rows]) \
        == normalise(whole.columns, [["" if t is None else str(t) for t in r] for r in whole.rows])
