"""The networkx views against the bundled study: their counts agree with the named queries
`theme-structure` and `quotes`, filters narrow them, and the analytics are sound."""

from collections import Counter, defaultdict

import pytest

from peerkg.graph.base.errors import InputError
from peerkg.graph.viz.analytics import adjusted_rand_index, analyse, normalised_mutual_information
from peerkg.graph.viz.layout import positions
from peerkg.graph.viz.views import (
    Filters,
    construct_graph,
    cooccurrence_graph,
    short_reference,
    theme_graph,
)
from peerkg.queries import registry


@pytest.fixture(scope="module")
def structure(loaded):
    return registry()["theme-structure"].run(loaded).dicts()


@pytest.fixture(scope="module")
def quotes(loaded):
    return registry()["quotes"].run(loaded).dicts()


@pytest.fixture(scope="module")
def themes(loaded):
    return theme_graph(loaded)


def of_kind(g, kind):
    return {attrs["label"]: attrs for _, attrs in g.nodes(data=True) if attrs["kind"] == kind}


def test_theme_nodes_count_the_quotes_of_the_quotes_query(themes, quotes):
    expected = Counter(str(r["theme"]) for r in quotes)
    assert {label: a["quotes"] for label, a in of_kind(themes, "theme").items()} == expected
    assert len(expected) == 5 and sum(expected.values()) == 53


def test_breakdowns_by_site_and_stakeholder_match_the_quotes_query(themes, quotes):
    for label, attrs in of_kind(themes, "theme").items():
        rows = [r for r in quotes if str(r["theme"]) == label]
        assert attrs["sites"] == Counter(str(r["site"]) for r in rows)
        assert attrs["stakeholders"] == Counter(str(r["stakeholder"]) for r in rows)


def test_categories_and_codes_match_theme_structure(themes, structure):
    code_quotes = defaultdict(int)
    for r in structure:
        code_quotes[str(r["code"])] += int(r["quotes"])  # a quote sits under one theme
    codes = of_kind(themes, "code")
    assert {label: a["quotes"] for label, a in codes.items()} == code_quotes
    assert len(codes) == 43
    assert set(of_kind(themes, "category")) == {str(r["category"]) for r in structure}
    assert len(of_kind(themes, "category")) == 8


def test_theme_category_edges_are_the_pairs_of_theme_structure(themes, structure):
    pairs = {(str(r["theme"]), str(r["category"])) for r in structure}
    edges = {(themes.nodes[a]["label"], themes.nodes[b]["label"])
             for a, b, kind in themes.edges(data="kind") if kind == "theme-category"}
    assert edges == pairs


def test_constructs_and_references_come_from_codes_and_literature_links(loaded, themes):
    constructs = of_kind(themes, "construct")
    related = {str(r["construct_label"]) for r in registry()["graph-construct-links"].run(loaded)
               .dicts() if str(r["via"]) == "code"}
    assert related <= set(constructs)
    assert of_kind(themes, "reference")
    cited = {str(r["construct"]) for r in registry()["construct-literature"].run(loaded).dicts()}
    linked = {themes.nodes[a]["label"] for a, b, kind in themes.edges(data="kind")
              if kind == "construct-reference"}
    assert linked == cited & set(constructs)


def test_a_site_filter_keeps_only_that_sites_quotes(loaded, quotes):
    g = theme_graph(loaded, Filters(site="north"))
    assert set(g.graph["quotes"]) == {str(r["quote"]) for r in quotes if str(r["site"]) == "North"}
    assert all(set(a["sites"]) <= {"North"} for _, a in g.nodes(data=True))
    assert g.graph["filters"] == {"site": "north"}


def test_a_construct_filter_keeps_that_construct_and_the_quotes_bearing_on_it(loaded):
    g = theme_graph(loaded, Filters(construct="role-distinctiveness"))
    assert list(of_kind(g, "construct")) == ["Role distinctiveness"]
    assert 0 < len(g.graph["quotes"]) < 53


def test_stakeholder_and_study_filters(loaded, quotes):
    g = theme_graph(loaded, Filters(study="gillard2013", stakeholder="manager"))
    assert len(g.graph["quotes"]) == sum(str(r["stakeholder"]) == "Manager" for r in quotes)


def test_a_bad_filter_is_an_input_error(loaded):
    with pytest.raises(InputError, match="construct"):
        theme_graph(loaded, Filters(construct="not an id!"))


def test_cooccurrence_weights_count_shared_quotes(loaded):
    g = cooccurrence_graph(loaded)
    codings = defaultdict(set)
    for r in registry()["graph-codings"].run(loaded).dicts():
        codings[str(r["quote"])].add(str(r["code"]))
    for a, b, w in g.edges(data="weight"):
        assert w == sum(a in codes and b in codes for codes in codings.values())
    assert len(g) == 43


def test_construct_graph_links_the_study_to_its_constructs(loaded):
    g = construct_graph(loaded)
    studies = of_kind(g, "study")
    assert list(studies) == ["Gillard et al. 2013"] and studies["Gillard et al. 2013"]["quotes"] == 53
    assert all(g.degree(n) == 1 for n, k in g.nodes(data="kind") if k == "construct")


def test_layouts_are_deterministic_and_place_every_node(loaded, themes):
    """The same graph built in another order (nodes and edges added in reverse) is laid out the
    same, and every node is placed."""
    for g in (themes, cooccurrence_graph(loaded), construct_graph(loaded)):
        reordered = type(g)(**g.graph)
        reordered.add_nodes_from(reversed(list(g.nodes(data=True))))
        reordered.add_edges_from(reversed(list(g.edges(data=True))))
        assert positions(reordered) == positions(g) and set(positions(g)) == set(g)


def test_analytics_of_the_cooccurrence_graph(loaded):
    g = cooccurrence_graph(loaded)
    result = analyse(g)
    assert result == analyse(cooccurrence_graph(loaded))  # seeded: the same every time
    assert {c["id"] for c in result["codes"]} == set(g)
    assert sum(len(c["codes"]) for c in result["communities"]) == 43
    for key in ("theme", "category"):
        assert -1 <= result["agreement"][key]["ari"] <= 1
        assert 0 <= result["agreement"][key]["nmi"] <= 1
    top = result["codes"][0]
    assert top["betweenness"] == max(c["betweenness"] for c in result["codes"])


def test_agreement_measures_on_known_partitions():
    assert adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7]) == 1
    assert normalised_mutual_information([0, 0, 1, 1], [5, 5, 7, 7]) == pytest.approx(1)
    # scikit-learn gives 0.5714... and 0.8 for these
    assert adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 2]) == pytest.approx(4 / 7)
    assert normalised_mutual_information([0, 0, 1, 1], [0, 0, 1, 2]) == pytest.approx(0.8)
    assert normalised_mutual_information([0, 1, 0, 1], [0, 0, 1, 1]) == pytest.approx(0)


def test_short_reference_labels():
    assert short_reference("[1] Sells DL, Davidson L, Jewell C (2006)") == "[1] Sells DL et al. (2006)"
    assert short_reference("[17] Turner R (1990)") == "[17] Turner R (1990)"
    assert short_reference("Anything else") == "Anything else"
