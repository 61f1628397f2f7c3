"""``peerkg serve`` on a network, tried as an attacker on loopback would: no request leaves the
server except to partners it was told to trust (SERVICE by allowlist), no listening socket of
the server or its children takes a write without the token, health names no internal address,
no answer is a 200 with a broken body, and no input gets a 500 or brings the engine down."""

import contextlib
import json
import random
import shutil
import socket
import threading
import time
import urllib.parse

import pytest

from peerkg.graph.base.errors import QueryError
from peerkg.graph.loader import load
from peerkg.graph.store import open_store
from peerkg.graph.store.inspect import inspect

from .conftest import ROOT, free_port
from .procs import descendants, listening_ports
from .test_serve import TOKEN, ask_count, request, running_server

pytestmark = pytest.mark.server

MINI = ROOT / "tests" / "data" / "mini-study"
OA = "PREFIX oa: <http://www.w3.org/ns/oa#> "
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


class Listener:
    """A TCP listener on loopback that counts the connections made to it."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()


@pytest.fixture(scope="module")
def listener():
    listening = Listener()
    yield listening
    listening.socket.close()


@pytest.fixture(scope="module")
def partner(tmp_path_factory):
    """Server B: the invented mini study, public, read-only."""
    location = tmp_path_factory.mktemp("partner") / "store"
    with open_store(str(location)) as store:
        load(store, [MINI])
    with running_server(str(location)) as (url, _):
        yield url


@pytest.fixture(scope="module")
def dead_partner():
    """An allowlisted endpoint where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/sparql"


@pytest.fixture(scope="module")
def server(partner, dead_partner, initialised, tmp_path_factory):
    """Server A: the bundled studies, trusting B and the dead partner, with a write token and a
    2 s query timeout."""
    location = shutil.copytree(initialised, tmp_path_factory.mktemp("server") / "store")
    with running_server(str(location), "--federate", partner + "/sparql", "--federate",
                        dead_partner, "--write-token", TOKEN, "--timeout", "2") as s:
        yield s


def get(url: str, query: str, headers: dict | None = None):
    return request(url, path="/sparql?" + urllib.parse.urlencode({"query": query}),
                   headers={**JSON_RESULTS, **(headers or {})})


def texts(body: bytes) -> set[str]:
    return {b["t"]["value"] for b in json.loads(body)["results"]["bindings"]}


def error(body: bytes, status: int) -> str:
    answer = json.loads(body)
    assert answer["ok"] is False and answer["status"] == status
    return answer["error"]


# -- SERVICE by allowlist ------------------------------------------------------------------------

def test_service_to_a_listed_partner_joins_both_studies(server, partner):
    query = (OA + "SELECT ?t WHERE { { ?q oa:hasSelector/oa:exact ?t } UNION "
             f"{{ SERVICE <{partner}/sparql> {{ ?q oa:hasSelector/oa:exact ?t }} }} }}")
    status, _, body = get(server[0], query)
    assert status == 200, body
    found = texts(body)
    assert "We all get on." in found and "Not staff, not a user." in found  # partner's study
    assert len(found) == 53 + 4


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX x: <{base}> SELECT * WHERE {{ SERVICE x:sparql {{ ?s ?p ?o }} }}",
    "BASE <{base}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o #\rSERVICE <{url}> {{ ?s ?p ?o }}\n}}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE<{url}>{{?s ?p ?o}} }} }}",
])
def test_service_to_an_unlisted_endpoint_is_refused_and_nothing_is_sent(server, listener, template):
    query = template.format(url=listener.url, base=listener.url.rsplit("/", 1)[0] + "/")
    status, _, body = get(server[0], query)
    assert status == 400
    assert f"SERVICE <{listener.url}> is not allowed" in error(body, 400)
    time.sleep(0.2)
    assert listener.connections == 0


def test_service_with_a_variable_endpoint_is_refused(server, listener):
    query = f"SELECT * WHERE {{ BIND(<{listener.url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"
    status, _, body = get(server[0], query)
    assert status == 400 and "variable endpoint" in error(body, 400)
    assert listener.connections == 0


def test_updates_may_not_call_or_load_from_unlisted_endpoints(server, listener):
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    for update, refused in [
        (f"LOAD <{listener.url}> INTO GRAPH <urn:x>", f"LOAD <{listener.url}> is not allowed"),
        (f"INSERT {{ GRAPH <urn:x> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{listener.url}> "
         "{ ?s ?p ?o } }", f"SERVICE <{listener.url}> is not allowed"),
    ]:
        status, _, body = request(server[0], "POST", body=update.encode(), headers=headers)
        assert status == 400 and refused in error(body, 400)
    time.sleep(0.2)
    assert listener.connections == 0


def test_no_query_the_engine_would_send_slips_past_the_check(server, listener):
    """Seeded random texts around a SERVICE to the listener, built from the characters that
    open and close strings, IRIs and comments: whatever the check lets through, the engine
    must not call the listener. (A differential test of the check against Oxigraph's parser.)"""
    pieces = ["'", "'''", '"', '"""', "#", "<", ">", "(", ")", "{", "}", "\n", "\r", "\\", " ",
              f"SERVICE <{listener.url}> {{ ?a ?b ?c }}", "FILTER(", "?x", "str(", ".", ",",
              "<http://x#y>", "<a'b>", "?x<", "ex:a\\'b", "\\u0027", " || ", " = ", "'y'",
              "EXISTS {", "BIND(", " AS ?z)", "VALUES ?v {", "^^<http://x#t>", "@en", "a", "[",
              "]", ";", "|", "/", "^", "*"]
    rng = random.Random(11)
    sent = 0
    for _ in range(400):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        query = "PREFIX ex: <http://ex/> SELECT * WHERE { ?s ?p ?o " + body + " }"
        try:
            if inspect(query).services:
                continue
        except QueryError:
            continue
        request(server[0], "POST", body=query.encode(),
                headers={"Content-Type": "application/sparql-query"})
        sent += 1
    time.sleep(0.2)
    assert sent > 50  # the test must reach the engine to mean anything
    assert listener.connections == 0


# -- no write path around the token --------------------------------------------------------------

PROBES = [
    ("POST", "/update", "application/x-www-form-urlencoded",
     "update=" + urllib.parse.quote("INSERT DATA { GRAPH <urn:probe> { <urn:a> <urn:b> <urn:c> } }")),
    ("POST", "/update", "application/sparql-update",
     "INSERT DATA { GRAPH <urn:probe> { <urn:a> <urn:b> <urn:c> } }"),
    ("POST", "/sparql", "application/sparql-update",
     "INSERT DATA { GRAPH <urn:probe> { <urn:a> <urn:b> <urn:c> } }"),
    ("POST", "/query", "application/sparql-update",
     "INSERT DATA { GRAPH <urn:probe> { <urn:a> <urn:b> <urn:c> } }"),
    ("PUT", "/store?graph=urn:probe", "text/turtle", "<urn:a> <urn:b> <urn:c> ."),
    ("POST", "/store?graph=urn:probe", "text/turtle", "<urn:a> <urn:b> <urn:c> ."),
    ("POST", "/store", "application/n-quads", "<urn:a> <urn:b> <urn:c> <urn:probe> ."),
    ("DELETE", "/store?default", "text/plain", ""),
]


def test_no_listening_socket_of_the_server_takes_a_write_without_the_token(server):
    url, process = server
    ports = listening_ports(process.pid)
    assert len(ports) >= 2  # the front and its engine: both must be probed
    everything = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = ask_count(url, everything)
    for port in ports:
        for method, path, content_type, body in PROBES:
            with contextlib.suppress(OSError):  # a port may close the connection
                request(f"http://127.0.0.1:{port}", method, path, body.encode(),
                        {"Content-Type": content_type}, timeout=10)
    assert ask_count(url, everything) == before
    assert ask_count(url, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:probe> { ?s ?p ?o } }") == 0


def test_health_names_no_internal_address(server):
    url, process = server
    status, _, body = request(url, path="/api/health")
    assert status == 200
    front = urllib.parse.urlsplit(url).port
    for port in listening_ports(process.pid) - {front}:
        assert str(port) not in body.decode()
    assert "127.0.0.1" not in body.decode()


# -- never a 200 with a broken body --------------------------------------------------------------

def test_an_engine_failing_after_its_first_byte_is_an_error(server, dead_partner):
    status, headers, body = get(server[0], f"SELECT * WHERE {{ SERVICE <{dead_partner}> "
                                           "{ ?s ?p ?o } }")
    assert status == 502
    assert headers["Content-Type"] == "application/json"
    assert "after its results had begun" in error(body, 502)


def test_a_timeout_after_the_first_byte_is_an_error(server):
    # rows stream (the head is sent at once) until the engine cancels the query
    query = ("SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
             "FILTER(STRLEN(STR(?c)) + STRLEN(STR(?f)) = 123456) }")
    status, headers, body = get(server[0], query, {"Accept": "text/csv"})
    assert status == 503
    assert headers["Content-Type"] == "application/json"
    assert "ran longer than the limit of 2 s" in error(body, 503)


# -- no input gets a 500 or brings the engine down -----------------------------------------------

@pytest.mark.parametrize(("name", "query"), [
    ("nested braces", "SELECT * WHERE " + "{" * 3000 + "}" * 3000),
    ("nested brackets", "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }"),
    ("a long chain", "SELECT * WHERE { ?s ?p ?o " + " ".join(f"BIND(1 AS ?b{i})" for i in range(3000)) + " }"),
    ("a long disjunction", "SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(["?o = 1"] * 5000) + ") }"),
])
def test_queries_too_deep_or_long_for_the_engine_are_refused(server, name, query):
    url, process = server
    engines = descendants(process.pid)
    status, _, body = request(url, "POST", body=query.encode(),
                              headers={"Content-Type": "application/sparql-query"})
    assert status == 400, body
    assert "more than" in error(body, 400)
    assert descendants(process.pid) == engines  # the engine was not restarted
    assert ask_count(url) == 53


@pytest.mark.parametrize(("method", "path", "body", "content_type"), [
    ("POST", "/sparql", b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * (2**20 + 10), "application/sparql-query"),
    ("POST", "/sparql", b"query=" + b"x" * (2**20 + 10), "application/x-www-form-urlencoded"),
    ("GET", "/sparql?query=" + "x" * (300 * 1024), None, None),
    ("POST", "/sparql", b"SELECT * WHERE { ?s ?p '\xff\xfe' }", "application/sparql-query"),
    ("POST", "/sparql", b"query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%27%FF%27%20%7D", "application/x-www-form-urlencoded"),
    ("GET", "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%27%FF%FE%27%20%7D", None, None),
    ("POST", "/sparql", b"SELECT * WHERE { ?s ?p \x00 }", "application/sparql-query"),
    ("POST", "/sparql", "SELECT * WHERE { ?s ?p ?o }".encode("utf-16"), "application/sparql-query"),
])
def test_oversized_and_malformed_requests_get_a_4xx(server, method, path, body, content_type):
    status, _, answer = request(server[0], method, path, body,
                                {"Content-Type": content_type} if content_type else {})
    assert 400 <= status < 500, answer[:300]
    assert ask_count(server[0]) == 53


class BrokenEngine:
    """A SPARQL server on loopback that starts every answer and then fails, as Oxigraph does:
    200, the head of the results, then its error message (``ending``)."""

    def __init__(self):
        import http.server

        engine = self
        self.ending = b""

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.end_headers()
                self.wfile.write(b'{"head":{"vars":["s"]},"results":{"bindings":[' + engine.ending)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.mark.parametrize(("ending", "status", "message"), [
    (b"Internal error: the service failed", 502, "after its results had begun"),
    (b"The SPARQL operation has been cancelled", 503, "ran longer than the limit"),
])
def test_json_routes_and_sparql_never_send_a_broken_body(ending, status, message):
    from peerkg.api.app import create_app
    from peerkg.graph.store import EndpointStore

    engine = BrokenEngine()
    engine.ending = ending
    try:
        client = create_app({"STORE": EndpointStore(engine.url, timeout=5)}).test_client()
        for path in ("/api/studies", "/api/quotes", "/api/graph/themes",
                     "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D"):
            answer = client.get(path, headers={"Accept": "application/sparql-results+json"})
            assert answer.status_code == status, path
            assert answer.json["ok"] is False and message in answer.json["error"]
    finally:
        engine.server.shutdown()
