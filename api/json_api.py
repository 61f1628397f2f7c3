"""``/api/...``: the graph as JSON, for scripts and for the pages' own use.

Every answer is an object with ``"ok": true``; errors use the one shape of :mod:`peerkg.api.errors`.
Everything is read with named queries (queries/*.rq), parameters bound by the engine. Values are
JSON strings, except numeric literals (numbers) and unbound cells (null). The endpoints and their
parameters are described in OpenAPI 3 at ``/api/openapi.json`` (see :mod:`peerkg.api.openapi`).
"""

from flask import Blueprint, current_app, jsonify, request
from rdflib import Literal
from rdflib.term import Node
from werkzeug.exceptions import BadRequest, NotFound

from peerkg.api.app import get_store
from peerkg.api.openapi import openapi
from peerkg.graph.store import Table
from peerkg.queries import registry

bp = Blueprint("api", __name__, url_prefix="/api")

QUOTE_FILTERS = ("construct", "site", "stakeholder", "theme", "study", "text")
PAGE_SIZE, MAX_PAGE_SIZE = 50, 500


def value(term: Node | None):
    """A JSON value for an RDF term: numbers for numeric literals, else its string form."""
    if term is None:
        return None
    if isinstance(term, Literal) and isinstance(term.toPython(), int | float):
        return term.toPython()
    if isinstance(term, Literal) and term.datatype and str(term.datatype).endswith("#decimal"):
        return float(term)
    return str(term)


def records(table: Table) -> list[dict]:
    return [{c: value(t) for c, t in zip(table.columns, row, strict=True)} for row in table.rows]


def run(name: str, params: dict[str, str] | None = None) -> list[dict]:
    return records(registry()[name].run(get_store(), params or {}))


@bp.get("/health")
def health():
    """Whether the store answers, and the server's limits."""
    return jsonify(ok=True, store=get_store().location, graphs=len(get_store().graphs()),
                   query_timeout=current_app.config["QUERY_TIMEOUT"],
                   max_result_bytes=current_app.config["MAX_RESULT_BYTES"],
                   writable=bool(current_app.config["WRITE_TOKEN"]))


@bp.get("/studies")
def studies():
    return jsonify(ok=True, studies=run("studies"))


def theme_tree() -> list[dict]:
    """Themes in study order, each with its categories and their codes (with quote counts)."""
    nested: dict[str, dict] = {}
    for row in run("themes"):
        theme = nested.setdefault(row["theme"], {
            "theme": row["theme"], "label": row["theme_label"], "study": row["study"],
            "study_label": row["study_label"], "categories": {}})
        if row["category"] is None:
            continue
        category = theme["categories"].setdefault(row["category"], {
            "category": row["category"], "label": row["category_label"], "codes": []})
        category["codes"].append({"code": row["code"], "label": row["code_label"],
                                  "quotes": row["quotes"]})
    for theme in nested.values():
        theme["categories"] = list(theme["categories"].values())
    return list(nested.values())


@bp.get("/themes")
def themes():
    return jsonify(ok=True, themes=theme_tree())


def quote_page(args) -> dict:
    """Quotes matching the filters in ``args``, one page of them: ``total`` matches, and the
    page from ``offset`` of at most ``limit`` (default 50, at most 500) quotes."""
    filters = {k: args[k] for k in QUOTE_FILTERS if args.get(k)}
    limit = _integer(args, "limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    offset = _integer(args, "offset", 0, 0, None)
    rows = run("quote-search", filters)
    for row in rows:
        row["constructs"] = row["constructs"].split() if row["constructs"] else []
    return {"total": len(rows), "offset": offset, "limit": limit, "filters": filters,
            "quotes": rows[offset:offset + limit]}


def _integer(args, name: str, default: int, low: int, high: int | None) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        bounds = f"{low}..{high}" if high is not None else f"{low} or more"
        raise BadRequest(f"'{name}' must be an integer in {bounds}, not {raw!r}")
    return int(raw)


@bp.get("/quotes")
def quotes():
    return jsonify(ok=True, **quote_page(request.args))


@bp.get("/constructs")
def constructs():
    """Constructs with their evidence counts and the references cited about them."""
    references: dict[str, list] = {}
    for row in run("construct-references"):
        references.setdefault(row.pop("construct"), []).append(row)
    items = [{**row, "references": references.get(row["construct"], [])}
             for row in run("constructs")]
    return jsonify(ok=True, constructs=items)


@bp.get("/queries")
def queries():
    """The named queries, with their parameters."""
    return jsonify(ok=True, queries=[
        {"name": q.name, "title": q.title, "description": q.description,
         "params": [{"name": p.name, "type": p.type, "optional": p.optional,
                     "description": p.description} for p in q.params]}
        for q in registry().values()])


@bp.get("/queries/<name>")
def named_query(name: str):
    """Run a named query with the request's arguments as its parameters."""
    if name not in registry():
        raise NotFound(f"no named query '{name}' (see /api/queries)")
    table = registry()[name].run(get_store(), request.args.to_dict())
    return jsonify(ok=True, query=name, columns=table.columns, rows=records(table))


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi())
