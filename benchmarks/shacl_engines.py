"""SHACL engines on peerkg's shapes: one synthetic study (about 10^4 triples) with the shared
vocabulary and the ontology, valid and with one violation, on pySHACL, pyshacl-turbo (what
peerkg uses) and, if installed, pyrudof. CPU seconds (median of ``--runs``) and the verdicts.

    python benchmarks/shacl_engines.py [--runs 3]      # pip install pyrudof to include it
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import study_nquads  # noqa: E402

from peerkg.graph.readers.vocab import read_vocab  # noqa: E402
from peerkg.ontology import SHAPES_FILE, ontology_graph, shapes_graph, shim_graph  # noqa: E402

QUOTE = "<https://w3id.org/peerkg/id/s0000/quote/q1>"
EXTRA = "".join(f"{QUOTE} <https://w3id.org/peerkg/ontology#inTheme> "
                f"<https://w3id.org/peerkg/id/s0000/theme/t{n}> .\n" for n in (6, 7))


def engines():
    from pyshacl import validate
    from pyshacl_turbo import compile_shapes
    from pyshacl_turbo.rdf import Input
    from rdflib import Graph

    turbo = compile_shapes(shapes_graph())
    yield "pyshacl-turbo", lambda nt: turbo.validate(Input(nt, "nt", None, {}, {}))[0]
    yield "pySHACL", lambda nt: validate(Graph().parse(data=nt, format="nt"),
                                         shacl_graph=shapes_graph(), inference="none")[0]
    try:
        import pyrudof
    except ImportError:
        return

    def rudof(nt):
        r = pyrudof.Rudof(pyrudof.RudofConfig())
        r.read_data(nt, format=pyrudof.RDFFormat.NTriples)
        r.read_shacl(SHAPES_FILE.read_text(encoding="utf-8"), format=pyrudof.ShaclFormat.Turtle)
        return r.validate_shacl().conforms

    yield "pyrudof", rudof


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    context = (ontology_graph() + shim_graph() + read_vocab().graph).serialize(format="nt")
    study = "".join(line.rsplit(" ", 2)[0] + " .\n"
                    for line in study_nquads(0, 320).decode("utf-8").splitlines())
    print(f"one study: {study.count(chr(10)):,} triples, with context {context.count(chr(10)):,}")
    print("| engine | CPU s (valid study) | verdict | verdict with a quote in two themes |")
    print("|---|---|---|---|")
    for name, run in engines():
        times = []
        for _ in range(args.runs):
            start = time.process_time()
            valid = run(context + study)
            times.append(time.process_time() - start)
        broken = run(context + study + EXTRA)
        print(f"| {name} | {statistics.median(times):.2f} | {'conforms' if valid else 'violations'} | "
              f"{'conforms' if broken else 'violations'} |", flush=True)


if __name__ == "__main__":
    main()
