"""A real ``peerkg serve`` on a free loopback port: runaway queries, refused updates, concurrent
clients and a real SPARQL client (SPARQLWrapper)."""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from rdflib import Graph
from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper

from .conftest import free_port, wait_for

pytestmark = pytest.mark.server

TIMEOUT = 2
TOKEN = "s3cret-token"
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT_QUOTES = ("SELECT (COUNT(?q) AS ?n) WHERE "
                "{ ?q a <https://w3id.org/peerkg/ontology#Quote> }")


@contextmanager
def running_server(store: str, *options: str, env: dict | None = None):
    """``peerkg --store STORE serve OPTIONS`` on a free port; yields (base URL, process)."""
    port = free_port()
    binary = Path(sys.executable).parent / "peerkg"
    process = subprocess.Popen([str(binary), "--store", store, "serve", "--port", str(port), *options],
                               env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while process.poll() is None and time.monotonic() < deadline:
            try:
                wait_for(url + "/api/health", timeout=1)
                break
            except OSError:
                continue
        else:
            pytest.fail(f"peerkg serve did not start: {process.stderr.read().decode()[-3000:]}")
        yield url, process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        process.stderr.close()


def request(url: str, method: str = "GET", path: str = "/sparql", body: bytes | None = None,
            headers: dict | None = None, timeout: float = 60):
    """One raw HTTP request; returns (status, headers, body)."""
    target = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def ask_count(url: str, query: str = COUNT_QUOTES) -> int:
    status, _, body = request(url, path="/sparql?" + urllib.parse.urlencode({"query": query}),
                              headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def engine_pids(server_pid: int) -> list[int]:
    """The Oxigraph server processes started by the peerkg process ``server_pid``."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            comm = stat.read_text().split("(", 1)[1].rsplit(")", 1)[0]
        except OSError:
            continue
        if int(fields[1]) == server_pid and comm.startswith("oxigraph"):
            pids.append(int(stat.parent.name))
    return pids


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def bundled():
    """A read-only server on the bundled study (':memory:'), with a 2 s query timeout."""
    with running_server(":memory:", env={"PEERKG_QUERY_TIMEOUT": str(TIMEOUT)}) as s:
        yield s


@pytest.fixture(scope="module")
def writable(tmp_path_factory):
    """A server with a write token on a store directory holding the bundled study."""
    location = tmp_path_factory.mktemp("writable") / "store"
    subprocess.run([str(Path(sys.executable).parent / "peerkg"), "--store", str(location),
                    "init"], check=True, capture_output=True)
    with running_server(str(location), env={"PEERKG_WRITE_TOKEN": TOKEN}) as s:
        yield s


def test_an_explosive_query_is_stopped_and_the_server_goes_on(bundled):
    url, process = bundled
    outcome = {}

    def explode():
        start = time.monotonic()
        outcome["answer"] = request(url, path="/sparql?" + urllib.parse.urlencode(
            {"query": EXPLOSIVE}), headers={"Accept": "application/sparql-results+json"})
        outcome["seconds"] = time.monotonic() - start

    runaway = threading.Thread(target=explode)
    runaway.start()
    time.sleep(0.5)
    start = time.monotonic()
    assert ask_count(url) == 53  # answered normally while the runaway query runs
    assert time.monotonic() - start < 1.5
    runaway.join(timeout=TIMEOUT + 10)

    status, headers, body = outcome["answer"]
    assert status == 503
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)
    assert error["ok"] is False and error["status"] == 503
    assert "ran longer than the limit of 2 s" in error["error"]
    assert outcome["seconds"] < TIMEOUT + 2

    time.sleep(0.5)
    (engine,) = engine_pids(process.pid)
    before = cpu_seconds(engine)
    time.sleep(1.0)
    assert cpu_seconds(engine) - before < 0.1  # the query no longer burns CPU
    assert ask_count(url) == 53


def test_a_big_result_is_cut_off_with_an_error(tmp_path):
    with running_server(":memory:", "--max-result-mb", "0.01") as (url, _):
        status, _, body = request(url, path="/sparql?query=" + urllib.parse.quote(
            "SELECT * WHERE { ?s ?p ?o }"))
        assert status == 503
        assert "larger than 10485 bytes" in json.loads(body)["error"]
        assert ask_count(url) == 53


def test_updates_are_refused_without_the_token_and_change_nothing(bundled, writable):
    update = "CLEAR ALL"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = urllib.parse.urlencode({"update": update}).encode()

    status, _, answer = request(bundled[0], "POST", body=body, headers=form)
    assert status == 403
    assert "read-only" in json.loads(answer)["error"]
    assert ask_count(bundled[0]) == 53

    url = writable[0]
    status, headers, answer = request(url, "POST", body=body, headers=form)
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in json.loads(answer)["error"]
    status, _, answer = request(url, "POST", body=body,
                                headers={**form, "Authorization": "Bearer wrong"})
    assert status == 403
    assert json.loads(answer)["error"] == "the write token is wrong; nothing was changed"
    status, _, answer = request(url, "POST", body=b"CLEAR ALL",
                                headers={"Content-Type": "application/sparql-update"})
    assert status == 401
    assert ask_count(url) == 53


def test_a_malformed_update_with_the_token_changes_nothing(writable):
    url = writable[0]
    status, _, answer = request(
        url, "POST", body=b"INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } } ; CLEAR XYZ",
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert status == 400
    assert "refused" in json.loads(answer)["error"]
    assert ask_count(url, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:g> { ?s ?p ?o } }") == 0
    assert ask_count(url) == 53


def test_sparqlwrapper_reads_and_writes(writable):
    url = writable[0]
    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(COUNT_QUOTES)
    client.setReturnFormat(JSON)
    assert client.query().convert()["results"]["bindings"][0]["n"]["value"] == "53"

    client.setQuery("CONSTRUCT { ?q a ?t } WHERE { ?q a ?t } LIMIT 5")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == 5

    writer = SPARQLWrapper(url + "/sparql", updateEndpoint=url + "/sparql")
    writer.setMethod(POST)
    writer.setRequestMethod(URLENCODED)
    writer.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    writer.setQuery("INSERT DATA { GRAPH <urn:test> { <urn:a> <urn:b> 'c' } }")
    writer.query()
    assert ask_count(url, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:test> { ?s ?p ?o } }") == 1
    writer.setQuery("DROP GRAPH <urn:test>")
    writer.query()


def test_concurrent_clients_get_their_own_answers(bundled):
    url = bundled[0]

    def one(i: int):
        if i % 3 == 0:
            return ask_count(url) == 53
        if i % 3 == 1:
            status, _, body = request(url, path="/api/queries/participants-by-site-role")
            return status == 200 and len(json.loads(body)["rows"]) > 0
        status, _, body = request(url, path=f"/api/quotes?limit=1&offset={i % 53}")
        return status == 200 and json.loads(body)["total"] == 53

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(one, range(64)))


def test_the_server_binds_loopback_by_default(bundled):
    url, process = bundled
    assert url.startswith("http://127.0.0.1:")
    connections = Path(f"/proc/{process.pid}/net/tcp").read_text().splitlines()[1:]
    port = f"{urllib.parse.urlsplit(url).port:04X}"
    listening = [c.split() for c in connections if c.split()[3] == "0A"]
    assert any(c[1] == f"0100007F:{port}" for c in listening)
