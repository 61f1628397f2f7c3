"""Restricted studies (DESIGN.md, "Access"): which graphs a reader without a token may see, and
a view of a store that holds only those.

A study is restricted when its own graph says so (``<study> pk:accessLevel pk:restricted``, see
:mod:`peerkg.graph.base.iris`), so every process reading the store sees the same truth. Saved
inferences (:data:`~peerkg.graph.base.iris.INFERRED_GRAPH`) are drawn from every study, so they
are hidden too whenever any study is restricted.
"""

from collections.abc import Iterable

import pyoxigraph as ox

from peerkg.graph.base.errors import StoreError
from peerkg.graph.base.iris import ACCESS_LEVEL, INFERRED_GRAPH, PK, RESTRICTED
from peerkg.graph.store.base import Store, query_dataset
from peerkg.graph.store.hiding import hide_graphs
from peerkg.graph.store.inspect import Dataset

# the restricted graphs: each says so of itself (on Virtuoso, GRAPH ?g { } matches no graph)
RESTRICTED_GRAPHS = f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g <{ACCESS_LEVEL}> <{RESTRICTED}> }} }}"


def public_view(store: Store) -> Store:
    """``store`` as a reader without a token sees it: ``store`` itself if no study is
    restricted, else a :class:`ScopedStore` hiding the restricted studies and the saved
    inferences. The view is of this moment (a study restricted later is seen as it was), so
    take one per request."""
    hidden = {str(row[0]) for row in store.select_kept(RESTRICTED_GRAPHS).rows}
    if not hidden:
        return store
    hidden.add(str(INFERRED_GRAPH))
    visible = [g for g in store.graphs() if g not in hidden]
    # the rewrite's filter costs per graph hidden, the dataset per graph visible: hide the
    # fewer (benchmarks/RESULTS.md, "the restricted view at the cost of the union"). The
    # rewrite gives Oxigraph's answers (its order of SELECT *, its paths), measured on Oxigraph
    rewrite = store.oxigraph and len(hidden) <= len(visible)
    return ScopedStore(store, visible, hidden if rewrite else ())


# each study and the graph that describes it: its own, or (a study described inside another, as
# the primary study of a secondary analysis) that study's
STUDY_HOMES = f"SELECT ?s ?g WHERE {{ GRAPH ?g {{ ?s a <{PK.Study}> }} }}"


def study_scope(store: Store, studies: Iterable[str]) -> "ScopedStore":
    """``store`` as a question about ``studies`` alone needs it: the graphs that describe them
    and every graph that is no study's (ontology, vocabulary, mappings, saved inferences), so
    that the engine reads none of the other studies' data: a view of one study in a thousand
    then costs what it costs alone (``benchmarks/RESULTS.md``). For questions whose answer about
    these studies lies in these graphs (a study's quotes, codes, themes and literature links are
    in the graph that describes it)."""
    homes = [(str(s), str(g)) for s, g in store.select_kept(STUDY_HOMES).rows]
    wanted = {str(s) for s in studies}
    others = {g for s, g in homes if s == g} - {g for s, g in homes if s in wanted}
    return ScopedStore(store, [g for g in store.graphs() if g not in others])


class ScopedStore(Store):
    """``store`` as a reader allowed only ``visible`` graphs sees it: a query's default graph is
    the union of the visible graphs and GRAPH matches only them, whatever the query or the
    caller names (FROM, FROM NAMED, a dataset); a graph outside them reads as empty. Writes are
    refused. Closing it leaves ``store`` open.

    The view names the visible graphs as the query's dataset, which costs a lookup per graph
    named for each pattern. With ``hidden``, the graphs of the store that are not visible, a
    query naming no dataset is instead rewritten to read every graph but those
    (:func:`~.hiding.hide_graphs`), at the cost of the union: the way to hide a few graphs of
    many."""

    def __init__(self, store: Store, visible: Iterable[str], hidden: Iterable[str] = ()):
        self.inner = store
        self.visible = frozenset(visible)
        self.hidden = frozenset(hidden)
        self.location = store.location

    def scope(self, query: str, dataset: Dataset | None) -> tuple[str, Dataset | None]:
        """The query and the dataset it runs on in this view."""
        named = query_dataset(query, dataset)
        if named is not None:
            return query, named.within(self.visible)
        rewritten = hide_graphs(query, self.hidden) if self.hidden else None
        if rewritten is not None:
            return rewritten, None
        everything = tuple(sorted(self.visible))
        return query, Dataset(everything, everything)

    def select(self, query, bindings=None, dataset=None):
        query, dataset = self.scope(query, dataset)
        return self.inner.select(query, bindings, dataset)

    def select_kept(self, query, dataset=None):
        return self.inner.select_kept(*self.scope(query, dataset))

    def query_as(self, query, media_type, bindings=None, dataset=None):
        query, dataset = self.scope(query, dataset)
        return self.inner.query_as(query, media_type, bindings, dataset)

    def run_protocol(self, operation, text, dataset, result_type, graph_type, max_bytes=None):
        if operation != "query":
            raise StoreError("this view of the store is read-only")
        text, dataset = self.scope(text, dataset)
        return self.inner.run_protocol("query", text, dataset, result_type, graph_type, max_bytes)

    def update(self, update):
        raise StoreError("this view of the store is read-only")

    def dump(self):
        quads = ox.parse(self.inner.dump(), format=ox.RdfFormat.N_QUADS)
        return ox.serialize((q for q in quads if getattr(q.graph_name, "value", None) in self.visible),
                            format=ox.RdfFormat.N_QUADS)

    def graphs(self):
        return [g for g in self.inner.graphs() if g in self.visible]
