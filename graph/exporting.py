"""Exporting from a store into exchange formats that are not RDF: SSSOM mapping tables (and,
through :mod:`peerkg.graph.writers`, others). The store is only read."""

from rdflib import Graph, URIRef

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.iris import ID
from peerkg.graph.store import Store
from peerkg.graph.writers.sssom import write_sssom

ALL_MAPPINGS = URIRef(ID + "mappings/all")
_SETS = ("PREFIX pk: <https://w3id.org/peerkg/ontology#> "
         "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?set a pk:MappingSet } } ORDER BY ?g")
_MAPPINGS = """PREFIX pk: <https://w3id.org/peerkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?s ?p ?o . ?c rdfs:label ?label }
WHERE {
  GRAPH ?g { ?s ?p ?o }
  OPTIONAL { GRAPH ?g { ?m pk:mappingSubject|pk:mappingObject ?c } ?c rdfs:label ?label }
}"""


def mapping_sets(store: Store) -> list[str]:
    """The names of the store's mapping-set graphs."""
    return [str(row[0]) for row in store.select(_SETS).rows]


def export_sssom(store: Store, graph: str | None = None) -> bytes:
    """The mappings of one mapping set (``graph``), or of all of them merged into one set, as an
    SSSOM table; InputError if there is no such set."""
    sets = mapping_sets(store)
    if graph is not None and graph not in sets:
        raise InputError(f"no mapping set {graph} in the store (mapping sets: {', '.join(sets) or 'none'})")
    chosen = [graph] if graph else sets
    data = Graph()
    for name in chosen:
        data.parse(data=store.query_as(_MAPPINGS, "application/n-triples", {"g": URIRef(name)}),
                   format="nt")
    if graph:
        return write_sssom(data, URIRef(graph), f"Mappings of {graph}")
    return write_sssom(data, ALL_MAPPINGS, "All mappings in the peerkg store")
