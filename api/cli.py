"""The ``peerkg`` command line: thin click commands over the library.

Exit codes (also in the README): 0 ok; 1 the data does not conform (SHACL or OWL); 2 usage or
input error, with a message naming the file, line and field; 3 a bug (with a traceback).
"""

import os
import sys
import traceback
from pathlib import Path

import click
from rdflib import Dataset, Graph

from peerkg.api.output import emit
from peerkg.api.serve import serve
from peerkg.api.viz_cli import viz
from peerkg.graph import loader
from peerkg.graph.errors import PeerkgError
from peerkg.graph.iris import INFERRED_GRAPH, ONTOLOGY_GRAPH, PREFIXES
from peerkg.graph.store import Store, Table, default_location, open_store
from peerkg.graph.study import bundled_studies
from peerkg.queries import registry, resolve

RESULT_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/sparql-results+json",
}
EXPORT_FORMATS = {
    "trig": "application/trig",
    "nquads": "application/n-quads",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
}
CELL_WIDTH = 60


class Context:
    """The options shared by every command; opens the store on first use."""

    def __init__(self, location: str | None):
        self.location = location
        self._store: Store | None = None

    def open(self) -> Store:
        """The store, as it is."""
        if self._store is None:
            self._store = open_store(self.location)
        return self._store

    def store(self) -> Store:
        """The store; the default store is initialised with the bundled studies if empty."""
        store = self.open()
        default = not self.location and not os.environ.get("PEERKG_STORE")
        if default and loader.is_empty(store):
            click.echo(f"First use: initialising the store at {default_location()}", err=True)
            loader.initialise(store, progress=lambda step: click.echo(f"  {step}", err=True))
        return store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class _Group(click.Group):
    """Turns a PeerkgError into its message and exit code: no traceback for a user error."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PeerkgError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store", "location", metavar="PATH|URL|:memory:",
    help="The store: a directory, ':memory:' or a SPARQL endpoint URL. "
         f"Default: $PEERKG_STORE, else {default_location()} (initialised on first use).",
)
@click.version_option(package_name="peerkg")
@click.pass_context
def cli(ctx: click.Context, location: str | None) -> None:
    """peerkg: a knowledge graph of qualitative research on peer support roles in mental health.

    \b
    Quick start:
      peerkg init                          # ontology + the bundled Gillard et al. 2013 study
      peerkg query                         # list the named queries
      peerkg query quotes --format csv     # every quote with site, stakeholder group and theme
    """
    ctx.obj = Context(location)
    ctx.call_on_close(ctx.obj.close)


@cli.command()
@click.pass_obj
def init(obj: Context) -> None:
    """Put the ontology, the shared vocabulary and the bundled studies into the store.

    Replaces those graphs if they are already there; other studies are left alone."""
    store = obj.open()
    steps = len(bundled_studies()) + 2
    counts = _with_progress("init", steps, lambda progress: loader.initialise(store, progress))
    _report_loaded(counts, store.location)


@cli.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--graph", metavar="IRI", help="The named graph a Turtle, N-Triples or RDF/XML file replaces.")
@click.pass_obj
def load(obj: Context, sources: tuple[Path, ...], graph: str | None) -> None:
    """Load study packages (folders) or RDF files (.trig .nq .jsonld; .ttl .nt .rdf with --graph).

    Everything is read and checked (SHACL) first, then each graph is replaced in one
    transaction: on any error the store is left as it was."""
    store = obj.store()
    counts = _with_progress(
        "load", len(sources) + 2, lambda progress: loader.load(store, sources, graph, progress))
    _report_loaded(counts, store.location)


def _with_progress(label: str, steps: int, work):
    """Run ``work(progress)`` under a progress bar of ``steps`` steps (on stderr, if a terminal)."""
    with click.progressbar(length=steps, label=label, file=sys.stderr, hidden=not sys.stderr.isatty(),
                           item_show_func=lambda step: step) as bar:
        return work(lambda step: bar.update(1, step))


def _report_loaded(counts: dict, location: str) -> None:
    for name, n in counts.items():
        click.echo(f"{name}: {n} triples")
    click.echo(f"Store: {location}")


@cli.command()
@click.argument("name", required=False, metavar="NAME|FILE.rq")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter; repeat for several.")
@click.option("--format", "fmt", type=click.Choice(["table", *RESULT_TYPES]), default="table",
              show_default=True,
              help="table (cells cut at 60 characters), csv or tsv (header row of column "
                   "names), json (SPARQL 1.1 JSON results).")
@click.pass_obj
def query(obj: Context, name: str | None, params: tuple[str, ...], fmt: str) -> None:
    """Run a named query (see the list without NAME) or a SPARQL SELECT in a .rq file."""
    if name is None:
        for q in registry().values():
            args = " ".join(f"[{p.name}=…]" if p.optional else f"{p.name}=…" for p in q.params)
            click.echo(f"{q.name:28} {q.title}" + (f"  ({args})" if args else ""))
        return
    named = resolve(name)
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--param")
        values[key] = value
    store = obj.store()
    bindings = named.bind(values, store)
    if fmt == "table":
        _print_table(store.select(named.text, bindings))
    else:
        emit(store.serialize(named.text, RESULT_TYPES[fmt], bindings))


def _print_table(table: Table) -> None:
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


@cli.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("--reason", is_flag=True, help="Also check OWL consistency with HermiT (needs Java) "
                                             "and report what it infers.")
@click.option("--save", is_flag=True, help=f"With --reason, save the inferences in the graph "
                                           f"{INFERRED_GRAPH} so SPARQL can use them (until the "
                                           "next load).")
@click.pass_obj
def validate(obj: Context, sources: tuple[Path, ...], reason: bool, save: bool) -> None:
    """Check study data against the SHACL shapes (and, with --reason, the OWL ontology).

    Checks the given study packages or RDF files without loading them, or else everything in
    the store. Exits 1, naming each offending node, when the data does not conform."""
    from peerkg.ontology.shacl import check

    if save and (sources or not reason):
        raise click.UsageError("--save needs --reason, and saves what is inferred from the store "
                               "(give no SOURCE)")
    if sources:
        graphs = loader.base_graphs()
        for source in sources:
            graphs.update(loader.read_source(source))
    else:
        dataset = Dataset()
        dataset.parse(data=obj.store().dump(), format="nquads")
        graphs = {g.identifier: g for g in dataset.graphs()}
    data = Graph()
    for name, g in graphs.items():
        if name not in (ONTOLOGY_GRAPH, INFERRED_GRAPH):
            data += g
    check(data)
    click.echo(f"SHACL: conforms ({len(data)} triples checked)")
    if reason:
        from peerkg.ontology.reasoning import reason as run_hermit

        result = run_hermit(data)
        click.echo("OWL (HermiT): consistent")
        for iri, n in result.counts.items():
            click.echo(f"  inferred {n:5d} {_short(iri)}")
        if save:
            obj.store().replace_graphs({INFERRED_GRAPH: result.inferred})
            click.echo(f"Saved {len(result.inferred)} inferred triples in {INFERRED_GRAPH}")


def _short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


@cli.command()
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="trig",
              show_default=True, help="trig, nquads and jsonld keep the named graphs; turtle "
                                      "merges them unless --graph picks one.")
@click.option("--graph", metavar="IRI", help="Export only this named graph.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write here, not to stdout.")
@click.pass_obj
def export(obj: Context, fmt: str, graph: str | None, output: Path | None) -> None:
    """Write the store's graphs (or one of them) as TriG, N-Quads, Turtle or JSON-LD."""
    data = obj.store().export(EXPORT_FORMATS[fmt], graph, PREFIXES)
    emit(data, output)


cli.add_command(viz)
cli.add_command(serve)


def main() -> None:
    """Entry point: click handles usage errors (exit 2); a bug prints its traceback, exit 3."""
    try:
        cli()
    except Exception:
        traceback.print_exc()
        click.echo("This is a bug in peerkg; please report it with the traceback above.", err=True)
        sys.exit(3)
