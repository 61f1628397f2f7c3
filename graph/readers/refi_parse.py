"""Parse REFI-QDA XML (Project.xsd / Codebook.xsd 1.0) into :mod:`refi_model` objects.

XML is parsed with lxml, configured so that nothing outside the document is ever read and no
entity is ever expanded (``resolve_entities=False``, ``load_dtd=False``, ``no_network=True``,
``huge_tree=False``, which keeps libxml2's depth and text-size limits); on top of that any
document with a DOCTYPE is refused, since REFI-QDA XML never has one. That stops external
entities (XXE) and entity expansion (billion laughs) before they start. lxml rather than
defusedxml because it also gives the line of every element for error messages, and the same
library validates against the XSDs in the tests.

Namespaces: ``urn:QDA-XML:project:1.0`` and the variants seen in the wild (``1:0``, ``0:4``,
none) are accepted. Contract: every reference by GUID (code, user, variable, source, selection,
note) must resolve, else :class:`~peerkg.graph.base.errors.InputError` naming the element and line.
"""

import re

from lxml import etree

from peerkg.graph.base.errors import InputError
from peerkg.graph.readers.refi_archive import Archive
from peerkg.graph.readers.refi_model import (
    Case,
    Code,
    Coding,
    Link,
    Note,
    Project,
    Selection,
    Set,
    Source,
    User,
    Variable,
)

GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
AUDIO = {".mp3", ".m4a", ".wav", ".aac", ".ogg", ".oga", ".flac", ".wma", ".aif", ".aiff", ".opus"}
VIDEO = {".mp4", ".mov", ".avi", ".mkv", ".m4v", ".wmv", ".mpg", ".mpeg", ".webm", ".3gp"}
MAX_MEDIA_COPY = 64 * 2**20  # media files larger than this stay in the archive, noted
MEDIA_ELEMENTS = {"PictureSource": "image", "PDFSource": "pdf", "AudioSource": "audio",
                  "VideoSource": "video"}
SELECTION_KINDS = {"PictureSelection": "image", "PDFSelection": "pdf", "AudioSelection": "audio",
                   "VideoSelection": "video"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True)


def parse_xml(data: bytes, name: str) -> etree._Element:
    """Parse ``data`` safely (see the module docstring); InputError names ``name`` and the line."""
    root_at = re.search(rb"<[A-Za-z_]|<\x00[A-Za-z_]|\x00<[A-Za-z_]", data)
    prolog = data[: root_at.start() if root_at else len(data)]
    if any(d in prolog for d in (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"),
                                 "<!DOCTYPE".encode("utf-16-be"))):
        raise InputError("has a DOCTYPE; REFI-QDA XML never does, and peerkg refuses documents "
                         "with one (external entities, entity expansion)", name)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        raise InputError(f"malformed XML: {e.msg}", f"{name}, line {e.lineno}") from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise InputError("has a DOCTYPE; REFI-QDA XML never does, and peerkg refuses documents "
                         "with one (external entities, entity expansion)", name)
    return root


def local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _namespace_ok(root, kind: str) -> bool:
    ns = etree.QName(root).namespace
    return ns is None or ns.lower().startswith(f"urn:qda-xml:{kind}")


class _Parser:
    def __init__(self, archive: Archive):
        self.archive = archive
        self.name = archive.xml_name
        self.refs: list[tuple[str, str, str]] = []  # (kind, guid, where) to resolve at the end
        self.selection_ids: set[str] = set()

    def where(self, el) -> str:
        guid = el.get("guid")
        label = f"<{local(el)} guid=\"{guid}\">" if guid else f"<{local(el)}>"
        return f"{self.name}, line {el.sourceline}, {label}"

    def guid(self, el, attr: str = "guid", required: bool = True) -> str:
        value = el.get(attr)
        if value is None or value == "":
            if required:
                raise InputError(f"attribute '{attr}' is missing", self.where(el))
            return ""
        match = GUID.match(value.strip())
        if not match:
            raise InputError(f"attribute '{attr}' is not a GUID: {value!r}", self.where(el))
        return match.group(1).upper()

    def ref(self, kind: str, el, attr: str = "targetGUID", required: bool = True) -> str:
        guid = self.guid(el, attr, required)
        if guid:
            self.refs.append((kind, guid, self.where(el)))
        return guid

    def integer(self, el, attr: str) -> int:
        value = el.get(attr)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InputError(f"attribute '{attr}' must be an integer, found {value!r}",
                             self.where(el)) from None

    def children(self, el, name: str):
        return [c for c in el if local(c) == name]

    def child_text(self, el, name: str) -> str:
        found = self.children(el, name)
        return (found[0].text or "") if found else ""

    # -- the document ----------------------------------------------------------------------

    def project(self, root) -> Project:
        kind = "project" if self.archive.kind == "project" else "codebook"
        if local(root) == "CodeBook":
            kind = "codebook"
        elif local(root) != "Project":
            raise InputError(f"the root element is <{local(root)}>, not <Project> or <CodeBook>; "
                             "this is not a REFI-QDA file", self.name)
        if not _namespace_ok(root, kind):
            raise InputError(f"unknown namespace {etree.QName(root).namespace!r} (expected "
                             f"urn:QDA-XML:{kind}:1.0)", self.name)
        p = Project(kind, root.get("name") or self.archive.path.stem, root.get("origin") or "",
                    self.archive.label, root.get("creationDateTime") or "")
        self.p = p
        if kind == "codebook":
            p.origin = root.get("origin") or ""
            for codes in self.children(root, "Codes"):
                for el in self.children(codes, "Code"):
                    self.code(el, None)
            self.sets(root)
            self.resolve()
            return p
        p.creator = self.guid(root, "creatingUserGUID", required=False)
        if p.creator:
            self.refs.append(("user", p.creator, self.where(root)))
        p.description = self.child_text(root, "Description")
        sections = {local(c): c for c in root}
        for el in self.children(sections.get("Users", root), "User") if "Users" in sections else []:
            user = User(self.guid(el), el.get("name") or "", el.get("id") or "")
            p.users[user.guid] = user
        if "CodeBook" in sections:
            for codes in self.children(sections["CodeBook"], "Codes"):
                for el in self.children(codes, "Code"):
                    self.code(el, None)
        for el in self.children(sections["Variables"], "Variable") if "Variables" in sections else []:
            var = Variable(self.guid(el), el.get("name") or "", el.get("typeOfVariable") or "Text",
                           self.child_text(el, "Description"))
            p.variables[var.guid] = var
        if "Sources" in sections:
            for el in sections["Sources"]:
                self.source(el)
        for el in self.children(sections["Cases"], "Case") if "Cases" in sections else []:
            self.case(el)
        for el in self.children(sections["Notes"], "Note") if "Notes" in sections else []:
            self.note(el)
        for el in self.children(sections["Links"], "Link") if "Links" in sections else []:
            p.links.append(Link(self.guid(el), el.get("name") or "", self.ref("any", el, "originGUID"),
                                self.ref("any", el, "targetGUID"), el.get("direction") or ""))
            self.note_refs(el, "link", p.links[-1].guid)
        self.sets(root)
        if "Graphs" in sections:
            graphs = self.children(sections["Graphs"], "Graph")
            p.ignored.append(f"{len(graphs)} graph(s) (diagram layout only)")
        self.note_refs(root, "project", "")
        self.resolve()
        return p

    def note_refs(self, el, kind: str, guid: str) -> list[str]:
        found = []
        for ref in self.children(el, "NoteRef"):
            note = self.ref("note", ref)
            self.p.note_refs.setdefault(note, []).append((kind, guid))
            found.append(note)
        return found

    def code(self, el, parent: str | None) -> None:
        code = Code(self.guid(el), el.get("name") or "", (el.get("isCodable") or "true").strip()
                    in ("true", "1"), parent, el.get("color") or "", self.child_text(el, "Description"),
                    where=self.where(el))
        if code.guid in self.p.codes:
            raise InputError("a second code has this GUID", self.where(el))
        self.p.codes[code.guid] = code
        code.notes = self.note_refs(el, "code", code.guid)
        for child in self.children(el, "Code"):
            self.code(child, code.guid)

    def coding(self, el) -> Coding:
        refs = self.children(el, "CodeRef")
        if len(refs) != 1:
            raise InputError("a Coding needs exactly one CodeRef", self.where(el))
        coding = Coding(self.guid(el), self.ref("code", refs[0]), self.ref("user", el, "creatingUser",
                        required=False), el.get("creationDateTime") or "", where=self.where(el))
        coding.notes = self.note_refs(el, "coding", coding.guid)
        return coding

    def values(self, el) -> dict[str, str]:
        values = {}
        for vv in self.children(el, "VariableValue"):
            refs = self.children(vv, "VariableRef")
            if not refs:
                raise InputError("a VariableValue needs a VariableRef", self.where(vv))
            var = self.ref("variable", refs[0])
            value = next((c.text or "" for c in vv if local(c).endswith("Value")), "")
            values[var] = value
        return values

    # -- sources -----------------------------------------------------------------------------

    def source(self, el) -> None:
        element = local(el)
        if element == "TextSource":
            src = self.text_source(el, "text")
        elif element in MEDIA_ELEMENTS:
            src = self.media_source(el, element)
        else:
            raise InputError(f"unknown source element <{element}>", self.where(el))
        src.codings = [self.coding(c) for c in self.children(el, "Coding")]

    def _register(self, src: Source, el) -> None:
        if src.guid in self.p.sources:
            raise InputError("a second source has this GUID", self.where(el))
        self.p.sources[src.guid] = src
        src.values = self.values(el)
        src.notes = self.note_refs(el, "source", src.guid)
        if src.creator:
            self.refs.append(("user", src.creator, self.where(el)))

    def text_source(self, el, kind: str, register: bool = True) -> Source:
        src = Source(self.guid(el), "text", el.get("name") or "", local(el),
                     el.get("plainTextPath") or "", creator=el.get("creatingUser") or "",
                     created=el.get("creationDateTime") or "",
                     description=self.child_text(el, "Description"), where=self.where(el))
        src.creator = self.guid(el, "creatingUser", required=False)
        inline = self.children(el, "PlainTextContent")
        if inline:
            src.text, src.text_path = inline[0].text or "", "inline"
        elif src.path:
            self.load_text(src)
        else:
            src.missing = "the source gives neither PlainTextContent nor plainTextPath"
        if register:
            self._register(src, el)
        for sel in self.children(el, "PlainTextSelection"):
            src.selections.append(self.text_selection(sel, src.guid))
        return src

    def text_selection(self, el, source: str) -> Selection:
        sel = Selection(self.guid(el), "text", source, el.get("name") or "",
                        self.integer(el, "startPosition"), self.integer(el, "endPosition"))
        return self._selection_common(sel, el)

    def _selection_common(self, sel: Selection, el) -> Selection:
        sel.creator = self.ref("user", el, "creatingUser", required=False)
        sel.modifier = self.ref("user", el, "modifyingUser", required=False)
        sel.created = el.get("creationDateTime") or ""
        sel.modified = el.get("modifiedDateTime") or ""
        sel.description = self.child_text(el, "Description")
        sel.codings = [self.coding(c) for c in self.children(el, "Coding")]
        sel.notes = self.note_refs(el, "selection", sel.guid)
        sel.where = self.where(el)
        self.selection_ids.add(sel.guid)
        return sel

    def load_text(self, src: Source) -> None:
        path, low = src.path, src.path.lower()
        if low.startswith("absolute://"):
            src.missing = f"the text is an external file ({src.path}); peerkg does not follow absolute paths"
            return
        if low.startswith("relative://"):
            data = self.archive.read_relative(src.path, src.where)
            if data is None:
                src.missing = f"the text is an external file ({src.path}) that is not beside the project"
                return
            src.text_path = path
        elif not self.archive.has_members():
            src.missing = (f"the text is in the archive member {src.path}, and a bare project "
                           "file carries no members (import the .qdpx instead)")
            return
        else:
            member = self.archive.member_for(path)
            if member is None:
                raise InputError(f"names the text file '{path}', which is not in the archive "
                                 "(missing member)", src.where)
            data = self.archive.read_member(member)
            src.text_path = member
        src.text, src.had_bom = decode_text(data, f"{self.archive.label}: {src.text_path}")

    def media_source(self, el, element: str) -> Source:
        path = el.get("path") or ""
        src = Source(self.guid(el), media_kind(element, path or el.get("name") or ""),
                     el.get("name") or "", element, path, created=el.get("creationDateTime") or "",
                     description=self.child_text(el, "Description"), where=self.where(el))
        src.creator = self.guid(el, "creatingUser", required=False)
        self._register(src, el)
        self.load_media(src)
        for child in el:
            name = local(child)
            if name in SELECTION_KINDS:
                src.selections.append(self.media_selection(child, src))
            elif name in ("Representation", "TextDescription", "Transcript"):
                text = self.text_source(child, "text")
                text.name = text.name or f"{name} of {src.name}"
                if name == "Transcript":
                    self.transcript_selections(child, text)
        return src

    def media_selection(self, el, src: Source) -> Selection:
        name = local(el)
        if name in ("PictureSelection", "PDFSelection"):
            parts = [f"page={self.integer(el, 'page')}"] if name == "PDFSelection" else []
            parts += [f"{a}={self.integer(el, a)}" for a in ("firstX", "firstY", "secondX", "secondY")]
        else:
            parts = [f"begin={self.integer(el, 'begin')}", f"end={self.integer(el, 'end')}"]
        kind = src.kind if name in ("AudioSelection", "VideoSelection") else SELECTION_KINDS[name]
        sel = Selection(self.guid(el), kind, src.guid, el.get("name") or "", position=";".join(parts))
        for rep in self.children(el, "Representation"):
            sel.text = self.child_text(rep, "PlainTextContent")
        return self._selection_common(sel, el)

    def transcript_selections(self, el, text: Source) -> None:
        points = {self.guid(sp): sp for sp in self.children(el, "SyncPoint")}
        for sel_el in self.children(el, "TranscriptSelection"):
            ends = []
            for attr in ("fromSyncPoint", "toSyncPoint"):
                guid = self.guid(sel_el, attr)
                if guid not in points:
                    raise InputError(f"{attr} names no SyncPoint of this transcript", self.where(sel_el))
                ends.append(self.integer(points[guid], "position"))
            sel = Selection(self.guid(sel_el), "text", text.guid, sel_el.get("name") or "", *ends)
            text.selections.append(self._selection_common(sel, sel_el))

    def load_media(self, src: Source) -> None:
        low = src.path.lower()
        if not src.path:
            src.missing = "no path given"
        elif low.startswith("internal://"):
            if not self.archive.has_members():
                src.missing = f"the file is in the archive member {src.path}; a bare project file has none"
                return
            member = self.archive.member_for(src.path)
            if member is None:
                raise InputError(f"names the file '{src.path}', which is not in the archive "
                                 "(missing member)", src.where)
            size = self.archive.members[member.lower()].file_size
            if size > MAX_MEDIA_COPY:
                src.missing = (f"the file {member} is {size} bytes, more than peerkg copies "
                               f"({MAX_MEDIA_COPY}); take it from the archive yourself")
                return
            src.data, src.media_name = self.archive.read_member(member), member
        else:
            src.missing = f"an external file ({src.path}), not in the archive"

    # -- cases, notes, sets --------------------------------------------------------------------

    def case(self, el) -> None:
        case = Case(self.guid(el), el.get("name") or "", self.child_text(el, "Description"),
                    where=self.where(el))
        case.codes = [self.ref("code", c) for c in self.children(el, "CodeRef")]
        case.values = self.values(el)
        case.sources = [self.ref("source", c) for c in self.children(el, "SourceRef")]
        case.selections = [self.ref("selection", c) for c in self.children(el, "SelectionRef")]
        self.p.cases[case.guid] = case

    def note(self, el) -> None:
        src = self.text_source(el, "text", register=False)
        note = Note(src.guid, src.name, src.text or "", src.creator, src.created, src.description,
                    self.where(el))
        if src.text is None and src.missing:
            note.text = ""
        if note.guid in self.p.notes:
            raise InputError("a second note has this GUID", self.where(el))
        self.p.notes[note.guid] = note
        if src.selections:
            self.p.ignored.append(f"{len(src.selections)} selection(s) inside note '{note.name}'")

    def sets(self, root) -> None:
        for sets in self.children(root, "Sets"):
            for el in self.children(sets, "Set"):
                s = Set(self.guid(el), el.get("name") or "", self.child_text(el, "Description"))
                for m in self.children(el, "MemberCode"):
                    attr = "targetGUID" if m.get("targetGUID") else "guid"
                    s.codes.append(self.ref("code", m, attr))
                s.sources = [self.ref("source", m) for m in self.children(el, "MemberSource")]
                s.notes = [self.ref("note", m) for m in self.children(el, "MemberNote")]
                self.p.sets[s.guid] = s

    def resolve(self) -> None:
        p = self.p
        known = {"code": p.codes, "user": p.users, "variable": p.variables, "source": p.sources,
                 "note": p.notes, "selection": self.selection_ids}
        every = set(p.codes) | set(p.users) | set(p.sources) | set(p.notes) | self.selection_ids \
            | set(p.cases) | set(p.sets) | set(p.variables)
        for kind, guid, where in self.refs:
            pool = every if kind == "any" else known[kind]
            if guid not in pool:
                raise InputError(f"refers to {kind if kind != 'any' else 'an element'} {guid}, "
                                 "which the project does not define (dangling reference)", where)


def media_kind(element: str, path: str) -> str:
    """What a media file is: by its extension when that says audio or video (MAXQDA keeps audio
    in a VideoSource), else by the element."""
    suffix = path.lower().rsplit(".", 1)
    ext = f".{suffix[1]}" if len(suffix) == 2 else ""
    if element in ("AudioSource", "VideoSource") and ext in AUDIO:
        return "audio"
    if element in ("AudioSource", "VideoSource") and ext in VIDEO:
        return "video"
    return MEDIA_ELEMENTS[element]


def decode_text(data: bytes, where: str) -> tuple[str, bool]:
    """A source text file as a string without its byte-order mark, and whether it had one.

    UTF-8 (with or without BOM) is what REFI-QDA requires; UTF-16 with a BOM is accepted too."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom, codec = data[3:], True, "utf-8"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        bom, codec = True, "utf-16"
    else:
        bom, codec = False, "utf-8"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        raise InputError(f"is not {codec.upper()} text ({e.reason} at byte {e.start})", where) from None
    return text.removeprefix("\ufeff"), bom


def parse_project(archive: Archive) -> Project:
    """The project (or codebook) in ``archive``, with every text it carries loaded."""
    root = parse_xml(archive.xml, archive.xml_name)
    return _Parser(archive).project(root)
