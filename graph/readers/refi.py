"""REFI-QDA import: a ``.qdpx`` project, a bare ``project.qde`` or a ``.qdc`` codebook becomes a
study package (docs/study-format.md, version 2).

Three steps, each usable alone:

- :func:`read_refi` opens the file safely (:mod:`refi_archive`), parses it (:mod:`refi_parse`)
  and works out the unit of its text positions (:mod:`refi_offsets`), giving a
  :class:`~peerkg.graph.readers.refi_model.Project`;
- :func:`refi_to_package` maps that model to the package's files (:mod:`refi_package`), as
  ``{relative path: bytes}``, plus a report of what was imported and what was kept aside;
- :func:`write_package` writes those files into a folder, all or nothing.

Every user error is an :class:`~peerkg.graph.base.errors.InputError` naming the member, element or
line; nothing is written before the whole input has been read and checked.
"""

import shutil
from pathlib import Path, PurePosixPath

from peerkg.graph.base.errors import InputError
from peerkg.graph.readers.fields import SLUG
from peerkg.graph.readers.refi_archive import open_refi
from peerkg.graph.readers.refi_mapping import Mapping, read_mapping
from peerkg.graph.readers.refi_model import Project
from peerkg.graph.readers.refi_offsets import detect_unit
from peerkg.graph.readers.refi_package import Report, build_package
from peerkg.graph.readers.refi_parse import parse_project

__all__ = ["Mapping", "Report", "import_refi", "read_mapping", "read_refi", "refi_to_package",
           "write_package"]


def read_refi(path: Path, mapping: Mapping | None = None) -> Project:
    """The REFI-QDA project or codebook in ``path``, with code-point offsets on every text
    selection whose source text it carries. Raises InputError for anything hostile or broken."""
    mapping = mapping or Mapping()
    archive = open_refi(Path(path))
    try:
        project = parse_project(archive)
    finally:
        archive.close()
    detect_unit(project, None if mapping.offsets == "auto" else mapping.offsets)
    return project


def refi_to_package(model: Project, study_id: str, mapping: Mapping | None = None
                    ) -> tuple[dict[str, bytes], Report]:
    """The files of a study package with id ``study_id`` built from ``model``."""
    if not SLUG.match(study_id or ""):
        raise InputError(f"'{study_id}' is not a valid study id (lowercase letters, digits and '-')",
                         "--study")
    return build_package(model, study_id, mapping or Mapping())


def write_package(files: dict[str, bytes], out_dir: Path) -> Path:
    """Write ``files`` into ``out_dir`` (created if absent; it must otherwise be empty).

    Nothing is written outside ``out_dir``: a path that is absolute or climbs with ``..`` is
    refused before anything is written. If writing fails part way, what was written is removed
    again (and ``out_dir`` too, if this call created it), so a failure leaves nothing behind."""
    out_dir = Path(out_dir)
    for name in files:
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or "\\" in name or not pure.parts:
            raise InputError(f"refusing to write '{name}' outside the package folder", str(out_dir))
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InputError("exists and is not an empty folder; choose a new output folder",
                         str(out_dir))
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        for name, data in sorted(files.items()):
            target = out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    except BaseException:
        for child in list(out_dir.iterdir()):
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        if created:
            out_dir.rmdir()
        raise
    return out_dir


def import_refi(path: Path, study_id: str, mapping_path: Path | None = None
                ) -> tuple[dict[str, bytes], Report]:
    """Read ``path`` with the mapping file at ``mapping_path`` (None: the defaults) and return
    the package files and the report; nothing is written."""
    mapping = read_mapping(mapping_path)
    return refi_to_package(read_refi(path, mapping), study_id, mapping)
