"""The shared vocabulary: stakeholder groups and literature constructs, used by every study.

Read from ``graph/vocab/{stakeholders,constructs}.yaml`` (format: docs/study-format.md) into
SKOS concept schemes in their own named graph (:data:`~peerkg.graph.base.iris.VOCAB_GRAPH`). The
definitions are the project's own words, so each concept is attributed to the project.
"""

from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal

from peerkg.graph.base.iris import PK, PROJECT_AGENT, PROV, shared
from peerkg.graph.readers.fields import read_yaml

BUNDLED = Path(__file__).parent.parent / "vocab"


@dataclass
class Vocab:
    """The shared vocabulary as RDF, plus the ids a study package may refer to."""

    graph: Graph
    stakeholders: set[str]
    constructs: set[str]


def _label(g: Graph, node, text: str) -> None:
    g.add((node, RDFS.label, Literal(text, lang="en")))
    g.add((node, SKOS.prefLabel, Literal(text, lang="en")))


def _scheme(g: Graph, local: str, label: str, definition: str):
    scheme = shared("scheme", local)
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    _label(g, scheme, label)
    g.add((scheme, SKOS.definition, Literal(definition, lang="en")))
    return scheme


def read_vocab(folder: Path = BUNDLED) -> Vocab:
    """Read the vocabulary in ``folder``; raises InputError naming file, line and field."""
    g = Graph()
    stakeholders = _read_stakeholders(g, folder / "stakeholders.yaml")
    constructs = _read_constructs(g, folder / "constructs.yaml")
    return Vocab(g, stakeholders, constructs)


def _read_stakeholders(g: Graph, path: Path) -> set[str]:
    scheme = _scheme(
        g, "stakeholder-groups", "Stakeholder groups",
        "The groups of participants in peer support research, shared across studies.",
    )
    ids: set[str] = set()
    for n, item in enumerate(read_yaml(path)["groups"].items(), 1):
        local = item["id"].slug()
        if local in ids:
            raise item["id"].error(f"duplicate id '{local}'")
        ids.add(local)
        node = shared("stakeholder", local)
        g.add((node, RDF.type, PK.StakeholderGroup))
        g.add((node, PK.order, Literal(n, datatype=XSD.integer)))
        _label(g, node, item["label"].text())
        g.add((node, SKOS.definition, Literal(item["definition"].text(), lang="en")))
        g.add((node, SKOS.inScheme, scheme))
        g.add((node, PROV.wasAttributedTo, PROJECT_AGENT))
    return ids


def _read_constructs(g: Graph, path: Path) -> set[str]:
    scheme = _scheme(
        g, "constructs", "Role-adoption and neighbouring constructs",
        "Constructs from organisational research on the adoption of new work roles, and the "
        "neighbouring constructs that peer support research draws on.",
    )
    items = read_yaml(path)["constructs"].items()
    ids: set[str] = set()
    for item in items:
        local = item["id"].slug()
        if local in ids:
            raise item["id"].error(f"duplicate id '{local}'")
        ids.add(local)
    for item in items:
        node = shared("construct", item["id"].value)
        g.add((node, RDF.type, PK.Construct))
        if item.get("core").value is True:
            g.add((node, RDF.type, PK.RoleAdoptionConstruct))
            g.add((scheme, SKOS.hasTopConcept, node))
        _label(g, node, item["label"].text())
        g.add((node, SKOS.definition, Literal(item["definition"].text(), lang="en")))
        g.add((node, SKOS.inScheme, scheme))
        g.add((node, PROV.wasAttributedTo, PROJECT_AGENT))
        for alt in item.get("alt_labels").items():
            g.add((node, SKOS.altLabel, Literal(alt.text(), lang="en")))
        for key, prop in (("broader", SKOS.broader), ("related", SKOS.related)):
            field = item.get(key)
            targets = [field.slug()] if isinstance(field.value, str) else field.slugs()
            for target in targets:
                if target not in ids:
                    raise field.error(f"unknown construct '{target}'")
                g.add((node, prop, shared("construct", target)))
    return ids
