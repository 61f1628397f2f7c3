"""The Flask app factory (https://flask.palletsprojects.com/en/stable/patterns/appfactories/).

``create_app(config)`` builds the app around one store, opened here and nowhere else; views get
it with :func:`get_store`. Configuration keys (see ``peerkg serve --help`` for the options that
set them): ``STORE`` (a location string or an open Store), ``QUERY_TIMEOUT`` (seconds),
``WRITE_TOKEN`` (None = read-only), ``CORS_ORIGIN`` (None = off), ``MAX_ROWS``.
"""

from flask import Flask, current_app

from peerkg.graph.store import Store, open_store

DEFAULTS = {"STORE": None, "QUERY_TIMEOUT": 30, "WRITE_TOKEN": None, "CORS_ORIGIN": None,
            "MAX_ROWS": 100_000}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(config or {})
    store = app.config["STORE"]
    app.extensions["peerkg.store"] = store if isinstance(store, Store) else open_store(store)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    return app


def _blueprints() -> list:
    """The app's blueprints; each module that adds routes contributes one here."""
    from peerkg.api.graph_pages import bp as graph_pages

    return [graph_pages]


def get_store() -> Store:
    """The store of the current app."""
    return current_app.extensions["peerkg.store"]
