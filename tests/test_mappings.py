"""Cross-study mappings exchanged as SSSOM TSV: the bundled set loads, exports valid for the
sssom library's own validator, and round-trips; bad tables are refused naming the line and
column, and leave the store as it was."""

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from peerkg.graph.base.errors import InputError
from peerkg.graph.exporting import export_sssom
from peerkg.graph.loader import BUNDLED_MAPPINGS, load

BUNDLED = BUNDLED_MAPPINGS / "bundled.sssom.tsv"
SSSOM = Path(sys.executable).parent / "sssom"


def rows(table: bytes | str) -> list[dict]:
    text = table.decode("utf-8") if isinstance(table, bytes) else table
    body = "".join(line + "\n" for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body), delimiter="\t"))


def essence(table) -> set[tuple]:
    """What a mapping asserts, ignoring the labels (which come from the studies)."""
    return {(r["subject_id"], r["predicate_id"], r["object_id"], float(r["confidence"]),
             r["author_id"], r["comment"]) for r in rows(table)}


def test_the_bundled_mappings_are_in_the_store(loaded):
    table = export_sssom(loaded, "https://w3id.org/peerkg/id/mappings/bundled")
    assert essence(table) == essence(BUNDLED.read_text(encoding="utf-8"))
    assert len(rows(table)) == 10
    first = rows(table)[0]
    assert first["subject_label"] and first["object_label"]  # labels read from the studies


def test_the_export_is_valid_for_the_sssom_library(loaded, tmp_path):
    path = tmp_path / "export.sssom.tsv"
    path.write_bytes(export_sssom(loaded))
    result = subprocess.run([str(SSSOM), "validate", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).lower()


def test_export_load_export_gives_the_same_table(initialised_store, tmp_path):
    first = export_sssom(initialised_store)
    path = tmp_path / "again.sssom.tsv"
    path.write_bytes(first)
    initialised_store.drop_graph("https://w3id.org/peerkg/id/mappings/bundled")
    load(initialised_store, [path])
    assert export_sssom(initialised_store) == first


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "mine.sssom.tsv"
    shutil.copy(BUNDLED, path)
    return path


def break_line(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CASES = {
    "unknown prefix": (("pkid:ramesh2023/theme/role-definition", "pkx:ramesh2023/theme/role-definition"),
                       r"mine\.sssom\.tsv, line 16, column 'subject_id': 'pkx:ramesh2023/theme/role-definition' is neither an IRI nor a CURIE with a known prefix"),
    "not a mapping relation": (("skos:relatedMatch", "skos:broader"),
                               r"line 16, column 'predicate_id': predicate_id must be a SKOS mapping relation"),
    "confidence out of range": (("\t0.4\t", "\t1.4\t"),
                                r"line 16, column 'confidence': confidence must be from 0 to 1, not 1.4"),
    "unknown concept": (("pkid:ramesh2023/theme/role-definition", "pkid:ramesh2023/theme/role-defintion"),
                        r"mine\.sssom\.tsv line 16: role definition relatedMatch .*: https://w3id.org/peerkg/id/ramesh2023/theme/role-defintion is not in the store nor in the sources loaded with it"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_table_is_refused_and_the_store_unchanged(initialised_store, table, case):
    (old, new), message = CASES[case]
    break_line(table, old, new)
    before = initialised_store.dump()
    with pytest.raises(InputError, match=message):
        load(initialised_store, [table])
    assert initialised_store.dump() == before


def test_a_mapping_needs_an_author(initialised_store, table):
    text = table.read_text(encoding="utf-8")
    table.write_text(text.replace("# creator_id:\n#   - pkid:agent/peerkg\n", "")
                     .replace("\tpkid:agent/peerkg\t", "\t\t", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"line \d+, column 'author_id': who asserted this mapping"):
        load(initialised_store, [table])
