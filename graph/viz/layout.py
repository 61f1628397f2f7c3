"""Deterministic layouts of the graph views, shared by the static figures and the web page.

Positions are in points (1/72 inch), with y growing downwards (as on screens), sized so that
labels of :data:`FONT_SIZE` set beside the nodes do not collide. Label widths are measured in
DejaVu Sans (the figures' font, shipped with matplotlib), and labels are wrapped to a width in
points that depends on the kind of node (:data:`WRAP`), so the themes figure fits a journal page
(at most 6.7 in wide) with its text at full size. The same graph always gets the same positions:
there is no randomness.

* ``themes`` and ``constructs`` views: a layered layout, one column per node kind (see
  :data:`LAYERS`); the first column's labels sit left of their nodes, in bold, the others' to the
  right. Themes keep the study's order and studies their label order; every other node is placed
  at the mean height of its neighbours in earlier columns (the barycentre heuristic), which keeps
  crossings few. Each node gets height in proportion to its label's lines, and each column is as
  wide as its widest label, with :data:`GAP` points between a label and the next column's nodes.
* ``cooccurrence``: a circle, codes grouped by dominant theme in the study's order, so the edges
  that leave a theme's arc stand out; each code gets an arc in proportion to its label's lines.
"""

import functools
import math

import networkx as nx

FONT_SIZE = 7.0
LINE = 1.05  # line height of a wrapped label, in font sizes (the figures' linespacing)
WRAP = {"theme": 55.0, "study": 90.0, "category": 50.0, "code": 140.0, "construct": 50.0,
        "reference": 56.0, "circle": 90.0, "legend": 80.0}  # widest line in points, by kind
WRAP_DEFAULT = 90.0
BOLD_KINDS = ("theme", "study")  # the first columns, whose labels are bold
LAYERS = {
    "themes": ("theme", "category", "code", "construct", "reference"),
    "constructs": ("study", "construct"),
}
LABEL_OFFSET = 2.5  # from a node's edge to its label
LABEL_PAD = 2.0  # between the labels of neighbouring nodes in a column
GAP = 11.0  # from the end of a column's widest label to the next column's nodes
MIN_RADIUS = 110.0


@functools.lru_cache(maxsize=4096)
def text_width(line: str, font_size: float = FONT_SIZE, bold: bool = False) -> float:
    """The advance width in points of one line of DejaVu Sans."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    font = FontProperties(family="DejaVu Sans", size=font_size,
                          weight="bold" if bold else "normal")
    return text_to_path.get_text_width_height_descent(line, font, ismath=False)[0]


def _lines(words: list[str], limit: float, bold: bool) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and text_width(f"{lines[-1]} {word}", bold=bold) <= limit:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


@functools.lru_cache(maxsize=4096)
def wrap(label: str, kind: str = "") -> str:
    """``label`` broken into as few lines as fit the width :data:`WRAP` allows for ``kind``
    (a word longer than that gets a line of its own), then evened out: the lines are made as
    narrow as they can be without adding one."""
    words = label.split()
    if not words:
        return label
    bold = kind in BOLD_KINDS
    lines = _lines(words, WRAP.get(kind, WRAP_DEFAULT), bold)
    low = max(text_width(word, bold=bold) for word in words)
    high = max(text_width(line, bold=bold) for line in lines)
    while high - low > 0.5:  # the narrowest limit that keeps the number of lines
        mid = (low + high) / 2
        if len(_lines(words, mid, bold)) <= len(lines):
            high = mid
        else:
            low = mid
    return "\n".join(_lines(words, high, bold))


def text_size(label: str, kind: str = "", bold: bool | None = None) -> tuple[float, float]:
    """The width and height in points of ``wrap(label, kind)`` at :data:`FONT_SIZE` (bold for
    the first columns' kinds unless ``bold`` says otherwise)."""
    lines = wrap(label, kind).split("\n")
    bold = kind in BOLD_KINDS if bold is None else bold
    return max(text_width(line, bold=bold) for line in lines), len(lines) * FONT_SIZE * LINE


def label_size(g: nx.Graph, n: str, bold: bool | None = None) -> tuple[float, float]:
    """:func:`text_size` of node ``n``'s label."""
    return text_size(g.nodes[n]["label"], g.nodes[n]["kind"], bold)


def node_diameter(quotes: int) -> float:
    """A node's diameter in points: area proportional to its quotes, 3 pt for none."""
    return 3.0 + 2.6 * math.sqrt(quotes)


def node_radius(g: nx.Graph, n: str) -> float:
    """Node ``n``'s radius in points (:func:`node_diameter` of its quotes, halved)."""
    return node_diameter(g.nodes[n].get("quotes", 0)) / 2


def label_reach(g: nx.Graph, n: str, bold: bool | None = None) -> float:
    """How far node ``n``'s label reaches from its centre, in points (text box included)."""
    return node_radius(g, n) + LABEL_OFFSET + label_size(g, n, bold)[0] + 0.1 * FONT_SIZE


def label_sides(g: nx.Graph, pos: dict[str, tuple[float, float]]) -> dict[str, str]:
    """Which side of its node each label sits: ``left`` for the first column of a layered view
    (its labels are bold) and the left half of the circle, ``right`` for the rest."""
    if not pos:
        return {}
    if g.graph["view"] in LAYERS:
        first = min(x for x, _ in pos.values())
        return {n: "left" if x == first else "right" for n, (x, _) in pos.items()}
    return {n: "left" if x < 0 else "right" for n, (x, _) in pos.items()}


def positions(g: nx.Graph) -> dict[str, tuple[float, float]]:
    """Node -> (x, y) in points for the view ``g.graph['view']``."""
    if g.graph["view"] in LAYERS:
        return layered(g, LAYERS[g.graph["view"]])
    return circle(g)


def layered(g: nx.Graph, kinds: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """One column per kind in ``kinds`` (kinds with no nodes take no room). The first column's
    labels start at x = 0; the columns fill y = 0 to the height of the tallest."""
    columns = [sorted(n for n, k in g.nodes(data="kind") if k == kind) for kind in kinds]
    columns = [c for c in columns if c]
    if not columns:
        return {}
    pitch = {n: label_size(g, n)[1] + LABEL_PAD for n in g}
    height = max(sum(pitch[n] for n in column) for column in columns)
    pos: dict[str, tuple[float, float]] = {}
    x = max(label_reach(g, n, bold=True) for n in columns[0])
    for i, column in enumerate(columns):
        if i == 0:
            column.sort(key=lambda n: (g.nodes[n].get("order", 0), g.nodes[n]["label"]))
        else:
            column.sort(key=lambda n: (_barycentre(g, n, pos), g.nodes[n]["label"]))
            before = columns[i - 1]
            x += (max(label_reach(g, n, bold=False) for n in before) if i > 1
                  else max(node_radius(g, n) for n in before))
            x += GAP + max(node_radius(g, n) for n in column)
        scale = height / sum(pitch[n] for n in column)
        y = 0.0
        for n in column:
            pos[n] = (x, (y + pitch[n] / 2) * scale)
            y += pitch[n]
    return pos


def _barycentre(g: nx.Graph, n: str, placed: dict) -> float:
    """The weighted mean height of ``n``'s neighbours already placed (0 if none)."""
    pairs = [(placed[m][1], g.edges[n, m].get("weight", 1) or 1)
             for m in sorted(g[n]) if m in placed]
    total = sum(w for _, w in pairs)
    return sum(y * w for y, w in pairs) / total if total else 0.0


def circle(g: nx.Graph) -> dict[str, tuple[float, float]]:
    """Nodes on a circle, grouped by ``theme`` (in the order of ``g.graph['themes']``), then
    label, clockwise from the top; each takes an arc in proportion to its label's height (labels
    wrapped as :data:`WRAP` says for ``circle``), so neighbouring labels do not touch."""
    themes = {t: i for i, t in enumerate(g.graph["themes"])}
    order = sorted(g, key=lambda n: (themes.get(g.nodes[n].get("theme"), len(themes)),
                                     g.nodes[n]["label"]))
    pitch = [text_size(g.nodes[n]["label"], "circle")[1] + LABEL_PAD for n in order]
    total = sum(pitch) or 1.0
    radius = max(MIN_RADIUS, total / (2 * math.pi))
    pos, along = {}, 0.0
    for n, p in zip(order, pitch, strict=True):
        angle = 2 * math.pi * (along + p / 2) / total - math.pi / 2
        pos[n] = (radius * math.cos(angle), radius * math.sin(angle))
        along += p
    return pos
