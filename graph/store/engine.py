"""The Oxigraph server process that ``peerkg serve`` runs its queries on (DESIGN.md).

For a directory store, :func:`query_engine` starts the Oxigraph server binary (PyPI ``oxigraph``)
*read-only* (``serve-read-only``) on that directory on a free loopback port, with
``--timeout-s``, and hands back a :class:`ManagedStore`: queries go to the engine over SPARQL
protocol; writes are made in this process on the directory while the engine is stopped
(:meth:`ManagedStore.update`), then the engine starts again. So no port the server or its
children listen on accepts a write: the only way to change the store is through the front,
which asks for the write token. ``:memory:`` becomes a temporary directory, filled by
``prepare`` and removed on exit; an ``http(s)://`` URL is used as it is.

Oxigraph's own cancellation misses some plans (a cross join under an aggregate runs on), so when
the store gives up on a query, the engine is restarted (:meth:`Engine.restart`): the query
surely stops, and requests in flight on the engine are sent again by the store. An engine that
dies (a query that exhausts its stack) is started again the same way (:meth:`Engine.revive`).
The engine is killed with the process that started it (Linux ``PR_SET_PDEATHSIG``).
"""

import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from peerkg.graph.base.errors import StoreError
from peerkg.graph.base.formats import SPARQL_JSON
from peerkg.graph.store.base import Store
from peerkg.graph.store.embedded import MEMORY, EmbeddedStore
from peerkg.graph.store.endpoint import EndpointStore, is_endpoint
from peerkg.graph.store.lock import DirectoryLock, ServerRecord
from peerkg.graph.store.memo import Memo

START_TIMEOUT = 60.0
WRITE_WAIT = 60.0  # how long a write waits for commands reading the directory to finish


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    """The Oxigraph server binary of the PyPI ``oxigraph`` package."""
    return shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")


def _die_with_parent() -> None:  # pragma: no cover (runs in the child)
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Engine:
    """A read-only Oxigraph server process on the store directory ``location``, bound to a free
    port on 127.0.0.1, cancelling queries after ``timeout`` seconds (none if None). With
    ``writable``, a read-write one with the union of the named graphs as its default graph, as a
    remote endpoint would be (the tests' endpoint backend)."""

    def __init__(self, location: str, timeout: float | None, writable: bool = False):
        self.location, self.timeout, self.writable = location, timeout, writable
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.lock = threading.RLock()
        # Linux kills a child when the *thread* that started it ends: start them all from one
        # thread that lives as long as this engine
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="peerkg-engine")

    def start(self) -> None:
        """Start the server and wait until it answers; StoreError if it does not."""
        args = [oxigraph_binary(), "serve" if self.writable else "serve-read-only",
                "--location", self.location, "--bind", self.url[len("http://"):]]
        if self.writable:
            args.append("--union-default-graph")
        if self.timeout is not None:
            args += ["--timeout-s", str(max(1, round(self.timeout)))]
        with self.lock:
            # its log goes to a file, not a pipe nobody reads while it runs, which would fill
            # up (it logs every failed query) and stop the engine
            self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop)
            self.process = self._spawner.submit(
                subprocess.Popen, args, stdout=subprocess.DEVNULL, stderr=self.log,
                preexec_fn=_die_with_parent).result()
            self.started = time.monotonic()
            # known to be Oxigraph: no detection, whose graph listing takes minutes at 10^7
            probe = EndpointStore(self.url, timeout=5, union_parameter=True)
            while True:
                try:
                    probe.run_protocol("query", "ASK {}", None, SPARQL_JSON, "text/turtle")
                    probe.close()
                    return
                except StoreError:
                    if (self.process.poll() is not None
                            or time.monotonic() > self.started + START_TIMEOUT):
                        message = self.stop() or "it did not answer"
                        raise StoreError(f"the Oxigraph server on {self.location} did not "
                                         f"start: {message}") from None

    def restart(self) -> None:
        """Kill the server (and whatever query it is running) and start it again, unless it was
        started less than ``timeout`` seconds ago: then no query older than that is left."""
        with self.lock:
            if time.monotonic() - self.started < (self.timeout or 0):
                return
            self.stop()
            self.start()

    def revive(self) -> None:
        """Start the server again if it has died."""
        with self.lock:
            if self.process is not None and self.process.poll() is not None:
                self.stop()
                self.start()

    def stop(self) -> str:
        """Stop the server; returns the end of its log if it had already exited."""
        with self.lock:
            if self.process is None:
                return ""
            message = ""
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            else:
                self.log.seek(0)
                message = self.log.read()[-2000:].decode("utf-8", "replace").strip()
            self.log.close()
            self.process = None
            return message


class _Gate:
    """Many readers at once, or one writer: a write waits for the reads in flight (each ends by
    the query timeout) and holds new ones back until it is done."""

    def __init__(self):
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self):
        with self._condition:
            self._condition.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextmanager
    def writing(self):
        with self._condition:
            self._condition.wait_for(lambda: not self._writing)
            self._writing = True
            self._condition.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()


class ManagedStore(EndpointStore):
    """The store ``peerkg serve`` uses on a directory: reads on the read-only :class:`Engine`,
    writes in this process (see the module). ``location`` is the directory, not the engine's
    address, which nothing outside this process needs to know."""

    def __init__(self, engine: Engine, timeout: float, shared: DirectoryLock):
        super().__init__(engine.url, timeout=timeout, on_timeout=engine.restart,
                         union_parameter=True, on_failure=engine.revive)
        self.engine = engine
        self.location = engine.location
        self._shared = shared  # held for the engine while it runs
        self._gate = _Gate()
        self.memo = Memo()  # nobody else writes the directory while the engine runs

    def name(self, url):
        return "the query engine"  # its address is nobody's business outside this process

    def _exchange(self, url, fields, accept="*/*", max_bytes=None):
        with self._gate.reading():
            return super()._exchange(url, fields, accept, max_bytes)

    def _write(self, action: Callable[[EmbeddedStore], object]):
        """Run ``action`` on the directory opened for writing, with the engine stopped."""
        with self._gate.writing(), self.engine.lock:
            self._drop()
            self.engine.stop()
            self._shared.release()
            try:
                with EmbeddedStore(self.location, wait=WRITE_WAIT) as store:
                    return action(store)
            finally:
                self.memo.changed()
                if not self._shared.acquire(exclusive=False, wait=WRITE_WAIT):
                    raise StoreError(f"another process is writing {self.location}; the query "
                                     "engine cannot start again")
                self.engine.start()

    def update(self, update):
        self._write(lambda store: store.update(update))

    def run_protocol(self, operation, text, dataset, result_type, graph_type, max_bytes=None):
        if operation == "update":
            return self._write(lambda store: store.run_protocol(
                operation, text, dataset, result_type, graph_type, max_bytes))
        return super().run_protocol(operation, text, dataset, result_type, graph_type, max_bytes)


@contextmanager
def query_engine(location: str, timeout: float,
                 prepare: Callable[[Store], None] = lambda store: None,
                 url: str = "") -> Iterator[Store]:
    """The store a server at ``url`` uses for ``location`` (a directory, ``:memory:`` or a URL):
    a :class:`ManagedStore` on a read-only Oxigraph server, or an EndpointStore on the given
    endpoint. A ``:memory:`` store is a temporary directory that ``prepare`` fills first. While
    it runs, the directory records the server (see :mod:`.lock`)."""
    if is_endpoint(location):
        yield EndpointStore(location, timeout=timeout)
        return
    with tempfile.TemporaryDirectory(prefix="peerkg-serve-") as scratch:
        if location == MEMORY:
            location = scratch
            with EmbeddedStore(location) as store:
                prepare(store)
        with ServerRecord(location, url):
            shared = DirectoryLock(location)
            if not shared.acquire(exclusive=False, wait=WRITE_WAIT):
                raise StoreError(f"another process is writing {location}")
            engine = Engine(location, timeout)
            try:
                engine.start()
                yield ManagedStore(engine, timeout, shared)
            finally:
                engine.stop()
                shared.release()
