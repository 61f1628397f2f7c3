"""IRIs and namespaces: the one place where peerkg mints identifiers.

Data IRIs follow ``https://w3id.org/peerkg/id/<study>/<kind>/<local-id>`` (DESIGN.md), minted
from a study package's own ids so they are stable across reloads. Shared vocabulary lives under
``https://w3id.org/peerkg/id/<kind>/<id>``.
"""

from rdflib import Namespace, URIRef

PK = Namespace("https://w3id.org/peerkg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
FABIO = Namespace("http://purl.org/spar/fabio/")
CITO = Namespace("http://purl.org/spar/cito/")

ID = "https://w3id.org/peerkg/id/"
ONTOLOGY_GRAPH = URIRef("https://w3id.org/peerkg/ontology")
VOCAB_GRAPH = URIRef(ID + "vocab")
INFERRED_GRAPH = URIRef(ID + "inferred")  # what HermiT infers, saved by validate --reason --save
PROJECT_AGENT = URIRef(ID + "agent/peerkg")

# Access to a study (DESIGN.md, "Access"): its graph says <study> pk:accessLevel pk:public or
# pk:restricted; a graph that says neither is public.
ACCESS_LEVEL = PK.accessLevel
RESTRICTED = PK.restricted
ACCESS_LEVELS = ("public", "restricted")

PREFIXES = {
    "pk": str(PK),
    "oa": str(OA),
    "prov": str(PROV),
    "org": str(ORG),
    "dqv": str(DQV),
    "fabio": str(FABIO),
    "cito": str(CITO),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def study_iri(study: str) -> URIRef:
    """The IRI of a study, which is also the name of its graph in the store."""
    return URIRef(ID + study)


def entity(study: str, kind: str, local: str) -> URIRef:
    """The IRI of an entity of ``kind`` (site, quote, code, ...) in ``study``."""
    return URIRef(f"{ID}{study}/{kind}/{local}")


def shared(kind: str, local: str) -> URIRef:
    """The IRI of a shared vocabulary entry (``construct``, ``stakeholder``, ``scheme``)."""
    return URIRef(f"{ID}{kind}/{local}")


def page_path(iri) -> str | None:
    """The server path of a peerkg entity, where its page is served (``/id/...`` for
    ``https://w3id.org/peerkg/id/...``), or None for IRIs outside peerkg."""
    text = str(iri)
    return "/id/" + text[len(ID):] if text.startswith(ID) and len(text) > len(ID) else None
