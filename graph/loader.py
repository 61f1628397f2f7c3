"""Loading data into a store: read, check, then replace graphs in one transaction.

A source is a study package folder (docs/study-format.md), an SSSOM mapping table
(``.sssom.tsv``, :mod:`peerkg.graph.readers.sssom`) or an RDF file (see
:mod:`peerkg.graph.readers.rdf`). Everything is read and checked with SHACL before the store is
touched, and every concept a mapping names must be in the store or in the sources loaded with
it, so a bad source leaves the store exactly as it was. The same module checks what is in a
store or in sources without loading (``peerkg validate``).
"""

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from rdflib import RDF, RDFS, Dataset, Graph, URIRef

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.iris import (
    ACCESS_LEVEL,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PK,
    VOCAB_GRAPH,
)
from peerkg.graph.readers.rdf import read_rdf
from peerkg.graph.readers.sssom import is_sssom, read_sssom
from peerkg.graph.readers.study import bundled_studies, read_study
from peerkg.graph.readers.vocab import read_vocab
from peerkg.graph.store import Store
from peerkg.ontology import ontology_graph
from peerkg.ontology.shacl import check_shapes

Progress = Callable[[str], None]
BUNDLED_MAPPINGS = Path(__file__).parent / "mappings"


def base_graphs() -> dict[URIRef, Graph]:
    """The graphs every store has: the ontology and the shared vocabulary."""
    return {ONTOLOGY_GRAPH: ontology_graph(), VOCAB_GRAPH: read_vocab().graph}


def read_source(path: Path, graph: str | None = None) -> dict[URIRef, Graph]:
    """Read one source into the named graphs it replaces; InputError if it cannot be read."""
    path = Path(path)
    if path.is_dir():
        study = read_study(path, read_vocab())
        return {study.iri: study.graph}
    if not path.exists():
        raise InputError("no such file or folder", str(path))
    if is_sssom(path):
        return read_sssom(path)
    return read_rdf(path, graph)


def data_graph(graphs: Mapping[URIRef, Graph]) -> Graph:
    """The data the shapes and the reasoner check: every graph but the ontology and saved
    inferences, merged."""
    data = Graph()
    for name, g in graphs.items():
        if name not in (ONTOLOGY_GRAPH, INFERRED_GRAPH):
            data += g
    return data


def load(store: Store, sources: Iterable[Path], graph: str | None = None,
         progress: Progress = lambda step: None, access: str | None = None) -> dict[URIRef, int]:
    """Read and check every source, then replace their graphs (plus the ontology and
    vocabulary graphs) in one transaction, dropping any saved inferences (see
    ``peerkg validate --reason --save``). Returns the number of triples per graph loaded.

    ``access`` (``"public"`` or ``"restricted"``) sets the access level of every graph the
    sources hold, whatever they say themselves (a study package's ``access:``).

    Raises InputError for unreadable sources and NotConforming for data breaking the shapes;
    in both cases the store is not touched.
    """
    graphs = base_graphs()
    for source in sources:
        progress(f"reading {source}")
        read = read_source(source, graph)
        if access is not None:
            for name, g in read.items():
                set_access(g, name, access)
        graphs.update(read)
    progress("checking with SHACL")
    check_shapes(data_graph(graphs))
    check_mapped_concepts(store, graphs)
    progress("writing to the store")
    # saved inferences would no longer follow from the data: drop them in the same transaction
    store.replace_graphs({**graphs, INFERRED_GRAPH: Graph()})
    return {name: len(g) for name, g in graphs.items()}


def set_access(graph: Graph, name: URIRef, access: str) -> None:
    """Make ``graph`` (named ``name``) say that it is public or restricted (DESIGN.md)."""
    graph.remove((name, ACCESS_LEVEL, None))
    graph.add((name, ACCESS_LEVEL, PK[access]))


def check_mapped_concepts(store: Store, graphs: Mapping[URIRef, Graph]) -> None:
    """InputError unless every concept a mapping in ``graphs`` names is described in
    ``graphs`` or in ``store`` (a typo in an id would otherwise map to nothing)."""
    for name, g in graphs.items():
        named = {(m, o) for m in g.subjects(RDF.type, PK.Mapping)
                 for p in (PK.mappingSubject, PK.mappingObject) for o in g.objects(m, p)}
        missing = {(m, o) for m, o in named
                   if not any((o, RDF.type, None) in other for other in graphs.values())}
        if not missing:
            continue
        found = {str(row[0]) for row in store.select(
            "SELECT ?x WHERE { FILTER EXISTS { ?x a ?type } }",
            {"x": sorted({o for _, o in missing})}).rows}
        for mapping, concept in sorted(missing, key=lambda pair: str(g.value(pair[0], RDFS.label))):
            if str(concept) not in found:
                raise InputError(f"{g.value(mapping, RDFS.label)}: {concept} is not in the store nor "
                                 "in the sources loaded with it (load its study first, or with it)",
                                 str(name))


def bundled_sources() -> list[Path]:
    """The study packages and mapping tables shipped with peerkg."""
    return [*bundled_studies(), *sorted(BUNDLED_MAPPINGS.glob("*.sssom.tsv"))]


def initialise(store: Store, progress: Progress = lambda step: None) -> dict[URIRef, int]:
    """Put the ontology, the vocabulary, the bundled studies and their mappings into ``store``."""
    return load(store, bundled_sources(), progress=progress)


def load_steps(sources: Iterable[Path] | None = None) -> int:
    """How many progress steps :func:`load` (or, without sources, :func:`initialise`) reports."""
    return len(list(bundled_sources() if sources is None else sources)) + 2


def stored_graphs(store: Store) -> dict[URIRef, Graph]:
    """Every named graph of ``store``, parsed."""
    dataset = Dataset()
    dataset.parse(data=store.dump(), format="nquads")
    return {g.identifier: g for g in dataset.graphs() if isinstance(g.identifier, URIRef)}


def check(graphs: Mapping[URIRef, Graph]) -> Graph:
    """SHACL-check ``graphs`` (NotConforming if they break the shapes); returns the data
    checked, for the reasoner."""
    data = data_graph(graphs)
    check_shapes(data)
    return data


def save_inferences(store: Store, inferred: Graph) -> None:
    """Keep what the reasoner inferred in the inferred graph, until the next load."""
    store.replace_graphs({INFERRED_GRAPH: inferred})
