"""Latency of every named query, and of every list route and page of the API, at several
sizes, as ``peerkg serve`` runs them: on the Oxigraph server it manages (union default graph,
timeout).

    python benchmarks/queries_bench.py --studies 10 100 1000 --data /tmp/pk-bench [--runs 3]
                                        [--pages-only] [--only NAME ...] [--before GIT-REF]
                                        [--restricted]

Each size is the first N studies of the synthetic collection (``DATA/cN.nq``, see
load_bench.py), put once into ``DATA/store-cN`` with ``peerkg init`` and ``peerkg load``
(loading is timed by load_bench.py). Median of ``--runs`` runs after one warm-up; a query past
``--timeout`` seconds is cancelled by the engine and shown as such. The routes (``PAGES``:
``/api/quotes?limit=50``, the quote browser ``/quotes``, the overview, ``/api/themes``, the graph
views and synthesis of one study, ...) run through the Flask app (test client) on the same
engine: for quotes the first page and a page deep in the collection. The answers the store
keeps between writes (graph/store/memo.py) are kept here too; a row "first request after a
write" drops them before each run: what the first visitor after a write pays where nothing
warmed them (``peerkg serve`` warms the overview, the quote browser and the first themes in the
background, api/warm.py). Each cell is "wall ms / CPU ms (rows)": the CPU
time of this process and the engine together, which other load on a shared machine does not
inflate. Prints a Markdown table. ``--only`` times only the named queries; ``--before REF``
also times each query's text at git ref REF (e.g. ``main``) in the same run, right before the
current one, as a row "NAME (REF)", so that a rewrite is compared on the same machine load.
``--restricted`` runs on ``DATA/store-cN-restricted`` instead: a copy of the store with one more
study, loaded restricted (``peerkg load --access restricted``), with a write token set, so that
every request (without a token), and every named query, goes through the restricted view
(graph/store/hiding.py).
"""

import argparse
import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peerkg.api.app import create_app
from peerkg.graph.base.iris import page_path
from peerkg.graph.store import QueryTimeout
from peerkg.graph.store.access import public_view
from peerkg.graph.store.engine import query_engine
from peerkg.queries import registry

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import QUOTES_PER_STUDY, write_package  # noqa: E402

BIN = Path(sys.executable).parent
PAGES = [  # (row label, URL, whether each run comes just after a write)
    ("/api/quotes?limit=50", "/api/quotes?limit=50", False),
    ("/api/quotes?limit=50&offset=middle", "/api/quotes?limit=50&offset={middle}", False),
    ("/api/quotes?limit=50, first request after a write", "/api/quotes?limit=50", True),
    ("/quotes (the quote browser)", "/quotes", False),
    ("/quotes?offset=middle", "/quotes?offset={middle}", False),
    ("/ (the overview)", "/", False),
    ("/ (the overview), first request after a write", "/", True),
    ("/api/studies", "/api/studies", False),
    ("/api/themes", "/api/themes", False),
    ("/api/themes?study=one", "/api/themes?study={study}", False),
    ("/api/constructs", "/api/constructs", False),
    ("/api/constructs, first request after a write", "/api/constructs", True),
    ("/api/graph/facets", "/api/graph/facets", False),
    ("/api/graph/themes?study=one", "/api/graph/themes?study={study}", False),
    ("/api/graph/cooccurrence?study=one", "/api/graph/cooccurrence?study={study}", False),
    ("/api/synthesis?study=one", "/api/synthesis?study={study}", False),
    ("/synthesis?study=one", "/synthesis?study={study}", False),
    ("/synthesis?study=one, first request after a write", "/synthesis?study={study}", True),
    ("/id/<a quote>", "{quote}", False),
]
ROOT = Path(__file__).resolve().parent.parent


def at_ref(query, ref: str):
    """``query`` with its SPARQL text as it was at git ref ``ref`` (None if it did not exist)."""
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:queries/{query.name}.rq"],
                           capture_output=True, text=True)
    if shown.returncode:
        return None
    return dataclasses.replace(query, text=shown.stdout)


def prepared(data: Path, studies: int) -> Path:
    """``DATA/store-cN``, made once with the user's commands: ``peerkg init``, ``peerkg load``."""
    store = data / f"store-c{studies}"
    if not store.exists():
        for command in (["init"], ["load", str(data / f"c{studies}.nq")]):
            subprocess.run([str(BIN / "peerkg"), "--store", str(store), *command], check=True,
                           capture_output=True)
    return store


def restricted(data: Path, studies: int) -> Path:
    """``DATA/store-cN-restricted``, made once: a copy of ``DATA/store-cN`` and one more study
    package loaded with ``peerkg load --access restricted``."""
    store = data / f"store-c{studies}-restricted"
    if not store.exists():
        shutil.copytree(prepared(data, studies), store)
        with tempfile.TemporaryDirectory() as scratch:
            write_package(Path(scratch) / "s9999", 9999, QUOTES_PER_STUDY)
            subprocess.run([str(BIN / "peerkg"), "--store", str(store), "load", "--access",
                            "restricted", str(Path(scratch) / "s9999")], check=True,
                           capture_output=True)
    return store


def engine_pids() -> list[int]:
    """The processes this one started (the Oxigraph server of ``query_engine``)."""
    pids = []
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        pids += [int(p) for p in children.read_text().split()]
    return pids


def cpu_seconds() -> float:
    """CPU time used so far by this process and the engine: unlike wall time, it does not count
    the time other processes on this shared machine had the cores."""
    ticks = 0
    for pid in engine_pids():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return time.process_time() + ticks / os.sysconf("SC_CLK_TCK")


def timed(call, runs: int) -> tuple[str, int | str]:
    """'wall ms / CPU ms' medians over ``runs`` after a warm-up, and the rows."""
    try:
        rows = call()
        walls, cpus = [], []
        for _ in range(runs):
            start, cpu = time.perf_counter(), cpu_seconds()
            call()
            walls.append(time.perf_counter() - start)
            cpus.append(cpu_seconds() - cpu)
    except QueryTimeout:
        return "timeout", "-"
    return f"{statistics.median(walls) * 1000:,.0f} / {statistics.median(cpus) * 1000:,.0f}", rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--data", type=Path, default=Path("/tmp/pk-bench"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--pages-only", action="store_true", help="only the routes (PAGES), no named queries")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="only these named queries (no routes)")
    parser.add_argument("--before", metavar="GIT-REF",
                        help="also time each query's text at this git ref, in the same run")
    parser.add_argument("--restricted", action="store_true",
                        help="with one study restricted: every request through the restricted view")
    args = parser.parse_args()
    names = [] if args.pages_only else sorted(
        q for q in registry() if all(p.optional for p in registry()[q].params)
        and (not args.only or q in args.only))
    cells: dict[str, dict[int, tuple[str, object]]] = {}
    for studies in args.studies:
        location = str((restricted if args.restricted else prepared)(args.data, studies))
        with query_engine(location, args.timeout) as store:
            client = create_app({"STORE": store, "QUERY_TIMEOUT": args.timeout,
                                 "WRITE_TOKEN": "w" * 32 if args.restricted else None}).test_client()
            first = client.get("/api/quotes?limit=1").get_json()
            total = first["total"] if first["ok"] else 0  # past the timeout: no middle page
            quote = first["quotes"][0] if first["ok"] else {}
            for label, pattern, cold in () if args.only else PAGES:
                url = pattern.format(middle=total // 2, study=quote.get("study_iri"),
                                     quote=page_path(quote.get("quote", "")))

                def page(url=url, cold=cold, client=client):
                    if cold:
                        store.memo.changed()  # what a write does: the kept counts go
                    answer = client.get(url)
                    if answer.status_code != 200:
                        raise QueryTimeout(answer.get_data(as_text=True)[:200])
                    return len(answer.get_json()["quotes"]) if url.startswith("/api/quotes") else 1
                cells.setdefault(label, {})[studies] = timed(page, args.runs)
                print(label, studies, cells[label][studies], file=sys.stderr, flush=True)
            view = public_view(store) if args.restricted else store  # as without a token
            for name in names:
                versions = [(name, registry()[name])]
                before = at_ref(registry()[name], args.before) if args.before else None
                if before is not None:
                    versions.insert(0, (f"{name} ({args.before})", before))
                for label, query in versions:
                    cells.setdefault(label, {})[studies] = timed(
                        lambda q=query, v=view: len(q.run(v).rows), args.runs)
                    print(label, studies, cells[label][studies], file=sys.stderr, flush=True)
    print("| query | " + " | ".join(f"{s} studies: wall / CPU ms (rows)" for s in args.studies) + " |")
    print("|---|" + "---|" * len(args.studies))
    for name, by_size in cells.items():
        print(f"| {name} | " + " | ".join(f"{by_size[s][0]} ({by_size[s][1]})"
                                          for s in args.studies) + " |")


if __name__ == "__main__":
    main()
