"""The bundled Gillard et al. 2013 study against the paper's full text: quotes verbatim,
attributions exact, Tables 1 and 2 as printed, references as printed."""

import csv
import io
import json
import re

import pytest
import yaml

from peerkg.queries import registry

from .conftest import STUDY

ATTRIBUTION = re.compile(r"\(((?:London|South|North) [A-Za-z -]+)\)")
STAKEHOLDER = {"manager": "Manager", "peer worker": "Peer Worker", "staff": "Non-peer staff",
               "service user": "Service user"}


def package_quotes():
    with (STUDY / "quotes.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_all_53_quotes_are_verbatim_in_order_with_their_printed_attribution(seed_text):
    printed = ATTRIBUTION.findall(seed_text)
    quotes = package_quotes()
    assert len(printed) == len(quotes) == 53
    position = 0
    for quote, attribution in zip(quotes, printed, strict=True):
        assert quote["attribution"] == attribution, quote["id"]
        found = seed_text.find(quote["text"] + f" ({attribution})", position)
        if found < 0:  # one quote is printed inside single quotes before its attribution
            found = seed_text.find(quote["text"], position)
        assert found >= position, f"{quote['id']} is not verbatim (or out of order) in the paper"
        position = found + len(quote["text"])


def test_quotes_query_gives_site_stakeholder_and_theme_as_printed(loaded, seed_text):
    table = registry()["quotes"].run(loaded)
    rows = table.dicts()
    assert len(rows) == 53
    headings = {str(r["theme"]) for r in rows}
    assert len(headings) == 5 and all(h in seed_text for h in headings)
    for row, quote in zip(rows, package_quotes(), strict=True):
        site, role = quote["attribution"].split(" ", 1)
        assert str(row["text"]) == quote["text"]
        assert str(row["site"]) == site
        assert str(row["stakeholder"]) == STAKEHOLDER[role.lower()]
        assert str(row["study"]) == "Gillard et al. 2013"
        # the quote appears after its theme's heading and before the next section
        heading_at = seed_text.index("\n" + str(row["theme"]) + "\n")
        assert seed_text.index(quote["text"]) > heading_at


def test_table_2_participants(loaded):
    rows = registry()["participants-by-site-role"].run(loaded, {"study": "gillard2013"}).dicts()
    cells = {(str(r["site"]), str(r["stakeholder"])): int(r["participants"]) for r in rows}
    printed = {  # Table 2 Data sources, as printed
        "London": (2, 3, 1, 9, 15), "South": (1, 6, 4, 3, 14), "North": (1, 6, 4, 1, 12),
    }
    groups = ["Manager", "Peer Worker", "Non-peer staff", "Service user"]
    for site, (*counts, total) in printed.items():
        assert [cells[(site, g)] for g in groups] == counts
        assert sum(counts) == total
    assert [sum(cells[(s, g)] for s in printed) for g in groups] == [4, 15, 9, 13]
    assert sum(cells.values()) == 41
    total = loaded.select(
        "PREFIX pk: <https://w3id.org/peerkg/ontology#> "
        "SELECT ?n WHERE { <https://w3id.org/peerkg/id/gillard2013> pk:participantTotal ?n }")
    assert int(total.rows[0][0]) == 41


def test_table_1_cells_verbatim(loaded, seed_text):
    table_1 = seed_text[seed_text.index("Table 1 Study sites"): seed_text.index("Table 2 Data")]
    rows = registry()["site-characteristics"].run(loaded, {"study": "gillard2013"}).dicts()
    assert [str(r["site"]) for r in rows] == ["London", "South", "North"]
    for row in rows:
        line = next(x for x in table_1.splitlines() if x.startswith(str(row["site"]) + "\t"))
        cells = line.split("\t")[1:]
        assert [str(row[c]) for c in ("role", "aim", "recruitment", "terms", "training",
                                       "support")] == cells


def test_references_as_printed(seed_text):
    refs = yaml.safe_load((STUDY / "references.yaml").read_text(encoding="utf-8"))["references"]
    assert [r["number"] for r in refs] == list(range(1, 49))
    listing = seed_text[seed_text.index("\nReferences\n"):]
    for ref in refs:
        entry = re.search(rf"^{ref['number']}\. (.*)$", listing, re.M).group(1)
        plain = entry.replace("**", "").replace("*", "")
        for field in ("authors", "title", "venue", "volume", "pages", "doi", "url", "publisher"):
            if field in ref:
                assert str(ref[field]) in plain, (ref["id"], field)
        if "year" in ref:
            assert str(ref["year"]) in plain, ref["id"]
    printed_dois = set(re.findall(r"doi:(10\.\S+?)\.?(?:\s|$)", listing))
    assert {r["doi"] for r in refs if "doi" in r} <= printed_dois


def test_analysis_process_figures(loaded):
    rows = registry()["coder-agreement"].run(loaded).dicts()
    own = sorted(float(r["percent"]) for r in rows if str(r["computed_on"]) == "Gillard et al. 2013")
    assert own == [56.0, 70.0, 74.0]
    assert {int(r["sections"]) for r in rows if str(r["computed_on"]) == "Gillard et al. 2013"} == {50}
    other = sorted(float(r["percent"]) for r in rows if str(r["computed_on"]).startswith("[30]"))
    assert other == [65.5, 84.0]
    counts = loaded.select(
        "PREFIX pk: <https://w3id.org/peerkg/ontology#> SELECT ?p ?r WHERE { "
        "<https://w3id.org/peerkg/id/gillard2013> pk:provisionalCategoryCount ?p ; "
        "pk:refinedCategoryCount ?r }")
    assert [int(x) for x in counts.rows[0]] == [12, 8]


def test_reconstructions_are_attributed_to_the_project(loaded):
    table = loaded.select("""
        PREFIX pk: <https://w3id.org/peerkg/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?kind ?agent (COUNT(?x) AS ?n) WHERE {
          VALUES ?kind { pk:Code pk:Category pk:Coding }
          ?x a ?kind ; prov:wasAttributedTo ?agent
        } GROUP BY ?kind ?agent""")
    counts = {(str(k).split("#")[1], str(a).rsplit("/", 1)[1]): int(n) for k, a, n in table.rows}
    assert counts[("Category", "peerkg")] == 8
    assert counts[("Code", "authors")] == 2  # the two codes the paper itself names
    assert counts[("Code", "peerkg")] >= 30
    assert ("Coding", "authors") not in counts


@pytest.mark.parametrize("name", ["csv", "tsv"])
def test_csv_and_tsv_output_carry_quotes_verbatim(loaded, name):
    media = {"csv": "text/csv", "tsv": "text/tab-separated-values"}[name]
    body = loaded.query_as(registry()["quotes"].text, media).decode("utf-8")
    if name == "csv":
        texts = [r["text"] for r in csv.DictReader(io.StringIO(body))]
    else:  # TSV cells are RDF terms; a plain literal's escapes are those of a JSON string
        header, *lines = body.splitlines()
        assert header.split("\t")[:2] == ["?quote", "?text"]
        texts = [json.loads(line.split("\t")[1]) for line in lines]
    assert texts == [q["text"] for q in package_quotes()]
