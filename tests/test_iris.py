"""IRIs that federate: each study mints its IRIs under its own id, from the package's own ids,
with no blank nodes, so two stores holding different studies can be queried together without
clashes; only the shared vocabulary and the ontology are common to both, by design."""

from rdflib import BNode

from peerkg.graph.base.iris import ID
from peerkg.graph.loader import read_source
from peerkg.graph.readers.study import bundled_studies


def test_studies_share_no_iri_but_the_shared_vocabulary():
    minted = {}
    for package in bundled_studies():
        (name, graph), = read_source(package).items()
        assert not any(isinstance(term, BNode) for triple in graph for term in triple), name
        minted[str(name)] = {str(s) for s in graph.subjects()}
        assert all(iri.startswith(str(name)) for iri in minted[str(name)]), name
    studies = sorted(minted)
    for i, a in enumerate(studies):
        for b in studies[i + 1:]:
            assert not minted[a] & minted[b], (a, b)


def test_iris_are_stable_across_reads():
    package = bundled_studies()[0]
    first, second = (set(next(iter(read_source(package).values()))) for _ in range(2))
    assert first == second
    assert all(str(s).startswith(ID) for s, _, _ in first)
