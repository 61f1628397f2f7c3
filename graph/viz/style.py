"""How the graph views are drawn, in one table: the kinds of node (colour, singular and plural
name, column heading), the kinds of edge (colour, dash, legend label) and the outline that marks
the project's reconstruction. The figures (peerkg.graph.viz.figures) and the Cytoscape.js JSON
(peerkg.graph.viz.exports), and through it the web page, all draw from here, so a new kind is
added in one place.

Colours are the Okabe–Ito palette, which readers with any common form of colour-blindness can
tell apart (Okabe & Ito 2008, https://jfly.uni-koeln.de/color/). Nodes are coloured by kind,
except in the co-occurrence view, where codes take the colour of their dominant theme. A node the
project reconstructed (``reconstruction`` true: a code or category not named by the authors) has
a dashed outline; every other node a solid one.
"""

from dataclasses import dataclass

import networkx as nx

OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
             "reddish purple": "#CC79A7", "black": "#000000"}
GREY = "#7F7F7F"  # edges that only count quotes
OTHER = "#999999"  # a theme past the palette
INK = "#333333"  # node outlines


@dataclass(frozen=True)
class NodeKind:
    colour: str
    singular: str  # "Work cited": the legend and a node's details
    plural: str  # "works cited": counts on the page
    heading: str  # "Works cited": the column heading of the figures


@dataclass(frozen=True)
class EdgeKind:
    colour: str
    dash: str  # a key of DASHES
    label: str  # the legend's words (kinds with the same words share one legend entry)


KINDS = {  # in the order of the legend
    "theme": NodeKind(OKABE_ITO["orange"], "Theme", "themes", "Themes"),
    "category": NodeKind(OKABE_ITO["sky blue"], "Category", "categories", "Categories"),
    "code": NodeKind(OKABE_ITO["bluish green"], "Code", "codes", "Codes"),
    "construct": NodeKind(OKABE_ITO["reddish purple"], "Construct", "constructs", "Constructs"),
    "reference": NodeKind(OKABE_ITO["blue"], "Work cited", "works cited", "Works cited"),
    "study": NodeKind(OKABE_ITO["vermillion"], "Study", "studies", "Studies"),
}
THEME_COLOURS = tuple(OKABE_ITO[name] for name in (
    "orange", "sky blue", "bluish green", "reddish purple", "blue", "vermillion", "yellow"))
DASHES = {"solid": (), "dashed": (3.0, 2.0), "dotted": (1.0, 1.5)}  # on, off lengths in points
EDGE_KINDS = {
    "theme-category": EdgeKind(GREY, "solid", "theme, category, code (width: quotes)"),
    "category-code": EdgeKind(GREY, "solid", "theme, category, code (width: quotes)"),
    "code-construct": EdgeKind("#B07AA1", "solid", "code relates to construct*"),
    "theme-construct": EdgeKind(OKABE_ITO["orange"], "dashed", "theme discussed with construct*"),
    "construct-reference": EdgeKind(OKABE_ITO["blue"], "dotted", "construct cited to work*"),
    "study-construct": EdgeKind(GREY, "solid", "quotes bear on construct (width: quotes)"),
    "co-occurrence": EdgeKind(GREY, "solid", "codes share quotes (width: quotes)"),
}
READING_NOTE = "* the project's reading"  # for the edges marked *
RECONSTRUCTION = "project reconstruction (not the authors')"
OUTLINES = {False: "solid", True: "dashed"}  # by a node's ``reconstruction``
SIZE = "area: number of quotes"


def theme_colour(g: nx.Graph, theme: str | None) -> str:
    """The colour of ``theme`` in the order of ``g.graph['themes']`` (grey past the palette)."""
    themes = g.graph["themes"]
    index = themes.index(theme) if theme in themes else len(THEME_COLOURS)
    return THEME_COLOURS[index] if index < len(THEME_COLOURS) else OTHER


def node_colour(g: nx.Graph, n: str) -> str:
    """The fill colour of node ``n`` of view ``g``."""
    if g.graph["view"] == "cooccurrence":
        return theme_colour(g, g.nodes[n].get("theme"))
    kind = KINDS.get(g.nodes[n]["kind"])
    return kind.colour if kind else OTHER


def outline(g: nx.Graph, n: str) -> str:
    """The outline of node ``n``: dashed for the project's reconstruction, else solid."""
    return OUTLINES[bool(g.nodes[n].get("reconstruction"))]


def legend(g: nx.Graph) -> dict:
    """What view ``g``'s drawing means, for a legend: ``title`` and ``colours`` (label, colour)
    of the node colours, ``outlines`` (label, outline) when some node is the project's
    reconstruction, ``edges`` (label, colour, dash) of the edge kinds drawn, one entry per label,
    ``notes`` (what a * in an edge label means) and ``size``."""
    if g.graph["view"] == "cooccurrence":
        title = "Colour: the code's dominant theme"
        colours = [{"label": t, "colour": theme_colour(g, t)} for t in g.graph["themes"]]
    else:
        title = "Colour: kind"
        present = {kind for _, kind in g.nodes(data="kind")}
        colours = [{"label": kind.singular, "colour": kind.colour}
                   for name, kind in KINDS.items() if name in present]
    outlines = ([{"label": RECONSTRUCTION, "outline": OUTLINES[True]}]
                if any(r for _, r in g.nodes(data="reconstruction")) else [])
    drawn = {kind for *_, kind in g.edges(data="kind")}
    edges: dict[str, dict] = {}
    for name, kind in EDGE_KINDS.items():
        if name in drawn:
            edges.setdefault(kind.label, {"label": kind.label, "colour": kind.colour,
                                          "dash": kind.dash})
    notes = [READING_NOTE] if any(label.endswith("*") for label in edges) else []
    return {"title": title, "colours": colours, "outlines": outlines,
            "edges": list(edges.values()), "notes": notes, "size": SIZE}


def kind_counts(g: nx.Graph) -> list[dict]:
    """How many nodes of each kind ``g`` has, in the order of :data:`KINDS`: ``kind``,
    ``singular``, ``plural`` and ``count``."""
    counts: dict[str, int] = {}
    for _, kind in g.nodes(data="kind"):
        counts[kind] = counts.get(kind, 0) + 1
    return [{"kind": name, "singular": kind.singular, "plural": kind.plural,
             "count": counts[name]} for name, kind in KINDS.items() if name in counts]
