"""The endpoint store: any SPARQL 1.1 Protocol server with SPARQL Update, over HTTP."""

import http.client
import json
import os
import threading
import time
import urllib.parse
from collections.abc import Callable

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from peerkg.graph.base.errors import QueryError, StoreError
from peerkg.graph.base.formats import SPARQL_JSON
from peerkg.graph.store.base import QueryTimeout, Response, ResultTooLarge, Store, Table
from peerkg.graph.store.binding import with_values


def is_endpoint(location: str) -> bool:
    """True if ``location`` names a SPARQL server rather than a local store."""
    return location.startswith(("http://", "https://"))


def endpoint_urls(url: str) -> tuple[str, str]:
    """The query and update URLs of a SPARQL server.

    ``http://host:port`` (an Oxigraph server) means ``/query`` and ``/update``; a URL ending in
    ``/query`` or ``/sparql`` (Fuseki's layout) is the query URL, with ``/update`` beside it.
    ``PEERKG_UPDATE_URL`` overrides the guess.
    """
    base = url.rstrip("/")
    for suffix in ("/query", "/sparql"):
        if base.endswith(suffix):
            query, root = base, base[: -len(suffix)]
            break
    else:
        query, root = base + "/query", base
    return query, os.environ.get("PEERKG_UPDATE_URL") or root + "/update"


def from_json(binding: dict | None) -> Node | None:
    """A term of SPARQL 1.1 JSON results as an rdflib term."""
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None)


class EndpointStore(Store):
    """A SPARQL 1.1 Protocol server at ``url`` (see :func:`endpoint_urls`).

    The server's default graph must be the union of its named graphs (Oxigraph
    ``--union-default-graph``, Fuseki ``unionDefaultGraph``, GraphDB and Neptune by default).

    A request may take ``timeout`` seconds in all; past that the connection is dropped,
    ``on_timeout`` (if given) is called so that whoever runs the engine can make sure the query
    stops, and QueryTimeout is raised. An Oxigraph server started with ``--timeout-s`` answers a
    query it cancelled with a 200 and a truncated body; that is a QueryTimeout too. Connections
    are kept alive per thread; a request whose connection fails is sent again on a new one for
    up to :attr:`RECONNECT` seconds (so a restarting engine is waited for).
    """

    RECONNECT = 5.0
    CANCELLED = b"The SPARQL operation has been cancelled"
    CHUNK = 1 << 16

    def __init__(self, url: str, timeout: float = 300,
                 on_timeout: Callable[[], None] | None = None):
        self.location = url
        self.query_url, self.update_url = endpoint_urls(url)
        self.timeout = timeout
        self.on_timeout = on_timeout
        self._local = threading.local()

    def _exchange(self, url: str, fields: list[tuple[str, str]], accept: str = "*/*",
                  max_bytes: int | None = None) -> Response:
        """POST ``fields`` form-encoded to ``url``; the answer whatever its status."""
        target = urllib.parse.urlsplit(url)
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        start = time.monotonic()
        deadline = start + self.timeout
        while True:
            connection = self._connection(target)
            try:
                if connection.sock is None:
                    connection.connect()
                connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
                connection.request("POST", target.path or "/", body, headers)
                response = connection.getresponse()
                data = self._read(connection, response, deadline, max_bytes)
                content_type = response.getheader("Content-Type", "")
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
            if response.status == 200 and data.endswith(self.CANCELLED):
                raise self._timed_out()
            return Response(response.status, content_type, data)

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
            connection.sock.settimeout(remaining)
        return b"".join(parts)

    def _connection(self, target) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            factory = (http.client.HTTPSConnection if target.scheme == "https"
                       else http.client.HTTPConnection)
            connection = self._local.connection = factory(target.hostname, target.port)
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
        message = response.body.decode("utf-8", "replace").strip()[:2000]
        if response.status == 400:
            raise QueryError(f"the endpoint rejected the request: {message}")
        raise StoreError(f"{url} answered {response.status}: {message}")

    def _post_query(self, query: str, accept: str, bindings=None) -> bytes:
        if bindings:
            query = with_values(query, bindings)
        return self._checked(self.query_url, [("query", query)], accept)

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
        self._checked(self.update_url, [("update", update)])

    def run_protocol(self, operation, text, dataset, result_type, graph_type, max_bytes=None):
        url = self.update_url if operation == "update" else self.query_url
        fields = [(operation, text)] + [(k, v) for k, vs in dataset.items() for v in vs]
        return self._exchange(url, fields, f"{result_type}, {graph_type}", max_bytes)

    def dump(self):
        table = self.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        lines = (" ".join(t.n3() for t in row) + " .\n" for row in table.rows)
        return "".join(lines).encode("utf-8")

    def close(self):
        self._drop()
