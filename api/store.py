"""The app's one store (like flaskr's ``db.py``): opened by :func:`init_app`, reached from views
with :func:`get_store`, closed when the app is torn down if the app opened it.

One store per app, not per request: a directory store may be opened by one process only, and
``peerkg serve`` hands the app a store on its managed engine.
"""

import atexit

from flask import Flask, current_app

from peerkg.graph.store import Store, open_store


def init_app(app: Flask) -> None:
    """Give ``app`` its store: ``STORE`` is an open Store (used as it is, its owner closes it)
    or a location string (opened here, and closed at exit)."""
    store = app.config["STORE"]
    if not isinstance(store, Store):
        store = open_store(store)
        atexit.register(store.close)
    app.extensions["peerkg.store"] = store


def get_store() -> Store:
    """The store of the current app."""
    return current_app.extensions["peerkg.store"]
