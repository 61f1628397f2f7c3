"""Answers kept until the next write (graph/store/memo.py): what a reader computed while a
write happened is not kept, and a write drops what was kept; a server that warms them
(api/warm.py) has them again before its first visitor asks."""

import threading
from pathlib import Path

from peerkg.api.app import create_app
from peerkg.graph.loader import load
from peerkg.graph.store import EmbeddedStore
from peerkg.graph.store.memo import Memo

DATA = Path(__file__).parent / "data"
MINI = [DATA / "mini-study", DATA / "mini-study-2"]


def test_an_answer_is_kept_until_a_write():
    memo, calls = Memo(), []

    def compute():
        calls.append(1)
        return len(calls)

    assert memo.get("q", compute) == 1
    assert memo.get("q", compute) == 1
    memo.changed()
    assert memo.get("q", compute) == 2
    assert memo.get("other", compute) == 3


def test_an_answer_computed_across_a_write_is_not_kept():
    memo = Memo()
    assert memo.get("q", lambda: memo.changed() or "old") == "old"
    assert memo.get("q", lambda: "new") == "new"


def test_a_write_while_another_thread_computes():
    memo, started, release = Memo(), threading.Event(), threading.Event()
    answers = []

    def slow():
        started.set()
        release.wait(5)
        return "before the write"

    reader = threading.Thread(target=lambda: answers.append(memo.get("q", slow)))
    reader.start()
    started.wait(5)
    memo.changed()
    release.set()
    reader.join(5)
    assert answers == ["before the write"]
    assert memo.get("q", lambda: "after the write") == "after the write"


def test_least_recently_used_answers_go_first():
    memo = Memo(size=2)
    memo.get("a", lambda: 1)
    memo.get("b", lambda: 2)
    memo.get("a", lambda: 0)  # a is used again
    memo.get("c", lambda: 3)  # so b goes
    assert memo.get("a", lambda: "again") == 1
    assert memo.get("b", lambda: "again") == "again"


def test_serving_warms_the_first_pages_at_start_and_after_each_write(tmp_path, monkeypatch):
    """``peerkg serve`` (WARM) counts what the first pages need before anyone asks, and again
    after a write: the first quote page then asks the engine to count nothing."""
    store = EmbeddedStore(str(tmp_path / "store"))
    load(store, MINI)
    app = create_app({"STORE": store, "WARM": True})
    warmer = app.extensions["peerkg.warmer"]
    assert warmer.wait(60) and len(store.memo) > 0
    kept = len(store.memo)
    store.update("INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/a> "
                 "<https://example.org/b> 1 } }")
    assert warmer.wait(60) and len(store.memo) == kept
    missed = misses(store, monkeypatch)
    for path in ("/quotes", "/api/quotes?limit=50", "/"):
        assert app.test_client().get(path).status_code == 200
    assert missed == []
    store.close()


def test_without_warming_the_first_page_counts(tmp_path, monkeypatch):
    store = EmbeddedStore(str(tmp_path / "store"))
    load(store, MINI)
    app = create_app({"STORE": store})
    assert "peerkg.warmer" not in app.extensions and len(store.memo) == 0
    missed = misses(store, monkeypatch)
    assert app.test_client().get("/quotes").status_code == 200
    assert missed
    store.close()


def misses(store, monkeypatch) -> list:
    """The keys the store's kept answers will be asked for and not have, from now on."""
    missed, get = [], store.memo.get
    monkeypatch.setattr(store.memo, "get",
                        lambda key, compute: get(key, lambda: missed.append(key) or compute()))
    return missed
