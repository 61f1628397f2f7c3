"""Small REFI-QDA archives built in code, one per vendor quirk, so each quirk is visible here.

Every archive is invented for the tests (names, texts and codes are made up). The quirks come
from shared research on real exports (NVivo 12.6, ATLAS.ti 8.4, MAXQDA 2020, QualCoder): see
tests/data/README.md. Each builder writes its archive under ``folder`` and returns its path;
the expected quote texts are module constants, so a test compares against text a person can read.
"""

import zipfile
from pathlib import Path

NS = "urn:QDA-XML:project:1.0"


def guid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def u16(text: str, cp: int) -> int:
    """The UTF-16 code-unit offset of code point ``cp`` (how NVivo counts)."""
    return len(text[:cp].encode("utf-16-le")) // 2


def crlf_as_one(text: str, cp: int) -> int:
    """The offset of code point ``cp`` counting CRLF as one character (how ATLAS.ti counts)."""
    return cp - text[:cp].count("\r\n")


def project(body: str, *, name: str = "Quirks", origin: str = "peerkg tests", ns: str = NS,
            extra: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{ns}" name="{name}" '
            f'origin="{origin}"{extra}>{body}</Project>')


def qdpx(path: Path, qde: str | bytes, members: dict[str, bytes | str] | None = None,
         qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qde_name, qde.encode("utf-8") if isinstance(qde, str) else qde)
        for name, data in (members or {}).items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


USERS = f'<Users><User guid="{guid(1)}" name="Ada Coder"/><User guid="{guid(2)}" name="Bo Second"/></Users>'


def coding(n: int, code: int, user: int = 1, when: str = "2024-05-01T10:00:00Z") -> str:
    return (f'<Coding guid="{guid(n)}" creatingUser="{guid(user)}" creationDateTime="{when}">'
            f'<CodeRef targetGUID="{guid(code)}"/></Coding>')


# -- NVivo: UTF-16 offsets, BOM, CRLF, emoji, one selection per coding, Sources/ ------------------

NVIVO_TEXT = ("Interview 1\r\nI felt 😀 welcome at last.\r\nThe team café was kind 👍🏽 to me.\r\n"
              "Ünïcödé ends here.")
NVIVO_QUOTES = ["I felt 😀 welcome at last.", "The team café was kind 👍🏽 to me.",
                "at last.\r\nThe team café"]


def nvivo(folder: Path, origin: str = "NVivo 12.6 for Windows", names: bool = False) -> Path:
    """UTF-8 with BOM, CRLF, emoji (one with a skin-tone modifier); positions in UTF-16 units.
    NVivo writes one selection per coding: the first quote is coded twice, by two users."""
    selections = []
    for i, quote in enumerate(NVIVO_QUOTES):
        cp = NVIVO_TEXT.index(quote)
        start, end = u16(NVIVO_TEXT, cp), u16(NVIVO_TEXT, cp + len(quote))
        codes_users = [(10, 1), (11, 2)] if i == 0 else [(10 + i, 1)]
        for j, (code, user) in enumerate(codes_users):
            n = 100 + 10 * i + j
            name = f' name="{quote}"' if names else ""
            description = "<Description>said twice</Description>" if n == 100 else ""
            selections.append(
                f'<PlainTextSelection guid="{guid(n)}"{name} startPosition="{start}" '
                f'endPosition="{end}" creatingUser="{guid(user)}" creationDateTime="2024-05-0{j + 1}T09:00:00Z">'
                f'{description}{coding(n + 500, code, user)}</PlainTextSelection>')
    body = (USERS + '<CodeBook><Codes>'
            f'<Code guid="{guid(9)}" name="Belonging" isCodable="false">'
            f'<Code guid="{guid(10)}" name="Welcome" isCodable="true"/>'
            f'<Code guid="{guid(11)}" name="Emotion" isCodable="true"><Code guid="{guid(12)}" '
            'name="Kindness" isCodable="true"/></Code></Code>'
            f'</Codes></CodeBook><Sources><TextSource guid="{guid(50)}" name="Interview 1.docx" '
            f'plainTextPath="internal://{guid(50)}.txt">{"".join(selections)}</TextSource></Sources>')
    data = "\ufeff" + NVIVO_TEXT
    return qdpx(folder / "nvivo.qdpx", project(body, origin=origin),
                {f"Sources/{guid(50)}.txt": data})


# -- ATLAS.ti: project file named after the project, '::' hierarchy, CRLF counted once -------------

ATLAS_TEXT = "Breakfast notes\r\nI eat muesli every day.\r\nCoffee first, then crêpes."
ATLAS_QUOTES = ["I eat muesli every day.", "every day.\r\nCoffee first", "then crêpes."]


def atlas(folder: Path) -> Path:
    """ATLAS.ti 8/9 style: 'Breakfast study.qde' inside, codes 'Food::cereal' flattened,
    several codings in one selection, selection names holding the quote (or, once renamed, a
    label of the researcher's)."""
    selections = []
    for i, quote in enumerate(ATLAS_QUOTES):
        cp = ATLAS_TEXT.index(quote)
        start, end = crlf_as_one(ATLAS_TEXT, cp), crlf_as_one(ATLAS_TEXT, cp + len(quote))
        codings = coding(300 + i, 21) + (coding(310 + i, 22) if i == 0 else "")
        name = quote if i < 2 else "crêpes moment"  # a quotation renamed by the researcher
        selections.append(f'<PlainTextSelection guid="{guid(200 + i)}" name="{name}" '
                          f'startPosition="{start}" endPosition="{end}">{codings}</PlainTextSelection>')
    body = (USERS + '<CodeBook><Codes>'
            f'<Code guid="{guid(20)}" name="Food" isCodable="true"/>'
            f'<Code guid="{guid(21)}" name="Food::cereal" isCodable="true"/>'
            f'<Code guid="{guid(22)}" name="habit" isCodable="true"/>'
            f'</Codes></CodeBook><Sources><TextSource guid="{guid(51)}" name="Breakfast.txt" '
            f'plainTextPath="internal://{guid(51)}.txt">{"".join(selections)}</TextSource></Sources>')
    return qdpx(folder / "Breakfast study.qdpx",
                project(body, name="Breakfast study", origin="ATLAS.ti 9.1.3 (Windows)"),
                {f"sources/{guid(51)}.txt": ATLAS_TEXT}, qde_name="Breakfast study.qde")


# -- MAXQDA: names without extension, audio inside VideoSource, document variables --------------

MAXQDA_TEXT = "Anna: The peer worker listened.\nInterviewer: How?\nAnna: Without judging."
MAXQDA_QUOTES = ["The peer worker listened.", "Without judging."]


def maxqda(folder: Path) -> Path:
    """MAXQDA 2020 style: source names without extension, an .m4a in a VideoSource with a
    coded VideoSelection, variables on the text source, namespace written '1:0'."""
    selections = "".join(
        f'<PlainTextSelection guid="{guid(400 + i)}" startPosition="{MAXQDA_TEXT.index(q)}" '
        f'endPosition="{MAXQDA_TEXT.index(q) + len(q)}" creatingUser="{guid(1)}">'
        f'{coding(450 + i, 30)}</PlainTextSelection>' for i, q in enumerate(MAXQDA_QUOTES))
    value = lambda var, text: (f'<VariableValue><VariableRef targetGUID="{guid(var)}"/>'  # noqa: E731
                               f'<TextValue>{text}</TextValue></VariableValue>')
    body = (USERS + f'<CodeBook><Codes><Code guid="{guid(30)}" name="Listening" isCodable="true"/>'
            '</Codes></CodeBook><Variables>'
            f'<Variable guid="{guid(60)}" name="Site" typeOfVariable="Text"/>'
            f'<Variable guid="{guid(61)}" name="Role" typeOfVariable="Text"/>'
            f'<Variable guid="{guid(62)}" name="Age" typeOfVariable="Integer"/></Variables>'
            f'<Sources><TextSource guid="{guid(52)}" name="Interview Anna" '
            f'plainTextPath="internal://{guid(52)}.txt">{selections}'
            f'{value(60, "North")}{value(61, "Peer worker")}'
            f'<VariableValue><VariableRef targetGUID="{guid(62)}"/><IntegerValue>34</IntegerValue>'
            '</VariableValue></TextSource>'
            f'<VideoSource guid="{guid(53)}" name="Interview Anna audio" path="internal://{guid(53)}.m4a">'
            f'<VideoSelection guid="{guid(460)}" name="laughs" begin="1500" end="4200" '
            f'creatingUser="{guid(2)}">{coding(461, 30, 2)}</VideoSelection></VideoSource></Sources>')
    return qdpx(folder / "maxqda.qdpx",
                project(body, origin="MAXQDA 2020 (Release 20.4.1)", ns="urn:QDA-XML:project:1:0"),
                {f"Sources/{guid(52)}.txt": MAXQDA_TEXT, f"Sources/{guid(53)}.m4a": b"\x00\x00\x00 ftypM4A fake"})


# -- paths: sources/ vs Sources/, no scheme, case differences, relative:// ------------------------

PATH_TEXTS = {"plain": "A plain path without a scheme.", "case": "Upper-case member name.",
              "relative": "A text beside the archive."}


def paths(folder: Path) -> Path:
    """plainTextPath without 'internal://' (QualCoder #803), an upper-case reference to a
    lower-case member, and a 'relative://' text that sits beside the archive."""
    (folder / "beside.txt").write_text(PATH_TEXTS["relative"], encoding="utf-8")
    sources = ""
    refs = {"plain": f"{guid(54)}.txt", "case": f"internal://{guid(55).upper()}.TXT",
            "relative": "relative://beside.txt"}
    for i, (key, ref) in enumerate(refs.items()):
        text = PATH_TEXTS[key]
        sources += (f'<TextSource guid="{guid(54 + i)}" name="{key}.txt" plainTextPath="{ref}">'
                    f'<PlainTextSelection guid="{guid(600 + i)}" startPosition="0" '
                    f'endPosition="{len(text)}">{coding(650 + i, 40)}</PlainTextSelection></TextSource>')
    body = (USERS + f'<CodeBook><Codes><Code guid="{guid(40)}" name="Path" isCodable="true"/></Codes>'
            f'</CodeBook><Sources>{sources}</Sources>')
    return qdpx(folder / "paths.qdpx", project(body),
                {f"sources/{guid(54)}.txt": PATH_TEXTS["plain"],
                 f"sources/{guid(55)}.txt": PATH_TEXTS["case"]})


# -- media selections, kept aside -----------------------------------------------------------------

def media(folder: Path) -> Path:
    """A PDF with a coded PDFSelection (and its text representation), a picture with a coded
    PictureSelection, and an external video: all kept as sources and segments, not dropped."""
    body = (USERS + f'<CodeBook><Codes><Code guid="{guid(70)}" name="Seen" isCodable="true"/>'
            '</Codes></CodeBook><Sources>'
            f'<PDFSource guid="{guid(71)}" name="Leaflet.pdf" path="internal://{guid(71)}.pdf">'
            f'<PDFSelection guid="{guid(700)}" name="headline" page="0" firstX="10" firstY="20" '
            f'secondX="300" secondY="60"><Representation guid="{guid(701)}"><PlainTextContent>'
            f'Peer support works</PlainTextContent></Representation>{coding(702, 70)}</PDFSelection>'
            f'</PDFSource><PictureSource guid="{guid(72)}" name="Poster.png" path="internal://{guid(72)}.png">'
            f'<PictureSelection guid="{guid(710)}" firstX="1" firstY="2" secondX="30" secondY="40">'
            f'{coding(711, 70, 2)}</PictureSelection></PictureSource>'
            f'<VideoSource guid="{guid(73)}" name="Group.mp4" path="relative://media/Group.mp4"/>'
            '</Sources>')
    return qdpx(folder / "media.qdpx", project(body),
                {f"sources/{guid(71)}.pdf": b"%PDF-1.4 fake", f"sources/{guid(72)}.png": b"\x89PNG fake"})


# -- notes, descriptions, cases ---------------------------------------------------------------------

NOTES_TEXT = "We met weekly. It helped a lot."


def notes(folder: Path) -> Path:
    """A memo referenced from a code and a selection, a memo linked to a selection, descriptions
    on the project, a code, a selection and a case; a case carrying Site and Role."""
    start = NOTES_TEXT.index("It helped")
    body = (USERS + '<CodeBook><Codes>'
            f'<Code guid="{guid(80)}" name="Support" isCodable="true"><Description>Any help '
            f'given</Description><NoteRef targetGUID="{guid(90)}"/></Code></Codes></CodeBook>'
            f'<Variables><Variable guid="{guid(60)}" name="Site" typeOfVariable="Text"/>'
            f'<Variable guid="{guid(61)}" name="Role" typeOfVariable="Text"/></Variables>'
            f'<Cases><Case guid="{guid(85)}" name="P01"><Description>First participant</Description>'
            f'<VariableValue><VariableRef targetGUID="{guid(60)}"/><TextValue>South</TextValue></VariableValue>'
            f'<VariableValue><VariableRef targetGUID="{guid(61)}"/><TextValue>Manager</TextValue></VariableValue>'
            f'<SourceRef targetGUID="{guid(81)}"/></Case></Cases>'
            f'<Sources><TextSource guid="{guid(81)}" name="P01.txt" creatingUser="{guid(1)}">'
            f'<PlainTextContent>{NOTES_TEXT}</PlainTextContent>'
            f'<PlainTextSelection guid="{guid(800)}" startPosition="{start}" endPosition="{len(NOTES_TEXT)}" '
            f'creatingUser="{guid(2)}" creationDateTime="2024-06-01T12:00:00Z">'
            f'<Description>key moment</Description>{coding(801, 80, 2)}'
            f'<NoteRef targetGUID="{guid(90)}"/></PlainTextSelection></TextSource></Sources>'
            f'<Notes><Note guid="{guid(90)}" name="Memo on support" creatingUser="{guid(1)}" '
            'creationDateTime="2024-06-02T08:00:00Z"><PlainTextContent>Support means being there.'
            f'</PlainTextContent></Note><Note guid="{guid(91)}" name="Linked memo" creatingUser="{guid(2)}">'
            '<PlainTextContent>Check this with P01.</PlainTextContent></Note></Notes>'
            f'<Links><Link guid="{guid(95)}" name="Memo-Quotation Relation" direction="OneWay" '
            f'originGUID="{guid(91)}" targetGUID="{guid(800)}"/></Links>'
            '<Description>A project about weekly meetings.</Description>')
    return qdpx(folder / "notes.qdpx", project(body))


MAPPING = """\
sites:
  variable: Site
stakeholders:
  variable: Role
  values: {Manager: manager, "Peer worker": peer-worker}
coders:
  Ada Coder: ada
"""
