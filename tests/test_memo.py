"""Answers kept until the next write (graph/store/memo.py): what a reader computed while a
write happened is not kept, and a write drops what was kept."""

import threading

from peerkg.graph.store.memo import Memo


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
