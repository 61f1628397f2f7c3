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
from peerkg.api.refi_commands import REFI_FORMATS, export_refi, import_command, refi_as_packages
from peerkg.graph import loader
from peerkg.graph.base.errors import PeerkgError
from peerkg.graph.base.formats import RDF_FORMATS, RESULT_FORMATS, by_name
from peerkg.graph.base.iris import ACCESS_LEVELS, INFERRED_GRAPH, PREFIXES
from peerkg.graph.exporting import export_sssom
from peerkg.graph.store import MEMORY, Store, default_location, is_endpoint, open_store, store_location
from peerkg.graph.viz.exports import FORMATS as VIZ_FORMATS
from peerkg.graph.viz.exports import export as export_view
from peerkg.graph.viz.matrix import evidence_matrix, to_csv
from peerkg.graph.viz.matrix import render as render_matrix
from peerkg.graph.viz.views import VIEWS, Filters, build
from peerkg.queries import parse, public, resolve, with_prefixes
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

    def store(self, initialise_default: bool = True, write: bool = True) -> Store:
        """The store. The default store (no ``--store``, no ``$PEERKG_STORE``) is initialised
        with the bundled studies if it is empty, unless ``initialise_default`` is False. A
        command that only reads says ``write=False``: it then reads a store that ``peerkg
        serve`` holds beside the server; a command that writes there gets an error naming it."""
        if self._store is None:
            self._store = open_store(self.location, read_only=not write)
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
@click.option("--study", metavar="ID", help="For a REFI-QDA file (.qdpx .qde .qdc): the study's id.")
@click.option("--mapping", type=click.Path(path_type=Path), metavar="MAP.yaml",
              help="For a REFI-QDA file: how its structure maps to the study (see `peerkg import`).")
@click.option("--access", type=click.Choice(ACCESS_LEVELS),
              help="Make every study loaded public or restricted (served only to requests with "
                   "the read or write token), whatever its package says (access:).")
@click.pass_obj
def load(obj: Context, sources: tuple[Path, ...], graph: str | None, study: str | None,
         mapping: Path | None, access: str | None) -> None:
    """Load study packages (folders), REFI-QDA projects (.qdpx .qde .qdc, with --study), SSSOM
    mapping tables (.sssom.tsv) or RDF files (.trig .nq .jsonld; .ttl .nt .rdf with --graph).

    Everything is read and checked (SHACL) first, then each graph is replaced in one
    transaction: on any error the store is left as it was."""
    store = obj.store()
    with refi_as_packages(sources, study, mapping) as sources:
        counts = with_progress("load", loader.load_steps(sources),
                               lambda progress: loader.load(store, sources, graph, progress,
                                                            access))
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
        for q in public().values():
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
    store = obj.store(write=False)
    bindings = named.bind(values, store)
    store = named.scoped(store, bindings)  # one study's graph, where that is all it needs
    if fmt == "table":
        print_table(store.select(named.text, bindings))
    else:
        store.query_to(named.text, by_name(fmt).media_type, sys.stdout.buffer, bindings)
        sys.stdout.flush()


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
        graphs = loader.stored_graphs(obj.store(write=save))
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
@click.option("--format", "fmt", type=click.Choice([*EXPORT_FORMATS, *REFI_FORMATS]), default="trig",
              show_default=True, help="trig, nquads and jsonld keep the named graphs; turtle "
                                      "merges them unless --graph picks one; sssom writes the "
                                      "cross-study mappings as an SSSOM table; qdpx (a REFI-QDA "
                                      "project) and qdc (its codebook) need --study.")
@click.option("--graph", metavar="IRI", help="Export only this named graph (for sssom: this "
                                             "mapping set).")
@click.option("--study", metavar="ID", help="With --format qdpx or qdc: the study to export.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write here, not to stdout.")
@click.pass_obj
def export(obj: Context, fmt: str, graph: str | None, study: str | None, output: Path | None) -> None:
    """Write the store's graphs (or one of them) as TriG, N-Quads, Turtle or JSON-LD, its
    mappings as SSSOM TSV, or one study as a REFI-QDA project (.qdpx) or codebook (.qdc) for
    QDA tools."""
    if fmt == "sssom":
        return emit(export_sssom(obj.store(write=False), graph), output)
    if fmt in REFI_FORMATS:
        return emit(export_refi(obj.store(write=False), fmt, study), output)
    media_type = next(f.media_type for f in RDF_FORMATS if f.name == fmt)
    emit(obj.store(write=False).export(media_type, graph, PREFIXES), output)


@cli.command()
@click.argument("view", type=click.Choice([*VIEWS, "matrix"]))
@click.option("--format", "fmt", type=click.Choice(VIZ_FORMATS),
              help="The output format; default: from the file's suffix, else graphml.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write here, not to stdout (svg and png need a file).")
@filter_options
@click.pass_obj
def viz(obj: Context, view: str, fmt: str | None, output: Path | None, **filters: str | None) -> None:
    """Write a graph view: the theme structure (themes), the code co-occurrence network
    (cooccurrence) or the studies and the constructs they bear on (constructs); or the
    cross-study evidence matrix of constructs by studies (matrix: a heat map as svg or png, or
    csv; filters --construct and --study).

    \b
    Examples:
      peerkg viz themes --format svg -o themes.svg
      peerkg viz cooccurrence -o codes.gexf --site London
      peerkg viz themes --format cytoscape --construct role-distinctiveness
      peerkg viz matrix -o matrix.svg
    """
    if view == "matrix":
        return emit(_matrix(obj.store(write=False), fmt, output, filters), output)
    fmt = fmt or (output.suffix.lstrip(".").lower() if output else "graphml")
    if fmt not in VIZ_FORMATS:
        raise click.BadParameter(f"cannot tell the format from {output.name}; give --format",
                                 param_hint="--format")
    if fmt in ("svg", "png") and output is None:
        raise click.BadParameter(f"{fmt} needs a file", param_hint="--output")
    emit(export_view(build(obj.store(write=False), view, Filters(**filters)), fmt), output)


def _matrix(store: Store, fmt: str | None, output: Path | None, filters: dict) -> bytes:
    fmt = fmt or (output.suffix.lstrip(".").lower() if output else "csv")
    if fmt not in ("svg", "png", "csv"):
        raise click.BadParameter("the matrix is written as svg, png or csv", param_hint="--format")
    if fmt in ("svg", "png") and output is None:
        raise click.BadParameter(f"{fmt} needs a file", param_hint="--output")
    others = sorted(k for k, v in filters.items() if v and k not in ("construct", "study"))
    if others:
        raise click.BadParameter("the matrix takes only --construct and --study", param_hint=f"--{others[0]}")
    data = evidence_matrix(store, filters.get("construct"), filters.get("study"))
    return to_csv(data) if fmt == "csv" else render_matrix(data, fmt)


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
@click.option("--read-token", metavar="TOKEN", envvar="PEERKG_READ_TOKEN",
              help="Show restricted studies to requests with 'Authorization: Bearer TOKEN' "
                   "($PEERKG_READ_TOKEN); the write token also reads them. Without a token a "
                   "restricted study does not exist on any page, API or SPARQL answer.")
@click.option("--federate", metavar="URL", multiple=True, envvar="PEERKG_FEDERATE",
              help="A SPARQL endpoint that queries may call with SERVICE; repeat for several "
                   "($PEERKG_FEDERATE, space-separated). Without it SERVICE is refused and the "
                   "server calls nobody.")
@click.option("--cors", metavar="ORIGIN", envvar="PEERKG_CORS",
              help="Let pages from ORIGIN (or '*') call /sparql and /api ($PEERKG_CORS). Off "
                   "by default.")
@click.option("--max-result-mb", default=64.0, show_default=True, type=float, metavar="MB",
              envvar="PEERKG_MAX_RESULT_MB",
              help="A /sparql result larger than this is answered 503 ($PEERKG_MAX_RESULT_MB).")
@click.option("--threads", default=8, show_default=True, type=int,
              help="Requests served at once.")
@click.pass_obj
def serve(obj: Context, host, port, timeout, write_token, read_token, federate, cors,
          max_result_mb, threads) -> None:
    """Serve the SPARQL endpoint (/sparql), the JSON API (/api) and the pages over HTTP.

    Queries run on a read-only Oxigraph server that peerkg starts on the store's directory
    (loopback only); writes, with the write token, are made by peerkg itself. While it runs,
    query, viz, export and validate can read the same store; load and init refuse, naming it.
    The default store is initialised with the bundled studies on first use."""
    import waitress

    from peerkg.api.app import create_app
    from peerkg.graph.store.engine import query_engine

    location = store_location(obj.location)
    if not (is_endpoint(location) or location == MEMORY):
        obj.store()  # initialises an empty default store
        obj.close()  # the engine must be the only process holding the directory
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    url = f"http://{host}:{port}/"
    with query_engine(location, timeout, prepare=loader.initialise, url=url) as store:
        app = create_app({"STORE": store, "QUERY_TIMEOUT": timeout, "WRITE_TOKEN": write_token,
                          "READ_TOKEN": read_token, "FEDERATE": tuple(federate),
                          "CORS_ORIGIN": cors, "MAX_RESULT_BYTES": int(max_result_mb * 2**20),
                          "WARM": True})
        mode = "read-write with the token" if write_token else "read-only"
        shown = location if not is_endpoint(location) else store.location
        calls = f", SERVICE to {' '.join(federate)}" if federate else ""
        click.echo(f"peerkg: serving {shown} at {url} ({mode}, query timeout {timeout:g} s"
                   f"{calls})", err=True)
        waitress.serve(app, host=host, port=port, threads=threads, ident="peerkg")


cli.add_command(import_command)


def main() -> None:
    """Entry point: click handles usage errors (exit 2); a bug prints its traceback, exit 3."""
    try:
        cli()
    except Exception:
        traceback.print_exc()
        click.echo("This is a bug in peerkg; please report it with the traceback above.", err=True)
        sys.exit(3)
