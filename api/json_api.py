"""``/api/...``: the graph as JSON, for scripts and for the pages' own use.

Every answer is an object with ``"ok": true``; errors use the one shape of :mod:`peerkg.api.errors`.
Everything is read with named queries (queries/*.rq), parameters bound by the engine. Values are
JSON strings, except numeric literals (numbers) and unbound cells (null). The endpoints and their
parameters are described in OpenAPI 3 at ``/api/openapi.json`` (see :mod:`peerkg.api.openapi`).
"""

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import NotFound

from peerkg.api.openapi import openapi
from peerkg.api.records import named_rows, quote_page, records, study_page, table_page, theme_page
from peerkg.api.store import get_store
from peerkg.queries import public, registry

bp = Blueprint("api", __name__, url_prefix="/api")

@bp.get("/health")
def health():
    """Whether the store answers (and how many graphs the caller may see), and the server's
    limits; no address of the store or its engine."""
    return jsonify(ok=True, graphs=len(get_store().graphs()),
                   query_timeout=current_app.config["QUERY_TIMEOUT"],
                   max_result_bytes=current_app.config["MAX_RESULT_BYTES"],
                   writable=bool(current_app.config["WRITE_TOKEN"]))


@bp.get("/studies")
def studies():
    """Studies with their quote counts, a page at a time (``limit``, ``offset``; ``total``)."""
    return jsonify(ok=True, **study_page(request.args))


@bp.get("/themes")
def themes():
    """The theme tree, a page of themes at a time (``study``, ``limit``, ``offset``; ``total``)."""
    return jsonify(ok=True, **theme_page(request.args))


@bp.get("/quotes")
def quotes():
    return jsonify(ok=True, **quote_page(request.args))


@bp.get("/constructs")
def constructs():
    """Constructs with their evidence counts and the references cited about them."""
    references: dict[str, list] = {}
    for row in named_rows("construct-references", kept=True):
        references.setdefault(row.pop("construct"), []).append(row)
    items = [{**row, "references": references.get(row["construct"], [])}
             for row in named_rows("constructs", kept=True)]
    return jsonify(ok=True, constructs=items)


@bp.get("/queries")
def queries():
    """The named queries of the public contract, with their parameters (internal ones, which
    the pages are built from, run too but are not listed)."""
    return jsonify(ok=True, queries=[
        {"name": q.name, "title": q.title, "description": q.description,
         "params": [{"name": p.name, "type": p.type, "optional": p.optional,
                     "description": p.description} for p in q.params]}
        for q in public().values()])


@bp.get("/queries/<name>")
def named_query(name: str):
    """Run a named query with the request's arguments as its parameters; ``limit`` and
    ``offset`` ask for one page of its rows (paged by the engine), with the ``total``."""
    if name not in registry():
        raise NotFound(f"no named query '{name}' (see /api/queries)")
    table, total, offset, limit = table_page(name, request.args.to_dict())
    paging = {} if total is None else {"total": total, "offset": offset, "limit": limit}
    return jsonify(ok=True, query=name, columns=table.columns, rows=records(table), **paging)


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi())
