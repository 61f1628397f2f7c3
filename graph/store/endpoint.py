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
from peerkg.graph.store.answers import ASK_FOR, whole
from peerkg.graph.store.base import (
    BrokenAnswer,
    QueryTimeout,
    Response,
    ResultTooLarge,
    Store,
    Table,
    query_dataset,
)
from peerkg.graph.store.binding import iri, with_values
from peerkg.graph.store.inspect import Dataset

# Names an empty list of graphs in a protocol request, which has no other way to say "none".
NO_GRAPH = "urn:x-peerkg:no-graph"


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

    A query that names no dataset is sent without one: the server's default graph must then be
    the union of its named graphs (Oxigraph ``--union-default-graph``, Fuseki
    ``unionDefaultGraph``, GraphDB and Neptune by default), or, with ``union_parameter``, the
    server takes Oxigraph's ``union-default-graph`` request parameter. Any other dataset is sent
    as the protocol's ``default-graph-uri`` and ``named-graph-uri`` (an empty list as
    :data:`NO_GRAPH`), which override the query's FROM and FROM NAMED.

    A request may take ``timeout`` seconds in all; past that the connection is dropped,
    ``on_timeout`` (if given) is called so that whoever runs the engine can make sure the query
    stops, and QueryTimeout is raised. An Oxigraph server started with ``--timeout-s`` answers a
    query it cancelled with a 200 and a truncated body; that is a QueryTimeout too. Connections
    are kept alive per thread; a request whose connection fails is sent again on a new one, within
    its time limit, for up to :attr:`RECONNECT` seconds from the first failure (so a restarting
    engine is waited for, even by a query that was long in flight when it stopped), after calling
    ``on_failure`` (if given) so that whoever runs the engine can start it again if it died. Every answer is
    read whole and checked before it is returned (:mod:`.answers`).
    """

    RECONNECT = 5.0
    CANCELLED = b"The SPARQL operation has been cancelled"
    CHUNK = 1 << 16

    def __init__(self, url: str, timeout: float = 300,
                 on_timeout: Callable[[], None] | None = None, union_parameter: bool = False,
                 on_failure: Callable[[], None] | None = None):
        self.location = url
        self.query_url, self.update_url = endpoint_urls(url)
        self.timeout = timeout
        self.on_timeout = on_timeout
        self.on_failure = on_failure
        self.union_parameter = union_parameter
        self._local = threading.local()

    def _exchange(self, url: str, fields: list[tuple[str, str]], accept: str = "*/*",
                  max_bytes: int | None = None) -> Response:
        """POST ``fields`` form-encoded to ``url``; the answer whatever its status."""
        target = urllib.parse.urlsplit(url)
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        deadline = time.monotonic() + self.timeout
        failed_since = None
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
                if self.on_failure:
                    self.on_failure()
                now = time.monotonic()
                failed_since = failed_since or now
                if now - failed_since > self.RECONNECT or now > deadline:
                    raise StoreError(f"cannot reach {self.name(url)}: {e}") from None
                time.sleep(0.05)
                continue
            if response.status == 200 and data.endswith(self.CANCELLED):
                raise self._timed_out()
            return Response(response.status, content_type, data)

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
            if connection.sock is not None:  # None once a server that closes has sent it all
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
        raise StoreError(f"{self.name(url)} answered {response.status}: {message}")

    def _query_fields(self, query: str, dataset: Dataset | None) -> list[tuple[str, str]]:
        """The form fields of a query on ``dataset`` (see :func:`query_dataset`)."""
        dataset = query_dataset(query, dataset)
        if dataset is None:
            return [("query", query)] + ([("union-default-graph", "")] if self.union_parameter
                                         else [])
        return [("query", query)] + _graph_fields(dataset, "default-graph-uri", "named-graph-uri")

    def _post_query(self, query: str, accept: str, bindings, dataset) -> bytes:
        fields = self._query_fields(query, dataset)
        if bindings:
            fields[0] = ("query", with_values(query, bindings))
        return self._checked(self.query_url, fields, accept)

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
        self._checked(self.update_url, [("update", update)])

    def run_protocol(self, operation, text, dataset, result_type, graph_type, max_bytes=None):
        if operation == "update":
            fields = [("update", text)] + ([("using-graph-uri", iri(g)) for g in dataset.default]
                                           + [("using-named-graph-uri", iri(g))
                                              for g in dataset.named] if dataset else [])
            return self._exchange(self.update_url, fields, "*/*", max_bytes)
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

    def dump(self):
        table = self.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        lines = (" ".join(t.n3() for t in row) + " .\n" for row in table.rows)
        return "".join(lines).encode("utf-8")

    def close(self):
        self._drop()


def _graph_fields(dataset: Dataset, default: str, named: str) -> list[tuple[str, str]]:
    return ([(default, iri(g)) for g in dataset.default or (NO_GRAPH,)]
            + [(named, iri(g)) for g in dataset.named or (NO_GRAPH,)])
