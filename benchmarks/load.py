"""A bounded load test of ``peerkg serve`` on loopback: N clients send a fixed number of requests
drawn from a mix of JSON API, page and SPARQL requests, first alone, then while another client
keeps a runaway query running; every answer must be what it should be (0 errors), and the
latencies are summarised (p50, p99, max) per phase.

    python benchmarks/load.py [--clients 16] [--requests 2000] [--timeout 5]

The store is the bundled study plus the invented mini study of the tests, restricted, so that
requests without a token go through the restricted view and some carry the read token. Each
client keeps one connection alive. The runaway client sends a cross join that only the query
timeout (``--timeout``) stops, again and again, and must get 503 each time. Prints a Markdown
table; the recorded results are in RESULTS.md.
"""

import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).parent.parent
TOKEN = "load-test-reader"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
QUOTES = ("PREFIX pk: <https://w3id.org/peerkg/ontology#> SELECT (COUNT(?q) AS ?n) "
          "WHERE { ?q a pk:Quote }")
BY_THEME = ("PREFIX pk: <https://w3id.org/peerkg/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
            "SELECT ?theme (COUNT(?q) AS ?n) WHERE { ?q pk:inTheme ?theme ; "
            "oa:hasSelector/oa:exact ?t FILTER(CONTAINS(?t, \"peer\")) } GROUP BY ?theme")
CONSTRUCT = ("PREFIX pk: <https://w3id.org/peerkg/ontology#> CONSTRUCT { ?s a pk:Site ; ?p ?o } "
             "WHERE { ?s a pk:Site ; ?p ?o }")
# (weight, kind, method, path, body, headers, expected status, with the read token)
MIX = [
    (6, "api", "GET", "/api/studies", None, {}, 200),
    (6, "api", "GET", "/api/quotes?limit=20&offset={n}", None, {}, 200),
    (4, "api", "GET", "/api/themes", None, {}, 200),
    (4, "api", "GET", "/api/queries/participants-by-site-role", None, {}, 200),
    (2, "api", "GET", "/api/graph/themes", None, {}, 200),
    (5, "page", "GET", "/", None, {"Accept": "text/html"}, 200),
    (4, "page", "GET", "/quotes?theme=who-becomes", None, {"Accept": "text/html"}, 200),
    (5, "page", "GET", "/id/gillard2013/quote/q{q:02d}", None, {"Accept": "text/html"}, 200),
    (8, "sparql", "GET", "/sparql?query=" + urllib.parse.quote(QUOTES), None,
     {"Accept": "application/sparql-results+json"}, 200),
    (6, "sparql", "POST", "/sparql", BY_THEME.encode(),
     {"Content-Type": "application/sparql-query", "Accept": "text/csv"}, 200),
    (4, "sparql", "POST", "/sparql", urllib.parse.urlencode({"query": CONSTRUCT}).encode(),
     {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/turtle"}, 200),
    (2, "sparql", "GET", "/sparql?query=" + urllib.parse.quote("SELECT * WHERE { SERVICE "
                                                               "<http://127.0.0.1:9/> {} }"),
     None, {}, 400),
]


class Client:
    """One kept-alive connection; ``send`` returns (status, seconds)."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def send(self, method, path, body, headers) -> tuple[int | None, float]:
        start = time.perf_counter()
        try:
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
            response.read()
            return response.status, time.perf_counter() - start
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            return None, time.perf_counter() - start


def plan(count: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    weights = [m[0] for m in MIX]
    requests = []
    for i in range(count):
        _, kind, method, path, body, headers, status = rng.choices(MIX, weights)[0]
        headers = dict(headers)
        if i % 5 == 0:  # a fifth of the requests carry the read token
            headers["Authorization"] = f"Bearer {TOKEN}"
        requests.append((kind, method, path.format(n=rng.randrange(50), q=rng.randint(1, 53)),
                         body, headers, status))
    return requests


def phase(port: int, clients: int, requests: list[tuple]) -> dict:
    results: list[tuple[str, bool, float]] = []
    lock = threading.Lock()
    share = [requests[i::clients] for i in range(clients)]

    def work(mine):
        client = Client(port)
        for kind, method, path, body, headers, expected in mine:
            status, seconds = client.send(method, path, body, headers)
            with lock:
                results.append((kind, status == expected, seconds, path, status))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(work, share))
    elapsed = time.perf_counter() - started
    return {"results": results, "elapsed": elapsed}


def summary(label: str, outcome: dict) -> list[str]:
    lines = []
    results = outcome["results"]
    for kind in ("all", "api", "page", "sparql"):
        chosen = [r for r in results if kind == "all" or r[0] == kind]
        times = sorted(r[2] for r in chosen)
        errors = sum(1 for r in chosen if not r[1])
        p50 = statistics.median(times)
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        lines.append(f"| {label} | {kind} | {len(chosen)} | {errors} | {p50 * 1000:.0f} | "
                     f"{p99 * 1000:.0f} | {times[-1] * 1000:.0f} | "
                     f"{len(chosen) / outcome['elapsed']:.0f} |")
    wrong = [r for r in results if not r[1]][:5]
    for _, _, _, path, status in wrong:
        print(f"  error: {path[:80]} answered {status}", file=sys.stderr)
    return lines


def run_away(port: int, stop: threading.Event, answers: list) -> None:
    """Send the runaway query until ``stop``; each status goes to ``answers``."""
    client = Client(port)
    while not stop.is_set():
        answers.append(client.send("GET", "/sparql?query=" + urllib.parse.quote(RUNAWAY),
                                   None, {})[0])


def serve(store: Path, port: int, timeout: float) -> subprocess.Popen:
    peerkg = str(Path(sys.executable).parent / "peerkg")
    process = subprocess.Popen([peerkg, "--store", str(store), "serve", "--port", str(port),
                                "--timeout", str(timeout), "--read-token", TOKEN],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/health")
            json.loads(connection.getresponse().read())
            return process
        except (OSError, ValueError):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("peerkg serve did not start") from None
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000, help="per phase")
    parser.add_argument("--timeout", type=float, default=30.0, help="the server's query timeout")
    args = parser.parse_args()
    from peerkg.graph.loader import initialise, load
    from peerkg.graph.store import open_store
    from peerkg.graph.store.engine import free_port

    with tempfile.TemporaryDirectory(prefix="peerkg-load-") as scratch:
        store = Path(scratch) / "store"
        with open_store(str(store)) as opened:
            initialise(opened)
            load(opened, [ROOT / "tests" / "data" / "mini-study"], access="restricted")
        port = free_port()
        server = serve(store, port, args.timeout)
        try:
            print("| phase | requests | count | errors | p50 (ms) | p99 (ms) | max (ms) | "
                  "per second |")
            print("|---|---|---|---|---|---|---|---|")
            phase(port, args.clients, plan(200, 0))  # warm-up, not counted
            for label, runaway in (("alone", False), ("beside a runaway query", True)):
                stop, answers = threading.Event(), []
                thread = (threading.Thread(target=run_away, args=(port, stop, answers))
                          if runaway else None)
                if thread:
                    thread.start()
                    time.sleep(1)  # the runaway query is running
                outcome = phase(port, args.clients, plan(args.requests, 1 if runaway else 2))
                if thread:
                    stop.set()
                    thread.join()
                for line in summary(label, outcome):
                    print(line, flush=True)
                if runaway:
                    print(f"\nrunaway queries sent: {len(answers)}, answered 503: "
                          f"{answers.count(503)}, other: {len(answers) - answers.count(503)}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
