"""The interactive theme graph: the page ``/graph`` and the JSON it draws from.

* ``GET /graph``: the page (Cytoscape.js, vendored under ``static/vendor/cytoscape``).
* ``GET /api/graph/themes|cooccurrence|constructs``: a view (peerkg.graph.viz.views) as Cytoscape.js
  elements JSON (peerkg.graph.viz.exports.cytoscape); the co-occurrence view also carries
  ``analytics`` (peerkg.graph.viz.analytics.analyse).
* ``GET /api/graph/analytics``: the analytics of the code co-occurrence graph alone.
* ``GET /api/graph/facets``: the values each filter can take.

Filters are query parameters: ``study``, ``site``, ``stakeholder``, ``construct`` (as for
``peerkg viz``). A bad filter value or an unknown parameter answers 400 and an unknown view 404,
in the one JSON error shape of peerkg.api.errors.
"""

from flask import Blueprint, abort, jsonify, render_template, request

from peerkg.api.store import get_store
from peerkg.graph.base.errors import InputError
from peerkg.graph.viz.analytics import analyse
from peerkg.graph.viz.exports import cytoscape
from peerkg.graph.viz.views import VIEWS, Filters, build, cooccurrence_graph, facets

bp = Blueprint("graph_views", __name__)
FILTERS = ("study", "site", "stakeholder", "construct")


def _filters() -> Filters:
    unknown = sorted(set(request.args) - set(FILTERS))
    if unknown:
        raise InputError(f"unknown parameter '{unknown[0]}' (filters: {', '.join(FILTERS)})")
    return Filters(**{k: request.args.get(k) or None for k in FILTERS})


@bp.get("/graph")
def page():
    return render_template("graph.html", views=VIEWS)


@bp.get("/api/graph/facets")
def filter_values():
    return jsonify(facets(get_store()))


@bp.get("/api/graph/analytics")
def analytics():
    return jsonify(analyse(cooccurrence_graph(get_store(), _filters())))


@bp.get("/api/graph/<view>")
def graph_json(view: str):
    if view not in VIEWS:
        abort(404, f"no graph view '{view}' (views: {', '.join(VIEWS)})")
    g = build(get_store(), view, _filters())
    extra = {"analytics": analyse(g)} if view == "cooccurrence" else {}
    return jsonify({**cytoscape(g), **extra})
