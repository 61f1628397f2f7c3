"""Loading big RDF files: Oxigraph's bulk loader, a check per named graph, and a journal that
makes the whole load atomic on an embedded store.

:class:`RdfFile` names a file to load; :func:`stage` parses files into a store with Oxigraph's
bulk loader (native, streaming: memory does not grow with the file) and refuses what peerkg
cannot load (triples outside a named graph, blank-node graph names); :func:`check_graphs` hands
each graph's N-Triples to a check, two at a time.

:class:`Journal` is how :meth:`EmbeddedStore.load_graphs` stays atomic although the bulk loader
is not transactional. Before anything is bulk-written the journal (a small named graph, written
in one transaction) records the graphs that existed; each graph about to be replaced is moved
aside to a backup graph in the same transaction that records the move. If the load fails, or
the process dies and the store is opened again, :meth:`Journal.rollback` drops every graph that
did not exist and moves the backups back. Dropping the journal graph is the commit; backups
left behind by a crash after it are dropped on the next open.
"""

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from peerkg.graph.base.errors import InputError
from peerkg.graph.store.binding import iri

Check = Callable[[URIRef, bytes], None]  # (graph name, its N-Triples); raises to refuse it
JOURNAL = "urn:peerkg:load-journal"
BACKUP = "urn:peerkg:backup:"
_EXISTED, _MOVED, _DIRECT = "urn:peerkg:existed", "urn:peerkg:movedTo", "urn:peerkg:direct"
WORKERS = 2  # checks at once (the SHACL engine releases the GIL)


@dataclass(frozen=True)
class RdfFile:
    """An RDF file to load: a dataset (TriG, N-Quads, JSON-LD) brings its own graph names; a
    graph (Turtle, N-Triples, RDF/XML) fills ``graph``."""

    path: Path
    media_type: str
    graph: URIRef | None = None

    def load_into(self, store: ox.Store) -> None:
        """Bulk-load this file into ``store``; InputError naming the file if it does not parse."""
        to_graph = {"to_graph": ox.NamedNode(iri(self.graph))} if self.graph else {}
        try:
            store.bulk_load(path=str(self.path), format=ox.RdfFormat.from_media_type(self.media_type),
                            **to_graph)
        except (SyntaxError, ValueError) as e:
            raise InputError(f"cannot parse as RDF: {e}", str(self.path)) from None


def stage(files: Iterable[RdfFile], store: ox.Store) -> set[str]:
    """Bulk-load ``files`` into ``store`` (empty, or with an empty default graph) and return
    the names of the named graphs they fill. InputError if a file does not parse, puts triples
    in the default graph or names a graph with a blank node, or if the files fill no graph."""
    files = list(files)
    for f in files:
        f.load_into(store)
        refuse_unnamed(store, f.path)
    names = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
    if not names:
        raise InputError("holds no named graph to load", ", ".join(str(f.path) for f in files))
    return names


def refuse_unnamed(store: ox.Store, where: Path | str) -> None:
    """InputError if ``store`` has triples in its default graph or a blank-node graph name
    (peerkg keeps everything in named graphs, one per study)."""
    if next(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is not None:
        raise InputError("holds triples outside any named graph; peerkg loads named graphs only "
                         "(for a .ttl, .nt or .rdf file give --graph IRI)", str(where))
    if any(isinstance(g, ox.BlankNode) for g in store.named_graphs()):
        raise InputError("names a graph with a blank node; graph names must be IRIs", str(where))


def check_graphs(items: Iterable[tuple[URIRef, bytes]], check: Check) -> None:
    """Run ``check`` on each (name, N-Triples) pair, :data:`WORKERS` at a time, with at most
    twice that many graphs read ahead; the first failure is raised once running checks end."""
    with ThreadPoolExecutor(WORKERS) as pool:
        pending: set = set()
        for name, data in items:
            pending.add(pool.submit(check, name, data))
            if len(pending) >= 2 * WORKERS:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                _raise_first(done)
        done, _ = wait(pending)
        _raise_first(done)


def _raise_first(done) -> None:
    for future in done:
        if future.exception() is not None:
            raise future.exception()


def graph_ntriples(store: ox.Store, names: Iterable[str]) -> Iterator[tuple[URIRef, bytes]]:
    """Each named graph of ``names`` in ``store``, as N-Triples."""
    for name in sorted(names):
        yield URIRef(name), store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))


class Journal:
    """The record of a bulk load in progress, kept in the store itself (see the module doc)."""

    def __init__(self, store: ox.Store):
        self.store = store

    def begin(self, existed: Iterable[str], direct: bool) -> None:
        """Record the graphs that exist now; ``direct``: the default graph is empty and the
        files are loaded straight into the store (rollback then also clears it)."""
        rows = " ".join(f"<{JOURNAL}> <{_EXISTED}> <{iri(g)}> ." for g in existed)
        flag = f"<{JOURNAL}> <{_DIRECT}> true ." if direct else ""
        self.store.update(
            f"INSERT DATA {{ GRAPH <{JOURNAL}> {{ <{JOURNAL}> a <{JOURNAL}> . {rows} {flag} }} }}")

    def move_aside(self, names: Iterable[str]) -> None:
        """Move each graph to a backup graph, recording the move in the same transaction."""
        for n, name in enumerate(sorted(names)):
            backup = f"{BACKUP}{n}"
            self.store.update(f"MOVE SILENT <{iri(name)}> TO <{backup}> ; INSERT DATA {{ GRAPH "
                              f"<{JOURNAL}> {{ <{iri(name)}> <{_MOVED}> <{backup}> }} }}")

    def restore(self, names: Iterable[str]) -> None:
        """Move the backups of ``names`` back (graphs the load leaves as they were)."""
        moved = self._moved()
        for name in names:
            if name in moved:
                self.store.update(f"MOVE SILENT <{moved[name]}> TO <{iri(name)}> ; DELETE DATA {{ "
                                  f"GRAPH <{JOURNAL}> {{ <{iri(name)}> <{_MOVED}> <{moved[name]}> }} }}")

    def commit(self) -> None:
        """Make the load final: drop the journal (the commit point), then the backups."""
        self.store.remove_graph(ox.NamedNode(JOURNAL))
        drop_backups(self.store)

    def active(self) -> bool:
        return next(self.store.quads_for_pattern(None, None, None, ox.NamedNode(JOURNAL)), None) is not None

    def rollback(self) -> None:
        """Put the store back as it was before :meth:`begin`; harmless without a journal."""
        if not self.active():
            drop_backups(self.store)
            return
        journal = ox.NamedNode(JOURNAL)
        existed = {q.object.value for q in self.store.quads_for_pattern(
            None, ox.NamedNode(_EXISTED), None, journal)}
        direct = next(self.store.quads_for_pattern(None, ox.NamedNode(_DIRECT), None, journal), None)
        moved = self._moved()
        backups = set(moved.values())
        for graph in list(self.store.named_graphs()):
            name = graph.value
            if name not in existed and name not in backups and name != JOURNAL:
                self.store.remove_graph(graph)
        if direct is not None:
            self.store.clear_graph(ox.DefaultGraph())
        self.restore(moved)
        self.store.remove_graph(journal)
        drop_backups(self.store)

    def _moved(self) -> dict[str, str]:
        return {q.subject.value: q.object.value for q in self.store.quads_for_pattern(
            None, ox.NamedNode(_MOVED), None, ox.NamedNode(JOURNAL))}


def drop_backups(store: ox.Store) -> None:
    for graph in list(store.named_graphs()):
        if graph.value.startswith(BACKUP):
            store.remove_graph(graph)
