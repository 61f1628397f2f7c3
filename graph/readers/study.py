"""Read a study package (docs/study-format.md) into the RDF graph of one study.

:func:`read_study` checks everything a user can get wrong (syntax, the JSON Schemas of the YAML
files, CSV columns, unknown or duplicate ids, quotes that are not the exact slice of their
source) and raises :class:`~peerkg.graph.base.errors.InputError` naming the file, line or row and
field, before anything reaches a store. Only ``study.yaml`` is required: a study can enter at
theme level, without quotes.

Who says what (docs/study-format.md, "Who says what"): every entity the paper reports (the
article, references, citations, sites, participant groups, analysis stages, agreement
measurements, themes, quotes, findings, conclusions, limitations, codes the paper names) is
attributed to the authors with PROV-O ``prov:wasAttributedTo``; what the project reconstructed
or read into the paper (codes, categories, codings, curated evidence, literature links) to the
project agent. A package's free text is the curator's own words unless the package says it is
the authors' (``words: authors``, on the file or the item: text carried over from the authors'
own QDA project, say); the curator's words on an entity of the authors are written as
``pk:projectSummary``, never as the authors' description or definition. Mappings to constructs
and themes and citation intents use properties the ontology marks ``pk:projectReading``. This
module reads the YAML sections; :mod:`.study_tables` reads the CSV files.
"""

from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.iris import CITO, DQV, FABIO, ORG, PK, PROJECT_AGENT, PROV
from peerkg.graph.base.iris import study_iri as _study_iri
from peerkg.graph.readers.builder import GraphBuilder
from peerkg.graph.readers.fields import Field, read_yaml
from peerkg.graph.readers.schema import check
from peerkg.graph.readers.study_tables import TABLE_FILES, read_tables
from peerkg.graph.readers.vocab import Vocab

BUNDLED = Path(__file__).parent.parent / "studies"
YAML_FILES = ("study.yaml", "codebook.yaml", "references.yaml")
DOC_SUFFIXES = (".md", ".txt", ".rst")  # notes for people, not read
REFERENCE_TYPES = {
    "article": FABIO.JournalArticle,
    "book": FABIO.Book,
    "report": FABIO.ReportDocument,
    "web": FABIO.WebPage,
}
ORGANISATION_KINDS = {"nhs-trust": PK.NHSTrust, "community-organisation": PK.CommunityOrganisation,
                      "health-service": ORG.Organization, "university": ORG.Organization,
                      "other": ORG.Organization}
# Site attributes that record a characteristic peerkg compares across studies.
SHARED_ATTRIBUTES = {
    "peer-worker-role": PK.peerWorkerRole,
    "service-aim": PK.serviceAim,
    "recruitment-approach": PK.recruitmentApproach,
    "terms-and-conditions": PK.termsAndConditions,
    "training": PK.training,
    "ongoing-support": PK.ongoingSupport,
}
STANCES = {"present": PK.present, "lacking": PK.lacking}
FINDING_KINDS = {"benefit": PK.benefit, "challenge": PK.challenge, "caveat": PK.caveat,
                 "other": PK.otherFinding}
AGREEMENT_UNITS = {"sections": PK.sectionsAgreed, "codes": PK.codesAgreed, "text": PK.textAgreed}
WORDS = ("project", "authors")  # whose words a package's free text is
# The CiTO citation intents declared in ontology/imports/w3c-shim.ttl.
INTENTS = (
    "cites", "citesAsAuthority", "citesAsEvidence", "citesAsRelated", "citesForInformation",
    "obtainsSupportFrom", "obtainsBackgroundFrom", "agreesWith", "disagreesWith", "confirms",
    "extends", "usesMethodIn", "usesDataFrom", "usesConceptualFrameworkOf", "discusses",
)


@dataclass
class Study:
    """One study read from its package: its id, its IRI (= its graph name) and its triples."""

    id: str
    iri: URIRef
    graph: object


def bundled_studies() -> list[Path]:
    """The study packages shipped with peerkg."""
    return sorted(p for p in BUNDLED.iterdir() if (p / "study.yaml").is_file())


def read_study(folder: Path, vocab: Vocab) -> Study:
    """Read the study package in ``folder``; shared ids are checked against ``vocab``."""
    folder = Path(folder)
    if not (folder / "study.yaml").is_file():
        raise InputError(
            "not a study package: there is no study.yaml in it (see docs/study-format.md)",
            str(folder),
        )
    _refuse_unknown_files(folder)
    return _Reader(folder, vocab).read()


def _refuse_unknown_files(folder: Path) -> None:
    """A misspelt file name would otherwise be silently left out."""
    known = (*YAML_FILES, *TABLE_FILES)
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix in DOC_SUFFIXES:
            continue
        if path.is_dir() and path.name == "sources":
            continue
        if path.name not in known:
            raise InputError(f"unknown file '{path.name}' in a study package (its files: "
                             f"{', '.join(known)}, and a sources/ folder)", str(folder))


def _short_authors(names: list[str]) -> str:
    """How a study is cited in text: 'Gillard', 'Gillard and Edwards', 'Gillard et al.'."""
    surnames = [name.split()[-1] for name in names]
    if len(surnames) > 2:
        return f"{surnames[0]} et al."
    return " and ".join(surnames)


def words_of(item: Field, default: str) -> str:
    """Whose words the free text of a file or an item is (its ``words``), or ``default``."""
    return item.get("words").value or default


def _optional_yaml(folder: Path, name: str, schema: str) -> Field:
    path = folder / name
    if not path.exists():
        return Field({}, name, 1, "")
    field = read_yaml(path)
    check(field, schema)
    return field


class _Reader:
    def __init__(self, folder: Path, vocab: Vocab):
        self.folder = folder
        self.vocab = vocab
        self.words = "project"  # whose words the free text of the file being read is

    def own_words(self, node, item: Field, key: str, attribution: str,
                  prop=DCTERMS.description) -> None:
        """The free text ``item[key]`` of an entity: ``prop`` when the entity and the words
        are one agent's, and ``pk:projectSummary`` (the project's words, never the authors')
        when the curator wrote about an entity of the authors. Whose words they are is the
        item's ``words``, else its file's, else the project's."""
        ours = attribution == "authors" and words_of(item, self.words) == "project"
        self.b.text(node, PK.projectSummary if ours else prop, item.get(key))

    def read(self) -> Study:
        meta = read_yaml(self.folder / "study.yaml")
        check(meta, "study")
        self.words = words_of(meta, "project")
        sid = meta["id"].slug()
        self.b = GraphBuilder(sid, {"stakeholder": self.vocab.stakeholders,
                                    "construct": self.vocab.constructs})
        self.study = _study_iri(sid)
        article = self._study(meta)
        references = _optional_yaml(self.folder, "references.yaml", "references")
        self._references(references, article)
        self._sites(meta)
        self._stakeholders(meta)
        self._participants(meta)
        self._analysis(meta)
        codebook = self._themes(meta)
        book = _optional_yaml(self.folder, "codebook.yaml", "codebook")
        study_words, self.words = self.words, words_of(book, "project")
        coding, attribution = self._codebook(book, codebook, article)
        self.words = study_words
        read_tables(self.folder, self.b, self.study, article, coding, attribution)
        self._links(references, article)
        self._outcomes(meta)
        return Study(sid, self.study, self.b.g)

    # -- the study and its publication ---------------------------------------------------------

    def _study(self, meta: Field) -> URIRef:
        b, s = self.b, self.study
        article = b.iri("article", b.sid)
        authors = meta.get("authors").items()
        year = meta.get("year")
        names = [a["name"].text() for a in authors]
        label = " ".join(p for p in (_short_authors(names), str(year.value or "")) if p) or b.sid
        b.add(s, RDF.type, PK.Study)
        b.label(s, label)
        b.add(s, DCTERMS.title, Literal(meta["title"].text(), lang="en"))
        b.add(s, PK.reportedIn, article)
        b.add(s, PROV.wasAssociatedWith, b.authors_agent)
        b.add(s, PK.accessLevel, PK[meta.get("access").value or "public"])
        b.add(b.authors_agent, RDF.type, PROV.Organization)
        b.label(b.authors_agent, f"{label} (the authors)")
        for person in [*authors, *meta.get("coders").items()]:
            node = b.iri("coder", b.declare("coder", person["id"]))
            b.add(node, RDF.type, PROV.Person)
            b.label(node, person["name"].text())
        self._design(meta.get("design"))
        self._provenance(meta.get("provenance"))
        b.add(article, RDF.type, FABIO.JournalArticle if meta.has("journal") else FABIO.Work)
        b.add(article, RDF.type, PK.Source)
        b.label(article, f"{label}, {meta['journal'].text()}" if meta.has("journal") else label)
        b.add(article, DCTERMS.title, Literal(meta["title"].text(), lang="en"))
        if names:
            b.add(article, PK.authorList, Literal(", ".join(names)))
        b.text(article, PK.venue, meta.get("journal"), lang=False)
        if year.value is not None:
            b.add(article, PK.publicationYear, Literal(year.value, datatype=XSD.integer))
        b.text(article, PK.volume, meta.get("volume"), lang=False)
        b.text(article, PK.pages, meta.get("article_number"), lang=False)
        b.text(article, PK.pages, meta.get("pages"), lang=False)
        b.text(article, PK.doi, meta.get("doi"), lang=False)
        if meta.has("url"):
            b.add(article, PK.url, Literal(meta["url"].text(), datatype=XSD.anyURI))
        if meta.has("license"):
            for node in (article, s):
                b.add(node, DCTERMS.license, URIRef(meta["license"].text()))
        if meta.has("published"):
            b.add(article, DCTERMS.issued, Literal(str(meta["published"].value), datatype=XSD.date))
        b.attribute(article, "authors")
        return article

    def _design(self, design: Field) -> None:
        b, s = self.b, self.study
        b.text(s, DCTERMS.description, design.get("summary"))
        for key, prop in (("method", PK.method), ("analysis", PK.analysisApproach),
                          ("setting", PK.setting)):
            b.text(s, prop, design.get(key), lang=False)
        b.text(s, PK.dataCollectionYears, design.get("years"), lang=False)
        for country in design.get("countries").items():
            b.add(s, PK.country, Literal(country.text()))

    def _provenance(self, provenance: Field) -> None:
        b, s = self.b, self.study
        b.text(s, PK.verbatimNote, provenance.get("verbatim"), lang=False)
        b.text(s, PK.readingNote, provenance.get("reading"), lang=False)
        for n, source in enumerate(provenance.get("sources").items(), 1):
            node = b.iri("package-source", str(n))
            b.add(node, RDF.type, PK.PackageSource)
            b.label(node, f"Source {n} of the {b.sid} package")
            b.add(node, PK.address, Literal(source["address"].text(), datatype=XSD.anyURI))
            b.text(node, DCTERMS.description, source.get("what"))
            b.text(node, PK.licenceStatement, source.get("license_line"), lang=False)
            b.add(s, PK.drawsOn, node)
            b.attribute(node, "project")

    def _references(self, refs: Field, article: URIRef) -> None:
        b = self.b
        numbers: set[int] = set()
        for item in refs.get("references").items():
            node = b.iri("reference", b.declare("reference", item["id"]))
            number = item["number"].count()
            if number in numbers:
                raise item["number"].error(f"duplicate reference number {number}")
            numbers.add(number)
            b.add(node, RDF.type, PK.Reference)
            b.add(node, RDF.type, REFERENCE_TYPES[item["type"].text()])
            b.add(node, PK.referenceNumber, Literal(number, datatype=XSD.integer))
            title = item["title"].text()
            b.add(node, DCTERMS.title, Literal(title))
            authors, year = item.get("authors"), item.get("year")
            short = authors.text() if authors.value else title
            b.label(node, f"[{number}] {short}" + (f" ({year.count()})" if year.value else ""))
            b.text(node, PK.authorList, authors, lang=False)
            if year.value is not None:
                b.add(node, PK.publicationYear, Literal(year.count(), datatype=XSD.integer))
            for key, prop in (("venue", PK.venue), ("volume", PK.volume), ("pages", PK.pages),
                              ("doi", PK.doi), ("publisher", DCTERMS.publisher),
                              ("place", PK.publisherPlace)):
                b.text(node, prop, item.get(key), lang=False)
            if item.has("url"):
                b.add(node, PK.url, Literal(item["url"].text(), datatype=XSD.anyURI))
            b.add(article, CITO.cites, node)
            b.attribute(node, "authors")

    # -- sites, stakeholder labels, participants -----------------------------------------------

    def _sites(self, meta: Field) -> None:
        b = self.b
        for org in meta.get("organisations").items():
            node = b.iri("organisation", b.declare("organisation", org["id"]))
            b.add(node, RDF.type, ORGANISATION_KINDS[org["kind"].text()])
            b.label(node, org["label"].text())
            b.text(node, SKOS.note, org.get("note"))
        attributes = {}
        for n, item in enumerate(meta.get("site_attributes").items(), 1):
            local = b.declare("attribute", item["id"])
            node = attributes[local] = b.iri("attribute", local)
            b.add(node, RDF.type, PK.Attribute)
            b.add(node, PK.order, Literal(n, datatype=XSD.integer))
            b.label(node, item["label"].text())
            b.text(node, DCTERMS.source, item.get("source"), lang=False)
            if item.has("shared"):
                shared = item["shared"].text()
                if shared not in SHARED_ATTRIBUTES:
                    raise item["shared"].error(f"unknown shared attribute '{shared}' (known: "
                                               f"{', '.join(SHARED_ATTRIBUTES)})")
                b.add(node, PK.sharedAttribute, SHARED_ATTRIBUTES[shared])
            b.attribute(node, "authors")
        for n, site in enumerate(meta.get("sites").items(), 1):
            local = b.declare("site", site["id"])
            node = b.iri("site", local)
            b.add(node, RDF.type, PK.Site)
            b.add(node, PK.order, Literal(n, datatype=XSD.integer))
            b.add(node, PK.inStudy, self.study)
            b.label(node, site["label"].text())
            b.attribute(node, "authors")
            self.own_words(node, site, "description", "authors")
            for key, prop in (("country", PK.country), ("sector", PK.sector),
                              ("service_type", PK.serviceType)):
                b.text(node, prop, site.get(key), lang=False)
            for org in b.refs("organisation", site.get("organisations", [])):
                b.add(node, ORG.siteOf, org)
            values = site.get("attributes")
            for key in values.value or {}:
                self._attribute_value(node, local, values.get(key), attributes)

    def _attribute_value(self, site: URIRef, site_id: str, value: Field, attributes: dict) -> None:
        b = self.b
        key = value.path.rsplit(".", 1)[-1]
        if key not in attributes:
            raise value.error(f"unknown attribute '{key}' (declared in site_attributes: "
                              f"{', '.join(attributes) or 'none'})")
        node = b.iri("attribute-value", f"{site_id}-{key}")
        b.add(node, RDF.type, PK.AttributeValue)
        b.add(node, PK.attribute, attributes[key])
        b.add(node, PK.valueText, Literal(value.text()))
        b.label(node, f"{b.g.value(attributes[key], RDFS.label)}: {value.text()}")
        b.add(site, PK.hasAttributeValue, node)
        shared = b.g.value(attributes[key], PK.sharedAttribute)
        if shared is not None:
            b.add(site, shared, Literal(value.text()))

    def _stakeholders(self, meta: Field) -> None:
        """The study's own stakeholder labels; quotes and counts may use them or shared ids."""
        b = self.b
        for item in meta.get("stakeholders").items():
            local = b.declare("stakeholder-label", item["id"])
            group = b.ref("stakeholder", item["group"])
            node = b.iri("stakeholder", local)
            b.add(node, RDF.type, PK.StudyStakeholderGroup)
            b.label(node, item["label"].text())
            b.add(node, PK.mapsToGroup, group)
            b.add(node, PK.inStudy, self.study)
            b.attribute(node, "authors")
            b.stakeholder_labels[local] = group

    def _participants(self, meta: Field) -> None:
        b = self.b
        participants = meta.get("participants")
        if participants.has("total"):
            b.add(self.study, PK.participantTotal,
                  Literal(participants["total"].count(), datatype=XSD.integer))
        counts = participants.get("counts")
        for site_id in counts.value or {}:
            by_group = counts.get(site_id)
            site = b.ref("site", Field(site_id, by_group.file, by_group.line, by_group.path))
            for group_id in by_group.value:
                self._participant_group(by_group.get(group_id), group_id, site_id, site)
        by_stakeholder = participants.get("by_stakeholder")
        for group_id in by_stakeholder.value or {}:
            self._participant_group(by_stakeholder.get(group_id), group_id, None, None)

    def _participant_group(self, n: Field, group_id: str, site_id: str | None, site) -> None:
        b = self.b
        group = b.stakeholder(Field(group_id, n.file, n.line, n.path))
        node = b.iri("participants", f"{site_id}-{group_id}" if site_id else group_id)
        b.add(node, RDF.type, PK.ParticipantGroup)
        b.add(node, PK.inStudy, self.study)
        if site is not None:
            b.add(node, PK.atSite, site)
        b.add(node, PK.stakeholderGroup, group)
        b.add(node, PK.participantCount, Literal(n.count(), datatype=XSD.integer))
        b.label(node, f"{site_id}, {group_id}" if site_id else group_id)
        b.attribute(node, "authors")

    # -- the analysis ----------------------------------------------------------------------------

    def _analysis(self, meta: Field) -> None:
        b = self.b
        self._primary_study(meta.get("primary_study"))
        analysis = meta.get("analysis")
        b.text(self.study, SKOS.note, analysis.get("approach"))
        for key, prop in (("provisional_categories", PK.provisionalCategoryCount),
                          ("refined_categories", PK.refinedCategoryCount)):
            if analysis.has(key):
                b.add(self.study, prop, Literal(analysis[key].count(), datatype=XSD.integer))
        for stage in analysis.get("stages").items():
            n = stage["n"].count()
            node = b.iri("stage", str(n))
            b.add(node, RDF.type, PK.AnalysisStage)
            b.add(node, PK.inStudy, self.study)
            b.add(node, PK.stageNumber, Literal(n, datatype=XSD.integer))
            b.label(node, stage["label"].text())
            self.own_words(node, stage, "summary", "authors")
            b.attribute(node, "authors")
            for coder in b.refs("coder", stage.get("coders", [])):
                b.add(node, PROV.wasAssociatedWith, coder)
                b.add(coder, RDF.type, PK.Coder)
            for person in b.refs("coder", stage.get("contributors", [])):
                b.add(node, PK.contributor, person)
        for i, item in enumerate(analysis.get("agreement").items(), 1):
            self._agreement(f"a{i}", item)

    def _primary_study(self, primary: Field) -> None:
        if not primary.value:
            return
        b = self.b
        node = b.iri("study", "primary")
        b.add(node, RDF.type, PK.Study)
        b.label(node, f"Primary study of {b.g.value(self.study, RDFS.label)}")
        b.add(self.study, PK.secondaryAnalysisOf, node)
        b.text(node, DCTERMS.description, primary.get("summary"))
        if primary.has("reference"):
            b.add(node, PK.reportedIn, b.ref("reference", primary["reference"]))
        for n, item in enumerate(primary.get("counts").items(), 1):
            count = b.iri("count", f"primary-{n}")
            b.add(count, RDF.type, PK.ReportedCount)
            b.label(count, item["label"].text())
            b.add(count, PK.countValue, Literal(item["n"].count(), datatype=XSD.integer))
            b.add(node, PK.hasReportedCount, count)
        scheme = b.iri("codebook", "primary")
        b.add(scheme, RDF.type, PK.Codebook)
        b.label(scheme, "Themes of the primary study")
        b.add(scheme, PK.inStudy, node)
        for theme in primary.get("themes").items():
            t = b.iri("theme", b.declare("theme", theme["id"]))
            b.add(t, RDF.type, PK.Theme)
            b.label(t, theme["label"].text(), concept=True)
            b.add(t, SKOS.inScheme, scheme)
            b.add(t, PK.inStudy, node)
            b.add(self.study, PROV.used, t)
            b.attribute(t, "authors")

    def _agreement(self, local: str, item: Field) -> None:
        b = self.b
        coders = b.refs("coder", item.get("coders", []))
        if item.has("reference") == bool(coders):
            raise item.error("an agreement names either this study's 'coders' or a 'reference' "
                             "(a work whose agreement the paper reports), not both or neither")
        node = b.iri("agreement", local)
        on = b.ref("reference", item["reference"]) if item.has("reference") else self.study
        if item.has("reference"):
            b.add(self.study, PK.comparedWith, on)
        compared = item["coders_compared"].count() if item.has("coders_compared") else len(coders)
        agreeing = item["coders_agreeing"].count() if item.has("coders_agreeing") else compared
        percent = item["percent"].number()
        unit = item["unit"].text()
        b.add(node, RDF.type, PK.AgreementMeasurement)
        b.add(node, DQV.isMeasurementOf, PK.percentAgreement)
        b.add(node, PK.agreementUnit, AGREEMENT_UNITS[unit])
        b.add(node, DQV.computedOn, on)
        # "74", not "74.0": the canonical form Oxigraph stores
        b.add(node, DQV.value, Literal(str(percent).removesuffix(".0"), datatype=XSD.decimal))
        b.add(node, PK.codersCompared, Literal(compared, datatype=XSD.integer))
        b.add(node, PK.codersAgreeing, Literal(agreeing, datatype=XSD.integer))
        if item.has("sections"):
            b.add(node, PK.sectionsCompared, Literal(item["sections"].count(), datatype=XSD.integer))
        b.add(node, PK.inStudy, self.study)
        b.attribute(node, "authors")
        for coder in coders:
            b.add(node, PK.coderOf, coder)
        b.label(node, f"{agreeing} of {compared} coders agree on {item['percent'].value}% of {unit}")

    # -- themes, codebook, literature links, outcomes -------------------------------------------

    def _themes(self, meta: Field) -> URIRef:
        """The study's themes in its codebook (a SKOS concept scheme), which it returns."""
        b = self.b
        codebook = b.iri("codebook", b.sid)
        b.add(codebook, RDF.type, PK.Codebook)
        b.add(codebook, PK.inStudy, self.study)
        b.label(codebook, f"Codebook of {b.g.value(self.study, RDFS.label)}")
        themes = meta.get("themes").items()
        for n, theme in enumerate(themes, 1):
            node = b.iri("theme", b.declare("theme", theme["id"]))
            b.add(node, RDF.type, PK.Theme)
            b.add(node, PK.inStudy, self.study)
            b.label(node, theme["label"].text(), concept=True)
            b.add(node, SKOS.inScheme, codebook)
            order = theme["order"].count() if theme.has("order") else n
            b.add(node, PK.order, Literal(order, datatype=XSD.integer))
            self.own_words(node, theme, "summary", "authors")
            b.attribute(node, "authors")
        for theme in themes:
            node = b.iri("theme", theme["id"].value)
            if theme.has("parent"):
                b.add(node, SKOS.broader, b.ref("theme", theme["parent"]))
            else:
                b.add(codebook, SKOS.hasTopConcept, node)
            for item in theme.get("constructs").items():
                self._theme_evidence(theme["id"].value, node, item)
        return codebook

    def _theme_evidence(self, theme_id: str, theme: URIRef, item: Field) -> None:
        b = self.b
        construct = b.ref("construct", item["construct"])
        node = b.iri("evidence", f"theme-{theme_id}-{item['construct'].value}")
        if (node, None, None) in b.g:
            raise item["construct"].error(f"duplicate link of theme '{theme_id}' to this construct")
        b.add(node, RDF.type, PK.ConstructEvidence)
        b.add(node, PK.inStudy, self.study)
        b.add(node, PK.evidenceTheme, theme)
        b.add(node, PK.evidenceConstruct, construct)
        stance = item.get("stance").value
        if stance:
            b.add(node, PK.stance, STANCES[stance])
        b.attribute(node, item["asserted_by"].text())
        b.text(node, PK.basis, item.get("basis"), lang=False)
        name = self.vocab.graph.value(construct, RDFS.label)
        b.label(node, f"Theme {theme_id} as evidence on {name}" + (f" ({stance})" if stance else ""))

    def _codebook(self, book: Field, codebook: URIRef, article: URIRef) -> tuple[URIRef, str]:
        """Categories and codes; returns the activity that made the codings of quotes.csv's
        ``codes`` column, and who they are attributed to (the codebook's default)."""
        b = self.b
        default = b.attribution(book.get("attribution"), "project")
        for cat in book.get("categories").items():
            node = b.iri("category", b.declare("category", cat["id"]))
            b.add(node, RDF.type, PK.Category)
            self._concept(node, cat, codebook, default)
        codes = book.get("codes").items()
        for code in codes:
            b.declare("code", code["id"])
        for code in codes:
            node = b.iri("code", code["id"].value)
            b.add(node, RDF.type, PK.Code)
            self._concept(node, code, codebook, default)
            if code.has("category"):
                b.add(node, SKOS.broader, b.ref("category", code["category"]))
            if code.has("parent"):
                b.add(node, SKOS.broader, b.ref("code", code["parent"]))
            for construct in b.refs("construct", code.get("constructs", [])):
                b.add(node, PK.relatesToConstruct, construct)
            b.text(node, DCTERMS.source, code.get("source"))
        activity = b.iri("activity", "coding")
        b.add(activity, RDF.type, PROV.Activity)
        b.label(activity, "Coding of the quotes to the codebook's codes")
        b.add(activity, PROV.wasAssociatedWith, PROJECT_AGENT if default == "project" else b.authors_agent)
        b.add(activity, PROV.used, article)
        return activity, default

    def _concept(self, node: URIRef, item: Field, codebook: URIRef, default: str) -> None:
        b = self.b
        attribution = b.attribution(item.get("attribution"), default)
        b.add(node, PK.inStudy, self.study)
        b.label(node, item["label"].text(), concept=True)
        self.own_words(node, item, "definition", attribution, SKOS.definition)
        b.text(node, SKOS.note, item.get("note"))
        b.add(node, SKOS.inScheme, codebook)
        b.attribute(node, attribution)

    def _links(self, refs: Field, article: URIRef) -> None:
        """Each link is two entities: the authors' citation (the paper cites these works, in
        this section) and the project's reading of it (intent, constructs, themes, summary)."""
        b = self.b
        for link in refs.get("links").items():
            local = b.declare("link", link["id"])
            works = b.refs("reference", link["references"])
            numbers = ", ".join(str(b.g.value(w, PK.referenceNumber)) for w in works)
            citation = b.iri("citation", local)
            b.add(citation, RDF.type, PK.Citation)
            b.add(citation, PK.inStudy, self.study)
            b.text(citation, PK.inSection, link.get("section"), lang=False)
            section = link.get("section").value
            b.label(citation, f"Citation of [{numbers}]" + (f" in {section}" if section else ""))
            b.attribute(citation, "authors")
            node = b.iri("link", local)
            b.add(node, RDF.type, PK.LiteratureLink)
            b.add(node, PK.inStudy, self.study)
            b.add(node, PROV.wasDerivedFrom, citation)
            b.text(node, DCTERMS.description, link.get("summary"))
            intent_name = link["intent"].text()
            if intent_name not in INTENTS:
                raise link["intent"].error(
                    f"unknown CiTO intent '{intent_name}' (use one of {', '.join(INTENTS)})")
            b.add(node, PK.citationIntent, CITO[intent_name])
            b.attribute(node, "project")
            for work in works:
                b.add(citation, PK.citesReference, work)
                b.add(node, PK.citesReference, work)
            for construct in b.refs("construct", link.get("constructs", [])):
                b.add(node, PK.aboutConstruct, construct)
            for theme in b.refs("theme", link.get("themes", [])):
                b.add(node, PK.aboutTheme, theme)
            b.label(node, f"Literature link {link['id'].value} (the project's reading): "
                          f"{intent_name} [{numbers}]")

    def _outcomes(self, meta: Field) -> None:
        b = self.b
        for key, kind, cls in (("findings", "finding", PK.Finding),
                               ("conclusions", "recommendation", PK.Recommendation),
                               ("limitations", "limitation", PK.Limitation)):
            for n, item in enumerate(meta.get(key).items(), 1):
                node = b.iri(kind, b.declare(kind, item["id"]))
                b.add(node, RDF.type, cls)
                b.add(node, PK.inStudy, self.study)
                order = item["order"].count() if item.has("order") else n
                b.add(node, PK.order, Literal(order, datatype=XSD.integer))
                self.own_words(node, item, "summary", "authors")
                b.label(node, f"{kind.capitalize()} {order}")
                b.attribute(node, "authors")
                b.text(node, DCTERMS.source, item.get("source"), lang=False)
                if item.has("kind"):
                    b.add(node, PK.findingKind, FINDING_KINDS[item["kind"].text()])
                for theme in b.refs("theme", item.get("themes", [])):
                    b.add(node, PK.aboutTheme, theme)
                for construct in b.refs("construct", item.get("constructs", [])):
                    b.add(node, PK.aboutConstruct, construct)

