"""Bad study packages get an error naming the file, the line or row and the field, and the
store is left exactly as it was."""

import shutil

import pytest

from peerkg.graph.base.errors import InputError, NotConforming
from peerkg.graph.loader import load

from .conftest import STUDY


@pytest.fixture
def package(tmp_path):
    """A copy of the bundled study package to break."""
    return shutil.copytree(STUDY, tmp_path / "gillard2013")


@pytest.fixture
def store(initialised_store):
    return initialised_store


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path, needle) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if needle in line)


CASES = {
    "malformed YAML": (
        lambda p: edit(p / "study.yaml", "journal: BMC", "journal: [BMC"),
        r"study\.yaml, line \d+, column \d+: malformed YAML",
    ),
    "missing column": (
        lambda p: edit(p / "quotes.csv", ",codes,text\n", ",codes,quote\n"),
        r"quotes\.csv, row 1: missing column\(s\) text",
    ),
    "unknown column": (
        lambda p: edit(p / "quotes.csv", "id,site,stakeholder,", "id,place,stakeholder,"),
        r"quotes\.csv, row 1: unknown column 'place' \(columns: id, text, site, stakeholder, ",
    ),
    "misspelt key": (
        lambda p: edit(p / "study.yaml", "journal: BMC", "journl: BMC"),
        r"study\.yaml, line 9, field 'journl': unknown key 'journl'; did you mean 'journal'\? \(allowed here: id, title, ",
    ),
    "misspelt nested key": (
        lambda p: edit(p / "study.yaml", "  - id: london\n    label: London", "  - id: london\n    lable: London"),
        r"study\.yaml, line \d+, field 'sites\[0\]\.lable': unknown key 'lable'; did you mean 'label'\?",
    ),
    "misspelt file": (
        lambda p: (p / "evidence.csv").rename(p / "evidance.csv"),
        r"unknown file 'evidance\.csv' in a study package",
    ),
    "wrong type": (
        lambda p: edit(p / "study.yaml", "year: 2013", "year: twenty-thirteen"),
        r"study\.yaml, line 10, field 'year': expected a whole number, found 'twenty-thirteen'",
    ),
    "control character": (
        lambda p: edit(p / "study.yaml", "journal: BMC", "journal: B\x01MC"),
        r"study\.yaml, line 9: malformed YAML: character U\+0001 is not allowed in YAML",
    ),
    "unknown site": (
        lambda p: edit(p / "quotes.csv", "q03,london,", "q03,lndon,"),
        r"quotes\.csv, row 4, field 'site': unknown site 'lndon' \(known: london, north, south\)",
    ),
    "unknown stakeholder group": (
        lambda p: edit(p / "quotes.csv", "q03,london,peer-worker,", "q03,london,peer-wrker,"),
        r"quotes\.csv, row 4, field 'stakeholder': unknown stakeholder group 'peer-wrker' \(known: carer, ",
    ),
    "code not in the codebook": (
        lambda p: edit(p / "quotes.csv", ",motivation-to-give-back,I have", ",motivation-to-giveback,I have"),
        r"quotes\.csv, row 4, field 'codes': unknown code 'motivation-to-giveback'",
    ),
    "duplicate quote id": (
        lambda p: edit(p / "quotes.csv", "q03,london,", "q02,london,"),
        r"quotes\.csv, row 4, field 'id': duplicate quote id 'q02'",
    ),
    "duplicate code id": (
        lambda p: edit(p / "codebook.yaml", "  - id: readiness-to-take-on-role",
                       "  - id: service-use-as-grounding"),
        r"codebook\.yaml, line \d+, field 'codes\[1\]\.id': duplicate code id 'service-use-as-grounding'",
    ),
    "negative count": (
        lambda p: edit(p / "study.yaml", "manager: 2,", "manager: -2,"),
        r"study\.yaml, line \d+, field 'participants\.counts\.london\.manager': expected a non-negative integer, found -2",
    ),
    "bad stance": (
        lambda p: edit(p / "evidence.csv", "q01,use-of-lived-experience,present", "q01,use-of-lived-experience,maybe"),
        r"evidence\.csv, row 2, field 'stance': must be 'present' or 'lacking', not 'maybe'",
    ),
    "unknown attribute": (
        lambda p: edit(p / "study.yaml", "      aim: \"To support social inclusion\"", "      goal: \"To support social inclusion\""),
        r"study\.yaml, line \d+, field 'sites\[2\]\.attributes\.goal': unknown attribute 'goal' \(declared in site_attributes: peer-worker-role, aim, ",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_package_is_refused_and_store_unchanged(store, package, case):
    breaker, message = CASES[case]
    breaker(package)
    before = store.dump()
    with pytest.raises(InputError, match=message):
        load(store, [package])
    assert store.dump() == before


def test_the_error_names_the_yaml_line(package):
    from peerkg.graph.readers.study import read_study
    from peerkg.graph.readers.vocab import read_vocab

    edit(package / "codebook.yaml", "    category: transition-into-role\n", "    category: nowhere\n")
    line = line_of(package / "codebook.yaml", "category: nowhere")
    with pytest.raises(InputError, match=rf"codebook\.yaml, line {line}, field 'codes\[0\]\.category': unknown category 'nowhere'"):
        read_study(package, read_vocab())


def test_shacl_violation_names_the_node_and_changes_nothing(store, tmp_path):
    broken = tmp_path / "broken.trig"
    broken.write_text(
        "@prefix pk: <https://w3id.org/peerkg/ontology#> .\n"
        "<https://example.org/study> { <https://example.org/quote/1> a pk:Quote . }\n",
        encoding="utf-8")
    before = store.dump()
    with pytest.raises(NotConforming) as error:
        load(store, [broken])
    assert "https://example.org/quote/1 (pk:inStudy): A quote needs exactly one study." in str(error.value)
    assert store.dump() == before


def test_unparsable_rdf_names_the_file(store, tmp_path):
    bad = tmp_path / "bad.trig"
    bad.write_text("<a> <b> { oops", encoding="utf-8")
    before = store.dump()
    with pytest.raises(InputError, match=r"bad\.trig: cannot parse as RDF"):
        load(store, [bad])
    assert store.dump() == before


def test_turtle_needs_a_graph_name(store, tmp_path):
    ttl = tmp_path / "extra.ttl"
    ttl.write_text("<https://example.org/a> <https://example.org/b> 1 .\n", encoding="utf-8")
    with pytest.raises(InputError, match="say which named graph it replaces with --graph IRI"):
        load(store, [ttl])
    load(store, [ttl], graph="https://example.org/extra")
    assert "https://example.org/extra" in store.graphs()
