"""Named SPARQL queries: one ``.rq`` file each, with a comment header, run by name.

A header is the file's leading comment lines::

    # title: Quotes by construct
    # description: What the query answers.
    # param: construct construct optional : what the parameter means
    # internal: yes

A ``param`` line gives the name, the type, ``optional`` or ``required``, optionally ``->
VARIABLE`` (the SPARQL variable it binds, without '?'; by default the name itself), and a
description. Types: ``iri``, ``string``, ``integer``, and the entity types of the filters table
(:mod:`peerkg.queries.filters`: ``study``, ``site``, ``stakeholder``, ``theme``,
``construct``), which take a label, an id or an IRI and bind every entity the value names. A
value that names nothing is an InputError naming it and the known values. Values are bound by
the store's engine (see peerkg.graph.store), never formatted into the query text.

``internal: yes`` marks a query the API, pages and views are built from: it runs like any other
but is not listed as part of the public contract (:func:`public`), so it may change.

``study-graph: yes`` says that, given its ``study`` parameter, the query's answer lies in that
study's graph and the graphs that belong to no study: it then runs on those graphs alone
(:func:`~peerkg.graph.store.access.study_scope`), so one study of a thousand costs what it
costs alone. A test checks each such query gives the same rows read from every graph.
"""

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.iris import PREFIXES
from peerkg.graph.store import Store, Table
from peerkg.graph.store.access import study_scope
from peerkg.graph.store.binding import with_values
from peerkg.queries.filters import ENTITY_FILTERS, resolve_value

HERE = Path(__file__).parent
PARAM = re.compile(r"^(\w+)\s+(\w+)\s+(optional|required)\s*(?:->\s*(\w+)\s*)?:\s*(.+)$")
TYPES = ("iri", "string", "integer", *ENTITY_FILTERS)


@dataclass(frozen=True)
class Param:
    """A query parameter: ``name`` as users give it, the SPARQL ``variable`` it binds."""

    name: str
    type: str
    optional: bool
    description: str
    variable: str = ""

    def __post_init__(self):
        if not self.variable:
            object.__setattr__(self, "variable", self.name)


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its name (the file stem), header fields and SPARQL text."""

    name: str
    title: str
    description: str
    text: str
    params: tuple[Param, ...] = field(default=())
    internal: bool = False
    study_graph: bool = False

    def bind(self, values: dict[str, str], store: Store) -> dict[str, Node | list[Node]]:
        """Turn ``name -> text`` values into bindings of this query's variables: typed RDF
        terms, or for an entity type the list of entities the value names in ``store``.

        Raises InputError for an unknown parameter, a missing required one, a bad value or an
        entity value that names nothing in the store (a typo would otherwise give no rows). An
        empty value counts as not given.
        """
        values = {k: v for k, v in values.items() if v != ""}  # an empty form field: not given
        known = {p.name: p for p in self.params}
        for name in values:
            if name not in known:
                names = ", ".join(known) or "none"
                raise InputError(f"query '{self.name}' has no parameter '{name}' (it takes: {names})")
        missing = [p.name for p in self.params if not p.optional and p.name not in values]
        if missing:
            raise InputError(f"query '{self.name}' needs --param {missing[0]}=VALUE")
        bindings = {}
        for name, value in values.items():
            param = known[name]
            if param.type in ENTITY_FILTERS:
                try:
                    bindings[param.variable] = resolve_value(store, param.type, value)
                except InputError as e:
                    raise InputError(f"parameter '{name}': {e}") from None
            else:
                bindings[param.variable] = _term(param, value)
        return bindings

    def run(self, store: Store, values: dict[str, str] | None = None,
            limit: int | None = None, offset: int = 0, kept: bool = False) -> Table:
        """The query's rows for ``values``; with ``limit``, only the page of at most ``limit``
        rows from ``offset`` (LIMIT and OFFSET in the SPARQL, so the engine pages; concatenated,
        the pages are the whole table, as the query orders its rows). With ``kept``, the
        answer is kept until the store is written (:meth:`Store.select_kept`)."""
        bindings = self.bind(values or {}, store)
        store, text = self.scoped(store, bindings), self.paged(bindings, limit, offset)
        return store.select_kept(text) if kept else store.select(text)

    def scoped(self, store: Store, bindings: dict) -> Store:
        """``store``, or with ``study-graph: yes`` and a study bound, only the graphs the
        study's answer lies in (see the module docstring)."""
        study = next((p.variable for p in self.params if p.type == "study"), None)
        if not self.study_graph or study not in bindings:
            return store
        return study_scope(store, bindings[study])

    def paged(self, bindings: dict, limit: int | None = None, offset: int = 0) -> str:
        """The query text with ``bindings`` bound and, with ``limit``, LIMIT and OFFSET added
        (ValueError unless they are integers, ``limit`` >= 0 and ``offset`` >= 0)."""
        text = with_values(self.text, bindings) if bindings else self.text
        if limit is not None:
            text += f"\nLIMIT {_natural(limit, 'limit')}"
        if offset:
            text += f"\nOFFSET {_natural(offset, 'offset')}"
        return text

    def count(self, store: Store, values: dict[str, str] | None = None) -> int:
        """How many rows :meth:`run` gives for ``values``, counted by the engine (the query as
        a subquery of ``SELECT (COUNT(*) ...)``, its ORDER BY left out), and kept until the
        store is written (:meth:`Store.select_kept`): paging through a table counts it once."""
        bindings = self.bind(values or {}, store)
        prologue, body = _split_prologue(self.paged(bindings))
        body = _ORDER_BY.sub("", body)
        table = self.scoped(store, bindings).select_kept(
            f"{prologue}\nSELECT (COUNT(*) AS ?rows) WHERE {{\n{body}\n}}")
        return int(table.rows[0][0])


_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[\w-]*:\s*<[^>]*>|BASE\s*<[^>]*>|#[^\n]*)\s*)*",
                       re.IGNORECASE)
# the top-level ORDER BY: after the last closing brace, to the end (no LIMIT in named queries)
_ORDER_BY = re.compile(r"ORDER\s+BY\s[^{}]*$", re.IGNORECASE)


def _split_prologue(text: str) -> tuple[str, str]:
    """(PREFIX and BASE declarations, the rest) of a query."""
    end = _PROLOGUE.match(text).end()
    return text[:end], text[end:]


def _natural(value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, not {value!r}")
    return value


def _term(param: Param, value: str) -> Node:
    if param.type == "integer":
        if not re.fullmatch(r"-?\d+", value.strip()):
            raise InputError(f"parameter '{param.name}' must be an integer, not {value!r}")
        return Literal(int(value), datatype=XSD.integer)
    if param.type == "string":
        return Literal(value)
    if re.match(r"^https?://", value):
        return URIRef(value)
    raise InputError(f"parameter '{param.name}' must be an IRI, not {value!r}")


def with_prefixes(text: str) -> str:
    """``text`` with PREFIX declarations for the project's prefixes (pk:, rdfs:, skos:, ...,
    see peerkg.graph.base.iris.PREFIXES) that it uses without declaring."""
    missing = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items()
               if re.search(rf"(?<![\w:]){p}:", text)
               and not re.search(rf"PREFIX\s+{p}:", text, re.IGNORECASE)]
    return "\n".join([*missing, text])


def parse(text: str, name: str, source: str = "") -> NamedQuery:
    """Parse a query file's header; InputError (naming ``source`` and the line) if malformed."""
    header: dict[str, str] = {}
    params = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("#"):
            break
        key, sep, value = line.lstrip("# ").partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "param":
            match = PARAM.match(value)
            if not match or match[2] not in TYPES:
                raise InputError(
                    f"malformed parameter; expected 'NAME TYPE optional|required [-> VARIABLE] :"
                    f" description'"
                    f" with TYPE one of {', '.join(TYPES)}",
                    f"{source or name}, line {number}",
                )
            params.append(Param(match[1], match[2], match[3] == "optional", match[5],
                                match[4] or ""))
        else:
            header[key] = value
    return NamedQuery(name, header.get("title", name), header.get("description", ""), text,
                      tuple(params), header.get("internal") == "yes",
                      header.get("study-graph") == "yes")


@cache
def registry() -> dict[str, NamedQuery]:
    """Every named query shipped with peerkg, by name."""
    return {p.stem: parse(p.read_text(encoding="utf-8"), p.stem, p.name)
            for p in sorted(HERE.glob("*.rq"))}


def public() -> dict[str, NamedQuery]:
    """The named queries of the public contract: every query not marked internal."""
    return {name: q for name, q in registry().items() if not q.internal}


def resolve(name_or_file: str) -> NamedQuery:
    """A named query by name, or a query read from a ``.rq`` file path."""
    if name_or_file in registry():
        return registry()[name_or_file]
    path = Path(name_or_file)
    if path.suffix == ".rq" or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise InputError(f"cannot read the query file: {e.strerror}", str(path)) from None
        return parse(text, path.stem, str(path))
    names = ", ".join(registry())
    raise InputError(f"no named query '{name_or_file}' (named queries: {names}; or give a .rq file)")
