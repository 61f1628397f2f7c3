"""The cross-study evidence matrix: constructs × studies, from the named queries
``construct-by-study`` and ``construct-study-themes``, as data (for the web page and CSV) and as a
publication heat map (SVG or PNG).

A cell's shade is the amount of evidence (quotes bearing on the construct plus themes bearing on
it), on a colour-blind-safe sequential scale; its text gives the quotes, the themes and how many
pieces of evidence show the construct's condition present (+) or lacking (−).
"""

import csv
import io
from dataclasses import dataclass, field

from matplotlib import colormaps, rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from peerkg.graph.store import Store
from peerkg.queries import registry
from peerkg.queries.filters import scoped_to_study

COLOURS = colormaps["cividis_r"]  # sequential and readable in greyscale and by colour-blind readers
RC = {"svg.fonttype": "none", "svg.hashsalt": "peerkg", "font.family": "DejaVu Sans", "font.size": 7}
DPI = 300


@dataclass
class Cell:
    """What one study says about one construct."""

    quotes: int = 0
    present: int = 0
    lacking: int = 0
    themes: list[tuple[str, str]] = field(default_factory=list)  # (IRI, label)

    @property
    def weight(self) -> int:
        return self.quotes + len(self.themes)

    @property
    def text(self) -> str:
        parts = [f"{self.quotes} q" if self.quotes else "", f"{len(self.themes)} th" if self.themes else ""]
        stance = f"+{self.present}/−{self.lacking}" if self.present or self.lacking else ""
        return "\n".join(p for p in (" ".join(x for x in parts if x), stance) if p)


@dataclass
class Matrix:
    """Constructs (rows, most studies first) by studies (columns, by label), and the cells."""

    constructs: list[str]
    studies: list[str]
    cells: dict[tuple[str, str], Cell]

    def cell(self, construct: str, study: str) -> Cell | None:
        return self.cells.get((construct, study))


def evidence_matrix(store: Store, construct: str | None = None, study: str | None = None) -> Matrix:
    """The matrix of the store, optionally for one construct or one study (by label, id or IRI,
    as the filters take them)."""
    params = {k: v for k, v in (("construct", construct), ("study", study)) if v}
    store = scoped_to_study(store, study)
    cells: dict[tuple[str, str], Cell] = {}
    for r in registry()["construct-by-study"].run(store, params).dicts():
        cells[str(r["construct"]), str(r["study"])] = Cell(
            int(r["quotes"]), int(r["present"]), int(r["lacking"]))
    for r in registry()["construct-study-themes"].run(store).dicts():
        cell = cells.get((str(r["construct_label"]), str(r["study_label"])))
        if cell is not None:
            cell.themes.append((str(r["theme_iri"]), str(r["theme_label"])))
    studies = sorted({s for _, s in cells})
    by_studies = {k: sum(1 for c, _ in cells if c == k) for k, _ in cells}
    constructs = sorted(by_studies, key=lambda k: (-by_studies[k], k))
    return Matrix(constructs, studies, cells)


def to_csv(matrix: Matrix) -> bytes:
    """One row per construct, one column per study; a cell reads 'quotes; themes; +present/−lacking'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["construct", *matrix.studies])
    for k in matrix.constructs:
        row = []
        for s in matrix.studies:
            c = matrix.cell(k, s)
            row.append("" if c is None else
                       f"{c.quotes} quotes; {len(c.themes)} themes; +{c.present}/-{c.lacking}")
        writer.writerow([k, *row])
    return out.getvalue().encode("utf-8")


def render(matrix: Matrix, fmt: str) -> bytes:
    """The matrix as a heat map figure, ``svg`` or ``png``, sized for print (one cell ≈ 1.6 ×
    0.55 cm); deterministic, text kept as text in SVG."""
    rows, cols = len(matrix.constructs), len(matrix.studies)
    highest = max((c.weight for c in matrix.cells.values()), default=1) or 1
    left, right, top, bottom = 1.9, 1.3, 1.0, 0.4  # inches: labels left, rotated headings above
    width, height = left + right + 0.65 * max(cols, 1), top + bottom + 0.24 * max(rows, 1)
    with rc_context(RC):
        figure = Figure(figsize=(width, height))
        axes = figure.add_axes((left / width, bottom / height, 1 - (left + right) / width,
                                1 - (top + bottom) / height))
        axes.set_xlim(0, max(cols, 1))
        axes.set_ylim(max(rows, 1), 0)
        for i, k in enumerate(matrix.constructs):
            for j, s in enumerate(matrix.studies):
                c = matrix.cell(k, s)
                if c is None:
                    continue
                shade = 0.15 + 0.85 * c.weight / highest
                colour = COLOURS(shade)
                axes.add_patch(_rect(j, i, colour))
                ink = "white" if shade > 0.55 else "black"
                axes.text(j + 0.5, i + 0.5, c.text, ha="center", va="center", fontsize=5.5,
                          color=ink, linespacing=1.0)
        axes.set_xticks([j + 0.5 for j in range(cols)], matrix.studies, rotation=30, ha="left")
        axes.xaxis.tick_top()
        axes.set_yticks([i + 0.5 for i in range(rows)], matrix.constructs)
        axes.tick_params(length=0)
        for spine in axes.spines.values():
            spine.set_visible(False)
        figure.text(0.1 / width, 0.08 / height, "q: quotes bearing on the construct; th: themes "
                    "bearing on it\n+present/−lacking: evidence showing the construct's condition "
                    "present or lacking", fontsize=6, ha="left", va="bottom")
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {}
        figure.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def _rect(x: float, y: float, colour) -> Rectangle:
    return Rectangle((x + 0.03, y + 0.05), 0.94, 0.9, facecolor=colour, edgecolor="none")
