"""RDF files as named graphs: a dataset (TriG, N-Quads, JSON-LD) brings its own graph names; a
graph (Turtle, N-Triples, RDF/XML) needs the name of the graph it goes into."""

from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.formats import RDF_FORMATS, by_suffix

SUFFIXES = sorted(s for f in RDF_FORMATS for s in f.suffixes)


def read_rdf(path: Path, graph: str | None = None) -> dict[URIRef, Graph]:
    """The named graphs in the RDF file ``path``; InputError naming the file if it cannot be
    read, has an unknown suffix, holds no named graph, or is a graph file without ``graph``."""
    fmt = by_suffix(path.suffix)
    if fmt is None:
        raise InputError(f"unknown file type '{path.suffix}' (use a study folder or "
                         f"{', '.join(SUFFIXES)})", str(path))
    if not fmt.dataset and not graph:
        raise InputError(f"a {path.suffix} file holds one graph: say which named graph it "
                         "replaces with --graph IRI", str(path))
    try:
        if not fmt.dataset:
            return {URIRef(graph): Graph().parse(path, format=fmt.rdflib)}
        dataset = Dataset()
        dataset.parse(path, format=fmt.rdflib)
    except Exception as e:  # rdflib raises many parser-specific exception types
        raise InputError(f"cannot parse as RDF: {e}", str(path)) from None
    graphs = {g.identifier: g for g in dataset.graphs()
              if isinstance(g.identifier, URIRef) and len(g)
              and str(g.identifier) != "urn:x-rdflib:default"}
    if not graphs:
        raise InputError("holds no named graph to load", str(path))
    return graphs
