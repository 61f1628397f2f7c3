"""The /graph page in a real headless Chromium against a real server on a loopback port: it
loads without console errors, draws every theme, shows the legend the server sends (with the
project's reconstruction), filters, lists a theme's quotes on a click, and downloads the server's
publication figure of the current view. The first test saves a screenshot, into $PEERKG_SCREENSHOTS if set (that is how
docs/graph-page.png is made), else into its temporary directory."""

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from peerkg.graph.viz.style import RECONSTRUCTION
from peerkg.queries import registry

pytestmark = pytest.mark.browser


@pytest.fixture
def page(open_page):
    page = open_page("/graph")
    page.wait_for_function("window.peerkgGraph && window.peerkgGraph.nodes().length > 0")
    return page


def visible_labels(page, kind: str) -> list[str]:
    return page.evaluate(f"window.peerkgGraph.nodes('.{kind}').map(n => n.data('label'))")


def theme_labels(loaded) -> set[str]:
    return {str(r["theme"]) for r in registry()["theme-structure"].run(loaded).dicts()}


def test_page_draws_every_theme_without_console_errors(page, loaded, tmp_path):
    assert set(visible_labels(page, "theme")) == theme_labels(loaded)
    assert len(visible_labels(page, "code")) == 43
    assert "53 quotes" in page.text_content("#status")
    shots = Path(os.environ.get("PEERKG_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(shots / "graph-page.png"))
    assert (shots / "graph-page.png").stat().st_size > 10_000
    assert page.problems == []


def test_the_legend_marks_the_projects_reconstruction(page):
    legend = page.text_content("#legend")
    assert "Colour: kind" in legend and "Category" in legend and RECONSTRUCTION in legend
    dashed = page.evaluate("window.peerkgGraph.nodes().filter(n => n.style('border-style')"
                           " === 'dashed').map(n => n.data('kind'))")
    assert sorted(set(dashed)) == ["category", "code"] and len(dashed) == 8 + 41
    assert page.problems == []


def test_a_filter_changes_the_visible_nodes(page):
    before = set(visible_labels(page, "code"))
    page.select_option("#filter-site", "North")
    # wait for the final state (the new count), not for the status to leave the old one: it
    # says "Loading…" before the new elements are drawn
    page.wait_for_function("document.getElementById('status').textContent.includes('12 quotes')")
    after = set(visible_labels(page, "code"))
    assert after and after < before
    assert "12 quotes" in page.text_content("#status")
    assert page.problems == []


def test_clicking_a_theme_lists_its_quotes(page, loaded):
    label = "Challenging boundaries"
    point = page.evaluate(
        """label => { const n = window.peerkgGraph.nodes('.theme').filter(
               n => n.data('label') === label)[0];
             const p = n.renderedPosition(); const box = document.getElementById('cy')
               .getBoundingClientRect(); return [box.left + p.x, box.top + p.y]; }""", label)
    page.mouse.click(*point)
    page.wait_for_selector("#details ol.quotes li")
    expected = [r for r in registry()["quotes"].run(loaded).dicts() if str(r["theme"]) == label]
    items = page.locator("#details ol.quotes li")
    assert items.count() == len(expected) == 12
    text = page.text_content("#details")
    assert str(expected[0]["text"])[:60] in text
    links = page.eval_on_selector_all("#details ol.quotes a", "as => as.map(a => a.pathname)")
    assert links[0].startswith("/id/gillard2013/quote/")
    assert page.problems == []


def test_cooccurrence_view_shows_the_analytics(page):
    page.select_option("#view", "cooccurrence")
    page.wait_for_selector("#analytics table.measures")
    text = page.text_content("#analytics")
    assert "adjusted Rand" in text and "Candidate groupings" in text
    assert page.problems == []


def test_downloads_the_servers_figure_of_the_current_view(page, tmp_path):
    page.select_option("#filter-site", "North")
    page.wait_for_function("document.getElementById('status').textContent.includes('12 quotes')")
    for button, suffix in (("#export-png", ".png"), ("#export-svg", ".svg")):
        with page.expect_download() as info:
            page.click(button)
        download = info.value
        assert download.suggested_filename == f"peerkg-themes{suffix}"
        url = urlparse(download.url)
        assert url.path == f"/api/graph/themes{suffix}" and parse_qs(url.query) == {
            "site": ["North"]}
        path = tmp_path / f"view{suffix}"
        download.save_as(path)
        assert path.stat().st_size > 1000
    assert (tmp_path / "view.png").read_bytes().startswith(b"\x89PNG")
    svg = ET.parse(tmp_path / "view.svg")
    text = " ".join(" ".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "Themes" in text and "Works cited" in text  # the figure's column headings
    assert "project reconstruction" in text
    assert page.problems == []
