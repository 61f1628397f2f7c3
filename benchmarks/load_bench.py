"""``peerkg load`` against ``oxigraph load`` on the same N-Quads file, in the same run: wall
time and peak memory (maximum resident set size, from GNU time) at each size, and the time to
add one study package to the largest store. ``peerkg load`` compacts the store after a big
load (graph/store/embedded.py); so the table also gives ``oxigraph optimize`` of Oxigraph's
store, timed after its load, and the ratio to both (load alone, and load then optimize).

    python benchmarks/load_bench.py --studies 10 100 1000 --data /tmp/pk-bench [--runs 1]

Each size is the first N studies of one synthetic collection (``synthetic.py``: about 10^4
triples a study, every study valid for the shapes), written once to ``DATA/cN.nq`` and reused.
Both commands load into a new, empty directory on the same disk; their order alternates between
runs. Prints a Markdown table; the recorded results are in RESULTS.md.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import QUOTES_PER_STUDY, write, write_package  # noqa: E402

BIN = Path(sys.executable).parent


def measured(command: list[str]) -> tuple[float, float, float]:
    """(wall seconds, peak resident memory in GiB, CPU seconds: user and system) of
    ``command``; fails loudly if it fails. CPU time is what other load on a shared machine
    does not inflate."""
    start = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *command], capture_output=True,
                            text=True)
    wall = time.monotonic() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    peak_kib, user, system = result.stderr.strip().splitlines()[-1].split()
    return wall, int(peak_kib) / 2**20, float(user) + float(system)


def collection(data: Path, studies: int) -> Path:
    path = data / f"c{studies}.nq"
    if not path.exists():
        write(path, studies, QUOTES_PER_STUDY)
    return path


def bench(path: Path, runs: int, scratch: Path) -> dict[str, list[tuple[float, float, float]]]:
    results: dict[str, list[tuple[float, float, float]]] = {"oxigraph": [], "optimize": [],
                                                            "peerkg": []}
    commands = {
        "oxigraph": lambda store: [str(BIN / "oxigraph"), "load", "--location", str(store),
                                   "--file", str(path)],
        "peerkg": lambda store: [str(BIN / "peerkg"), "--store", str(store), "load", str(path)],
    }
    for run in range(runs):
        for name in (("oxigraph", "peerkg") if run % 2 == 0 else ("peerkg", "oxigraph")):
            store = scratch / f"{name}-{run}"
            results[name].append(measured(commands[name](store)))
            if name == "oxigraph":
                results["optimize"].append(measured([str(BIN / "oxigraph"), "optimize",
                                                     "--location", str(store)]))
            wall, peak, cpu = results[name][-1]
            print(f"  {path.name} {name}: {wall:.1f} s, {peak:.2f} GiB, {cpu:.1f} CPU s",
                  file=sys.stderr, flush=True)
            if not (name == "peerkg" and run == runs - 1):
                shutil.rmtree(store)
    return results


def add_one_study(store: Path, scratch: Path) -> tuple[float, float, float]:
    """Time ``peerkg load`` of one more synthetic study package into ``store``."""
    package = scratch / "s9999"
    write_package(package, 9999, QUOTES_PER_STUDY)
    return measured([str(BIN / "peerkg"), "--store", str(store), "load", str(package)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "peerkg-bench")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    print("| file | quads | oxigraph load: s (CPU s) | peak (GiB) | oxigraph optimize: s (CPU s) "
          "| peak (GiB) | peerkg load: s (CPU s) | peak (GiB) | ratio to load | ratio to load + "
          "optimize |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for studies in args.studies:
        path = collection(args.data, studies)
        quads = sum(1 for _ in path.open("rb"))
        with tempfile.TemporaryDirectory(dir=args.data) as scratch:
            results = bench(path, args.runs, Path(scratch))
            cells = {}
            for name, measures in results.items():
                wall = statistics.median(t for t, _, _ in measures)
                cpu = statistics.median(c for _, _, c in measures)
                cells[name] = (wall, f"{wall:.1f} ({cpu:.0f}) | {max(m for _, m, _ in measures):.2f}")
            ox_wall, peerkg_wall = cells["oxigraph"][0], cells["peerkg"][0]
            print(f"| {studies} studies | {quads:,} | {cells['oxigraph'][1]} | {cells['optimize'][1]} "
                  f"| {cells['peerkg'][1]} | x{peerkg_wall / ox_wall:.2f} "
                  f"| x{peerkg_wall / (ox_wall + cells['optimize'][0]):.2f} |", flush=True)
            if studies == max(args.studies):
                wall, peak, cpu = add_one_study(Path(scratch) / f"peerkg-{args.runs - 1}", Path(scratch))
                print(f"\nAdding one study package ({QUOTES_PER_STUDY} quotes) to that store: "
                      f"{wall:.1f} s ({cpu:.1f} CPU s), peak {peak:.2f} GiB", flush=True)


if __name__ == "__main__":
    main()
