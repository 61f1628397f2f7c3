"""The second engine: every named query on an Oxigraph server and on Virtuoso 7, both spoken to
through peerkg's own EndpointStore, on the bundled study and on a synthetic collection.

    python benchmarks/engines.py [--studies 20] [--quotes 3400] [--runs 3]

Both engines run on this machine in the same run: the Oxigraph server of the PyPI ``oxigraph``
package (started as ``peerkg serve`` starts it, with the union default graph) and Debian's
``virtuoso-opensource`` (a private instance on a temporary directory, tests/virtuoso.py:
Debian's defaults but for its ports and files, a result limit high enough for every result and
``NumberOfBuffers`` sized for the data), and the same with one more line in virtuoso.ini,
``StopCompilerWhenXOverRunTime = 1``, which stops its planner once planning takes longer than
the plan is estimated to run (see RESULTS.md for why). The bundled study is loaded with ``peerkg --store URL
init``; the synthetic collection (``synthetic.py``) with ``EndpointStore.replace_graphs``, the
store step of ``peerkg load``, one graph at a time: ``peerkg load`` of the whole file sends it
as one update (one transaction), 170 MB, which an Oxigraph server refuses (its limit is 128 MB).
Each query is run as peerkg runs it (``NamedQuery.run``, SELECT results as SPARQL JSON
parsed into terms): one warm-up, then the median of ``--runs``. Row counts must agree between
the engines. Prints Markdown tables; the results are in RESULTS.md.
"""

import argparse
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Dataset, URIRef

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT)]
from synthetic import write  # noqa: E402

from peerkg.graph.base.errors import StoreError  # noqa: E402
from peerkg.graph.store import EndpointStore  # noqa: E402
from peerkg.graph.store.engine import Engine  # noqa: E402
from peerkg.graph.store.settings import EndpointSettings  # noqa: E402
from peerkg.queries import registry  # noqa: E402
from tests.virtuoso import Virtuoso  # noqa: E402

TUNED = {"StopCompilerWhenXOverRunTime": 1}  # stop planning once it outlasts the estimated run


def timed(run, runs: int) -> tuple[float, int | str]:
    """The median time of ``runs`` runs after a warm-up, and the row count (or the error)."""
    try:
        rows = len(run().rows)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
    except StoreError as e:
        print(f"error: {str(e)[-300:]}", file=sys.stderr, flush=True)
        return float("nan"), "error"
    return statistics.median(times), rows


def empty(store: EndpointStore) -> None:
    for name in store.graphs():
        store.drop_graph(URIRef(name))


def init(url: str, settings: EndpointSettings) -> float:
    """``peerkg --store URL init``, with the endpoint's credentials in the environment."""
    env = {**os.environ, "PEERKG_STORE_CONFIG": os.devnull}
    if settings.user:
        env |= {"PEERKG_STORE_USER": settings.user, "PEERKG_STORE_PASSWORD": settings.password}
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "peerkg"), "--store", url, "init"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def synthetic_graphs(scratch: Path, studies: int, quotes: int) -> dict:
    path = scratch / "synthetic.nq"
    write(path, studies, quotes)
    dataset = Dataset()
    dataset.parse(path, format="nquads")
    return {g.identifier: g for g in dataset.graphs() if isinstance(g.identifier, URIRef) and len(g)}


def cells(seconds: float, baseline: float) -> str:
    """Milliseconds and the ratio to ``baseline``, as two table cells."""
    if math.isnan(seconds):
        return "error | "
    return f"{seconds * 1000:.1f} | x{seconds / baseline:.2f}"


def compare(label: str, stores: dict[str, EndpointStore], runs: int) -> list[str]:
    lines = []
    triples = {n: int(s.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0])
               for n, s in stores.items()}
    assert len(set(triples.values())) == 1, f"the engines hold different data: {triples}"
    for query in sorted(registry().values(), key=lambda q: q.name):
        results = {n: timed(lambda s=s, q=query: q.run(s), runs) for n, s in stores.items()}
        rows = {r for _, r in results.values()} - {"error"}
        assert len(rows) == 1, f"{query.name}: the engines disagree on row counts {results}"
        ox, vt, tu = (results[n][0] for n in ("oxigraph", "virtuoso", "tuned"))
        lines.append(f"| {label} ({triples['oxigraph']:,} triples) | {query.name} | {rows.pop():,} "
                     f"| {ox * 1000:.1f} | {cells(vt, ox)} | {cells(tu, ox)} |")
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", type=int, default=20, help="studies in the synthetic collection")
    parser.add_argument("--quotes", type=int, default=3_400,
                        help="quotes per synthetic study (about 13 triples each)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the engines on the way out
    with tempfile.TemporaryDirectory(prefix="peerkg-engines-") as scratch:
        scratch = Path(scratch)
        oxigraph = Engine(str(scratch / "oxigraph"), timeout=None)
        virtuoso = Virtuoso(scratch / "virtuoso", buffers=340_000, max_seconds=3600)
        tuned = Virtuoso(scratch / "tuned", buffers=340_000, max_seconds=3600, parameters=TUNED)
        servers = [oxigraph, virtuoso, tuned]
        for server in servers:
            server.start()
        try:
            settings = {"oxigraph": EndpointSettings(), "virtuoso": virtuoso.settings,
                        "tuned": tuned.settings}
            urls = {"oxigraph": oxigraph.url, "virtuoso": virtuoso.url, "tuned": tuned.url}
            stores = {n: EndpointStore(urls[n], timeout=3600, settings=settings[n]) for n in urls}
            print("| data | query | rows | Oxigraph server (ms) | Virtuoso 7 (ms) | ÷ Oxigraph "
                  "| Virtuoso 7, compile limit (ms) | ÷ Oxigraph |")
            print("|---|---|---|---|---|---|---|---|")
            loads = {n: init(urls[n], settings[n]) for n in urls}
            lines = compare("bundled study", stores, args.runs)
            graphs = synthetic_graphs(scratch, args.studies, args.quotes)
            for name, store in stores.items():
                empty(store)
                start = time.perf_counter()
                for graph, content in graphs.items():  # one by one: an Oxigraph server takes
                    store.replace_graphs({graph: content})  # at most 128 MB per request
                loads[f"{name} synthetic"] = time.perf_counter() - start
            lines += compare("synthetic", stores, args.runs)
            print("\n| load | Oxigraph server (s) | Virtuoso 7 (s) | Virtuoso 7, compile limit (s) |")
            print("|---|---|---|---|")
            for label, key in (("bundled study (`peerkg init`)", ""),
                               ("synthetic (`replace_graphs`)", " synthetic")):
                print(f"| {label} | " + " | ".join(f"{loads[n + key]:.1f}" for n in urls) + " |")
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main()
