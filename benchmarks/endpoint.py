"""Latency of ``/sparql`` (``peerkg serve``) against the same queries on its Oxigraph server
directly and on pyoxigraph in process, on the bundled study and on a synthetic collection.

    python benchmarks/endpoint.py [--quotes 68000] [--runs 5]

Every engine gets the same query strings and returns SPARQL JSON results, fully read: over HTTP
with a kept-alive connection (the front and the Oxigraph server it manages, so both use the
same engine process and data), in process with ``Store.query(...).serialize()`` on a RocksDB copy
of the same data. Median of ``--runs`` runs after one warm-up run. Prints a Markdown table; the
recorded results are in RESULTS.md.
"""

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import write  # noqa: E402

from peerkg.graph.loader import initialise  # noqa: E402
from peerkg.graph.store import open_store  # noqa: E402
from peerkg.queries import registry  # noqa: E402

SHAPES = {
    "join+FILTER": """PREFIX pk: <https://w3id.org/peerkg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?quote ?text ?label WHERE {
  ?quote a pk:Quote ; oa:hasSelector/oa:exact ?text ; pk:inTheme ?t .
  ?coding oa:hasTarget ?quote ; oa:hasBody ?code .
  ?code skos:prefLabel ?label .
  FILTER(CONTAINS(?text, "trust") && CONTAINS(?text, "power") && STRENDS(?label, "7"))
}""",
    "GROUP BY": """PREFIX pk: <https://w3id.org/peerkg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?theme (COUNT(DISTINCT ?quote) AS ?n) WHERE {
  ?quote pk:inTheme ?theme . ?coding oa:hasTarget ?quote .
} GROUP BY ?theme ORDER BY DESC(?n)""",
    "property paths": """PREFIX pk: <https://w3id.org/peerkg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?top (COUNT(*) AS ?n) WHERE {
  ?quote a pk:Quote ; ^oa:hasTarget/oa:hasBody/skos:broader+ ?top .
} GROUP BY ?top""",
}
JSON_RESULTS = "application/sparql-results+json"


class Http:
    """SPARQL over HTTP on one kept-alive connection; answers fully read. ``fields`` are sent
    with every query (the engine, which is not started with a union default graph, gets
    ``union-default-graph`` as ``peerkg serve`` sends it)."""

    def __init__(self, url: str, **fields: str):
        target = urllib.parse.urlsplit(url)
        self.path = target.path
        self.fields = fields
        self.connection = http.client.HTTPConnection(target.hostname, target.port, timeout=600)

    def __call__(self, query: str) -> int:
        body = urllib.parse.urlencode({"query": query, **self.fields})
        self.connection.request("POST", self.path, body, {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": JSON_RESULTS})
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {data[:300]!r}")
        return len(json.loads(data)["results"]["bindings"])


class InProcess:
    def __init__(self, location: Path):
        self.store = ox.Store(str(location))

    def __call__(self, query: str) -> int:
        data = self.store.query(query, use_default_graph_as_union=True).serialize(
            format=ox.QueryResultsFormat.JSON)
        return len(json.loads(data)["results"]["bindings"])


def timed(engine, query: str, runs: int) -> tuple[float, int]:
    rows = engine(query)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        engine(query)
        times.append(time.perf_counter() - start)
    return statistics.median(times), rows


def prepare(scratch: Path, quotes: int | None) -> Path:
    """An N-Quads file: the bundled study (``quotes`` None) or the synthetic collection."""
    path = scratch / "data.nq"
    if quotes is None:
        with open_store(":memory:") as store:
            initialise(store)
            path.write_bytes(store.dump())
    else:
        write(path, quotes)
    return path


def bench(label: str, data: Path, queries: dict[str, str], runs: int) -> list[str]:
    scratch = data.parent
    served, local = scratch / "served", scratch / "local"
    loader = ox.Store(str(served))
    loader.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    loader.optimize()
    triples = len(loader)
    del loader
    shutil.copytree(served, local)
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "peerkg"), "--store", str(served), "serve",
         "--port", str(port), "--timeout", "300", "--max-result-mb", "1024"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        front = f"http://127.0.0.1:{port}"
        _wait(front)
        engines = {"endpoint": Http(front + "/sparql"),
                   "oxigraph": Http(engine_url(server.pid) + "/query",
                                    **{"union-default-graph": ""}),
                   "pyoxigraph": InProcess(local)}
        lines = []
        for name, query in queries.items():
            results = {e: timed(engine, query, runs) for e, engine in engines.items()}
            rows = {r for _, r in results.values()}
            assert len(rows) == 1, f"{name}: engines disagree on row counts {results}"
            t = {e: s for e, (s, _) in results.items()}
            overhead = t["endpoint"] - t["oxigraph"]
            ok = overhead <= (0.2 * t["oxigraph"] if t["oxigraph"] > 0.010 else 0.003)
            lines.append(f"| {label} ({triples:,} triples) | {name} | {rows.pop():,} | "
                         f"{t['pyoxigraph'] * 1000:.1f} | {t['oxigraph'] * 1000:.1f} | "
                         f"{t['endpoint'] * 1000:.1f} | {overhead * 1000:+.1f} ms "
                         f"(x{t['endpoint'] / t['oxigraph']:.2f}) | {'yes' if ok else 'NO'} |")
            print(lines[-1], flush=True)
        return lines
    finally:
        server.terminate()
        server.wait(timeout=30)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(front: str) -> None:
    """Wait for the front to answer."""
    deadline = time.monotonic() + 300
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", urllib.parse.urlsplit(front).port)
            connection.request("GET", "/api/health")
            json.loads(connection.getresponse().read())
            return
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def engine_url(server_pid: int) -> str:
    """The URL of the Oxigraph server that the ``peerkg serve`` process ``server_pid`` started,
    read from /proc (Linux): the front tells nobody its engine's address."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            args = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if parent == server_pid and b"--bind" in args:
            return "http://" + args[args.index(b"--bind") + 1].decode()
    raise RuntimeError(f"no Oxigraph server started by process {server_pid}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quotes", type=int, default=68_000,
                        help="quotes in the synthetic collection (about 15 triples each)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    named = {q.name: q.text for q in registry().values()
             if not q.name.startswith("graph-") and q.name != "entity-links"}
    print("| data | query | rows | pyoxigraph in process (ms) | Oxigraph server (ms) | "
          "/sparql (ms) | endpoint overhead | within target |")
    print("|---|---|---|---|---|---|---|---|")
    for label, quotes, queries in (("bundled study", None, {**named, **SHAPES}),
                                   ("synthetic", args.quotes, {**named, **SHAPES})):
        with tempfile.TemporaryDirectory(prefix="peerkg-bench-") as scratch:
            bench(label, prepare(Path(scratch), quotes), queries, args.runs)


if __name__ == "__main__":
    main()
