"""SSSOM mapping tables (https://mapping-commons.github.io/sssom/) into a mapping-set graph.

A ``.sssom.tsv`` file is a YAML metadata block, each line starting with ``#``, then a
tab-separated table with a header row. Each row maps a subject concept to an object concept
with a SKOS mapping relation; peerkg requires, besides SSSOM's own required columns, who
asserted each mapping (``author_id``, or the set's ``creator_id``) and a ``confidence``. The
graph named by the set's ``mapping_set_id`` holds one :class:`pk:Mapping` per row (with its
author, justification, confidence and comment) and the plain SKOS triple it asserts, so SPARQL
can use either.
"""

import csv
import hashlib
import io
import re
from pathlib import Path

import yaml
from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.iris import ID, PK, PROJECT_AGENT, PROV

RELATIONS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
BUILTIN_PREFIXES = {
    "skos": str(SKOS),
    "semapv": "https://w3id.org/semapv/vocab/",
    "pkid": ID,
    "pk": str(PK),
    "orcid": "https://orcid.org/",
}
REQUIRED = ["subject_id", "predicate_id", "object_id", "mapping_justification"]
OPTIONAL = ["subject_label", "object_label", "author_id", "author_label", "confidence",
            "comment", "mapping_date", "subject_type", "object_type", "predicate_label"]
_CURIE = re.compile(r"^([A-Za-z_][\w.-]*):(\S*)$")


def is_sssom(path: Path) -> bool:
    return path.name.lower().endswith(".sssom.tsv")


def read_sssom(path: Path) -> dict[URIRef, Graph]:
    """The mapping set in ``path`` as one named graph; InputError naming the line, row and
    column of anything wrong."""
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text ({e.reason} at byte {e.start})", path.name) from None
    lines = text.splitlines(keepends=True)
    header = [line.removeprefix("#") for line in lines if line.startswith("#")]
    body = "".join(line for line in lines if not line.startswith("#"))
    meta = _metadata("".join(header), path.name)
    prefixes = {**BUILTIN_PREFIXES, **{str(k): str(v) for k, v in meta.get("curie_map", {}).items()}}
    set_id = meta.get("mapping_set_id")
    if not isinstance(set_id, str) or not set_id.startswith(("http://", "https://")):
        raise InputError("the metadata needs a mapping_set_id that is an http(s) IRI", path.name)
    rows = _rows(body, path.name, first_row=len(header) + 1)
    return {URIRef(set_id): _graph(URIRef(set_id), meta, rows, prefixes, path.name)}


def _metadata(block: str, name: str) -> dict:
    try:
        meta = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as e:
        raise InputError(f"malformed metadata block (the '#' lines): {e}", name) from None
    if not isinstance(meta, dict):
        raise InputError("the metadata block (the '#' lines) must be a YAML mapping", name)
    return meta


def _rows(body: str, name: str, first_row: int) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(body), delimiter="\t", strict=True)
    columns = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", f"{name}, line {first_row}")
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise InputError(f"unknown column '{unknown[0]}' (columns: {', '.join(REQUIRED + OPTIONAL)})",
                         f"{name}, line {first_row}")
    rows = []
    for record in reader:
        line = first_row + reader.line_num - 1
        if None in record or any(v is None for v in record.values()):
            raise InputError("has a different number of cells than the header", f"{name}, line {line}")
        rows.append((line, record))
    return rows


def _graph(set_iri: URIRef, meta: dict, rows, prefixes: dict[str, str], name: str) -> Graph:
    g = Graph()
    g.add((set_iri, RDF.type, PK.MappingSet))
    g.add((set_iri, RDFS.label, Literal(str(meta.get("mapping_set_title") or set_iri), lang="en")))
    if meta.get("mapping_set_description"):
        g.add((set_iri, DCTERMS.description, Literal(str(meta["mapping_set_description"]), lang="en")))
    if meta.get("license"):
        g.add((set_iri, DCTERMS.license, URIRef(str(meta["license"]))))
    creators = meta.get("creator_id") or []
    creators = [creators] if isinstance(creators, str) else creators
    creator_iris = [_expand(str(c), prefixes, f"{name}, metadata", "creator_id") for c in creators]
    for creator in creator_iris:
        g.add((set_iri, PROV.wasAttributedTo, creator))
    seen = set()
    for line, row in rows:
        where = f"{name}, line {line}"
        subject = _expand(row["subject_id"], prefixes, where, "subject_id")
        obj = _expand(row["object_id"], prefixes, where, "object_id")
        predicate = _expand(row["predicate_id"], prefixes, where, "predicate_id")
        if str(predicate).removeprefix(str(SKOS)) not in RELATIONS:
            relations = ", ".join(f"skos:{r}" for r in RELATIONS)
            raise InputError(f"predicate_id must be a SKOS mapping relation ({relations}), "
                             f"not {row['predicate_id']!r}", f"{where}, column 'predicate_id'")
        justification = _expand(row["mapping_justification"], prefixes, where, "mapping_justification")
        author = (_expand(row["author_id"], prefixes, where, "author_id") if row.get("author_id")
                  else (creator_iris[0] if creator_iris else None))
        if author is None:
            raise InputError("who asserted this mapping? give an author_id (or the set's creator_id)",
                             f"{where}, column 'author_id'")
        confidence = _confidence(row.get("confidence", ""), where)
        key = (subject, predicate, obj)
        if key in seen:
            raise InputError("this mapping appears twice in the table", where)
        seen.add(key)
        digest = hashlib.sha1(" ".join(map(str, key)).encode()).hexdigest()[:16]
        node = URIRef(f"{set_iri}/mapping/{digest}")
        g.add((node, RDF.type, PK.Mapping))
        g.add((node, PK.inMappingSet, set_iri))
        g.add((node, PK.mappingSubject, subject))
        g.add((node, PK.mappingRelation, predicate))
        g.add((node, PK.mappingObject, obj))
        g.add((node, PK.mappingJustification, justification))
        g.add((node, PK.confidence, Literal(confidence, datatype=XSD.decimal)))
        g.add((node, PROV.wasAttributedTo, author))
        if author != PROJECT_AGENT:
            g.add((author, RDF.type, PROV.Agent))
            if row.get("author_label"):
                g.add((author, RDFS.label, Literal(row["author_label"])))
        if row.get("comment"):
            g.add((node, RDFS.comment, Literal(row["comment"], lang="en")))
        relation = str(predicate).rsplit("#", 1)[-1]
        g.add((node, RDFS.label, Literal(f"{name} line {line}: {row.get('subject_label') or subject} "
                                         f"{relation} {row.get('object_label') or obj}", lang="en")))
        g.add((subject, predicate, obj))
    return g


def _expand(value: str, prefixes: dict[str, str], where: str, column: str) -> URIRef:
    value = value.strip()
    if value.startswith(("http://", "https://")):
        return URIRef(value)
    match = _CURIE.match(value)
    if not match or match[1] not in prefixes:
        known = ", ".join(sorted(prefixes))
        raise InputError(f"{value!r} is neither an IRI nor a CURIE with a known prefix ({known})",
                         f"{where}, column '{column}'")
    return URIRef(prefixes[match[1]] + match[2])


def _confidence(text: str, where: str) -> str:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"confidence must be a number from 0 to 1, not {text!r}",
                         f"{where}, column 'confidence'") from None
    if not 0 <= value <= 1:
        raise InputError(f"confidence must be from 0 to 1, not {value}", f"{where}, column 'confidence'")
    return text.strip()
