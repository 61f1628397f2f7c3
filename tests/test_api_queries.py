"""The API's parameterised named queries on the mini-study fixture, on both backends: the rows a
filter must keep (tests/data/queries/*.csv hold their unfiltered rows)."""

from pathlib import Path

import pytest

from peerkg.graph.base.errors import InputError
from peerkg.graph.base.iris import ID
from peerkg.graph.loader import load
from peerkg.queries import registry

DATA = Path(__file__).parent / "data"
MINI = [DATA / "mini-study", DATA / "mini-study-2", DATA / "mini-mappings.sssom.tsv"]


@pytest.fixture
def mini(any_store):
    load(any_store, MINI)
    return any_store


@pytest.mark.parametrize(("params", "quotes"), [
    ({}, ["q1", "q2", "q3", "q4"]),
    ({"site": "east"}, ["q1", "q2"]),
    ({"site": ID + "mini/site/west"}, ["q3", "q4"]),
    ({"stakeholder": "peer-worker"}, ["q2", "q3"]),
    ({"theme": "identity"}, ["q3"]),
    ({"construct": "consensus-on-role-expectations"}, ["q1", "q2"]),
    ({"study": "mini", "text": "ONE OF US"}, ["q4"]),
    ({"quote": ID + "mini/quote/q2"}, ["q2"]),
    ({"site": "east", "stakeholder": "manager"}, ["q1"]),
    ({"site": "East", "stakeholder": "Peer Worker"}, ["q2"]),
    ({"site": "EAST", "theme": "Who am I?"}, []),
])
def test_quote_search_filters(mini, params, quotes):
    table = registry()["quote-search"].run(mini, params)
    assert [str(row[0]).rsplit("/", 1)[1] for row in table.rows] == quotes
    if "quote" not in params:  # what /api/quotes pages through: the same quotes, counted
        page = registry()["quote-page"]
        assert [str(row[0]).rsplit("/", 1)[1] for row in page.run(mini, params).rows] == quotes
        assert page.count(mini, params) == len(quotes)


@pytest.mark.parametrize(("params", "message"), [
    ({"site": "nowhere"}, "parameter 'site': no site 'nowhere' in the store (known: East, West)"),
    ({"stakeholder": "peer workers"}, "no stakeholder group 'peer workers' in the store (known: "),
    ({"theme": "joining team"}, "no theme 'joining team' in the store (known: Backing from above, Fitting in, Joining the team, Who am I?)"),
])
def test_a_filter_value_that_names_nothing_is_an_error_listing_the_known_ones(mini, params, message):
    with pytest.raises(InputError) as error:
        registry()["quote-search"].run(mini, params)
    assert message in str(error.value)


def test_entity_links_both_directions(mini):
    table = registry()["entity-links"].run(mini, {"entity": ID + "mini/quote/q1"})
    rows = {(str(d), str(p).rsplit("#", 1)[-1], str(v)) for d, p, _, v, _ in table.rows}
    assert ("out", "atSite", ID + "mini/site/east") in rows
    assert ("out", "stakeholderGroup", ID + "stakeholder/manager") in rows
    assert any(d == "in" and p == "evidenceQuote" for d, p, _ in rows)
    labels = {str(p).rsplit("#", 1)[-1]: str(lv) for _, p, _, _, lv in table.rows if lv}
    assert labels["atSite"] == "East"


def test_quote_search_by_construct_and_the_constructs_of_the_quotes_it_finds(loaded):
    """The construct filter picks the quotes bearing on it; quote-constructs gives each quote
    all of its constructs: on the bundled study q41 bears on Benevolent power and on Peer
    identity (through different codes)."""
    found = [str(row[0]) for row in registry()["quote-search"].run(loaded, {"construct": "benevolent-power"}).rows]
    q41 = next(q for q in found if q.endswith("/q41"))
    constructs = {str(row[1]) for row in registry()["quote-constructs"].run(loaded, {"quote": q41}).rows}
    assert {ID + "construct/benevolent-power", ID + "construct/peer-identity"} <= constructs
    everything = registry()["quote-constructs"].run(loaded).rows
    assert {str(q) for q, c in everything if str(c) == ID + "construct/benevolent-power"} == set(found)
