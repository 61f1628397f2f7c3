"""The endpoint store: any SPARQL 1.1 Protocol server with SPARQL Update, over HTTP.

Engine differences (Virtuoso's among them) are met here and in :mod:`.engines`, never in the
queries; where updates go and the credentials an endpoint asks for come from :mod:`.settings`.
"""

import contextlib
import http.client
import itertools
import json
import secrets
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from peerkg.graph.base.errors import QueryError, StoreError
from peerkg.graph.base.formats import SPARQL_JSON
from peerkg.graph.store.answers import ASK_FOR, whole
from peerkg.graph.store.auth import Authenticator
from peerkg.graph.store.base import (
    NON_EMPTY_GRAPHS,
    BrokenAnswer,
    QueryTimeout,
    Response,
    ResultTooLarge,
    Store,
    Table,
    query_dataset,
)
from peerkg.graph.store.binding import iri, values_block, with_values
from peerkg.graph.store.dialect import decimal_division, uses_exists, values_at_end
from peerkg.graph.store.engines import (
    OXIGRAPH,
    Profile,
    check_answer,
    detect,
    failure_message,
    prepared,
    prepared_ntriples,
    term,
    timed_out,
)
from peerkg.graph.store.inspect import Dataset, without_dataset
from peerkg.graph.store.settings import EndpointSettings, endpoint_settings

STAGING = "https://w3id.org/peerkg/staging/"
# Names an empty list of graphs in a protocol request, which has no other way to say "none".
NO_GRAPH = "urn:x-peerkg:no-graph"
# Virtuoso echoes each graph of a query's dataset as a response header (X-SPARQL-default-graph,
# X-SPARQL-named-graph), and where it needs them peerkg names every graph in every query; Python's
# HTTP client refuses an answer with more than 100 headers, so a store of a hundred studies was
# unreadable. Room for 10,000 graphs named twice.
http.client._MAXHEADERS = max(http.client._MAXHEADERS, 20_100)


def is_endpoint(location: str) -> bool:
    """True if ``location`` names a SPARQL server rather than a local store."""
    return location.startswith(("http://", "https://"))


def endpoint_urls(url: str) -> tuple[str, str]:
    """The query URL of a SPARQL server and the usual place of its update URL.

    ``http://host:port`` (an Oxigraph server) means ``/query`` and ``/update``; a URL ending in
    ``/query`` or ``/sparql`` (Fuseki's layout) is the query URL, with ``/update`` beside it.
    The engine's profile (Virtuoso: ``/sparql-auth``) and ``PEERKG_UPDATE_URL`` override the
    guess (see :attr:`EndpointStore.update_url`).
    """
    base = url.rstrip("/")
    for suffix in ("/query", "/sparql"):
        if base.endswith(suffix):
            return base, base[: -len(suffix)] + "/update"
    return base + "/query", base + "/update"


def from_json(binding: dict | None) -> Node | None:
    """A term of SPARQL 1.1 JSON results as an rdflib term (see :func:`.engines.term`)."""
    if binding is None:
        return None
    return term(binding["type"], binding["value"], binding.get("xml:lang"), binding.get("datatype"))


def nt_term(node: Node) -> str:
    """A term in N-Triples syntax (rdflib's ``n3()`` writes multi-line literals in Turtle's
    triple quotes, which N-Quads does not have)."""
    if not isinstance(node, Literal):
        return node.n3()
    text = str(node).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    text = '"' + text.replace("\r", "\\r") + '"'
    if node.language:
        return f"{text}@{node.language}"
    return f"{text}^^<{node.datatype}>" if node.datatype else text


class EndpointStore(Store):
    """A SPARQL 1.1 Protocol server at ``url`` (see :func:`endpoint_urls`).

    A query that names no dataset runs on the union of the named graphs: the server's default
    graph when it is that union, or, with ``union_parameter``, Oxigraph's ``union-default-graph``
    request parameter; else the store names its graphs as the dataset. Any other dataset is
    sent as the protocol's ``default-graph-uri`` and ``named-graph-uri`` (an empty list as
    :data:`NO_GRAPH`), which override the query's FROM and FROM NAMED.

    What the server can do is detected on first use (:attr:`profile`; an endpoint with
    ``union_parameter`` is an Oxigraph server): graphs the engine keeps for itself are left
    out; where an update request is not one transaction, :meth:`replace_graphs` stages the new
    graphs first. ``settings`` (default: from the environment and the config file,
    :func:`.settings.endpoint_settings`; none with ``union_parameter``) give the update URL and
    credentials; a password or token is never shown.

    A request may take ``timeout`` seconds in all; past that the connection is dropped,
    ``on_timeout`` (if given) is called so that whoever runs the engine can make sure the query
    stops, and QueryTimeout is raised. An Oxigraph server started with ``--timeout-s`` answers a
    query it cancelled with a 200 and a truncated body; that is a QueryTimeout too, and so are
    Virtuoso's partial answers. Connections are kept alive per thread; a request whose
    connection fails is sent again on a new one, within its time limit, for up to
    :attr:`RECONNECT` seconds from the first failure (so a restarting engine is waited for,
    even by a query that was long in flight when it stopped), after calling ``on_failure`` (if
    given) so that whoever runs the engine can start it again if it died. Every answer is read
    whole and checked before it is returned (:mod:`.answers`).
    """

    RECONNECT = 5.0
    CANCELLED = b"The SPARQL operation has been cancelled"
    CHUNK = 1 << 16
    PRIME = 1 << 16  # a body this large is sent only once the server's challenge is known
    GRAPHS_TTL = 2.0  # seconds the list of graphs named in queries is reused (see _listed_graphs)
    ONE_UPDATE = 200_000  # triples sent as one update at most (more are staged graph by graph)

    def __init__(self, url: str, timeout: float = 300,
                 on_timeout: Callable[[], None] | None = None, union_parameter: bool = False,
                 on_failure: Callable[[], None] | None = None,
                 settings: EndpointSettings | None = None):
        target = urllib.parse.urlsplit(url)
        if target.username or target.password:
            raise StoreError("put the endpoint's credentials in PEERKG_STORE_USER and "
                             "PEERKG_STORE_PASSWORD (or the store config file), not in the URL")
        self.location = url
        if settings is None:
            settings = EndpointSettings() if union_parameter else endpoint_settings(url)
        self.settings = settings
        self.query_url, self._guessed_update = endpoint_urls(url)
        self.timeout = timeout
        self.on_timeout = on_timeout
        self.on_failure = on_failure
        self.union_parameter = union_parameter
        self._root = f"{target.scheme}://{target.netloc}"
        self._auth = None
        if self.settings.user or self.settings.token:
            self._auth = Authenticator(self.settings.user, self.settings.password,
                                       self.settings.token, target.scheme, target.hostname or "")
        self._profile: Profile | None = OXIGRAPH if union_parameter else None
        self._listed: tuple[float, list[str]] | None = None
        self._local = threading.local()

    @property
    def oxigraph(self) -> bool:
        return self.profile.name == "oxigraph"

    @property
    def profile(self) -> Profile:
        """What the engine can do, detected from its answer to a request for its service
        description (once, on first use)."""
        if self._profile is None:
            status, _, body, headers = self._send("GET", self.query_url, None,
                                                  {"Accept": "text/turtle"})
            description = None
            if status == 200:
                try:
                    description = Graph().parse(data=body, format="turtle")
                except Exception:  # noqa: BLE001 (any unreadable description is no description)
                    description = None
            self._profile = detect(headers.get("Server", ""), description, self.settings)
        return self._profile

    @property
    def update_url(self) -> str:
        """``PEERKG_UPDATE_URL`` (or ``update_url`` in the config), else the engine's own
        update URL, else the guess of :func:`endpoint_urls`."""
        if self.settings.update_url:
            return self.settings.update_url
        if path := self.profile.update_path:
            return self._root + path
        return self._guessed_update

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
              max_bytes: int | None = None):
        """Send one request and read the whole answer, whatever its status: (status,
        content type, body, headers). Answers the server's authentication challenges."""
        if body is not None and len(body) > self.PRIME and self._auth and not self._auth.ready:
            self._send("GET", url, None, {"Accept": "*/*"})  # draw the challenge first
        target = urllib.parse.urlsplit(url)
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        deadline = time.monotonic() + self.timeout
        failed_since = None
        retried = False
        while True:
            connection = self._connection(target)
            sent = dict(headers)
            if self._auth and (answer := self._auth.header(method, path)):
                sent["Authorization"] = answer
            try:
                if connection.sock is None:
                    connection.connect()
                connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
                connection.request(method, path, body, sent)
                response = connection.getresponse()
                data = self._read(connection, response, deadline, max_bytes)
                if response.will_close:
                    self._drop()
            except TimeoutError:
                self._drop()
                if self.on_timeout:
                    self.on_timeout()
                raise self._timed_out() from None
            except ResultTooLarge:
                self._drop()
                raise
            except (OSError, http.client.HTTPException) as e:
                self._drop()
                if self.on_failure:
                    self.on_failure()
                now = time.monotonic()
                failed_since = failed_since or now
                if now - failed_since > self.RECONNECT or now > deadline:
                    raise StoreError(f"cannot reach {self.name(url)}: {e}") from None
                time.sleep(0.05)
                continue
            if response.status == 401:
                challenges = response.headers.get_all("WWW-Authenticate") or []
                if self._auth is None:
                    self._auth = Authenticator(None, None, None, target.scheme, "")
                self._auth.challenged(challenges, retried, url)
                retried = True
                continue
            return response.status, response.getheader("Content-Type", ""), data, response.headers

    def _exchange(self, url: str, fields: list[tuple[str, str]], accept: str = "*/*",
                  max_bytes: int | None = None) -> Response:
        """POST ``fields`` form-encoded to ``url``; the answer whatever its status."""
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        status, content_type, data, answer = self._send("POST", url, body, headers, max_bytes)
        if status == 200 and data.endswith(self.CANCELLED):
            raise self._timed_out()
        if status >= 400 and timed_out(self.profile, data):
            raise self._timed_out()
        check_answer(self.profile, status, answer, data)
        return Response(status, content_type, data)

    def name(self, url: str) -> str:
        """How error messages name the server at ``url``."""
        return f"the SPARQL endpoint {url}"

    def _timed_out(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query ran longer than the limit of {self.timeout:g} s and was stopped; "
            "narrow it (LIMIT, more specific patterns) or ask for a longer --timeout")

    def _read(self, connection, response, deadline: float, max_bytes: int | None) -> bytes:
        parts, size = [], 0
        while chunk := response.read(self.CHUNK):
            parts.append(chunk)
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                raise ResultTooLarge(f"the result is larger than {max_bytes} bytes")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if connection.sock is not None:  # None once a closing server's answer is all read
                connection.sock.settimeout(remaining)
        return b"".join(parts)

    def _connection(self, target) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        key = (target.scheme, target.netloc)
        if connection is not None and getattr(self._local, "key", None) != key:
            self._drop()
            connection = None
        if connection is None:
            factory = (http.client.HTTPSConnection if target.scheme == "https"
                       else http.client.HTTPConnection)
            connection = self._local.connection = factory(target.hostname, target.port)
            self._local.key = key
        return connection

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _checked(self, url: str, fields: list[tuple[str, str]], accept: str = "*/*") -> bytes:
        """The body of a successful answer; QueryError for a 400, StoreError otherwise."""
        response = self._exchange(url, fields, accept)
        if response.status < 300:
            return response.body
        message = failure_message(self.profile, response.body)
        if response.status == 400:
            raise QueryError(f"the endpoint rejected the request: {message}")
        raise StoreError(f"{self.name(url)} answered {response.status}: {message}")

    def _query_fields(self, query: str, dataset: Dataset | None,
                      bindings=None) -> list[tuple[str, str]]:
        """The form fields of a query on ``dataset`` (see :func:`query_dataset`): the query
        with its ``bindings`` (placed where the engine can compile them) and dividing as SPARQL
        does, the dataset, and the engine's own time limit. The dataset goes as the protocol's
        parameters only, never also as FROM clauses: Virtuoso would add the two together."""
        profile = self.profile
        dataset = query_dataset(query, dataset)
        if dataset is not None and "from" in query.lower():
            query = without_dataset(query)
        if bindings and not profile.exists_sees_values and uses_exists(query):
            query = values_at_end(query, values_block(bindings), list(bindings))
        elif bindings:
            query = with_values(query, bindings)
        fields = [("query", decimal_division(query) if profile.integer_division else query)]
        if dataset is not None:
            fields += _graph_fields(dataset, "default-graph-uri", "named-graph-uri")
        elif self.union_parameter:
            fields.append(("union-default-graph", ""))
        elif profile.names_graphs:
            graphs = tuple(self._listed_graphs())
            fields += _graph_fields(Dataset(graphs, graphs), "default-graph-uri", "named-graph-uri")
        if profile.timeout_param:
            fields.append((profile.timeout_param, str(max(1, round(self.timeout * 750)))))
        return fields

    def _listed_graphs(self) -> list[str]:
        """The graphs to name as the dataset of a query that names none, for an engine whose
        default graph is not the union or holds graphs of its own.

        The list is asked for at most every :attr:`GRAPHS_TTL` seconds, and after each write
        through this store: a graph another process adds is seen within that time.
        """
        listed = self._listed
        if listed is None or time.monotonic() - listed[0] > self.GRAPHS_TTL:
            listed = self._listed = (time.monotonic(), self._named_graphs())
        return listed[1]

    def _named_graphs(self) -> list[str]:
        """The non-empty named graphs, the engine's own left out (elsewhere than on Oxigraph,
        by GROUP BY, not DISTINCT: Virtuoso takes minutes over the latter)."""
        query = (NON_EMPTY_GRAPHS if self.profile.name == "oxigraph"
                 else "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        fields = [("query", query)]
        data = json.loads(self._checked(self.query_url, fields, SPARQL_JSON))
        hidden = set(self.profile.hidden_graphs)
        names = (b["g"]["value"] for b in data["results"]["bindings"])
        return sorted(g for g in names if g not in hidden)

    def _post_query(self, query: str, accept: str, bindings, dataset) -> bytes:
        return self._checked(self.query_url, self._query_fields(query, dataset, bindings), accept)

    def select(self, query, bindings=None, dataset=None):
        body = self._post_query(query, SPARQL_JSON, bindings, dataset)
        try:
            data = json.loads(body)
        except ValueError:
            tail = body[-300:].decode("utf-8", "replace").strip()
            raise BrokenAnswer(f"the query failed after its results had begun; the engine said: "
                               f"…{tail}") from None
        if "results" not in data:
            raise QueryError("expected a SELECT query")
        columns = data["head"]["vars"]
        rows = [tuple(from_json(b.get(c)) for c in columns) for b in data["results"]["bindings"]]
        return Table(columns, rows)

    def query_as(self, query, media_type, bindings=None, dataset=None):
        asked = ASK_FOR.get(media_type, media_type)
        return whole(self._post_query(query, asked, bindings, dataset), asked, media_type)

    def update(self, update):
        """Run a SPARQL Update; one transaction only where :attr:`profile` says
        ``atomic_updates`` (not on Virtuoso, which commits each operation on its own)."""
        try:
            self._checked(self.update_url, [("update", update)])
        finally:
            self._listed = None

    def run_protocol(self, operation, text, dataset, result_type, graph_type, max_bytes=None):
        if operation == "update":
            fields = [("update", text)] + ([("using-graph-uri", iri(g)) for g in dataset.default]
                                           + [("using-named-graph-uri", iri(g))
                                              for g in dataset.named] if dataset else [])
            try:
                return self._exchange(self.update_url, fields, "*/*", max_bytes)
            finally:
                self._listed = None
        asked = ASK_FOR.get(result_type, result_type)
        answer = self._exchange(self.query_url, self._query_fields(text, dataset),
                                f"{asked}, {graph_type}", max_bytes)
        if answer.status != 200:
            return answer
        engine_type = answer.content_type.split(";")[0].strip()
        wanted = result_type if engine_type == asked else engine_type
        body = whole(answer.body, engine_type, wanted)
        if max_bytes is not None and len(body) > max_bytes:
            raise ResultTooLarge(f"the result is larger than {max_bytes} bytes")
        return Response(200, wanted, body)

    def replace_graphs(self, graphs):
        """See :meth:`Store.replace_graphs`: one update request, on an engine where that is one
        transaction, unless the graphs hold more than :attr:`ONE_UPDATE` triples (servers cap
        a request's size: Oxigraph's at 128 MB); then, and on an engine whose update requests
        are not atomic, :meth:`_staged` (which see)."""
        graphs = {name: prepared(self.profile, name, g) for name, g in graphs.items()}
        if self.profile.atomic_updates and sum(len(g) for g in graphs.values()) <= self.ONE_UPDATE:
            super().replace_graphs(graphs)
        else:
            self._staged((name, g.serialize(format="nt", encoding="utf-8")) for name, g in graphs.items())

    def load_graphs(self, graphs, files=(), check=lambda: None):
        """See :meth:`Store.load_graphs`. The files are bulk-loaded into a scratch store on
        disk and sent one graph at a time (:meth:`_staged`), so neither memory nor the size of a
        request grows with them."""
        if not files:
            return super().load_graphs(graphs, files, check)
        check()
        from_files = sorted({str(name) for f in files for name in f.graphs})
        given = [(n, g) for n, g in graphs.items() if str(n) not in from_files]
        with tempfile.TemporaryDirectory(prefix="peerkg-load-") as scratch:
            staging = ox.Store(scratch)
            for f in files:
                f.load_into(staging)
            self._staged(itertools.chain(
                ((n, prepared(self.profile, n, g).serialize(format="nt", encoding="utf-8"))
                 for n, g in given),
                ((n, prepared_ntriples(self.profile, n, data))
                 for n, data in _graphs_in(staging, from_files))))
            del staging  # closes it before its directory goes
        return {name: len(graph) for name, graph in graphs.items() if str(name) not in from_files}

    def _staged(self, graphs: Iterable[tuple[URIRef, bytes]]) -> None:
        """Replace each named graph with its content (N-Triples, ready for the engine, as
        :func:`.engines.prepared_ntriples` makes them) by way of a staging graph: each graph is
        first written to a staging graph of its own (by the Graph Store Protocol where the
        profile names it, else by one update request a graph), and only once all are in is
        each moved into place; a graph the engine refuses leaves the store as it was (the
        staging graphs are dropped). The moves are one update request, so one transaction where
        updates are atomic; elsewhere (Virtuoso) a query running while they are made may see
        some graphs new and others still old. While graphs are staged, a query on the union
        default graph sees them too."""
        token, staged = secrets.token_hex(8), {}
        try:
            for i, (name, data) in enumerate(graphs):
                staged[name] = f"{STAGING}{token}/{i}" if data.strip() else None
                if staged[name] and self.profile.graph_store:
                    self._put(staged[name], data)
                elif staged[name]:
                    self.update(f"INSERT DATA {{ GRAPH <{staged[name]}> {{\n{data.decode('utf-8')}}} }}")
        except BaseException:
            # the first failure is the one to report (if this one fails too, the staging
            # graphs stay, under https://w3id.org/peerkg/staging/)
            drops = [f"DROP SILENT GRAPH <{stage}>" for stage in staged.values() if stage]
            with contextlib.suppress(StoreError):
                if drops:
                    self.update(" ;\n".join(drops))
            raise
        moves = [f"MOVE SILENT <{stage}> TO <{iri(name)}>" if stage else f"DROP SILENT GRAPH <{iri(name)}>"
                 for name, stage in staged.items()]
        if self.profile.atomic_updates:
            self.update(" ;\n".join(moves))
        else:
            for move in moves:
                self.update(move)

    def _put(self, graph: str, data: bytes) -> None:
        """Replace ``graph`` with the N-Triples ``data`` by the Graph Store Protocol."""
        url = (self._root + self.profile.graph_store + "?"
               + urllib.parse.urlencode({"graph-uri": graph}))
        self._listed = None
        status, _, body, _ = self._send("PUT", url, data, {"Content-Type": "text/turtle"})
        if status >= 300:
            raise StoreError(f"the endpoint refused to store a graph ({status}): "
                             f"{failure_message(self.profile, body)}")

    def graphs(self):
        return self._named_graphs()

    def dump(self):
        table = self.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        lines = (" ".join(nt_term(t) for t in row) + " .\n" for row in table.rows)
        return "".join(lines).encode("utf-8")

    def close(self):
        self._drop()


def _graphs_in(store: ox.Store, names: Iterable[str]) -> Iterator[tuple[URIRef, bytes]]:
    """Each named graph of ``store`` as N-Triples in turn, written only when its turn comes."""
    for name in names:
        yield URIRef(name), store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))


def _graph_fields(dataset: Dataset, default: str, named: str) -> list[tuple[str, str]]:
    return ([(default, iri(g)) for g in dataset.default or (NO_GRAPH,)]
            + [(named, iri(g)) for g in dataset.named or (NO_GRAPH,)])
