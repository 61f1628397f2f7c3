"""Read a study package (docs/study-format.md) into the RDF graph of one study.

:func:`read_study` checks everything a user can get wrong (syntax, missing fields and columns,
unknown or duplicate ids) and raises :class:`~peerkg.graph.base.errors.InputError` naming the file,
line or row and field, before anything reaches a store. What the authors reported is attributed
to them; what the project reconstructed (codes, categories, codings, curated links) to the
project agent, with PROV-O.
"""

from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.iris import (
    ACCESS_LEVELS,
    ACCESS_RIGHTS,
    CITO,
    DQV,
    FABIO,
    OA,
    ORG,
    PK,
    PROJECT_AGENT,
    PROV,
    RESTRICTED,
    entity,
    shared,
)
from peerkg.graph.base.iris import study_iri as _study_iri
from peerkg.graph.readers.fields import Field, read_csv, read_yaml
from peerkg.graph.readers.vocab import Vocab

BUNDLED = Path(__file__).parent.parent / "studies"
QUOTE_COLUMNS = ["id", "site", "stakeholder", "attribution", "theme", "codes", "text"]
EVIDENCE_COLUMNS = ["quote", "construct", "stance", "asserted_by", "basis"]
REFERENCE_TYPES = {
    "article": FABIO.JournalArticle,
    "book": FABIO.Book,
    "report": FABIO.ReportDocument,
    "web": FABIO.WebPage,
}
ORGANISATION_KINDS = {"nhs-trust": PK.NHSTrust, "community-organisation": PK.CommunityOrganisation}
IRI_KINDS = {"coder": "agent"}  # coders are agents: people, or the project
STANCES = {"present": PK.present, "lacking": PK.lacking}
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
    graph: Graph


def _short_authors(names: list[str]) -> str:
    """How a study is cited in text: 'Gillard', 'Gillard and Edwards', 'Gillard et al.'."""
    surnames = [name.split()[-1] for name in names]
    if len(surnames) > 2:
        return f"{surnames[0]} et al."
    return " and ".join(surnames)


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
    return _Reader(folder, vocab).read()


class _Reader:
    def __init__(self, folder: Path, vocab: Vocab):
        self.folder = folder
        self.vocab = vocab
        self.g = Graph()
        self.ids: dict[str, set[str]] = {}

    # -- helpers ---------------------------------------------------------------------------

    def iri(self, kind: str, local: str) -> URIRef:
        return entity(self.sid, kind, local)

    def declare(self, kind: str, field: Field) -> str:
        """Record a new id of ``kind``; a duplicate is an error at its own line."""
        local = field.slug()
        seen = self.ids.setdefault(kind, set())
        if local in seen:
            raise field.error(f"duplicate {kind} id '{local}'")
        seen.add(local)
        return local

    def ref(self, kind: str, field: Field, many: bool = False, sep: str | None = None):
        """Resolve one id (or a list of ids) of ``kind`` to IRIs, or fail naming the field."""
        locals_ = field.slugs(sep) if many else [field.slug()]
        vocabulary = {"stakeholder": self.vocab.stakeholders, "construct": self.vocab.constructs}
        known = vocabulary[kind] if kind in vocabulary else self.ids.get(kind, set())
        for local in locals_:
            if local not in known:
                choices = ", ".join(sorted(known)) or "none defined"
                raise field.error(f"unknown {kind} '{local}' (known: {choices})")
        if kind in vocabulary:
            iris = [shared(kind, local) for local in locals_]
        else:
            iris = [self.iri(IRI_KINDS.get(kind, kind), local) for local in locals_]
        return iris if many else iris[0]

    def add(self, s, p, o) -> None:
        self.g.add((s, p, o))

    def label(self, node, text: str, concept: bool = False) -> None:
        self.add(node, RDFS.label, Literal(text, lang="en"))
        if concept:
            self.add(node, SKOS.prefLabel, Literal(text, lang="en"))

    def text(self, node, prop, field: Field, lang: bool = True) -> None:
        if field.value not in (None, ""):
            self.add(node, prop, Literal(field.text(), lang="en" if lang else None))

    def attribute(self, node, attribution: str) -> None:
        agent = PROJECT_AGENT if attribution == "project" else self.authors_agent
        self.add(node, PROV.wasAttributedTo, agent)

    def attribution(self, field: Field, default: str) -> str:
        value = field.value if field.value is not None else default
        if value not in ("authors", "project"):
            raise field.error(f"must be 'authors' or 'project', not {value!r}")
        return value

    # -- the package -----------------------------------------------------------------------

    def read(self) -> Study:
        meta = read_yaml(self.folder / "study.yaml")
        self.sid = meta["id"].slug()
        self.study = _study_iri(self.sid)
        self.authors_agent = self.iri("agent", "authors")
        self._study(meta)
        references = read_yaml(self.folder / "references.yaml")
        self._references(references)
        self._sites(meta)
        self._analysis(meta)
        self._themes(meta)
        self._codebook(read_yaml(self.folder / "codebook.yaml"))
        self._quotes(read_csv(self.folder / "quotes.csv", QUOTE_COLUMNS))
        self._evidence(read_csv(self.folder / "evidence.csv", EVIDENCE_COLUMNS))
        self._links(references)
        self._outcomes(meta)
        return Study(self.sid, self.study, self.g)

    def _study(self, meta: Field) -> None:
        s, article = self.study, self.iri("article", self.sid)
        authors = meta["authors"].items()
        year = meta["year"].count()
        label = f"{_short_authors([a['name'].text() for a in authors]) or self.sid} {year}"
        self.add(s, RDF.type, PK.Study)
        self.label(s, label)
        self.add(s, DCTERMS.title, Literal(meta["title"].text(), lang="en"))
        self.text(s, DCTERMS.description, meta.get("design"))
        self.add(s, PK.reportedIn, article)
        self.add(s, PROV.wasAssociatedWith, self.authors_agent)
        access = meta.get("access")
        if access.value is not None and access.text() not in ACCESS_LEVELS:
            raise access.error(f"must be {' or '.join(ACCESS_LEVELS)}, not {access.value!r}")
        if access.value == "restricted":
            self.add(s, ACCESS_RIGHTS, RESTRICTED)
        self.add(self.authors_agent, RDF.type, PROV.Organization)
        self.label(self.authors_agent, f"{label} (the authors)")
        for author in authors:
            person = self.iri(IRI_KINDS["coder"], self.declare("coder", author["id"]))
            self.add(person, RDF.type, PROV.Person)
            self.add(person, RDF.type, PK.Coder)
            self.label(person, author["name"].text())
        self.add(article, RDF.type, FABIO.JournalArticle)
        self.add(article, RDF.type, PK.Source)
        self.label(article, f"{label}, {meta['journal'].text()}")
        self.add(article, DCTERMS.title, Literal(meta["title"].text(), lang="en"))
        names = ", ".join(a["name"].text() for a in authors)
        self.add(article, PK.authorList, Literal(names))
        self.add(article, PK.venue, Literal(meta["journal"].text()))
        self.add(article, PK.publicationYear, Literal(year, datatype=XSD.integer))
        self.text(article, PK.volume, meta.get("volume"), lang=False)
        self.text(article, PK.pages, meta.get("article_number"), lang=False)
        self.text(article, PK.doi, meta.get("doi"), lang=False)
        if meta.has("license"):
            self.add(article, DCTERMS.license, URIRef(meta["license"].text()))
            self.add(s, DCTERMS.license, URIRef(meta["license"].text()))
        if meta.has("published"):
            self.add(article, DCTERMS.issued, Literal(str(meta["published"].value), datatype=XSD.date))
        self.add(article, PROV.wasAttributedTo, self.authors_agent)
        self.article = article

    def _references(self, refs: Field) -> None:
        numbers: set[int] = set()
        for item in refs["references"].items():
            node = self.iri("reference", self.declare("reference", item["id"]))
            number = item["number"].count()
            if number in numbers:
                raise item["number"].error(f"duplicate reference number {number}")
            numbers.add(number)
            kind = item["type"].text()
            if kind not in REFERENCE_TYPES:
                raise item["type"].error(f"unknown type '{kind}' (use {', '.join(REFERENCE_TYPES)})")
            self.add(node, RDF.type, PK.Reference)
            self.add(node, RDF.type, REFERENCE_TYPES[kind])
            self.add(node, PK.referenceNumber, Literal(number, datatype=XSD.integer))
            title = item["title"].text()
            self.add(node, DCTERMS.title, Literal(title))
            authors = item.get("authors")
            year = item.get("year")
            short = authors.text() if authors.value else title
            self.label(node, f"[{number}] {short}" + (f" ({year.count()})" if year.value else ""))
            self.text(node, PK.authorList, authors, lang=False)
            if year.value is not None:
                self.add(node, PK.publicationYear, Literal(year.count(), datatype=XSD.integer))
            for key, prop in (("venue", PK.venue), ("volume", PK.volume), ("pages", PK.pages),
                              ("doi", PK.doi), ("publisher", DCTERMS.publisher),
                              ("place", PK.publisherPlace)):
                self.text(node, prop, item.get(key), lang=False)
            if item.has("url"):
                self.add(node, PK.url, Literal(item["url"].text(), datatype=XSD.anyURI))
            self.add(self.article, CITO.cites, node)

    def _sites(self, meta: Field) -> None:
        for org in meta.get("organisations").items():
            node = self.iri("organisation", self.declare("organisation", org["id"]))
            kind = org["kind"].text()
            if kind not in ORGANISATION_KINDS:
                raise org["kind"].error(f"unknown kind '{kind}' (use {', '.join(ORGANISATION_KINDS)})")
            self.add(node, RDF.type, ORGANISATION_KINDS[kind])
            self.label(node, org["label"].text())
            self.text(node, SKOS.note, org.get("note"))
        table1 = (("peer_worker_role", PK.peerWorkerRole), ("aim", PK.serviceAim),
                  ("recruitment", PK.recruitmentApproach), ("terms", PK.termsAndConditions),
                  ("training", PK.training), ("support", PK.ongoingSupport))
        for n, site in enumerate(meta["sites"].items(), 1):
            node = self.iri("site", self.declare("site", site["id"]))
            self.add(node, RDF.type, PK.Site)
            self.add(node, PK.order, Literal(n, datatype=XSD.integer))
            self.add(node, PK.inStudy, self.study)
            self.label(node, site["label"].text())
            self.text(node, DCTERMS.description, site.get("description"))
            for org in self.ref("organisation", site.get("organisations", []), many=True):
                self.add(node, ORG.siteOf, org)
            for key, prop in table1:
                self.text(node, prop, site.get(key), lang=False)
        participants = meta["participants"]
        self.add(self.study, PK.participantTotal,
                 Literal(participants["total"].count(), datatype=XSD.integer))
        counts = participants["counts"]
        if not isinstance(counts.value, dict):
            raise counts.error("expected a mapping of site id to counts per stakeholder group")
        for site_id in counts.value:
            by_group = counts.get(site_id)
            site = self.ref("site", Field(site_id, by_group.file, by_group.line, by_group.path))
            if not isinstance(by_group.value, dict):
                raise by_group.error("expected a mapping of stakeholder group id to a count")
            for group_id in by_group.value:
                n = by_group.get(group_id)
                group = self.ref("stakeholder", Field(group_id, n.file, n.line, n.path))
                node = self.iri("participants", f"{site_id}-{group_id}")
                self.add(node, RDF.type, PK.ParticipantGroup)
                self.add(node, PK.inStudy, self.study)
                self.add(node, PK.atSite, site)
                self.add(node, PK.stakeholderGroup, group)
                self.add(node, PK.participantCount, Literal(n.count(), datatype=XSD.integer))
                self.label(node, f"{site_id}, {group_id}")

    def _analysis(self, meta: Field) -> None:
        primary = meta.get("primary_study")
        if primary.value:
            node = self.iri("study", "primary")
            self.add(node, RDF.type, PK.Study)
            self.label(node, f"Primary study of {self.g.value(self.study, RDFS.label)}")
            self.add(self.study, PK.secondaryAnalysisOf, node)
            self.text(node, DCTERMS.description, primary.get("summary"))
            if primary.has("reference"):
                self.add(node, PK.reportedIn, self.ref("reference", primary["reference"]))
            for key, prop in (("service_users_interviewed", PK.serviceUsersInterviewed),
                              ("staff_interviewed", PK.staffInterviewed)):
                if primary.has(key):
                    value = primary[key].count()
                    self.add(node, prop, Literal(value, datatype=XSD.integer))
            scheme = self.iri("codebook", "primary")
            self.add(scheme, RDF.type, PK.Codebook)
            self.label(scheme, "Themes of the primary study")
            self.add(scheme, PK.inStudy, node)
            for theme in primary.get("themes").items():
                t = self.iri("theme", self.declare("theme", theme["id"]))
                self.add(t, RDF.type, PK.Theme)
                self.label(t, theme["label"].text(), concept=True)
                self.add(t, SKOS.inScheme, scheme)
                self.add(t, PK.inStudy, node)
                self.add(self.study, PROV.used, t)
        analysis = meta.get("analysis")
        if not analysis.value:
            return
        self.text(self.study, SKOS.note, analysis.get("approach"))
        for key, prop in (("provisional_categories", PK.provisionalCategoryCount),
                          ("refined_categories", PK.refinedCategoryCount)):
            if analysis.has(key):
                value = analysis[key].count()
                self.add(self.study, prop, Literal(value, datatype=XSD.integer))
        for stage in analysis.get("stages").items():
            n = stage["n"].count()
            node = self.iri("stage", str(n))
            self.add(node, RDF.type, PK.AnalysisStage)
            self.add(node, PK.inStudy, self.study)
            self.add(node, PK.stageNumber, Literal(n, datatype=XSD.integer))
            self.label(node, stage["label"].text())
            self.text(node, DCTERMS.description, stage.get("summary"))
            for coder in self.ref("coder", stage.get("coders", []), many=True):
                self.add(node, PROV.wasAssociatedWith, coder)
        sections = analysis.get("sections_compared")
        for i, item in enumerate(analysis.get("agreement").items(), 1):
            coders = self.ref("coder", item["coders"], many=True)
            node = self._agreement(f"a{i}", self.study, item["percent"], len(coders), len(coders))
            if sections.value is not None:
                self.add(node, PK.sectionsCompared, Literal(sections.count(), datatype=XSD.integer))
            for coder in coders:
                self.add(node, PK.coderOf, coder)
        comparison = analysis.get("comparison")
        if comparison.value:
            work = self.ref("reference", comparison["reference"])
            self.add(self.study, PK.comparedWith, work)
            coders = comparison["coders"].count()
            for i, item in enumerate(comparison.get("agreement").items(), 1):
                node = self._agreement(f"comparison-{i}", work, item["percent"], coders,
                                       item["coders_agreeing"].count())
                if comparison.has("sections"):
                    self.add(node, PK.sectionsCompared,
                             Literal(comparison["sections"].count(), datatype=XSD.integer))

    def _agreement(self, local: str, on, percent: Field, compared: int, agreeing: int):
        node = self.iri("agreement", local)
        value = percent.number()
        if not 0 <= value <= 100:
            raise percent.error(f"a percentage must be between 0 and 100, found {value}")
        self.add(node, RDF.type, PK.AgreementMeasurement)
        self.add(node, DQV.isMeasurementOf, PK.percentAgreement)
        self.add(node, DQV.computedOn, on)
        # "74", not "74.0": the canonical form Oxigraph stores
        self.add(node, DQV.value, Literal(str(value).removesuffix(".0"), datatype=XSD.decimal))
        self.add(node, PK.codersCompared, Literal(compared, datatype=XSD.integer))
        self.add(node, PK.codersAgreeing, Literal(agreeing, datatype=XSD.integer))
        self.add(node, PK.inStudy, self.study)
        self.label(node, f"{agreeing} of {compared} coders agree on {percent.value}%")
        return node

    def _themes(self, meta: Field) -> None:
        self.codebook = self.iri("codebook", self.sid)
        self.add(self.codebook, RDF.type, PK.Codebook)
        self.add(self.codebook, PK.inStudy, self.study)
        self.label(self.codebook, f"Codebook of {self.g.value(self.study, RDFS.label)}")
        for theme in meta["themes"].items():
            node = self.iri("theme", self.declare("theme", theme["id"]))
            self.add(node, RDF.type, PK.Theme)
            self.add(node, PK.inStudy, self.study)
            self.label(node, theme["label"].text(), concept=True)
            self.add(node, SKOS.inScheme, self.codebook)
            self.add(self.codebook, SKOS.hasTopConcept, node)
            self.add(node, PK.order, Literal(theme["order"].count(), datatype=XSD.integer))
            self.text(node, DCTERMS.description, theme.get("summary"))
            self.attribute(node, "authors")

    def _codebook(self, book: Field) -> None:
        default = self.attribution(book.get("attribution"), "project")
        for cat in book["categories"].items():
            node = self.iri("category", self.declare("category", cat["id"]))
            self.add(node, RDF.type, PK.Category)
            self.add(node, PK.inStudy, self.study)
            self.label(node, cat["label"].text(), concept=True)
            self.add(node, SKOS.definition, Literal(cat["definition"].text(), lang="en"))
            self.add(node, SKOS.inScheme, self.codebook)
            self.attribute(node, self.attribution(cat.get("attribution"), default))
        for code in book["codes"].items():
            node = self.iri("code", self.declare("code", code["id"]))
            self.add(node, RDF.type, PK.Code)
            self.add(node, PK.inStudy, self.study)
            self.label(node, code["label"].text(), concept=True)
            self.add(node, SKOS.definition, Literal(code["definition"].text(), lang="en"))
            self.add(node, SKOS.inScheme, self.codebook)
            self.add(node, SKOS.broader, self.ref("category", code["category"]))
            for construct in self.ref("construct", code.get("constructs", []), many=True):
                self.add(node, PK.relatesToConstruct, construct)
            self.attribute(node, self.attribution(code.get("attribution"), default))
            self.text(node, DCTERMS.source, code.get("source"))
        self.coding_activity = self.iri("activity", "reconstruction")
        self.add(self.coding_activity, RDF.type, PROV.Activity)
        self.label(self.coding_activity, "peerkg reconstruction of codes and codings")
        self.add(self.coding_activity, PROV.wasAssociatedWith, PROJECT_AGENT)
        self.add(self.coding_activity, PROV.used, self.article)

    def _quotes(self, rows: list[Field]) -> None:
        self.quote_ids = {}
        for n, row in enumerate(rows, 1):
            local = self.declare("quote", row["id"])
            node = self.iri("quote", local)
            self.quote_ids[local] = node
            selector = self.iri("selector", local)
            self.add(node, RDF.type, PK.Quote)
            self.add(node, PK.inStudy, self.study)
            self.add(node, PK.order, Literal(n, datatype=XSD.integer))
            self.add(node, OA.hasSource, self.article)
            self.add(node, OA.hasSelector, selector)
            self.add(selector, RDF.type, OA.TextQuoteSelector)
            self.add(selector, OA.exact, Literal(row["text"].text()))
            self.add(node, PK.atSite, self.ref("site", row["site"]))
            self.add(node, PK.stakeholderGroup, self.ref("stakeholder", row["stakeholder"]))
            self.add(node, PK.inTheme, self.ref("theme", row["theme"]))
            printed = row["attribution"].text()
            self.add(node, PK.attributionLabel, Literal(printed))
            self.label(node, f"Quote {local} ({printed})")
            self.attribute(node, "authors")
            codes = self.ref("code", row["codes"], many=True, sep=";")
            if not codes:
                raise row["codes"].error("every quote needs at least one code")
            for code in codes:
                coding = self.iri("coding", f"{local}-{code.rsplit('/', 1)[-1]}")
                self.add(coding, RDF.type, PK.Coding)
                self.add(coding, OA.motivatedBy, OA.classifying)
                self.add(coding, OA.hasBody, code)
                self.add(coding, OA.hasTarget, node)
                self.add(coding, PROV.wasAttributedTo, PROJECT_AGENT)
                self.add(coding, PROV.wasGeneratedBy, self.coding_activity)
                self.label(coding, f"Coding of quote {local} as '{self.g.value(code, SKOS.prefLabel)}'")

    def _evidence(self, rows: list[Field]) -> None:
        seen = set()
        for row in rows:
            quote_id = row["quote"].slug()
            if quote_id not in self.quote_ids:
                raise row["quote"].error(f"unknown quote '{quote_id}' (not in quotes.csv)")
            construct = self.ref("construct", row["construct"])
            key = (quote_id, row["construct"].value)
            if key in seen:
                raise row["construct"].error(f"duplicate link of quote '{quote_id}' to this construct")
            seen.add(key)
            stance = row["stance"].text()
            if stance not in STANCES:
                raise row["stance"].error(f"must be 'present' or 'lacking', not '{stance}'")
            asserted = self.attribution(row["asserted_by"], "")
            node = self.iri("evidence", f"{quote_id}-{row['construct'].value}")
            name = self.vocab.graph.value(construct, RDFS.label)
            self.label(node, f"Quote {quote_id} as evidence on {name} ({stance})")
            self.add(node, RDF.type, PK.ConstructEvidence)
            self.add(node, PK.inStudy, self.study)
            self.add(node, PK.evidenceQuote, self.quote_ids[quote_id])
            self.add(node, PK.evidenceConstruct, construct)
            self.add(node, PK.stance, STANCES[stance])
            self.attribute(node, asserted)
            self.text(node, PK.basis, row.get("basis"), lang=False)

    def _links(self, refs: Field) -> None:
        for link in refs.get("links").items():
            node = self.iri("link", self.declare("link", link["id"]))
            self.add(node, RDF.type, PK.LiteratureLink)
            self.add(node, PK.inStudy, self.study)
            self.text(node, DCTERMS.description, link.get("summary"))
            self.text(node, DCTERMS.source, link.get("section"), lang=False)
            intent_name = link["intent"].text()
            if intent_name not in INTENTS:
                raise link["intent"].error(
                    f"unknown CiTO intent '{intent_name}' (use one of {', '.join(INTENTS)})")
            intent = CITO[intent_name]
            self.add(node, PK.citationIntent, intent)
            self.attribute(node, "authors")
            for work in self.ref("reference", link["references"], many=True):
                self.add(node, PK.citesReference, work)
                self.add(self.article, intent, work)
            for construct in self.ref("construct", link.get("constructs", []), many=True):
                self.add(node, PK.aboutConstruct, construct)
            for theme in self.ref("theme", link.get("themes", []), many=True):
                self.add(node, PK.aboutTheme, theme)
            numbers = ", ".join(str(self.g.value(w, PK.referenceNumber)) for w in
                                self.ref("reference", link["references"], many=True))
            self.label(node, f"Literature link {link['id'].value}: {intent_name} [{numbers}]")

    def _outcomes(self, meta: Field) -> None:
        for key, kind, cls in (("findings", "finding", PK.Finding),
                               ("conclusions", "recommendation", PK.Recommendation)):
            for n, item in enumerate(meta.get(key).items(), 1):
                node = self.iri(kind, self.declare(kind, item["id"]))
                self.add(node, RDF.type, cls)
                self.add(node, PK.inStudy, self.study)
                order = item["order"].count() if item.has("order") else n
                self.add(node, PK.order, Literal(order, datatype=XSD.integer))
                summary = item["summary"].text()
                self.add(node, DCTERMS.description, Literal(summary, lang="en"))
                self.label(node, f"{kind.capitalize()} {order}")
                self.attribute(node, "authors")
                for theme in self.ref("theme", item.get("themes", []), many=True):
                    self.add(node, PK.aboutTheme, theme)
                for construct in self.ref("construct", item.get("constructs", []), many=True):
                    self.add(node, PK.aboutConstruct, construct)
