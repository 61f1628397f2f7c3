"""Processes sharing one store directory. RocksDB lets one process write a directory; a process
may read it read-only beside other readers, but not while another writes (undefined behaviour,
research/rdf-store.md). Two files in the directory, locked with flock(2), keep that promise:

* ``peerkg.lock``, a readers-writer lock: shared by every process reading the directory
  read-only (``peerkg serve`` for its read-only engine, commands reading while it runs), held
  alone by a process writing it;
* ``peerkg-serve.json``, held by a running ``peerkg serve`` for its whole life and saying who it
  is (pid, URL), so that a command can name the server that holds the store.

A lock dies with its process, so a killed process leaves nothing to clean up.
"""

import fcntl
import json
import os
import time
from pathlib import Path

from peerkg.graph.base.errors import StoreError

LOCK_FILE = "peerkg.lock"
SERVER_FILE = "peerkg-serve.json"


class DirectoryLock:
    """``peerkg.lock`` of the store directory ``location``, taken shared or alone."""

    def __init__(self, location: str):
        self.path = Path(location) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, exclusive: bool, wait: float = 0.0) -> bool:
        """Take the lock, waiting up to ``wait`` seconds; False if others hold it."""
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(self._fd, mode)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.05)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases its lock
            self._fd = None


def serving(location: str) -> dict | None:
    """The ``peerkg serve`` holding the store directory ``location`` (its ``pid`` and ``url``),
    or None if no server holds it."""
    path = Path(location) / SERVER_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return None  # nobody holds it: a server that has stopped left the file behind
    except BlockingIOError:
        try:
            return json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"pid": "?", "url": "?"}
    finally:
        os.close(fd)


def describe(server: dict) -> str:
    """How an error names a server: ``peerkg serve (pid 123) at http://...``."""
    return f"peerkg serve (pid {server.get('pid')}) at {server.get('url')}"


class ServerRecord:
    """``peerkg-serve.json`` in ``location``, held while a server runs there."""

    def __init__(self, location: str, url: str):
        self.path = Path(location) / SERVER_FILE
        self.url = url
        self._fd: int | None = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + 2  # a command may be looking at the file this instant
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                os.close(fd)
                server = serving(str(self.path.parent)) or {}
                raise StoreError(f"the store at {self.path.parent} is already served by "
                                 f"{describe(server)}") from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "url": self.url}).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
