"""The Oxigraph server process that ``peerkg serve`` runs its queries on (DESIGN.md).

For a directory store, :func:`query_engine` starts the Oxigraph server binary (PyPI
``oxigraph``) on that directory on a free loopback port, with ``--timeout-s`` and
``--union-default-graph``, and hands back an :class:`EndpointStore` speaking SPARQL protocol to
it. Only one process may open the directory, so the caller closes its own handle first.
``:memory:`` becomes a temporary directory, filled by ``prepare`` and removed on exit; an
``http(s)://`` URL is used as it is.

Oxigraph's own cancellation misses some plans (a cross join under an aggregate runs on), so when
the store gives up on a query, the managed engine is restarted (:meth:`Engine.restart`): the
query surely stops, and requests in flight on the engine are sent again by the store. A remote
endpoint cannot be restarted: stopping the query is left to that server's own timeout.
"""

import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from peerkg.graph.base.errors import StoreError
from peerkg.graph.base.formats import SPARQL_JSON
from peerkg.graph.store.base import Store
from peerkg.graph.store.embedded import MEMORY, EmbeddedStore
from peerkg.graph.store.endpoint import EndpointStore, is_endpoint

START_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    """The Oxigraph server binary of the PyPI ``oxigraph`` package."""
    return shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")


class Engine:
    """An Oxigraph server process on the store directory ``location``, bound to a free port on
    127.0.0.1, cancelling queries after ``timeout`` seconds (none if ``timeout`` is None)."""

    def __init__(self, location: str, timeout: float | None):
        self.location, self.timeout = location, timeout
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the server and wait until it answers; StoreError if it does not."""
        args = [oxigraph_binary(), "serve", "--location", self.location,
                "--bind", self.url[len("http://"):], "--union-default-graph"]
        if self.timeout is not None:
            args += ["--timeout-s", str(max(1, round(self.timeout)))]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.started = time.monotonic()
        probe = EndpointStore(self.url, timeout=5)
        while True:
            try:
                probe.run_protocol("query", "ASK {}", {}, SPARQL_JSON, "text/turtle")
                probe.close()
                return
            except StoreError:
                if self.process.poll() is not None or time.monotonic() > self.started + START_TIMEOUT:
                    message = self.stop() or "it did not answer"
                    raise StoreError(f"the Oxigraph server on {self.location} did not start: "
                                     f"{message}") from None

    def restart(self) -> None:
        """Kill the server (and whatever query it is running) and start it again, unless it was
        started less than ``timeout`` seconds ago: then no query older than that is left."""
        with self._lock:
            if time.monotonic() - self.started < (self.timeout or 0):
                return
            self.process.kill()
            self.process.wait()
            self.process.stderr.close()
            self.start()

    def stop(self) -> str:
        """Stop the server; returns what it wrote to stderr if it had already exited."""
        if self.process is None:
            return ""
        message = ""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        else:
            message = self.process.stderr.read().decode("utf-8", "replace").strip()
        self.process.stderr.close()
        self.process = None
        return message


@contextmanager
def query_engine(location: str, timeout: float,
                 prepare: Callable[[Store], None] = lambda store: None) -> Iterator[Store]:
    """The store a server uses for ``location`` (a directory, ``:memory:`` or a URL): an
    EndpointStore on a managed Oxigraph server, or on the given endpoint. A ``:memory:`` store
    is a temporary directory that ``prepare`` fills first."""
    if is_endpoint(location):
        yield EndpointStore(location, timeout=timeout)
        return
    with tempfile.TemporaryDirectory(prefix="peerkg-serve-") as scratch:
        if location == MEMORY:
            location = scratch
            with EmbeddedStore(location) as store:
                prepare(store)
        engine = Engine(location, timeout)
        engine.start()
        try:
            yield EndpointStore(engine.url, timeout=timeout, on_timeout=engine.restart)
        finally:
            engine.stop()
