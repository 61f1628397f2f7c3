"""docs/study-format.md cannot drift: a new study package built from its examples alone loads,
and every YAML key the schemas allow is documented there."""

import json
import re

from peerkg.graph.loader import load
from peerkg.graph.readers.schema import SCHEMAS
from peerkg.queries import registry

from .conftest import ROOT

DOC = (ROOT / "docs" / "study-format.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```\w+ file=(\S+)\n(.*?)```", re.S)


def test_a_package_built_from_the_documentation_loads(initialised_store, tmp_path):
    package = tmp_path / "smith2024"
    for name, text in BLOCK.findall(DOC):
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert {p.name for p in package.iterdir()} >= {"study.yaml", "quotes.csv", "sources"}
    load(initialised_store, [package])
    quotes = registry()["quotes"].run(initialised_store).dicts()
    mine = {str(q["quote"]).rsplit("/", 1)[-1]: q for q in quotes if "/smith2024/" in str(q["quote"])}
    assert set(mine) == {"q1", "q2"}
    assert str(mine["q1"]["text"]) == "I felt part of the team."
    assert (str(mine["q1"]["site"]), str(mine["q1"]["stakeholder"])) == ("North", "Peer Worker")
    coded = initialised_store.select(
        "SELECT ?coder ?created WHERE { ?c <http://www.w3.org/ns/oa#hasTarget> "
        "<https://w3id.org/peerkg/id/smith2024/quote/q1> ; <http://www.w3.org/ns/prov#wasAttributedTo> ?coder ;"
        " <http://purl.org/dc/terms/created> ?created }").rows
    assert [(str(c).rsplit("/", 1)[-1], str(d)) for c, d in coded] == [("coder1", "2024-01-05T10:00:00+00:00")]


def test_the_mapping_example_loads_with_the_study(initialised_store, tmp_path):
    package = tmp_path / "smith2024"
    for name, text in BLOCK.findall(DOC):
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    example = re.search(r"```\n(# curie_map:.*?)```", DOC, re.S)[1]
    mappings = tmp_path / "mine.sssom.tsv"
    mappings.write_text(example, encoding="utf-8")
    load(initialised_store, [package, mappings])
    rows = registry()["theme-crosswalk"].run(initialised_store, {"study": "smith2024"}).dicts()
    assert [(str(r["theme"]), str(r["mapped_theme"]), str(r["relation"])) for r in rows] == [
        ("Fitting in", "Building new teams", "closeMatch")]


def test_every_schema_key_is_documented():
    def keys(node):
        if isinstance(node, dict):
            yield from node.get("properties", {})
            for value in node.values():
                yield from keys(value)
        elif isinstance(node, list):
            for value in node:
                yield from keys(value)

    for path in SCHEMAS.glob("*.schema.json"):
        for key in keys(json.loads(path.read_text(encoding="utf-8"))):
            assert re.search(rf"[`{{ ,]{re.escape(key)}[`}}:, ]", DOC), f"{path.name}: key {key} is not documented"
