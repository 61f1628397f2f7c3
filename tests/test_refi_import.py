"""REFI-QDA import: the ATLAS.ti sample and one hand-made archive per vendor quirk become study
packages whose quotes are exact slices of their sources, with codes, coders and attributes."""

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from peerkg.api.cli import cli
from peerkg.graph.base.errors import InputError
from peerkg.graph.readers.refi import import_refi, read_mapping, write_package
from peerkg.graph.readers.refi_offsets import UNITS, Converter, odd_characters
from tests import refi_archives as qa
from tests.refi_package_check import assert_exact, codes_of, load, rows

DATA = Path(__file__).parent / "data" / "refi"
ATLAS_SAMPLE = DATA / "atlasti-8.4-spec-annexA2-project.qde"


def imported(path: Path, tmp_path: Path, mapping: str | None = None, study: str = "s"):
    map_path = None
    if mapping is not None:
        map_path = tmp_path / "map.yaml"
        map_path.write_text(mapping, encoding="utf-8")
    files, report = import_refi(path, study, map_path)
    out = write_package(files, tmp_path / "package")
    return out, report


def codings(folder: Path) -> set[tuple[str, str, str]]:
    quotes = {q["id"]: q["text"] for q in rows(folder, "quotes.csv")}
    return {(quotes[c["quote"]], c["code"], c["coder"]) for c in rows(folder, "codings.csv")}


# -- the ATLAS.ti standard project (REFI-QDA 1.5 Annex A.2) -------------------------------------

def test_atlas_sample_keeps_its_14_codes_and_every_text_coding(tmp_path):
    out, report = imported(ATLAS_SAMPLE, tmp_path)
    xml = etree.parse(str(ATLAS_SAMPLE))
    ns = {"q": "urn:QDA-XML:project:1.0"}
    names = [c.get("name").rpartition("::")[2] for c in xml.iterfind(".//q:Code", ns)]
    book = load(out, "codebook.yaml")
    assert len(names) == 14
    assert sorted(c["label"] for c in book["codes"] + book["categories"]) == sorted(names)
    assert [c["label"] for c in book["categories"]] == ["Coke"]  # 'Coke::diet Coke' nests in it
    assert {c["label"]: c.get("category") for c in book["codes"]}["diet Coke"] == "coke"
    code_ids = {c["label"]: c["id"] for c in book["codes"]}
    by_guid = {c.get("guid"): code_ids[c.get("name").rpartition("::")[2]]
               for c in xml.iterfind(".//q:Code", ns) if c.get("name") != "Coke"}
    # every coding of a text selection, read straight from the XML ...
    expected = sorted(
        (sel.get("startPosition"), sel.get("endPosition"), by_guid[ref.get("targetGUID")])
        for sel in xml.iterfind(".//q:PlainTextSelection", ns)
        for ref in sel.iterfind("q:Coding/q:CodeRef", ns))
    assert len(expected) == 9
    # ... is in the package: a bare .qde carries no source texts, so the text selections are
    # kept as segments at the positions ATLAS.ti wrote, with their codes
    found = sorted((seg["position"].split(";")[0][6:], seg["position"].split(";")[1][4:], code)
                   for seg in rows(out, "segments.csv") if seg["kind"] == "text"
                   for code in filter(None, seg["codes"].split(";")))
    assert found == expected
    assert rows(out, "quotes.csv") == []
    assert report.counts["text selections"] == 8 and report.counts["quotes"] == 0
    assert any("bare project file carries no members" in item for item in report.kept_aside)
    study = load(out, "study.yaml")
    assert [c["name"] for c in study["coders"]] == ["ATLAS.ti", "Friedrich Markgraf",
                                                    "Sebastian Petrausch"]
    assert "ATLAS.ti 8.4.0" in study["provenance"]["sources"][0]["what"]


def test_atlas_sample_with_every_code_a_code(tmp_path):
    out, _ = imported(ATLAS_SAMPLE, tmp_path, "categories: none\n")
    book = load(out, "codebook.yaml")
    assert len(book["codes"]) == 14 and book["categories"] == []
    parents = {c["label"]: c.get("parent") for c in book["codes"]}
    assert parents["full-fat Coke"] == parents["diet Coke"] == "coke"


def test_atlas_sample_keeps_media_memos_and_descriptions(tmp_path):
    out, report = imported(ATLAS_SAMPLE, tmp_path)
    kinds = sorted(r["kind"] for r in rows(out, "sources.csv") if r["kind"] != "text")
    assert kinds == ["audio", "image", "pdf", "pdf", "video", "video"]
    media = [s for s in rows(out, "segments.csv") if s["kind"] != "text"]
    assert sorted(s["kind"] for s in media) == ["image", "pdf", "pdf", "pdf", "pdf", "video", "video"]
    assert any("text: granola" in s["note"] for s in media)  # the PDF selection's own text
    notes = {n["text"]: n for n in rows(out, "notes.csv")}
    assert notes["This is a great project by a dynamic team of researcher-developers. "]["about"] == "study:s"
    assert notes["why does Simon feel the need to do this?"]["author"] == "friedrich-markgraf"
    # the memo linked to the video quotation goes with that segment
    assert notes["This version is much better than the new Director’s cut "]["about"].startswith("segment:")
    assert any("graph(s)" in item for item in report.kept_aside)


# -- NVivo: UTF-16 offsets with emoji, CRLF and BOM; one selection per coding --------------------

def test_nvivo_utf16_offsets_give_exact_quotes(tmp_path):
    out, report = imported(qa.nvivo(tmp_path), tmp_path)
    quotes = assert_exact(out)
    assert [q["text"] for q in quotes] == qa.NVIVO_QUOTES[:1] + [qa.NVIVO_QUOTES[2], qa.NVIVO_QUOTES[1]]
    assert report.offsets.startswith("utf16")
    source = (out / "sources" / rows(out, "sources.csv")[0]["file"]).read_bytes()
    assert source == qa.NVIVO_TEXT.encode("utf-8")  # the BOM is dropped, CRLF kept


def test_nvivo_selections_per_coding_merge_into_one_quote(tmp_path):
    out, _ = imported(qa.nvivo(tmp_path), tmp_path, "coders: {Ada Coder: ada}\n")
    first = qa.NVIVO_QUOTES[0]
    quote = next(q for q in rows(out, "quotes.csv") if q["text"] == first)
    assert quote["codes"] == ""  # codings.csv carries every coding, with its coder and date
    assert codes_of(out)[quote["id"]] == "welcome;emotion"
    assert {c for c in codings(out) if c[0] == first} == {(first, "welcome", "ada"),
                                                         (first, "emotion", "bo-second")}
    dates = {c["coder"]: c["created"] for c in rows(out, "codings.csv") if c["quote"] == quote["id"]}
    assert dates == {"ada": "2024-05-01T10:00:00Z", "bo-second": "2024-05-01T10:00:00Z"}
    notes = rows(out, "notes.csv")
    assert [(n["about"], n["text"]) for n in notes] == [(f"quote:{quote['id']}", "said twice")]


def test_unit_found_from_selection_names_whatever_the_tool(tmp_path):
    out, report = imported(qa.nvivo(tmp_path, origin="Some QDA tool 1.0", names=True), tmp_path)
    assert report.offsets.startswith("utf16 (4 selection name(s) match")
    assert [q["text"] for q in assert_exact(out)] == sorted(
        qa.NVIVO_QUOTES, key=qa.NVIVO_TEXT.index)


def test_unit_found_from_word_boundaries_without_names_or_a_known_tool(tmp_path):
    out, report = imported(qa.nvivo(tmp_path, origin="Some QDA tool 1.0"), tmp_path)
    assert "8 of 8 boundaries cut no word or CRLF, 3 under codepoint, 4 under codepoint-lf" in report.offsets
    assert report.offsets.startswith("utf16")
    assert [q["text"] for q in assert_exact(out)] == sorted(qa.NVIVO_QUOTES, key=qa.NVIVO_TEXT.index)


def test_mapping_can_force_the_unit(tmp_path):
    archive = qa.nvivo(tmp_path, origin="Some QDA tool 1.0")
    out, report = imported(archive, tmp_path, "offsets: utf16\n")
    assert report.offsets == "utf16 (forced by the mapping file)"
    assert [q["text"] for q in assert_exact(out)] == sorted(qa.NVIVO_QUOTES, key=qa.NVIVO_TEXT.index)
    files, report = import_refi(archive, "s", _mapping(tmp_path, "offsets: codepoint\n"))
    assert report.offsets == "codepoint (forced by the mapping file)"
    assert f",{qa.NVIVO_QUOTES[0]}," not in files["quotes.csv"].decode("utf-8")  # the wrong unit, as asked


def _mapping(tmp_path, text):
    path = tmp_path / "forced.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- ATLAS.ti: named .qde, '::' codes, CRLF counted once -------------------------------------------

def test_atlas_named_qde_flattened_codes_and_crlf_as_one(tmp_path):
    out, report = imported(qa.atlas(tmp_path), tmp_path)
    assert [q["text"] for q in assert_exact(out)] == qa.ATLAS_QUOTES
    assert report.offsets.startswith("codepoint-lf")
    book = load(out, "codebook.yaml")
    assert book["categories"] == [{"id": "food", "label": "Food"}]
    assert {"id": "cereal", "label": "cereal", "category": "food"} in book["codes"]
    first, _, last = rows(out, "quotes.csv")
    assert codes_of(out)[first["id"]] == "cereal;habit"  # two codings in one selection
    assert (first["note"], last["note"]) == ("", "named 'crêpes moment' in the QDA project")
    assert load(out, "study.yaml")["title"] == "Breakfast study"


# -- MAXQDA: names without extension, audio in VideoSource, document variables ------------------

def test_maxqda_names_audio_and_document_variables(tmp_path):
    out, _ = imported(qa.maxqda(tmp_path), tmp_path, qa.MAPPING)
    assert [q["text"] for q in assert_exact(out)] == qa.MAXQDA_QUOTES
    sources = {r["label"]: r for r in rows(out, "sources.csv")}
    assert sources["Interview Anna"]["kind"] == "text"
    audio = sources["Interview Anna audio"]
    assert (audio["kind"], audio["media_type"]) == ("audio", "audio/mp4")
    assert (out / "sources" / audio["file"]).read_bytes() == b"\x00\x00\x00 ftypM4A fake"
    [segment] = rows(out, "segments.csv")
    assert (segment["kind"], segment["position"], segment["codes"]) == ("audio", "begin=1500;end=4200",
                                                                         "listening")
    [person] = rows(out, "participants.csv")
    assert person == {"id": "interview-anna", "label": "Interview Anna", "site": "north",
                      "stakeholder": "peer-worker", "Site": "North", "Role": "Peer worker",
                      "Age": "34"}
    assert {q["participant"] for q in rows(out, "quotes.csv")} == {"interview-anna"}
    study = load(out, "study.yaml")
    assert study["sites"] == [{"id": "north", "label": "North"}]
    assert study["stakeholders"] == [{"id": "peer-worker", "label": "Peer worker", "group": "peer-worker"}]


# -- paths: no scheme, case, sources/ vs Sources/, relative:// --------------------------------------

def test_source_paths_as_vendors_write_them(tmp_path):
    out, _ = imported(qa.paths(tmp_path), tmp_path)
    assert [q["text"] for q in assert_exact(out)] == list(qa.PATH_TEXTS.values())


def test_relative_path_may_not_leave_the_folder(tmp_path):
    qde = qa.project(f'<Sources><TextSource guid="{qa.guid(1)}" name="x" '
                     'plainTextPath="relative://../../etc/passwd"/></Sources>')
    path = qa.qdpx(tmp_path / "escape.qdpx", qde)
    with pytest.raises(InputError, match=r"line 2, <TextSource guid=.*leaves the folder"):
        import_refi(path, "s")


# -- media kept aside; notes, descriptions and cases kept ------------------------------------------

def test_media_sources_and_selections_are_kept_and_reported(tmp_path):
    out, report = imported(qa.media(tmp_path), tmp_path)
    sources = {r["label"]: r for r in rows(out, "sources.csv")}
    assert (out / "sources" / sources["Leaflet.pdf"]["file"]).read_bytes() == b"%PDF-1.4 fake"
    assert sources["Group.mp4"]["file"] == "" and "relative://media/Group.mp4" in sources["Group.mp4"]["note"]
    segments = {s["kind"]: s for s in rows(out, "segments.csv")}
    assert segments["pdf"]["position"] == "page=0;firstX=10;firstY=20;secondX=300;secondY=60"
    assert "text: Peer support works" in segments["pdf"]["note"]
    assert segments["image"]["codes"] == "seen"
    assert report.counts["media selections"] == 2
    assert sum("source 'Leaflet.pdf'" in item for item in report.kept_aside) == 1
    assert "kept aside: video source 'Group.mp4'" in "\n".join(report.lines())


def test_notes_descriptions_and_case_attributes(tmp_path):
    out, _ = imported(qa.notes(tmp_path), tmp_path, qa.MAPPING)
    [quote] = assert_exact(out)
    assert (quote["participant"], quote["site"], quote["stakeholder"]) == ("p01", "south", "manager")
    notes = {(n["about"], n["text"]): n for n in rows(out, "notes.csv")}
    q = f"quote:{quote['id']}"
    assert set(notes) == {
        ("participant:p01", "First participant"), (q, "key moment"),
        ("code:support", "Support means being there."), (q, "Support means being there."),
        (q, "Check this with P01."), ("study:s", "A project about weekly meetings.")}
    assert notes[("code:support", "Support means being there.")]["author"] == "ada"
    assert notes[("code:support", "Support means being there.")]["created"] == "2024-06-02T08:00:00Z"
    assert load(out, "codebook.yaml")["codes"][0]["definition"] == "Any help given"


# -- offsets, mapping, writing ---------------------------------------------------------------------

def test_every_unit_maps_back_to_the_same_code_points():
    rng = random.Random(20240501)
    alphabet = ["a", "é", " ", "\r\n", "\n", "😀", "👍🏽", "ß", "\u200d"]
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        boundaries = [i for i in range(len(text) + 1)
                      if not (0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n")]
        for unit in UNITS:
            conv = Converter(text, unit, *odd_characters(text))
            for cp in boundaries:
                prefix = text[:cp]
                units = len(prefix.encode("utf-16-le")) // 2 if unit.startswith("utf16") else len(prefix)
                if unit.endswith("-lf"):
                    units -= prefix.count("\r\n")
                assert conv.to_codepoint(units) == cp, (text, unit, cp)


def test_mapping_errors_name_the_line(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("sites:\n  variable: Site\nthemes: maybe\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"map.yaml, line 3, field 'themes': must be one of"):
        read_mapping(path)
    path.write_text("site:\n  variable: Site\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1, field 'site': unknown key 'site'"):
        read_mapping(path)


def test_package_folder_must_be_new_or_empty(tmp_path):
    files, _ = import_refi(qa.atlas(tmp_path), "s")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="exists and is not an empty folder"):
        write_package(files, tmp_path / "taken")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["keep.txt"]
    with pytest.raises(InputError, match="outside the package folder"):
        write_package({"../evil.txt": b"x"}, tmp_path / "new")
    assert not (tmp_path / "new").exists() and not (tmp_path / "evil.txt").exists()
    with pytest.raises(OSError):  # 'a' is written as a file, so 'a/b' cannot be: all is undone
        write_package({"a": b"1", "a/b": b"2"}, tmp_path / "half")
    assert not (tmp_path / "half").exists()


def test_study_id_must_be_a_slug(tmp_path):
    with pytest.raises(InputError, match="--study: 'My Study' is not a valid study id"):
        import_refi(qa.atlas(tmp_path), "My Study")


# -- the command line --------------------------------------------------------------------------

def test_import_command_writes_the_package_and_reports(tmp_path):
    result = CliRunner().invoke(cli, ["import", str(qa.media(tmp_path)), "--study", "media",
                                      "-o", str(tmp_path / "pkg")])
    assert result.exit_code == 0, result.output
    assert "Imported media.qdpx: 1 codes, 0 categories, 0 themes, 2 coders" in result.stderr
    assert "kept aside: pdf source 'Leaflet.pdf'" in result.stderr
    assert load(tmp_path / "pkg", "study.yaml")["id"] == "media"


def test_import_command_bad_input_is_exit_2_and_writes_nothing(tmp_path):
    path = qa.qdpx(tmp_path / "slip.qdpx", qa.project(""), {"../evil.txt": "x"})
    result = CliRunner().invoke(cli, ["import", str(path), "--study", "s", "-o", str(tmp_path / "pkg")])
    assert result.exit_code == 2
    assert result.stderr == ("Error: slip.qdpx: member '../evil.txt': has a name that points outside "
                             "the archive (zip slip); refusing the whole archive\n")
    assert not (tmp_path / "pkg").exists()


def test_the_readme_mapping_example_is_valid(tmp_path):
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("- **A mapping file**", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "map.yaml"
    path.write_text("\n".join(line.removeprefix("  ") for line in block.splitlines()), encoding="utf-8")
    mapping = read_mapping(path)
    assert (mapping.sites.variable, mapping.stakeholders.values["Peer worker"]) == ("Site", "peer-worker")
    assert mapping.coders == {"Ada Lovelace": "al"}
