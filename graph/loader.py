"""Loading data into a store: read, check each graph, then replace graphs in one transaction.

A source is a study package folder (docs/study-format.md), an SSSOM mapping table
(``.sssom.tsv``, :mod:`peerkg.graph.readers.sssom`) or an RDF file (see
:mod:`peerkg.graph.readers.rdf`). Each graph is checked with SHACL on its own, together with the
shared vocabulary it may refer to (the shapes are about one study at a time), and every concept
a mapping names must be in the store or in the sources loaded with it. Packages and mapping
tables are read and checked before the store is touched; RDF dataset files go through the
store's bulk path, which checks each of their graphs before the load is made final
(:meth:`peerkg.graph.store.Store.load_graphs`). Either way a bad source leaves the store
exactly as it was. The same module checks what is in a store or in sources without loading
(``peerkg validate``).
"""

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from rdflib import RDF, RDFS, Dataset, Graph, URIRef

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.formats import by_suffix
from peerkg.graph.base.iris import INFERRED_GRAPH, ONTOLOGY_GRAPH, PK, VOCAB_GRAPH
from peerkg.graph.readers.rdf import SUFFIXES, read_rdf
from peerkg.graph.readers.sssom import is_sssom, read_sssom
from peerkg.graph.readers.study import bundled_studies, read_study
from peerkg.graph.readers.vocab import read_vocab
from peerkg.graph.store import Store
from peerkg.graph.store.bulk import RdfFile, check_graphs
from peerkg.ontology import ontology_graph
from peerkg.ontology.shacl import check_ntriples

Progress = Callable[[str], None]
BUNDLED_MAPPINGS = Path(__file__).parent / "mappings"
UNCHECKED = (ONTOLOGY_GRAPH, INFERRED_GRAPH)  # the ontology is not data; inferences follow from it
MAPPING = str(PK.Mapping).encode()


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


def rdf_file(path: Path, graph: str | None = None) -> RdfFile:
    """An RDF file for the store's bulk path; InputError for an unknown suffix, or a graph
    file (Turtle, N-Triples, RDF/XML) without ``graph``."""
    fmt = by_suffix(path.suffix)
    if fmt is None:
        raise InputError(f"unknown file type '{path.suffix}' (use a study folder or "
                         f"{', '.join(SUFFIXES)})", str(path))
    if not fmt.dataset and not graph:
        raise InputError(f"a {path.suffix} file holds one graph: say which named graph it "
                         "replaces with --graph IRI", str(path))
    return RdfFile(path, fmt.media_type, None if fmt.dataset else URIRef(graph))


def data_graph(graphs: Mapping[URIRef, Graph]) -> Graph:
    """The data the reasoner checks: every graph but the ontology and saved inferences, merged."""
    data = Graph()
    for name, g in graphs.items():
        if name not in UNCHECKED:
            data += g
    return data


def load(store: Store, sources: Iterable[Path], graph: str | None = None,
         progress: Progress = lambda step: None) -> dict[URIRef, int]:
    """Read and check every source, then replace their graphs (plus the ontology and
    vocabulary graphs) in one transaction, dropping any saved inferences (see
    ``peerkg validate --reason --save``). Returns the number of triples per graph loaded.

    Raises InputError for unreadable sources and NotConforming for data breaking the shapes;
    in both cases the store is as it was.
    """
    graphs, files = base_graphs(), []
    for source in sources:
        progress(f"reading {source}")
        source = Path(source)
        if source.is_file() and not is_sssom(source):
            files.append(rdf_file(source, graph))
        else:
            graphs.update(read_source(source, graph))
    progress("checking with SHACL")
    context = graphs[VOCAB_GRAPH].serialize(format="nt", encoding="utf-8")
    check_graphs(((name, g.serialize(format="nt", encoding="utf-8")) for name, g in graphs.items()
                  if name not in UNCHECKED), lambda name, data: check_ntriples(data, context, name))
    check_mapped_concepts(store, graphs)

    def check_from_file(name: URIRef, data: bytes) -> None:
        if name in UNCHECKED:
            return
        check_ntriples(data, context, name)
        if MAPPING in data:
            check_mapped_concepts(store, {name: Graph().parse(data=data, format="nt")})

    progress("writing to the store")
    # saved inferences would no longer follow from the data: drop them in the same transaction
    return store.load_graphs({**graphs, INFERRED_GRAPH: Graph()}, files, check_from_file)


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
    """SHACL-check each of ``graphs`` on its own, with the vocabulary graph among them as its
    context (NotConforming if one breaks the shapes); returns the data checked, merged, for the
    reasoner."""
    vocab = graphs.get(VOCAB_GRAPH, Graph()).serialize(format="nt", encoding="utf-8")
    check_graphs(((name, g.serialize(format="nt", encoding="utf-8")) for name, g in graphs.items()
                  if name not in UNCHECKED), lambda name, data: check_ntriples(data, vocab, name))
    return data_graph(graphs)


def save_inferences(store: Store, inferred: Graph) -> None:
    """Keep what the reasoner inferred in the inferred graph, until the next load."""
    store.replace_graphs({INFERRED_GRAPH: inferred})
