"""The Flask app factory (https://flask.palletsprojects.com/en/stable/patterns/appfactories/).

``create_app(config)`` builds the app around one store (see :mod:`peerkg.api.store`).
Configuration keys (see ``peerkg serve --help`` for the options that set them): ``STORE`` (a
location string or an open Store), ``QUERY_TIMEOUT`` (seconds; enforced by the store ``peerkg
serve`` builds, reported by ``/api/health``), ``WRITE_TOKEN`` (None = read-only),
``READ_TOKEN`` (None = only the write token reads restricted studies), ``FEDERATE`` (the
endpoints SERVICE may call; none by default), ``CORS_ORIGIN`` (None = no CORS headers),
``MAX_RESULT_BYTES`` (the largest ``/sparql`` result sent; larger ones get 503),
``MAX_QUERY_BYTES`` and ``MAX_UPDATE_BYTES`` (the longest query, and update with the write
token, taken; longer ones get 413), ``WARM`` (keep the first pages' answers warm, at start and
after each write: see :mod:`peerkg.api.warm`; ``peerkg serve`` sets it).
"""

from flask import Flask, current_app, request

from peerkg.api import errors, graph_views, json_api, pages, sparql, store, synthesis
from peerkg.api.warm import Warmer

DEFAULTS = {"STORE": None, "QUERY_TIMEOUT": 30, "WRITE_TOKEN": None, "READ_TOKEN": None,
            "FEDERATE": (), "CORS_ORIGIN": None, "MAX_RESULT_BYTES": 64 * 2**20,
            "MAX_QUERY_BYTES": 2**20, "MAX_UPDATE_BYTES": 256 * 2**20, "WARM": False}
BLUEPRINTS = (sparql.bp, json_api.bp, pages.bp, graph_views.bp, synthesis.bp)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(config or {})
    store.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    errors.register(app)
    app.after_request(_cors)
    if app.config["WARM"]:
        app.extensions["peerkg.warmer"] = Warmer(app)
    return app


def _cors(response):
    """With ``CORS_ORIGIN`` set, let pages from that origin call the endpoints, including
    updates carrying a token (https://fetch.spec.whatwg.org/#http-cors-protocol)."""
    origin = current_app.config["CORS_ORIGIN"]
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
    return response
