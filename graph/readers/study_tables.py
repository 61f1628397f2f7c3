"""The CSV files of a study package (docs/study-format.md), all optional: sources, participants,
quotes, codings, media segments, quote-to-construct evidence and notes.

Every quote's text is checked against its source when the package has the source's text and the
quote gives its position: it must be exactly that slice (Unicode code points, end exclusive).
"""

import datetime
from pathlib import Path, PurePosixPath

from rdflib import RDF, SKOS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS

from peerkg.graph.base.iris import OA, PK, PROJECT_AGENT, PROV
from peerkg.graph.readers.builder import GraphBuilder
from peerkg.graph.readers.fields import Field, read_csv

# file: (required columns, optional columns)
TABLES = {
    "sources.csv": (["id", "kind"], ["file", "label", "media_type", "note"]),
    "participants.csv": (["id"], ["label", "site", "stakeholder"]),  # + attribute columns
    "quotes.csv": (["id", "text"], ["site", "stakeholder", "attribution", "theme", "codes",
                                    "participant", "source", "start", "end", "note"]),
    "segments.csv": (["id", "source", "position"], ["kind", "codes", "note"]),
    "codings.csv": (["code"], ["quote", "segment", "coder", "created", "note"]),
    "evidence.csv": (["quote", "construct", "stance", "asserted_by"], ["basis"]),
    "notes.csv": (["id", "about", "text"], ["label", "author", "created"]),
}
TABLE_FILES = tuple(TABLES)
SOURCE_KINDS = {"text": PK.Transcript, "pdf": PK.PDFDocument, "image": PK.Picture,
                "audio": PK.AudioRecording, "video": PK.VideoRecording}
STANCES = {"present": PK.present, "lacking": PK.lacking}
NOTE_TARGETS = ("study", "site", "participant", "source", "quote", "segment", "theme", "category",
                "code")


def read_tables(folder: Path, b: GraphBuilder, study: URIRef, article: URIRef,
                coding_activity: URIRef, coding_attribution: str) -> None:
    """Read the package's CSV files that exist into ``b``, in dependency order."""
    tables = _Tables(folder, b, study, article, coding_activity, coding_attribution)
    for name in TABLE_FILES:
        if (folder / name).exists():
            required, optional = TABLES[name]
            rows = read_csv(folder / name, required, optional, extra=name == "participants.csv")
            getattr(tables, name.removesuffix(".csv"))(rows)


def _cell(row: Field, key: str) -> Field:
    """A CSV cell; an absent optional column reads as empty."""
    return row.get(key, "")


class _Tables:
    def __init__(self, folder, b, study, article, coding_activity, coding_attribution):
        self.folder, self.b, self.study, self.article = folder, b, study, article
        self.coding_activity, self.coding_attribution = coding_activity, coding_attribution
        self.texts: dict[str, str] = {}  # source id -> its text
        self.quote_iris: dict[str, URIRef] = {}

    def sources(self, rows: list[Field]) -> None:
        b = self.b
        for row in rows:
            local = b.declare("source", row["id"])
            node = b.iri("source", local)
            kind = row["kind"].text()
            if kind not in SOURCE_KINDS:
                raise row["kind"].error(f"unknown kind '{kind}' (use {', '.join(SOURCE_KINDS)})")
            name = _cell(row, "file").text()
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts or "\\" in name:
                raise row["file"].error(f"'{name}' must be a file name inside the sources/ folder")
            b.add(node, RDF.type, SOURCE_KINDS[kind])
            b.add(node, PK.inStudy, self.study)
            b.label(node, _cell(row, "label").text() or name or local)
            b.text(node, DCTERMS.format, _cell(row, "media_type"), lang=False)
            b.text(node, SKOS.note, _cell(row, "note"))
            if name:  # without a file, a source is kept by reference only
                b.add(node, PK.fileName, Literal(name))
                if kind == "text":
                    self.texts[local] = text = self._read_text(row["file"], name)
                    b.add(node, PK.plainText, Literal(text))

    def _read_text(self, field: Field, name: str) -> str:
        path = self.folder / "sources" / name
        try:
            data = path.read_bytes()
        except OSError:
            raise field.error(f"no file sources/{name} in the package") from None
        try:
            return data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as e:
            raise field.error(f"sources/{name} is not UTF-8 text ({e.reason} at byte {e.start})") from None

    def participants(self, rows: list[Field]) -> None:
        b = self.b
        if not rows:
            return
        required, optional = TABLES["participants.csv"]
        columns = [c for c in rows[0].value if c not in required and c not in optional]
        attributes = {}
        for n, column in enumerate(columns, 1):
            node = attributes[column] = b.iri("attribute", "participant-" + _slug(column))
            b.add(node, RDF.type, PK.Attribute)
            b.add(node, PK.order, Literal(n, datatype=XSD.integer))
            b.label(node, column)
        for row in rows:
            local = b.declare("participant", row["id"])
            node = b.iri("participant", local)
            b.add(node, RDF.type, PK.Participant)
            b.add(node, PK.inStudy, self.study)
            b.label(node, _cell(row, "label").text() or local)
            if _cell(row, "site").value:
                b.add(node, PK.atSite, b.ref("site", row["site"]))
            if _cell(row, "stakeholder").value:
                b.add(node, PK.stakeholderGroup, b.stakeholder(row["stakeholder"]))
            for column, attribute in attributes.items():
                value = row.get(column).text()
                if value:
                    av = b.iri("attribute-value", f"{local}-{_slug(column)}")
                    b.add(av, RDF.type, PK.AttributeValue)
                    b.add(av, PK.attribute, attribute)
                    b.add(av, PK.valueText, Literal(value))
                    b.label(av, f"{column}: {value}")
                    b.add(node, PK.hasAttributeValue, av)

    def quotes(self, rows: list[Field]) -> None:
        b = self.b
        for n, row in enumerate(rows, 1):
            local = b.declare("quote", row["id"])
            node = self.quote_iris[local] = b.iri("quote", local)
            text = row["text"].text()
            b.add(node, RDF.type, PK.Quote)
            b.add(node, PK.inStudy, self.study)
            b.add(node, PK.order, Literal(n, datatype=XSD.integer))
            selector = b.iri("selector", local)
            b.add(node, OA.hasSelector, selector)
            b.add(selector, RDF.type, OA.TextQuoteSelector)
            b.add(selector, OA.exact, Literal(text))
            b.add(node, OA.hasSource, self._source_of(row, node, local, text))
            participant = self._speaker(row, node)
            for key, prop, resolve in (("site", PK.atSite, lambda f: b.ref("site", f)),
                                       ("stakeholder", PK.stakeholderGroup, b.stakeholder),
                                       ("theme", PK.inTheme, lambda f: b.ref("theme", f))):
                if _cell(row, key).value:
                    b.add(node, prop, resolve(row[key]))
                elif participant is not None and key != "theme":
                    inherited = b.g.value(participant, prop)
                    if inherited is not None:
                        b.add(node, prop, inherited)
            printed = _cell(row, "attribution").text()
            if printed:
                b.add(node, PK.attributionLabel, Literal(printed))
            b.label(node, f"Quote {local}" + (f" ({printed})" if printed else ""))
            b.text(node, SKOS.note, _cell(row, "note"))
            b.attribute(node, "authors")
            if _cell(row, "codes").value:
                for code in b.refs("code", row["codes"], sep=";"):
                    self._coding(node, local, code, None, None, None)

    def _source_of(self, row: Field, quote: URIRef, local: str, text: str) -> URIRef:
        """The quote's source (the article if none is named), checking its position."""
        b = self.b
        start, end = _cell(row, "start"), _cell(row, "end")
        if not _cell(row, "source").value:
            if start.value or end.value:
                raise row["start" if start.value else "end"].error("a position needs a source")
            return self.article
        source_id = row["source"].slug()
        source = b.ref("source", row["source"])
        if bool(start.value) != bool(end.value):
            raise row["start" if not start.value else "end"].error("give both start and end, or neither")
        if start.value:
            first, last = start.count(), end.count()
            if source_id not in self.texts:
                raise row["source"].error(f"source '{source_id}' has no text to count positions in")
            whole = self.texts[source_id]
            if not first <= last <= len(whole):
                raise row["end"].error(f"positions {first}..{last} lie outside the source "
                                       f"({len(whole)} characters)")
            if whole[first:last] != text:
                raise row["text"].error(f"is not the text of source '{source_id}' from {first} "
                                        f"to {last} (which reads {whole[first:last][:80]!r})")
            position = b.iri("selector", f"{local}-position")
            b.add(quote, OA.hasSelector, position)
            b.add(position, RDF.type, OA.TextPositionSelector)
            b.add(position, OA.start, Literal(first, datatype=XSD.integer))
            b.add(position, OA.end, Literal(last, datatype=XSD.integer))
        return source

    def _speaker(self, row: Field, quote: URIRef) -> URIRef | None:
        if not _cell(row, "participant").value:
            return None
        participant = self.b.ref("participant", row["participant"])
        self.b.add(quote, PK.spokenBy, participant)
        return participant

    def _coding(self, target: URIRef, local: str, code: URIRef, coder: URIRef | None,
                created: Field | None, note: Field | None) -> None:
        b = self.b
        code_id = code.rsplit("/", 1)[-1]
        suffix = f"-{coder.rsplit('/', 1)[-1]}" if coder is not None else ""
        coding = b.iri("coding", f"{local}-{code_id}{suffix}")
        if (coding, None, None) in b.g:
            where = created or note
            message = f"{local} is coded '{code_id}' twice" + (" by the same coder" if coder else "")
            raise where.error(message) if where is not None else ValueError(message)
        b.add(coding, RDF.type, PK.Coding)
        b.add(coding, OA.motivatedBy, OA.classifying)
        b.add(coding, OA.hasBody, code)
        b.add(coding, OA.hasTarget, target)
        if coder is not None:
            b.add(coding, PROV.wasAttributedTo, coder)
        else:
            b.add(coding, PROV.wasAttributedTo,
                  PROJECT_AGENT if self.coding_attribution == "project" else b.authors_agent)
            b.add(coding, PROV.wasGeneratedBy, self.coding_activity)
        self._describe_coding(coding, created, note)
        b.label(coding, f"Coding of {local} as '{b.g.value(code, SKOS.prefLabel)}'")

    def _describe_coding(self, coding: URIRef, created: Field | None, note: Field | None) -> None:
        if created is not None and created.value:
            self.b.add(coding, DCTERMS.created, _datetime(created))
        if note is not None:
            self.b.text(coding, SKOS.note, note)

    def codings(self, rows: list[Field]) -> None:
        """One coding per row, of a quote or a media segment, with its coder, date and note.
        A row without a coder for a coding the quote's ``codes`` cell already made adds its
        date and note to that coding."""
        b = self.b
        for row in rows:
            if bool(_cell(row, "quote").value) == bool(_cell(row, "segment").value):
                raise row.error("a coding names either a quote or a segment")
            kind = "quote" if _cell(row, "quote").value else "segment"
            local = row[kind].slug()
            target = b.ref(kind, row[kind])
            code = b.ref("code", row["code"])
            coder = b.ref("coder", row["coder"]) if _cell(row, "coder").value else None
            existing = b.iri("coding", f"{local}-{code.rsplit('/', 1)[-1]}")
            if coder is None and (existing, None, None) in b.g:
                self._describe_coding(existing, _cell(row, "created"), _cell(row, "note"))
                continue
            self._coding(target, local, code, coder, _cell(row, "created"), _cell(row, "note"))

    def segments(self, rows: list[Field]) -> None:
        b = self.b
        for row in rows:
            local = b.declare("segment", row["id"])
            node = b.iri("segment", local)
            b.add(node, RDF.type, PK.MediaSegment)
            b.add(node, PK.inStudy, self.study)
            b.add(node, OA.hasSource, b.ref("source", row["source"]))
            b.add(node, PK.position, Literal(row["position"].text()))
            b.label(node, f"Segment {local} ({row['position'].text()})")
            b.text(node, SKOS.note, _cell(row, "note"))
            if _cell(row, "codes").value:
                for code in b.refs("code", row["codes"], sep=";"):
                    self._coding(node, local, code, None, None, None)

    def evidence(self, rows: list[Field]) -> None:
        b = self.b
        for row in rows:
            quote_id = row["quote"].slug()
            if quote_id not in self.quote_iris:
                raise row["quote"].error(f"unknown quote '{quote_id}' (not in quotes.csv)")
            construct = b.ref("construct", row["construct"])
            node = b.iri("evidence", f"{quote_id}-{row['construct'].value}")
            if (node, None, None) in b.g:
                raise row["construct"].error(f"duplicate link of quote '{quote_id}' to this construct")
            stance = row["stance"].text()
            if stance not in STANCES:
                raise row["stance"].error(f"must be 'present' or 'lacking', not '{stance}'")
            b.add(node, RDF.type, PK.ConstructEvidence)
            b.add(node, PK.inStudy, self.study)
            b.add(node, PK.evidenceQuote, self.quote_iris[quote_id])
            b.add(node, PK.evidenceConstruct, construct)
            b.add(node, PK.stance, STANCES[stance])
            b.attribute(node, b.attribution(row["asserted_by"], ""))
            b.text(node, PK.basis, _cell(row, "basis"), lang=False)
            b.label(node, f"Quote {quote_id} as evidence on {row['construct'].value} ({stance})")

    def notes(self, rows: list[Field]) -> None:
        b = self.b
        for row in rows:
            local = b.declare("note", row["id"])
            node = b.iri("note", local)
            kind, sep, target = row["about"].text().partition(":")
            if not sep or kind not in NOTE_TARGETS:
                raise row["about"].error(f"expected KIND:ID with KIND one of {', '.join(NOTE_TARGETS)}"
                                         f", not {row['about'].value!r}")
            about = Field(target, row.file, row.line, row["about"].path, row.row_based)
            b.add(node, RDF.type, PK.Note)
            b.add(node, OA.motivatedBy, OA.commenting)
            b.add(node, OA.hasTarget, self.study if kind == "study" else b.ref(kind, about))
            b.add(node, OA.bodyValue, Literal(row["text"].text()))
            b.add(node, PK.inStudy, self.study)
            b.label(node, _cell(row, "label").text() or f"Note {local}")
            if _cell(row, "author").value:
                b.add(node, PROV.wasAttributedTo, b.ref("coder", row["author"]))
            if _cell(row, "created").value:
                b.add(node, DCTERMS.created, _datetime(row["created"]))


def _datetime(field: Field) -> Literal:
    """An ISO 8601 date-time (or date) cell as a typed literal."""
    text = field.text().strip()
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise field.error(f"expected an ISO 8601 date and time (e.g. 2024-05-01T14:30:00Z), "
                          f"not {text!r}") from None
    return Literal(value.isoformat(), datatype=XSD.dateTime)


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split()) or "attribute"


