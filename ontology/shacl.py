"""Closed-world checks of study data against ontology/shapes.ttl.

See https://www.w3.org/TR/shacl/ for the language. The engine is pyshacl-turbo, pySHACL's API
over a SHACL Core engine in Rust (it passes pySHACL's own test suite), with the shapes compiled
once per process: on one study of 10^4 triples it takes about 1/18 of pySHACL's CPU time
(benchmarks/RESULTS.md, "SHACL engines"). A failed check raises
:class:`~peerkg.graph.base.errors.NotConforming` whose message names each offending node, the
property path and what is wrong.

The ontology and the shim of reused terms are always added to the data checked, so that
``sh:class`` sees subclasses; no RDFS or OWL inference runs, so a missing type is reported
rather than silently derived. The engine releases the GIL while it validates, so several
graphs can be checked at once from threads.
"""

from functools import cache

from pyshacl_turbo import compile_shapes
from pyshacl_turbo.rdf import Input
from rdflib import Graph, Namespace

from peerkg.graph.base.errors import NotConforming
from peerkg.ontology import ontology_graph, shapes_graph, shim_graph

SH = Namespace("http://www.w3.org/ns/shacl#")


@cache
def _shapes():
    return compile_shapes(shapes_graph())


@cache
def _ontology_ntriples() -> str:
    return (ontology_graph() + shim_graph()).serialize(format="nt")


def check_shapes(data: Graph) -> None:
    """Raise NotConforming unless ``data`` (with the ontology) conforms to the shapes."""
    check_ntriples(data.serialize(format="nt"))


def check_ntriples(data: str | bytes, context: str | bytes = "", where: str = "") -> None:
    """Raise NotConforming unless the N-Triples ``data``, read together with the N-Triples
    ``context`` (triples the data may refer to, such as the shared vocabulary) and the
    ontology, conform to the shapes. ``where`` (a graph name) prefixes the message."""
    text = "\n".join(_text(part) for part in (_ontology_ntriples(), context, data))
    conforms, results, _ = _shapes().validate(Input(text, "nt", None, {}, {}), allow_warnings=True)
    if conforms:
        return
    problems = sorted(
        f"- {results.value(r, SH.focusNode)}"
        f" ({_path(results, r)}): {results.value(r, SH.resultMessage)}"
        for r in results.subjects(SH.resultSeverity, SH.Violation)
    )
    heading = f"{len(problems)} SHACL violation(s)" + (f" in {where}" if where else "") + ":"
    raise NotConforming(heading, "\n".join(problems))


def _text(part: str | bytes) -> str:
    return part.decode("utf-8") if isinstance(part, bytes) else part


def _path(results: Graph, result) -> str:
    path = results.value(result, SH.resultPath)
    if path is None:
        return "node"
    try:
        return results.namespace_manager.normalizeUri(path)
    except Exception:  # a complex path (a blank node list) has no short name
        return "path"
