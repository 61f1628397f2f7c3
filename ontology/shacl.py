"""Closed-world checks of study data against ontology/shapes.ttl, with pySHACL.

See https://www.w3.org/TR/shacl/ for the language. A failed check raises
:class:`~peerkg.graph.base.errors.NotConforming` whose message names each offending node, the
property path and what is wrong.
"""

from pyshacl import validate as _validate
from rdflib import Graph, Namespace

from peerkg.graph.base.errors import NotConforming
from peerkg.ontology import ontology_graph, shapes_graph, shim_graph

SH = Namespace("http://www.w3.org/ns/shacl#")


def check_shapes(data: Graph) -> None:
    """Raise NotConforming unless ``data`` conforms to the shapes.

    The ontology and the shim of reused terms are mixed into the data so that ``sh:class``
    sees subclasses; no RDFS or OWL inference runs, so a missing type is reported rather
    than silently derived.
    """
    conforms, results, _ = _validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph() + shim_graph(), inference="none",
        allow_warnings=True,
    )
    if conforms:
        return
    problems = sorted(
        f"- {results.value(r, SH.focusNode)}"
        f" ({_path(results, r)}): {results.value(r, SH.resultMessage)}"
        for r in results.subjects(SH.resultSeverity, SH.Violation)
    )
    raise NotConforming(f"{len(problems)} SHACL violation(s):", "\n".join(problems))


def _path(results: Graph, result) -> str:
    path = results.value(result, SH.resultPath)
    if path is None:
        return "node"
    try:
        return results.namespace_manager.normalizeUri(path)
    except Exception:  # a complex path (a blank node list) has no short name
        return "path"
