"""``peerkg viz``: the graph views as files (GraphML, GEXF, JSON, Cytoscape.js, DOT, SVG, PNG)."""

from pathlib import Path

import click

from peerkg.api.output import emit
from peerkg.graph.exports import FORMATS, export
from peerkg.graph.views import VIEWS, Filters, build


@click.command()
@click.argument("view", type=click.Choice(VIEWS))
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="The output format; default: from the file's suffix, else graphml.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write here, not to stdout (svg and png need a file).")
@click.option("--study", metavar="ID|IRI", help="Only this study's quotes.")
@click.option("--site", metavar="LABEL|ID", help="Only quotes from this site (e.g. London).")
@click.option("--stakeholder", metavar="ID|IRI",
              help="Only quotes from this stakeholder group (e.g. peer-worker).")
@click.option("--construct", metavar="ID|IRI",
              help="Only quotes bearing on this construct, and only that construct.")
@click.pass_obj
def viz(obj, view: str, fmt: str | None, output: Path | None, **filters: str | None) -> None:
    """Write a graph view: the theme structure (themes), the code co-occurrence network
    (cooccurrence) or the studies and the constructs they bear on (constructs).

    \b
    Examples:
      peerkg viz themes --format svg -o themes.svg
      peerkg viz cooccurrence -o codes.gexf --site London
      peerkg viz themes --format cytoscape --construct role-distinctiveness
    """
    fmt = fmt or (output.suffix.lstrip(".").lower() if output else "graphml")
    if fmt not in FORMATS:
        raise click.BadParameter(f"cannot tell the format from {output.name}; give --format",
                                 param_hint="--format")
    if fmt in ("svg", "png") and output is None:
        raise click.BadParameter(f"{fmt} needs a file", param_hint="--output")
    data = export(build(obj.store(), view, Filters(**filters)), fmt)
    emit(data, output)
