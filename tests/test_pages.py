"""The HTML pages and entity IRIs through Flask's test client on the bundled study: what a
reader sees, and each entity as HTML, Turtle and JSON-LD."""

from html.parser import HTMLParser

import pytest
from rdflib import Graph, URIRef

from peerkg.api.app import create_app
from peerkg.graph.base.iris import ID, PK

QUOTE = "gillard2013/quote/q01"
ENTITIES = {  # one of each kind the issue names, with a label its page must show
    "study": ("gillard2013", "Gillard et al. 2013"),
    "site": ("gillard2013/site/london", "London"),
    "stakeholder group": ("stakeholder/peer-worker", "Peer Worker"),
    "quote": (QUOTE, "Quote q01 (South Peer Worker)"),
    "code": ("gillard2013/code/sharing-lived-experience", "Giving of personal experience"),
    "category": ("gillard2013/category/peer-contribution", "Contribution of peer practice"),
    "theme": ("gillard2013/theme/who-becomes", "Who becomes a peer worker, how and why?"),
    "construct": ("construct/role-distinctiveness", "Role distinctiveness"),
    "reference": ("gillard2013/reference/r1", "[1] Sells DL, Davidson L, Jewell C, Falzer P"),
}


class Links(HTMLParser):
    """The links of a page, as (href, text)."""

    def __init__(self):
        super().__init__()
        self.links, self._href, self._text = [], None, []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def links(html: str) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.links


@pytest.fixture(scope="module")
def client(loaded):
    return create_app({"STORE": loaded}).test_client()


def test_base_layout_has_the_navigation(client):
    nav = dict((text, href) for href, text in links(client.get("/").get_data(as_text=True)))
    assert nav["Overview"] == "/" and nav["Quotes"] == "/quotes"
    assert nav["Graph"] == "/graph" and nav["Query"] == "/query"


def test_overview_lists_studies_and_themes(client):
    html = client.get("/").get_data(as_text=True)
    assert "Gillard et al. 2013" in html and "53 quotes" in html
    assert "Who becomes a peer worker, how and why?" in html
    assert ("/id/gillard2013/theme/who-becomes", "Who becomes a peer worker, how and why?") in \
        links(html)


def test_quote_browser_filters(client):
    html = client.get("/quotes?site=london&stakeholder=peer-worker").get_data(as_text=True)
    sites = {text for href, text in links(html) if "/site/" in href}
    groups = {text for href, text in links(html) if "/stakeholder/" in href}
    assert sites == {"London"} and groups == {"Peer Worker"}
    everything = client.get("/quotes").get_data(as_text=True)
    assert "53 quotes, showing 1–50" in everything
    assert any(text == "next →" for _, text in links(everything))
    assert "It&#39;s actually very similar" in client.get("/quotes?text=very%20similar").get_data(
        as_text=True)


def test_a_filter_with_many_choices_is_a_text_box(client, monkeypatch):
    """Past PICKER_MAX choices (thousands of themes in a large collection) a filter is a text
    box that takes a label, id or IRI, and keeps the value asked for."""
    from peerkg.api import pages

    monkeypatch.setattr(pages, "PICKER_MAX", 4)  # 4 studies in the test store, 8 sites
    html = client.get("/quotes?site=London").get_data(as_text=True)
    assert '<input type="search" name="site" value="London"' in html
    assert '<select name="site">' not in html and '<select name="study">' in html
    assert "31 quotes" in html


@pytest.mark.parametrize("kind", sorted(ENTITIES))
def test_every_kind_of_entity_has_a_page_with_labelled_links(client, kind):
    path, label = ENTITIES[kind]
    response = client.get(f"/id/{path}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert label in html
    entity_links = [(href, text) for href, text in links(html) if href.startswith("/id/")]
    assert entity_links, f"the {kind} page links to no entity"
    assert not any(text.startswith("https://") for _, text in entity_links)


def test_a_quote_page_shows_the_quote_and_its_links(client):
    html = client.get(f"/id/{QUOTE}").get_data(as_text=True)
    assert "It&#39;s actually very similar to being part of the group" in html
    page_links = links(html)
    assert ("/id/gillard2013/site/south", "South") in page_links
    assert ("/id/stakeholder/peer-worker", "Peer Worker") in page_links


@pytest.mark.parametrize(("accept", "fmt"), [("text/turtle", "turtle"),
                                             ("application/ld+json", "json-ld")])
def test_an_entity_iri_resolves_as_rdf(client, accept, fmt):
    response = client.get(f"/id/{QUOTE}", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    g = Graph().parse(data=response.get_data(as_text=True), format=fmt)
    quote = URIRef(ID + QUOTE)
    assert g.value(quote, PK.atSite) == URIRef(ID + "gillard2013/site/south")
    assert (None, None, quote) in g  # statements pointing at it too


def test_unknown_entities_are_404_in_every_format(client):
    assert client.get("/id/gillard2013/quote/q999", headers={"Accept": "text/html"}
                      ).status_code == 404
    assert client.get("/id/gillard2013/quote/q999", headers={"Accept": "text/turtle"}
                      ).status_code == 404


def test_query_page_runs_yasgui_from_this_server(client):
    html = client.get("/query").get_data(as_text=True)
    assert "/static/vendor/yasgui/yasgui.min.js" in html and "/static/query.js" in html
    assert client.get("/static/vendor/yasgui/yasgui.min.js").status_code == 200
    assert "http" not in html.split("<body>", 1)[1].replace("http://www.w3.org", "")
    script = client.get("/static/query.js").get_data(as_text=True)
    assert '"/sparql"' in script and "autocompleters: []" in script


def test_a_browser_at_sparql_goes_to_the_query_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/query")
    description = client.get("/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=description.get_data(as_text=True), format="turtle")
    assert len(g) > 5
