"""Answers kept until the next write: what lets a page of quotes at 10^7 triples skip counting
every quote again (``benchmarks/RESULTS.md``, "Queries at scale").

A :class:`Memo` belongs to one store object that sees every write to its data (the embedded
store, and ``peerkg serve``'s managed engine, whose directory nobody else may write while it
runs); the store calls :meth:`Memo.changed` after each write. An answer computed while a write
happened is returned but not kept, so a reader never keeps what a writer has since changed. A
key holds the dataset a query ran on, so each access view (see :mod:`.access`) has its own
answers.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class Memo:
    """At most ``size`` answers, least recently used dropped first, all dropped on a write."""

    def __init__(self, size: int = 256):
        self.size = size
        self._answers: OrderedDict[Hashable, object] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def __len__(self) -> int:
        return len(self._answers)

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after each :meth:`changed` (it must not block: it runs in the
        writer's thread)."""
        self._listeners.append(listener)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The kept answer for ``key``, else ``compute()`` (kept unless a write came between)."""
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
            generation = self._generation
        answer = compute()
        with self._lock:
            if generation == self._generation:
                self._answers[key] = answer
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
        return answer

    def changed(self) -> None:
        """The store's data changed (or may have): drop every answer."""
        with self._lock:
            self._generation += 1
            self._answers.clear()
        for listener in self._listeners:
            listener()
