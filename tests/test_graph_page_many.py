"""The /graph page on a store of many studies, in a real headless Chromium against a real server
on a loopback port: past ten studies it opens on the first study (a view of a thousand studies
would outrun the server's time limit), and "All" still draws the whole collection."""

import sys
from pathlib import Path

import pytest

from peerkg.graph.loader import load
from peerkg.graph.store import EmbeddedStore
from peerkg.queries.filters import filter_values

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from synthetic import write  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Eleven synthetic studies of four quotes (app_server serves this store in this module)."""
    collection = tmp_path_factory.mktemp("many") / "collection.nq"
    write(collection, studies=11, quotes=4, workers=1)
    store = EmbeddedStore(str(tmp_path_factory.mktemp("many-store") / "store"))
    load(store, [collection])
    yield store
    store.close()


def test_past_ten_studies_the_page_opens_on_the_first_and_all_still_draws_all(open_page, loaded):
    first = filter_values(loaded)["study"][0]
    page = open_page("/graph")
    page.wait_for_function("window.peerkgGraph && window.peerkgGraph.nodes().length > 0")
    assert page.input_value("#filter-study") == first["value"]
    assert page.text_content("#status").startswith("4 quotes")
    page.select_option("#filter-study", "")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('44 quotes')")
    assert page.problems == []
