"""What peerkg needs from a store: the :class:`Store` interface and the values it returns.

Both implementations keep one named graph per study. A query runs on the dataset its caller
gives, else on the one it names (``FROM``, ``FROM NAMED``), else on the union of all named
graphs as the default graph (DESIGN.md). Every method raises
:class:`~peerkg.graph.base.errors.StoreError` or :class:`~peerkg.graph.base.errors.QueryError`,
never a backend's own exception.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from peerkg.graph.base.errors import StoreError
from peerkg.graph.store.binding import iri
from peerkg.graph.store.bulk import RdfFile
from peerkg.graph.store.inspect import Dataset, inspect
from peerkg.graph.store.memo import Memo

PLAIN_TEXT = "text/plain; charset=utf-8"

# Oxigraph lists its named graphs for ``GRAPH ?g { }``; each is then asked for one triple, where
# reading every triple for its graph's name took 7 s at 10^7 quads.
NON_EMPTY_GRAPHS = "SELECT ?g WHERE { GRAPH ?g { } FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }"


class QueryTimeout(StoreError):
    """A query ran past the store's time limit; it was stopped and its results dropped."""


class ResultTooLarge(StoreError):
    """A result grew past the size cap the caller set; it was dropped."""


class BrokenAnswer(StoreError):
    """The engine failed after it had started its answer (a 200 whose body is not whole)."""


def query_dataset(query: str, dataset: Dataset | None) -> Dataset | None:
    """The dataset a query runs on: ``dataset`` if given, else the one the query names with
    FROM and FROM NAMED, else None (the union of the named graphs as the default graph)."""
    if dataset is not None or "from" not in query.lower():
        return dataset
    return inspect(query).dataset


@dataclass
class Response:
    """An engine's answer to a SPARQL 1.1 Protocol request, as a server would send it."""

    status: int
    content_type: str
    body: bytes


@dataclass
class Table:
    """A SELECT result: the column names in order, and one tuple of terms (or None) per row."""

    columns: list[str]
    rows: list[tuple[Node | None, ...]]

    def dicts(self) -> list[dict[str, Node | None]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class Store(ABC):
    """The store contract; tests/test_store.py runs the same checks on every implementation."""

    location: str
    memo: Memo | None = None  # set by a store that sees every write to its data
    oxigraph = False  # the engine is Oxigraph, whose ways the restricted view's rewrite follows

    @abstractmethod
    def select(self, query: str, bindings: Mapping[str, Node] | None = None,
               dataset: Dataset | None = None) -> Table:
        """Run a SELECT query; ``bindings`` pre-bind variables (names without '?'). The query
        runs on ``dataset`` if given (see :func:`query_dataset`)."""

    def select_kept(self, query: str, dataset: Dataset | None = None) -> Table:
        """:meth:`select`, its answer kept until the next write where the store sees every
        write (:attr:`memo`; see :mod:`.memo`); elsewhere, such as an endpoint that other
        clients may write, the same as :meth:`select`. For queries read again and again
        between writes, such as the quote counts behind every page of quotes."""
        if self.memo is None:
            return self.select(query, dataset=dataset)
        return self.memo.get((query, dataset), lambda: self.select(query, dataset=dataset))

    @abstractmethod
    def query_as(self, query: str, media_type: str,
                 bindings: Mapping[str, Node] | None = None,
                 dataset: Dataset | None = None) -> bytes:
        """Run any query and return its results serialised by the engine as ``media_type``
        (SPARQL JSON, XML, CSV or TSV for SELECT/ASK; an RDF format for graphs)."""

    def query_to(self, query: str, media_type: str, output: BinaryIO,
                 bindings: Mapping[str, Node] | None = None) -> None:
        """Run a query and write its results, serialised as by :meth:`query_as`, to ``output``.
        This default holds the serialised results in memory once; the embedded store streams
        them from the engine as it produces them."""
        output.write(self.query_as(query, media_type, bindings))

    @abstractmethod
    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 Update, atomically."""

    @abstractmethod
    def run_protocol(self, operation: str, text: str, dataset: Dataset | None,
                     result_type: str, graph_type: str,
                     max_bytes: int | None = None) -> Response:
        """Run a SPARQL 1.1 Protocol operation (https://www.w3.org/TR/sparql11-protocol/)
        as a SPARQL server would, and return the engine's :class:`Response`, whole.

        ``operation`` is ``"query"`` or ``"update"``; ``dataset`` is what the protocol's
        dataset parameters name (``default-graph-uri``/``named-graph-uri`` for a query, as in
        :meth:`select`; ``using-graph-uri``/``using-named-graph-uri`` for an update), or None.
        Solutions and booleans are written as ``result_type``, graphs as ``graph_type``. A
        malformed request is a 400 Response carrying the parser's message. Raises QueryTimeout
        past the store's time limit, ResultTooLarge when the body would exceed ``max_bytes``,
        BrokenAnswer when the engine fails after starting its answer, StoreError when the
        engine cannot be reached.
        """

    @abstractmethod
    def dump(self) -> bytes:
        """All named graphs as N-Quads."""

    def replace_graphs(self, graphs: Mapping[URIRef, Graph]) -> None:
        """Make each graph the whole content of the named graph it is keyed by, all in one
        SPARQL Update, which both backends run as one transaction: if it fails, the store is as
        it was."""
        self._replace_ntriples({name: graph.serialize(format="nt") for name, graph in graphs.items()})

    def _replace_ntriples(self, parts: Mapping[URIRef, str]) -> None:
        updates = []
        for name, ntriples in parts.items():
            updates.append(f"DROP SILENT GRAPH <{iri(name)}>")
            updates.append(f"INSERT DATA {{ GRAPH <{name}> {{\n{ntriples}}} }}")
        if updates:
            self.update(" ;\n".join(updates))

    def load_graphs(self, graphs: Mapping[URIRef, Graph], files: Sequence[RdfFile] = (),
                    check: Callable[[], None] = lambda: None) -> dict[URIRef, int]:
        """Replace named graphs, atomically: each of ``graphs`` with its content, and each of
        the named graphs the RDF dataset ``files`` fill (:attr:`RdfFile.graphs`, known to the
        caller) with what the files hold; a file's graph wins over the same name in ``graphs``.
        ``check`` checks the files' content: nothing is kept unless it returns. Returns the
        triples per graph of ``graphs`` written. On any error, the check's included, the store
        is as it was; InputError for a file that does not parse.

        This default runs ``check``, then :meth:`replace_graphs`; it takes no files. The
        embedded store loads files with Oxigraph's bulk loader while it checks them, the
        endpoint store graph by graph (both in memory that does not grow with the files).
        """
        if files:
            raise StoreError(f"{type(self).__name__} cannot load files")
        check()
        self.replace_graphs(graphs)
        return {name: len(graph) for name, graph in graphs.items()}

    def drop_graph(self, name: URIRef) -> None:
        self.update(f"DROP SILENT GRAPH <{iri(name)}>")

    def graphs(self) -> list[str]:
        """The names of the non-empty named graphs, sorted (kept until the next write, see
        :meth:`select_kept`: the restricted view asks on every request)."""
        table = self.select_kept(NON_EMPTY_GRAPHS)
        return sorted(str(row[0]) for row in table.rows)

    def is_empty(self) -> bool:
        """True if no named graph holds a triple."""
        return not self.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1").rows

    def export(self, media_type: str, graph: str | None = None,
               prefixes: Mapping[str, str] | None = None) -> bytes:
        """The named graphs (or just ``graph``) serialised by Oxigraph as ``media_type``.

        Dataset formats (TriG, N-Quads, JSON-LD) keep the graph names; graph formats (Turtle,
        N-Triples, RDF/XML) get the merged triples. Raises StoreError for an unknown graph.
        """
        fmt = ox.RdfFormat.from_media_type(media_type)
        if fmt is None:
            raise StoreError(f"cannot export as {media_type}")
        quads = list(ox.parse(self.dump(), format=ox.RdfFormat.N_QUADS))
        if graph is not None:
            quads = [q for q in quads if str(q.graph_name.value) == graph]
            if not quads:
                raise StoreError(f"no graph {graph} in the store (it has: {', '.join(self.graphs())})")
        items = quads if fmt.supports_datasets else list(dict.fromkeys(q.triple for q in quads))
        return ox.serialize(items, format=fmt, prefixes=dict(prefixes or {}))

    def close(self) -> None:  # noqa: B027 (a store with nothing to release need not override it)
        """Release the store; closing twice is harmless."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
