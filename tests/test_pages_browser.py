"""The pages for people in a real headless Chromium: they load with no console error and no
off-site request, the quote browser filters, entity pages link onwards, and the query editor
runs a query against /sparql."""

import pytest

pytestmark = pytest.mark.browser


def test_overview_links_to_every_theme(open_page):
    page = open_page("/")
    for heading in ("Who becomes a peer worker, how and why?", "Challenging boundaries"):
        assert page.get_by_text(heading).count() >= 1
    assert page.problems == []


def test_quote_browser_filters_by_site_and_stakeholder(open_page):
    page = open_page("/quotes")
    assert page.text_content("p.summary").startswith("53 quotes")
    page.select_option("select[name=site]", label="North")
    page.select_option("select[name=stakeholder]", label="Manager")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.text_content("p.summary").startswith("3 quotes")
    assert page.locator("figure.quote").count() == 3
    assert page.problems == []


def test_entity_page_links_onwards(open_page, app_server):
    page = open_page("/id/gillard2013/quote/q03")
    assert "I have empathy with people and I felt I can give." in page.text_content("main")
    with page.expect_navigation():
        page.get_by_role("link", name="London").first.click()
    assert page.url == app_server + "/id/gillard2013/site/london"
    assert "Informally, as group member" in page.text_content("main")
    assert page.problems == []


def test_query_page_runs_a_query_on_sparql(open_page):
    page = open_page("/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    with page.expect_response(lambda r: r.url.endswith("/sparql") and r.status == 200):
        page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table td")
    text = page.text_content(".yasr")
    assert "Building new teams" in text
    assert page.problems == []
