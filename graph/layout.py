"""Deterministic layouts of the graph views, shared by the static figures and the web page.

Positions are in points (1/72 inch), with y growing downwards (as on screens), sized so that
labels of :data:`FONT_SIZE` set beside the nodes do not collide. The same graph always gets the
same positions: there is no randomness.

* ``themes`` and ``constructs`` views: a layered layout, one column per node kind (see
  :data:`LAYERS`); the first column's labels sit left of their nodes, the others' to the right.
  Themes keep the study's order and studies their label order; every other node is placed at the
  mean height of its neighbours in earlier columns (the barycentre heuristic), which keeps
  crossings few. Each node gets height in proportion to its label's lines.
* ``cooccurrence``: a circle, codes grouped by dominant theme in the study's order, so the edges
  that leave a theme's arc stand out.
"""

import math
import textwrap

import networkx as nx

FONT_SIZE = 6.5
WRAP = {"code": 44, "construct": 22, "reference": 26}  # characters per line, by kind
WRAP_DEFAULT = 24
LAYERS = {
    "themes": ("theme", "category", "code", "construct", "reference"),
    "constructs": ("study", "construct"),
}
CHAR_WIDTH = 0.52  # of the font size: a generous mean advance for sans-serif text
GAP = 20.0
BOLD = 1.12  # first-column labels are bold


def wrap(label: str, kind: str = "") -> str:
    """``label`` broken into lines no longer than :data:`WRAP` allows for ``kind``."""
    return "\n".join(textwrap.wrap(label, WRAP.get(kind, WRAP_DEFAULT))) or label


def text_size(label: str, kind: str = "", font_size: float = FONT_SIZE) -> tuple[float, float]:
    """The estimated width and height in points of ``wrap(label, kind)`` at ``font_size``."""
    lines = wrap(label, kind).split("\n")
    return max(len(line) for line in lines) * CHAR_WIDTH * font_size, len(lines) * font_size * 1.2


def label_size(g: nx.Graph, n: str) -> tuple[float, float]:
    """:func:`text_size` of node ``n``'s label."""
    return text_size(g.nodes[n]["label"], g.nodes[n]["kind"])


def node_diameter(quotes: int) -> float:
    """A node's diameter in points: area proportional to its quotes, 3 pt for none."""
    return 3.0 + 2.6 * math.sqrt(quotes)


def positions(g: nx.Graph) -> dict[str, tuple[float, float]]:
    """Node -> (x, y) in points for the view ``g.graph['view']``."""
    if g.graph["view"] in LAYERS:
        return layered(g, LAYERS[g.graph["view"]])
    return circle(g)


def layered(g: nx.Graph, kinds: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """One column per kind in ``kinds`` (kinds with no nodes take no room)."""
    columns = [[n for n, k in g.nodes(data="kind") if k == kind] for kind in kinds]
    columns = [c for c in columns if c]
    if not columns:
        return {}
    pitch = {n: label_size(g, n)[1] + 2.5 for n in g}
    height = max(sum(pitch[n] for n in column) for column in columns)
    widths = [max(label_size(g, n)[0] for n in column) for column in columns]
    widths[0] *= BOLD
    pos: dict[str, tuple[float, float]] = {}
    x = widths[0] + 8
    for i, column in enumerate(columns):
        if i == 0:
            column.sort(key=lambda n: (g.nodes[n].get("order", 0), g.nodes[n]["label"]))
        else:
            column.sort(key=lambda n: (_barycentre(g, n, pos), g.nodes[n]["label"]))
            x += (widths[i - 1] if i > 1 else 0) + GAP + 8
        scale = height / sum(pitch[n] for n in column)
        y = 0.0
        for n in column:
            pos[n] = (x, (y + pitch[n] / 2) * scale)
            y += pitch[n]
    return pos


def _barycentre(g: nx.Graph, n: str, placed: dict) -> float:
    """The weighted mean height of ``n``'s neighbours already placed (0 if none)."""
    pairs = [(placed[m][1], g.edges[n, m].get("weight", 1) or 1) for m in g[n] if m in placed]
    total = sum(w for _, w in pairs)
    return sum(y * w for y, w in pairs) / total if total else 0.0


def circle(g: nx.Graph) -> dict[str, tuple[float, float]]:
    """Nodes on a circle, grouped by ``theme`` (in the order of ``g.graph['themes']``), then
    label."""
    themes = {t: i for i, t in enumerate(g.graph["themes"])}
    order = sorted(g, key=lambda n: (themes.get(g.nodes[n].get("theme"), len(themes)),
                                     g.nodes[n]["label"]))
    radius = max(120.0, sum(label_size(g, n)[1] + 2 for n in order) / (2 * math.pi))
    return {n: (radius * math.cos(2 * math.pi * i / len(order) - math.pi / 2),
                radius * math.sin(2 * math.pi * i / len(order) - math.pi / 2))
            for i, n in enumerate(order)}
