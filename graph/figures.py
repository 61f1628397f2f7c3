"""Publication figures of the graph views, drawn with matplotlib (no pyplot state).

:func:`render` draws a view at the positions of peerkg.graph.layout, one point of layout per
point on the page, so labels are set at their true size (7 pt) and cannot collide. Nodes are
coloured from the Okabe–Ito palette (peerkg.graph.palette) and their area is proportional to the
number of quotes; edge width grows with weight. A legend explains colours, sizes and edges. SVG
keeps text as text (``svg.fonttype: none``), so labels stay searchable and editable, and carries
no date, so the same graph gives the same file; PNG is 300 dpi.
"""

import io
import math

import networkx as nx
from matplotlib import rc_context
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from peerkg.graph.layout import (
    BOLD,
    FONT_SIZE,
    LAYERS,
    label_size,
    node_diameter,
    positions,
    wrap,
)
from peerkg.graph.palette import KIND_COLOURS, node_colour, theme_colour

DPI = 300
MARGIN = 18.0
LEGEND_WIDTH = 440.0
HEADINGS = {"theme": "Themes", "category": "Categories", "code": "Codes",
            "construct": "Constructs", "reference": "Works cited", "study": "Studies"}
SINGULAR = {"theme": "Theme", "category": "Category", "code": "Code", "construct": "Construct",
            "reference": "Work cited", "study": "Study"}
EDGE_STYLES = {  # kind -> (colour, line style, legend label)
    "theme-category": ("#7F7F7F", "solid", "theme, category, code (width: quotes)"),
    "category-code": ("#7F7F7F", "solid", "theme, category, code (width: quotes)"),
    "code-construct": ("#B07AA1", "solid", "code relates to construct"),
    "theme-construct": ("#E69F00", (0, (3, 2)), "theme discussed with construct"),
    "construct-reference": ("#0072B2", (0, (1, 1.5)), "construct cited to work"),
    "study-construct": ("#7F7F7F", "solid", "quotes bear on construct (width: quotes)"),
    "co-occurrence": ("#7F7F7F", "solid", "codes share quotes (width: quotes)"),
}
LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none",
             "alpha": 0.85}
RC = {"svg.fonttype": "none", "svg.hashsalt": "peerkg", "font.family": "DejaVu Sans",
      "font.size": FONT_SIZE, "path.simplify": False}


def render(g: nx.Graph, fmt: str) -> bytes:
    """``g`` drawn as ``svg`` or ``png``."""
    pos = positions(g)
    with rc_context(RC):
        fig = _draw(g, pos)
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def _draw(g: nx.Graph, pos: dict) -> Figure:
    circular = g.graph["view"] not in LAYERS
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    reach = _label_reach(g) if circular else 0.0
    left = min(xs) - reach - MARGIN - (0 if circular else _first_width(g, pos))
    right = max(xs) + reach + MARGIN + (0 if circular else _last_width(g, pos))
    top = min(ys) - reach - MARGIN - (0 if circular else 2 * FONT_SIZE + 6)
    groups = _legend_groups(g)
    legend_top = max(ys) + reach + MARGIN
    bottom = legend_top + _legend_height(groups)
    right = max(right, left + LEGEND_WIDTH)
    width, height = right - left, bottom - top
    fig = Figure(figsize=(width / 72, height / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_axis_off()
    _draw_edges(ax, g, pos)
    nodes = list(g)
    ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes],
               s=[node_diameter(g.nodes[n].get("quotes", 0)) ** 2 for n in nodes],
               c=[node_colour(g, n) for n in nodes], edgecolors="#333333", linewidths=0.4,
               zorder=3)
    if circular:
        _circle_labels(ax, g, pos)
    else:
        _column_labels(ax, g, pos, top)
    _legend(ax, groups, left + MARGIN, legend_top)
    return fig


def _draw_edges(ax, g: nx.Graph, pos: dict) -> None:
    for kind, (colour, style, _) in EDGE_STYLES.items():
        edges = [(a, b, w) for a, b, k, w in _edges(g) if k == kind]
        if not edges:
            continue
        segments = [_curve(pos[a], pos[b], kind == "theme-construct") for a, b, _ in edges]
        widths = [0.35 + 0.35 * min(w or 1, 8) for *_, w in edges]
        ax.add_collection(LineCollection(segments, colors=colour, linestyles=style,
                                         linewidths=widths, alpha=0.55, zorder=1))


def _edges(g: nx.Graph):
    for a, b, attrs in g.edges(data=True):
        yield a, b, attrs["kind"], attrs["weight"]


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


def _first_width(g: nx.Graph, pos: dict) -> float:
    first = min(pos.values())[0]
    return max(label_size(g, n)[0] for n in pos if pos[n][0] == first) * BOLD + 8


def _last_width(g: nx.Graph, pos: dict) -> float:
    last = max(pos.values())[0]
    return max(label_size(g, n)[0] for n in pos if pos[n][0] == last) + 8


def _column_labels(ax, g: nx.Graph, pos: dict, top: float) -> None:
    first = min(pos.values())[0]
    headed = set()
    for n, (x, y) in pos.items():
        attrs = g.nodes[n]
        offset = node_diameter(attrs.get("quotes", 0)) / 2 + 2.5
        left = x == first
        ax.text(x - offset if left else x + offset, y, wrap(attrs["label"], attrs["kind"]),
                ha="right" if left else "left", va="center", fontsize=FONT_SIZE,
                linespacing=1.05, zorder=4, fontweight="bold" if left else "normal",
                bbox=LABEL_BOX)
        if attrs["kind"] not in headed:
            headed.add(attrs["kind"])
            ax.text(x, top + MARGIN, HEADINGS[attrs["kind"]], ha="right" if left else "left",
                    va="top", fontsize=FONT_SIZE + 1.5, fontweight="bold",
                    color=KIND_COLOURS[attrs["kind"]] if attrs["kind"] != "theme" else "#000000")


def _label_reach(g: nx.Graph) -> float:
    return max((label_size(g, n)[0] for n in g), default=0.0) + 12


def _circle_labels(ax, g: nx.Graph, pos: dict) -> None:
    for n, (x, y) in pos.items():
        angle = math.degrees(math.atan2(y, x))
        flip = 90 < angle % 360 < 270
        r = math.hypot(x, y) or 1
        offset = node_diameter(g.nodes[n].get("quotes", 0)) / 2 + 3
        ax.text(x + offset * x / r, y + offset * y / r, wrap(g.nodes[n]["label"], "code"),
                rotation=-(angle + 180 if flip else angle), rotation_mode="anchor",
                ha="right" if flip else "left", va="center", fontsize=FONT_SIZE - 0.5,
                linespacing=1.05, zorder=4)


def _legend_groups(g: nx.Graph) -> list[tuple[str, list[Line2D], int, float]]:
    """(heading, handles, columns, row spacing in font sizes) of the colour key, the marker
    sizes and the edge kinds."""
    if g.graph["view"] == "cooccurrence":
        colours = [(wrap(t, "code"), theme_colour(g, t)) for t in g.graph["themes"]]
        title = "Dominant theme of the code"
    else:
        kinds = dict.fromkeys(k for _, k in g.nodes(data="kind"))
        colours = [(SINGULAR[k], KIND_COLOURS[k]) for k in kinds]
        title = "Node"
    colour_handles = [Line2D([], [], marker="o", linestyle="", markersize=6,
                             markerfacecolor=c, markeredgecolor="#333333",
                             markeredgewidth=0.4, label=label) for label, c in colours]
    counts = sorted({q for _, q in g.nodes(data="quotes") if q} | {1})
    sizes = sorted({counts[0], counts[len(counts) // 2], counts[-1]})
    size_handles = [Line2D([], [], marker="o", linestyle="", markersize=node_diameter(q),
                           markerfacecolor="#FFFFFF", markeredgecolor="#333333",
                           markeredgewidth=0.4, label=f"{q} quote{'s' if q > 1 else ''}")
                    for q in sizes]
    styles = {EDGE_STYLES[k][2]: EDGE_STYLES[k] for *_, k, _ in _edges(g)}
    edge_handles = [Line2D([], [], color=colour, linestyle=style, linewidth=1, label=label)
                    for colour, style, label in styles.values()]
    columns = 2 if len(colours) > 3 and max(len(label) for label, _ in colours) < 20 else 1
    spacing = max(0.3, node_diameter(sizes[-1]) / FONT_SIZE - 1.0)
    return [(title, colour_handles, columns, 0.3), ("Quotes", size_handles, 1, spacing),
            ("Edges", edge_handles, 1, 0.3)]


def _legend_height(groups: list) -> float:
    def height(handles, columns, spacing):
        rows = [h for h in handles[::columns]]
        lines = sum(h.get_label().count("\n") + 1 for h in rows)
        return (lines * 1.25 + len(rows) * spacing) * FONT_SIZE

    return 3 * FONT_SIZE + max(height(h, c, s) for _, h, c, s in groups) + MARGIN


def _legend(ax, groups: list, x: float, y: float) -> None:
    """The legend groups side by side, from (x, y) rightwards."""
    for heading, handles, columns, spacing in groups:
        legend = ax.legend(handles=handles, title=heading, loc="upper left",
                           bbox_to_anchor=(x, y), bbox_transform=ax.transData, frameon=False,
                           fontsize=FONT_SIZE, title_fontsize=FONT_SIZE + 0.5,
                           alignment="left", ncols=columns, handletextpad=0.6,
                           borderaxespad=0, columnspacing=1.0, labelspacing=spacing)
        ax.add_artist(legend)
        longest = max(len(line) for h in handles for line in h.get_label().split("\n"))
        x += (longest * FONT_SIZE * 0.55 + 24) * columns + 16
