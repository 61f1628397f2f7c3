"""The store adapter: the only module that talks to an RDF store.

One small interface, :class:`Store`, with two implementations:

* :class:`EmbeddedStore`, a pyoxigraph store in this process, on a directory or in memory;
* :class:`EndpointStore`, any SPARQL 1.1 Protocol server with SPARQL Update.

Both keep one named graph per study and answer queries with the union of all named graphs as
the default graph (DESIGN.md). Queries go to the engine as strings (a pre-parsed rdflib query
would silently fall back to rdflib's slow engine). Parameters are bound by the engine, never
formatted into the query: a one-row ``VALUES`` block of typed RDF terms opens the query's WHERE
group, on both backends alike (pyoxigraph's ``substitutions`` would only bind projected
variables).
"""

import http.client
import json
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from platformdirs import user_data_path
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from peerkg.graph.errors import QueryError, StoreError

MEMORY = ":memory:"
SPARQL_JSON = "application/sparql-results+json"
TEXT = "text/plain; charset=utf-8"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class QueryTimeout(StoreError):
    """A query ran past the store's time limit; it was stopped and its results dropped."""


class ResultTooLarge(StoreError):
    """A result grew past the size cap the caller set; it was dropped."""


@dataclass
class Response:
    """An engine's answer to a SPARQL 1.1 Protocol request, as a server would send it."""

    status: int
    content_type: str
    body: bytes


@dataclass
class Table:
    """A SELECT result: the column names in order, and one tuple of terms (or None) per row."""

    columns: list[str]
    rows: list[tuple[Node | None, ...]]

    def dicts(self) -> list[dict[str, Node | None]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def default_location() -> str:
    """Where the store lives when neither ``--store`` nor ``PEERKG_STORE`` says: the user's
    data directory (for example ``~/.local/share/peerkg/store`` on Linux)."""
    return str(user_data_path("peerkg") / "store")


def open_store(location: str | None = None) -> "Store":
    """Open the store at ``location``: an ``http(s)://`` endpoint URL, ``:memory:``, or a
    directory (created if missing). ``None`` means ``$PEERKG_STORE`` or :func:`default_location`."""
    location = location or os.environ.get("PEERKG_STORE") or default_location()
    if location.startswith(("http://", "https://")):
        return EndpointStore(location)
    return EmbeddedStore(location)


class Store:
    """What peerkg needs from a store. Every method raises StoreError or QueryError, never a
    backend's own exception."""

    location: str

    def select(self, query: str, bindings: Mapping[str, Node] | None = None) -> Table:
        """Run a SELECT query; ``bindings`` pre-bind variables (names without '?')."""
        raise NotImplementedError

    def construct(self, query: str) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query."""
        raise NotImplementedError

    def serialize(self, query: str, media_type: str,
                  bindings: Mapping[str, Node] | None = None) -> bytes:
        """Run any query and return its results serialised by the engine as ``media_type``
        (SPARQL JSON, XML, CSV or TSV for SELECT/ASK; an RDF format for graphs)."""
        raise NotImplementedError

    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 Update, atomically."""
        raise NotImplementedError

    def protocol(self, operation: str, text: str, dataset: Mapping[str, list[str]],
                 accept: str, max_bytes: int | None = None) -> Response:
        """Run a SPARQL 1.1 Protocol operation (https://www.w3.org/TR/sparql11-protocol/)
        as a SPARQL server would, and return the engine's :class:`Response` unchanged.

        ``operation`` is ``"query"`` or ``"update"``; ``dataset`` maps the protocol's dataset
        parameters (``default-graph-uri``/``named-graph-uri``, or ``using-graph-uri``/
        ``using-named-graph-uri``) to IRIs; without them the default graph is the union of the
        named graphs. ``accept`` lists media types by preference (an Accept header value): the
        first that fits the result (solutions or boolean; a graph) is used. A malformed request
        is a 400 Response carrying the parser's message. Raises QueryTimeout past the store's
        time limit, ResultTooLarge when the body would exceed ``max_bytes``, StoreError when the
        engine cannot be reached.
        """
        raise NotImplementedError

    def replace_graphs(self, graphs: Mapping[URIRef, Graph]) -> None:
        """Make each graph the whole content of the named graph it is keyed by, all in one
        SPARQL Update, which both backends run as one transaction: if it fails, the store is as
        it was."""
        parts = []
        for name, graph in graphs.items():
            parts.append(f"DROP SILENT GRAPH <{_iri(name)}>")
            parts.append(f"INSERT DATA {{ GRAPH <{name}> {{\n{graph.serialize(format='nt')}}} }}")
        if parts:
            self.update(" ;\n".join(parts))

    def drop_graph(self, name: URIRef) -> None:
        self.update(f"DROP SILENT GRAPH <{_iri(name)}>")

    def graphs(self) -> list[str]:
        """The names of the non-empty named graphs, sorted."""
        table = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(str(row[0]) for row in table.rows)

    def dump(self) -> bytes:
        """All named graphs as N-Quads."""
        raise NotImplementedError

    def export(self, media_type: str, graph: str | None = None,
               prefixes: Mapping[str, str] | None = None) -> bytes:
        """The named graphs (or just ``graph``) serialised by Oxigraph as ``media_type``.

        Dataset formats (TriG, N-Quads, JSON-LD) keep the graph names; graph formats (Turtle,
        N-Triples, RDF/XML) get the merged triples. Raises StoreError for an unknown graph.
        """
        fmt = ox.RdfFormat.from_media_type(media_type)
        if fmt is None:
            raise StoreError(f"cannot export as {media_type}")
        quads = list(ox.parse(self.dump(), format=ox.RdfFormat.N_QUADS))
        if graph is not None:
            quads = [q for q in quads if str(q.graph_name.value) == graph]
            if not quads:
                raise StoreError(f"no graph {graph} in the store (it has: {', '.join(self.graphs())})")
        items = quads if fmt.supports_datasets else list(dict.fromkeys(q.triple for q in quads))
        return ox.serialize(items, format=fmt, prefixes=dict(prefixes or {}))

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _iri(term) -> str:
    """An IRI safe to write between angle brackets, or QueryError."""
    value = str(term)
    if not value or any(c in value for c in '<>"{}|^`\\ \n\t'):
        raise QueryError(f"not a valid IRI: {value!r}")
    return value


# -- embedded ---------------------------------------------------------------------------------


def _from_ox(term) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


class EmbeddedStore(Store):
    """A pyoxigraph store in this process: a RocksDB directory, or ``:memory:``.

    Only one process may open a directory store; a second gets StoreError saying so.
    """

    def __init__(self, location: str):
        self.location = location
        try:
            if location == MEMORY:
                self._store = ox.Store()
            else:
                Path(location).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(location)
        except OSError as e:
            raise StoreError(
                f"cannot open the store at {location}: {e}. Another peerkg process (for "
                "example 'peerkg serve') may hold it; stop it or use --store elsewhere."
            ) from None

    def _query(self, query: str, bindings: Mapping[str, Node] | None):
        if bindings:
            query = _with_values(query, bindings)
        try:
            return self._store.query(query, use_default_graph_as_union=True)
        except SyntaxError as e:
            raise QueryError(f"SPARQL syntax error: {e}") from None
        except (OSError, ValueError, RuntimeError) as e:
            raise QueryError(f"query failed: {e}") from None

    def select(self, query, bindings=None):
        result = self._query(query, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        columns = [v.value for v in result.variables]
        rows = [tuple(_from_ox(s[c]) for c in columns) for s in result]
        return Table(columns, rows)

    def construct(self, query):
        result = self._query(query, None)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("expected a CONSTRUCT or DESCRIBE query")
        g = Graph()
        for t in result:
            g.add((_from_ox(t.subject), _from_ox(t.predicate), _from_ox(t.object)))
        return g

    def serialize(self, query, media_type, bindings=None):
        result = self._query(query, bindings)
        if isinstance(result, ox.QueryTriples):
            fmt = ox.RdfFormat.from_media_type(media_type)
        else:
            fmt = ox.QueryResultsFormat.from_media_type(media_type)
        if fmt is None:
            raise QueryError(f"cannot serialise these results as {media_type}")
        return result.serialize(format=fmt)

    def update(self, update):
        try:
            self._store.update(update)
        except SyntaxError as e:
            raise QueryError(f"SPARQL Update syntax error: {e}") from None
        except (OSError, ValueError, RuntimeError) as e:
            raise StoreError(f"update failed: {e}") from None

    def protocol(self, operation, text, dataset, accept, max_bytes=None):
        """See :meth:`Store.protocol`. In process there is no time limit (pyoxigraph cannot
        cancel a query); ``peerkg serve`` runs queries on an Oxigraph server for that."""
        graphs = {k: [ox.NamedNode(_iri(v)) for v in vs] for k, vs in dataset.items() if vs}
        try:
            if operation == "update":
                if graphs:
                    return Response(400, TEXT, b"using-graph-uri and using-named-graph-uri "
                                               b"need a SPARQL server (peerkg serve)")
                self._store.update(text)
                return Response(204, TEXT, b"")
            result = self._store.query(text, **_dataset_options(graphs))
        except SyntaxError as e:
            return Response(400, TEXT, str(e).encode())
        except (OSError, ValueError, RuntimeError) as e:
            raise QueryError(f"query failed: {e}") from None
        media_type, fmt = _negotiate(accept, isinstance(result, ox.QueryTriples))
        body = result.serialize(format=fmt)
        if max_bytes is not None and len(body) > max_bytes:
            raise ResultTooLarge(f"the result is larger than {max_bytes} bytes")
        return Response(200, media_type, body)

    def dump(self):
        return self._store.dump(format=ox.RdfFormat.N_QUADS)

    def close(self):
        """Flush and release the store; closing twice is harmless."""
        if getattr(self, "_store", None) is None:
            return
        if self.location != MEMORY:
            self._store.flush()
        del self._store


def _dataset_options(graphs: Mapping[str, list]) -> dict:
    """pyoxigraph query options for the protocol's dataset parameters: the union of the named
    graphs by default, as everywhere in peerkg."""
    if not graphs:
        return {"use_default_graph_as_union": True}
    return {"default_graph": graphs.get("default-graph-uri", []),
            "named_graphs": graphs.get("named-graph-uri", [])}


def _negotiate(accept: str, graph: bool):
    """The first media type in ``accept`` that pyoxigraph can write for this kind of result,
    with its format; SPARQL JSON or Turtle if none fits."""
    parse = ox.RdfFormat.from_media_type if graph else ox.QueryResultsFormat.from_media_type
    for item in accept.split(","):
        media_type = item.split(";")[0].strip()
        if media_type and (fmt := parse(media_type)) is not None:
            return fmt.media_type, fmt
    fmt = ox.RdfFormat.TURTLE if graph else ox.QueryResultsFormat.JSON
    return fmt.media_type, fmt


# -- endpoint ---------------------------------------------------------------------------------


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


def _from_json(binding: dict | None) -> Node | None:
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


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _with_values(query: str, bindings: Mapping[str, Node]) -> str:
    """Pre-bind variables as pyoxigraph's substitutions do: a one-row VALUES block of RDF terms
    placed first in the query's top-level WHERE group, so later BINDs and filters see it."""
    names = " ".join(f"?{k}" for k in bindings)
    terms = " ".join(
        f"<{_iri(v)}>" if isinstance(v, URIRef) else v.n3() for v in bindings.values()
    )
    body = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
    match = _WHERE.search(body)
    if not match:
        raise QueryError("parameters need a query with a WHERE clause")
    return f"{body[: match.end()]} VALUES ({names}) {{ ({terms}) }}{body[match.end():]}"


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
            query = _with_values(query, bindings)
        return self._checked(self.query_url, [("query", query)], accept)

    def select(self, query, bindings=None):
        data = json.loads(self._post_query(query, SPARQL_JSON, bindings))
        if "results" not in data:
            raise QueryError("expected a SELECT query")
        columns = data["head"]["vars"]
        rows = [tuple(_from_json(b.get(c)) for c in columns) for b in data["results"]["bindings"]]
        return Table(columns, rows)

    def construct(self, query):
        body = self._post_query(query, "application/n-triples")
        return Graph().parse(data=body.decode("utf-8"), format="nt")

    def serialize(self, query, media_type, bindings=None):
        return self._post_query(query, media_type, bindings)

    def update(self, update):
        self._checked(self.update_url, [("update", update)])

    def protocol(self, operation, text, dataset, accept, max_bytes=None):
        url = self.update_url if operation == "update" else self.query_url
        fields = [(operation, text)] + [(k, v) for k, vs in dataset.items() for v in vs]
        return self._exchange(url, fields, accept, max_bytes)

    def dump(self):
        table = self.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        lines = (" ".join(t.n3() for t in row) + " .\n" for row in table.rows)
        return "".join(lines).encode("utf-8")

    def close(self):
        self._drop()
