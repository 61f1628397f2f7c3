"""The peerkg ontology (Turtle source), its SHACL shapes and the shim of reused W3C terms.

:func:`ontology_graph` is what goes into the store's ontology graph; :mod:`.shacl` checks data
against the shapes and :mod:`.reasoning` runs HermiT over ontology and data.
"""

from functools import cache
from pathlib import Path

from rdflib import Graph

HERE = Path(__file__).parent
ONTOLOGY_FILE = HERE / "peerkg.ttl"
SHAPES_FILE = HERE / "shapes.ttl"
SHIM_FILE = HERE / "imports" / "w3c-shim.ttl"


@cache
def _parsed(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def ontology_graph() -> Graph:
    """The peerkg ontology as an rdflib Graph (a fresh copy: callers may change it)."""
    return _copy(_parsed(ONTOLOGY_FILE))


def shapes_graph() -> Graph:
    return _copy(_parsed(SHAPES_FILE))


def shim_graph() -> Graph:
    return _copy(_parsed(SHIM_FILE))


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    for prefix, ns in graph.namespaces():
        copy.bind(prefix, ns, override=True)
    return copy
