"""The filters users narrow results by: study, site, stakeholder group, theme, construct and
text. This one table is what the CLI (``peerkg viz`` options), the JSON API (``/api/quotes``,
``/api/graph/...``), the pages' pickers, the graph views and the named queries' parameter types
all use, so a value means the same everywhere.

An entity filter takes a full IRI, an id (the IRI's last segment, e.g. ``london``) or a label
(e.g. ``London``), ids and labels case-insensitively; a site label or id may name sites of
several studies, and then stands for all of them. A value that names nothing is an InputError
naming the value and the values that exist, never a silent empty result. What a value names
and the values a picker offers are kept until the store is written (``Store.select_kept``).
"""

from dataclasses import dataclass

from rdflib import Literal, URIRef

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.iris import PK
from peerkg.graph.store import Store
from peerkg.graph.store.access import study_scope
from peerkg.graph.store.binding import with_values

KNOWN_SHOWN = 30  # how many known values an error lists


@dataclass(frozen=True)
class Filter:
    """One filter: its ``name`` (the parameter), what it selects (``noun``, and ``cls`` the
    class of the entities it names, None for free text) and an ``example`` value."""

    name: str
    noun: str
    cls: URIRef | None
    example: str

    @property
    def help(self) -> str:
        if self.cls is None:
            return f"only quotes containing these words (e.g. {self.example})"
        return f"only this {self.noun}, by label, id or IRI (e.g. {self.example})"


FILTERS = {f.name: f for f in (
    Filter("study", "study", PK.Study, "gillard2013"),
    Filter("site", "site", PK.Site, "London"),
    Filter("stakeholder", "stakeholder group", PK.StakeholderGroup, "Peer Worker"),
    Filter("theme", "theme", PK.Theme, "who-becomes"),
    Filter("construct", "construct", PK.Construct, "role-distinctiveness"),
    Filter("text", "text", None, "boundaries"),
)}
ENTITY_FILTERS = tuple(name for name, f in FILTERS.items() if f.cls is not None)

_MATCH = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?e WHERE {
  ?e a ?class .
  OPTIONAL { ?e rdfs:label ?label }
  FILTER(STR(?e) = ?value || LCASE(REPLACE(STR(?e), "^.*/", "")) = LCASE(?value)
         || LCASE(STR(?label)) = LCASE(?value))
}"""
_KNOWN = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?e ?label WHERE { ?e a ?class ; rdfs:label ?label } ORDER BY ?label ?e"""


def resolve_value(store: Store, name: str, value: str) -> list[URIRef]:
    """The IRIs of the entities filter ``name`` calls ``value`` (see the module docstring);
    InputError if there are none."""
    f = FILTERS[name]
    value = value.strip()
    found = [row[0] for row in store.select_kept(
        with_values(_MATCH, {"class": f.cls, "value": Literal(value)})).rows]
    if not found:
        labels = sorted({label for _, label in known(store, name)}, key=str.lower)
        shown = ", ".join(labels[:KNOWN_SHOWN]) + (", …" if len(labels) > KNOWN_SHOWN else "")
        raise InputError(f"no {f.noun} {value!r} in the store (known: {shown or 'none'})")
    return found


def scoped_to_study(store: Store, study: str | None) -> Store:
    """``store`` as a question about the ``study`` filter's value alone reads it (only that
    study's graph and the shared ones: :func:`~peerkg.graph.store.access.study_scope`), or
    ``store`` itself when no study is given."""
    return study_scope(store, resolve_value(store, "study", study)) if study else store


def known(store: Store, name: str) -> list[tuple[str, str]]:
    """Every entity filter ``name`` can select, as (IRI, label) pairs sorted by label."""
    table = store.select_kept(with_values(_KNOWN, {"class": FILTERS[name].cls}))
    return [(str(e), str(label)) for e, label in table.rows]


def filter_values(store: Store) -> dict[str, list[dict[str, str]]]:
    """For pickers: each entity filter's values as ``{"value": id-or-IRI, "label": label}``,
    one per distinct label (a label shared by several studies' sites is one choice)."""
    values = {}
    for name in ENTITY_FILTERS:
        seen: dict[str, str] = {}
        for _iri, label in known(store, name):
            seen.setdefault(label.lower(), label)
        values[name] = [{"value": label, "label": label} for label in seen.values()]
    return values
