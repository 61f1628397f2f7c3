"""``peerkg serve``: the Flask app under waitress, with an Oxigraph server as its query engine.

For a directory store (the default), ``serve`` starts the Oxigraph server binary (PyPI
``oxigraph``) on that directory on a free loopback port, with ``--timeout-s`` and
``--union-default-graph``, and the app speaks SPARQL protocol to it (DESIGN.md). Only one
process may open the directory, so ``serve`` initialises an empty default store first and
closes it before the engine starts. ``:memory:`` becomes a temporary directory loaded with the
bundled studies and removed on exit; an ``http(s)://`` URL is used as it is.

A query past ``--timeout`` is answered 503. Oxigraph's own cancellation misses some plans (a
cross join under an aggregate runs on), so when the app gives up on a query, the managed engine
is restarted (:meth:`Engine.restart`): the query surely stops, and requests in flight on the
engine are sent again by the store. A remote endpoint cannot be restarted: there the 503 is
sent, and stopping the query is left to that server's own timeout.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from peerkg.graph.errors import StoreError
from peerkg.graph.loader import initialise
from peerkg.graph.store import MEMORY, SPARQL_JSON, EndpointStore, Store, open_store

START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Engine:
    """An Oxigraph server process on the store directory ``location``, bound to a free port on
    127.0.0.1, cancelling queries after ``timeout`` seconds."""

    def __init__(self, location: str, timeout: float):
        self.location, self.timeout = location, timeout
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the server and wait until it answers; StoreError if it does not."""
        binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        self.process = subprocess.Popen(
            [binary, "serve", "--location", self.location, "--bind", self.url[len("http://"):],
             "--timeout-s", str(max(1, round(self.timeout))), "--union-default-graph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.started = time.monotonic()
        probe = EndpointStore(self.url, timeout=5)
        while True:
            try:
                probe.protocol("query", "ASK {}", {}, SPARQL_JSON)
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
            if time.monotonic() - self.started < self.timeout:
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
def query_engine(location: str, timeout: float) -> Iterator[Store]:
    """The store the server uses for ``location`` (a directory, ``:memory:`` or a URL): an
    EndpointStore on a managed Oxigraph server, or on the given endpoint."""
    if location.startswith(("http://", "https://")):
        yield EndpointStore(location, timeout=timeout)
        return
    with tempfile.TemporaryDirectory(prefix="peerkg-serve-") as scratch:
        if location == MEMORY:
            location = scratch
            with open_store(location) as store:
                initialise(store)
        engine = Engine(location, timeout)
        engine.start()
        try:
            yield EndpointStore(engine.url, timeout=timeout, on_timeout=engine.restart)
        finally:
            engine.stop()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The interface to listen on; 127.0.0.1 keeps the server local.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--timeout", default=30.0, show_default=True, type=float, metavar="SECONDS",
              envvar="PEERKG_QUERY_TIMEOUT",
              help="A query running longer is stopped and answered 503 ($PEERKG_QUERY_TIMEOUT).")
@click.option("--write-token", metavar="TOKEN", envvar="PEERKG_WRITE_TOKEN",
              help="Accept SPARQL Update on /sparql with 'Authorization: Bearer TOKEN' "
                   "($PEERKG_WRITE_TOKEN). Without it the server is read-only.")
@click.option("--cors", metavar="ORIGIN", envvar="PEERKG_CORS",
              help="Let pages from ORIGIN (or '*') call /sparql and /api ($PEERKG_CORS). Off "
                   "by default.")
@click.option("--max-result-mb", default=64.0, show_default=True, type=float, metavar="MB",
              envvar="PEERKG_MAX_RESULT_MB",
              help="A /sparql result larger than this is answered 503 ($PEERKG_MAX_RESULT_MB).")
@click.option("--threads", default=8, show_default=True, type=int,
              help="Requests served at once.")
@click.pass_obj
def serve(obj, host, port, timeout, write_token, cors, max_result_mb, threads) -> None:
    """Serve the SPARQL endpoint (/sparql), the JSON API (/api) and the pages over HTTP.

    Queries run on an Oxigraph server that peerkg starts on the store's directory; the default
    store is initialised with the bundled studies on first use."""
    import waitress

    from peerkg.api.app import create_app

    location = obj.location or os.environ.get("PEERKG_STORE")
    if not location or not location.startswith(("http://", "https://", MEMORY)):
        location = obj.store().location  # initialises an empty default store
        obj.close()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with query_engine(location, timeout) as store:
        app = create_app({"STORE": store, "QUERY_TIMEOUT": timeout, "WRITE_TOKEN": write_token,
                          "CORS_ORIGIN": cors, "MAX_RESULT_BYTES": int(max_result_mb * 2**20)})
        mode = "read-write with the token" if write_token else "read-only"
        click.echo(f"peerkg: serving {store.location if location.startswith('http') else location}"
                   f" at http://{host}:{port}/ ({mode}, query timeout {timeout:g} s)", err=True)
        waitress.serve(app, host=host, port=port, threads=threads, ident="peerkg")
