"""networkx views of the store, built from the results of named queries (never from study files).

Three views, each a :class:`networkx.Graph` whose nodes are keyed by IRI (``str``):

* :func:`theme_graph`: themes, categories, codes, constructs and cited references; edges
  theme–category, category–code, code–construct (``pk:relatesToConstruct``), theme–construct
  (literature links naming both) and construct–reference (the works those links cite);
* :func:`cooccurrence_graph`: codes, linked by the quotes coded to both;
* :func:`construct_graph`: every study in the store and the constructs its quotes bear on.

Every node has ``kind``, ``label`` and ``iri``; nodes that quotes sit under (studies, themes,
categories, codes, constructs) also have ``quotes`` (how many), ``quote_ids`` (their IRIs, in
the study's order) and the breakdowns ``sites`` and ``stakeholders`` (label -> quotes); codes have
``category`` and ``themes`` (theme label -> quotes) and ``theme``, the theme most of their
quotes are reported under. Codes and categories have ``reconstruction``: true when the project
reconstructed them (they are attributed to the project, not named by the authors). References
have ``quotes`` = 0. Every edge has ``kind`` and
``weight`` (quotes, or literature links where no quotes are involved). The graph attributes are
``view``, ``filters`` (the filters applied), ``themes`` (the theme labels in the studies' order)
and ``quotes`` (quote IRI -> text and attribution).

A quote *bears on* a construct when it is coded with a code that relates to the construct or is
recorded as evidence about it (the ontology's ``pk:bearsOnConstruct``).
"""

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass

import networkx as nx

from peerkg.graph.base.iris import PROJECT_AGENT
from peerkg.graph.store import Store
from peerkg.queries import registry
from peerkg.queries.filters import scoped_to_study

VIEWS = ("themes", "cooccurrence", "constructs")
TITLES = {"themes": "Theme structure", "cooccurrence": "Code co-occurrence",
          "constructs": "Studies and constructs"}  # each view's name for people, in VIEWS order


@dataclass(frozen=True)
class Filters:
    """Which quotes a view is built from: one field per filter of the filters table
    (peerkg.queries.filters), each taking what that filter takes (a label, id or IRI; words for
    ``text``). ``construct`` keeps the quotes bearing on it, and shows only that construct.
    ``None`` means no restriction."""

    study: str | None = None
    site: str | None = None
    stakeholder: str | None = None
    theme: str | None = None
    construct: str | None = None
    text: str | None = None

    def applied(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}


@dataclass
class _Quote:
    iri: str
    text: str
    attribution: str
    study: str
    study_label: str
    theme: str
    theme_label: str
    theme_order: int
    site: str
    stakeholder: str
    stakeholder_iri: str


NOT_STATED = "not stated"


def _stated(term) -> str:
    """A cell's text, or :data:`NOT_STATED` where the study does not say (an unbound cell)."""
    return NOT_STATED if term is None else str(term)


class _Data:
    """The query results one view needs, restricted to the filtered quotes."""

    def __init__(self, store: Store, filters: Filters):
        self.filters = filters
        store = scoped_to_study(store, filters.study)
        quote_params = {k: v for k, v in filters.applied().items() if k != "construct"}
        rows = registry()["graph-quotes"].run(store, quote_params).dicts()
        quotes = [_Quote(str(r["quote"]), str(r["text"]), _stated(r["attribution"]), str(r["study"]),
                         str(r["study_label"]), str(r["theme"]), str(r["theme_label"]),
                         int(r["theme_order"]), _stated(r["site_label"]),
                         _stated(r["stakeholder_label"]), _stated(r["stakeholder"]))
                  for r in rows]
        construct = {"construct": filters.construct} if filters.construct else {}
        self.code_constructs: dict[str, set[str]] = defaultdict(set)
        evidence: dict[str, set[str]] = defaultdict(set)
        self.construct_labels: dict[str, str] = {}
        for r in registry()["graph-construct-links"].run(store, construct).dicts():
            target = self.code_constructs if str(r["via"]) == "code" else evidence
            target[str(r["source"])].add(str(r["construct"]))
            self.construct_labels[str(r["construct"])] = str(r["construct_label"])
        self.codings: dict[str, list[dict]] = defaultdict(list)
        for r in registry()["graph-codings"].run(store).dicts():
            self.codings[str(r["quote"])].append({k: str(v) for k, v in r.items()})
        self.bears = {q.iri: evidence[q.iri].union(
            *(self.code_constructs[c["code"]] for c in self.codings[q.iri])) for q in quotes}
        if filters.construct:
            quotes = [q for q in quotes if self.bears[q.iri]]
        self.quotes = quotes
        self.literature = [{k: None if v is None else str(v) for k, v in r.items()}
                           for r in registry()["graph-literature"].run(store).dicts()
                           if str(r["construct"]) in self.construct_labels]

    def base_graph(self, view: str) -> nx.Graph:
        quotes = {q.iri: {"text": q.text, "attribution": q.attribution, "site": q.site,
                          "stakeholder": q.stakeholder, "theme": q.theme_label,
                          "study": q.study_label} for q in self.quotes}
        themes = sorted({(q.study_label, q.theme_order, q.theme_label) for q in self.quotes})
        return nx.Graph(view=view, filters=self.filters.applied(), quotes=quotes,
                        themes=[t for *_, t in themes])


def _add(g: nx.Graph, iri: str, kind: str, label: str, **attrs) -> None:
    if iri not in g:
        g.add_node(iri, kind=kind, label=label, iri=iri, quotes=0, quote_ids=[],
                   sites=Counter(), stakeholders=Counter(), **attrs)


def _tally(g: nx.Graph, iri: str, quote: _Quote) -> None:
    node = g.nodes[iri]
    if quote.iri not in node["quote_ids"]:
        node["quote_ids"].append(quote.iri)
        node["quotes"] += 1
        node["sites"][quote.site] += 1
        node["stakeholders"][quote.stakeholder] += 1


def _link(g: nx.Graph, a: str, b: str, kind: str, quote: str | None = None) -> None:
    """Add one to the weight of edge a–b; an edge counts distinct quotes when ``quote`` is given."""
    if not g.has_edge(a, b):
        g.add_edge(a, b, kind=kind, weight=0, quote_ids=[])
    edge = g.edges[a, b]
    if quote is None or quote not in edge["quote_ids"]:
        edge["weight"] += 1
        if quote is not None:
            edge["quote_ids"].append(quote)


def _add_codes(g: nx.Graph, data: _Data, with_categories: bool) -> None:
    for quote in data.quotes:
        for c in data.codings[quote.iri]:
            _add(g, c["code"], "code", c["code_label"], category=c["category_label"],
                 themes=Counter(), reconstruction=c["code_by"] == str(PROJECT_AGENT))
            _tally(g, c["code"], quote)
            g.nodes[c["code"]]["themes"][quote.theme_label] += 1
            if with_categories:
                _add(g, c["category"], "category", c["category_label"],
                     reconstruction=c["category_by"] == str(PROJECT_AGENT))
                _tally(g, c["category"], quote)
                _link(g, quote.theme, c["category"], "theme-category", quote.iri)
                _link(g, c["category"], c["code"], "category-code", quote.iri)
    order = {q.theme_label: q.theme_order for q in data.quotes}
    for _, node in g.nodes(data=True):
        if node["kind"] == "code":
            node["theme"] = min(node["themes"], key=lambda t: (-node["themes"][t], order[t]))


def theme_graph(store: Store, filters: Filters = Filters()) -> nx.Graph:
    """The theme structure graph of the filtered quotes (see the module docstring)."""
    data = _Data(store, filters)
    g = data.base_graph("themes")
    for quote in data.quotes:
        _add(g, quote.theme, "theme", quote.theme_label, order=quote.theme_order)
        _tally(g, quote.theme, quote)
    _add_codes(g, data, with_categories=True)
    codes = [n for n, kind in g.nodes(data="kind") if kind == "code"]
    for code in codes:
        for k in data.code_constructs[code]:
            _add(g, k, "construct", data.construct_labels[k])
            _link(g, code, k, "code-construct")
    themes = {q.theme for q in data.quotes}
    studies = {q.study for q in data.quotes}
    links = [r for r in data.literature if r["study"] in studies]
    for r in links:
        if r["theme"] in themes:
            _add(g, r["construct"], "construct", r["construct_label"])
    for quote in data.quotes:
        for k in data.bears[quote.iri] & set(g):
            _tally(g, k, quote)
    seen = set()
    for r in links:
        if r["construct"] not in g:
            continue
        if r["theme"] in themes and (r["link"], r["theme"], r["construct"]) not in seen:
            seen.add((r["link"], r["theme"], r["construct"]))
            _link(g, r["theme"], r["construct"], "theme-construct")
        if r["reference"] and (r["link"], r["construct"], r["reference"]) not in seen:
            seen.add((r["link"], r["construct"], r["reference"]))
            _add(g, r["reference"], "reference", short_reference(r["reference_label"]),
                 citation=r["reference_label"])
            _link(g, r["construct"], r["reference"], "construct-reference")
    return g


def cooccurrence_graph(store: Store, filters: Filters = Filters()) -> nx.Graph:
    """Codes of the filtered quotes; an edge's weight is the number of quotes coded to both."""
    data = _Data(store, filters)
    g = data.base_graph("cooccurrence")
    _add_codes(g, data, with_categories=False)
    for quote in data.quotes:
        codes = sorted({c["code"] for c in data.codings[quote.iri]})
        for i, a in enumerate(codes):
            for b in codes[i + 1:]:
                _link(g, a, b, "co-occurrence", quote.iri)
    return g


def construct_graph(store: Store, filters: Filters = Filters()) -> nx.Graph:
    """Every study with filtered quotes and the constructs they bear on; an edge's ``weight`` is
    the number of the study's quotes bearing on the construct and ``references`` the number of
    works the study cites for it."""
    data = _Data(store, filters)
    g = data.base_graph("constructs")
    for quote in data.quotes:
        _add(g, quote.study, "study", quote.study_label)
        _tally(g, quote.study, quote)
        for k in data.bears[quote.iri]:
            _add(g, k, "construct", data.construct_labels[k])
            _tally(g, k, quote)
            _link(g, quote.study, k, "study-construct", quote.iri)
    cited = defaultdict(set)
    for r in data.literature:
        if r["study"] in g and r["reference"]:
            cited[r["study"], r["construct"]].add(r["reference"])
    for (study, k), refs in cited.items():
        _add(g, k, "construct", data.construct_labels[k])
        if not g.has_edge(study, k):
            g.add_edge(study, k, kind="study-construct", weight=0, quote_ids=[])
        g.edges[study, k]["references"] = len(refs)
    for _, _, edge in g.edges(data=True):
        edge.setdefault("references", 0)
    return g


BUILDERS = {"themes": theme_graph, "cooccurrence": cooccurrence_graph,
            "constructs": construct_graph}


def build(store: Store, view: str, filters: Filters = Filters()) -> nx.Graph:
    """The view named ``view`` (one of :data:`VIEWS`); KeyError for another name."""
    return BUILDERS[view](store, filters)


_REFERENCE = re.compile(r"^(\[\d+\])\s+([^,(]+?)(,[^(]*)?\s*\((\w+)\)\s*$")


def short_reference(label: str) -> str:
    """``[1] Sells DL, Davidson L, ... (2006)`` -> ``[1] Sells DL et al. (2006)``; other labels
    are returned as they are."""
    match = _REFERENCE.match(label)
    if not match:
        return label
    number, first, others, year = match.groups()
    return f"{number} {first}{' et al.' if others else ''} ({year})"
