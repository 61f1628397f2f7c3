"""The ontology: well-formed OWL with labelled, defined terms; every term the data uses is
declared; HermiT finds it consistent, infers what it should, and catches contradictions."""

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

from peerkg.graph.base.iris import PK
from peerkg.graph.loader import base_graphs, read_source
from peerkg.graph.readers.study import INTENTS
from peerkg.ontology import ontology_graph, shapes_graph, shim_graph

from .conftest import STUDY

ONTOLOGY = URIRef("https://w3id.org/peerkg/ontology")
DECLARATIONS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                OWL.NamedIndividual)


@pytest.fixture(scope="module")
def study_data() -> Graph:
    data = Graph()
    for name, g in {**base_graphs(), **read_source(STUDY)}.items():
        if name != ONTOLOGY:
            data += g
    return data


def declared() -> set:
    tbox = ontology_graph() + shim_graph()
    return {s for kind in DECLARATIONS for s in tbox.subjects(RDF.type, kind)}


def test_header():
    g = ontology_graph()
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in g
    for prop in (OWL.versionIRI, OWL.versionInfo, URIRef("http://purl.org/dc/terms/license"),
                 URIRef("http://purl.org/dc/terms/creator"), RDFS.label, SKOS.definition):
        assert g.value(ONTOLOGY, prop) is not None, prop


def test_every_term_has_a_label_and_a_definition():
    g = ontology_graph()
    terms = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(str(PK))}
    assert len(terms) > 60
    for term in terms:
        assert g.value(term, RDFS.label) is not None, f"{term} has no rdfs:label"
        assert g.value(term, SKOS.definition) is not None, f"{term} has no skos:definition"


def test_naming_conventions():
    g = ontology_graph()
    for cls in g.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(str(PK)):
            assert str(cls)[len(PK)].isupper(), cls
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in g.subjects(RDF.type, kind):
            assert str(prop)[len(PK)].islower(), prop


def test_every_predicate_and_class_the_data_uses_is_declared(study_data):
    known = declared() | {RDF.type, RDFS.label}
    used = set(study_data.predicates()) | set(study_data.objects(None, RDF.type))
    undeclared = sorted(str(t) for t in used - known)
    assert undeclared == []


def test_citation_intents_are_declared_cito_properties():
    cites = URIRef("http://purl.org/spar/cito/cites")
    shim = shim_graph()
    declared_intents = {str(p).rsplit("/", 1)[1] for p in shim.subjects(RDFS.subPropertyOf, cites)}
    assert set(INTENTS) == declared_intents | {"cites"}


def test_shapes_target_ontology_classes():
    sh = "http://www.w3.org/ns/shacl#"
    classes = set(ontology_graph().subjects(RDF.type, OWL.Class))
    targets = set(shapes_graph().objects(None, URIRef(sh + "targetClass")))
    assert targets and targets <= classes


@pytest.mark.java
def test_hermit_consistent_and_infers_quote_to_construct_links(study_data):
    from peerkg.ontology.reasoning import run_hermit as reason

    result = reason(study_data)
    q = URIRef("https://w3id.org/peerkg/id/gillard2013/quote/q03")
    code = URIRef("https://w3id.org/peerkg/id/gillard2013/code/motivation-to-give-back")
    assert (q, PK.hasCode, code) in result.inferred
    # q03 -> code -> construct, by the property chain, without any recorded evidence row
    for construct in study_data.objects(code, PK.relatesToConstruct):
        assert (q, PK.bearsOnConstruct, construct) in result.inferred
    codings = len(set(study_data.subjects(RDF.type, PK.Coding)))
    assert result.counts[str(PK.hasCode)] == codings
    evidence = len(set(study_data.subjects(RDF.type, PK.ConstructEvidence)))
    assert result.counts[str(PK.evidencedConstruct)] == evidence
    reconstructed = URIRef("https://w3id.org/peerkg/id/gillard2013/category/team-acceptance")
    assert (reconstructed, RDF.type, PK.ProjectReconstruction) in result.inferred


@pytest.mark.java
def test_hermit_names_an_individual_in_disjoint_classes(study_data):
    from peerkg.graph.base.errors import NotConforming
    from peerkg.ontology.reasoning import run_hermit as reason

    broken = Graph() + study_data
    theme = URIRef("https://w3id.org/peerkg/id/gillard2013/theme/building-teams")
    broken.add((theme, RDF.type, PK.Code))
    with pytest.raises(NotConforming) as error:
        reason(broken)
    assert f"{theme} is both {PK.Code} and {PK.Theme}, which are disjoint" in str(error.value)


@pytest.mark.java
def test_hermit_rejects_a_negative_count(study_data):
    from rdflib import Literal

    from peerkg.graph.base.errors import NotConforming
    from peerkg.ontology.reasoning import run_hermit as reason

    broken = Graph() + study_data
    group = URIRef("https://w3id.org/peerkg/id/gillard2013/participants/london-manager")
    broken.remove((group, PK.participantCount, None))
    broken.add((group, PK.participantCount, Literal(-2)))
    with pytest.raises(NotConforming, match="OWL inconsistency"):
        reason(broken)
