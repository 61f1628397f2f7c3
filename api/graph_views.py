"""The interactive theme graph: the page ``/graph`` and the JSON it draws from.

* ``GET /graph``: the page (Cytoscape.js, vendored under ``static/vendor/cytoscape``).
* ``GET /api/graph/themes|cooccurrence|constructs``: a view (peerkg.graph.viz.views) as Cytoscape.js
  elements JSON (peerkg.graph.viz.exports.cytoscape), which carries everything the page draws
  (colours, outlines, dashes, label sides, entity paths, the legend); the co-occurrence view also
  carries ``analytics`` (peerkg.graph.viz.analytics.analyse).
* ``GET /api/graph/<view>.svg`` and ``.png``: the same view as the publication figure
  (peerkg.graph.viz.figures.render, what ``peerkg viz --format svg|png`` writes), as a download.
* ``GET /api/graph/analytics``: the analytics of the code co-occurrence graph alone.
* ``GET /api/graph/facets``: the values each entity filter can take, for pickers.

Filters are query parameters, those of the filters table (peerkg.queries.filters, as for
``peerkg viz``). A filter value that names nothing or an unknown parameter answers 400 and an
unknown view 404, in the one JSON error shape of peerkg.api.errors.
"""

import networkx as nx
from flask import Blueprint, Response, abort, jsonify, render_template, request

from peerkg.api.store import get_store
from peerkg.graph.base.errors import InputError
from peerkg.graph.viz.analytics import analyse
from peerkg.graph.viz.exports import cytoscape
from peerkg.graph.viz.figures import MEDIA_TYPES, render
from peerkg.graph.viz.views import TITLES, VIEWS, Filters, build, cooccurrence_graph
from peerkg.queries.filters import ENTITY_FILTERS, FILTERS, filter_values

bp = Blueprint("graph_views", __name__)


def _filters() -> Filters:
    unknown = sorted(set(request.args) - set(FILTERS))
    if unknown:
        raise InputError(f"unknown parameter '{unknown[0]}' (filters: {', '.join(FILTERS)})")
    return Filters(**{k: request.args.get(k) or None for k in FILTERS})


@bp.get("/graph")
def page():
    return render_template("graph.html", views=TITLES,
                           filters=[FILTERS[name] for name in ENTITY_FILTERS])


@bp.get("/api/graph/facets")
def facets():
    return jsonify(filter_values(get_store()))


@bp.get("/api/graph/analytics")
def analytics():
    return jsonify(analyse(cooccurrence_graph(get_store(), _filters())))


def _view(view: str) -> nx.Graph:
    if view not in VIEWS:
        abort(404, f"no graph view '{view}' (views: {', '.join(VIEWS)})")
    return build(get_store(), view, _filters())


@bp.get("/api/graph/<view>")
def graph_json(view: str):
    g = _view(view)
    extra = {"analytics": analyse(g)} if view == "cooccurrence" else {}
    return jsonify({**cytoscape(g), **extra})


@bp.get("/api/graph/<view>.svg", defaults={"fmt": "svg"})
@bp.get("/api/graph/<view>.png", defaults={"fmt": "png"})
def graph_figure(view: str, fmt: str):
    """The view as the publication figure, downloaded as ``peerkg-<view>.<fmt>``."""
    body = render(_view(view), fmt)
    return Response(body, mimetype=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="peerkg-{view}.{fmt}"'})
