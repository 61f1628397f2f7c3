"""Shared fixtures: real stores on temporary directories, a real Oxigraph server on a free
loopback port, a private Virtuoso, and the rule for tests that need Java, Chromium or Virtuoso
(skip locally with a reason, fail under CI where .ci/run sets PEERKG_REQUIRE_ALL=1)."""

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from rdflib import URIRef
from werkzeug.serving import make_server

from peerkg.api.app import create_app
from peerkg.graph.loader import initialise
from peerkg.graph.store import EndpointStore, open_store
from peerkg.graph.store.engine import Engine, free_port
from peerkg.graph.store.settings import EndpointSettings

from . import virtuoso as private_virtuoso

ROOT = Path(__file__).parent.parent
SEED = ROOT / "tests" / "data" / "gillard2013-fulltext.txt"  # the paper, vendored (CC BY 2.0)
STUDY = ROOT / "graph" / "studies" / "gillard2013"
REQUIRE_ALL = os.environ.get("PEERKG_REQUIRE_ALL") == "1"


def _missing(marker: str) -> str | None:
    if marker == "java" and not shutil.which("java"):
        return "needs a Java runtime for HermiT (apt-get install default-jre-headless)"
    if marker == "browser" and not shutil.which("chromium"):
        return "needs Debian's chromium (apt-get install chromium)"
    if marker == "virtuoso" and not private_virtuoso.available():
        return "needs Debian's Virtuoso 7 (apt-get install virtuoso-opensource)"
    return None


def pytest_runtest_setup(item):
    for marker in ("java", "browser", "virtuoso"):
        if item.get_closest_marker(marker) and (reason := _missing(marker)):
            if REQUIRE_ALL:
                pytest.fail(f"required under CI: {reason}")
            pytest.skip(reason)


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.fail(f"the seed text is missing: {SEED}")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def embedded(tmp_path):
    """An empty embedded store on a temporary directory."""
    with open_store(str(tmp_path / "store")) as store:
        yield store


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph server (from the oxigraph PyPI package) on a free loopback port, started
    by the same Engine class ``peerkg serve`` uses, with the union of named graphs as its
    default graph; one for the whole run (``endpoint`` empties it for each test). Yields its
    base URL."""
    engine = Engine(str(tmp_path_factory.mktemp("oxigraph") / "store"), timeout=None, writable=True)
    engine.start()
    yield engine.url
    engine.stop()


@pytest.fixture(scope="session")
def oxigraph_no_union(tmp_path_factory):
    """An Oxigraph server whose default graph is its own, not the union of the named graphs;
    one for the whole run. Yields its base URL."""
    port = free_port()
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    process = subprocess.Popen(
        [binary, "serve", "--location", str(tmp_path_factory.mktemp("no-union") / "store"),
         "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/query?query=ASK%7B%7D")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def endpoint(oxigraph_server):
    """An empty endpoint store speaking SPARQL protocol to a real Oxigraph server."""
    store = EndpointStore(oxigraph_server, settings=EndpointSettings())
    store.update("CLEAR ALL")
    yield store
    store.close()


@pytest.fixture
def endpoint_no_union(oxigraph_no_union):
    """An empty endpoint store on an Oxigraph server whose default graph is not the union: the
    store must name the graphs in every query (its fallback for such engines)."""
    store = EndpointStore(oxigraph_no_union, settings=EndpointSettings())
    assert not store.profile.union_default_graph
    store.update("CLEAR ALL")
    yield store
    store.close()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A private Virtuoso 7 on free loopback ports and its own database (tests/virtuoso.py),
    for the whole session; tests use :func:`virtuoso`, which empties it first."""
    server = private_virtuoso.Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def virtuoso(virtuoso_server):
    """An empty endpoint store on the private Virtuoso, writing as a user with the
    SPARQL_UPDATE role (HTTP Digest on /sparql-auth)."""
    with EndpointStore(virtuoso_server.url, settings=virtuoso_server.settings) as store:
        for name in store.graphs():
            store.drop_graph(URIRef(name))
        yield store


@pytest.fixture(params=["embedded", "endpoint", "endpoint_no_union",
                        pytest.param("virtuoso", marks=pytest.mark.virtuoso)])
def any_store(request):
    """Each backend in turn: the store contract tests and the named queries run on the embedded
    store, on an Oxigraph server (with and without the union default graph) and on Virtuoso."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def protocol_server(tmp_path_factory):
    """A real ``peerkg serve`` on an empty store, with the write token of tests/test_serve.py:
    the W3C protocol and dataset suites load their own data into it."""
    from .test_serve import TOKEN, running_server

    location = tmp_path_factory.mktemp("protocol") / "store"
    with running_server(str(location), "--write-token", TOKEN) as (url, _):
        yield url


@pytest.fixture(scope="session")
def zygote():
    """Starts peerkg commands without paying Python's start-up each time (tests/zygote.py)."""
    from .zygote import Zygote

    starter = Zygote()
    yield starter
    starter.close()


@pytest.fixture(scope="session")
def initialised(tmp_path_factory) -> Path:
    """A closed store directory holding the ontology, the vocabulary and the bundled studies,
    initialised once per run; tests get copies of it (:func:`store_dir`, :func:`loaded`)."""
    location = tmp_path_factory.mktemp("initialised") / "store"
    with open_store(str(location)) as store:
        initialise(store)
    return location


@pytest.fixture
def store_dir(initialised, tmp_path) -> str:
    """A fresh copy of the initialised store directory, for one test to change."""
    return str(shutil.copytree(initialised, tmp_path / "store"))


@pytest.fixture
def initialised_store(store_dir):
    """An open embedded store on a fresh copy of the initialised store."""
    with open_store(store_dir) as store:
        yield store


@pytest.fixture(scope="session")
def loaded(initialised, tmp_path_factory):
    """A session-wide embedded store with the ontology and the bundled studies (read-only use)."""
    store = open_store(str(shutil.copytree(initialised, tmp_path_factory.mktemp("loaded") / "store")))
    yield store
    store.close()


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def app_server(loaded):
    """The app on the loaded store, on a free 127.0.0.1 port, served by werkzeug in a thread;
    yields its base URL."""
    port = free_port()
    httpd = make_server("127.0.0.1", port, create_app({"STORE": loaded}), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright, once per test run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(app_server, browser):
    """Open a path of :func:`app_server` in a new page of :func:`browser`.

    The page records in ``page.problems`` every console error, page error, failed request and
    request to anywhere but the server (nothing may come from a CDN)."""
    pages = []

    def open_(path: str):
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        pages.append(page)
        page.problems = []
        page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url}"))
        page.on("request", lambda r: r.url.startswith((app_server, "blob:", "data:"))
                or page.problems.append(f"off-site: {r.url}"))
        page.goto(app_server + path)
        return page

    yield open_
    for page in pages:
        page.close()
