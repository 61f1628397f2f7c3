"""Warming the answers the store keeps between writes (:mod:`peerkg.graph.store.memo`) that a
visitor's first pages need: the quote counts, the studies, the first themes and the filter
pickers. Without it the first request after ``peerkg serve`` starts, or after a write, counts
the whole collection again (at 10^7 triples: 4.5 s for the overview, 0.3 s for a page of
quotes; ``benchmarks/RESULTS.md``).

A :class:`Warmer` requests :data:`PATHS` through the app, without a token, on a thread of its
own: at start and again after each write, a burst of writes warming once. Only the view
without a token is warmed (a token's view keeps its own answers on first use), and nothing is
fetched that an anonymous visitor could not fetch.
"""

import threading

from flask import Flask

PATHS = ("/", "/quotes", "/api/themes")


class Warmer:
    """Keeps the anonymous view's first pages warm for ``app``'s store."""

    def __init__(self, app: Flask):
        self.app = app
        self._state = threading.Condition()
        self._pending = self._busy = False
        store = app.extensions["peerkg.store"]
        if store.memo is not None:  # a store that keeps nothing has nothing to warm
            store.memo.on_change(self.poke)
            self.poke()
            threading.Thread(target=self._run, name="peerkg-warm", daemon=True).start()

    def poke(self) -> None:
        """Ask for a warm-up (the store changed); returns at once."""
        with self._state:
            self._pending = True
            self._state.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait until nothing is left to warm; False if ``timeout`` seconds passed first."""
        with self._state:
            return self._state.wait_for(lambda: not (self._pending or self._busy), timeout)

    def _run(self) -> None:
        client = self.app.test_client()
        while True:
            with self._state:
                self._state.wait_for(lambda: self._pending)
                self._pending, self._busy = False, True
            for path in PATHS:
                client.get(path)  # an error is answered (and logged) as for any request
            with self._state:
                self._busy = False
                self._state.notify_all()
