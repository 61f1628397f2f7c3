"""The app's one store (like flaskr's ``db.py``): opened by :func:`init_app`, reached from views
with :func:`get_store`, closed when the app is torn down if the app opened it.

One store per app, not per request: a directory store may be opened by one process only, and
``peerkg serve`` hands the app a store on its managed engine. What a request sees of it depends
on its token (DESIGN.md, "Access"): with ``Authorization: Bearer`` the read or the write token,
everything; without, the store less its restricted studies (a
:class:`~peerkg.graph.store.access.ScopedStore`), on every surface alike.
"""

import atexit
import hmac

from flask import Flask, current_app, g, has_request_context, request
from werkzeug.exceptions import Forbidden

from peerkg.graph.store import Store, open_store
from peerkg.graph.store.access import public_view


def init_app(app: Flask) -> None:
    """Give ``app`` its store: ``STORE`` is an open Store (used as it is, its owner closes it)
    or a location string (opened here, and closed at exit)."""
    store = app.config["STORE"]
    if not isinstance(store, Store):
        store = open_store(store)
        atexit.register(store.close)
    app.extensions["peerkg.store"] = store


def get_store() -> Store:
    """The store as the current request may see it (the whole store outside a request)."""
    store = current_app.extensions["peerkg.store"]
    if not has_request_context():
        return store
    if "peerkg_store" not in g:
        g.peerkg_store = store if token_level() else public_view(store)
    return g.peerkg_store


def bearer_token() -> str | None:
    """The token of the request's ``Authorization: Bearer`` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def token_level() -> str | None:
    """``"write"`` or ``"read"`` for a request carrying the server's write or read token, None
    for one carrying none. A wrong token is refused (403) rather than read as no token."""
    given = bearer_token()
    if given is None:
        return None
    for level in ("write", "read"):
        token = current_app.config[f"{level.upper()}_TOKEN"]
        if token and hmac.compare_digest(given.encode(), token.encode()):
            return level
    raise Forbidden("the token is wrong")
