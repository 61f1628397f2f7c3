"""Network measures that help interpret a code co-occurrence graph (peerkg.graph.viz.views).

:func:`analyse` gives each code its degree, strength (summed edge weights), betweenness
centrality and a Louvain community (https://doi.org/10.1088/1742-5468/2008/10/P10008, networkx
``louvain_communities`` with a fixed seed, so the same graph always gives the same groups), and
says how far the communities agree with the authors' themes (each code's dominant theme) and with
the categories, by the adjusted Rand index (Hubert & Arabie 1985) and normalised mutual
information (arithmetic-mean normalisation, as in scikit-learn's default).
"""

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from math import comb

import networkx as nx

SEED = 42


def analyse(g: nx.Graph) -> dict:
    """Annotate the code nodes of ``g`` with ``degree``, ``strength``, ``betweenness`` and
    ``community`` (1 = the largest), and return a JSON-ready summary::

        {"codes": [{id, label, theme, category, degree, strength, betweenness, community}],
         "communities": [{id, codes: [labels], themes: {theme: codes}}],
         "agreement": {"theme": {"ari", "nmi"}, "category": {"ari", "nmi"}}, "seed": SEED}

    Betweenness treats an edge of weight w as a distance 1/w: codes sharing many quotes are
    close. An empty graph gives empty lists and agreements of None.
    """
    betweenness = nx.betweenness_centrality(g, weight=lambda a, b, edge: 1 / edge["weight"])
    found = nx.community.louvain_communities(g, weight="weight", seed=SEED) if len(g) else []
    groups = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c))
    for index, members in enumerate(groups, 1):
        for n in members:
            g.nodes[n]["community"] = index
    for n in g:
        g.nodes[n].update(degree=g.degree(n), strength=g.degree(n, weight="weight"),
                          betweenness=round(betweenness[n], 4))
    codes = sorted(g, key=lambda n: (-betweenness[n], g.nodes[n]["label"]))
    community = [g.nodes[n]["community"] for n in codes]
    return {
        "codes": [{"id": n, **{k: g.nodes[n][k] for k in (
            "label", "theme", "category", "degree", "strength", "betweenness", "community")}}
            for n in codes],
        "communities": [{"id": i, "codes": sorted(g.nodes[n]["label"] for n in members),
                         "themes": dict(Counter(g.nodes[n]["theme"] for n in members))}
                        for i, members in enumerate(groups, 1)],
        "agreement": {key: _agreement(community, [g.nodes[n][key] for n in codes])
                      for key in ("theme", "category")},
        "seed": SEED,
    }


def _agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> dict:
    if not a:
        return {"ari": None, "nmi": None}
    return {"ari": round(adjusted_rand_index(a, b), 3),
            "nmi": round(normalised_mutual_information(a, b), 3)}


def adjusted_rand_index(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """The adjusted Rand index of two labellings of the same items: 1 for identical partitions,
    about 0 for chance agreement (negative below chance). 1 when both put everything in one
    group or each item alone (nothing to disagree about)."""
    n = len(a)
    pairs = sum(comb(k, 2) for k in Counter(zip(a, b, strict=True)).values())
    rows = sum(comb(k, 2) for k in Counter(a).values())
    cols = sum(comb(k, 2) for k in Counter(b).values())
    expected = rows * cols / comb(n, 2) if n > 1 else 0
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (pairs - expected) / (maximum - expected)


def normalised_mutual_information(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Mutual information of two labellings divided by the mean of their entropies: 1 for
    identical partitions, 0 for independent ones; 1 when both are a single group."""
    n = len(a)

    def entropy(counts) -> float:
        return -sum(k / n * math.log(k / n) for k in counts)

    ca, cb = Counter(a), Counter(b)
    ha, hb = entropy(ca.values()), entropy(cb.values())
    if ha == hb == 0:
        return 1.0
    mutual = sum(k / n * math.log(k * n / (ca[x] * cb[y]))
                 for (x, y), k in Counter(zip(a, b, strict=True)).items())
    return mutual / ((ha + hb) / 2)
