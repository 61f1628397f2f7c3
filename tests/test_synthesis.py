"""Synthesis across the bundled studies: the evidence matrix holds core role-adoption constructs
evidenced in two or more studies; the page shows it as a heat map whose cells link to their
quotes and themes; the same matrix comes as JSON, a figure and CSV from the CLI."""

import csv
import io

import pytest
from click.testing import CliRunner

from peerkg.api.app import create_app
from peerkg.api.cli import cli
from peerkg.queries import registry

CORE = ("Role distinctiveness", "Consensus on role expectations", "Institutional support")


@pytest.fixture(scope="module")
def client(loaded):
    return create_app({"STORE": loaded}).test_client()


def test_a_core_construct_is_evidenced_in_two_or_more_studies(loaded):
    rows = registry()["construct-by-study"].run(loaded).dicts()
    studies = {k: {str(r["study"]) for r in rows if str(r["construct"]) == k} for k in CORE}
    assert studies["Institutional support"] == {"Gillard et al. 2013", "Ramesh et al. 2023",
                                                "Nixdorf et al. 2024"}
    assert studies["Consensus on role expectations"] == {"Gillard et al. 2013", "Ramesh et al. 2023"}


def test_theme_level_studies_count_through_their_themes(loaded):
    rows = registry()["construct-by-study"].run(loaded, {"study": "nixdorf2024"}).dicts()
    cells = {str(r["construct"]): r for r in rows}
    support = cells["Institutional support"]
    assert (int(support["quotes"]), int(support["themes"])) == (0, 4)
    resistance = cells["Professional resistance"]
    assert (int(resistance["present"]), int(resistance["lacking"])) == (1, 0)


def test_the_crosswalk_lists_mappings_between_studies(loaded):
    rows = registry()["theme-crosswalk"].run(loaded, {"study": "Ramesh et al. 2023"}).dicts()
    pairs = {(str(r["theme"]), str(r["mapped_theme"]), str(r["relation"])) for r in rows}
    assert ("provision of sufficient time for training", "training and support", "narrowMatch") in pairs
    assert ("role definition", "Who becomes a peer worker, how and why?", "relatedMatch") in pairs


def test_the_profile_gives_what_a_reviewer_weighs(loaded):
    rows = registry()["construct-profile"].run(loaded, {"construct": "institutional-support"}).dicts()
    assert len(rows) == 1
    profile = rows[0]
    assert int(profile["studies"]) == 3
    assert set(str(profile["countries"]).split("; ")) >= {"United Kingdom", "Germany", "Uganda"}
    evidence = loaded.select(
        "SELECT (COUNT(?e) AS ?n) WHERE { ?e <https://w3id.org/peerkg/ontology#evidenceConstruct> "
        "<https://w3id.org/peerkg/id/construct/institutional-support> }").rows[0][0]
    # Gillard's 3 quote-level rows (after the fidelity review, docs/gillard2013-curation.md) and
    # the 6 theme-level links of the other studies
    assert int(profile["by_authors"]) + int(profile["by_project"]) == int(evidence) == 9
    assert int(profile["present"]) + int(profile["lacking"]) == 3  # the six theme-level links have no stance


def test_the_page_links_each_cell_to_its_quotes_and_themes(client):
    html = client.get("/synthesis").get_data(as_text=True)
    assert "Institutional support" in html and "Nixdorf et al. 2024" in html
    assert 'href="/quotes?construct=Institutional%20support&amp;study=Gillard%20et%20al.%202013"' in html
    assert 'href="/id/nixdorf2024/theme/time-for-training"' in html


def test_a_cell_quotes_link_finds_the_cell_quotes(client):
    cell = next(c for c in client.get("/api/synthesis").json["cells"]
                if (c["construct"], c["study"]) == ("Role distinctiveness", "Gillard et al. 2013"))
    page = client.get(cell["quotes_path"].replace("/quotes", "/api/quotes")).json
    assert page["total"] == cell["quotes"] == 16


def test_the_figure_and_its_errors(client):
    svg = client.get("/api/synthesis.svg?construct=Institutional%20support")
    assert svg.status_code == 200 and svg.content_type == "image/svg+xml"
    assert b"Institutional support" in svg.data and b"Nixdorf et al. 2024" in svg.data
    assert client.get("/api/synthesis.gif").status_code == 400
    bad = client.get("/api/synthesis?construct=nothing")
    assert bad.status_code == 400 and "no construct 'nothing'" in bad.json["error"]


def test_the_cli_writes_the_matrix(store_dir, tmp_path):
    result = CliRunner().invoke(cli, ["--store", store_dir, "viz", "matrix"])
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == ["construct", "Gillard et al. 2013", "Nixdorf et al. 2024", "Ramesh et al. 2023"]
    assert table[1][0] == "Institutional support" and table[1][2] == "0 quotes; 4 themes; +0/-0"
    figure = tmp_path / "matrix.png"
    assert CliRunner().invoke(cli, ["--store", store_dir, "viz", "matrix", "-o", str(figure)]).exit_code == 0
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
