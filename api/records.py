"""What the JSON API and the pages show: named-query rows as JSON values, the theme tree and
pages of quotes. Both blueprints build on these, so a page and its JSON never disagree."""

from rdflib import Literal, URIRef
from rdflib.term import Node
from werkzeug.exceptions import BadRequest

from peerkg.api.store import get_store
from peerkg.graph.base.iris import PROJECT_AGENT
from peerkg.graph.store import Table
from peerkg.queries import registry
from peerkg.queries.filters import FILTERS

PAGE_SIZE, MAX_PAGE_SIZE = 50, 500  # quotes
STUDY_PAGE, THEME_PAGE = 20, 50
MAX_LIST_PAGE = 1_000  # studies or themes per page
MAX_TABLE_PAGE = 10_000  # rows of a named query per page


def json_value(term: Node | None):
    """A JSON value for an RDF term: numbers for numeric literals, else its string form."""
    if term is None:
        return None
    if isinstance(term, Literal) and isinstance(term.toPython(), int | float):
        return term.toPython()
    if isinstance(term, Literal) and term.datatype and str(term.datatype).endswith("#decimal"):
        return float(term)
    return str(term)


def records(table: Table) -> list[dict]:
    return [{c: json_value(t) for c, t in zip(table.columns, row, strict=True)} for row in table.rows]


def named_rows(name: str, params: dict[str, str] | None = None, kept: bool = False) -> list[dict]:
    """The rows of the named query ``name``; with ``kept``, kept until the next write (for
    summaries of the whole collection, which read all of it)."""
    return records(registry()[name].run(get_store(), params or {}, kept=kept))


def theme_page(args) -> dict:
    """One page of the theme tree, optionally of one ``study``: ``total`` themes, and the page
    from ``offset`` of at most ``limit`` (default 50, at most 1,000) themes, in study order.
    The engine pages (``theme-page``, LIMIT, OFFSET and COUNT) and only the page's themes are
    described; the answers are kept until the next write."""
    filters = {"study": args["study"]} if args.get("study") else {}
    limit = _integer(args, "limit", THEME_PAGE, 1, MAX_LIST_PAGE)
    offset = _integer(args, "offset", 0, 0, None)
    store, page = get_store(), registry()["theme-page"]
    return {"total": page.count(store, filters), "offset": offset, "limit": limit,
            "filters": filters,
            "themes": theme_tree(page.run(store, filters, limit, offset, kept=True))}


def theme_tree(themes: Table) -> list[dict]:
    """The themes of ``themes`` (rows of ``theme-page``), in that order, each with the
    categories and codes found among its quotes (with quote counts, ``theme-codes``); a
    category or code the project reconstructed has ``reconstructed`` true."""
    nested: dict[str, dict] = {}
    for row in records(themes):
        nested.setdefault(row["theme"], {
            "theme": row["theme"], "label": row["theme_label"], "study": row["study"],
            "study_label": row["study_label"], "categories": {}})
    bound = {"theme": [URIRef(t) for t in nested]}
    codes = records(get_store().select_kept(registry()["theme-codes"].paged(bound))) if nested else []
    for row in codes:
        category = nested[row["theme"]]["categories"].setdefault(row["category"], {
            "category": row["category"], "label": row["category_label"], "codes": [],
            "reconstructed": row["category_by"] == str(PROJECT_AGENT)})
        category["codes"].append({"code": row["code"], "label": row["code_label"],
                                  "quotes": row["quotes"],
                                  "reconstructed": row["code_by"] == str(PROJECT_AGENT)})
    for theme in nested.values():
        theme["categories"] = list(theme["categories"].values())
    return list(nested.values())


def study_themes(studies: list[dict]) -> list[dict]:
    """The theme tree of the ``studies`` (records of ``studies``), in study order."""
    bound = {"study": [URIRef(s["study"]) for s in studies]}
    return theme_tree(get_store().select_kept(registry()["theme-page"].paged(bound))) if studies else []


def study_page(args) -> dict:
    """One page of the studies, in label order: ``total`` studies, and the page from ``offset``
    of at most ``limit`` (default 20, at most 1,000), each with its quote count. The answers
    are kept until the next write: the quote counts read every quote."""
    limit = _integer(args, "limit", STUDY_PAGE, 1, MAX_LIST_PAGE)
    offset = _integer(args, "offset", 0, 0, None)
    store, studies = get_store(), registry()["studies"]
    return {"total": studies.count(store), "offset": offset, "limit": limit,
            "studies": records(studies.run(store, {}, limit, offset, kept=True))}


def quote_page(args) -> dict:
    """Quotes matching the filters in ``args``, one page of them: ``total`` matches, and the
    page from ``offset`` of at most ``limit`` (default 50, at most 500) quotes.

    The engine pages: ``quote-page`` selects the page's quotes (LIMIT and OFFSET) and counts
    the matches (COUNT), and only those quotes are described (:func:`described`), so no
    request reads every matching quote's description into memory. With no filter but the
    study, the pages go study by study (:func:`_study_by_study`) rather than sorting every
    quote."""
    filters = {k: args[k] for k in FILTERS if args.get(k)}
    limit = _integer(args, "limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    offset = _integer(args, "offset", 0, 0, None)
    store, page = get_store(), registry()["quote-page"]
    if set(filters) <= {"study"}:
        total, quotes = _study_by_study(store, filters, limit, offset)
    else:
        total = page.count(store, filters)
        quotes = [row[0] for row in page.run(store, filters, limit, offset).rows]
    return {"total": total, "offset": offset, "limit": limit, "filters": filters,
            "quotes": described(store, quotes)}


def described(store, quotes: list) -> list[dict]:
    """The rows of ``quote-search`` for ``quotes``, each with the IRIs of the constructs it
    bears on (``quote-constructs``), in order."""
    if not quotes:
        return []
    rows = records(store.select(registry()["quote-search"].text, {"quote": quotes}))
    constructs: dict[str, list[str]] = {}
    for quote, construct in store.select(registry()["quote-constructs"].text, {"quote": quotes}).rows:
        constructs.setdefault(str(quote), []).append(str(construct))
    for row in rows:
        row["constructs"] = constructs.get(row["quote"], [])
    return rows


def _study_by_study(store, filters: dict, limit: int, offset: int) -> tuple[int, list]:
    """The total and the page's quotes, in quote-page's order (study label, then order), from
    the quote count of each study (``study-quote-counts``) and the quotes of only the studies
    the page spans (``study-quote-page``): each of those sorts one study's quotes, not the
    whole store's. The counts are kept until the next write, so only the first page after a
    write counts every quote."""
    counts = registry()["study-quote-counts"].run(store, filters, kept=True).rows
    total, quotes, skip = sum(int(n) for _, _, n in counts), [], offset
    for study, _, n in counts:
        if len(quotes) == limit:
            break
        if skip >= int(n):
            skip -= int(n)
            continue
        rows = registry()["study-quote-page"].run(store, {"study": str(study)},
                                                  limit - len(quotes), skip).rows
        quotes += [row[0] for row in rows]
        skip = 0
    return total, quotes


def table_page(name: str, args) -> tuple[Table, int | None, int, int | None]:
    """The named query ``name`` run with the request's parameters; with ``limit`` (at most
    :data:`MAX_TABLE_PAGE`) or ``offset`` in ``args``, only that page, and the total row count.
    Returns (table, total or None, offset, limit or None)."""
    params = {k: v for k, v in args.items() if k not in ("limit", "offset", "format")}
    query, store = registry()[name], get_store()
    if "limit" not in args and "offset" not in args:
        return query.run(store, params), None, 0, None
    limit = _integer(args, "limit", MAX_TABLE_PAGE, 1, MAX_TABLE_PAGE)
    offset = _integer(args, "offset", 0, 0, None)
    return query.run(store, params, limit, offset), query.count(store, params), offset, limit


def _integer(args, name: str, default: int, low: int, high: int | None) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        bounds = f"{low}..{high}" if high is not None else f"{low} or more"
        raise BadRequest(f"'{name}' must be an integer in {bounds}, not {raw!r}")
    return int(raw)
