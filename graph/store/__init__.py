"""The store adapter: the only package that talks to an RDF store (DESIGN.md).

One small interface, :class:`Store`, with two implementations: :class:`EmbeddedStore`, a
pyoxigraph store in this process, on a directory or in memory; and :class:`EndpointStore`, any
SPARQL 1.1 Protocol server with SPARQL Update. :mod:`.engine` runs the Oxigraph server that
``peerkg serve`` queries. Queries go to the engine as strings (a pre-parsed rdflib query would
silently fall back to rdflib's slow engine).
"""

import os

from platformdirs import user_data_path

from peerkg.graph.store.base import BrokenAnswer, QueryTimeout, Response, ResultTooLarge, Store, Table
from peerkg.graph.store.embedded import MEMORY, EmbeddedStore
from peerkg.graph.store.endpoint import EndpointStore, endpoint_urls, is_endpoint
from peerkg.graph.store.inspect import Dataset
from peerkg.graph.store.lock import serving

__all__ = ["MEMORY", "BrokenAnswer", "Dataset", "EmbeddedStore", "EndpointStore", "QueryTimeout",
           "Response", "ResultTooLarge", "Store", "Table", "default_location", "endpoint_urls",
           "is_endpoint", "open_store", "store_location"]


def default_location() -> str:
    """Where the store lives when neither ``--store`` nor ``PEERKG_STORE`` says: the user's
    data directory (for example ``~/.local/share/peerkg/store`` on Linux)."""
    return str(user_data_path("peerkg") / "store")


def store_location(location: str | None = None) -> str:
    """``location``, else ``$PEERKG_STORE``, else :func:`default_location`."""
    return location or os.environ.get("PEERKG_STORE") or default_location()


READ_WAIT = 30.0  # how long a read waits for a running server to finish writing


def open_store(location: str | None = None, read_only: bool = False) -> Store:
    """Open the store at ``location``: an ``http(s)://`` endpoint URL, ``:memory:``, or a
    directory (created if missing). ``None`` means :func:`store_location`'s choice.

    A directory that a running ``peerkg serve`` holds is opened read-only beside it when the
    caller only reads (``read_only``); opening it to write raises StoreError naming the server.
    """
    location = store_location(location)
    if is_endpoint(location):
        return EndpointStore(location)
    if read_only and location != MEMORY and serving(location):
        return EmbeddedStore(location, read_only=True, wait=READ_WAIT)
    return EmbeddedStore(location)
