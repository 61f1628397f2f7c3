"""The second engine: every named query on an Oxigraph server and on Virtuoso 7, both spoken to
through peerkg's own EndpointStore, on the bundled study and on a synthetic collection.

    python benchmarks/engines.py [--studies 10] [--quotes 320] [--runs 3]

Both engines run on this machine in the same run: the Oxigraph server of the PyPI ``oxigraph``
package (writable, with the union default graph, as tests and remote endpoints use it) and
Debian's ``virtuoso-opensource`` (a private instance on a temporary directory, tests/virtuoso.py:
Debian's defaults but for its ports and files, a result limit high enough for every result and
``NumberOfBuffers`` sized for the data), and the same with one more line in virtuoso.ini,
``StopCompilerWhenXOverRunTime = 1``, which stops its planner once planning takes longer than
the plan is estimated to run (see RESULTS.md for why). Data goes in as a user puts it there:
the bundled study with ``peerkg --store URL init``, then the synthetic collection
(``synthetic.py``: ``--studies`` studies of ``--quotes`` quotes, about 10^4 triples a study at
320 quotes) written as N-Quads and added with ``peerkg --store URL load FILE.nq``; both are
timed per engine. Each named query without a required parameter is run as peerkg runs it
(``NamedQuery.run``, SELECT results as SPARQL JSON parsed into terms): one warm-up, then the
median of ``--runs``. Row counts must agree between the engines: a query where they do not is
marked in the table and the script exits with status 1 at the end. Prints Markdown tables; the
results are in RESULTS.md.
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
ENGINES = ("oxigraph", "virtuoso", "tuned")


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


def peerkg(url: str, settings: EndpointSettings, *args: str) -> float:
    """Seconds ``peerkg --store URL ARGS`` took, with the endpoint's credentials in the
    environment."""
    env = {**os.environ, "PEERKG_STORE_CONFIG": os.devnull}
    if settings.user:
        env |= {"PEERKG_STORE_USER": settings.user, "PEERKG_STORE_PASSWORD": settings.password}
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "peerkg"), "--store", url, *args],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def ms(seconds: float) -> str:
    return "error" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def ratio(seconds: float, baseline: float) -> str:
    return "" if math.isnan(seconds) or math.isnan(baseline) else f"x{seconds / baseline:.2f}"


def compare(label: str, stores: dict[str, EndpointStore], runs: int) -> list[str]:
    """Print one table row per query; return the names of those whose row counts differ."""
    triples = {n: int(s.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0])
               for n, s in stores.items()}
    assert len(set(triples.values())) == 1, f"the engines hold different data: {triples}"
    differ = []
    queries = [q for q in registry().values() if all(p.optional for p in q.params)]
    for query in sorted(queries, key=lambda q: q.name):
        results = {n: timed(lambda s=s, q=query: q.run(s), runs) for n, s in stores.items()}
        counts = [f"{r:,}" if r != "error" else r for _, r in results.values()]
        rows = set(counts) - {"error"}
        if len(rows) > 1:
            differ.append(query.name)
        row = " / ".join(counts) + " (differ)" if len(rows) > 1 else rows.pop() if rows else "error"
        ox, vt, tu = (results[n][0] for n in ENGINES)
        print(f"| {label} ({triples['oxigraph']:,} triples) | {query.name} | {row} | {ms(ox)} "
              f"| {ms(vt)} | {ratio(vt, ox)} | {ms(tu)} | {ratio(tu, ox)} |", flush=True)
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", type=int, default=10, help="studies in the synthetic collection")
    parser.add_argument("--quotes", type=int, default=320, help="quotes per synthetic study")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the engines on the way out
    with tempfile.TemporaryDirectory(prefix="peerkg-engines-") as scratch:
        scratch = Path(scratch)
        collection = scratch / "synthetic.nq"  # before the engines: a pool forked beside their
        quads = write(collection, args.studies, args.quotes)  # threads can hang
        oxigraph = Engine(str(scratch / "oxigraph"), timeout=None, writable=True)
        virtuoso = Virtuoso(scratch / "virtuoso", buffers=340_000, max_seconds=3600)
        tuned = Virtuoso(scratch / "tuned", buffers=340_000, max_seconds=3600, parameters=TUNED)
        servers = dict(zip(ENGINES, (oxigraph, virtuoso, tuned), strict=True))
        for server in servers.values():
            server.start()
        try:
            settings = {"oxigraph": EndpointSettings(), "virtuoso": virtuoso.settings,
                        "tuned": tuned.settings}
            stores = {n: EndpointStore(servers[n].url, timeout=3600, settings=settings[n])
                      for n in ENGINES}
            print("| data | query | rows | Oxigraph server (ms) | Virtuoso 7 (ms) | ÷ Oxigraph "
                  "| Virtuoso 7, compile limit (ms) | ÷ Oxigraph |")
            print("|---|---|---|---|---|---|---|---|")
            init = {n: peerkg(servers[n].url, settings[n], "init") for n in ENGINES}
            differ = compare("bundled study", stores, args.runs)
            load = {n: peerkg(servers[n].url, settings[n], "load", str(collection)) for n in ENGINES}
            differ += compare("synthetic", stores, args.runs)
            print("\n| load | Oxigraph server (s) | Virtuoso 7 (s) | Virtuoso 7, compile limit (s) |")
            print("|---|---|---|---|")
            for label, seconds in (("bundled study (`peerkg init`)", init),
                                   (f"synthetic, {quads:,} quads (`peerkg load`)", load)):
                print(f"| {label} | " + " | ".join(f"{seconds[n]:.1f}" for n in ENGINES) + " |")
        finally:
            for server in servers.values():
                server.stop()
    if differ:
        sys.exit(f"the engines disagree on the row counts of: {', '.join(differ)}")


if __name__ == "__main__":
    main()
