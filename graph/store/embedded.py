"""The embedded store: pyoxigraph in this process, on a RocksDB directory or in memory."""

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from peerkg.graph.base.errors import QueryError, StoreError
from peerkg.graph.store.base import PLAIN_TEXT, Response, ResultTooLarge, Store, Table, query_dataset
from peerkg.graph.store.binding import iri, with_values
from peerkg.graph.store.bulk import Journal, checked_while_loading
from peerkg.graph.store.inspect import Dataset, with_using
from peerkg.graph.store.lock import DirectoryLock, describe, serving
from peerkg.graph.store.memo import Memo

MEMORY = ":memory:"
# After bulk-loading this many bytes of files, compact the store: the bulk loader leaves its
# files as they are, and lookups in an uncompacted 10^7-quad store were 5-7 times slower
# (benchmarks/RESULTS.md, "Compacting after a big load"); compacting 10^7 quads takes ~40 s.
COMPACT_AFTER_BYTES = 128 * 2**20
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def from_ox(term) -> Node | None:
    """A pyoxigraph term as an rdflib term (RDF 1.1: a plain literal is an xsd:string)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


@contextmanager
def _translate(what: str) -> Iterator[None]:
    """pyoxigraph's exceptions as ours. A syntax error is the user's (QueryError); so is a
    query failing as it runs (a bad regex, an unreachable SERVICE); an update failing as it
    runs is a failure of the store (StoreError)."""
    failure = QueryError if what == "query" else StoreError
    try:
        yield
    except SyntaxError as e:
        raise QueryError(f"SPARQL {what} syntax error: {e}") from None
    except (OSError, ValueError, RuntimeError) as e:
        raise failure(f"{what} failed: {e}") from None


class EmbeddedStore(Store):
    """A pyoxigraph store in this process: a RocksDB directory, or ``:memory:``.

    A directory is opened for writing by one process at a time, or read-only (``read_only``)
    by any number while nobody writes (see :mod:`.lock`); the open waits up to ``wait``
    seconds for the others, then raises StoreError naming who holds it. A writer's open rolls back
    a bulk load that was cut off (see :mod:`.bulk`); a read-only open cannot, and sees it.
    """

    oxigraph = True

    def __init__(self, location: str, read_only: bool = False, wait: float = 0.0):
        self.location = location
        self.read_only = read_only
        self.memo = Memo()
        self._lock = None
        if location == MEMORY:
            self._store = ox.Store()
            return
        self._lock = DirectoryLock(location)
        if not self._lock.acquire(exclusive=not read_only, wait=wait):
            self._lock.release()
            raise StoreError(_busy(location, read_only))
        try:
            self._store = ox.Store.read_only(location) if read_only else ox.Store(location)
        except OSError as e:
            self._lock.release()
            raise StoreError(f"cannot open the store at {location}: {e}. "
                             + _busy(location, read_only)) from None
        if not read_only:
            with _translate("update"):
                Journal(self._store).rollback()

    def _query(self, query: str, bindings: Mapping[str, Node] | None, dataset: Dataset | None):
        with _translate("query"):
            dataset = query_dataset(query, dataset)
            if bindings:
                query = with_values(query, bindings)
            if dataset is None:
                return self._store.query(query, use_default_graph_as_union=True)
            return self._store.query(query, default_graph=_nodes(dataset.default),
                                     named_graphs=_nodes(dataset.named))

    def select(self, query, bindings=None, dataset=None):
        result = self._query(query, bindings, dataset)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        columns = [v.value for v in result.variables]
        rows = [tuple(from_ox(s[c]) for c in columns) for s in result]
        return Table(columns, rows)

    def query_as(self, query, media_type, bindings=None, dataset=None):
        result = self._query(query, bindings, dataset)
        fmt = _format(result, media_type)
        if fmt is None:
            raise QueryError(f"cannot serialise these results as {media_type}")
        return result.serialize(format=fmt)

    def query_to(self, query, media_type, output, bindings=None):
        """See :meth:`Store.query_to`: pyoxigraph writes each solution as it comes."""
        result = self._query(query, bindings, None)
        fmt = _format(result, media_type)
        if fmt is None:
            raise QueryError(f"cannot serialise these results as {media_type}")
        with _translate("query"):
            result.serialize(output, format=fmt)

    def update(self, update):
        try:
            with _translate("update"):
                self._store.update(update)
        finally:
            self.memo.changed()

    def load_graphs(self, graphs, files=(), check=lambda: None):
        """See :meth:`Store.load_graphs`. Files go through Oxigraph's bulk loader (memory does
        not grow with them) under a :class:`~.bulk.Journal`, so the load is still all or
        nothing, even if the process dies (the next open rolls it back). ``check`` runs while
        they load, on the other core, and the writer compacts the store after a big load while
        the check finishes: if the check fails, the writer is stopped (or its compaction
        waited for) and the load rolled back."""
        if not files:
            return super().load_graphs(graphs, files, check)
        try:
            with _translate("update"):
                return self._bulk_load(graphs, files, check)
        finally:
            self.memo.changed()

    def _bulk_load(self, graphs, files, check) -> dict:
        store = self._store
        from_files = {str(name) for f in files for name in f.graphs}
        replaced = from_files | {str(name) for name in graphs}
        existed = {g.value for g in store.named_graphs()}
        big = sum(f.path.stat().st_size for f in files) >= COMPACT_AFTER_BYTES

        def write(stop) -> None:
            for f in files:
                f.load_into(store, stop)
            for name, graph in graphs.items():
                if str(name) not in from_files and len(graph):
                    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"),
                                    format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri(name)))
            if big and not stop.is_set():
                compact(store)  # as the check finishes: it changes how the data is kept, not what

        journal = Journal(store)
        journal.begin(existed)
        try:
            journal.move_aside(existed & replaced)
            checked_while_loading(write, check)
            journal.commit()
        except BaseException:
            journal.rollback()
            raise
        return {name: len(graph) for name, graph in graphs.items() if str(name) not in from_files}

    def run_protocol(self, operation, text, dataset, result_type, graph_type, max_bytes=None):
        """See :meth:`Store.run_protocol`. In process there is no time limit (pyoxigraph
        cannot cancel a query); ``peerkg serve`` runs queries on an Oxigraph server for that."""
        try:
            if operation == "update":
                self.update(text if dataset is None else with_using(text, dataset))
                return Response(204, PLAIN_TEXT, b"")
            result = self._query(text, None, dataset)
        except QueryError as e:
            return Response(400, PLAIN_TEXT, str(e).encode())
        media_type = graph_type if isinstance(result, ox.QueryTriples) else result_type
        body = result.serialize(format=_format(result, media_type))
        if max_bytes is not None and len(body) > max_bytes:
            raise ResultTooLarge(f"the result is larger than {max_bytes} bytes")
        return Response(200, media_type, body)

    def dump(self):
        return self._store.dump(format=ox.RdfFormat.N_QUADS)

    def close(self):
        if getattr(self, "_store", None) is None:
            return
        if self.location != MEMORY and not self.read_only:
            self._store.flush()
        self._store = None
        gc.collect()  # RocksDB closes when the last reference to the store goes
        if self._lock is not None:
            self._lock.release()


def _busy(location: str, read_only: bool) -> str:
    server = serving(location)
    if server is not None and not read_only:
        return (f"The store at {location} is served by {describe(server)}: stop it to write "
                f"here, or send the change to {server.get('url', '').rstrip('/')}/sparql as a "
                "SPARQL update with the write token.")
    return (f"Another peerkg process (for example 'peerkg serve') holds the store at {location}; "
            "stop it or use --store elsewhere.")


def _nodes(graphs: tuple[str, ...]) -> list:
    return [ox.NamedNode(iri(g)) for g in graphs]


def _format(result, media_type: str):
    """The pyoxigraph format for writing ``result`` as ``media_type``, or None."""
    if isinstance(result, ox.QueryTriples):
        return ox.RdfFormat.from_media_type(media_type)
    return ox.QueryResultsFormat.from_media_type(media_type)


def compact(store: ox.Store) -> None:
    """Compact ``store``'s files (Oxigraph's ``optimize``), as after a big bulk load."""
    store.optimize()
