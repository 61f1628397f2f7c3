"""The fidelity corrections of issue 7 (the review of the Gillard et al. 2013 package): each test
reads the loaded store through a named query or SPARQL, never the package files, and checks one
correction against the paper's text where the paper can be checked. Each would fail on the data
before the corrections."""

import re

import pytest

from peerkg.queries import registry

from .conftest import ROOT

ID = "https://w3id.org/peerkg/id/gillard2013/"
PREFIXES = """PREFIX pk: <https://w3id.org/peerkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX cito: <http://purl.org/spar/cito/>
"""
AUTHORS = "Gillard et al. 2013 (the authors)"
PROJECT = "peerkg project curation"
# The paper's top-level section headings, as printed on their own line.
SECTIONS = ("Background", "Methods", "Results", "Discussion",
            "Strengths and limitations of the secondary analysis approach", "Conclusion",
            "Additional file")


def select(store, query: str) -> list[dict]:
    """``query``'s rows as strings; ``{STUDY}`` in it stands for the Gillard study's IRI."""
    query = query.replace("{STUDY}", ID[:-1])
    return [{k: None if v is None else str(v) for k, v in row.items()}
            for row in store.select(PREFIXES + query).dicts()]


def said_by(store, entity: str) -> dict[str, set[str]]:
    """Property label (or IRI) -> the agents that the statement-attribution query names."""
    found: dict[str, set[str]] = {}
    for row in registry()["statement-attribution"].run(store, {"entity": entity}).dicts():
        key = str(row["property_label"] or row["property"])
        found.setdefault(key, set()).add(str(row["said_by_label"]))
    return found


# -- 1. literature links ---------------------------------------------------------------------

def test_links_are_the_projects_readings_of_the_authors_citations(loaded):
    links = select(loaded, """
        SELECT ?link ?by ?citation ?cited_by WHERE {
          ?link a pk:LiteratureLink ; pk:inStudy <{STUDY}> ; prov:wasAttributedTo/rdfs:label ?by .
          OPTIONAL { ?link prov:wasDerivedFrom ?citation .
                     ?citation a pk:Citation ; prov:wasAttributedTo/rdfs:label ?cited_by } }""")
    assert len(links) == 30
    assert {r["by"] for r in links} == {PROJECT}
    assert {r["cited_by"] for r in links} == {AUTHORS}
    intents = select(loaded, """
        SELECT DISTINCT ?p WHERE { ?article a pk:Source ; ?p ?work . ?work a pk:Reference }""")
    assert intents  # every study's article cites its references, and only that
    assert [r["p"] for r in intents] == ["http://purl.org/spar/cito/cites"]


def test_each_citation_is_printed_in_its_section(loaded, seed_text):
    """The authors' part of a link: the paper cites these works in that section."""
    rows = select(loaded, """
        SELECT ?citation ?section (GROUP_CONCAT(STR(?n); separator=" ") AS ?numbers) WHERE {
          ?citation a pk:Citation ; pk:inStudy <{STUDY}> ; pk:inSection ?section ;
                    pk:citesReference/pk:referenceNumber ?n } GROUP BY ?citation ?section""")
    assert len(rows) == 30
    starts = {s: seed_text.index(f"\n{s}\n") for s in SECTIONS}
    for row in rows:
        start = starts[row["section"]]
        end = min(at for at in starts.values() if at > start)
        assert {int(n) for n in row["numbers"].split()} <= cited(seed_text[start:end]), row


def cited(text: str) -> set[int]:
    """The reference numbers ``text`` cites: [11], [11,40], [7,9,13], [2-4]."""
    numbers = set()
    for group in re.findall(r"\[(\d+(?:\s*[,–-]\s*\d+)*)\]", text):
        for part in group.split(","):
            low, _, high = part.strip().replace("–", "-").partition("-")
            numbers.update(range(int(low), int(high.strip() or low) + 1))
    return numbers


def construct_refs(store) -> dict[str, set[str]]:
    refs: dict[str, set[str]] = {}
    for row in registry()["construct-literature"].run(store).dicts():
        if str(row["study"]) != "Gillard et al. 2013":
            continue
        number = re.match(r"\[(\d+)\]", str(row["reference"]))[1]
        refs.setdefault(str(row["construct"]), set()).add(number)
    return refs


def test_works_are_linked_only_to_the_constructs_they_are_cited_for(loaded):
    refs = construct_refs(loaded)
    # [11, 40] are cited for the emphasis on boundaries; benevolent power is the authors' reading
    assert "Benevolent power" not in refs
    assert not {"11", "40"} & refs["Institutional support"]
    # incumbent power is [17]'s concept, not [12]'s or [43]'s
    assert refs["Power of role incumbents"] == {"17"}
    # the identity sentence after "remaining 'other' ... [32]" carries no citation
    assert "32" not in refs["Peer worker identity"]
    assert {"11", "40"} <= refs["Practice boundaries"]


def test_intents_heaton_for_information_and_the_methods_used(loaded):
    rows = select(loaded, """
        SELECT ?n ?intent WHERE { ?link a pk:LiteratureLink ; pk:inStudy <{STUDY}> ;
          pk:citationIntent ?intent ;
          pk:citesReference/pk:referenceNumber ?n }""")
    intents = {}
    for row in rows:
        intents.setdefault(int(row["n"]), set()).add(row["intent"].rsplit("/", 1)[1])
    assert intents[47] == {"citesForInformation"}  # a caution, not a method the paper uses
    assert intents[27] == intents[31] == {"usesMethodIn"}  # grounded theory; focused themes
    assert intents[16] == {"usesConceptualFrameworkOf"}  # "a relevant conceptual underpinning"


# -- 2. evidence rows ----------------------------------------------------------------------------

EVIDENCE = {  # (quote, construct label): who asserts it, after the review
    ("q05", "Readiness for the role"): PROJECT,
    ("q21", "Power of role incumbents"): PROJECT,
    ("q22", "Power of role incumbents"): PROJECT,
    ("q33", "Benevolent power"): PROJECT,
    ("q34", "Benevolent power"): PROJECT,
    ("q07", "Readiness for the role"): AUTHORS,  # Conclusion 1: readiness assessed at selection
    ("q12", "Transition into the role"): AUTHORS,  # Conclusion 1: transition into work
    ("q23", "Institutional support"): AUTHORS,  # "lack of specific clinical training"
    ("q44", "Use of lived experience"): AUTHORS,  # "experienced the service at first hand"
    ("q50", "Peer worker stress"): AUTHORS,  # "the personal costs of that giving"
    ("q51", "Peer worker stress"): AUTHORS,
}
REMOVED = {
    ("q06", "Readiness for the role"),  # opting out while doing well: neither stance fits
    ("q34", "Institutional support"),  # states a need for support, not support given
    ("q37", "Institutional support"),  # supervision read by the paper as reinforcing boundaries
    ("q38", "Institutional support"),  # training, likewise
}


@pytest.fixture(scope="module")
def evidence(loaded) -> dict[tuple[str, str], dict]:
    return {(str(r["quote"]).rsplit("/", 1)[1], str(r["construct_label"])): r
            for r in registry()["quotes-by-construct"].run(loaded).dicts()
            if str(r["quote"]).startswith(ID)}


def test_evidence_is_attributed_as_the_paper_supports(evidence):
    assert {key: str(evidence[key]["asserted_by"]) for key in EVIDENCE} == EVIDENCE
    assert REMOVED.isdisjoint(evidence)
    assert len(evidence) == 102


def test_recommendation_2_shows_no_institutional_support_the_paper_does_not_report(loaded):
    rows = [r for r in registry()["conclusion-support"].run(loaded).dicts()
            if str(r["conclusion"]) == "Recommendation 2"
            and str(r["construct"]) == "Institutional support"]
    assert rows and {str(r["stance"]) for r in rows} == {"lacking"}


# -- 3. agreement units --------------------------------------------------------------------------

def test_agreement_says_what_its_percentage_counts(loaded, seed_text):
    rows = registry()["coder-agreement"].run(loaded).dicts()
    units = {(str(r["computed_on"]), float(r["percent"])): str(r["unit"]) for r in rows}
    assert units == {
        ("Gillard et al. 2013", 74.0): "sections",
        ("Gillard et al. 2013", 70.0): "sections",
        ("Gillard et al. 2013", 56.0): "sections",
        ("[30] Turton P, Demetriou A, Bolland W, Gillard S, Kavuma M, Mezey G, Mountford V, "
         "Turner K, White S, Zadeh E, Wright C (2009)", 65.5): "codes",
        ("[30] Turton P, Demetriou A, Bolland W, Gillard S, Kavuma M, Mezey G, Mountford V, "
         "Turner K, White S, Zadeh E, Wright C (2009)", 84.0): "codes",
    }
    assert "agreeing on 65.5% of codes" in seed_text and "agreeing on 84% of codes" in seed_text


# -- 4. findings, their kinds, the caveat and the limitations ------------------------------------

def own_words_overlap(text: str, paper: str, n: int = 6) -> str | None:
    """The first run of ``n`` words ``text`` shares with ``paper`` (case and punctuation aside)."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    flat = " ".join(re.findall(r"[a-z0-9']+", paper.lower()))
    for i in range(len(words) - n + 1):
        run = " ".join(words[i:i + n])
        if f" {run} " in f" {flat} ":
            return run
    return None


def test_findings_give_benefits_challenges_and_the_caveat_in_paper_order(loaded):
    rows = select(loaded, """
        SELECT ?f ?order ?kind ?by WHERE { ?f a pk:Finding ; pk:inStudy <{STUDY}> ; pk:order ?order ;
          pk:findingKind/rdfs:label ?kind ; prov:wasAttributedTo/rdfs:label ?by }
        ORDER BY ?order""")
    assert [r["kind"] for r in rows] == ["benefit", "benefit", "challenge", "challenge",
                                         "challenge", "challenge", "caveat"]
    assert {r["by"] for r in rows} == {AUTHORS}
    assert [r["f"].rsplit("/", 1)[1] for r in rows] == ["f5", "f6", "f1", "f2", "f3", "f4", "f7"]


def test_the_papers_limitations_are_recorded(loaded):
    rows = select(loaded, """
        SELECT ?l ?summary ?by WHERE { ?l a pk:Limitation ; pk:inStudy <{STUDY}> ;
          pk:projectSummary ?summary ;
          prov:wasAttributedTo/rdfs:label ?by } ORDER BY ?l""")
    assert {r["l"].rsplit("/", 1)[1] for r in rows} == {"data-fit", "service-user-data",
                                                        "london-data"}
    assert {r["by"] for r in rows} == {AUTHORS}
    assert any("London" in r["summary"] for r in rows)


def test_summaries_are_in_the_projects_own_words(loaded, seed_text):
    rows = select(loaded, """
        SELECT ?x ?summary WHERE { ?x pk:projectSummary ?summary }""")
    assert len(rows) > 20
    for row in rows:
        assert own_words_overlap(row["summary"], seed_text) is None, row


def test_link_summaries_definitions_and_bases_copy_no_passage(loaded, seed_text):
    """Free text may quote a heading or a term (in quotation marks), never a passage."""
    rows = select(loaded, f"""
        SELECT ?x ?text WHERE {{ ?x pk:inStudy <{ID[:-1]}> ;
          dcterms:description|skos:definition|pk:basis ?text }}""")
    assert len(rows) > 150
    for row in rows:
        unquoted = re.sub(r'"[^"]*"', " ", row["text"])
        assert own_words_overlap(unquoted, seed_text, 8) is None, row


# -- 5. divergent views --------------------------------------------------------------------------

def test_divergent_views_does_not_report_the_consensus_on_identity(loaded):
    rows = registry()["divergent-views"].run(loaded).dicts()
    assert "Peer worker identity" not in {str(r["construct"]) for r in rows}
    assert rows == []  # managers and Peer Workers: no construct on which their views oppose


def test_divergent_views_finds_staff_and_peer_workers_differing_on_equality(loaded, seed_text):
    rows = registry()["divergent-views"].run(
        loaded, {"group_a": "non-peer-staff", "group_b": "peer-worker"}).dicts()
    assert [(str(r["theme"]), str(r["construct"]), int(r["a_present"]), int(r["b_lacking"]))
            for r in rows] == [("Building new teams", "Equal partnership", 1, 3)]
    assert "Peer Workers did not share the view that they were equals" in seed_text


# -- 7. summaries, labels, definitions, coders ---------------------------------------------------

def project_summary(store, iri: str) -> str:
    return select(store, f"SELECT ?s WHERE {{ <{iri}> pk:projectSummary ?s }}")[0]["s"]


def test_theme_summaries_keep_the_papers_qualifiers(loaded):
    teams = project_summary(loaded, ID + "theme/building-teams")
    assert "some peer workers" in teams.lower() and "in London" in teams
    assert "in London" in project_summary(loaded, ID + "theme/challenging-boundaries")
    body = project_summary(loaded, ID + "theme/body-of-practice")
    assert "in London" in body and "did not always help" in body
    assert "mainly" not in project_summary(loaded, ID + "theme/who-becomes")
    code = select(loaded, f"SELECT ?d WHERE {{ <{ID}code/role-as-personal-development> "
                          "skos:definition ?d }")[0]["d"]
    assert "mainly" not in code


def test_no_alternative_label_names_the_opposite_condition(loaded):
    rows = select(loaded, """
        SELECT ?label ?alt WHERE { ?k a pk:Construct ; rdfs:label ?label ; skos:altLabel ?alt }""")
    alts = {(r["label"], r["alt"]) for r in rows}
    assert ("Equal partnership", "othering") not in alts
    assert ("Peer worker identity", "conflicted peer worker identity") not in alts
    assert ("Critical mass", "tipping point") in alts


def test_critical_mass_is_turners_tipping_point_to_institutionalisation(loaded, seed_text):
    definition = select(loaded, """SELECT ?d WHERE {
        <https://w3id.org/peerkg/id/construct/critical-mass> skos:definition ?d }""")[0]["d"]
    assert "tipping point" in definition and "institutionalised" in definition
    assert "self-sustaining" not in definition
    assert "at which a critical mass is achieved and a new role is institutionalised" in seed_text


def test_cw_drafted_the_paper_and_is_not_a_coder(loaded, seed_text):
    coders = {r["name"] for r in select(loaded, """
        SELECT ?name WHERE { ?p a pk:Coder , prov:Person ; rdfs:label ?name
          FILTER(STRSTARTS(STR(?p), "https://w3id.org/peerkg/id/gillard2013/")) }""")}
    assert coders == {"Steve G Gillard", "Sarah L Gibson", "Katherine Owen"}
    stage = select(loaded, f"""SELECT ?role ?name WHERE {{
        <{ID}stage/5> ?role ?p . ?p rdfs:label ?name .
        FILTER(?role IN (prov:wasAssociatedWith, pk:contributor)) }}""")
    assert {(r["role"].rsplit("#", 1)[1], r["name"]) for r in stage} == {
        ("wasAssociatedWith", "Steve G Gillard"), ("contributor", "Christine Edwards"),
        ("contributor", "Sarah L Gibson"), ("contributor", "Katherine Owen"),
        ("contributor", "Christine Wright")}
    assert "CW participated in drafting of this paper." in seed_text


# -- 8. who says what ----------------------------------------------------------------------------

def test_a_theme_heading_is_the_authors_and_its_summary_the_projects(loaded):
    found = said_by(loaded, ID + "theme/building-teams")
    assert found["project summary"] == {PROJECT}
    assert found["http://www.w3.org/2000/01/rdf-schema#label"] == {AUTHORS}
    assert "http://purl.org/dc/terms/description" not in found


def test_an_author_code_keeps_only_its_name_as_the_authors(loaded):
    found = said_by(loaded, ID + "code/staff-benevolent-power")
    assert found["http://www.w3.org/2004/02/skos/core#prefLabel"] == {AUTHORS}
    assert found["project summary"] == {PROJECT}  # its definition is ours
    assert found["http://www.w3.org/2004/02/skos/core#broader"] == {PROJECT}  # our category
    assert found["relates to construct (the project's reading)"] == {PROJECT}


def test_a_finding_is_the_authors_claim_read_by_the_project(loaded):
    found = said_by(loaded, ID + "finding/f1")
    assert found["finding kind"] == {AUTHORS}
    assert found["about construct (the project's reading)"] == {PROJECT}
    assert found["about theme (the project's reading)"] == {PROJECT}
    assert found["project summary"] == {PROJECT}


def test_tables_stages_and_agreement_are_attributed_to_the_authors(loaded):
    rows = select(loaded, """
        SELECT ?kind (COUNT(?x) AS ?n) (GROUP_CONCAT(DISTINCT ?by; separator="|") AS ?agents)
        WHERE { VALUES ?kind { pk:Site pk:ParticipantGroup pk:AnalysisStage
                               pk:AgreementMeasurement pk:Reference }
                ?x a ?kind . FILTER(STRSTARTS(STR(?x), "https://w3id.org/peerkg/id/gillard2013/"))
                OPTIONAL { ?x prov:wasAttributedTo/rdfs:label ?by } }
        GROUP BY ?kind""")
    counts = {r["kind"].rsplit("#", 1)[1]: (int(r["n"]), r["agents"]) for r in rows}
    assert counts == {"Site": (3, AUTHORS), "ParticipantGroup": (12, AUTHORS),
                      "AnalysisStage": (5, AUTHORS), "AgreementMeasurement": (5, AUTHORS),
                      "Reference": (48, AUTHORS)}


def test_project_readings_are_marked_in_the_ontology(loaded):
    marked = {r["p"].rsplit("#", 1)[1] for r in select(
        loaded, "SELECT ?p WHERE { ?p pk:projectReading true }")}
    assert marked == {"projectSummary", "aboutConstruct", "aboutTheme", "relatesToConstruct",
                      "citationIntent"}


def test_the_study_format_docs_query_for_the_authors_statements_works(loaded):
    doc = (ROOT / "docs" / "study-format.md").read_text(encoding="utf-8")
    query = re.search(r"```sparql\n(.*?)```", doc, re.S)[1]
    properties = {str(row[0]).rsplit("#", 1)[1] for row in loaded.select(query).rows}
    assert {"label", "prefLabel", "order"} <= properties
    assert "projectSummary" not in properties


# -- 6. the reconstruction is visible on the pages -----------------------------------------------

@pytest.fixture(scope="module")
def client(loaded):
    from peerkg.api.app import create_app

    return create_app({"STORE": loaded}).test_client()


def test_overview_marks_the_reconstructed_categories_and_codes(client, loaded):
    html = client.get("/").get_data(as_text=True)
    assert "are the project's reconstruction" in html
    rows = registry()["theme-codes"].run(loaded).dicts()
    marked = set(re.findall(r'class="reconstruction"[^>]*>(?:<a [^>]*>)?([^<]+)</a>', html))
    reconstructed = {str(r[k + "_label"]) for r in rows for k in ("category", "code")
                     if str(r[k + "_by"]).endswith("/agent/peerkg")}
    assert len(reconstructed) == 8 + 41 and marked == reconstructed
    assert "Staff retention of benevolent power as a constraint" not in " ".join(marked)


@pytest.mark.parametrize(("path", "note"), [
    ("category/team-acceptance", "The project's reconstruction or reading, not the authors'"),
    ("code/informal-recruitment", "The project's reconstruction or reading, not the authors'"),
    ("link/l13", "The project's reconstruction or reading, not the authors'"),
    ("code/staff-benevolent-power", "Reported by the authors."),
    ("theme/building-teams", "Reported by the authors."),
])
def test_entity_pages_say_whose_it_is(client, path, note):
    html = client.get(f"/id/gillard2013/{path}").get_data(as_text=True)
    assert note in html


# -- the package format and the shapes hold the rule ---------------------------------------------

@pytest.fixture
def package(tmp_path):
    import shutil

    from .conftest import STUDY

    return shutil.copytree(STUDY, tmp_path / "gillard2013")


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("percent: 74, unit: sections,", "percent: 74,",
     r"study\.yaml, line \d+, field 'analysis\.agreement\[0\]'"),
    ("percent: 65.5, unit: codes,", "percent: 65.5, unit: percent,",
     r"study\.yaml, line \d+, field 'analysis\.agreement\[3\]\.unit'"),
    ("kind: caveat", "kind: lesson", r"study\.yaml, line \d+, field 'findings\[6\]\.kind'"),
])
def test_units_and_kinds_are_checked_naming_the_place(package, old, new, message):
    from peerkg.graph.base.errors import InputError
    from peerkg.graph.readers.study import read_study
    from peerkg.graph.readers.vocab import read_vocab

    edit(package / "study.yaml", old, new)
    with pytest.raises(InputError, match=message):
        read_study(package, read_vocab())


@pytest.mark.parametrize(("change", "message"), [
    ("link", "A literature link is the project's reading of a citation"),
    ("unit", "An agreement measurement says what its percentage is of"),
    ("stage", "This entity names the one agent whose statement it is"),
])
def test_shapes_refuse_data_that_confuses_who_says_what(change, message):
    from rdflib import URIRef

    from peerkg.graph.base.errors import NotConforming
    from peerkg.graph.base.iris import PK, PROV
    from peerkg.graph.readers.study import read_study
    from peerkg.graph.readers.vocab import read_vocab
    from peerkg.ontology.shacl import check_shapes

    from .conftest import STUDY

    vocab = read_vocab()
    g = read_study(STUDY, vocab).graph + vocab.graph
    authors = URIRef(ID + "agent/authors")
    if change == "link":
        link = URIRef(ID + "link/l13")
        g.set((link, PROV.wasAttributedTo, authors))
    elif change == "unit":
        g.remove((URIRef(ID + "agreement/a1"), PK.agreementUnit, None))
    else:
        g.remove((URIRef(ID + "stage/5"), PROV.wasAttributedTo, None))
    with pytest.raises(NotConforming, match=message):
        check_shapes(g)


def test_a_package_can_say_text_is_the_authors_own_words(package):
    """Text carried over from the authors' own QDA project is theirs: ``words: authors``."""
    from rdflib import SKOS, URIRef
    from rdflib.namespace import DCTERMS

    from peerkg.graph.base.iris import PK
    from peerkg.graph.readers.study import read_study
    from peerkg.graph.readers.vocab import read_vocab

    edit(package / "study.yaml", "    label: \"Building new teams\"\n",
         "    label: \"Building new teams\"\n    words: authors\n")
    edit(package / "codebook.yaml", "attribution: project\n", "attribution: project\nwords: authors\n")
    g = read_study(package, read_vocab()).graph
    teams, who = URIRef(ID + "theme/building-teams"), URIRef(ID + "theme/who-becomes")
    assert g.value(teams, DCTERMS.description) and not g.value(teams, PK.projectSummary)
    assert g.value(who, PK.projectSummary) and not g.value(who, DCTERMS.description)
    code = URIRef(ID + "code/staff-benevolent-power")
    assert g.value(code, SKOS.definition) and not g.value(code, PK.projectSummary)


def test_a_qda_projects_own_descriptions_stay_the_authors(tmp_path):
    """A REFI-QDA import carries the authors' code descriptions: stored as their definitions."""
    from rdflib import RDF, SKOS

    from peerkg.graph.base.iris import PK
    from peerkg.graph.readers.refi import import_refi, write_package
    from peerkg.graph.readers.study import read_study
    from peerkg.graph.readers.vocab import read_vocab

    from .conftest import ROOT

    files, _ = import_refi(ROOT / "tests" / "data" / "refi" / "atlasti-8.4-spec-annexA2-project.qde",
                           "atlas")
    g = read_study(write_package(files, tmp_path / "atlas"), read_vocab()).graph
    codes = set(g.subjects(RDF.type, PK.Code))
    assert any(g.value(c, SKOS.definition) for c in codes)
    assert not any(g.value(c, PK.projectSummary) for c in codes)
