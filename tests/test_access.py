"""Restricted studies: the invented mini study loaded with ``--access restricted`` next to the
bundled (public) study. Without a token the mini study does not exist on any surface (SPARQL,
however the client names its graph; the JSON API; pages; entity IRIs; graph views); with the
read or the write token everything is there; a wrong token is refused. Run on both backends: a
real ``peerkg serve`` (its read-only engine) and the app on the embedded store."""

import json
import shutil
import urllib.parse
from pathlib import Path

import pytest

from peerkg.api.app import create_app
from peerkg.graph.loader import load
from peerkg.graph.store import open_store

from .conftest import ROOT
from .test_serve import request, running_server

MINI_STUDY = ROOT / "tests" / "data" / "mini-study"
MINI = "https://w3id.org/peerkg/id/mini"
GILLARD = "https://w3id.org/peerkg/id/gillard2013"
READ, WRITE = "reader-token", "writer-token"
# What only the mini study holds: its IRIs, a quote, its journal, an author, a theme.
MARKS = ["id/mini", "We all get on.", "Not staff, not a user", "Journal of Test Fixtures", "Ann Author",
         "Joining the team"]
OA = "PREFIX oa: <http://www.w3.org/ns/oa#> "
QUOTE_TEXT = "?q oa:hasSelector/oa:exact ?t"

SPARQL = {
    "default graph": f"SELECT ?t WHERE {{ {QUOTE_TEXT} }}",
    "GRAPH ?g": f"SELECT ?g ?t WHERE {{ GRAPH ?g {{ {QUOTE_TEXT} }} }}",
    "GRAPH <mini>": f"SELECT ?t WHERE {{ GRAPH <{MINI}> {{ {QUOTE_TEXT} }} }}",
    "FROM <mini>": f"SELECT ?t FROM <{MINI}> WHERE {{ {QUOTE_TEXT} }}",
    "FROM NAMED <mini>": f"SELECT ?g ?t FROM NAMED <{MINI}> WHERE {{ GRAPH ?g {{ {QUOTE_TEXT} }} }}",
    "list of graphs": "SELECT ?g WHERE { GRAPH ?g { } }",
    "CONSTRUCT": "CONSTRUCT WHERE { ?s ?p ?o }",
    "DESCRIBE": f"DESCRIBE <{MINI}/quote/q1>",
    "ASK": f"ASK {{ GRAPH <{MINI}> {{ ?s ?p ?o }} }}",
}
PROTOCOL = {  # the protocol's dataset parameters, naming the restricted graph
    "default-graph-uri": ({"default-graph-uri": MINI}, f"SELECT ?t WHERE {{ {QUOTE_TEXT} }}"),
    "named-graph-uri": ({"named-graph-uri": MINI}, f"SELECT ?g ?t WHERE {{ GRAPH ?g {{ {QUOTE_TEXT} }} }}"),
}
PATHS = ["/api/studies", "/api/quotes", "/api/themes", "/api/constructs",
         "/api/queries/quotes", "/api/queries/construct-evidence", "/api/graph/themes",
         "/api/graph/cooccurrence", "/api/graph/constructs", "/api/graph/facets",
         "/api/graph/analytics", "/", "/quotes", "/id/construct/consensus-on-role-expectations",
         "/id/stakeholder/peer-worker"]
GONE = ["/id/mini", "/id/mini/quote/q1", "/id/mini/theme/joining"]  # 404 without a token


def restricted_copy(initialised: Path, to: Path) -> Path:
    """A copy of the initialised store (the bundled studies) with the mini study restricted."""
    location = shutil.copytree(initialised, to)
    with open_store(str(location)) as store:
        load(store, [MINI_STUDY], access="restricted")
    return location


@pytest.fixture(scope="module")
def server(initialised, tmp_path_factory):
    """A served directory store: the bundled studies, and the mini study restricted."""
    location = restricted_copy(initialised, tmp_path_factory.mktemp("access") / "store")
    with running_server(str(location), "--read-token", READ, "--write-token", WRITE) as (url, p):
        yield url, str(location), p


@pytest.fixture(scope="module")
def served(server):
    def fetch(path, headers=None, method="GET", body=None):
        status, _, answer = request(server[0], method, path, body, headers or {})
        return status, answer.decode("utf-8", "replace")
    return fetch


@pytest.fixture(scope="module")
def embedded(initialised, tmp_path_factory):
    store = open_store(str(restricted_copy(initialised,
                                           tmp_path_factory.mktemp("access-embedded") / "store")))
    client = create_app({"STORE": store, "READ_TOKEN": READ, "WRITE_TOKEN": WRITE}).test_client()

    def fetch(path, headers=None, method="GET", body=None):
        answer = client.open(path, method=method, headers=headers or {}, data=body)
        return answer.status_code, answer.get_data(as_text=True)

    yield fetch
    store.close()


@pytest.fixture(params=["served", "embedded"])
def fetch(request):
    return request.getfixturevalue(request.param)


def bearer(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def sparql(fetch, query: str, token: str | None, params: dict | None = None,
           accept: str = "application/sparql-results+json"):
    path = "/sparql?" + urllib.parse.urlencode({"query": OA + query, **(params or {})})
    return fetch(path, {"Accept": accept, **bearer(token)})


def hidden(body: str) -> bool:
    return not any(mark in body for mark in MARKS)


@pytest.mark.parametrize("name", SPARQL)
def test_sparql_without_a_token_never_sees_the_restricted_study(fetch, name):
    accept = "text/turtle" if name in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"
    status, body = sparql(fetch, SPARQL[name], None, accept=accept)
    assert status == 200, body
    assert hidden(body), body[:500]
    if name == "ASK":
        assert json.loads(body)["boolean"] is False


@pytest.mark.parametrize("name", SPARQL)
@pytest.mark.parametrize("token", [READ, WRITE])
def test_sparql_with_a_token_sees_everything(fetch, name, token):
    accept = "text/turtle" if name in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"
    status, body = sparql(fetch, SPARQL[name], token, accept=accept)
    assert status == 200, body
    if name == "ASK":
        assert json.loads(body)["boolean"] is True
    else:
        assert "id/mini" in body or "We all get on." in body


@pytest.mark.parametrize("name", PROTOCOL)
def test_protocol_dataset_parameters_naming_the_restricted_graph(fetch, name):
    params, query = PROTOCOL[name]
    status, body = sparql(fetch, query, None, params)
    assert status == 200 and hidden(body) and json.loads(body)["results"]["bindings"] == []
    status, body = sparql(fetch, query, READ, params)
    assert status == 200 and "We all get on." in body


def test_the_public_study_is_still_there_without_a_token(fetch):
    status, body = sparql(fetch, SPARQL["default graph"], None)
    assert len(json.loads(body)["results"]["bindings"]) == 53
    status, body = sparql(fetch, SPARQL["default graph"], READ)
    assert len(json.loads(body)["results"]["bindings"]) == 53 + 4


@pytest.mark.parametrize("path", PATHS)
def test_api_pages_and_graph_views_without_a_token(fetch, path):
    status, body = fetch(path, {"Accept": "text/html" if not path.startswith("/api") else "application/json"})
    assert status == 200, body[:300]
    assert hidden(body), [m for m in MARKS if m in body]


@pytest.mark.parametrize("path", ["/api/studies", "/api/quotes?limit=500", "/api/themes",
                                  "/api/graph/themes", "/api/graph/facets", "/", "/quotes"])
def test_api_pages_and_graph_views_with_a_token(fetch, path):
    status, body = fetch(path, bearer(READ))
    assert status == 200
    assert "id/mini" in body or "Joining the team" in body


@pytest.mark.parametrize("path", GONE)
def test_entity_iris_of_the_restricted_study_do_not_exist_without_a_token(fetch, path):
    for accept in ("text/html", "text/turtle"):
        status, body = fetch(path, {"Accept": accept})
        assert status == 404 and hidden(body.replace(path, ""))
        status, body = fetch(path, {"Accept": accept, **bearer(READ)})
        assert status == 200


def test_a_named_study_parameter_is_unknown_without_a_token(fetch):
    status, body = fetch("/api/queries/conclusion-support?study=mini")
    assert status == 400 and "no study 'mini'" in body
    status, body = fetch("/api/graph/themes?study=mini")
    assert status == 400 and "no study 'mini'" in body
    status, body = fetch("/api/quotes?study=mini")
    assert status == 400 and hidden(body.replace("'mini'", "")), body
    status, body = fetch("/api/quotes?study=mini", bearer(WRITE))
    assert status == 200 and json.loads(body)["total"] == 4


def test_health_counts_only_what_the_caller_may_see(fetch):
    anonymous = json.loads(fetch("/api/health")[1])["graphs"]
    assert json.loads(fetch("/api/health", bearer(READ))[1])["graphs"] == anonymous + 1


def test_quote_totals_follow_writes_and_each_view_keeps_its_own(fetch):
    """The quote counts behind /api/quotes are kept between writes (graph/store/memo.py): a
    token's view never lends its counts to the anonymous view, and a write shows at once."""
    def total(token=None):
        return json.loads(fetch("/api/quotes?limit=1", bearer(token))[1])["total"]

    everything, public = total(READ), total()
    assert everything > public == total()
    quote = f"<{GILLARD}/quote/kept-test> a <https://w3id.org/peerkg/ontology#Quote>"
    for change, step in (("INSERT", 1), ("DELETE", 0)):
        status, body = fetch("/sparql", {"Content-Type": "application/sparql-update", **bearer(WRITE)},
                             "POST", f"{change} DATA {{ GRAPH <{GILLARD}> {{ {quote} }} }}".encode())
        assert status in (200, 204), body
        assert (total(), total(READ)) == (public + step, everything + step)


def test_a_wrong_token_is_refused_not_ignored(fetch):
    for path in ("/api/studies", "/sparql?query=ASK%7B%7D", "/"):
        status, body = fetch(path, {"Accept": "application/json", **bearer("guess")})
        assert status == 403 and "token is wrong" in body


def test_a_read_token_cannot_write(fetch):
    status, body = fetch("/sparql", {"Content-Type": "application/sparql-update", **bearer(READ)},
                         "POST", b"CLEAR ALL")
    assert status == 403
    status, body = sparql(fetch, SPARQL["default graph"], WRITE)
    assert len(json.loads(body)["results"]["bindings"]) == 57


def test_the_access_level_is_in_the_store(tmp_path):
    """Loading the package as it is keeps it public; --access restricted makes it restricted;
    a package that says access: restricted is restricted unless --access public overrides it."""
    from peerkg.graph.store.access import public_view

    package = tmp_path / "mini"
    shutil.copytree(MINI_STUDY, package)
    text = (package / "study.yaml").read_text(encoding="utf-8")
    (package / "study.yaml").write_text(text + "access: restricted\n", encoding="utf-8")
    with open_store(":memory:") as store:
        load(store, [MINI_STUDY])
        assert public_view(store) is store
        load(store, [package])
        assert MINI not in public_view(store).graphs()
        load(store, [package], access="public")
        assert public_view(store) is store


# -- the command line on a store that peerkg serve holds ------------------------------------------

def test_reading_commands_work_beside_the_server_and_see_everything(server, zygote, tmp_path):
    url, location, _ = server
    commands = {"query": ["query", "quotes", "--format", "csv"],
                "export": ["export", "--format", "nquads"],
                "viz": ["viz", "themes", "--format", "graphml"], "validate": ["validate"]}
    pids = {name: zygote.start(["--store", location, *args], tmp_path / name)  # all at once
            for name, args in commands.items()}
    out = {}
    for name, pid in pids.items():
        code, out[name] = zygote.wait(pid, tmp_path / name)
        assert code == 0, out[name]
    rows = [line for line in out["query"].splitlines() if not line.startswith("(")]
    assert len(rows) == 1 + 53 + 4  # header, the bundled quotes and the restricted study's
    assert any("We all get on." in row for row in rows)
    assert f"<{MINI}>" in out["export"]
    assert "graphml" in out["viz"] and "SHACL: conforms" in out["validate"]
    assert json.loads(request(url, path="/api/health")[2])["ok"] is True  # the server goes on


def test_writing_commands_name_the_server_and_change_nothing(server, zygote, tmp_path):
    url, location, process = server
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = sparql(lambda *a: request(url, path=a[0], headers=a[1])[::2], count, WRITE)
    for command in (["load", str(MINI_STUDY)], ["init"]):
        log = tmp_path / command[0]
        code, output = zygote.wait(zygote.start(["--store", location, *command], log), log)
        assert code == 2
        assert f"served by peerkg serve (pid {process.pid}) at {url}/" in output
        assert "Traceback" not in output
    assert sparql(lambda *a: request(url, path=a[0], headers=a[1])[::2], count, WRITE) == before
