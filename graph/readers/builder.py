"""Building one study's graph from located fields: ids declared once, references resolved or
refused naming the field, labels and texts added, attribution recorded with PROV-O.

The study readers (:mod:`.study`, :mod:`.study_tables`) and the shared vocabulary reader use it,
so "an unknown id names the field and the known ids" means the same everywhere.
"""

from rdflib import RDFS, SKOS, Graph, Literal, URIRef

from peerkg.graph.base.iris import PROJECT_AGENT, PROV, entity, shared
from peerkg.graph.readers.fields import Field

AGENT_KIND = "agent"  # coders are agents: people, or the project
SHARED_KINDS = ("stakeholder", "construct")


class GraphBuilder:
    """The graph of study ``sid`` under construction. ``shared_ids`` maps each shared kind
    (stakeholder, construct) to the ids the vocabulary defines."""

    def __init__(self, sid: str, shared_ids: dict[str, set[str]]):
        self.sid = sid
        self.g = Graph()
        self.ids: dict[str, set[str]] = {}
        self.shared_ids = shared_ids
        self.authors_agent = self.iri(AGENT_KIND, "authors")
        self.stakeholder_labels: dict[str, URIRef] = {}  # the study's own labels -> shared groups

    def iri(self, kind: str, local: str) -> URIRef:
        return entity(self.sid, AGENT_KIND if kind == "coder" else kind, local)

    def declare(self, kind: str, field: Field) -> str:
        """Record a new id of ``kind``; a duplicate is an error at its own line."""
        local = field.slug()
        seen = self.ids.setdefault(kind, set())
        if local in seen:
            raise field.error(f"duplicate {kind} id '{local}'")
        seen.add(local)
        return local

    def known(self, kind: str) -> set[str]:
        return self.shared_ids[kind] if kind in SHARED_KINDS else self.ids.get(kind, set())

    def ref(self, kind: str, field: Field) -> URIRef:
        """The IRI of the ``kind`` id in ``field``, or an error naming the field and the known ids."""
        return self._resolve(kind, field, [field.slug()])[0]

    def refs(self, kind: str, field: Field, sep: str | None = None) -> list[URIRef]:
        """The IRIs of a list of ids (a YAML list, or with ``sep`` a separated CSV cell)."""
        return self._resolve(kind, field, field.slugs(sep))

    def _resolve(self, kind: str, field: Field, locals_: list[str]) -> list[URIRef]:
        known = self.known(kind)
        for local in locals_:
            if local not in known:
                choices = ", ".join(sorted(known)) or "none defined"
                raise field.error(f"unknown {kind} '{local}' (known: {choices})")
        if kind in SHARED_KINDS:
            return [shared(kind, local) for local in locals_]
        return [self.iri(kind, local) for local in locals_]

    def stakeholder(self, field: Field) -> URIRef:
        """The shared group a stakeholder id stands for: one of the study's own labels
        (``stakeholders:`` in study.yaml), or a shared id."""
        local = field.slug()
        if local in self.stakeholder_labels:
            return self.stakeholder_labels[local]
        if local in self.known("stakeholder"):
            return shared("stakeholder", local)
        known = sorted({*self.stakeholder_labels, *self.known("stakeholder")})
        raise field.error(f"unknown stakeholder group '{local}' (known: {', '.join(known)})")

    def add(self, s, p, o) -> None:
        self.g.add((s, p, o))

    def label(self, node, text: str, concept: bool = False) -> None:
        self.add(node, RDFS.label, Literal(text, lang="en"))
        if concept:
            self.add(node, SKOS.prefLabel, Literal(text, lang="en"))

    def text(self, node, prop, field: Field, lang: bool = True) -> None:
        """Add ``field``'s text as a literal of ``prop``, if it is there."""
        if field.value not in (None, ""):
            self.add(node, prop, Literal(field.text(), lang="en" if lang else None))

    def attribute(self, node, attribution: str) -> None:
        """``node`` was asserted by the study's authors or by the peerkg project (PROV-O)."""
        agent = PROJECT_AGENT if attribution == "project" else self.authors_agent
        self.add(node, PROV.wasAttributedTo, agent)

    @staticmethod
    def attribution(field: Field, default: str) -> str:
        value = field.value if field.value is not None else default
        if value not in ("authors", "project"):
            raise field.error(f"must be 'authors' or 'project', not {value!r}")
        return value
