"""Loading data into a store: read, check each graph, then replace graphs in one transaction.

A source is a study package folder (docs/study-format.md), an SSSOM mapping table
(``.sssom.tsv``, :mod:`peerkg.graph.readers.sssom`) or an RDF file (see
:mod:`peerkg.graph.readers.rdf`). Each graph is checked with SHACL on its own, together with the
shared vocabulary it may refer to (the shapes are about one study at a time), and every concept
a mapping names must be in the store or in the sources loaded with it. N-Quads files are
checked one graph at a time as they are read, in bounded memory
(:mod:`peerkg.graph.readers.nquads`), while the store's bulk path writes them
(:meth:`peerkg.graph.store.Store.load_graphs`, which keeps nothing unless the check passes);
other sources are read whole and checked before the store is touched. A bad source leaves the
store exactly as it was. The same module checks what is in a store or in sources
without loading (``peerkg validate``).
"""

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Dataset, Graph, URIRef

from peerkg.graph.base.errors import InputError, NotConforming
from peerkg.graph.base.iris import (
    ACCESS_LEVEL,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PK,
    VOCAB_GRAPH,
)
from peerkg.graph.readers.nquads import NotGrouped, graphs_of, typed_subjects
from peerkg.graph.readers.rdf import read_rdf
from peerkg.graph.readers.sssom import is_sssom, read_sssom
from peerkg.graph.readers.study import bundled_studies, read_study
from peerkg.graph.readers.vocab import read_vocab
from peerkg.graph.store import Store
from peerkg.graph.store.bulk import RdfFile
from peerkg.ontology import ontology_graph
from peerkg.ontology.shacl import check_ntriples

Progress = Callable[[str], None]
BUNDLED_MAPPINGS = Path(__file__).parent / "mappings"
UNCHECKED = (ONTOLOGY_GRAPH, INFERRED_GRAPH)  # the ontology is not data; inferences follow from it
MAPPING = str(PK.Mapping).encode()
IN_STUDY = f" <{PK.inStudy}> ".encode()
QUOTE_TYPE = f" <{RDF.type}> <{PK.Quote}> .".encode()
WORKERS = 2  # graphs checked at once (the SHACL engine releases the GIL)
CHECK_NICENESS = 10  # checking threads yield the cores to the store's writer (_yield_to_the_writer)


@dataclass(frozen=True)
class NQuadsFile(RdfFile):
    """An N-Quads file checked graph by graph, with the triples each graph holds."""

    counts: dict = field(default_factory=dict, compare=False, hash=False)


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
    """The data the reasoner checks: every graph but the ontology and saved inferences, merged."""
    data = Graph()
    for name, g in graphs.items():
        if name not in UNCHECKED:
            data += g
    return data


def check_graphs(items: Iterable[tuple[URIRef, bytes]], context: bytes) -> None:
    """SHACL-check each (name, N-Triples) pair with ``context`` (the vocabulary), skipping the
    ontology and inferences, :data:`WORKERS` at a time, reading at most twice that many graphs
    ahead. NotConforming names the first graph found breaking the shapes."""
    with ThreadPoolExecutor(WORKERS, initializer=_yield_to_the_writer) as pool:
        pending: set = set()
        for name, data in items:
            if name not in UNCHECKED:
                check_home(name, data)
                pending.add(pool.submit(check_ntriples, data, context, name))
            if len(pending) >= 2 * WORKERS:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                _raise_first(done)
        _raise_first(wait(pending)[0])


def _yield_to_the_writer() -> None:
    """Run this checking thread at a lower priority (Linux: a thread has its own), so that the
    store's writer, which compacts the store once it has written, finishes first."""
    with suppress(AttributeError, OSError):  # not Linux
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CHECK_NICENESS)


def check_home(name: URIRef, data: bytes) -> None:
    """NotConforming unless every quote in the graph ``name`` (N-Triples ``data``) is in the
    study that names the graph: a study's IRI names its graph (DESIGN.md), and the pages of
    quotes, counted and read graph by graph, rely on it."""
    own = IN_STUDY + f"<{name}> .".encode()
    if data.count(IN_STUDY) == data.count(own):
        return
    lines = data.splitlines()
    quotes = {line.split(b" ", 1)[0] for line in lines if line.endswith(QUOTE_TYPE)}
    for line in lines:
        subject = line.split(b" ", 1)[0]
        if IN_STUDY in line and subject in quotes and not line.endswith(own):
            study = line.split(IN_STUDY)[1][:-2].decode().strip("<> ")
            raise NotConforming(f"1 violation in {name}:",
                                f"- {subject.decode().strip('<>')} (pk:inStudy): a quote in the graph "
                                f"of {name} says it is in the study {study}; a study's quotes belong "
                                "in the graph its IRI names")


def _raise_first(done) -> None:
    for future in done:
        if future.exception() is not None:
            raise future.exception()


def _ntriples(graphs: Mapping[URIRef, Graph]) -> Iterator[tuple[URIRef, bytes]]:
    for name, g in graphs.items():
        yield name, g.serialize(format="nt", encoding="utf-8")


def load(store: Store, sources: Iterable[Path], graph: str | None = None,
         progress: Progress = lambda step: None, access: str | None = None) -> dict[URIRef, int]:
    """Read and check every source, then replace their graphs (plus the ontology and
    vocabulary graphs) in one transaction, dropping any saved inferences (see
    ``peerkg validate --reason --save``). Returns the number of triples per graph loaded.

    ``access`` (``"public"`` or ``"restricted"``) sets the access level of every graph the
    sources hold, whatever they say themselves (a study package's ``access:``).

    N-Quads files are checked one graph at a time as they are read (see
    :mod:`peerkg.graph.readers.nquads`) while the store's bulk path writes them (read whole
    instead when ``access`` is given); other sources are read whole. Raises InputError for
    unreadable sources and NotConforming for data breaking the shapes; in both cases the store
    is as it was.
    """
    graphs: dict[URIRef, Graph] = base_graphs()
    streamed: list[Path] = []
    for source in sources:
        progress(f"reading {source}")
        source = Path(source)
        if source.is_file() and source.suffix.lower() == ".nq" and access is None:
            streamed.append(source)
            continue
        read = read_source(source, graph)
        if access is not None:
            for name, g in read.items():
                set_access(g, name, access)
        graphs.update(read)
    progress("checking with SHACL")
    context = graphs[VOCAB_GRAPH].serialize(format="nt", encoding="utf-8")
    check_graphs(_ntriples(graphs), context)
    files, mappings = [], {}
    for path in streamed:
        try:
            files.append(_nquads_file(path))
        except NotGrouped:  # read it whole, as any other RDF file
            whole = read_source(path)
            check_graphs(_ntriples(whole), context)
            graphs.update(whole)

    def check() -> None:
        for f in files:
            _check_nquads(f, context, mappings)
        check_mapped_concepts(store, {**graphs, **mappings},
                              lambda iris: set().union(*(typed_subjects(f.path, iris) for f in files)))

    progress("writing to the store" + (", checking each graph as it goes" if files else ""))
    # saved inferences would no longer follow from the data: drop them in the same transaction
    counts = store.load_graphs({**graphs, INFERRED_GRAPH: Graph()}, files, check)
    return {**counts, **{name: n for f in files for name, n in f.counts.items()}}


def _nquads_file(path: Path) -> NQuadsFile:
    """The N-Quads file ``path`` with the graphs it fills, from a quick pass over it;
    NotGrouped if :func:`graphs_of` cannot cut it."""
    names = frozenset(name for name, _ in graphs_of(path, triples=False))
    if not names:
        raise InputError("holds no named graph to load", str(path))
    return NQuadsFile(path, "application/n-quads", names)


def _check_nquads(f: NQuadsFile, context: bytes, mappings: dict[URIRef, Graph]) -> None:
    """Check each graph of the N-Quads file ``f`` as it is read (while the store loads it);
    count its triples in ``f.counts`` and keep its mapping graphs in ``mappings``."""
    def graphs() -> Iterator[tuple[URIRef, bytes]]:
        for name, data in graphs_of(f.path):
            f.counts[name] = data.count(b"\n")
            if MAPPING in data:
                mappings[name] = Graph().parse(data=data, format="nt")
            yield name, data

    try:
        check_graphs(graphs(), context)
    except NotConforming as e:
        raise NotConforming(f"{f.path}: {e}") from None
    except (SyntaxError, ValueError) as e:  # the engine could not read a graph
        raise InputError(f"cannot parse as RDF: {e}", str(f.path)) from None
    except NotGrouped as e:
        raise InputError(f"the file changed while it was being loaded ({e})", str(f.path)) from None
    if set(f.counts) != f.graphs:
        raise InputError("the file changed while it was being loaded", str(f.path))


def set_access(graph: Graph, name: URIRef, access: str) -> None:
    """Make ``graph`` (named ``name``) say that it is public or restricted (DESIGN.md)."""
    graph.remove((name, ACCESS_LEVEL, None))
    graph.add((name, ACCESS_LEVEL, PK[access]))


def check_mapped_concepts(store: Store, graphs: Mapping[URIRef, Graph],
                          elsewhere: Callable[[list[URIRef]], set[str]] = lambda iris: set()) -> None:
    """InputError unless every concept a mapping in ``graphs`` names is described in
    ``graphs``, in ``store`` or (``elsewhere`` says which of the IRIs given are) in other
    sources loaded with it; a typo in an id would otherwise map to nothing."""
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
        found |= elsewhere(sorted({o for _, o in missing}))
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
    check_graphs(_ntriples(graphs), graphs.get(VOCAB_GRAPH, Graph()).serialize(format="nt",
                                                                                encoding="utf-8"))
    return data_graph(graphs)


def save_inferences(store: Store, inferred: Graph) -> None:
    """Keep what the reasoner inferred in the inferred graph, until the next load."""
    store.replace_graphs({INFERRED_GRAPH: inferred})
