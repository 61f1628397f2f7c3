"""Memory of ``peerkg serve`` (the front and the Oxigraph server it runs) under a small load on
loopback: a bounded number of requests, from a few threads, to the API, the pages and /sparql
(the views of one study name ``s0500``, a study of the synthetic collection).

    python benchmarks/serve_memory.py STORE_DIR [--requests 200] [--threads 4] [--seconds 600]

Samples the resident memory of the server's whole process tree twice a second and prints the
peak, with the count of answers by status. Every request goes to 127.0.0.1 only; the load stops
after ``--requests`` requests or ``--seconds`` seconds, whichever comes first.
"""

import argparse
import http.client
import itertools
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from load_bench import BIN  # noqa: E402

PATHS = ["/api/quotes?limit=50", "/api/quotes?limit=50&offset=1000", "/api/studies",
         "/api/queries/studies?limit=50", "/quotes", "/api/health", "/", "/api/themes",
         "/api/constructs", "/api/graph/themes?study=s0500", "/synthesis?study=s0500",
         "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 100"})]


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of ``pid`` and all its descendants."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text().splitlines()
            total += int(next(line for line in status if line.startswith("VmRSS")).split()[1]) * 1024
            for children in Path(f"/proc/{p}/task").glob("*/children"):
                todo += [int(c) for c in children.read_text().split()]
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = subprocess.Popen([str(BIN / "peerkg"), "--store", str(args.store), "serve",
                               "--port", str(args.port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    peak, statuses, lock = 0, Counter(), threading.Lock()
    paths = itertools.islice(itertools.cycle(PATHS), args.requests)
    deadline = time.monotonic() + args.seconds
    try:
        while True:  # wait for the server
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=5).request("GET", "/api/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        idle = tree_rss(server.pid)

        def worker():
            while time.monotonic() < deadline:
                with lock:
                    path = next(paths, None)
                if path is None:
                    return
                connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
                try:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except OSError as e:
                    status = type(e).__name__
                with lock:
                    statuses[status] += 1

        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        start = time.monotonic()
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, tree_rss(server.pid))
            time.sleep(0.5)
        print(f"store {args.store}: {sum(statuses.values())} requests in "
              f"{time.monotonic() - start:.0f} s from {args.threads} threads; answers {dict(statuses)}; "
              f"memory (front + engine) idle {idle / 2**30:.2f} GiB, peak {peak / 2**30:.2f} GiB")
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
