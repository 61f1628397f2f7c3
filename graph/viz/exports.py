"""Writing the graph views (peerkg.graph.viz.views) in exchange formats.

* GraphML (http://graphml.graphdrawing.org/) and GEXF 1.2 (https://gexf.net/): for Gephi,
  Cytoscape desktop and yEd. These hold only scalar attributes, so the breakdowns are flattened:
  ``sites`` {"London": 3} becomes ``site: London`` = 3, ``stakeholders`` and ``themes`` likewise,
  and lists of quote IRIs become one space-separated string. The graph's quotes are left out.
* node-link JSON (networkx ``node_link_data``): everything, as nested JSON.
* Cytoscape.js elements JSON (https://js.cytoscape.org/#notation/elements-json):
  ``{"elements": {"nodes": [{"data": {...}, "position": {x, y}, "classes": kind}],
  "edges": [{"data": {"id", "source", "target", ...}}]}, "quotes": {...}, "view", "filters",
  "legend", "kinds"}``, with the deterministic positions of peerkg.graph.viz.layout and
  everything needed to draw it as the figures do, so a page only displays it: per node its
  ``colour``, ``outline`` (``dashed`` for the project's reconstruction), ``size`` (diameter),
  ``text`` (its label wrapped into lines), ``align`` (the side its label sits on), ``kind_label``
  and ``path`` (its entity page on this server); per edge its ``colour`` and ``dash``; per quote
  its ``path``; the ``legend`` (peerkg.graph.viz.style.legend) and the node ``kinds`` with their
  counts.
* DOT (Graphviz), written here: flattened attributes, nodes filled with their colour
  (peerkg.graph.viz.style).

:func:`export` picks one by name; :data:`FORMATS` lists them (the figures are in
peerkg.graph.viz.figures).
"""

import io
import json

import networkx as nx

from peerkg.graph.base.iris import page_path
from peerkg.graph.viz.layout import label_sides, node_diameter, positions, wrap
from peerkg.graph.viz.style import EDGE_KINDS, KINDS, kind_counts, legend, node_colour, outline

FLATTENED = {"sites": "site", "stakeholders": "stakeholder", "themes": "theme"}


def flat(g: nx.Graph) -> nx.Graph:
    """A copy of ``g`` with only scalar attributes (str, int, float, bool)."""
    out = nx.Graph(view=g.graph["view"],
                   **{f"filter: {k}": v for k, v in g.graph["filters"].items()})
    for n, attrs in g.nodes(data=True):
        out.add_node(n, **_scalars(attrs))
    for a, b, attrs in g.edges(data=True):
        out.add_edge(a, b, **_scalars(attrs))
    return out


def _scalars(attrs: dict) -> dict:
    out = {}
    for key, value in attrs.items():
        if isinstance(value, dict):
            out.update({f"{FLATTENED.get(key, key)}: {k}": v for k, v in sorted(value.items())})
        elif isinstance(value, list | tuple):
            out[key] = " ".join(map(str, value))
        elif value is not None:
            out[key] = value
    return out


def graphml(g: nx.Graph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(flat(g), buffer, encoding="utf-8")
    return buffer.getvalue()


def gexf(g: nx.Graph) -> bytes:
    buffer = io.BytesIO()
    nx.write_gexf(flat(g), buffer, encoding="utf-8")
    return buffer.getvalue()


def node_link(g: nx.Graph) -> dict:
    return nx.node_link_data(g, edges="edges")


def cytoscape(g: nx.Graph) -> dict:
    """The Cytoscape.js elements JSON of ``g`` (see the module docstring)."""
    pos = positions(g)
    sides = label_sides(g, pos)
    nodes = []
    for n, attrs in g.nodes(data=True):
        drawing = {"colour": node_colour(g, n), "outline": outline(g, n),
                   "text": wrap(attrs["label"], attrs["kind"]),
                   "size": round(node_diameter(attrs["quotes"]), 1), "align": sides[n],
                   "kind_label": KINDS[attrs["kind"]].singular, "path": page_path(attrs["iri"])}
        nodes.append({"data": {"id": n, **attrs, **drawing}, "classes": attrs["kind"],
                      "position": {"x": round(pos[n][0], 1), "y": round(pos[n][1], 1)}})
    edges = []
    for a, b, attrs in g.edges(data=True):
        style = EDGE_KINDS[attrs["kind"]]
        drawing = {"colour": style.colour, "dash": style.dash}
        edges.append({"data": {"id": f"{a} -- {b}", "source": a, "target": b, **attrs,
                               **drawing}, "classes": attrs["kind"]})
    return {"view": g.graph["view"], "filters": g.graph["filters"],
            "elements": {"nodes": nodes, "edges": edges},
            "quotes": {iri: {**quote, "path": page_path(iri)}
                       for iri, quote in g.graph["quotes"].items()},
            "legend": legend(g), "kinds": kind_counts(g)}


def dot(g: nx.Graph) -> str:
    """Graphviz DOT: an undirected graph, attributes flattened, nodes filled by kind."""
    f = flat(g)
    lines = [f"graph {_quote(g.graph['view'])} {{",
             "  node [style=filled, fontname=Helvetica, fontsize=10];"]
    for n, attrs in f.nodes(data=True):
        fill = {"fillcolor": node_colour(g, n)}
        lines.append(f"  {_quote(n)} [{_attributes({**attrs, **fill})}];")
    for a, b, attrs in f.edges(data=True):
        lines.append(f"  {_quote(a)} -- {_quote(b)} [{_attributes(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _attributes(attrs: dict) -> str:
    return ", ".join(f"{_quote(k)}={_quote(v)}" for k, v in attrs.items())


def _quote(value) -> str:
    """A DOT double-quoted string (https://graphviz.org/doc/info/lang.html)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


TEXT = {
    "graphml": graphml,
    "gexf": gexf,
    "json": lambda g: json.dumps(node_link(g), ensure_ascii=False, indent=1).encode(),
    "cytoscape": lambda g: json.dumps(cytoscape(g), ensure_ascii=False, indent=1).encode(),
    "dot": lambda g: dot(g).encode(),
}
FORMATS = (*TEXT, "svg", "png")


def export(g: nx.Graph, fmt: str) -> bytes:
    """``g`` written as ``fmt`` (one of :data:`FORMATS`); KeyError for another name."""
    if fmt in ("svg", "png"):
        from peerkg.graph.viz.figures import render

        return render(g, fmt)
    return TEXT[fmt](g)
