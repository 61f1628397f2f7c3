"""The in-memory model of a REFI-QDA project or codebook (REFI-QDA 1.5, Project.xsd 1.0).

Plain dataclasses, filled by :mod:`peerkg.graph.readers.refi_parse`. GUIDs are normalised to
upper case without braces. Positions are kept exactly as the vendor wrote them (``raw_start``,
``raw_end``); :mod:`peerkg.graph.readers.refi_offsets` adds code-point offsets (``start``,
``end``) once it knows the unit the vendor counted in. ``where`` names the element for messages
(``project.qde, line 12, <PlainTextSelection guid=...>``).
"""

from dataclasses import dataclass, field

TEXT_KINDS = ("text",)
MEDIA_KINDS = ("pdf", "image", "audio", "video")


@dataclass
class User:
    guid: str
    name: str
    id: str = ""


@dataclass
class Code:
    guid: str
    name: str
    codable: bool
    parent: str | None  # guid of the enclosing code
    color: str = ""
    description: str = ""
    notes: list[str] = field(default_factory=list)  # note guids
    where: str = ""


@dataclass
class Coding:
    guid: str
    code: str  # code guid
    creator: str = ""  # user guid
    created: str = ""  # xsd:dateTime as written
    notes: list[str] = field(default_factory=list)
    where: str = ""


@dataclass
class Selection:
    """A coded (or described) region of a source.

    ``kind`` is ``text`` for PlainTextSelection (``raw_start``/``raw_end`` in vendor units),
    else ``pdf``, ``image``, ``audio``, ``video`` or ``transcript`` with ``position`` as the
    vendor wrote it (``page=0;x1=18;y1=45;x2=577;y2=234``, ``begin=14706;end=17706`` ms).
    """

    guid: str
    kind: str
    source: str  # source guid
    name: str = ""
    raw_start: int = 0
    raw_end: int = 0
    position: str = ""
    text: str = ""  # text a vendor attached to a media selection (a PDF Representation)
    creator: str = ""
    created: str = ""
    modifier: str = ""
    modified: str = ""
    description: str = ""
    codings: list[Coding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    where: str = ""
    start: int | None = None  # code points into the source text, once known
    end: int | None = None


@dataclass
class Source:
    """A source document. ``kind``: text, pdf, image, audio, video (what the file is, not the
    element name: MAXQDA stores audio in a VideoSource). ``text`` is the plain text (without BOM)
    when the project carries it; ``path`` the vendor's reference; ``data`` a media file's bytes
    when it is inside the archive."""

    guid: str
    kind: str
    name: str
    element: str  # TextSource, PDFSource, ...
    path: str = ""
    text: str | None = None
    text_path: str = ""  # where the text came from (member name, or 'inline')
    data: bytes | None = None
    media_name: str = ""  # the member a media file was read from
    missing: str = ""  # why the text or file is not available
    creator: str = ""
    created: str = ""
    description: str = ""
    selections: list[Selection] = field(default_factory=list)
    codings: list[Coding] = field(default_factory=list)  # codings of the whole source
    values: dict[str, str] = field(default_factory=dict)  # variable guid -> value
    notes: list[str] = field(default_factory=list)
    had_bom: bool = False
    where: str = ""


@dataclass
class Variable:
    guid: str
    name: str
    type: str
    description: str = ""


@dataclass
class Case:
    guid: str
    name: str
    description: str = ""
    codes: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    selections: list[str] = field(default_factory=list)
    where: str = ""


@dataclass
class Note:
    """A memo (REFI Note, a text source) or a description attached to something."""

    guid: str
    name: str
    text: str
    creator: str = ""
    created: str = ""
    description: str = ""
    where: str = ""


@dataclass
class Set:
    guid: str
    name: str
    description: str = ""
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Link:
    guid: str
    name: str
    origin: str
    target: str
    direction: str = ""


@dataclass
class Project:
    """A whole REFI-QDA project (or a codebook: then only ``codes`` and ``sets`` are filled)."""

    kind: str  # project | codebook
    name: str
    origin: str = ""
    file: str = ""
    created: str = ""
    creator: str = ""
    description: str = ""
    users: dict[str, User] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)  # document order
    variables: dict[str, Variable] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)
    sets: dict[str, Set] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    note_refs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # note -> [(kind, guid)]
    offset_unit: str = ""
    offset_evidence: str = ""
    ignored: list[str] = field(default_factory=list)  # what the parser did not keep, said plainly

    def selections(self):
        """Every selection of every source, in document order."""
        for source in self.sources.values():
            yield from source.selections
