"""The graph JSON API through the Flask test client: Cytoscape.js elements for each view, the
same filters as `peerkg viz`, analytics, filter values, and the one JSON error shape."""

import pytest

from peerkg.api.app import create_app
from peerkg.graph.viz.views import VIEWS
from peerkg.queries import registry


@pytest.fixture(scope="module")
def client(loaded):
    return create_app({"STORE": loaded}).test_client()


def nodes(body, kind):
    return {n["data"]["label"]: n["data"] for n in body["elements"]["nodes"]
            if n["data"]["kind"] == kind}


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_answers_cytoscape_elements(client, view):
    response = client.get(f"/api/graph/{view}")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["view"] == view and body["filters"] == {}
    assert body["elements"]["nodes"] and len(body["quotes"]) == 53


def test_theme_counts_equal_the_named_queries(client, loaded):
    themes = nodes(client.get("/api/graph/themes").get_json(), "theme")
    rows = registry()["quotes"].run(loaded).dicts()
    assert {k: v["quotes"] for k, v in themes.items()} == {
        t: sum(str(r["theme"]) == t for r in rows) for t in {str(r["theme"]) for r in rows}}


def test_filters_are_query_parameters(client):
    body = client.get("/api/graph/themes?site=South&stakeholder=peer-worker").get_json()
    assert body["filters"] == {"site": "South", "stakeholder": "peer-worker"}
    assert {(q["site"], q["stakeholder"]) for q in body["quotes"].values()} == {
        ("South", "Peer Worker")}
    construct = client.get("/api/graph/themes?construct=institutional-support").get_json()
    assert list(nodes(construct, "construct")) == ["Institutional support"]


def test_cooccurrence_carries_analytics_on_nodes_and_beside_them(client):
    body = client.get("/api/graph/cooccurrence").get_json()
    analytics = body["analytics"]
    assert set(analytics) == {"codes", "communities", "agreement", "seed"}
    assert set(analytics["agreement"]) == {"theme", "category"}
    for data in nodes(body, "code").values():
        assert {"degree", "betweenness", "community", "theme"} <= set(data)
    alone = client.get("/api/graph/analytics").get_json()
    assert alone == analytics


def test_facets_list_the_filter_values(client):
    facets = client.get("/api/graph/facets").get_json()
    assert [f["label"] for f in facets["site"]] == ["Be’er Sheva", "Dar es Salaam", "Hamburg", "Kampala",
                                                     "London", "North", "South", "Ulm"]
    assert {f["label"] for f in facets["stakeholder"]} >= {"Peer Worker", "Manager"}
    assert {"value": "Gillard et al. 2013", "label": "Gillard et al. 2013"} in facets["study"]
    assert set(facets) == {"study", "site", "stakeholder", "theme", "construct"}
    assert len(facets["construct"]) >= 20


@pytest.mark.parametrize("url, status, words", [
    ("/api/graph/nonsense", 404, "no graph view"),
    ("/api/graph/themes?construct=bad%20id!", 400, "construct"),
    ("/api/graph/themes?colour=red", 400, "unknown parameter 'colour'"),
    ("/api/graph/analytics?stakeholder=bad%20id!", 400, "stakeholder"),
])
def test_errors_have_the_one_json_shape(client, url, status, words):
    response = client.get(url)
    body = response.get_json()
    assert response.status_code == status
    assert body == {"ok": False, "error": body["error"], "status": status}
    assert words in body["error"]


def test_the_page_is_served_with_its_vendored_script(client):
    page = client.get("/graph")
    assert page.status_code == 200 and b"cytoscape.min.js" in page.data
    assert b"https://" not in page.data.replace(b"https://w3id.org", b"")  # no CDN
    script = client.get("/static/vendor/cytoscape/cytoscape.min.js")
    assert script.status_code == 200 and b"Cytoscape Consortium" in script.data
    assert client.get("/static/graph.js").status_code == 200
    assert client.get("/static/graph.css").status_code == 200
