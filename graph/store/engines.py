"""What differs between SPARQL engines, and how the endpoint store meets each difference.

A :class:`Profile` says what an engine can do; :func:`detect` builds it from the server's
``Server`` header and its SPARQL 1.1 Service Description
(https://www.w3.org/TR/sparql11-service-description/), unless the settings name the engine.
The named queries never change per engine: everything here is done by the store adapter.

Virtuoso 7 (measured on Debian's 7.2.5) differs from the SPARQL 1.1 recommendations in ways
that matter to peerkg, each met here:

- its default graph is the union of all graphs including its own (``virtrdf#``, ``ldp#``, its
  service description), so every query names peerkg's graphs as its dataset instead (its
  ``input:default-graph-exclude`` pragmas would do, but make ``GRAPH <iri>`` match nothing);
- ``SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }`` runs for minutes where ``GROUP BY
  ?g`` takes milliseconds: the store lists its graphs with the latter;
- it runs each operation of an update request in a transaction of its own, so a request is
  not atomic: graphs are loaded into staging graphs with the Graph Store Protocol and moved
  into place only once all are in (see ``EndpointStore.replace_graphs``);
- ``INSERT DATA`` refuses blank nodes ("not allowed in a constant clause"), and its Graph
  Store Protocol loader renames them ``nodeID://...``: blank nodes are replaced by stable
  skolem IRIs (:func:`skolemise`), turned back into blank nodes when read;
- it divides integers as integers (``2 / 3`` is 0): queries are rewritten by
  :func:`.dialect.decimal_division` so that it divides decimals;
- it cannot compile a FILTER EXISTS over a variable bound before it by VALUES or BIND: for a
  query with EXISTS, parameters go last in the WHERE group (:func:`.dialect.values_at_end`);
- it reads ``"74"^^xsd:decimal`` as an integer (written as ``"74.0"``, it stays a decimal);
  it stores ``"abc"^^xsd:integer`` as 0, a NUL as a space, a relative IRI resolved against
  the graph's name, and an IRI over about 1,880 bytes cut short: all refused here instead;
- it answers a boolean as ``"1"``, and ``xsd:string`` explicitly typed: read back as RDF 1.1;
- it cuts results at ``ResultSetMaxRows`` (saying so in ``X-SPARQL-MaxRows``) and answers a
  query past its ``timeout`` with partial results (``X-SQL-State: S1TAT``): both are errors
  here, never silently short answers.
"""

import hashlib
import re
from dataclasses import dataclass, replace

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, XSD

from peerkg.graph.base.errors import StoreError
from peerkg.graph.store.base import QueryTimeout
from peerkg.graph.store.settings import EndpointSettings

SKOLEM = "https://w3id.org/peerkg/id/.well-known/genid/"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
IRI_BYTES = 1800  # Virtuoso 7.2.5 cuts IRIs at about 1,880 bytes, without a word
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
VIRTUOSO_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#")


@dataclass(frozen=True)
class Profile:
    """What peerkg relies on an engine for, and the engine's own ways where it differs.

    ``union_default_graph``: a query without a dataset sees the union of the named graphs.
    ``hidden_graphs``: graphs the engine keeps for itself, to be left out of every query.
    Without the first, or with the second, the store names its graphs in every query that
    has no dataset of its own (see ``EndpointStore._listed_graphs``): slower, but the same answers.
    ``atomic_updates``: an update request is one transaction (SPARQL 1.1 Update, section 2.2).
    ``blank_nodes``: data with blank nodes can be written (else they are skolemised).
    """

    name: str = "generic"
    union_default_graph: bool = True
    hidden_graphs: tuple[str, ...] = ()
    atomic_updates: bool = True
    blank_nodes: bool = True
    graph_store: str | None = None  # path of the Graph Store Protocol, for staged loads
    update_path: str | None = None  # path of SPARQL Update, if not the generic guess
    timeout_param: str | None = None  # request parameter for a server-side limit, in ms
    # (sent as 75% of the store's timeout, so that the engine's answer comes first)
    integer_division: bool = False  # 2 / 3 is 0 (queries are rewritten to divide decimals)
    exists_sees_values: bool = True  # else parameters go last where a query has EXISTS

    @property
    def virtuoso(self) -> bool:
        return self.name == "virtuoso"

    @property
    def names_graphs(self) -> bool:
        """True if queries must carry the dataset: the default graph will not do."""
        return not self.union_default_graph or bool(self.hidden_graphs)


OXIGRAPH = Profile("oxigraph")


def detect(server: str, description: Graph | None, settings: EndpointSettings) -> Profile:
    """The profile of the engine whose ``Server`` header and service description (None if it
    has none) are given; ``settings.engine`` wins over the header.

    Without a description the default graph is assumed to be the union (as Oxigraph with
    ``--union-default-graph``, GraphDB and Neptune do); with one, it is the union only if the
    description lists the feature ``sd:UnionDefaultGraph``.
    """
    name = settings.engine or next(
        (n for n in ("virtuoso", "oxigraph") if server.lower().startswith(n)), "generic")
    union, services = True, []
    if description is not None:
        services = list(description.subjects(RDF.type, SD.Service))
        if services:
            union = any((s, SD.feature, SD.UnionDefaultGraph) in description for s in services)
    profile = Profile(name, union_default_graph=union, hidden_graphs=settings.hidden_graphs)
    if name != "virtuoso":
        return profile
    own = (*VIRTUOSO_GRAPHS, *(str(s) for s in services if isinstance(s, URIRef)))
    authenticated = settings.user is not None
    return replace(profile, hidden_graphs=own + settings.hidden_graphs, atomic_updates=False,
                   blank_nodes=False, timeout_param="timeout", integer_division=True,
                   exists_sees_values=False,
                   graph_store="/sparql-graph-crud-auth" if authenticated else "/sparql-graph-crud",
                   update_path="/sparql-auth" if authenticated else "/sparql")


def skolemise(name: URIRef, graph: Graph) -> Graph:
    """``graph`` with every blank node replaced by a skolem IRI (RDF 1.1, section 3.5) under
    :data:`SKOLEM`, stable across reloads: a hash of the graph's name and the node's label in
    the canonical form of the triples holding blank nodes. ``graph`` itself is not changed."""
    holding = Graph()
    for triple in graph:
        if any(isinstance(t, BNode) for t in triple):
            holding.add(triple)
    if not holding:
        return graph
    result = Graph()
    for triple in graph:
        if not any(isinstance(t, BNode) for t in triple):
            result.add(triple)

    def iri(term):
        if not isinstance(term, BNode):
            return term
        return URIRef(SKOLEM + hashlib.sha256(f"{name} {term}".encode()).hexdigest()[:32])

    for s, p, o in to_canonical_graph(holding):
        result.add((iri(s), p, iri(o)))
    if len(result) != len(graph):
        raise StoreError(f"cannot give the blank nodes of graph {name} stable names: some are "
                         "indistinguishable; give them IRIs in the data")
    return result


def prepared_ntriples(profile: Profile, name: URIRef, data: bytes) -> bytes:
    """The N-Triples ``data`` of graph ``name`` as :func:`prepared` would have it sent: as it
    is where the engine needs nothing changed, without reading it into rdflib."""
    if profile.blank_nodes and not profile.virtuoso:
        return data
    return prepared(profile, name, Graph().parse(data=data, format="nt")).serialize(
        format="nt", encoding="utf-8")


def prepared(profile: Profile, name: URIRef, graph: Graph) -> Graph:
    """``graph`` as the engine must be sent it so that it reads back the same.

    Blank nodes skolemised where the engine cannot take them. On Virtuoso, ``xsd:decimal``
    written with a decimal point; and
    StoreError, before anything is sent, for what Virtuoso would store as something else:
    an ill-typed literal, a NUL character, a relative IRI (resolved against the graph name) or
    an IRI over :data:`IRI_BYTES` bytes (cut short)."""
    if not profile.blank_nodes:
        graph = skolemise(name, graph)
    if not profile.virtuoso:
        return graph
    fixed = Graph()
    for triple in graph:
        fixed.add(tuple(_virtuoso_term(name, t) for t in triple))
    return fixed


def _virtuoso_term(graph: URIRef, term):
    if isinstance(term, URIRef):
        if not _SCHEME.match(term):
            raise StoreError(f"graph {graph}: <{term}> is a relative IRI, which Virtuoso would "
                             "resolve against the graph name; use absolute IRIs")
        if len(term.encode()) > IRI_BYTES:
            raise StoreError(f"graph {graph}: an IRI is longer than Virtuoso keeps "
                             f"({IRI_BYTES} bytes): <{term[:80]}...>")
        return term
    if not isinstance(term, Literal):
        return term
    if "\x00" in term:
        raise StoreError(f"graph {graph}: a literal holds a NUL character, which Virtuoso "
                         f"would store as a space: {term[:80]!r}")
    if term.datatype is None:
        return term
    if term.ill_typed:
        raise StoreError(f"graph {graph}: {term.n3()} is not a valid {term.datatype}; Virtuoso "
                         "would store another value, so it is not loaded")
    if term.datatype == XSD.decimal and "." not in term:
        return Literal(f"{term}.0", datatype=XSD.decimal)
    return term


def term(kind: str, value: str, lang: str | None, datatype: str | None):
    """A term of SPARQL JSON results as the RDF 1.1 term peerkg wrote: skolem IRIs back to
    blank nodes, ``xsd:string`` as a plain literal, a boolean in its canonical form."""
    if kind == "uri":
        if value.startswith(SKOLEM):
            return BNode(value[len(SKOLEM):])
        return URIRef(value)
    if kind == "bnode":
        return BNode(re.sub(r"\W", "_", value))  # Virtuoso's labels look like nodeID://b10
    if lang:
        return Literal(value, lang=lang)
    if datatype == str(XSD.string) or datatype is None:
        return Literal(value)
    if datatype == str(XSD.boolean) and value in ("0", "1"):
        value = "true" if value == "1" else "false"
    return Literal(value, datatype=URIRef(datatype))


def check_answer(profile: Profile, status: int, headers, body: bytes) -> None:
    """Raise for an answer that must not be taken as it is: QueryTimeout for Virtuoso's
    partial "anytime" results, StoreError for a result cut at ``ResultSetMaxRows``."""
    if not profile.virtuoso or status >= 300:
        return
    if headers.get("X-SQL-State") == "S1TAT":
        raise QueryTimeout("the query ran past the time limit and Virtuoso stopped it; narrow "
                           "it (LIMIT, more specific patterns) or ask for a longer --timeout")
    if (rows := headers.get("X-SPARQL-MaxRows")) is not None:
        raise StoreError(f"Virtuoso sent only the first {rows} rows of the result "
                         "(ResultSetMaxRows in the [SPARQL] section of virtuoso.ini); raise "
                         "that limit to read whole results")


def failure_message(profile: Profile, body: bytes) -> str:
    """An engine's error text without the query it echoes back (Virtuoso repeats the whole
    request, pragmas and data included), with a hint where the cause is known."""
    message = body.decode("utf-8", "replace").split("\n\nSPARQL query:")[0]
    if page := re.search(r"<xmp>(.*?)</xmp>", message, re.S):  # Virtuoso's HTML error pages
        message = page[1]
    message = message.strip()
    if len(message) > 2000:  # Virtuoso may append its error to a result it had begun to send
        message = f"{message[:500]} ... {message[-1500:]}"
    if profile.virtuoso and "SECURITY" in message:
        message += (" (updates on Virtuoso need a user with the SPARQL_UPDATE role: set "
                    "PEERKG_STORE_USER and PEERKG_STORE_PASSWORD)")
    return message


def timed_out(profile: Profile, body: bytes) -> bool:
    """True if an error answer says the engine stopped the request at its time limit (at the
    end of the rows it had sent, for Virtuoso's "S1TAT"), or would not start it because it
    estimates that it would run past it."""
    return profile.virtuoso and any(sign in body for sign in (
        b"SR171", b"S1TAT", b"estimated execution time"))
