"""HTML pages for people: the overview, the quote browser, one page per entity and the SPARQL
query page. Every entity IRI ``https://w3id.org/peerkg/id/<path>`` resolves at ``/id/<path>`` as
HTML, Turtle or JSON-LD, chosen from the Accept header; an unknown one is 404.
"""

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import NotFound

from peerkg.api.entities import describe, local_name
from peerkg.api.records import named_rows, quote_page, study_page, study_themes
from peerkg.api.store import get_store
from peerkg.graph.base.formats import GRAPH_MEDIA_TYPES, by_media_type
from peerkg.graph.base.iris import ID, PK, page_path
from peerkg.queries.filters import ENTITY_FILTERS, FILTERS, filter_values

bp = Blueprint("pages", __name__)



@bp.app_template_filter("page")
def page_filter(iri) -> str | None:
    """The server path of an entity IRI, or None outside peerkg (see iris.page_path)."""
    return page_path(iri)


@bp.app_template_filter("local")
def local_filter(iri) -> str:
    return local_name(iri)


@bp.get("/")
def overview():
    """A page of studies (``offset``, ``limit``: 20 by default) and the theme tree of those studies."""
    page = study_page(request.args)
    return render_template("overview.html", page=page, studies=page["studies"],
                           themes=study_themes(page["studies"]), args=request.args)


PICKER_MAX = 200  # more choices than this, and a filter is a text box, not a drop-down list


@bp.get("/quotes")
def quotes():
    """Quotes with the filters of /api/quotes, each filter a list of the choices drawn from the
    data, or where there are more than :data:`PICKER_MAX` (thousands of themes in a thousand
    studies) a text box taking a label, id or IRI as /api/quotes does."""
    return render_template("quotes.html", page=quote_page(request.args),
                           filters=[FILTERS[name] for name in ENTITY_FILTERS],
                           choices=filter_values(get_store()), picker_max=PICKER_MAX,
                           args=request.args)


@bp.get("/id/<path:path>")
def entity(path: str):
    """The entity ``ID + path`` as HTML, Turtle, JSON-LD, N-Triples or RDF/XML."""
    found = describe(get_store(), ID + path)
    if found is None:
        raise NotFound(f"nothing in the graph is called {ID + path}")
    media_type = request.accept_mimetypes.best_match(["text/html", *GRAPH_MEDIA_TYPES], "text/html")
    if media_type in GRAPH_MEDIA_TYPES:
        body = found.graph().serialize(format=by_media_type(media_type).rdflib)
        return Response(body, content_type=media_type, headers={"Vary": "Accept"})
    quote = None
    if any(t.value == PK.Quote for t in found.types):
        quote = named_rows("quote-search", {"quote": str(found.iri)})[0]
    html = render_template("entity.html", entity=found, quote=quote)
    return Response(html, content_type="text/html; charset=utf-8", headers={"Vary": "Accept"})


@bp.get("/query")
def query_page():
    """The SPARQL editor (YASGUI, vendored in static/vendor/yasgui), running against /sparql."""
    return render_template("query.html")
