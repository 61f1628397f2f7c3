"""Checking that an engine's answer is whole before anyone is given it.

A SPARQL server streams results, so it has sent ``200 OK`` before it knows whether the query will
finish; Oxigraph then appends its error message to the partial body (measured: a failing SERVICE,
a cancelled query). :func:`whole` parses the body in the format it claims and raises
:class:`~peerkg.graph.store.base.BrokenAnswer` naming the engine's message if it does not parse.
CSV cannot be parsed back, and Virtuoso 7 writes TSV headers that are not SPARQL's (``"o"`` for
``?o``), so :data:`ASK_FOR` asks the engine for SPARQL JSON instead and :func:`whole` writes the
CSV or TSV from it.
"""

import pyoxigraph as ox

from peerkg.graph.store.base import BrokenAnswer

CSV, TSV, JSON = "text/csv", "text/tab-separated-values", "application/sparql-results+json"
ASK_FOR = {CSV: JSON, TSV: JSON}


def whole(body: bytes, engine_type: str, wanted_type: str) -> bytes:
    """``body`` (written by the engine as ``engine_type``) as ``wanted_type``, once it has been
    parsed completely; BrokenAnswer if it does not parse."""
    results = ox.QueryResultsFormat.from_media_type(engine_type)
    graphs = None if results else ox.RdfFormat.from_media_type(engine_type)
    if results is None and graphs is None:
        return body  # a format pyoxigraph cannot read: passed on as the engine wrote it
    try:
        if graphs is not None:
            for _ in ox.parse(body, format=graphs):
                pass
            return body
        parsed = ox.parse_query_results(body, format=results)
        if wanted_type == engine_type:
            if isinstance(parsed, ox.QuerySolutions):
                for _ in parsed:
                    pass
            return body
        return parsed.serialize(format=ox.QueryResultsFormat.from_media_type(wanted_type))
    except (SyntaxError, ValueError) as e:
        tail = body[-300:].decode("utf-8", "replace").strip()
        raise BrokenAnswer(f"the query failed after its results had begun ({e}); the engine "
                           f"said: …{tail}") from None
