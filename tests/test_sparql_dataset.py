"""The W3C SPARQL dataset tests (FROM and FROM NAMED; vendored in tests/data/w3c/sparql10-dataset,
12 tests) against ``/sparql`` of the real ``peerkg serve`` the protocol tests use: each
``data-*.ttl`` is loaded into the named graph its IRI names (the file resolved against the
suite's base; in one update, its blank nodes kept apart per file), each query is sent with that
base, and its solutions are compared with the expected result set, blank nodes matched one to
one."""

import json
import urllib.parse
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

from .conftest import ROOT
from .test_serve import TOKEN, request

pytestmark = pytest.mark.server

SUITE = ROOT / "tests" / "data" / "w3c" / "sparql10-dataset"
BASE = "http://www.w3.org/2001/sw/DataAccess/tests/data-r2/dataset/"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")


def manifest() -> tuple[Graph, list]:
    g = Graph().parse(SUITE / "manifest.ttl", publicID=BASE + "manifest.ttl")
    (root,) = g.subjects(RDF.type, MF.Manifest)
    return g, list(Collection(g, g.value(root, MF.entries)))


GRAPH, TESTS = manifest()


def load_data(url: str) -> None:
    """Each data file into the graph its IRI names, after clearing the store."""
    updates = ["CLEAR ALL"] + [
        f"INSERT DATA {{ GRAPH <{BASE + data.name}> {{ "
        f"{Graph().parse(data, publicID=BASE + data.name).serialize(format='nt')} }} }}"
        for data in sorted(SUITE.glob("data-*.ttl"))]
    status, _, body = request(url, "POST", body=" ;\n".join(updates).encode(), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert status == 204, body


def term(binding: dict):
    if binding["type"] == "uri":
        return URIRef(binding["value"])
    if binding["type"] == "bnode":
        return BNode(binding["value"])
    return Literal(binding["value"], lang=binding.get("xml:lang"),
                   datatype=URIRef(binding["datatype"]) if "datatype" in binding else None)


def expected_solutions(path: Path) -> list[dict]:
    g = Graph().parse(path, publicID=BASE + path.name)
    (results,) = g.subjects(RDF.type, RS.ResultSet)
    return [{str(g.value(b, RS.variable)): g.value(b, RS.value) for b in g.objects(s, RS.binding)}
            for s in g.objects(results, RS.solution)]


def same(actual: list[dict], expected: list[dict], mapping: dict | None = None) -> bool:
    """True if the two multisets of solutions are equal, blank nodes mapped one to one."""
    mapping = mapping or {}
    if not actual:
        return not expected
    first, rest = actual[0], actual[1:]
    for i, candidate in enumerate(expected):
        if candidate.keys() != first.keys():
            continue
        trial = dict(mapping)
        if all(_match(first[k], candidate[k], trial) for k in first) and \
                same(rest, expected[:i] + expected[i + 1:], trial):
            return True
    return False


def _match(a, b, mapping: dict) -> bool:
    if isinstance(a, BNode) and isinstance(b, BNode):
        if a in mapping:
            return mapping[a] == b
        if b in mapping.values():
            return False
        mapping[a] = b
        return True
    return a == b


def test_the_suite_has_12_tests():
    assert len(TESTS) == 12


@pytest.mark.parametrize("test", TESTS, ids=[str(GRAPH.value(t, MF.name)) for t in TESTS])
def test_w3c_dataset(protocol_server, test):
    server = protocol_server
    load_data(server)
    query_file = Path(urllib.parse.urlsplit(str(GRAPH.value(GRAPH.value(test, MF.action),
                                                            QT.query))).path).name
    result_file = Path(urllib.parse.urlsplit(str(GRAPH.value(test, MF.result))).path).name
    query = f"BASE <{BASE}>\n" + (SUITE / query_file).read_text(encoding="utf-8")
    status, _, body = request(server, "POST", body=query.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert status == 200, body
    actual = [{k: term(v) for k, v in row.items()}
              for row in json.loads(body)["results"]["bindings"]]
    assert same(actual, expected_solutions(SUITE / result_file)), actual
