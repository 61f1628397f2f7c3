"""Synthesis across studies: the evidence matrix (constructs × studies) as a page with a heat map
(``/synthesis``), as JSON (``/api/synthesis``) and as a publication figure
(``/api/synthesis.svg``, ``.png``), with the evidence profile of each construct.

Each cell links to the quotes behind it (the quote browser, filtered by construct and study)
and to the themes behind it (their entity pages). Filters: ``construct`` and ``study`` (a label,
id or IRI, as everywhere).
"""

from urllib.parse import quote

from flask import Blueprint, Response, jsonify, render_template, request
from matplotlib.colors import to_hex
from werkzeug.exceptions import BadRequest

from peerkg.api.records import records
from peerkg.api.store import get_store
from peerkg.graph.base.iris import page_path
from peerkg.graph.viz.matrix import COLOURS, Matrix, evidence_matrix, render
from peerkg.queries import registry
from peerkg.queries.filters import scoped_to_study

bp = Blueprint("synthesis", __name__)
PARAMS = ("construct", "study")
FIGURE_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def _matrix() -> Matrix:
    unknown = sorted(set(request.args) - set(PARAMS))
    if unknown:
        raise BadRequest(f"unknown parameter '{unknown[0]}' (parameters: {', '.join(PARAMS)})")
    return evidence_matrix(get_store(), request.args.get("construct") or None,
                           request.args.get("study") or None)


def _cells(matrix: Matrix) -> list[dict]:
    highest = max((c.weight for c in matrix.cells.values()), default=1) or 1
    cells = []
    for (construct, study), c in sorted(matrix.cells.items()):
        shade = 0.15 + 0.85 * c.weight / highest
        cells.append({
            "construct": construct, "study": study, "quotes": c.quotes, "present": c.present,
            "lacking": c.lacking,
            "themes": [{"theme": iri, "label": label, "path": page_path(iri)} for iri, label in c.themes],
            "quotes_path": (f"/quotes?construct={quote(construct, safe='')}&study={quote(study, safe='')}"
                            if c.quotes else None),
            "colour": to_hex(COLOURS(shade)), "ink": "#ffffff" if shade > 0.55 else "#000000",
        })
    return cells


@bp.get("/synthesis")
def page():
    matrix = _matrix()
    cells = {(c["construct"], c["study"]): c for c in _cells(matrix)}
    profile = registry()["construct-profile"].run(
        scoped_to_study(get_store(), request.args.get("study") or None), kept=True)
    return render_template("synthesis.html", matrix=matrix, cells=cells, profile=records(profile))


@bp.get("/api/synthesis")
def matrix_json():
    matrix = _matrix()
    return jsonify(ok=True, constructs=matrix.constructs, studies=matrix.studies,
                   cells=_cells(matrix))


@bp.get("/api/synthesis.<fmt>")
def figure(fmt: str):
    if fmt not in FIGURE_TYPES:
        raise BadRequest(f"no figure format '{fmt}' (use {', '.join(FIGURE_TYPES)})")
    return Response(render(_matrix(), fmt), content_type=FIGURE_TYPES[fmt])
