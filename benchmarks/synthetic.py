"""A seeded synthetic collection in peerkg's own shape, written as N-Quads (one graph per study).

Studies with sites, themes, a codebook (codes under categories), quotes with their text
selector, site, stakeholder group, theme and 1-3 codings, and construct evidence for some
quotes, so that the named queries and the heavier shapes of ``endpoint.py`` have work to do.
About 15 triples per quote: ``quotes=68_000`` gives about 10^6 triples.
"""

import random
from pathlib import Path

ID = "https://w3id.org/peerkg/id/"
PK = "https://w3id.org/peerkg/ontology#"
OA = "http://www.w3.org/ns/oa#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
WORDS = ["team", "trust", "role", "peer", "staff", "support", "training", "supervision",
         "identity", "power", "boundary", "service", "user", "group", "manager", "worker",
         "experience", "recovery", "ward", "policy"]
STAKEHOLDERS = ("manager", "peer-worker", "non-peer-staff", "service-user")
CONSTRUCTS = ("role-distinctiveness", "consensus-on-role-expectations", "institutional-support",
              "peer-identity", "equal-partnership", "practice-boundaries")


def write(path: Path, quotes: int, studies: int = 20, seed: int = 7) -> int:
    """Write the collection to ``path``; returns the number of quads."""
    rng = random.Random(seed)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        def quad(s: str, p: str, o: str, g: str) -> None:
            nonlocal count
            out.write(f"{s} {p} {o} {g} .\n")
            count += 1

        for c in CONSTRUCTS:
            quad(f"<{ID}construct/{c}>", TYPE, f"<{PK}Construct>", f"<{ID}vocab>")
            quad(f"<{ID}construct/{c}>", RDFS_LABEL, f'"{c.replace("-", " ")}"', f"<{ID}vocab>")
        for s in STAKEHOLDERS:
            quad(f"<{ID}stakeholder/{s}>", RDFS_LABEL, f'"{s.replace("-", " ")}"', f"<{ID}vocab>")
        for st in range(studies):
            study = f"{ID}s{st}"
            g = f"<{study}>"
            quad(g, TYPE, f"<{PK}Study>", g)
            quad(g, RDFS_LABEL, f'"Study {st}"', g)
            for i in range(3):
                quad(f"<{study}/site/site{i}>", RDFS_LABEL, f'"Site {st}.{i}"', g)
            for i in range(10):
                theme = f"<{study}/theme/t{i}>"
                quad(theme, TYPE, f"<{PK}Theme>", g)
                quad(theme, RDFS_LABEL, f'"Theme {st}.{i}"', g)
                quad(theme, f"<{SKOS}prefLabel>", f'"Theme {st}.{i}"', g)
                quad(theme, f"<{PK}order>", f'"{i}"^^<http://www.w3.org/2001/XMLSchema#integer>', g)
            for i in range(40):
                code, category = f"<{study}/code/c{i}>", f"<{study}/category/k{i % 8}>"
                quad(code, TYPE, f"<{PK}Code>", g)
                quad(code, f"<{SKOS}prefLabel>", f'"Code {st}.{i}"', g)
                quad(code, f"<{SKOS}broader>", category, g)
                quad(category, f"<{SKOS}prefLabel>", f'"Category {st}.{i % 8}"', g)
                quad(category, f"<{SKOS}broader>", f"<{study}/category/root>", g)
            for n in range(quotes // studies):
                q = f"<{study}/quote/q{n}>"
                text = " ".join(rng.choice(WORDS) for _ in range(12))
                quad(q, TYPE, f"<{PK}Quote>", g)
                quad(q, f"<{PK}inStudy>", g, g)
                quad(q, f"<{PK}order>", f'"{n}"^^<http://www.w3.org/2001/XMLSchema#integer>', g)
                quad(q, f"<{OA}hasSelector>", f"<{study}/selector/q{n}>", g)
                quad(f"<{study}/selector/q{n}>", f"<{OA}exact>", f'"{text}"', g)
                quad(q, f"<{PK}atSite>", f"<{study}/site/site{rng.randrange(3)}>", g)
                quad(q, f"<{PK}stakeholderGroup>", f"<{ID}stakeholder/{rng.choice(STAKEHOLDERS)}>", g)
                quad(q, f"<{PK}inTheme>", f"<{study}/theme/t{rng.randrange(10)}>", g)
                for k in rng.sample(range(40), rng.randint(1, 3)):
                    coding = f"<{study}/coding/q{n}-c{k}>"
                    quad(coding, f"<{OA}hasTarget>", q, g)
                    quad(coding, f"<{OA}hasBody>", f"<{study}/code/c{k}>", g)
                if rng.random() < 0.3:
                    e = f"<{study}/evidence/q{n}>"
                    quad(e, TYPE, f"<{PK}ConstructEvidence>", g)
                    quad(e, f"<{PK}evidenceConstruct>", f"<{ID}construct/{rng.choice(CONSTRUCTS)}>", g)
                    quad(e, f"<{PK}evidenceQuote>", q, g)
    return count
