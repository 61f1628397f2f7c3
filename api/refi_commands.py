"""REFI-QDA at the command line: ``peerkg import``, and the glue ``load`` and ``export`` use for
``.qdpx``/``.qde``/``.qdc`` files (the library work is in :mod:`peerkg.graph.readers.refi` and
:mod:`peerkg.graph.writers.refi`)."""

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import click
from rdflib import Graph

from peerkg.graph.base.errors import InputError, StoreError
from peerkg.graph.base.iris import VOCAB_GRAPH, study_iri
from peerkg.graph.readers.refi import import_refi, write_package
from peerkg.graph.store import Store
from peerkg.graph.writers.refi import study_to_qdc, study_to_qdpx

REFI_SUFFIXES = (".qdpx", ".qde", ".qdc")
REFI_FORMATS = ("qdpx", "qdc")


def _report(lines: list[str], path: Path) -> None:
    click.echo(f"Imported {path.name}: {lines[0]}", err=True)
    for line in lines[1:]:
        click.echo(f"  {line}", err=True)


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--study", required=True, metavar="ID", help="The id of the new study (a slug).")
@click.option("--mapping", type=click.Path(path_type=Path), metavar="MAP.yaml",
              help="How cases, variables, sets and users map to sites, stakeholder groups, "
                   "themes and coders (docs/study-format.md); default: top-level codes become "
                   "categories, code sets themes, users coders, cases participants.")
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path), metavar="DIR",
              help="The study package folder to write (new, or empty).")
def import_command(file: Path, study: str, mapping: Path | None, output: Path) -> None:
    """Write a study package from a REFI-QDA project (.qdpx, .qde) or codebook (.qdc).

    Says what it imported and what it kept aside (media, texts the file does not carry)."""
    files, report = import_refi(file, study, mapping)
    write_package(files, output)
    _report(report.lines(), file)
    click.echo(f"Wrote {output}", err=True)


@contextmanager
def refi_as_packages(sources: Sequence[Path], study: str | None,
                     mapping: Path | None) -> Iterator[list[Path]]:
    """``sources`` with each REFI-QDA file replaced by the study package imported from it (in a
    temporary folder that lives as long as the context)."""
    refi = [s for s in sources if Path(s).suffix.lower() in REFI_SUFFIXES]
    if not refi:
        if study or mapping:
            raise click.UsageError("--study and --mapping are for a .qdpx, .qde or .qdc source")
        yield list(sources)
        return
    if not study or len(refi) > 1:
        raise click.UsageError("load one REFI-QDA file at a time, with --study ID")
    with tempfile.TemporaryDirectory(prefix="peerkg-import-") as tmp:
        files, report = import_refi(refi[0], study, mapping)
        folder = write_package(files, Path(tmp) / study)
        _report(report.lines(), refi[0])
        yield [folder if s == refi[0] else s for s in sources]


def export_refi(store: Store, fmt: str, study: str | None) -> bytes:
    """The study ``study`` of ``store`` as .qdpx or .qdc bytes."""
    if not study:
        raise click.UsageError(f"--format {fmt} needs --study ID")
    iri = study_iri(study)
    if str(iri) not in store.graphs():
        raise InputError(f"no study '{study}' in the store", "--study")
    graph = Graph().parse(data=store.export("application/n-triples", str(iri)), format="nt")
    with suppress(StoreError):  # the shared vocabulary gives stakeholder groups their labels
        graph.parse(data=store.export("application/n-triples", str(VOCAB_GRAPH)), format="nt")
    return study_to_qdpx(graph, iri) if fmt == "qdpx" else study_to_qdc(graph, iri)
