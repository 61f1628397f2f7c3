"""Shared fixtures: real stores on temporary directories, a real Oxigraph server on a free
loopback port, and the rule for tests that need Java or Chromium (skip locally with a reason,
fail under CI where .ci/run sets PEERKG_REQUIRE_ALL=1)."""

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from peerkg.api.app import create_app
from peerkg.graph.loader import initialise
from peerkg.graph.store import EndpointStore, open_store
from peerkg.graph.store.engine import free_port

ROOT = Path(__file__).parent.parent
SEED = ROOT.parent / "shared" / "seed" / "000_505e6c33355fddf1.txt"
STUDY = ROOT / "graph" / "studies" / "gillard2013"
REQUIRE_ALL = os.environ.get("PEERKG_REQUIRE_ALL") == "1"


def _missing(marker: str) -> str | None:
    if marker == "java" and not shutil.which("java"):
        return "needs a Java runtime for HermiT (apt-get install default-jre-headless)"
    if marker == "browser" and not shutil.which("chromium"):
        return "needs Debian's chromium (apt-get install chromium)"
    return None


def pytest_runtest_setup(item):
    for marker in ("java", "browser"):
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


@pytest.fixture
def oxigraph_server(tmp_path):
    """A real Oxigraph server (from the oxigraph PyPI package) on a free loopback port, with the
    union of named graphs as its default graph; yields its base URL."""
    port = free_port()
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    process = subprocess.Popen(
        [binary, "serve", "--location", str(tmp_path / "oxigraph"), "--bind",
         f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
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
    return EndpointStore(oxigraph_server)


@pytest.fixture(params=["embedded", "endpoint"])
def any_store(request):
    """Each backend in turn: the store contract tests run on both."""
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
def loaded(tmp_path_factory):
    """A session-wide embedded store with the ontology and the bundled study (read-only use)."""
    store = open_store(str(tmp_path_factory.mktemp("loaded") / "store"))
    initialise(store)
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


@pytest.fixture
def open_page(app_server):
    """Open a path of :func:`app_server` in Debian's headless Chromium (driven by Playwright).

    The page records in ``page.problems`` every console error, page error, failed request and
    request to anywhere but the server (nothing may come from a CDN)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

        def open_(path: str):
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.problems = []
            page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
            page.on("pageerror", lambda e: page.problems.append(str(e)))
            page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url}"))
            page.on("request", lambda r: r.url.startswith((app_server, "blob:", "data:"))
                    or page.problems.append(f"off-site: {r.url}"))
            page.goto(app_server + path)
            return page

        yield open_
        browser.close()
