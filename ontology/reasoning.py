"""OWL 2 DL reasoning with HermiT (through owlready2) over the ontology and study data.

owlready2 cannot read Turtle and must not fetch imports from the web, so the ontology, the shim
of reused terms and the data are written as N-Triples into a private folder on owlready2's
``onto_path`` and loaded with ``only_local=True`` (see ../shared/research/ontology.md). HermiT
needs a Java runtime.
"""

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, URIRef

from peerkg.graph.base.errors import NotConforming, PeerkgError
from peerkg.graph.base.iris import ONTOLOGY_GRAPH, PK
from peerkg.ontology import ontology_graph, shim_graph

DATA_IRI = "https://w3id.org/peerkg/id/reasoning-input"

# What the reasoner is asked to report: properties defined by chains, and defined classes.
INFERRED_PROPERTIES = (PK.hasCode, PK.bearsOnConstruct, PK.evidencedConstruct)
INFERRED_CLASSES = (PK.ProjectReconstruction,)


@dataclass
class Reasoning:
    """The outcome of a consistent run: inferred facts not asserted in the input."""

    inferred: Graph
    counts: dict[str, int] = field(default_factory=dict)


def java_available() -> bool:
    return shutil.which("java") is not None


def run_hermit(data: Graph) -> Reasoning:
    """Check ``data`` with the ontology for consistency and return what HermiT infers.

    Raises NotConforming if the ontology and data are inconsistent (naming, where it can, the
    individuals asserted in disjoint classes), and PeerkgError if Java is missing.
    """
    if not java_available():
        raise PeerkgError("reasoning needs a Java runtime (e.g. 'apt-get install default-jre')")
    import owlready2

    with tempfile.TemporaryDirectory(prefix="peerkg-owl-") as tmp:
        folder = Path(tmp)
        _write(shim_graph(), folder / "w3c-shim.nt")
        _write(ontology_graph(), folder / "ontology.nt")
        header = Graph()
        header.add((URIRef(DATA_IRI), RDF.type, OWL.Ontology))
        header.add((URIRef(DATA_IRI), OWL.imports, ONTOLOGY_GRAPH))
        _write(header + data, folder / "reasoning-input.nt")

        world = owlready2.World()
        owlready2.onto_path.insert(0, str(folder))
        try:
            onto = world.get_ontology(f"file://{folder / 'reasoning-input.nt'}")
            onto.load(only_local=True)
            try:
                owlready2.sync_reasoner_hermit(
                    world, infer_property_values=True, ignore_unsupported_datatypes=True,
                    debug=0,
                )
            except owlready2.OwlReadyInconsistentOntologyError:
                raise NotConforming(
                    "OWL inconsistency: the data contradicts the ontology.",
                    _explain_inconsistency(data),
                ) from None
            return _inferences(world, data)
        finally:
            owlready2.onto_path.remove(str(folder))
            world.close()


def _write(graph: Graph, path: Path) -> None:
    graph.serialize(path, format="nt", encoding="utf-8")


def _inferences(world, data: Graph) -> Reasoning:
    inferred = Graph()
    for prop in INFERRED_PROPERTIES:
        # owlready2 records a value once, under the most specific property that has it.
        for entity in world[str(prop)].descendants():
            for subject, value in entity.get_relations():
                triple = (URIRef(subject.iri), prop, URIRef(value.iri))
                if triple not in data:
                    inferred.add(triple)
    for cls in INFERRED_CLASSES:
        for individual in world[str(cls)].instances():
            triple = (URIRef(individual.iri), RDF.type, cls)
            if triple not in data:
                inferred.add(triple)
    counts = {str(p): len(set(inferred.triples((None, p, None)))) for p in INFERRED_PROPERTIES}
    for cls in INFERRED_CLASSES:
        counts[str(cls)] = len(set(inferred.triples((None, RDF.type, cls))))
    return Reasoning(inferred, counts)


def _explain_inconsistency(data: Graph) -> str:
    """Name individuals asserted (directly or by subclass) in two disjoint classes: the most
    common cause of an inconsistency in study data. Empty if none is found."""
    tbox = ontology_graph() + shim_graph()
    supers: dict = {}

    def ancestors(cls):
        if cls not in supers:
            supers[cls] = {cls}
            for parent in tbox.objects(cls, RDFS.subClassOf):
                supers[cls] |= ancestors(parent)
        return supers[cls]

    disjoint = {(a, b) for a, b in tbox.subject_objects(OWL.disjointWith)}
    lines = []
    for individual in set(data.subjects(RDF.type, None)):
        classes = set()
        for cls in data.objects(individual, RDF.type):
            classes |= ancestors(cls)
        for a, b in disjoint:
            if a in classes and b in classes:
                lines.append(f"- {individual} is both {a} and {b}, which are disjoint")
    return "\n".join(sorted(lines))
