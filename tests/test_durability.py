"""SIGKILL at random points, 20 trials each: ``peerkg load`` of a study package, and ``peerkg
serve`` running a token-authorised ``/sparql`` update. After every kill the store opens and holds
exactly the old data or the new data, nothing in between.

Commands are started by a zygote (tests/zygote.py) that has imported peerkg once and forks a
child running ``peerkg.api.cli.main``, what the ``peerkg`` console script runs: so a trial costs
the command's own work, not Python's start-up, and trials run a few at a time. The engine of a
killed server must go with it (PR_SET_PDEATHSIG): each trial waits for it. Kill points are
drawn from a seeded generator over up to 1.4 times what a full run takes (measured first, alone:
trials run four at a time, so slower), and one trial kills at once and one after the end, so both
outcomes occur; the counts are printed.
"""

import contextlib
import os
import random
import shutil
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest

from peerkg.graph.loader import load
from peerkg.graph.store import open_store

from .conftest import ROOT, free_port, wait_for
from .procs import descendants
from .test_serve import TOKEN, request

pytestmark = [pytest.mark.server, pytest.mark.slow]

TRIALS = int(os.environ.get("PEERKG_KILL_TRIALS", "20"))
MINI = ROOT / "tests" / "data" / "mini-study"
NEW_GRAPH = "urn:x-test:new"
UPDATE = (f"INSERT DATA {{ GRAPH <{NEW_GRAPH}> {{\n"
          + "".join(f'<urn:x-test:s{i}> <urn:x-test:p> "value {i}" .\n' for i in range(3000))
          + "} }")


def alive(pid: int) -> bool:
    """Until it is reaped: a process whose first thread is a zombie may still be closing its
    files in other threads, and so still hold its locks."""
    return Path(f"/proc/{pid}").exists()


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have finished
        os.kill(pid, signal.SIGKILL)


def wait_gone(pids, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in pids):
        assert time.monotonic() < deadline, "a killed process did not go"
        time.sleep(0.02)


def contents(location: Path) -> frozenset[str]:
    """The store's quads, blank nodes canonically named (a load mints new ones each time)."""
    with open_store(str(location)) as store:
        dataset = ox.Dataset(ox.parse(store.dump(), format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return frozenset(str(quad) for quad in dataset)


@pytest.fixture(scope="module")
def old_store(tmp_path_factory) -> Path:
    """The old data: the ontology and the shared vocabulary."""
    location = tmp_path_factory.mktemp("durable") / "old"
    with open_store(str(location)) as store:
        load(store, [])
    return location


def copy(location: Path, to: Path) -> Path:
    shutil.copytree(location, to, ignore=shutil.ignore_patterns("LOCK", "peerkg*"))
    return to


def run_trials(trial, count: int) -> list[str]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(trial, range(count)))


def test_a_killed_load_leaves_the_old_or_the_new_data(zygote, old_store, tmp_path):
    old = contents(old_store)
    # one full run: the new data, and how long a load takes
    full = copy(old_store, tmp_path / "full")
    pid = zygote.start(["--store", str(full), "load", str(MINI)], tmp_path / "full.log")
    started = time.monotonic()  # from the fork (the zygote may have been starting up)
    wait_gone([pid], 120)
    span = time.monotonic() - started
    new = contents(full)
    assert new != old and old < new

    rng = random.Random(2024)
    delays = [span * rng.uniform(0.3, 1.4) for _ in range(TRIALS - 2)] + [0.0, 3 * span]

    def trial(i: int) -> str:
        location = copy(old_store, tmp_path / f"load-{i}")
        pid = zygote.start(["--store", str(location), "load", str(MINI)], tmp_path / f"load-{i}.log")
        time.sleep(delays[i])
        kill(pid)
        wait_gone([pid])
        return judged(contents(location), old, new, i, delays[i])

    summarise("peerkg load", run_trials(trial, TRIALS))


def serve(zygote, location: Path, log: Path) -> tuple[str, int, set[int]]:
    port = free_port()
    pid = zygote.start(["--store", str(location), "serve", "--port", str(port), "--write-token",
                        TOKEN], log)
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/api/health", timeout=60)
    return url, pid, descendants(pid)


def send_update(url: str) -> int | None:
    try:
        status, _, _ = request(url, "POST", body=UPDATE.encode(), timeout=60, headers={
            "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
        return status
    except OSError:
        return None  # the server was killed while the update ran


def test_a_killed_update_leaves_the_old_or_the_new_data(zygote, old_store, tmp_path):
    old = contents(old_store)
    full = copy(old_store, tmp_path / "full")
    url, pid, engines = serve(zygote, full, tmp_path / "full.log")
    started = time.monotonic()
    assert send_update(url) == 204
    span = time.monotonic() - started
    os.kill(pid, signal.SIGKILL)
    wait_gone([pid, *engines])
    new = contents(full)
    assert old < new and any(NEW_GRAPH in q for q in new - old)

    rng = random.Random(7)
    delays = [span * rng.uniform(0.0, 1.4) for _ in range(TRIALS - 2)] + [0.0, 3 * span]

    def trial(i: int) -> str:
        location = copy(old_store, tmp_path / f"update-{i}")
        url, pid, engines = serve(zygote, location, tmp_path / f"update-{i}.log")
        sender = threading.Thread(target=send_update, args=(url,))
        sender.start()
        time.sleep(delays[i])
        kill(pid)
        sender.join(timeout=60)
        wait_gone([pid, *engines, *descendants(pid)])
        return judged(contents(location), old, new, i, delays[i])

    summarise("/sparql update", run_trials(trial, TRIALS))


def judged(found, old, new, trial: int, delay: float) -> str:
    """"old" or "new": what a killed trial left in the store; fails if it is neither."""
    assert found in (old, new), f"trial {trial}: killed after {delay:.2f} s, neither old nor new"
    return "old" if found == old else "new"


def summarise(what: str, outcomes: list[str]) -> None:
    """Print the counts, and fail unless both outcomes were seen (the kills fell on both sides)."""
    print(f"{what} killed {TRIALS} times: {outcomes.count('old')} old, "
          f"{outcomes.count('new')} new, 0 damaged")
    assert {"old", "new"} <= set(outcomes)
