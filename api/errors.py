"""One error shape for the whole app: ``{"ok": false, "error": "...", "status": N}``.

:func:`error_body` builds it and every error answer goes through :func:`error_response`: JSON
for ``/api`` and ``/sparql`` and for clients that prefer it, the same message in the base HTML
layout for people browsing pages. User errors map to statuses by type (InputError 400,
QueryTimeout and ResultTooLarge 503, BrokenAnswer 502 (the engine failed after starting its
answer), other StoreError 503); anything else is a bug: a 500 whose traceback goes to the log
and whose body says nothing internal.
"""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from peerkg.graph.base.errors import InputError, PeerkgError, StoreError
from peerkg.graph.store import BrokenAnswer

JSON_PREFIXES = ("/api/", "/sparql")
STATUS = [(InputError, 400), (BrokenAnswer, 502), (StoreError, 503)]


def error_body(status: int, message: str) -> dict:
    """The one JSON error shape."""
    return {"ok": False, "error": message, "status": status}


def error_response(status: int, message: str, headers: dict | None = None):
    """An error answer, as JSON or (for a browser on a page) as HTML."""
    wants_html = (not request.path.startswith(JSON_PREFIXES)
                  and request.accept_mimetypes.best_match(["application/json", "text/html"])
                  == "text/html")
    if wants_html:
        response = render_template("error.html", status=status, message=message), status
    else:
        response = jsonify(error_body(status, message)), status
    return (*response, headers or {})


def register(app: Flask) -> None:
    """Route every error of ``app`` through :func:`error_response`."""

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        headers = {k: v for k, v in e.get_headers() if k.lower() != "content-type"}
        return error_response(e.code or 500, e.description or e.name, headers)

    @app.errorhandler(PeerkgError)
    def user_error(e: PeerkgError):
        status = next((code for kind, code in STATUS if isinstance(e, kind)), 400)
        return error_response(status, str(e))

    @app.errorhandler(Exception)
    def bug(e: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal server error; the server log has the details")
