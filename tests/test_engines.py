"""The endpoint adapter's engine profiles, settings and credentials, without a Virtuoso: the
rules each engine difference is met by (tests/test_engines_virtuoso.py runs them on one)."""

import base64
import http.server
import threading
from dataclasses import fields
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from peerkg.graph.base.errors import QueryError, StoreError
from peerkg.graph.store import EndpointStore, QueryTimeout
from peerkg.graph.store.auth import Authenticator, parse_challenges
from peerkg.graph.store.dialect import decimal_division, uses_exists, values_at_end
from peerkg.graph.store.engine import free_port
from peerkg.graph.store.engines import (
    SKOLEM,
    Profile,
    check_answer,
    detect,
    failure_message,
    prepared,
    skolemise,
    term,
    timed_out,
)
from peerkg.graph.store.settings import ENVIRONMENT, EndpointSettings, endpoint_settings

URL = "http://127.0.0.1:8890/sparql"
SECRET = "s3cret-Pa55"


# settings: the environment over a private config file, secrets never shown

def config(tmp_path, text: str, mode: int = 0o600):
    path = tmp_path / "store.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return {"PEERKG_STORE_CONFIG": str(path)}


def test_settings_come_from_the_file_table_of_the_endpoint_and_the_environment_wins(tmp_path):
    env = config(tmp_path, f'["{URL}"]\nuser = "peerkg"\npassword = "{SECRET}"\n'
                           f'update_url = "http://127.0.0.1:8890/sparql-auth"\n'
                           '["http://elsewhere/sparql"]\nuser = "other"\n')
    settings = endpoint_settings(URL, env)
    assert (settings.user, settings.password) == ("peerkg", SECRET)
    assert settings.update_url == "http://127.0.0.1:8890/sparql-auth"
    settings = endpoint_settings(URL, {**env, "PEERKG_STORE_USER": "me", "PEERKG_UPDATE_URL": "http://x/u"})
    assert (settings.user, settings.password, settings.update_url) == ("me", SECRET, "http://x/u")
    assert endpoint_settings("http://unlisted/sparql", env) == EndpointSettings()


def test_a_secret_in_a_file_others_may_read_is_refused(tmp_path):
    env = config(tmp_path, f'["{URL}"]\nuser = "peerkg"\npassword = "{SECRET}"\n', mode=0o644)
    with pytest.raises(StoreError, match="chmod 600") as error:
        endpoint_settings(URL, env)
    assert SECRET not in str(error.value)


def test_an_unknown_key_names_the_file_and_the_key(tmp_path):
    env = config(tmp_path, f'["{URL}"]\nusr = "peerkg"\n')
    with pytest.raises(StoreError, match=r"store.toml: .*unknown key 'usr'"):
        endpoint_settings(URL, env)


def test_secrets_are_not_in_repr_nor_in_a_url():
    settings = EndpointSettings(user="peerkg", password=SECRET, token=SECRET)
    assert SECRET not in repr(settings)
    store = EndpointStore(URL, settings=settings)
    assert SECRET not in repr(store.__dict__)
    with pytest.raises(StoreError, match="not in the URL") as error:
        EndpointStore(f"http://peerkg:{SECRET}@127.0.0.1:8890/sparql")
    assert SECRET not in str(error.value)
    with pytest.raises(StoreError, match="unknown engine"):
        EndpointSettings(engine="blazegraph")


# HTTP authentication

def test_digest_answers_match_rfc_7616():
    """The worked examples of RFC 7616, section 3.9.1 (MD5 and SHA-256)."""
    challenge = ('Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={}, '
                 'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
                 'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')
    expected = {"MD5": "8ca523f5e9506fed4657c9700eebdbec",
                "SHA-256": "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"}
    for algorithm, response in expected.items():
        auth = Authenticator("Mufasa", "Circle of Life", None, "http", "example.org")
        auth.challenged([challenge.format(algorithm)], False, "http://example.org/dir/index.html")
        answer = auth._digest_answer("GET", "/dir/index.html", 1,
                                     cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
        assert parse_challenges([answer])["digest"]["response"] == response
        assert "Circle of Life" not in answer


def test_secrets_in_clear_go_only_over_https_or_loopback():
    with pytest.raises(StoreError, match="in clear"):
        Authenticator(None, None, SECRET, "http", "example.org")
    basic = Authenticator("peerkg", SECRET, None, "http", "example.org")
    with pytest.raises(StoreError, match="in clear") as error:
        basic.challenged(['Basic realm="x"'], False, "http://example.org/sparql")
    assert SECRET not in str(error.value)
    Authenticator("peerkg", SECRET, None, "https", "example.org").challenged(['Basic realm="x"'], False, "u")


class Guarded(http.server.BaseHTTPRequestHandler):
    """A SPARQL-ish endpoint on loopback that wants HTTP Basic (peerkg:SECRET) or a bearer
    token (SECRET), and answers every authorised request with an empty result."""

    seen: list[str] = []

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.answer()

    def answer(self):
        given = self.headers.get("Authorization", "")
        Guarded.seen.append(given)
        ok = {"Basic " + base64.b64encode(f"peerkg:{SECRET}".encode()).decode(), f"Bearer {SECRET}"}
        if given not in ok:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def guarded():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Guarded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Guarded.seen = []
    yield f"http://127.0.0.1:{server.server_port}/sparql"
    server.shutdown()


def test_basic_after_the_challenge_and_a_token_from_the_start(guarded):
    EndpointStore(guarded, settings=EndpointSettings(user="peerkg", password=SECRET)).select("SELECT * {}")
    assert Guarded.seen[0] == "" and Guarded.seen[-1].startswith("Basic ")
    Guarded.seen = []
    EndpointStore(guarded, settings=EndpointSettings(token=SECRET)).select("SELECT * {}")
    assert Guarded.seen and all(s == f"Bearer {SECRET}" for s in Guarded.seen)


def test_missing_or_wrong_credentials_say_so_without_the_password(guarded):
    with pytest.raises(StoreError, match="PEERKG_STORE_USER and PEERKG_STORE_PASSWORD"):
        EndpointStore(guarded, settings=EndpointSettings()).select("SELECT * {}")
    with pytest.raises(StoreError, match="refused the credentials of user 'peerkg'") as error:
        EndpointStore(guarded, settings=EndpointSettings(user="peerkg", password=SECRET + "x")).select("SELECT * {}")
    assert SECRET not in str(error.value)
    with pytest.raises(StoreError, match="refused the token") as error:
        EndpointStore(guarded, settings=EndpointSettings(token=SECRET + "x")).select("SELECT * {}")
    assert SECRET not in str(error.value)


# detection from the server's header and service description

SD_TEMPLATE = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
<http://localuriqaserver/sparql> a sd:Service ; sd:feature sd:DereferencesURIs {} ."""


def test_detect_reads_the_union_default_graph_from_the_service_description():
    with_union = Graph().parse(data=SD_TEMPLATE.format(", sd:UnionDefaultGraph"), format="turtle")
    without = Graph().parse(data=SD_TEMPLATE.format(""), format="turtle")
    assert detect("Oxigraph/0.5.13", with_union, EndpointSettings()).union_default_graph
    assert not detect("Oxigraph/0.5.13", without, EndpointSettings()).union_default_graph
    assert detect("Apache Jena Fuseki", None, EndpointSettings()) == Profile("generic")
    virtuoso = detect("Virtuoso/07.20.3229 (Linux)", with_union, EndpointSettings(user="u", password="p"))
    assert virtuoso.name == "virtuoso" and not virtuoso.atomic_updates and not virtuoso.blank_nodes
    assert "http://localuriqaserver/sparql" in virtuoso.hidden_graphs
    assert "http://www.openlinksw.com/schemas/virtrdf#" in virtuoso.hidden_graphs
    assert (virtuoso.update_path, virtuoso.graph_store) == ("/sparql-auth", "/sparql-graph-crud-auth")
    assert detect("nginx", None, EndpointSettings(engine="virtuoso")).name == "virtuoso"


# what the adapter writes for Virtuoso, and how it reads terms back

def test_skolem_iris_are_stable_and_read_back_as_blank_nodes():
    text = "@prefix ex: <https://example.org/> . ex:C ex:p [ ex:q ( ex:A ex:B ) ] ."
    name = URIRef("https://example.org/g")
    first, second = (skolemise(name, Graph().parse(data=text, format="turtle")) for _ in range(2))
    assert set(first) == set(second) and len(first) == 6
    iris = {t for triple in first for t in triple if str(t).startswith(SKOLEM)}
    assert len(iris) == 3 and not any(isinstance(t, BNode) for triple in first for t in triple)
    other = skolemise(URIRef("https://example.org/h"), Graph().parse(data=text, format="turtle"))
    assert not iris & {t for triple in other for t in triple}
    node = next(iter(iris))
    assert term("uri", str(node), None, None) == BNode(str(node)[len(SKOLEM):])
    plain = Graph().parse(data="<https://e.org/a> <https://e.org/p> 1 .", format="turtle")
    assert skolemise(name, plain) is plain


VIRTUOSO = Profile("virtuoso", blank_nodes=False)
G = URIRef("https://example.org/g")


def one(o, s: str = "https://example.org/s") -> Graph:
    return Graph().add((URIRef(s), URIRef("https://example.org/p"), o))


def test_virtuoso_gets_decimals_with_a_point_and_never_what_it_would_change():
    sent = prepared(VIRTUOSO, G, one(Literal("74", datatype=XSD.decimal)))
    assert {o for o in sent.objects()} == {Literal("74.0", datatype=XSD.decimal)}
    refused = [one(Literal("abc", datatype=XSD.integer)), one(Literal("a\x00b")),
               one(Literal("x"), s="relative"),
               one(Literal("x"), s="https://example.org/" + "a" * 2000)]
    for graph, reason in zip(refused, ["not a valid", "NUL", "relative IRI", "longer than"], strict=True):
        with pytest.raises(StoreError, match=reason):
            prepared(VIRTUOSO, G, graph)
    plain = one(Literal("74", datatype=XSD.decimal))
    assert prepared(Profile("oxigraph"), G, plain) is plain


def test_terms_are_read_as_rdf_1_1_terms():
    assert term("typed-literal", "s", None, str(XSD.string)) == Literal("s")
    assert term("typed-literal", "1", None, str(XSD.boolean)) == Literal(True)
    assert term("literal", "x", "en-GB", None) == Literal("x", lang="en-GB")
    assert term("bnode", "nodeID://b10006", None, None).n3() == "_:nodeID___b10006"


# query rewrites for Virtuoso's dialect

@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT (ROUND(1000 * ?a / ?b) / 1000 AS ?r) WHERE { ?s pk:p/pk:q ?a }",
     "SELECT (ROUND(1000 * ?a * 1.0 / ?b) * 1.0 / 1000 AS ?r) WHERE { ?s pk:p/pk:q ?a }"),
    ("SELECT * WHERE { ?s (pk:a|pk:b)/pk:c ?o ; (pk:d/pk:e)* ?x FILTER(EXISTS { ?s pk:f/pk:g ?o }) }", None),
    ('SELECT * WHERE { ?s <http://x/y> "a/b" # c/d\n}', None),
    ("SELECT * WHERE { BIND(xsd:integer(?a)/COUNT(*) AS ?r) }",
     "SELECT * WHERE { BIND(xsd:integer(?a) * 1.0 /COUNT(*) AS ?r) }"),
])
def test_division_is_decimal_and_paths_strings_iris_and_comments_stay(query, expected):
    assert decimal_division(query) == (expected or query)


def test_values_go_last_for_exists_unless_a_bind_needs_them():
    query = "SELECT ?q WHERE { ?q a ?t FILTER(!BOUND(?c) || EXISTS { ?q ?p ?c }) }\nORDER BY ?q"
    moved = values_at_end(query, "VALUES ?c { <https://e.org/c> }", ["c"])
    assert moved.startswith("SELECT ?q WHERE { ?q a ?t FILTER(!BOUND(?c) || EXISTS { ?q ?p ?c }) VALUES ?c")
    assert moved.endswith("}\nORDER BY ?q")
    assert uses_exists(query) and not uses_exists('SELECT * WHERE { ?s ?p "EXISTS" }')
    with pytest.raises(QueryError, match="both in EXISTS and in a BIND"):
        values_at_end("SELECT * WHERE { BIND(COALESCE(?c, 1) AS ?d) FILTER EXISTS { ?s ?p ?c } }",
                      "VALUES ?c { 2 }", ["c"])




def test_virtuosos_short_answers_are_errors_not_results():
    """Virtuoso marks a partial "anytime" answer and a result cut at ResultSetMaxRows only in
    headers: both must fail (observed headers of Virtuoso 7.2.5)."""
    partial = {"X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"}
    with pytest.raises(QueryTimeout):
        check_answer(VIRTUOSO, 200, partial, b"{}")
    with pytest.raises(StoreError, match="first 10000 rows.*ResultSetMaxRows"):
        check_answer(VIRTUOSO, 200, {"X-SPARQL-MaxRows": "10000"}, b"{}")
    check_answer(Profile("oxigraph"), 200, partial, b"{}")
    assert timed_out(VIRTUOSO, b"Virtuoso S1T00 Error SR171: Transaction timed out")
    assert timed_out(VIRTUOSO, b'{ "head": ... "value": "Code 9.5Virtuoso S1TAT Error RC...: '
                               b'Returning incomplete results, query interrupted by result timeout.')
    echoed = b"Virtuoso 37000 Error SP030: syntax error\n\nSPARQL query:\nINSERT DATA { <a> <b> 'secret' }"
    assert failure_message(VIRTUOSO, echoed) == "Virtuoso 37000 Error SP030: syntax error"


def test_the_readme_documents_every_store_setting():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Running on an external engine"):]
    for variable in ENVIRONMENT.values():
        assert f"`{variable}`" in section, variable
    for setting in fields(EndpointSettings):
        assert f"`{setting.name}`" in section, setting.name
