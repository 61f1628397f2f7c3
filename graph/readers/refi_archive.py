"""Open a REFI-QDA file safely: a ``.qdpx`` zip, a bare ``.qde`` project or a ``.qdc`` codebook.

Contract: :func:`open_refi` never writes anything, never reads a file outside the archive (or,
for ``relative://`` sources, outside the folder that holds the input file), and stops with an
:class:`~peerkg.graph.base.errors.InputError` naming the member for anything hostile or broken:

- member names that are absolute or climb out with ``..`` (zip slip), or backslash paths;
- more than :data:`MAX_MEMBERS` members, a member larger than :data:`MAX_MEMBER`, more than
  :data:`MAX_TOTAL` bytes in all, or a compression ratio above :data:`MAX_RATIO` (zip bombs).
  Sizes are enforced while decompressing, not taken from the (forgeable) zip directory;
- no project file, or several;
- a source the project names as ``internal://`` that is not in the archive.

Vendor quirks handled: ATLAS.ti names the project file after the project (``Trial.qde``), NVivo
writes ``Sources/`` with a capital S, QualCoder and others write ``plainTextPath`` without the
``internal://`` scheme, and member names are matched case-insensitively.
"""

import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from peerkg.graph.base.errors import InputError

MAX_MEMBERS = 20_000
MAX_MEMBER = 256 * 2**20  # bytes in one member once decompressed
MAX_TOTAL = 2**30  # bytes in all members read, once decompressed
MAX_RATIO = 200  # decompressed / compressed, for members over RATIO_FLOOR bytes
RATIO_FLOOR = 2**20
MAX_XML = 256 * 2**20  # bytes of project XML
CHUNK = 2**16


@dataclass
class Archive:
    """A REFI-QDA input opened for reading.

    ``kind`` is ``project`` or ``codebook``; ``xml`` the project or codebook XML (bytes);
    ``xml_name`` what to call it in messages (the member name, or the file name).
    """

    path: Path
    kind: str
    xml_name: str
    xml: bytes
    zip: zipfile.ZipFile | None = None
    members: dict[str, zipfile.ZipInfo] = field(default_factory=dict)  # lower-cased name -> info
    read_total: int = 0

    @property
    def label(self) -> str:
        return self.path.name

    def has_members(self) -> bool:
        """True for a .qdpx: source files can be read from it."""
        return self.zip is not None

    def member_for(self, ref: str) -> str | None:
        """The archive member a source path points at, or None if the archive has none.

        ``internal://X``, ``sources/X`` and a bare ``X`` all name ``sources/X`` (any case).
        """
        name = ref.split("://", 1)[1] if ref.lower().startswith("internal://") else ref
        name = name.lstrip("/")
        candidates = [name, f"sources/{name}"]
        if name.lower().startswith("sources/"):
            candidates.append(name)
        for candidate in candidates:
            info = self.members.get(candidate.lower())
            if info is not None:
                return info.filename
        return None

    def read_member(self, name: str) -> bytes:
        """The bytes of one member, decompressed under the size and ratio limits."""
        assert self.zip is not None
        info = self.members[name.lower()]
        data = _read_bounded(self.zip, info, f"{self.label}: member '{info.filename}'")
        self.read_total += len(data)
        if self.read_total > MAX_TOTAL:
            raise InputError(f"the archive decompresses to more than {MAX_TOTAL} bytes in all "
                             "(a zip bomb?); nothing was imported", self.label)
        return data

    def read_relative(self, ref: str, what: str) -> bytes | None:
        """A ``relative://`` file: inside the archive if it is there, else next to the input file.

        Returns None when the file is not there; a path that leaves the input's folder is an
        InputError naming ``what``.
        """
        rel = ref.split("://", 1)[1].lstrip("/")
        if self.zip is not None:
            member = self.member_for(rel)
            if member is not None:
                return self.read_member(member)
        base = self.path.resolve().parent
        target = (base / rel).resolve()
        if not target.is_relative_to(base):
            raise InputError(f"the path '{ref}' leaves the folder of the project file; "
                             "peerkg reads relative sources only from beside it", what)
        if not target.is_file():
            return None
        if target.stat().st_size > MAX_MEMBER:
            raise InputError(f"'{ref}' is larger than {MAX_MEMBER} bytes", what)
        return target.read_bytes()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def open_refi(path: Path) -> Archive:
    """Open ``path`` (.qdpx, .qde or .qdc, recognised by content, then by suffix)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file (give a .qdpx, .qde or .qdc file)", str(path))
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic.startswith(b"PK"):
        return _open_zip(path)
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        raise InputError("is not a zip archive, so not a .qdpx project", path.name)
    if path.stat().st_size > MAX_XML:
        raise InputError(f"is larger than {MAX_XML} bytes; that is not a REFI-QDA file", path.name)
    kind = "codebook" if suffix == ".qdc" else "project"
    return Archive(path, kind, path.name, path.read_bytes())


def _open_zip(path: Path) -> Archive:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InputError(f"is not a readable zip archive ({e})", path.name) from None
    try:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise InputError(f"holds {len(infos)} members, more than the {MAX_MEMBERS} peerkg "
                             "accepts", path.name)
        members = {}
        for info in infos:
            _check_name(info.filename, path.name)
            if info.is_dir():
                continue
            if info.filename.lower() in members:
                raise InputError(f"member '{info.filename}' appears twice", path.name)
            members[info.filename.lower()] = info
        projects = [i for i in members.values() if PurePosixPath(i.filename).suffix.lower() == ".qde"
                    and "/" not in i.filename]
        if not projects:
            raise InputError("has no project file: a .qdpx must hold project.qde (or, as ATLAS.ti "
                             "writes it, <project name>.qde) at its top level", path.name)
        if len(projects) > 1:
            preferred = [i for i in projects if i.filename.lower() == "project.qde"]
            if len(preferred) != 1:
                names = ", ".join(sorted(i.filename for i in projects))
                raise InputError(f"has several project files ({names}); expected one", path.name)
            projects = preferred
        result = Archive(path, "project", f"{path.name}: {projects[0].filename}", b"", archive, members)
        if projects[0].file_size > MAX_XML:
            raise InputError(f"is larger than {MAX_XML} bytes", f"{path.name}: member "
                                                               f"'{projects[0].filename}'")
        result.xml = result.read_member(projects[0].filename)
        return result
    except BaseException:
        archive.close()
        raise


def _check_name(name: str, label: str) -> None:
    """Refuse member names that could land outside a folder they were extracted to."""
    where = f"{label}: member '{name}'"
    if "\\" in name or "\x00" in name:
        raise InputError("has a backslash or NUL in its name; refusing it", where)
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or (pure.parts and pure.parts[0].endswith(":")):
        raise InputError("has a name that points outside the archive (zip slip); refusing the "
                         "whole archive", where)


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    limit = MAX_MEMBER
    if info.file_size > limit:
        raise InputError(f"would decompress to {info.file_size} bytes, more than {limit}", where)
    chunks, size = [], 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(CHUNK):
                size += len(chunk)
                if size > limit or size > max(info.file_size, 0) + CHUNK:
                    raise InputError(f"decompresses to more than {min(limit, info.file_size)} "
                                     "bytes (its size in the zip directory is false)", where)
                if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
                    raise InputError(f"decompresses more than {MAX_RATIO} times its compressed "
                                     f"size ({info.compress_size} bytes): a zip bomb?", where)
                chunks.append(chunk)
    except InputError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        raise InputError(f"cannot be read from the archive ({e})", where) from None
    except Exception as e:  # zlib.error and friends from a corrupt stream
        raise InputError(f"is corrupt in the archive ({type(e).__name__}: {e})", where) from None
    return b"".join(chunks)
