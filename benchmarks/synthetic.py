"""A seeded synthetic collection of studies that pass peerkg's shapes, at any size.

Every study is written as a study package (docs/study-format.md: ``study.yaml``,
``codebook.yaml``, ``references.yaml``, ``quotes.csv``, ``evidence.csv``) and read with
peerkg's own reader, so the data is exactly what ``peerkg load`` makes of a user's package:
sites with their Table 1 attributes, participant counts, themes, a codebook of categories and
codes related to constructs, quotes with site, stakeholder group, theme and 1-3 codes, construct
evidence for about a third of the quotes, references and literature links, conclusions and
coder agreement. Everything in it is invented (labelled "Synthetic study N") and made for
benchmarks only.

    python benchmarks/synthetic.py --triples 1000000 -o collection.nq   # N-Quads, one graph per study
    python benchmarks/synthetic.py --studies 3 --quotes 40 --packages DIR  # the packages themselves

A study with ``quotes`` quotes has about ``TRIPLES_PER_QUOTE * quotes + TRIPLES_PER_STUDY``
triples; :func:`plan` picks the number of studies for a target size (about 10^4 triples each,
like a large published qualitative study, so 10^7 triples is about a thousand studies).
"""

import argparse
import csv
import multiprocessing
import random
import sys
import tempfile
from pathlib import Path

import pyoxigraph as ox
import yaml

from peerkg.graph.readers.study import read_study
from peerkg.graph.readers.vocab import read_vocab

TRIPLES_PER_QUOTE = 29.5  # measured on the generator's own output (see tests/test_synthetic.py)
TRIPLES_PER_STUDY = 850
QUOTES_PER_STUDY = 320
WORDS = ("team", "trust", "role", "peer", "staff", "support", "training", "supervision",
         "identity", "power", "boundary", "service", "user", "group", "manager", "worker",
         "experience", "recovery", "ward", "policy", "we", "they", "felt", "never", "always",
         "listen", "share", "story", "hope", "job")
STAKEHOLDERS = ("manager", "peer-worker", "non-peer-staff", "service-user")
ATTRIBUTES = ("peer-worker-role", "service-aim", "recruitment-approach", "terms-and-conditions",
              "training", "ongoing-support")
SITES, THEMES, CATEGORIES, CODES, REFERENCES = 3, 8, 6, 30, 12


def plan(triples: int) -> tuple[int, int]:
    """(studies, quotes per study) for a collection of about ``triples`` triples."""
    per_study = TRIPLES_PER_STUDY + TRIPLES_PER_QUOTE * QUOTES_PER_STUDY
    studies = max(1, round(triples / per_study))
    quotes = max(1, round((triples / studies - TRIPLES_PER_STUDY) / TRIPLES_PER_QUOTE))
    return studies, quotes


def write_package(folder: Path, index: int, quotes: int, seed: int = 7) -> None:
    """Write study number ``index`` (id ``s{index:04d}``) as a package in ``folder``."""
    rng = random.Random(seed * 1_000_003 + index)
    constructs = sorted(read_vocab().constructs)
    folder.mkdir(parents=True, exist_ok=True)
    sites = [f"site{i}" for i in range(SITES)]
    themes = [f"t{i}" for i in range(THEMES)]
    codes = [f"c{i}" for i in range(CODES)]
    study = {
        "id": f"s{index:04d}",
        "title": f"Synthetic study {index}: invented data for peerkg's benchmarks",
        "authors": [{"id": "a1", "name": f"Ada Synth{index}"}, {"id": "a2", "name": "Bo Bench"}],
        "journal": "Journal of Synthetic Benchmarks",
        "year": 2000 + index % 25,
        "site_attributes": [{"id": a, "label": a.replace("-", " ").capitalize(), "shared": a}
                            for a in ATTRIBUTES],
        "sites": [{"id": s, "label": f"Site {index}.{n}",
                   "attributes": {a: f"{a} at site {n}" for a in ATTRIBUTES}}
                  for n, s in enumerate(sites)],
        "participants": {"counts": {s: {g: rng.randint(1, 9) for g in STAKEHOLDERS}
                                    for s in sites}},
        "analysis": {"stages": [{"n": 1, "label": "Coding", "coders": ["a1"]}],
                     "agreement": [{"coders": ["a1", "a2"], "percent": rng.randint(60, 95),
                                    "unit": "sections", "sections": 10}]},
        "themes": [{"id": t, "order": n + 1, "label": f"Theme {index}.{n}"}
                   for n, t in enumerate(themes)],
        "conclusions": [{"id": f"k{n}", "order": n + 1, "summary": f"Conclusion {n}.",
                         "themes": [rng.choice(themes)], "constructs": [rng.choice(constructs)]}
                        for n in range(3)],
    }
    codebook = {
        "attribution": "project",
        "categories": [{"id": f"g{n}", "label": f"Category {index}.{n}",
                        "definition": f"Category {n} of study {index}."}
                       for n in range(CATEGORIES)],
        "codes": [{"id": c, "label": f"Code {index}.{n}", "definition": f"Code {n}.",
                   "category": f"g{n % CATEGORIES}", "constructs": [rng.choice(constructs)]}
                  for n, c in enumerate(codes)],
    }
    references = {
        "references": [{"id": f"r{n}", "number": n, "type": "article", "authors": f"Author {n}",
                        "title": f"Paper {n}.", "venue": "Journal", "year": 1990 + n}
                       for n in range(1, REFERENCES + 1)],
        "links": [{"id": f"l{n}", "summary": f"Link {n}.", "section": "Discussion",
                   "intent": "citesAsAuthority", "references": [f"r{n}"],
                   "constructs": [rng.choice(constructs)], "themes": [rng.choice(themes)]}
                  for n in range(1, 4)],
    }
    for name, data in (("study.yaml", study), ("codebook.yaml", codebook),
                       ("references.yaml", references)):
        (folder / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with (folder / "quotes.csv").open("w", newline="", encoding="utf-8") as q, \
            (folder / "evidence.csv").open("w", newline="", encoding="utf-8") as e:
        quote_rows, evidence_rows = csv.writer(q), csv.writer(e)
        quote_rows.writerow(["id", "site", "stakeholder", "attribution", "theme", "codes", "text"])
        evidence_rows.writerow(["quote", "construct", "stance", "asserted_by", "basis"])
        for n in range(quotes):
            site, group = rng.choice(sites), rng.choice(STAKEHOLDERS)
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
            quote_rows.writerow([f"q{n}", site, group, f"{site} {group}", rng.choice(themes),
                                 ";".join(rng.sample(codes, rng.randint(1, 3))),
                                 words.capitalize() + "."])
            if rng.random() < 0.33:
                evidence_rows.writerow([f"q{n}", rng.choice(constructs),
                                        rng.choice(("present", "lacking")),
                                        rng.choice(("authors", "project")), "Results"])


def study_nquads(index: int, quotes: int, seed: int = 7) -> bytes:
    """Study ``index`` as peerkg's reader makes it, as N-Quads in the study's named graph."""
    with tempfile.TemporaryDirectory(prefix="peerkg-synthetic-") as scratch:
        write_package(Path(scratch), index, quotes, seed)
        study = read_study(Path(scratch), read_vocab())
    graph = ox.NamedNode(str(study.iri))
    store = ox.Store()
    store.bulk_load(study.graph.serialize(format="nt", encoding="utf-8"),
                    format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
    return store.dump(format=ox.RdfFormat.N_QUADS)


def _study_job(args: tuple[int, int, int]) -> bytes:
    return study_nquads(*args)


def write(path: Path, studies: int, quotes: int, seed: int = 7, workers: int = 2) -> int:
    """Write ``studies`` studies of ``quotes`` quotes each to ``path`` as N-Quads; returns the
    number of quads. Studies are made in ``workers`` processes, written in order."""
    jobs = [(i, quotes, seed) for i in range(studies)]
    count = 0
    with path.open("wb") as out, multiprocessing.Pool(workers) as pool:
        for data in pool.imap(_study_job, jobs, chunksize=4):
            out.write(data)
            count += data.count(b"\n")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=float, help="about this many triples (picks --studies "
                                                      "and --quotes)")
    parser.add_argument("--studies", type=int, default=20)
    parser.add_argument("--quotes", type=int, default=QUOTES_PER_STUDY, help="quotes per study")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-o", "--output", type=Path, help="the N-Quads file to write")
    parser.add_argument("--packages", type=Path, help="write the study packages in this folder")
    args = parser.parse_args()
    studies, quotes = plan(int(args.triples)) if args.triples else (args.studies, args.quotes)
    if args.packages:
        for i in range(studies):
            write_package(args.packages / f"s{i:04d}", i, quotes, args.seed)
        print(f"{studies} study packages of {quotes} quotes in {args.packages}", file=sys.stderr)
    if args.output:
        n = write(args.output, studies, quotes, args.seed, args.workers)
        print(f"{n:,} quads in {studies} studies of {quotes} quotes: {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
