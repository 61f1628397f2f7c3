"""The OpenAPI 3.1 description of peerkg's HTTP interface (https://spec.openapis.org/oas/v3.1.0),
served at ``/api/openapi.json``. The named-query parameters come from the query registry, so
the description cannot drift from the queries; a test checks every ``/api`` route is here.
"""

from peerkg.queries import registry
from peerkg.queries.filters import FILTERS

ERROR = {"$ref": "#/components/schemas/Error"}
QUOTE_FILTERS = {
    **{f.name: f.help for f in FILTERS.values()},
    "limit": "page size, 1..500 (default 50)",
    "offset": "index of the first quote on the page (default 0)",
}


def _get(summary: str, params: dict[str, str] | None = None, path_param: str | None = None):
    parameters = [{"name": n, "in": "query", "required": False, "description": d,
                   "schema": {"type": "string"}} for n, d in (params or {}).items()]
    if path_param:
        parameters.insert(0, {"name": path_param, "in": "path", "required": True,
                              "schema": {"type": "string", "enum": list(registry())}})
    return {"get": {
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": "ok: an object with \"ok\": true"},
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
                    for q in registry().values() for p in q.params}
    return {
        "openapi": "3.1.0",
        "info": {"title": "peerkg", "version": "0.1.0",
                 "description": "A knowledge graph of qualitative research on peer support roles "
                                "in mental health services. SPARQL 1.1 Protocol at /sparql."},
        "paths": {
            "/api/health": _get("whether the store answers, and the server's limits"),
            "/api/studies": _get("the studies, with quote counts"),
            "/api/themes": _get("themes with their categories and codes"),
            "/api/quotes": _get("quotes, filtered and paged", QUOTE_FILTERS),
            "/api/constructs": _get("constructs with evidence counts and references"),
            "/api/queries": _get("the named queries and their parameters"),
            "/api/queries/{name}": _get("run a named query: {ok, query, columns, rows}",
                                        query_params, path_param="name"),
            "/api/openapi.json": _get("this document"),
        },
        "components": {"schemas": {"Error": {
            "type": "object", "required": ["ok", "error", "status"],
            "properties": {"ok": {"const": False}, "error": {"type": "string"},
                           "status": {"type": "integer"}},
        }}},
    }
