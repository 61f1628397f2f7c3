"""The paths that make peerkg scale, at small scale: the synthetic generator's studies load like
a user's; an N-Quads file read graph by graph and bulk-loaded gives the same store as reading it
whole; a failed bulk load (or one cut off by a crash) leaves the store as it was; pages of every
named query, of /api/quotes and of /api/queries, put together, are the whole table; a streamed
CSV is the CSV held in memory."""

import csv
import importlib
import io
import re
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from peerkg.api.app import create_app
from peerkg.graph.base.errors import InputError, NotConforming
from peerkg.graph.base.iris import PK, VOCAB_GRAPH, page_path
from peerkg.graph.loader import base_graphs, load, read_source
from peerkg.graph.readers import nquads
from peerkg.graph.readers.nquads import NotGrouped, graphs_of
from peerkg.graph.store import EmbeddedStore, embedded
from peerkg.graph.store.access import study_scope
from peerkg.graph.store.bulk import Journal, RdfFile, Stopped, checked_while_loading
from peerkg.graph.viz.matrix import evidence_matrix
from peerkg.graph.viz.views import VIEWS, Filters, build
from peerkg.queries import filters, registry
from tests.test_queries import CONCATENATED, PARAMS

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from synthetic import study_nquads, write, write_package  # noqa: E402

DATA = Path(__file__).parent / "data"
MINI = [DATA / "mini-study", DATA / "mini-study-2", DATA / "mini-mappings.sssom.tsv"]
QUOTE = "https://w3id.org/peerkg/id/s0001/quote/q0"


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    """Three synthetic studies of six quotes, as N-Quads."""
    path = tmp_path_factory.mktemp("synthetic") / "collection.nq"
    write(path, studies=3, quotes=6, workers=1)
    return path


def quads(store) -> set[bytes]:
    return set(store.dump().splitlines())


def study_quads(store) -> set[bytes]:
    """The quads of the synthetic studies (the ontology's blank nodes differ between stores)."""
    return {q for q in quads(store) if q.endswith((b"/s0000> .", b"/s0001> .", b"/s0002> ."))}


def test_synthetic_studies_load_as_a_users_do(embedded, collection, tmp_path):
    counts = load(embedded, [collection])
    studies = [f"https://w3id.org/peerkg/id/s000{i}" for i in range(3)]
    assert all(counts[URIRef(s)] > 100 for s in studies)
    assert set(studies) <= set(embedded.graphs())
    assert registry()["quote-page"].count(embedded) == 18
    write_package(tmp_path / "s0007", 7, quotes=4)  # the same study as a package a user writes
    counts = load(embedded, [tmp_path / "s0007"])
    assert counts[URIRef("https://w3id.org/peerkg/id/s0007")] == study_nquads(7, 4).count(b"\n")


def test_nquads_read_graph_by_graph_gives_the_store_read_whole_gives(embedded, collection):
    load(embedded, [collection])
    whole = EmbeddedStore(":memory:")
    whole.replace_graphs({**base_graphs(), **read_source(collection)})
    assert study_quads(embedded) == study_quads(whole) and len(study_quads(whole)) > 300


def test_graphs_not_kept_together_are_read_whole(embedded, collection, tmp_path):
    lines = collection.read_bytes().splitlines(keepends=True)
    shuffled = tmp_path / "shuffled.nq"
    shuffled.write_bytes(b"".join(lines[1::2] + lines[0::2]))
    with pytest.raises(NotGrouped):
        list(graphs_of(shuffled))
    load(embedded, [shuffled])
    reference = EmbeddedStore(":memory:")
    load(reference, [collection])
    assert study_quads(embedded) == study_quads(reference) and len(study_quads(reference)) > 300


def test_a_graph_breaking_the_shapes_names_it_and_changes_nothing(initialised_store, collection,
                                                                   tmp_path):
    broken = tmp_path / "broken.nq"
    extra = (f"<{QUOTE}> <https://w3id.org/peerkg/ontology#inTheme> "
             "<https://w3id.org/peerkg/id/s0001/theme/t0> <https://w3id.org/peerkg/id/s0001> .\n"
             f"<{QUOTE}> <https://w3id.org/peerkg/ontology#inTheme> "
             "<https://w3id.org/peerkg/id/s0001/theme/t1> <https://w3id.org/peerkg/id/s0001> .\n")
    lines = collection.read_bytes().splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if line.endswith(b"<https://w3id.org/peerkg/id/s0001> .\n"))
    broken.write_bytes(b"".join(lines[:last + 1]) + extra.encode() + b"".join(lines[last + 1:]))
    list(graphs_of(broken))  # the file is still grouped: checked graph by graph, as it is read
    before = quads(initialised_store)
    with pytest.raises(NotConforming, match=rf"{QUOTE} \(pk:inTheme\): A quote is reported under at most one theme"):
        load(initialised_store, [broken])
    assert quads(initialised_store) == before


def line_by_line(path: Path) -> list[tuple[str, bytes]]:
    """What graphs_of gives, the slow and obvious way: every line split on its own."""
    grouped: dict[str, list[bytes]] = {}
    for number, line in enumerate(path.read_bytes().split(b"\n"), 1):
        body = line.strip()
        if body and not body.startswith(b"#"):
            graph, triple = nquads._split(body, number)
            grouped.setdefault(graph.decode(), []).append(triple)
    return [(g, b"".join(lines)) for g, lines in grouped.items()]


@pytest.mark.parametrize("chunk", [7, 100, 1 << 24])
def test_graphs_are_cut_as_line_by_line_at_any_chunk_size(collection, tmp_path, monkeypatch, chunk):
    """Chunk boundaries inside a line or a graph, comments, blank lines, tabs and a last line
    with no newline: graphs_of (whole chunks of lines at a time) cuts as a line-by-line reader."""
    monkeypatch.setattr(nquads, "CHUNK", chunk)
    lines = collection.read_bytes().splitlines(keepends=True)
    odd = tmp_path / "odd.nq"
    odd.write_bytes(b"# a comment, <https://example.org/not-a-graph> .\n\n" + b"".join(lines[:5]) + lines[5].replace(b" <", b"\t<")
                    + b"   \n" + b"".join(lines[6:]).rstrip(b"\n"))
    for path in (collection, odd):
        expected = line_by_line(path)
        assert [(str(g), data) for g, data in graphs_of(path)] == expected
        assert [str(g) for g, _ in graphs_of(path, triples=False)] == [g for g, _ in expected]


def test_a_graph_seen_again_is_found_at_any_chunk_size(collection, tmp_path, monkeypatch):
    lines = collection.read_bytes().splitlines(keepends=True)
    again = tmp_path / "again.nq"
    again.write_bytes(b"".join(lines + lines[:1]))
    for chunk in (50, 1 << 24):
        monkeypatch.setattr(nquads, "CHUNK", chunk)
        with pytest.raises(NotGrouped, match=rf"line {len(lines) + 1}: the graph <.*/s0000> appeared"):
            list(graphs_of(again, triples=False))


def test_a_triple_in_the_default_graph_is_refused_and_leaves_nothing(initialised_store, collection,
                                                                     tmp_path):
    """A three-term line looks like a quad to the quick pass, so the bulk loader puts it in the
    default graph while the check refuses it: the rollback empties the default graph again."""
    bad = tmp_path / "default.nq"
    bad.write_bytes(collection.read_bytes() + f"<{QUOTE}> <https://example.org/p> <https://example.org/o> .\n"
                    .encode())
    before = quads(initialised_store)
    with pytest.raises(InputError, match=r"default\.nq: cannot parse as RDF"):
        load(initialised_store, [bad])
    assert quads(initialised_store) == before
    assert not list(initialised_store._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_a_quote_in_another_studys_graph_is_refused(initialised_store, collection, tmp_path):
    """The pages of quotes count and read each study's quotes in the study's own graph, so a
    quote whose graph is not its study's is refused, naming it."""
    text = collection.read_bytes()
    own = f"<{QUOTE}> <https://w3id.org/peerkg/ontology#inStudy> <https://w3id.org/peerkg/id/s0001>"
    assert own.encode() in text
    moved = tmp_path / "moved.nq"
    moved.write_bytes(text.replace(own.encode(), own.replace("s0001>", "s0002>").encode()))
    before = quads(initialised_store)
    with pytest.raises(NotConforming, match=rf"{QUOTE} \(pk:inStudy\): a quote in the graph of "
                                            r"\S+/s0001 says it is in the study \S+/s0002"):
        load(initialised_store, [moved])
    assert quads(initialised_store) == before


def test_a_failing_check_stops_the_load_and_is_the_error_raised():
    stopped = []

    def load(stop):
        assert stop.wait(10), "the load was not told to stop"
        stopped.append(True)
        raise Stopped("stopped")

    def check():
        raise NotConforming("graph 3 breaks the shapes")

    with pytest.raises(NotConforming, match="graph 3"):
        checked_while_loading(load, check)
    assert stopped == [True]
    with pytest.raises(InputError, match="the file"):  # a check that passes: the load's error
        checked_while_loading(lambda stop: (_ for _ in ()).throw(InputError("the file")), lambda: None)


def test_a_big_bulk_load_compacts_the_store_and_a_small_one_does_not(collection, tmp_path,
                                                                     monkeypatch):
    compacted = []
    monkeypatch.setattr(embedded, "compact", lambda store: compacted.append(store))
    size = collection.stat().st_size
    for threshold, expected in ((size + 1, 0), (size, 1)):
        monkeypatch.setattr(embedded, "COMPACT_AFTER_BYTES", threshold)
        store = EmbeddedStore(str(tmp_path / f"store-{threshold}"))
        load(store, [collection])
        assert len(compacted) == expected
        store.close()


def test_a_bulk_load_that_fails_midway_is_rolled_back(initialised_store, tmp_path):
    """A file claiming a stored study's graph but failing to parse half-way: the stored study
    was moved aside and comes back; nothing of the file stays."""
    study = URIRef("https://w3id.org/peerkg/id/gillard2013")
    bad = tmp_path / "bad.nq"
    bad.write_text(f"<{QUOTE}> <https://example.org/p> \"x\" <{study}> .\n<oops\n", encoding="utf-8")
    before = quads(initialised_store)
    with pytest.raises(InputError, match=r"bad\.nq: cannot parse as RDF"):
        initialised_store.load_graphs({VOCAB_GRAPH: Graph()},
                                      [RdfFile(bad, "application/n-quads", frozenset({study}))])
    assert quads(initialised_store) == before


def test_a_load_cut_off_by_a_crash_is_rolled_back_on_the_next_open(store_dir):
    store = EmbeddedStore(store_dir)
    before = quads(store)
    journal = Journal(store._store)  # what a bulk load does before it writes, then "dies"
    journal.begin({g for g in store.graphs()})
    journal.move_aside({"https://w3id.org/peerkg/id/gillard2013"})
    store.update("INSERT DATA { GRAPH <https://example.org/half> { <https://example.org/a> "
                 "<https://example.org/b> 1 } }")
    del journal
    store.close()
    reopened = EmbeddedStore(store_dir)
    assert quads(reopened) == before
    reopened.close()


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    store = EmbeddedStore(str(tmp_path_factory.mktemp("mini") / "store"))
    load(store, MINI)
    yield store
    store.close()


@pytest.mark.parametrize("name", sorted(registry()))
def test_pages_of_every_named_query_make_the_whole_table(mini, name):
    query, params = registry()[name], PARAMS.get(name, {})
    whole = query.run(mini, params)
    assert query.count(mini, params) == len(whole.rows)
    pages = [row for offset in range(0, len(whole.rows) + 2, 2)
             for row in query.run(mini, params, limit=2, offset=offset).rows]
    assert normalised(whole.columns, pages) == normalised(whole.columns, whole.rows)


def normalised(columns, rows):
    """Rows with GROUP_CONCAT cells as sorted sets (the engine concatenates in any order)."""
    return [tuple(tuple(sorted(str(t).split(CONCATENATED[c]))) if c in CONCATENATED and t is not None
                  else t for c, t in zip(columns, row, strict=True)) for row in rows]


def test_paging_refuses_what_is_not_a_natural_number(mini):
    for limit, offset in ((-1, 0), (2, -3), ("5; DROP ALL", 0), (1.5, 0)):
        with pytest.raises(ValueError):
            registry()["quotes"].run(mini, {}, limit=limit, offset=offset)


@pytest.fixture(scope="module")
def client(mini):
    return create_app({"STORE": mini}).test_client()


@pytest.mark.parametrize("filters", [{}, {"theme": "joining"}, {"site": "East"}])
def test_quote_pages_make_the_whole_search(client, mini, filters):
    whole = registry()["quote-search"].run(mini, filters)
    first = client.get("/api/quotes", query_string={**filters, "limit": 1}).get_json()
    assert first["total"] == len(whole.rows)
    pages = [q for offset in range(first["total"])
             for q in client.get("/api/quotes", query_string={**filters, "limit": 1,
                                                                "offset": offset}).get_json()["quotes"]]
    assert [q["quote"] for q in pages] == [str(row[0]) for row in whole.rows]
    assert [q["text"] for q in pages] == [str(row[1]) for row in whole.rows]


def test_named_query_pages_over_http(client, mini):
    whole = client.get("/api/queries/theme-structure").get_json()
    assert "total" not in whole
    page = client.get("/api/queries/theme-structure?limit=3&offset=2").get_json()
    assert page["total"] == len(whole["rows"]) and page["offset"] == 2 and page["limit"] == 3
    assert page["rows"] == whole["rows"][2:5]
    bad = client.get("/api/queries/theme-structure?limit=0")
    assert bad.status_code == 400 and bad.get_json()["ok"] is False


def test_streamed_csv_is_the_csv_in_memory(mini):
    query = registry()["quotes"].text
    streamed = io.BytesIO()
    mini.query_to(query, "text/csv", streamed)
    assert streamed.getvalue() == mini.query_as(query, "text/csv")
    rows = list(csv.reader(io.StringIO(streamed.getvalue().decode("utf-8"))))
    assert rows[0] == ["quote", "text", "site", "stakeholder", "theme", "study"] and len(rows) == 5


@pytest.mark.parametrize("limit", [1, 4, 7, 50])
@pytest.mark.parametrize("filters", [{}, {"study": "s0001"}])
def test_quote_pages_across_studies_make_the_whole_search(collection, tmp_path, limit, filters):
    """With no filter but the study, /api/quotes pages study by study: pages that start and
    end inside a study, span several or run past the end give the whole search's quotes, in its
    order, and its total."""
    store = EmbeddedStore(str(tmp_path / "store"))
    load(store, [*MINI, collection])
    client = create_app({"STORE": store}).test_client()
    whole = [str(row[0]) for row in registry()["quote-search"].run(store, filters).rows]
    assert len(whole) == (6 if filters else 22)
    pages = []
    for offset in range(0, len(whole) + limit, limit):
        page = client.get("/api/quotes", query_string={**filters, "limit": limit,
                                                        "offset": offset}).get_json()
        assert page["total"] == len(whole)
        pages += [q["quote"] for q in page["quotes"]]
    assert pages == whole
    store.close()


# The theme tree as one whole-table query, as /api/themes read it before it paged: the pages of
# /api/themes (theme-page, then theme-codes for the page's themes) must give the same rows.
WHOLE_THEME_TREE = """
PREFIX pk: <https://w3id.org/peerkg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?study ?theme ?theme_label ?category ?category_label ?code ?code_label
       (COUNT(DISTINCT ?quote) AS ?quotes)
WHERE {
  ?theme a pk:Theme ; pk:inStudy ?study ; rdfs:label ?theme_label ; pk:order ?order .
  ?study rdfs:label ?study_label .
  OPTIONAL {
    ?quote pk:inTheme ?theme .
    ?coding oa:hasTarget ?quote ; oa:hasBody ?code .
    ?code a pk:Code ; rdfs:label ?code_label ; skos:broader ?category .
    ?category a pk:Category ; rdfs:label ?category_label .
  }
}
GROUP BY ?study ?study_label ?order ?theme ?theme_label ?category ?category_label ?code ?code_label
ORDER BY ?study_label ?order ?category_label ?code_label
"""


def flattened(themes: list[dict]) -> list[tuple]:
    """The theme tree of /api/themes as the whole query's rows."""
    return [(t["study"], t["theme"], t["label"], c and c["category"], c and c["label"],
             code and code["code"], code and code["label"], code["quotes"] if code else 0)
            for t in themes for c in t["categories"] or [None]
            for code in (c["codes"] if c else [None])]


@pytest.fixture(scope="module")
def many(collection, tmp_path_factory):
    """The mini studies and three synthetic ones, served."""
    store = EmbeddedStore(str(tmp_path_factory.mktemp("many") / "store"))
    load(store, [*MINI, collection])
    yield store, create_app({"STORE": store}).test_client()
    store.close()


@pytest.mark.parametrize("limit", [1, 3, 100])
@pytest.mark.parametrize("study", [None, "s0001", "mini2"])
def test_theme_pages_make_the_whole_theme_tree(many, limit, study):
    store, client = many
    whole = [tuple(t.toPython() if isinstance(t, Literal) else t and str(t) for t in row)
             for row in store.select(WHOLE_THEME_TREE).rows]
    if study:
        whole = [row for row in whole if row[0].endswith("/" + study)]
    themes, total = [], None
    for offset in range(0, 40, limit):
        page = client.get("/api/themes", query_string={"limit": limit, "offset": offset,
                                                       **({"study": study} if study else {})})
        assert page.status_code == 200, page.get_json()
        total = page.get_json()["total"]
        themes += page.get_json()["themes"]
    assert total == len({row[1] for row in whole}) == len(themes)
    assert flattened(themes) == whole


def test_study_pages_and_the_overview_page_through_every_study(many):
    store, client = many
    whole = client.get("/api/studies?limit=1000").get_json()
    assert whole["total"] == len(whole["studies"]) == 5
    pages = [s for offset in range(0, 6, 2)
             for s in client.get(f"/api/studies?limit=2&offset={offset}").get_json()["studies"]]
    assert pages == whole["studies"]
    assert [s["label"] for s in pages] == sorted(s["label"] for s in pages)
    second = client.get("/?offset=2&limit=2").get_data(as_text=True)
    assert "5 studies, showing 3–4." in second and "← previous" in second and "next →" in second
    shown = {s["label"] for s in pages[2:4]}
    assert all(label in second for label in shown)
    hidden = [s["label"] for s in pages if s["label"] not in shown]
    assert not any(f">{label}</a>" in second for label in hidden)
    themes = client.get("/api/themes?limit=1000").get_json()["themes"]
    linked = set(re.findall(r'href="(/id/[^"]+/theme/[^"]+)"', second))
    assert {page_path(t["theme"]) for t in themes if t["study_label"] in shown} == linked != set()


@pytest.mark.parametrize("path, message", [
    ("/api/themes?limit=0", "'limit' must be an integer in 1..1000, not '0'"),
    ("/api/themes?limit=1001", "'limit' must be an integer in 1..1000, not '1001'"),
    ("/api/studies?offset=-1", "'offset' must be an integer in 0 or more, not '-1'"),
    ("/api/themes?study=nosuchstudy", "nosuchstudy"),
])
def test_bad_paging_of_studies_and_themes_is_refused(many, path, message):
    answer = many[1].get(path)
    assert answer.status_code == 400 and message in answer.get_json()["error"]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("study", ["s0001", "mini", "mini2"])
def test_a_view_of_one_study_read_from_its_graph_is_the_view_read_from_all(many, monkeypatch,
                                                                            view, study):
    """Views and the matrix of one study read only its graph and the shared ones
    (study_scope); what they show is what they show read from every graph."""
    store, _ = many
    scoped = build(store, view, Filters(study=study))
    matrix = evidence_matrix(store, study=study)
    monkeypatch.setattr(filters, "study_scope", lambda store, studies: store)
    whole = build(store, view, Filters(study=study))
    assert scoped.graph == whole.graph and (len(scoped) > 0 or study == "mini2")  # no quotes
    assert dict(scoped.nodes(data=True)) == dict(whole.nodes(data=True))
    assert sorted(scoped.edges(data=True)) == sorted(whole.edges(data=True))
    assert matrix == evidence_matrix(store, study=study)


STUDY_GRAPH_QUERIES = sorted(n for n, q in registry().items() if q.study_graph)


def test_the_queries_read_from_one_studys_graph_are_those_that_can():
    assert "construct-by-study" in STUDY_GRAPH_QUERIES and "quote-page" in STUDY_GRAPH_QUERIES
    assert "theme-crosswalk" not in STUDY_GRAPH_QUERIES  # its mappings reach other studies
    assert all(any(p.type == "study" for p in registry()[n].params) for n in STUDY_GRAPH_QUERIES)


@pytest.mark.parametrize("name", STUDY_GRAPH_QUERIES)
@pytest.mark.parametrize("study", ["s0001", "mini", "mini2"])
def test_a_query_of_one_study_read_from_its_graph_gives_what_it_gives_read_from_all(
        many, monkeypatch, name, study):
    store, _ = many
    query = registry()[name]
    scoped, count = query.run(store, {"study": study}), query.count(store, {"study": study})
    monkeypatch.setattr(importlib.import_module("peerkg.queries.registry"), "study_scope",
                        lambda store, studies: store)
    whole = query.run(store, {"study": study})
    assert normalised(scoped.columns, scoped.rows) == normalised(whole.columns, whole.rows)
    assert count == len(whole.rows)


PRIMARY = "https://w3id.org/peerkg/id/gillard2013/study/primary"


def test_a_study_described_in_another_studys_graph_is_read_from_that_graph(loaded):
    """Gillard et al. 2013 describe the primary study they re-analysed, and its three themes,
    in their own graph: a question about the primary study, read from its scope, finds them,
    and still reads no other study's graph."""
    themes = f"SELECT ?theme WHERE {{ ?theme a <{PK.Theme}> ; <{PK.inStudy}> <{PRIMARY}> }}"
    scope = study_scope(loaded, [PRIMARY])
    assert sorted(scope.select(themes).rows) == sorted(loaded.select(themes).rows)
    assert len(loaded.select(themes).rows) == 3
    assert "https://w3id.org/peerkg/id/gillard2013" in scope.visible
    other = "https://w3id.org/peerkg/id/nixdorf2024"
    assert other in loaded.graphs() and other not in scope.visible
