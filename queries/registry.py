"""Named SPARQL queries: one ``.rq`` file each, with a comment header, run by name.

A header is the file's leading comment lines::

    # title: Quotes by construct
    # description: What the query answers.
    # param: construct construct optional : what the parameter means

A ``param`` line gives the name (a SPARQL variable without '?'), the type, ``optional`` or
``required``, and a description. Types: ``iri``, ``string``, ``integer``, and the shared-id
types ``construct``, ``stakeholder`` and ``study``, which take an id (``role-distinctiveness``)
or a full IRI. Values are bound by the store's engine (see peerkg.graph.store), never formatted
into the query text.
"""

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.iris import ID, shared, study_iri
from peerkg.graph.store import Store, Table

HERE = Path(__file__).parent
PARAM = re.compile(r"^(\w+)\s+(\w+)\s+(optional|required)\s*:\s*(.+)$")
ID_TYPES = {
    "construct": lambda v: shared("construct", v),
    "stakeholder": lambda v: shared("stakeholder", v),
    "study": study_iri,
}
TYPES = ("iri", "string", "integer", *ID_TYPES)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its name (the file stem), header fields and SPARQL text."""

    name: str
    title: str
    description: str
    text: str
    params: tuple[Param, ...] = field(default=())

    def bind(self, values: dict[str, str], store: Store | None = None) -> dict[str, Node]:
        """Turn ``name -> text`` values into typed RDF terms for this query's parameters.

        Raises InputError for an unknown parameter, a missing required one or a bad value; with
        ``store``, also for a construct, stakeholder group or study id the store does not hold
        (a typo would otherwise just give no rows).
        """
        known = {p.name: p for p in self.params}
        for name in values:
            if name not in known:
                names = ", ".join(known) or "none"
                raise InputError(f"query '{self.name}' has no parameter '{name}' (it takes: {names})")
        missing = [p.name for p in self.params if not p.optional and p.name not in values]
        if missing:
            raise InputError(f"query '{self.name}' needs --param {missing[0]}=VALUE")
        bindings = {name: _term(known[name], value) for name, value in values.items()}
        for name, term in bindings.items():
            kind = known[name].type
            if store is not None and kind in ID_TYPES and not store.select(
                    "SELECT ?p WHERE { ?s ?p ?o } LIMIT 1", {"s": term}).rows:
                raise InputError(f"parameter '{name}': no {kind} {values[name]!r} in the store")
        return bindings

    def run(self, store: Store, values: dict[str, str] | None = None) -> Table:
        return store.select(self.text, self.bind(values or {}, store))


def _term(param: Param, value: str) -> Node:
    if param.type == "integer":
        if not re.fullmatch(r"-?\d+", value.strip()):
            raise InputError(f"parameter '{param.name}' must be an integer, not {value!r}")
        return Literal(int(value), datatype=XSD.integer)
    if param.type == "string":
        return Literal(value)
    if re.match(r"^https?://", value):
        return URIRef(value)
    if param.type in ID_TYPES and re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
        return ID_TYPES[param.type](value)
    expected = "an IRI" if param.type == "iri" else f"a {param.type} id or an IRI under {ID}"
    raise InputError(f"parameter '{param.name}' must be {expected}, not {value!r}")


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
                    f"malformed parameter; expected 'NAME TYPE optional|required : description'"
                    f" with TYPE one of {', '.join(TYPES)}",
                    f"{source or name}, line {number}",
                )
            params.append(Param(match[1], match[2], match[3] == "optional", match[4]))
        else:
            header[key] = value
    return NamedQuery(name, header.get("title", name), header.get("description", ""), text,
                      tuple(params))


@cache
def registry() -> dict[str, NamedQuery]:
    """Every named query shipped with peerkg, by name."""
    return {p.stem: parse(p.read_text(encoding="utf-8"), p.stem, p.name)
            for p in sorted(HERE.glob("*.rq"))}


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
