"""Loading data into a store: read, check, then replace graphs in one transaction.

A source is a study package folder (docs/study-format.md) or an RDF file: a dataset (TriG,
N-Quads, JSON-LD) whose named graphs are replaced, or a graph (Turtle, N-Triples, RDF/XML) that
needs the name of the graph it goes into. Everything is read and checked with SHACL before the
store is touched, so a bad source leaves the store exactly as it was.
"""

from collections.abc import Callable, Iterable
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from peerkg.graph.errors import InputError
from peerkg.graph.iris import INFERRED_GRAPH, ONTOLOGY_GRAPH, VOCAB_GRAPH
from peerkg.graph.store import Store
from peerkg.graph.study import bundled_studies, read_study
from peerkg.graph.vocab import read_vocab
from peerkg.ontology import ontology_graph
from peerkg.ontology.shacl import check

DATASET_FORMATS = {".trig": "trig", ".nq": "nquads", ".jsonld": "json-ld"}
GRAPH_FORMATS = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml", ".owl": "xml"}


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
    suffix = path.suffix.lower()
    try:
        if suffix in DATASET_FORMATS:
            dataset = Dataset()
            dataset.parse(path, format=DATASET_FORMATS[suffix])
            graphs = {
                g.identifier: g for g in dataset.graphs()
                if isinstance(g.identifier, URIRef) and len(g)
                and str(g.identifier) != "urn:x-rdflib:default"
            }
            if not graphs:
                raise InputError("holds no named graph to load", str(path))
            return graphs
        if suffix in GRAPH_FORMATS:
            if not graph:
                raise InputError(
                    f"a {suffix} file holds one graph: say which named graph it replaces "
                    "with --graph IRI", str(path))
            return {URIRef(graph): Graph().parse(path, format=GRAPH_FORMATS[suffix])}
    except InputError:
        raise
    except Exception as e:  # rdflib raises many parser-specific exception types
        raise InputError(f"cannot parse as RDF: {e}", str(path)) from None
    known = ", ".join(sorted(DATASET_FORMATS | GRAPH_FORMATS))
    raise InputError(f"unknown file type '{suffix}' (use a study folder or {known})", str(path))


def load(store: Store, sources: Iterable[Path], graph: str | None = None,
         progress: Callable[[str], None] = lambda step: None) -> dict[URIRef, int]:
    """Read and check every source, then replace their graphs (plus the ontology and
    vocabulary graphs) in one transaction, dropping any saved inferences (see
    ``peerkg validate --reason --save``). Returns the number of triples per graph loaded.

    Raises InputError for unreadable sources and NotConforming for data breaking the shapes;
    in both cases the store is not touched.
    """
    graphs = base_graphs()
    for source in sources:
        progress(f"reading {source}")
        graphs.update(read_source(source, graph))
    progress("checking with SHACL")
    data = Graph()
    for name, g in graphs.items():
        if name != ONTOLOGY_GRAPH:
            data += g
    check(data)
    progress("writing to the store")
    # saved inferences would no longer follow from the data: drop them in the same transaction
    store.replace_graphs({**graphs, INFERRED_GRAPH: Graph()})
    return {name: len(g) for name, g in graphs.items()}


def initialise(store: Store, progress: Callable[[str], None] = lambda step: None):
    """Put the ontology, the vocabulary and every bundled study into ``store``."""
    return load(store, bundled_studies(), progress=progress)


def is_empty(store: Store) -> bool:
    """True if no named graph of ``store`` holds a triple."""
    return not store.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1").rows
