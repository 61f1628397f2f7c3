"""The OpenAPI 3.1 description of peerkg's HTTP interface (https://spec.openapis.org/oas/v3.1.0),
served at ``/api/openapi.json``. The named-query parameters come from the query registry, so
the description cannot drift from the queries; a test checks every ``/api`` route is here.
"""

from peerkg.graph.viz.figures import MEDIA_TYPES
from peerkg.graph.viz.views import VIEWS
from peerkg.queries import public
from peerkg.queries.filters import FILTERS

ERROR = {"$ref": "#/components/schemas/Error"}
QUOTE_FILTERS = {
    **{f.name: f.help for f in FILTERS.values()},
    "limit": "page size, 1..500 (default 50)",
    "offset": "index of the first quote on the page (default 0)",
}

LIST_PAGING = {"limit": "page size, 1..1000 (default 20 studies, 50 themes)",
               "offset": "index of the first item on the page (default 0)"}
GRAPH_FILTERS = {f.name: f.help for f in FILTERS.values()}
GRAPH_JSON = ("Cytoscape.js elements JSON: {view, filters, elements: {nodes, edges}, quotes, "
              "legend, kinds}, each node with colour, outline, size, text, align, kind_label and "
              "path, each edge with colour and dash; the cooccurrence view adds analytics")


def _get(summary: str, params: dict[str, str] | None = None,
         path: tuple[str, list[str]] | None = None, ok: dict | None = None):
    """A GET operation: ``params`` query parameters (name: description), ``path`` a path
    parameter (name, allowed values), ``ok`` the 200 response (default: a JSON object)."""
    parameters = [{"name": n, "in": "query", "required": False, "description": d,
                   "schema": {"type": "string"}} for n, d in (params or {}).items()]
    if path:
        parameters.insert(0, {"name": path[0], "in": "path", "required": True,
                              "schema": {"type": "string", "enum": path[1]}})
    return {"get": {
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": ok or {"description": "ok: an object with \"ok\": true"},
            "400": {"description": "bad parameter", "content": {"application/json": {"schema": ERROR}}},
            "404": {"description": "not found", "content": {"application/json": {"schema": ERROR}}},
            "503": {"description": "the store is unavailable or the query timed out",
                    "content": {"application/json": {"schema": ERROR}}},
        },
    }}


def openapi() -> dict:
    """The OpenAPI document."""
    query_params = {f"{p.name}": f"{p.type}{'' if p.optional else ' (required)'}: "
                                 f"{p.description} (query {q.name})"
                    for q in public().values() for p in q.params}
    query_params |= {"limit": "page size, 1..10000: only that page of rows, with the total",
                     "offset": "index of the first row on the page (default 0)"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "peerkg", "version": "0.1.0",
                 "description": "A knowledge graph of qualitative research on peer support roles "
                                "in mental health services. SPARQL 1.1 Protocol at /sparql."},
        "paths": {
            "/api/health": _get("whether the store answers, and the server's limits"),
            "/api/studies": _get("the studies, with quote counts, a page at a time: "
                                 "{studies, total, offset, limit}", LIST_PAGING),
            "/api/themes": _get("themes with their categories and codes, a page of themes at a "
                                "time: {themes, total, offset, limit, filters}",
                                {"study": FILTERS["study"].help, **LIST_PAGING}),
            "/api/quotes": _get("quotes, filtered and paged", QUOTE_FILTERS),
            "/api/constructs": _get("constructs with evidence counts and references"),
            "/api/queries": _get("the named queries and their parameters"),
            "/api/queries/{name}": _get("run a named query: {ok, query, columns, rows}; with "
                                        "limit or offset, one page and {total, offset, limit}",
                                        query_params, path=("name", list(public()))),
            "/api/openapi.json": _get("this document"),
            "/api/graph/{view}": _get(
                "a graph view of the filtered quotes, with all the page needs to draw it",
                GRAPH_FILTERS, path=("view", list(VIEWS)),
                ok={"description": GRAPH_JSON, "content": {"application/json": {}}}),
            **{f"/api/graph/{{view}}.{fmt}": _get(
                f"a graph view of the filtered quotes as the publication figure ({fmt.upper()}, "
                "as peerkg viz writes it), downloaded as peerkg-VIEW." + fmt,
                GRAPH_FILTERS, path=("view", list(VIEWS)),
                ok={"description": "the figure", "content": {media: {}}})
               for fmt, media in MEDIA_TYPES.items()},
            "/api/graph/analytics": _get(
                "degree, betweenness and Louvain communities of the code co-occurrence graph, "
                "compared with the themes and categories", GRAPH_FILTERS),
            "/api/graph/facets": _get("the values each graph filter can take, for pickers"),
            "/api/synthesis": _get("the cross-study evidence matrix: constructs by studies, each cell "
                                   "with quotes, themes and evidence present or lacking",
                                   {"construct": FILTERS["construct"].help, "study": FILTERS["study"].help}),
            "/api/synthesis.{fmt}": _get("the matrix as a heat map figure (fmt: svg or png)",
                                         {"construct": FILTERS["construct"].help,
                                          "study": FILTERS["study"].help}),
        },
        "components": {"schemas": {"Error": {
            "type": "object", "required": ["ok", "error", "status"],
            "properties": {"ok": {"const": False}, "error": {"type": "string"},
                           "status": {"type": "integer"}},
        }}},
    }
