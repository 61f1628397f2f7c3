"""One entity of the graph, as the store knows it: its label, types, literal values and the
entities it links to and is linked from, read with the ``entity-links`` named query.

Shared by the entity pages (HTML) and their Turtle and JSON-LD forms, so all three show the
same statements.
"""

from dataclasses import dataclass, field

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from peerkg.graph.base.iris import PREFIXES
from peerkg.graph.store import Store
from peerkg.queries import registry


@dataclass
class Link:
    """One statement seen from the entity: the property and the node at the other end."""

    property: URIRef
    property_label: str
    value: Node
    value_label: str | None


@dataclass
class Entity:
    iri: URIRef
    label: str
    types: list[Link] = field(default_factory=list)
    values: list[Link] = field(default_factory=list)
    links_out: list[Link] = field(default_factory=list)
    links_in: list[Link] = field(default_factory=list)

    def graph(self) -> Graph:
        """The entity's statements (both directions) as an RDF graph with peerkg's prefixes."""
        g = Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        for link in self.types + self.values + self.links_out:
            g.add((self.iri, link.property, link.value))
        for link in self.links_in:
            g.add((link.value, link.property, self.iri))
        return g


def describe(store: Store, iri: str) -> Entity | None:
    """The entity ``iri``, or None if no statement in the store mentions it."""
    table = registry()["entity-links"].run(store, {"entity": iri})
    if not table.rows:
        return None
    entity = Entity(URIRef(iri), local_name(iri))
    for direction, prop, prop_label, value, value_label in table.rows:
        link = Link(prop, str(prop_label) if prop_label else local_name(prop), value,
                    str(value_label) if value_label else None)
        if direction.value == "in":
            entity.links_in.append(link)
        elif prop == RDF.type:
            entity.types.append(link)
        elif isinstance(value, Literal):
            entity.values.append(link)
            if prop == RDFS.label:
                entity.label = str(value)
        else:
            entity.links_out.append(link)
    return entity


def local_name(iri) -> str:
    """The last segment of an IRI (after '#' or '/'), a readable stand-in for a label."""
    text = str(iri).rstrip("/#")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if "#" in text or "/" in text else text

