"""The ``peerkg`` command line: thin click commands over the library.

Exit codes (also in the README): 0 ok; 1 the data does not conform (SHACL or OWL); 2 usage or
input error, with a message naming the file, line and field; 3 a bug (with a traceback).
"""

import os
import signal
import sys
import traceback
from pathlib import Path

import click

from peerkg.api.cli_output import curie, emit, print_table, report_loaded, with_progress
from peerkg.graph import loader
from peerkg.graph.base.errors import PeerkgError
from peerkg.graph.base.formats import RDF_FORMATS, RESULT_FORMATS, by_name
from peerkg.graph.base.iris import INFERRED_GRAPH, PREFIXES
from peerkg.graph.exporting import export_sssom
from peerkg.graph.store import MEMORY, Store, default_location, is_endpoint, open_store, store_location
from peerkg.graph.viz.exports import FORMATS as VIZ_FORMATS
from peerkg.graph.viz.exports import export as export_view
from peerkg.graph.viz.views import VIEWS, Filters, build
from peerkg.queries import parse, registry, resolve, with_prefixes
from peerkg.queries.filters import FILTERS

QUERY_FORMATS = ["table", *(f.name for f in RESULT_FORMATS if f.name != "xml")]
EXPORT_FORMATS = ["trig", "nquads", "turtle", "jsonld", "sssom"]


def filter_options(command):
    """Give ``command`` one option per filter of the filters table (peerkg.queries.filters)."""
    for f in reversed(FILTERS.values()):
        metavar = "WORDS" if f.cls is None else "LABEL|ID|IRI"
        help_text = f"{f.help[:1].upper()}{f.help[1:]}."
        command = click.option(f"--{f.name}", metavar=metavar, help=help_text)(command)
    return command


class Context:
    """The options shared by every command; opens the store on first use."""

    def __init__(self, location: str | None):
        self.location = location
        self._store: Store | None = None

    def store(self, initialise_default: bool = True) -> Store:
        """The store. The default store (no ``--store``, no ``$PEERKG_STORE``) is initialised
        with the bundled studies if it is empty, unless ``initialise_default`` is False."""
        if self._store is None:
            self._store = open_store(self.location)
        default = not self.location and not os.environ.get("PEERKG_STORE")
        if initialise_default and default and self._store.is_empty():
            click.echo(f"First use: initialising the store at {default_location()}", err=True)
            loader.initialise(self._store, progress=lambda step: click.echo(f"  {step}", err=True))
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class _ExitCodeGroup(click.Group):
    """Turns a PeerkgError into its message and exit code: no traceback for a user error."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PeerkgError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)


@click.group(cls=_ExitCodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
      peerkg init                          # ontology + the bundled studies
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
    store = obj.store(initialise_default=False)
    counts = with_progress("init", loader.load_steps(),
                           lambda progress: loader.initialise(store, progress))
    report_loaded(counts, store.location)


@cli.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--graph", metavar="IRI", help="The named graph a Turtle, N-Triples or RDF/XML file replaces.")
@click.pass_obj
def load(obj: Context, sources: tuple[Path, ...], graph: str | None) -> None:
    """Load study packages (folders), SSSOM mapping tables (.sssom.tsv) or RDF files (.trig .nq
    .jsonld; .ttl .nt .rdf with --graph).

    Everything is read and checked (SHACL) first, then each graph is replaced in one
    transaction: on any error the store is left as it was."""
    store = obj.store()
    counts = with_progress("load", loader.load_steps(sources),
                           lambda progress: loader.load(store, sources, graph, progress))
    report_loaded(counts, store.location)


@cli.command()
@click.argument("name", required=False, metavar="NAME|FILE.rq")
@click.option("--expression", "-e", metavar="SPARQL", help="Run this SPARQL query text instead.")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter; repeat for several.")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table",
              show_default=True,
              help="table (cells cut at 60 characters), csv or tsv (header row of column "
                   "names), json (SPARQL 1.1 JSON results).")
@click.pass_obj
def query(obj: Context, name: str | None, expression: str | None, params: tuple[str, ...],
          fmt: str) -> None:
    """Run a named query (see the list without NAME), a SPARQL query in a .rq file, or one
    given with -e (the project's prefixes pk:, rdfs:, skos:, oa:, prov: ... need no PREFIX).

    \b
    Examples:
      peerkg query participants-by-site-role
      peerkg query quotes-by-construct -p construct=role-distinctiveness --format csv
      peerkg query -e 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
    """
    if name and expression:
        raise click.UsageError("give a query NAME or FILE.rq, or -e SPARQL, not both")
    if name is None and expression is None:
        for q in registry().values():
            args = " ".join(f"[{p.name}=…]" if p.optional else f"{p.name}=…" for p in q.params)
            click.echo(f"{q.name:28} {q.title}" + (f"  ({args})" if args else ""))
        return
    named = parse(with_prefixes(expression), "-e") if expression is not None else resolve(name)
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--param")
        values[key] = value
    store = obj.store()
    bindings = named.bind(values, store)
    if fmt == "table":
        print_table(store.select(named.text, bindings))
    else:
        emit(store.query_as(named.text, by_name(fmt).media_type, bindings))


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
    if save and (sources or not reason):
        raise click.UsageError("--save needs --reason, and saves what is inferred from the store "
                               "(give no SOURCE)")
    if sources:
        graphs = loader.base_graphs()
        for source in sources:
            graphs.update(loader.read_source(source))
    else:
        graphs = loader.stored_graphs(obj.store())
    data = loader.check(graphs)
    click.echo(f"SHACL: conforms ({len(data)} triples checked)")
    if reason:
        from peerkg.ontology.reasoning import run_hermit  # owlready2 is slow to import

        result = run_hermit(data)
        click.echo("OWL (HermiT): consistent")
        for iri, n in result.counts.items():
            click.echo(f"  inferred {n:5d} {curie(iri)}")
        if save:
            loader.save_inferences(obj.store(), result.inferred)
            click.echo(f"Saved {len(result.inferred)} inferred triples in {INFERRED_GRAPH}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="trig",
              show_default=True, help="trig, nquads and jsonld keep the named graphs; turtle "
                                      "merges them unless --graph picks one; sssom writes the "
                                      "cross-study mappings as an SSSOM table.")
@click.option("--graph", metavar="IRI", help="Export only this named graph (for sssom: this "
                                             "mapping set).")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write here, not to stdout.")
@click.pass_obj
def export(obj: Context, fmt: str, graph: str | None, output: Path | None) -> None:
    """Write the store's graphs (or one of them) as TriG, N-Quads, Turtle or JSON-LD, or its
    mappings as SSSOM TSV."""
    if fmt == "sssom":
        emit(export_sssom(obj.store(), graph), output)
        return
    media_type = next(f.media_type for f in RDF_FORMATS if f.name == fmt)
    emit(obj.store().export(media_type, graph, PREFIXES), output)


@cli.command()
@click.argument("view", type=click.Choice(VIEWS))
@click.option("--format", "fmt", type=click.Choice(VIZ_FORMATS),
              help="The output format; default: from the file's suffix, else graphml.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write here, not to stdout (svg and png need a file).")
@filter_options
@click.pass_obj
def viz(obj: Context, view: str, fmt: str | None, output: Path | None, **filters: str | None) -> None:
    """Write a graph view: the theme structure (themes), the code co-occurrence network
    (cooccurrence) or the studies and the constructs they bear on (constructs).

    \b
    Examples:
      peerkg viz themes --format svg -o themes.svg
      peerkg viz cooccurrence -o codes.gexf --site London
      peerkg viz themes --format cytoscape --construct role-distinctiveness
    """
    fmt = fmt or (output.suffix.lstrip(".").lower() if output else "graphml")
    if fmt not in VIZ_FORMATS:
        raise click.BadParameter(f"cannot tell the format from {output.name}; give --format",
                                 param_hint="--format")
    if fmt in ("svg", "png") and output is None:
        raise click.BadParameter(f"{fmt} needs a file", param_hint="--output")
    emit(export_view(build(obj.store(), view, Filters(**filters)), fmt), output)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The interface to listen on; 127.0.0.1 keeps the server local.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--timeout", default=30.0, show_default=True, type=float, metavar="SECONDS",
              envvar="PEERKG_QUERY_TIMEOUT",
              help="A query running longer is stopped and answered 503 ($PEERKG_QUERY_TIMEOUT).")
@click.option("--write-token", metavar="TOKEN", envvar="PEERKG_WRITE_TOKEN",
              help="Accept SPARQL Update on /sparql with 'Authorization: Bearer TOKEN' "
                   "($PEERKG_WRITE_TOKEN). Without it the server is read-only.")
@click.option("--cors", metavar="ORIGIN", envvar="PEERKG_CORS",
              help="Let pages from ORIGIN (or '*') call /sparql and /api ($PEERKG_CORS). Off "
                   "by default.")
@click.option("--max-result-mb", default=64.0, show_default=True, type=float, metavar="MB",
              envvar="PEERKG_MAX_RESULT_MB",
              help="A /sparql result larger than this is answered 503 ($PEERKG_MAX_RESULT_MB).")
@click.option("--threads", default=8, show_default=True, type=int,
              help="Requests served at once.")
@click.pass_obj
def serve(obj: Context, host, port, timeout, write_token, cors, max_result_mb, threads) -> None:
    """Serve the SPARQL endpoint (/sparql), the JSON API (/api) and the pages over HTTP.

    Queries run on an Oxigraph server that peerkg starts on the store's directory; the default
    store is initialised with the bundled studies on first use."""
    import waitress

    from peerkg.api.app import create_app
    from peerkg.graph.store.engine import query_engine

    location = store_location(obj.location)
    if not (is_endpoint(location) or location == MEMORY):
        obj.store()  # initialises an empty default store
        obj.close()  # the engine must be the only process holding the directory
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with query_engine(location, timeout, prepare=loader.initialise) as store:
        app = create_app({"STORE": store, "QUERY_TIMEOUT": timeout, "WRITE_TOKEN": write_token,
                          "CORS_ORIGIN": cors, "MAX_RESULT_BYTES": int(max_result_mb * 2**20)})
        mode = "read-write with the token" if write_token else "read-only"
        shown = location if not is_endpoint(location) else store.location
        click.echo(f"peerkg: serving {shown} at http://{host}:{port}/ ({mode}, query timeout "
                   f"{timeout:g} s)", err=True)
        waitress.serve(app, host=host, port=port, threads=threads, ident="peerkg")


def main() -> None:
    """Entry point: click handles usage errors (exit 2); a bug prints its traceback, exit 3."""
    try:
        cli()
    except Exception:
        traceback.print_exc()
        click.echo("This is a bug in peerkg; please report it with the traceback above.", err=True)
        sys.exit(3)
