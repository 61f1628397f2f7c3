"""The endpoint store: any SPARQL 1.1 Protocol server with SPARQL Update, over HTTP.

Engine differences (Virtuoso's among them) are met here and in :mod:`.engines`, never in the
queries; where updates go and the credentials an endpoint asks for come from :mod:`.settings`.
"""

import contextlib
import http.client
import json
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping

from rdflib import Graph, Literal
from rdflib.term import Node

from peerkg.graph.base.errors import QueryError, StoreError
from peerkg.graph.base.formats import SPARQL_JSON
from peerkg.graph.store.auth import Authenticator
from peerkg.graph.store.base import QueryTimeout, Response, ResultTooLarge, Store, Table
from peerkg.graph.store.binding import iri, values_block, with_values
from peerkg.graph.store.dialect import decimal_division, uses_exists, values_at_end
from peerkg.graph.store.engines import (
    Profile,
    check_answer,
    detect,
    failure_message,
    prepared,
    term,
    timed_out,
)
from peerkg.graph.store.settings import EndpointSettings, endpoint_settings

STAGING = "https://w3id.org/peerkg/staging/"
NO_GRAPH = "urn:peerkg:no-graph"  # the dataset of a store with no graphs at all
_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?(<|\w*:)", re.IGNORECASE)


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

    What the server can do is detected on first use (:attr:`profile`): where its default graph
    is not the union of the named graphs, every query names the graphs instead; graphs the
    engine keeps for itself are left out; where an update request is not one transaction,
    :meth:`replace_graphs` stages the new graphs first. ``settings`` (default: from the
    environment and the config file, :func:`.settings.endpoint_settings`) give the update URL
    and credentials; a password or token is never shown.

    A request may take ``timeout`` seconds in all; past that the connection is dropped,
    ``on_timeout`` (if given) is called so that whoever runs the engine can make sure the query
    stops, and QueryTimeout is raised. An Oxigraph server started with ``--timeout-s`` answers a
    query it cancelled with a 200 and a truncated body; that is a QueryTimeout too, and so are
    Virtuoso's partial answers. Connections are kept alive per thread; a request whose
    connection fails is sent again on a new one for up to :attr:`RECONNECT` seconds (so a
    restarting engine is waited for).
    """

    RECONNECT = 5.0
    CANCELLED = b"The SPARQL operation has been cancelled"
    CHUNK = 1 << 16
    PRIME = 1 << 16  # a body this large is sent only once the server's challenge is known
    GRAPHS_TTL = 2.0  # seconds the list of graphs named in queries is reused (see _dataset_for)

    def __init__(self, url: str, timeout: float = 300,
                 on_timeout: Callable[[], None] | None = None,
                 settings: EndpointSettings | None = None):
        target = urllib.parse.urlsplit(url)
        if target.username or target.password:
            raise StoreError("put the endpoint's credentials in PEERKG_STORE_USER and "
                             "PEERKG_STORE_PASSWORD (or the store config file), not in the URL")
        self.location = url
        self.settings = settings if settings is not None else endpoint_settings(url)
        self.query_url, self._guessed_update = endpoint_urls(url)
        self.timeout = timeout
        self.on_timeout = on_timeout
        self._root = f"{target.scheme}://{target.netloc}"
        self._auth = None
        if self.settings.user or self.settings.token:
            self._auth = Authenticator(self.settings.user, self.settings.password,
                                       self.settings.token, target.scheme, target.hostname or "")
        self._profile: Profile | None = None
        self._listed: tuple[float, list[str]] | None = None
        self._local = threading.local()

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
        start = time.monotonic()
        deadline = start + self.timeout
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
                if time.monotonic() - start > min(self.RECONNECT, self.timeout):
                    raise StoreError(f"cannot reach the SPARQL endpoint {url}: {e}") from None
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
        raise StoreError(f"{url} answered {response.status}: {message}")

    def _query_fields(self, query: str, dataset: Mapping[str, list[str]]) -> list[tuple[str, str]]:
        """The protocol fields of a query: the query (dividing as SPARQL does), the dataset
        (the request's own, else all graphs where the engine's default graph will not do) and
        the engine's time limit."""
        profile = self.profile
        fields = [("query", decimal_division(query) if profile.integer_division else query)]
        own = [(k, v) for k, vs in dataset.items() for v in vs]
        fields += own or self._dataset_for(query)
        if profile.timeout_param:
            fields.append((profile.timeout_param, str(max(1, round(self.timeout * 750)))))
        return fields

    def _dataset_for(self, query: str) -> list[tuple[str, str]]:
        """Protocol dataset fields naming every graph, for an engine whose default graph is
        not the union or holds graphs of its own; none for a query with its own FROM or FROM
        NAMED, or where the engine's default graph will do.

        The list of graphs is asked for at most every :attr:`GRAPHS_TTL` seconds, and after
        each write through this store: a graph another process adds is seen within that time.
        """
        if not self.profile.names_graphs or _FROM.search(query):
            return []
        listed = self._listed
        if listed is None or time.monotonic() - listed[0] > self.GRAPHS_TTL:
            listed = self._listed = (time.monotonic(), self._named_graphs())
        graphs = listed[1] or [NO_GRAPH]
        return [(k, g) for k in ("default-graph-uri", "named-graph-uri") for g in graphs]

    def _named_graphs(self) -> list[str]:
        """The non-empty named graphs, the engine's own left out (GROUP BY, not DISTINCT:
        Virtuoso takes minutes over the latter)."""
        fields = [("query", "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")]
        data = json.loads(self._checked(self.query_url, fields, SPARQL_JSON))
        hidden = set(self.profile.hidden_graphs)
        names = (b["g"]["value"] for b in data["results"]["bindings"])
        return sorted(g for g in names if g not in hidden)

    def _post_query(self, query: str, accept: str, bindings=None) -> bytes:
        if bindings and not self.profile.exists_sees_values and uses_exists(query):
            query = values_at_end(query, values_block(bindings), list(bindings))
        elif bindings:
            query = with_values(query, bindings)
        return self._checked(self.query_url, self._query_fields(query, {}), accept)

    def select(self, query, bindings=None):
        data = json.loads(self._post_query(query, SPARQL_JSON, bindings))
        if "results" not in data:
            raise QueryError("expected a SELECT query")
        columns = data["head"]["vars"]
        rows = [tuple(from_json(b.get(c)) for c in columns) for b in data["results"]["bindings"]]
        return Table(columns, rows)

    def query_as(self, query, media_type, bindings=None):
        return self._post_query(query, media_type, bindings)

    def update(self, update):
        """Run a SPARQL Update; one transaction only where :attr:`profile` says
        ``atomic_updates`` (not on Virtuoso, which commits each operation on its own)."""
        try:
            self._checked(self.update_url, [("update", update)])
        finally:
            self._listed = None

    def run_protocol(self, operation, text, dataset, result_type, graph_type, max_bytes=None):
        accept = f"{result_type}, {graph_type}"
        if operation != "update":
            return self._exchange(self.query_url, self._query_fields(text, dataset), accept, max_bytes)
        fields = [(operation, text)] + [(k, v) for k, vs in dataset.items() for v in vs]
        try:
            return self._exchange(self.update_url, fields, accept, max_bytes)
        finally:
            self._listed = None

    def replace_graphs(self, graphs):
        """See :meth:`Store.replace_graphs`. On an engine whose update requests are not atomic,
        each graph is first loaded into a staging graph with the Graph Store Protocol and only
        once all are in is each moved into place: a graph the engine refuses leaves the store
        as it was (its staging graphs are dropped). The moves are separate transactions, so a
        query running while they do may see some graphs new and others still old."""
        profile = self.profile
        graphs = {name: prepared(profile, name, g) for name, g in graphs.items()}
        if profile.atomic_updates or not profile.graph_store:
            super().replace_graphs(graphs)
            return
        token = secrets.token_hex(8)
        staged = {name: f"{STAGING}{token}/{i}" for i, name in enumerate(graphs) if len(graphs[name])}
        try:
            for name, stage in staged.items():
                self._put(stage, graphs[name].serialize(format="nt", encoding="utf-8"))
        except BaseException:
            # the first failure is the one to report (if this one fails too, the staging
            # graphs stay, under https://w3id.org/peerkg/staging/)
            with contextlib.suppress(StoreError):
                self.update(" ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in staged.values()))
            raise
        for name in graphs:
            if name in staged:
                self.update(f"MOVE SILENT <{staged[name]}> TO <{iri(name)}>")
            else:
                self.drop_graph(name)

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
