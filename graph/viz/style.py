"""Colours of the graph views: the Okabe–Ito palette, which readers with any common form of
colour-blindness can tell apart (Okabe & Ito 2008, https://jfly.uni-koeln.de/color/).

Nodes are coloured by kind, except in the co-occurrence view, where codes take the colour of
their dominant theme. The static figures and the web page use the same colours.
"""

import networkx as nx

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000")
KIND_COLOURS = {
    "theme": "#E69F00",
    "category": "#56B4E9",
    "code": "#009E73",
    "construct": "#CC79A7",
    "reference": "#0072B2",
    "study": "#D55E00",
}
THEME_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#F0E442")
OTHER = "#999999"


def theme_colour(g: nx.Graph, theme: str | None) -> str:
    """The colour of ``theme`` in the order of ``g.graph['themes']`` (grey past the palette)."""
    themes = g.graph["themes"]
    index = themes.index(theme) if theme in themes else len(THEME_COLOURS)
    return THEME_COLOURS[index] if index < len(THEME_COLOURS) else OTHER


def node_colour(g: nx.Graph, n: str) -> str:
    """The fill colour of node ``n`` of view ``g``."""
    if g.graph["view"] == "cooccurrence":
        return theme_colour(g, g.nodes[n].get("theme"))
    return KIND_COLOURS.get(g.nodes[n]["kind"], OTHER)
