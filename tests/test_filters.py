"""One vocabulary for filters (queries/filters.py): a label, an id or an IRI selects the same
quotes on every surface (JSON API, named queries, graph views, pages, the CLI), and a value that
names nothing is an error naming it and the known values, never an empty result."""

import json

import pytest
from click.testing import CliRunner

from peerkg.api.app import create_app
from peerkg.api.cli import cli
from peerkg.graph.base.iris import ID
from peerkg.queries.filters import FILTERS

LONDON = ["London", "london", "LONDON", ID + "gillard2013/site/london"]
PEER_WORKER = ["Peer Worker", "peer-worker", "peer worker", ID + "stakeholder/peer-worker"]


@pytest.fixture(scope="module")
def client(loaded):
    return create_app({"STORE": loaded}).test_client()


@pytest.mark.parametrize("value", LONDON)
def test_site_by_label_id_or_iri_in_the_api(client, value):
    answer = client.get("/api/quotes", query_string={"site": value, "limit": 500}).json
    assert answer["total"] == 31
    assert {q["site_label"] for q in answer["quotes"]} == {"London"}


@pytest.mark.parametrize("value", PEER_WORKER)
def test_stakeholder_by_label_id_or_iri_in_the_api(client, value):
    answer = client.get("/api/quotes", query_string={"stakeholder": value, "limit": 500}).json
    assert answer["total"] == 28
    assert {q["stakeholder_label"] for q in answer["quotes"]} == {"Peer Worker"}


@pytest.mark.parametrize("value", ["London", ID + "gillard2013/site/london"])
def test_the_graph_views_take_the_same_values(client, value):
    body = client.get("/api/graph/themes", query_string={"site": value}).get_json()
    assert len(body["quotes"]) == 31


def test_the_quote_page_takes_a_label(client):
    html = client.get("/quotes?site=London&stakeholder=Peer%20Worker").get_data(as_text=True)
    assert "21 quotes" in html


@pytest.mark.parametrize("url", [
    "/api/quotes?site=Lodnon",
    "/api/graph/themes?site=Lodnon",
    "/api/queries/quote-search?site=Lodnon",
    "/quotes?site=Lodnon",
])
def test_an_unknown_value_is_a_400_naming_it_and_the_known_ones(client, url):
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "no site 'Lodnon' in the store (known: Be’er Sheva, Dar es Salaam, Hamburg, Kampala, London, North, South, Ulm)" in response.json["error"]


def test_every_named_query_parameter_of_an_entity_type_resolves_labels(client):
    rows = client.get("/api/queries/quotes-by-construct",
                      query_string={"construct": "Role distinctiveness"}).json["rows"]
    assert rows and {r["construct_label"] for r in rows} == {"Role distinctiveness"}


def test_the_cli_takes_the_same_values(store_dir):
    runner = CliRunner()
    by_label = runner.invoke(cli, ["--store", store_dir, "viz", "themes", "--format", "json",
                                   "--site", "London"])
    assert by_label.exit_code == 0, by_label.output
    assert len(json.loads(by_label.stdout)["graph"]["quotes"]) == 31
    unknown = runner.invoke(cli, ["--store", store_dir, "viz", "themes", "--site", "Lodnon"])
    assert unknown.exit_code == 2
    assert "no site 'Lodnon' in the store (known: Be’er Sheva, Dar es Salaam, Hamburg, Kampala, London, North, South, Ulm)" in unknown.output


def test_every_surface_offers_every_filter(client):
    """The pickers, the CLI options and the OpenAPI parameters come from the one table."""
    spec = client.get("/api/openapi.json").json
    quote_params = {p["name"] for p in spec["paths"]["/api/quotes"]["get"]["parameters"]}
    assert set(FILTERS) <= quote_params
    options = {p.name for p in cli.commands["viz"].params}
    assert set(FILTERS) <= options
    assert set(client.get("/api/graph/facets").json) == {n for n, f in FILTERS.items() if f.cls}
