"""Loading data into a store: read, check, then replace graphs in one transaction.

A source is a study package folder (docs/study-format.md) or an RDF file (see
:mod:`peerkg.graph.readers.rdf`). Everything is read and checked with SHACL before the store is
touched, so a bad source leaves the store exactly as it was. The same module checks what is in
a store or in sources without loading (``peerkg validate``).
"""

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.iris import ACCESS_RIGHTS, INFERRED_GRAPH, ONTOLOGY_GRAPH, RESTRICTED, VOCAB_GRAPH
from peerkg.graph.readers.rdf import read_rdf
from peerkg.graph.readers.study import bundled_studies, read_study
from peerkg.graph.readers.vocab import read_vocab
from peerkg.graph.store import Store
from peerkg.ontology import ontology_graph
from peerkg.ontology.shacl import check_shapes

Progress = Callable[[str], None]


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
    progress("writing to the store")
    # saved inferences would no longer follow from the data: drop them in the same transaction
    store.replace_graphs({**graphs, INFERRED_GRAPH: Graph()})
    return {name: len(g) for name, g in graphs.items()}


def set_access(graph: Graph, name: URIRef, access: str) -> None:
    """Make ``graph`` (named ``name``) say that it is public or restricted (DESIGN.md)."""
    graph.remove((name, ACCESS_RIGHTS, None))
    if access == "restricted":
        graph.add((name, ACCESS_RIGHTS, RESTRICTED))


def initialise(store: Store, progress: Progress = lambda step: None) -> dict[URIRef, int]:
    """Put the ontology, the vocabulary and every bundled study into ``store``."""
    return load(store, bundled_studies(), progress=progress)


def load_steps(sources: Iterable[Path] | None = None) -> int:
    """How many progress steps :func:`load` (or, without sources, :func:`initialise`) reports."""
    return len(list(bundled_studies() if sources is None else sources)) + 2


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
