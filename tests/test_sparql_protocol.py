"""The W3C SPARQL 1.1 Protocol tests (vendored in tests/data/w3c/sparql11-protocol, 34 tests) against a real
``peerkg serve`` with a write token, run as the manifest says: before each test the store is
cleared and each ``ut:graphData`` file is loaded into the graph its label names; then each
``ht:Request`` is sent as written (with ``/sparql/`` replaced by ``/sparql`` and the token added)
and its status class, result format and ASK answer are checked."""

import json
import urllib.parse
from pathlib import Path
from xml.etree import ElementTree

import pytest
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection

from .conftest import ROOT
from .test_serve import TOKEN, request

pytestmark = pytest.mark.server

SUITE = ROOT / "tests" / "data" / "w3c" / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
FORMATS = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {"application/sparql-results+json", "application/sparql-results+xml",
                "text/csv", "text/tab-separated-values"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "text/html",
            "application/xhtml+xml"},
}


def manifest() -> tuple[Graph, list]:
    if not (SUITE / "manifest.ttl").exists():
        pytest.fail(f"the W3C protocol suite is missing: {SUITE}")
    g = Graph().parse(SUITE / "manifest.ttl", publicID=(SUITE / "manifest.ttl").as_uri())
    (root,) = g.subjects(RDF.type, MF.Manifest)
    return g, list(Collection(g, g.value(root, MF.entries)))


GRAPH, TESTS = manifest()


@pytest.fixture
def server(protocol_server):
    return protocol_server


def update(url: str, text: str) -> None:
    status, _, body = request(url, "POST", body=text.encode(), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert status < 300, body


def load_graph_data(url: str, test) -> None:
    """Clear the store and load the test's data, in one update (each write restarts the
    server's read-only engine)."""
    parts = ["CLEAR ALL"]
    for data in GRAPH.objects(test, UT.graphData):
        source = Path(urllib.parse.urlsplit(str(GRAPH.value(data, UT.graph))).path)
        triples = source.read_text(encoding="utf-8")
        parts.append(f"INSERT DATA {{ GRAPH <{GRAPH.value(data, RDFS.label)}> {{ {triples} }} }}")
    update(url, " ;\n".join(parts))


def check(response, status: int, headers, body: bytes) -> list[str]:
    """What is wrong with an answer, as messages (none if it passes)."""
    wrong = []
    classes = {str(c).rsplit("StatusCode", 1)[1] for c in GRAPH.objects(response, MF.expectedStatus)}
    if f"{status // 100}xx" not in classes:
        wrong.append(f"status {status}, expected {sorted(classes)}: {body[:300]!r}")
        return wrong
    media_type = (headers.get("Content-Type") or "").split(";")[0].strip()
    expected_format = GRAPH.value(response, MF.expectedFormat)
    if expected_format is not None and media_type not in FORMATS[str(expected_format)]:
        wrong.append(f"content type {media_type}, expected {expected_format}")
    expected_boolean = GRAPH.value(response, MF.expectedBoolean)
    if expected_boolean is not None and not wrong:
        if media_type.endswith("json"):
            answer = json.loads(body)["boolean"]
        else:
            element = ElementTree.fromstring(body).find(
                "{http://www.w3.org/2005/sparql-results#}boolean")
            answer = element.text.strip() == "true"
        if answer != expected_boolean.toPython():
            wrong.append(f"ASK answered {answer}, expected {expected_boolean}")
    return wrong


def send(url: str, req):
    path = str(GRAPH.value(req, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    headers_list = GRAPH.value(req, HT.headers)
    for header in Collection(GRAPH, headers_list) if headers_list else []:
        headers[str(GRAPH.value(header, HT.fieldName))] = str(GRAPH.value(header, HT.fieldValue))
    body = None
    if (content := GRAPH.value(req, HT.body)) is not None:
        encoding = str(GRAPH.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(GRAPH.value(content, CNT.chars)).encode(encoding)
    return request(url, str(GRAPH.value(req, HT.methodName)), path, body, headers)


def test_the_suite_has_34_tests():
    assert len(TESTS) == 34


@pytest.mark.parametrize("test", TESTS, ids=[str(t).rsplit("#", 1)[1] for t in TESTS])
def test_w3c_protocol(server, test):
    load_graph_data(server, test)
    action = GRAPH.value(test, MF.action)
    for req in Collection(GRAPH, GRAPH.value(action, HT.requests)):
        status, headers, body = send(server, req)
        wrong = check(GRAPH.value(req, HT.resp), status, headers, body)
        assert not wrong, f"{GRAPH.value(test, MF.name)}: {'; '.join(wrong)}"
