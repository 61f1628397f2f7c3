"""The store adapter: the only package that talks to an RDF store (DESIGN.md).

One small interface, :class:`Store`, with two implementations: :class:`EmbeddedStore`, a
pyoxigraph store in this process, on a directory or in memory; and :class:`EndpointStore`, any
SPARQL 1.1 Protocol server with SPARQL Update. :mod:`.engine` runs the Oxigraph server that
``peerkg serve`` queries. Queries go to the engine as strings (a pre-parsed rdflib query would
silently fall back to rdflib's slow engine).
"""

import os

from platformdirs import user_data_path

from peerkg.graph.store.base import QueryTimeout, Response, ResultTooLarge, Store, Table
from peerkg.graph.store.embedded import MEMORY, EmbeddedStore
from peerkg.graph.store.endpoint import EndpointStore, endpoint_urls, is_endpoint

__all__ = ["MEMORY", "EmbeddedStore", "EndpointStore", "QueryTimeout", "Response",
           "ResultTooLarge", "Store", "Table", "default_location", "endpoint_urls",
           "is_endpoint", "open_store", "store_location"]


def default_location() -> str:
    """Where the store lives when neither ``--store`` nor ``PEERKG_STORE`` says: the user's
    data directory (for example ``~/.local/share/peerkg/store`` on Linux)."""
    return str(user_data_path("peerkg") / "store")


def store_location(location: str | None = None) -> str:
    """``location``, else ``$PEERKG_STORE``, else :func:`default_location`."""
    return location or os.environ.get("PEERKG_STORE") or default_location()


def open_store(location: str | None = None) -> Store:
    """Open the store at ``location``: an ``http(s)://`` endpoint URL, ``:memory:``, or a
    directory (created if missing). ``None`` means :func:`store_location`'s choice."""
    location = store_location(location)
    if is_endpoint(location):
        return EndpointStore(location)
    return EmbeddedStore(location)
