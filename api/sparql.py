"""``/sparql``: the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/).

Queries by GET, POST form and POST direct, with the dataset parameters; results in the media type
the client prefers (SPARQL JSON, XML, CSV, TSV; Turtle, N-Triples, RDF/XML, JSON-LD), written by
the engine. Malformed requests get 400 (with the parser's message), wrong media types 415, other
methods 405. Without an operation the endpoint answers its service description
(https://www.w3.org/TR/sparql11-service-description/), or sends a browser to the query page.

Read-only unless the app has a ``WRITE_TOKEN``: an update then needs ``Authorization: Bearer
<token>`` (401 without it, 403 with a wrong one); with no token configured updates get 403.
A request without a read or write token does not see restricted studies (see
:mod:`peerkg.api.store`), whatever dataset it names.

Every operation is read before it reaches the store (:mod:`peerkg.graph.store.inspect`): one that
would make the server call an endpoint (``SERVICE``, ``LOAD``) not listed in ``FEDERATE`` gets
400 naming it, as does one too ambiguous, deep or long to run safely; a query text over
``MAX_QUERY_BYTES`` gets 413 (414 in a URL), an update over ``MAX_UPDATE_BYTES`` 413. Answers are
buffered whole: an engine failing after its first byte is an error, never a broken 200.
Relative IRIs are resolved against the endpoint's URL. Nothing reaches the store before these
checks pass.
"""

import hmac
import urllib.parse
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, redirect, request, url_for
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import RDF
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, Forbidden, MethodNotAllowed, RequestURITooLarge, Unauthorized
from werkzeug.exceptions import UnsupportedMediaType as Unsupported

from peerkg.api.errors import error_response
from peerkg.api.store import bearer_token, get_store
from peerkg.graph.base.formats import GRAPH_MEDIA_TYPES, RESULT_FORMATS, by_media_type
from peerkg.graph.store import Dataset
from peerkg.graph.store.inspect import inspect

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = {"application/sparql-query": "query", "application/sparql-update": "update"}
RESULT_TYPES = [f.media_type for f in RESULT_FORMATS]
DATASET = {"query": ("default-graph-uri", "named-graph-uri"),
           "update": ("using-graph-uri", "using-named-graph-uri")}
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")


@dataclass
class Operation:
    """A SPARQL query or update, with the dataset its protocol parameters name (or None)."""

    kind: str
    text: str
    dataset: Dataset | None = None


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    operation = parse_request()
    if operation is None:
        return service_description()
    if operation.kind == "update":
        authorize()
    found = inspect(operation.text, operation.kind)
    check_calls(found)
    if found.relative:  # else the engine would resolve them against its own address
        operation.text = f"BASE <{request.base_url}> {operation.text}"
    accept = request.accept_mimetypes
    answer = get_store().run_protocol(
        operation.kind, operation.text, operation.dataset,
        accept.best_match(RESULT_TYPES, RESULT_TYPES[0]),
        accept.best_match(GRAPH_MEDIA_TYPES, GRAPH_MEDIA_TYPES[0]),
        current_app.config["MAX_RESULT_BYTES"])
    if answer.status >= 400:
        message = answer.body.decode("utf-8", "replace").strip()
        return error_response(answer.status, f"the SPARQL {operation.kind} was refused: {message}")
    return Response(answer.body, status=answer.status, content_type=answer.content_type or None)


def parse_request() -> Operation | None:
    """The operation a protocol request carries, or None for a GET without one.

    Raises 400 for a missing, repeated or undecodable operation, 405 for an update by GET,
    413/414 for one too large and 415 for a body that is neither a form nor a SPARQL operation
    in UTF-8.
    """
    limit = current_app.config["MAX_QUERY_BYTES"]
    if request.method == "GET":
        if len(request.query_string) > limit:
            raise RequestURITooLarge(f"the query is longer than {limit} bytes")
        _utf8(request.query_string)
        if "update" in request.args:
            raise MethodNotAllowed(["POST"], "a SPARQL update must be sent by POST")
        if "query" not in request.args:
            return None
        return _operation("query", _single(request.args, "query"), [request.args])
    writer = current_app.config["WRITE_TOKEN"]
    given = bearer_token()
    if writer and given and hmac.compare_digest(given.encode(), writer.encode()):
        limit = current_app.config["MAX_UPDATE_BYTES"]
    request.max_content_length = limit
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise Unsupported(f"the body must be UTF-8, not {charset}")
    if request.mimetype == FORM:
        _utf8(request.get_data(cache=True))
        kinds = [k for k in DATASET if k in request.form]
        if len(kinds) != 1:
            raise BadRequest("a form must carry exactly one 'query' or 'update' parameter")
        kind = kinds[0]
        return _operation(kind, _single(request.form, kind), [request.args, request.form])
    if request.mimetype in DIRECT:
        try:
            text = request.get_data().decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the body is not valid UTF-8") from None
        return _operation(DIRECT[request.mimetype], text, [request.args])
    raise Unsupported(f"send a query or update as {FORM} or as one of {', '.join(DIRECT)}"
                      f" (got {request.mimetype or 'no Content-Type'})")


def _utf8(encoded: bytes) -> None:
    """Refuse URL-encoded parameters that are not UTF-8 (werkzeug would keep the bytes as
    ``%FF`` in the text, changing the query)."""
    try:
        urllib.parse.unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the parameters are not valid UTF-8") from None


def _single(params, name: str) -> str:
    values = params.getlist(name)
    if len(values) != 1:
        raise BadRequest(f"exactly one '{name}' parameter is allowed, got {len(values)}")
    return values[0]


def _operation(kind: str, text: str, sources: list) -> Operation:
    default, named = ([v for source in sources for v in source.getlist(name)]
                      for name in DATASET[kind])
    return Operation(kind, text, Dataset(tuple(default), tuple(named)) if default or named
                     else None)


def authorize() -> None:
    """Let an update through only with the server's write token as a Bearer token."""
    token = current_app.config["WRITE_TOKEN"]
    if not token:
        raise Forbidden("this server is read-only: SPARQL Update is off (start peerkg serve "
                        "with --write-token to allow it)")
    given = bearer_token()
    if given is None:
        raise Unauthorized("a SPARQL update needs the header 'Authorization: Bearer <token>'",
                           www_authenticate=WWWAuthenticate("Bearer", {"realm": "peerkg"}))
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise Forbidden("the write token is wrong; nothing was changed")


def check_calls(found) -> None:
    """Refuse an operation that would make the server call an endpoint (SERVICE, LOAD) it was
    not told to trust (``FEDERATE``): nothing is sent anywhere."""
    allowed = current_app.config["FEDERATE"]
    for endpoint in found.services:
        if endpoint is None:
            raise BadRequest("SERVICE with a variable endpoint is not allowed: name the endpoint")
        if endpoint not in allowed:
            raise BadRequest(f"SERVICE <{endpoint}> is not allowed: this server calls only the "
                             "endpoints it was started with (peerkg serve --federate URL)")
    for source in found.loads:
        if source not in allowed:
            raise BadRequest(f"LOAD <{source}> is not allowed: this server fetches only from the "
                             "endpoints it was started with (peerkg serve --federate URL)")


def service_description():
    """This endpoint described in RDF, in the format the client prefers; the query page for
    a browser."""
    if request.accept_mimetypes.best_match(["text/turtle", "text/html"]) == "text/html":
        return redirect(url_for("pages.query_page"), code=303)
    g = Graph()
    g.bind("sd", SD)
    service = BNode()
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(request.base_url)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if current_app.config["WRITE_TOKEN"]:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                 "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD"):
        g.add((service, SD.resultFormat, FORMATS[name]))
    media_type = request.accept_mimetypes.best_match(GRAPH_MEDIA_TYPES, GRAPH_MEDIA_TYPES[0])
    return Response(g.serialize(format=by_media_type(media_type).rdflib), content_type=media_type)
