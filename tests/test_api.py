"""The JSON API through Flask's test client on the bundled study: the answers a user reads, and
the one error shape over every JSON endpoint."""

import logging
import re

import pytest

from peerkg.api.app import create_app
from peerkg.graph.base.iris import ID
from peerkg.queries import public


@pytest.fixture(scope="module")
def app(loaded):
    app = create_app({"STORE": loaded})

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internal detail /etc/passwd")

    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_health(client):
    answer = client.get("/api/health").json
    assert answer["ok"] is True and answer["graphs"] == 6 and answer["writable"] is False


def test_studies(client):
    studies = {s["label"]: s for s in client.get("/api/studies").json["studies"]}
    assert studies["Gillard et al. 2013"]["quotes"] == 53
    assert studies["Gillard et al. 2013"]["study"] == ID + "gillard2013"


def test_themes_nest_categories_and_codes(client):
    themes = client.get("/api/themes").json["themes"]
    first = themes[0]
    assert first["label"] == "Who becomes a peer worker, how and why?"
    assert first["categories"] and all(c["codes"] for c in first["categories"])
    code = first["categories"][0]["codes"][0]
    assert code["code"].startswith(ID + "gillard2013/code/") and code["quotes"] >= 1


def test_quotes_filters_and_paging(client):
    everything = client.get("/api/quotes?limit=500").json
    assert everything["total"] == 53 and len(everything["quotes"]) == 53
    london = client.get("/api/quotes?site=london").json
    assert london["total"] > 0
    assert {q["site_label"] for q in london["quotes"]} == {"London"}
    by_iri = client.get(f"/api/quotes?site={ID}gillard2013/site/london").json
    assert by_iri["total"] == london["total"]
    combined = client.get("/api/quotes?stakeholder=peer-worker&construct=role-distinctiveness"
                          "&text=the").json
    assert combined["total"] > 0
    for q in combined["quotes"]:
        assert q["stakeholder_label"] == "Peer Worker"
        assert ID + "construct/role-distinctiveness" in q["constructs"]
        assert "the" in q["text"].lower()
    page = client.get("/api/quotes?limit=10&offset=50").json
    assert [q["quote"] for q in page["quotes"]] == [q["quote"] for q in everything["quotes"][50:]]
    assert client.get("/api/quotes?theme=who-becomes&study=gillard2013").json["total"] > 0
    assert client.get("/api/quotes?text=zzzzzz").json["total"] == 0


def test_constructs_have_counts_and_references(client):
    constructs = {c["label"]: c for c in client.get("/api/constructs").json["constructs"]}
    distinct = constructs["Role distinctiveness"]
    assert distinct["evidence_count"] > 0 and distinct["quotes"] > 0
    assert distinct["references"]
    assert all(r["reference_label"].startswith("[") for r in distinct["references"])


def test_named_queries(client):
    listed = {q["name"]: q for q in client.get("/api/queries").json["queries"]}
    assert set(listed) == set(public()) and "graph-quotes" not in listed  # internal ones are not listed
    assert client.get("/api/queries/graph-quotes").json["ok"] is True  # but run
    assert listed["quotes-by-construct"]["params"][0]["name"] == "construct"
    answer = client.get("/api/queries/quotes").json
    assert answer["ok"] is True and answer["query"] == "quotes"
    assert answer["columns"][:6] == ["quote", "text", "site", "stakeholder", "theme", "study"]
    assert len(answer["rows"]) == 53 and answer["rows"][0]["site"] in {"London", "North", "South"}
    filtered = client.get("/api/queries/quotes-by-construct?construct=role-distinctiveness").json
    assert {r["construct"] for r in filtered["rows"]} == {ID + "construct/role-distinctiveness"}
    counts = client.get("/api/queries/participants-by-site-role").json["rows"]
    assert all(isinstance(r["participants"], int) for r in counts)


def test_openapi_describes_every_api_route(app, client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(r.rule)) for r in app.url_map.iter_rules()
              if str(r.rule).startswith("/api/") and r.rule != "/api/boom"}
    assert {"/api/graph/{view}", "/api/graph/{view}.svg", "/api/graph/{view}.png"} <= routes
    assert routes == set(document["paths"])


ERRORS = [
    ("GET", "/api/queries/nope", 404, "no named query 'nope'"),
    ("GET", "/api/queries/quotes?nope=1", 400, "has no parameter 'nope'"),
    ("GET", "/api/queries/quotes-by-construct?construct=not%20an%20id", 400, "no construct 'not an id'"),
    ("GET", "/api/quotes?limit=0", 400, "'limit' must be an integer"),
    ("GET", "/api/quotes?offset=-1", 400, "'offset' must be an integer"),
    ("GET", "/api/nowhere", 404, "not found"),
    ("GET", "/api/boom", 500, "internal server error"),
    ("GET", "/sparql?query=SELECT%20*%20WHERE%20%7B", 400, "refused"),
    ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", 400, "exactly one 'query'"),
    ("GET", "/sparql?update=CLEAR%20ALL", 405, "must be sent by POST"),
    ("PUT", "/sparql", 405, "not allowed"),
    ("POST", "/sparql", 415, "send a query or update"),
    ("GET", "/id/no/such/thing", 404, "nothing in the graph is called"),
]


@pytest.mark.parametrize(("method", "path", "status", "text"), ERRORS)
def test_errors_have_one_shape(client, method, path, status, text):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.json == {"ok": False, "error": response.json["error"], "status": status}
    assert text.lower() in response.json["error"].lower()


@pytest.mark.parametrize("path", ["/api/health", "/api/studies", "/api/themes", "/api/quotes",
                                  "/api/constructs", "/api/queries", "/api/queries/quotes",
                                  "/api/openapi.json"])
def test_every_json_endpoint_refuses_other_methods_in_the_shape(client, path):
    response = client.post(path)
    assert response.status_code == 405
    assert response.json == {"ok": False, "error": response.json["error"], "status": 405}
    assert "GET" in response.headers["Allow"]
    assert client.get(path).status_code == 200


def test_a_bug_is_logged_but_not_shown(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/boom")
    assert "secret" not in response.get_data(as_text=True)
    assert "secret internal detail" in caplog.text and "Traceback" in caplog.text


def test_cors_is_off_by_default_and_configurable(loaded, client):
    assert "Access-Control-Allow-Origin" not in client.get("/api/health").headers
    other = create_app({"STORE": loaded, "CORS_ORIGIN": "https://example.org"}).test_client()
    assert other.get("/sparql?query=ASK%7B%7D").headers["Access-Control-Allow-Origin"] == \
        "https://example.org"
    preflight = other.options("/sparql", headers={"Origin": "https://example.org"})
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]


def test_every_route_answers_errors_in_the_one_shape(app, client):
    """Walks the app's routes, so a new route is held to the shape without being listed: a
    method it does not take, and (for a route with a variable) a value that names nothing."""
    for rule in app.url_map.iter_rules():
        path = str(rule.rule)
        if not path.startswith(("/api/", "/sparql")) or rule.rule == "/api/boom":
            continue
        concrete = re.sub(r"<(?:\w+:)?\w+>", "no-such-thing", path)
        answers = [client.delete(concrete)]
        if concrete != path:
            answers.append(client.get(concrete))
        for response in answers:
            assert response.status_code in (400, 404, 405), (path, response.status_code)
            assert response.json == {"ok": False, "error": response.json["error"],
                                     "status": response.status_code}, path
