"""Loading big RDF files with Oxigraph's bulk loader, atomically, through a journal.

:class:`RdfFile` names a file to load and the named graphs it fills (known before it is
loaded; its content is checked while it loads, :func:`checked_while_loading`).
:class:`Journal` is how :meth:`EmbeddedStore.load_graphs` stays atomic although the bulk loader
is not transactional: before anything is bulk-written the journal (a small named graph, written
in one transaction) records the graphs that existed, and each graph about to be replaced is
moved aside to a backup graph in the same transaction that records the move. If the load
fails, or the process dies and the store is opened again, :meth:`Journal.rollback` drops every
graph that did not exist and moves the backups back (and empties the default graph if it was
empty). Dropping the journal graph is the commit; backups left by a crash after it are dropped
on the next open.
"""

import io
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import URIRef

from peerkg.graph.base.errors import InputError
from peerkg.graph.store.binding import iri

JOURNAL = "urn:peerkg:load-journal"
BACKUP = "urn:peerkg:backup:"
_EXISTED, _MOVED = "urn:peerkg:existed", "urn:peerkg:movedTo"
_DEFAULT_EMPTY = "urn:peerkg:defaultGraphWasEmpty"


@dataclass(frozen=True)
class RdfFile:
    """An RDF dataset file to bulk-load, and the names of the named graphs it fills (each in
    full: a graph it fills replaces the stored one)."""

    path: Path
    media_type: str
    graphs: frozenset[URIRef]

    def load_into(self, store: ox.Store, stop: threading.Event | None = None) -> None:
        """Bulk-load this file into ``store``; InputError naming the file if it does not parse,
        Stopped if ``stop`` is set before the loader has read it all."""
        with self.path.open("rb") as raw:
            try:
                store.bulk_load(_Stoppable(raw, stop or threading.Event()),
                                format=ox.RdfFormat.from_media_type(self.media_type))
            except (SyntaxError, ValueError) as e:
                raise InputError(f"cannot parse as RDF: {e}", str(self.path)) from None


class Stopped(OSError):
    """A bulk load was told to stop."""


class _Stoppable(io.RawIOBase):
    """A file as the bulk loader reads it, whose next read fails once ``stop`` is set."""

    def __init__(self, raw: BinaryIO, stop: threading.Event):
        self.raw, self.stop = raw, stop

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.stop.is_set():
            raise Stopped("the load was stopped")
        return self.raw.readinto(buffer)


def checked_while_loading(load: Callable[[threading.Event], object], check: Callable[[], None]) -> None:
    """Run ``load`` (given an event that tells it to stop) in a thread while ``check`` runs in
    this one, as Oxigraph's bulk loader releases the GIL: a load of 10^7 quads takes the time
    of the longer of the two, not their sum. If the check fails, or is interrupted, the load is
    stopped and waited for and the check's error raised; else the load's error, if any. Either
    way the caller rolls back."""
    stop = threading.Event()
    with ThreadPoolExecutor(1, thread_name_prefix="peerkg-bulk-load") as pool:
        loading = pool.submit(load, stop)
        try:
            check()
        except BaseException:
            stop.set()
            wait([loading])
            raise
        loading.result()


class Journal:
    """The record of a bulk load in progress, kept in the store itself (see the module doc)."""

    def __init__(self, store: ox.Store):
        self.store = store

    def begin(self, existed: Iterable[str]) -> None:
        """Record the named graphs that exist now, and whether the default graph is empty (a
        file may put triples there, which the load then refuses)."""
        rows = " ".join(f"<{JOURNAL}> <{_EXISTED}> <{iri(g)}> ." for g in existed)
        if next(self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()), None) is None:
            rows += f" <{JOURNAL}> a <{_DEFAULT_EMPTY}> ."
        self.store.update(f"INSERT DATA {{ GRAPH <{JOURNAL}> {{ <{JOURNAL}> a <{JOURNAL}> . {rows} }} }}")

    def move_aside(self, names: Iterable[str]) -> None:
        """Move each graph to a backup graph, recording the move in the same transaction."""
        for n, name in enumerate(sorted(names)):
            backup = f"{BACKUP}{n}"
            self.store.update(f"MOVE SILENT <{iri(name)}> TO <{backup}> ; INSERT DATA {{ GRAPH "
                              f"<{JOURNAL}> {{ <{iri(name)}> <{_MOVED}> <{backup}> }} }}")

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
        moved = self._moved()
        backups = set(moved.values())
        for graph in list(self.store.named_graphs()):
            name = graph.value
            if name not in existed and name not in backups and name != JOURNAL:
                self.store.remove_graph(graph)
        for name, backup in moved.items():
            self.store.update(f"MOVE SILENT <{backup}> TO <{iri(name)}>")
        if next(self.store.quads_for_pattern(None, None, ox.NamedNode(_DEFAULT_EMPTY), journal), None):
            self.store.clear_graph(ox.DefaultGraph())
        self.store.remove_graph(journal)
        drop_backups(self.store)

    def _moved(self) -> dict[str, str]:
        return {q.subject.value: q.object.value for q in self.store.quads_for_pattern(
            None, ox.NamedNode(_MOVED), None, ox.NamedNode(JOURNAL))}


def drop_backups(store: ox.Store) -> None:
    for graph in list(store.named_graphs()):
        if graph.value.startswith(BACKUP):
            store.remove_graph(graph)
