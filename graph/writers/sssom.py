"""Mappings as an SSSOM table (https://mapping-commons.github.io/sssom/), the inverse of
:mod:`peerkg.graph.readers.sssom`: a ``#`` YAML metadata block, then one tab-separated row per
mapping, sorted, with peerkg IRIs written as ``pkid:`` CURIEs. Reading the table back gives the
same mappings."""

import csv
import io

import yaml
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS

from peerkg.graph.base.iris import PK, PROV
from peerkg.graph.readers.sssom import BUILTIN_PREFIXES

COLUMNS = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label",
           "mapping_justification", "author_id", "confidence", "comment"]
CURIE_MAP = {p: BUILTIN_PREFIXES[p] for p in ("pkid", "pk", "skos", "semapv", "orcid")}


def write_sssom(graph: Graph, set_iri: URIRef, title: str, license_iri: str | None = None) -> bytes:
    """The mappings in ``graph`` (every ``pk:Mapping``, with the labels ``graph`` has for their
    concepts) as one SSSOM mapping set named ``set_iri``."""
    creators = sorted({str(c) for s in graph.subjects(RDF.type, PK.MappingSet)
                       for c in graph.objects(s, PROV.wasAttributedTo)})
    licences = sorted({str(x) for s in graph.subjects(RDF.type, PK.MappingSet)
                       for x in graph.objects(s, DCTERMS.license)})
    meta = {"curie_map": CURIE_MAP, "mapping_set_id": str(set_iri), "mapping_set_title": title,
            "license": license_iri or (licences[0] if len(licences) == 1 else
                                       "https://creativecommons.org/licenses/by/4.0/")}
    if creators:
        meta["creator_id"] = [_curie(c) for c in creators]
    rows = sorted(_row(graph, m) for m in graph.subjects(RDF.type, PK.Mapping))
    out = io.StringIO()
    for line in yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).splitlines():
        out.write(f"# {line}\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(g: Graph, mapping) -> list[str]:
    subject, obj = g.value(mapping, PK.mappingSubject), g.value(mapping, PK.mappingObject)
    return [_curie(subject), _label(g, subject), _curie(g.value(mapping, PK.mappingRelation)),
            _curie(obj), _label(g, obj), _curie(g.value(mapping, PK.mappingJustification)),
            _curie(g.value(mapping, PROV.wasAttributedTo)), _decimal(g.value(mapping, PK.confidence)),
            str(g.value(mapping, RDFS.comment) or "")]


def _curie(iri) -> str:
    text = str(iri)
    for prefix, namespace in CURIE_MAP.items():
        if text.startswith(namespace) and text != namespace:
            return f"{prefix}:{text[len(namespace):]}"
    return text


def _label(g: Graph, node) -> str:
    return str(g.value(node, RDFS.label) or "")


def _decimal(value) -> str:
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text
