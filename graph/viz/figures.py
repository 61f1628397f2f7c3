"""Publication figures of the graph views, drawn with matplotlib (no pyplot state).

:func:`render` draws a view at the positions of peerkg.graph.viz.layout, one point of layout per
point on the page, so labels are set at their true size (7 pt; legend titles 7.5 pt, column
headings 8 pt) and cannot collide, and the figure's size is its size in print: the themes
figure of the bundled study is about 6.6 × 8.7 in, so it fits a journal page (17 cm text width)
without shrinking. Nodes are coloured from the Okabe–Ito palette (peerkg.graph.viz.style) and their
area is proportional to the number of quotes; edge width grows with weight. A legend explains
colours, sizes and edges. SVG keeps text as text (``svg.fonttype: none``), so labels stay
searchable and editable, and carries no date, and nodes and edges are drawn in a fixed order, so
the same graph gives the same file; PNG is 300 dpi. What is drawn how (colours, headings, edge
dashes, the dashed outline of the project's reconstruction, the legend's words) comes from
peerkg.graph.viz.style, which the web page's JSON uses too.
"""

import io
import math

import networkx as nx
from matplotlib import rc_context
from matplotlib.collections import CircleCollection, LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from peerkg.graph.viz.layout import (
    FONT_SIZE,
    LABEL_OFFSET,
    LAYERS,
    LINE,
    label_reach,
    label_sides,
    label_size,
    node_diameter,
    node_radius,
    positions,
    text_size,
    text_width,
    wrap,
)
from peerkg.graph.viz.style import DASHES, EDGE_KINDS, INK, KINDS, legend, node_colour, outline

MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}  # the formats render writes
DPI = 300
MARGIN = 6.0
HEADING_SIZE = FONT_SIZE + 1
TITLE_SIZE = FONT_SIZE + 0.5
NODE_DASH = (2.0, 1.2)  # the dashed outline, in points: short enough to show on a small node
LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none",
             "alpha": 0.85}
RC = {"svg.fonttype": "none", "svg.hashsalt": "peerkg", "font.family": "DejaVu Sans",
      "font.size": FONT_SIZE, "path.simplify": False}
LEGEND = {"handlelength": 2.0, "handletextpad": 0.6, "columnspacing": 1.0}  # in font sizes
LEGEND_GAP = 14.0  # between the legend's groups


def render(g: nx.Graph, fmt: str) -> bytes:
    """``g`` drawn as ``svg`` or ``png`` (a key of :data:`MEDIA_TYPES`)."""
    pos = positions(g)
    with rc_context(RC):
        fig = _draw(g, pos)
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def _draw(g: nx.Graph, pos: dict) -> Figure:
    circular = g.graph["view"] not in LAYERS
    left, right, top, bottom = _circle_bounds(g, pos) if circular else _column_bounds(g, pos)
    groups = _legend_groups(g)
    legend_top = bottom + MARGIN
    left -= MARGIN
    right = max(right, left + MARGIN + _legend_width(groups)) + MARGIN
    top -= MARGIN
    bottom = legend_top + _legend_height(groups) + MARGIN
    fig = Figure(figsize=((right - left) / 72, (bottom - top) / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_axis_off()
    _draw_edges(ax, g, pos)
    nodes = sorted(g)
    ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes],
               s=[node_diameter(g.nodes[n].get("quotes", 0)) ** 2 for n in nodes],
               c=[node_colour(g, n) for n in nodes], edgecolors=INK,
               linewidths=[_outline_width(g, n) for n in nodes],
               linestyles=[_line_style(outline(g, n), NODE_DASH) for n in nodes], zorder=3)
    if circular:
        _circle_labels(ax, g, pos)
    else:
        _column_labels(ax, g, pos)
    _legend(ax, groups, left + MARGIN, legend_top)
    return fig


def _line_style(dash: str, pattern: tuple[float, float] | None = None):
    """A matplotlib line style for a dash name of :data:`~peerkg.graph.viz.style.DASHES`."""
    on_off = DASHES[dash] if pattern is None or dash == "solid" else pattern
    return (0, on_off) if on_off else "solid"


def _outline_width(g: nx.Graph, n: str) -> float:
    return 0.6 if g.nodes[n].get("reconstruction") else 0.4


def _draw_edges(ax, g: nx.Graph, pos: dict) -> None:
    for kind, style in EDGE_KINDS.items():
        edges = [(a, b, w) for a, b, k, w in _edges(g) if k == kind]
        if not edges:
            continue
        segments = [_curve(pos[a], pos[b], kind == "theme-construct") for a, b, _ in edges]
        widths = [0.35 + 0.35 * min(w or 1, 8) for *_, w in edges]
        ax.add_collection(LineCollection(segments, colors=style.colour,
                                         linestyles=_line_style(style.dash),
                                         linewidths=widths, alpha=0.55, zorder=1))


def _edges(g: nx.Graph):
    """The edges as (a, b, kind, weight) in a fixed order (not the order they were added in)."""
    edges = sorted((min(a, b), max(a, b), attrs["kind"], attrs["weight"])
                   for a, b, attrs in g.edges(data=True))
    yield from edges


def _curve(p: tuple, q: tuple, bend: bool, steps: int = 24) -> list[tuple[float, float]]:
    """A smooth S-curve from p to q (horizontal tangents at both ends), or a straight line;
    theme-construct edges (``bend``) arch above the columns they pass."""
    if p[0] == q[0] and not bend:
        return [p, q]
    (x0, y0), (x1, y1) = sorted((p, q))
    points = []
    for i in range(steps + 1):
        t = i / steps
        s = t * t * (3 - 2 * t)
        arch = -40 * math.sin(math.pi * t) if bend else 0.0
        points.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * s + arch))
    return points


def _column_bounds(g: nx.Graph, pos: dict) -> tuple[float, float, float, float]:
    """(left, right, top, bottom) of the columns, their labels and their headings."""
    if not pos:
        return 0.0, 0.0, 0.0, 0.0
    left_labels = {n for n, side in label_sides(g, pos).items() if side == "left"}
    left = min(x - (label_reach(g, n, bold=True) if n in left_labels else node_radius(g, n))
               for n, (x, _) in pos.items())
    right = max(x + (node_radius(g, n) if n in left_labels else label_reach(g, n, bold=False))
                for n, (x, _) in pos.items())
    for n, (x, _) in pos.items():
        if n not in left_labels:
            heading = KINDS[g.nodes[n]["kind"]].heading
            right = max(right, x + text_width(heading, HEADING_SIZE, True))
    top = min(y - _extent(g, n) for n, (_, y) in pos.items()) - 1.3 * HEADING_SIZE - 4
    bottom = max(y + _extent(g, n) for n, (_, y) in pos.items())
    return left, right, top, bottom


def _extent(g: nx.Graph, n: str) -> float:
    """Half the height node ``n`` and its label take up."""
    return max(node_radius(g, n), label_size(g, n)[1] / 2 + 0.1 * FONT_SIZE)


def _column_labels(ax, g: nx.Graph, pos: dict) -> None:
    sides = label_sides(g, pos)
    top = min(y - _extent(g, n) for n, (_, y) in pos.items()) - 4
    headed = set()
    for n, (x, y) in pos.items():
        attrs = g.nodes[n]
        offset = node_radius(g, n) + LABEL_OFFSET
        left = sides[n] == "left"
        ax.text(x - offset if left else x + offset, y, wrap(attrs["label"], attrs["kind"]),
                ha="right" if left else "left", va="center", fontsize=FONT_SIZE,
                linespacing=LINE, zorder=4, fontweight="bold" if left else "normal",
                bbox=LABEL_BOX)
        if attrs["kind"] not in headed:
            headed.add(attrs["kind"])
            kind = KINDS[attrs["kind"]]
            ax.text(x, top, kind.heading, ha="right" if left else "left",
                    va="bottom", fontsize=HEADING_SIZE, fontweight="bold",
                    color=kind.colour if attrs["kind"] != "theme" else "#000000")


def _circle_offset(g: nx.Graph, n: str) -> float:
    return node_radius(g, n) + LABEL_OFFSET


def _circle_bounds(g: nx.Graph, pos: dict) -> tuple[float, float, float, float]:
    """(left, right, top, bottom) of the circle and its radial labels."""
    xs, ys = [0.0], [0.0]
    for n, (x, y) in pos.items():
        r = math.hypot(x, y) or 1
        ux, uy = x / r, y / r
        width, height = text_size(g.nodes[n]["label"], "circle")
        for along in (r - node_radius(g, n), r + _circle_offset(g, n) + width + 0.1 * FONT_SIZE):
            for side in (-1, 1):
                half = side * (height / 2 + 0.1 * FONT_SIZE)
                xs.append(ux * along - uy * half)
                ys.append(uy * along + ux * half)
    return min(xs), max(xs), min(ys), max(ys)


def _circle_labels(ax, g: nx.Graph, pos: dict) -> None:
    sides = label_sides(g, pos)
    for n, (x, y) in pos.items():
        angle = math.degrees(math.atan2(y, x))
        flip = sides[n] == "left"  # the left half: turned to read left to right
        r = math.hypot(x, y) or 1
        offset = _circle_offset(g, n)
        ax.text(x + offset * x / r, y + offset * y / r, wrap(g.nodes[n]["label"], "circle"),
                rotation=-(angle + 180 if flip else angle), rotation_mode="anchor",
                ha="right" if flip else "left", va="center", fontsize=FONT_SIZE,
                linespacing=LINE, zorder=4)


def _legend_groups(g: nx.Graph) -> list[tuple[str, list, int, float, float]]:
    """(heading, handles, columns, row spacing and handle length in font sizes) of the colour
    key (with the outline of the project's reconstruction), the marker sizes and the edge kinds,
    in the words of :func:`peerkg.graph.viz.style.legend`."""
    key = legend(g)
    circular = g.graph["view"] == "cooccurrence"
    title = "Dominant theme of the code" if circular else "Node"
    colour_handles = [Line2D([], [], marker="o", linestyle="", markersize=6,
                             markerfacecolor=c["colour"], markeredgecolor=INK,
                             markeredgewidth=0.4,
                             label=wrap(c["label"], "circle") if circular else c["label"])
                      for c in key["colours"]]
    outline_handles = [CircleCollection([36], facecolors="#FFFFFF", edgecolors=INK,
                                        linewidths=0.6,
                                        linestyles=[_line_style(o["outline"], NODE_DASH)],
                                        label=wrap(o["label"], "legend"))
                       for o in key["outlines"]]
    counts = sorted({q for _, q in g.nodes(data="quotes") if q} | {1})
    sizes = sorted({counts[0], counts[len(counts) // 2], counts[-1]})
    size_handles = [Line2D([], [], marker="o", linestyle="", markersize=node_diameter(q),
                           markerfacecolor="#FFFFFF", markeredgecolor=INK,
                           markeredgewidth=0.4, label=f"{q} quote{'s' if q > 1 else ''}")
                    for q in sizes]
    edge_handles = [Line2D([], [], color=e["colour"], linestyle=_line_style(e["dash"]),
                           linewidth=1, label=e["label"]) for e in key["edges"]]
    edge_handles += [Line2D([], [], linestyle="", label=note) for note in key["notes"]]
    labels = [h.get_label() for h in colour_handles]
    columns = 2 if len(labels) > 3 and max(len(label) for label in labels) < 20 else 1
    biggest = node_diameter(sizes[-1])
    spacing = max(0.3, biggest / FONT_SIZE - 1.0)
    marker_length = max(LEGEND["handlelength"], (biggest + 2) / FONT_SIZE)
    groups = [(title, colour_handles, columns, 0.3, LEGEND["handlelength"])]
    if outline_handles:
        groups.append(("Outline", outline_handles, 1, 0.3, LEGEND["handlelength"]))
    return groups + [("Quotes", size_handles, 1, spacing, marker_length),
                     ("Edges", edge_handles, 1, 0.3, LEGEND["handlelength"])]


def _group_width(heading: str, handles: list, columns: int, handle_length: float) -> float:
    widest = max(text_width(line) for h in handles for line in h.get_label().split("\n"))
    column = (handle_length + LEGEND["handletextpad"]) * FONT_SIZE + widest
    entries = columns * column + (columns - 1) * LEGEND["columnspacing"] * FONT_SIZE
    return max(text_width(heading, TITLE_SIZE), entries)


def _legend_width(groups: list) -> float:
    return (sum(_group_width(h, hs, c, length) for h, hs, c, _, length in groups)
            + LEGEND_GAP * (len(groups) - 1))


def _legend_height(groups: list) -> float:
    def height(handles, columns, spacing):
        rows = [h for h in handles[::columns]]
        lines = sum(h.get_label().count("\n") + 1 for h in rows)
        return (lines * 1.25 + len(rows) * spacing) * FONT_SIZE

    return 1.6 * TITLE_SIZE + max(height(h, c, s) for _, h, c, s, _ in groups)


def _legend(ax, groups: list, x: float, y: float) -> None:
    """The legend groups side by side, from (x, y) rightwards."""
    for heading, handles, columns, spacing, length in groups:
        legend = ax.legend(handles=handles, title=heading, loc="upper left",
                           bbox_to_anchor=(x, y), bbox_transform=ax.transData, frameon=False,
                           fontsize=FONT_SIZE, title_fontsize=TITLE_SIZE, alignment="left",
                           ncols=columns, handletextpad=LEGEND["handletextpad"],
                           handlelength=length, borderaxespad=0, borderpad=0,
                           columnspacing=LEGEND["columnspacing"], labelspacing=spacing)
        ax.add_artist(legend)
        x += _group_width(heading, handles, columns, length) + LEGEND_GAP
