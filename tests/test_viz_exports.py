"""Exports of the graph views: GraphML and GEXF re-read by networkx, node-link and Cytoscape.js
JSON, DOT, and the SVG/PNG figures, through the library and through `peerkg viz`."""

import io
import json
import re
import xml.etree.ElementTree as ET
from itertools import combinations

import networkx as nx
import pytest
from click.testing import CliRunner
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.legend import Legend

from peerkg.api.cli import cli
from peerkg.graph.viz import figures
from peerkg.graph.viz.exports import cytoscape, dot, export
from peerkg.graph.viz.layout import positions
from peerkg.graph.viz.style import DASHES, EDGE_KINDS, KINDS, OKABE_ITO, RECONSTRUCTION
from peerkg.graph.viz.views import VIEWS, Filters, build, theme_graph
from peerkg.queries import registry

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def graphs(loaded):
    return {view: build(loaded, view) for view in VIEWS}


@pytest.fixture(scope="module")
def labels(loaded):
    """The theme, category and code labels of `theme-structure`."""
    rows = registry()["theme-structure"].run(loaded).dicts()
    return {key: {str(r[key]) for r in rows} for key in ("theme", "category", "code")}


@pytest.mark.parametrize("fmt, read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
@pytest.mark.parametrize("view", VIEWS)
def test_graphml_and_gexf_reread_with_the_same_counts(graphs, view, fmt, read):
    g = graphs[view]
    back = read(io.BytesIO(export(g, fmt)))
    assert (back.number_of_nodes(), back.number_of_edges()) == (len(g), g.number_of_edges())


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_carry_labels_counts_and_breakdowns(graphs, labels, fmt):
    read = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    back = read(io.BytesIO(export(graphs["themes"], fmt)))
    nodes = {a["label"]: a for _, a in back.nodes(data=True)}
    for key in ("theme", "category", "code"):
        assert labels[key] <= set(nodes)
    london = nodes["Building new teams"]
    assert int(london["quotes"]) == 12 and int(london["site: London"]) == 8


def test_node_link_json_round_trips(graphs):
    data = json.loads(export(graphs["themes"], "json"))
    back = nx.node_link_graph(data, edges="edges")
    assert (len(back), back.number_of_edges()) == (len(graphs["themes"]),
                                                   graphs["themes"].number_of_edges())


def test_cytoscape_elements_shape(graphs, labels):
    data = cytoscape(graphs["themes"])
    assert set(data) == {"view", "filters", "elements", "quotes", "legend", "kinds"}
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    ids = {n["data"]["id"] for n in nodes}
    for node in nodes:
        assert {"id", "label", "kind", "quotes", "colour", "size", "text", "outline", "align",
                "kind_label", "path"} <= set(node["data"])
        assert set(node["position"]) == {"x", "y"} and node["classes"] == node["data"]["kind"]
    for edge in edges:
        assert {edge["data"]["source"], edge["data"]["target"]} <= ids
        assert edge["data"]["weight"] >= 1
        assert edge["data"]["dash"] in DASHES and edge["data"]["colour"].startswith("#")
    assert labels["theme"] <= {n["data"]["label"] for n in nodes}
    assert len(data["quotes"]) == 53
    quote = data["quotes"]["https://w3id.org/peerkg/id/gillard2013/quote/q01"]
    assert set(quote) == {"text", "attribution", "site", "stakeholder", "theme", "study", "path"}
    assert quote["path"] == "/id/gillard2013/quote/q01"


def test_cytoscape_carries_what_the_page_draws(graphs):
    """Label sides, entity paths, outlines, edge styles and the legend come from the server."""
    data = cytoscape(graphs["themes"])
    nodes = {n["data"]["label"]: n["data"] for n in data["elements"]["nodes"]}
    assert {d["align"] for d in nodes.values() if d["kind"] == "theme"} == {"left"}
    assert {d["align"] for d in nodes.values() if d["kind"] != "theme"} == {"right"}
    theme = nodes["Building new teams"]
    assert theme["path"] == "/id/gillard2013/theme/building-teams"
    assert theme["kind_label"] == "Theme" and theme["outline"] == "solid"
    assert nodes["Acceptance and equality in the team"]["outline"] == "dashed"  # a category
    assert nodes["Experience of a conflicted Peer Worker identity"]["outline"] == "solid"  # theirs
    dashed = {d["label"] for d in nodes.values() if d["outline"] == "dashed"}
    assert len(dashed) == 8 + 41
    legend = data["legend"]
    assert legend["outlines"] == [{"label": RECONSTRUCTION, "outline": "dashed"}]
    assert [c["label"] for c in legend["colours"]] == [
        "Theme", "Category", "Code", "Construct", "Work cited"]
    assert {e["label"]: e["dash"] for e in legend["edges"]}[EDGE_KINDS["theme-construct"].label] \
        == "dashed"
    assert [(k["plural"], k["count"]) for k in data["kinds"]][:3] == [
        ("themes", 5), ("categories", 8), ("codes", 43)]


@pytest.mark.parametrize("view", VIEWS)
def test_every_kind_drawn_has_one_style(graphs, view):
    g = graphs[view]
    assert {kind for _, kind in g.nodes(data="kind")} <= set(KINDS)
    assert {kind for *_, kind in g.edges(data="kind")} <= set(EDGE_KINDS)
    palette = set(OKABE_ITO.values())
    assert {k.colour for k in KINDS.values()} <= palette


def test_figure_marks_the_reconstruction_in_its_legend_and_outlines(graphs):
    data = export(graphs["themes"], "svg").decode()
    assert "project reconstruction" in " ".join(svg_texts(data.encode()))
    dash = ",".join(f"{x * 0.6:g}" for x in figures.NODE_DASH)  # matplotlib scales by width
    assert data.count(f"stroke-dasharray: {dash}") == 8 + 41 + 1  # nodes and the legend


def test_dot_names_every_node_and_edge(graphs, labels):
    text = dot(graphs["themes"])
    assert text.startswith('graph "themes" {') and text.rstrip().endswith("}")
    assert text.count(" -- ") == graphs["themes"].number_of_edges()
    for label in labels["theme"] | labels["code"]:
        assert f'"label"="{label}"' in text


def test_dot_escapes_quotes():
    g = nx.Graph(view="x", filters={}, quotes={})
    g.add_node('say "hi"\\', kind="code", label='"quoted"', quotes=0)
    assert '"say \\"hi\\"\\\\"' in dot(g) and '"label"="\\"quoted\\""' in dot(g)


def svg_texts(data: bytes) -> list[str]:
    return [" ".join("".join(t.itertext()).split()) for t in ET.fromstring(data).iter(SVG + "text")]


def test_svg_figure_names_every_theme_category_and_code_as_text(graphs, labels):
    data = export(graphs["themes"], "svg")
    joined = " ".join(svg_texts(data))  # a wrapped label's lines are consecutive text elements
    for key in ("theme", "category", "code"):
        for label in labels[key]:
            assert label in joined, label
    assert export(graphs["themes"], "svg") == data  # deterministic


PAGE_WIDTH = 6.7 * 72  # a journal page's text width (17 cm) in points


def font_sizes(data: bytes) -> list[float]:
    """The font size of every <text> of an SVG written with ``svg.fonttype: none``, in px,
    which matplotlib writes at 72 to the inch, so px = pt."""
    sizes = []
    for text in ET.fromstring(data).iter(SVG + "text"):
        style = text.get("style", "")
        match = (re.search(r"font-size:\s*([\d.]+)px", style)
                 or re.search(r"font:[^;]*?([\d.]+)px", style))
        assert match, style
        sizes.append(float(match[1]))
    return sizes


@pytest.mark.parametrize("view", VIEWS)
def test_figure_fits_a_journal_page_with_legible_text(graphs, view):
    data = export(graphs[view], "svg")
    root = ET.fromstring(data)
    width, height = (float(root.get(key).removesuffix("pt")) for key in ("width", "height"))
    assert width <= PAGE_WIDTH and height <= 9.1 * 72, (width / 72, height / 72)
    sizes = font_sizes(data)
    assert len(sizes) >= len(graphs[view]) and min(sizes) >= 6, min(sizes)


@pytest.mark.parametrize("view", VIEWS)
def test_figure_labels_do_not_overlap_and_stay_on_the_page(graphs, view):
    g = graphs[view]
    with rc_context(figures.RC):
        fig = figures._draw(g, positions(g))
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer, page, ax = canvas.get_renderer(), fig.bbox, fig.axes[0]
        texts = list(ax.texts)
        for legend in (a for a in ax.artists if isinstance(a, Legend)):
            texts += [legend.get_title(), *legend.get_texts()]
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    assert len(boxes) > len(g)  # every node's label, the legend and any column headings
    for text, box in boxes:
        assert (page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0
                and box.y1 <= page.y1), text
    if view == "cooccurrence":  # radial labels: their upright boxes overlap where the text
        boxes = boxes[len(g):]  # does not, so only the legend is checked
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        assert not box_a.overlaps(box_b), (a, b)


@pytest.mark.parametrize("view", VIEWS)
def test_figure_does_not_depend_on_the_order_nodes_and_edges_were_added(graphs, view):
    g = graphs[view]
    backwards = nx.Graph(**g.graph)
    backwards.add_nodes_from(reversed(list(g.nodes(data=True))))
    backwards.add_edges_from(reversed(list(g.edges(data=True))))
    assert export(backwards, "svg") == export(g, "svg")


def test_cooccurrence_and_constructs_figures(graphs):
    for view in ("cooccurrence", "constructs"):
        assert svg_texts(export(graphs[view], "svg"))
    assert export(graphs["constructs"], "png").startswith(b"\x89PNG")


def test_filtered_figure_has_only_the_filtered_themes(loaded, labels):
    g = theme_graph(loaded, Filters(construct="practice-boundaries"))
    joined = " ".join(svg_texts(export(g, "svg")))
    drawn = {t for t in labels["theme"] if t in joined}
    assert drawn == {a["label"] for _, a in g.nodes(data=True) if a["kind"] == "theme"}
    assert "Practice boundaries" in joined and "Role distinctiveness" not in joined


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory):
    location = str(tmp_path_factory.mktemp("viz") / "store")
    assert CliRunner().invoke(cli, ["--store", location, "init"]).exit_code == 0
    return location


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "cytoscape", "dot", "svg", "png"])
def test_cli_writes_every_format(cli_store, tmp_path, fmt):
    out = tmp_path / f"themes.{fmt}"
    result = CliRunner().invoke(cli, ["--store", cli_store, "viz", "themes", "--format", fmt,
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000


def test_cli_filters_and_format_from_suffix(cli_store, tmp_path):
    out = tmp_path / "codes.graphml"
    result = CliRunner().invoke(cli, ["--store", cli_store, "viz", "cooccurrence", "--site",
                                      "London", "--stakeholder", "peer-worker", "-o", str(out)])
    assert result.exit_code == 0, result.output
    g = nx.read_graphml(out)
    assert 0 < len(g) < 43
    assert all(not k.startswith("site: ") or k == "site: London"
               for _, a in g.nodes(data=True) for k in a)


def test_cli_user_errors_exit_2(cli_store, tmp_path):
    runner = CliRunner()
    bad = runner.invoke(cli, ["--store", cli_store, "viz", "themes", "--construct", "no such!"])
    assert bad.exit_code == 2 and "construct" in bad.output
    png = runner.invoke(cli, ["--store", cli_store, "viz", "themes", "--format", "png"])
    assert png.exit_code == 2 and "needs a file" in png.output
    suffix = runner.invoke(cli, ["--store", cli_store, "viz", "themes", "-o",
                                 str(tmp_path / "x.txt")])
    assert suffix.exit_code == 2
