"""The one table of RDF and SPARQL results formats: names users type, file suffixes, media
types and rdflib parser names.

Everything that reads or writes a format (the loader, the CLI, ``/sparql``, entity pages, the
store adapter) looks it up here.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    """One serialisation: ``name`` (as the CLI takes it), ``media_type``, file ``suffixes``,
    ``rdflib`` parser/serialiser name, and whether it holds named graphs (``dataset``)."""

    name: str
    media_type: str
    suffixes: tuple[str, ...] = ()
    rdflib: str | None = None
    dataset: bool = False


RDF_FORMATS = (
    Format("trig", "application/trig", (".trig",), "trig", dataset=True),
    Format("nquads", "application/n-quads", (".nq",), "nquads", dataset=True),
    Format("jsonld", "application/ld+json", (".jsonld",), "json-ld", dataset=True),
    Format("turtle", "text/turtle", (".ttl",), "turtle"),
    Format("ntriples", "application/n-triples", (".nt",), "nt"),
    Format("rdfxml", "application/rdf+xml", (".rdf", ".owl"), "xml"),
)
RESULT_FORMATS = (
    Format("json", "application/sparql-results+json", (".srj",)),
    Format("xml", "application/sparql-results+xml", (".srx",)),
    Format("csv", "text/csv", (".csv",)),
    Format("tsv", "text/tab-separated-values", (".tsv",)),
)
SPARQL_JSON = RESULT_FORMATS[0].media_type
# What /sparql and entity pages offer for graphs (CONSTRUCT, DESCRIBE), best first.
GRAPH_MEDIA_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")


def by_suffix(suffix: str) -> Format | None:
    """The RDF format a file suffix (``.ttl``) stands for, or None."""
    return next((f for f in RDF_FORMATS if suffix.lower() in f.suffixes), None)


def by_media_type(media_type: str) -> Format | None:
    """The RDF or results format of a media type, or None."""
    return next((f for f in RDF_FORMATS + RESULT_FORMATS if f.media_type == media_type), None)


def by_name(name: str) -> Format:
    """The RDF or results format a user named (``turtle``, ``csv``); KeyError if none."""
    for f in RDF_FORMATS + RESULT_FORMATS:
        if f.name == name:
            return f
    raise KeyError(name)
