"""How commands write their results: a file named with ``-o`` or standard output, and tables
for people."""

import sys
from pathlib import Path

import click

from peerkg.graph.base.iris import PREFIXES
from peerkg.graph.store import Table

CELL_WIDTH = 60


def emit(data: bytes, output: Path | None = None) -> None:
    """Write ``data`` to ``output`` (saying so on stderr), or as-is to standard output."""
    if output:
        output.write_bytes(data)
        click.echo(f"Wrote {output}", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def print_table(table: Table) -> None:
    """``table`` as aligned columns with cells cut at :data:`CELL_WIDTH`; the row count on stderr."""
    def cell(term) -> str:
        text = "" if term is None else " ".join(str(term).split())
        return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 1] + "…"

    rows = [[cell(t) for t in row] for row in table.rows]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(table.columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)


def curie(iri: str) -> str:
    """``iri`` shortened with the project's prefixes (``pk:hasCode``), or as it is."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def report_loaded(counts: dict, location: str) -> None:
    for name, n in counts.items():
        click.echo(f"{name}: {n} triples")
    click.echo(f"Store: {location}")


def with_progress(label: str, steps: int, work):
    """Run ``work(progress)`` under a progress bar of ``steps`` steps (on stderr, if a terminal)."""
    with click.progressbar(length=steps, label=label, file=sys.stderr, hidden=not sys.stderr.isatty(),
                           item_show_func=lambda step: step) as bar:
        return work(lambda step: bar.update(1, step))
