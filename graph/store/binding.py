"""Binding parameters into query text safely: IRIs are checked, values go in as RDF terms.

Parameters are bound by the engine, never formatted into the query: a one-row ``VALUES`` block
of typed RDF terms opens the query's WHERE group, on every backend alike (pyoxigraph's
``substitutions`` would only bind projected variables).
"""

from collections.abc import Mapping, Sequence

from rdflib import URIRef
from rdflib.term import Node

from peerkg.graph.base.errors import QueryError
from peerkg.graph.store.tokens import LAYOUT, tokenize


def iri(term) -> str:
    """An IRI safe to write between angle brackets, or QueryError."""
    value = str(term)
    if not value or any(c in value for c in '<>"{}|^`\\ \n\t'):
        raise QueryError(f"not a valid IRI: {value!r}")
    return value


def term(value: Node) -> str:
    """An RDF term as SPARQL text (an IRI checked by :func:`iri`)."""
    return f"<{iri(value)}>" if isinstance(value, URIRef) else value.n3()


def values_block(bindings: Mapping[str, Node | Sequence[Node]]) -> str:
    """A VALUES block of RDF terms per variable (one term, or several: the variable then takes
    each in turn)."""
    blocks = []
    for name, values in bindings.items():
        terms = values if isinstance(values, list | tuple) else [values]
        blocks.append(f"VALUES ?{name} {{ {' '.join(term(v) for v in terms)} }}")
    return " ".join(blocks)


def with_values(query: str, bindings: Mapping[str, Node | Sequence[Node]]) -> str:
    """Pre-bind variables as pyoxigraph's substitutions do: :func:`values_block`, placed first
    in the query's top-level WHERE group, so later BINDs and filters see them. The query is
    read as SPARQL tokens (:mod:`.tokens`), so a WHERE in a comment or a string is not it."""
    parts = [(kind, text, start) for kind, text, start in tokenize(query) if kind not in LAYOUT]
    for (kind, text, _), (_, after, start) in zip(parts, parts[1:], strict=False):
        if kind == "name" and text.upper() == "WHERE" and after == "{":
            return f"{query[:start + 1]} {values_block(bindings)}{query[start + 1:]}"
    raise QueryError("parameters need a query with a WHERE clause")
