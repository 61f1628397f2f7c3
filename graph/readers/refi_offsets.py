"""Which unit a vendor counted text positions in, and the code-point offsets they stand for.

REFI-QDA 1.5 §10.2 says positions count Unicode code points from 0; vendors differ:

- ``codepoint``: code points, CRLF counted as two (the spec; QualCoder, MAXQDA);
- ``utf16``: UTF-16 code units, so a character outside the BMP (an emoji) counts two, CRLF two
  (NVivo for Windows, measured on a real export);
- ``codepoint-lf``: code points with CRLF counted as one (ATLAS.ti, per QualCoder's importer);
- ``utf16-lf``: UTF-16 code units with CRLF counted as one.

End positions are exclusive (ATLAS.ti's Annex A.2 example and the NVivo export agree). The text
is always the source file without its byte-order mark.

:func:`detect_unit` tries every unit on every text selection of the project: a unit is out if
any position falls outside its text or inside a surrogate pair; among the rest, the one under
which most selection names equal (or, for names cut with '…', start) the text they select wins;
then the one whose boundaries cut fewest words and CRLFs; then the vendor's known
habit (from ``origin``); then the spec.
"""

import re
from bisect import bisect_left

from peerkg.graph.base.errors import InputError
from peerkg.graph.readers.refi_model import Project

UNITS = ("codepoint", "utf16", "codepoint-lf", "utf16-lf")
ELLIPSES = ("…", "...")


class Converter:
    """Maps positions counted in ``unit`` to code-point offsets into ``text``.

    Only the characters whose width differs from one (astral characters: two UTF-16 units; the
    LF of a CRLF under a ``-lf`` unit: none) are listed, so memory stays proportional to them,
    and a position is converted with one binary search.
    """

    def __init__(self, text: str, unit: str, astral: list[int], lfs: list[int]):
        self.text = text
        marks = sorted([(i, 1) for i in astral] * unit.startswith("utf16")
                       + [(i, -1) for i in lfs] * unit.endswith("-lf"))
        self.delta = [d for _, d in marks]
        self.before = [0]  # before[k]: total extra width of the first k odd characters
        for d in self.delta:
            self.before.append(self.before[-1] + d)
        self.starts = [i + self.before[k] for k, (i, _) in enumerate(marks)]  # unit where each starts
        self.length = len(text) + self.before[-1]

    def to_codepoint(self, pos: int) -> int | None:
        """The code-point offset at unit position ``pos``; None if outside the text or inside a
        character (a surrogate pair). Under ``-lf`` units a position at a CRLF means after it."""
        if pos < 0 or pos > self.length:
            return None
        k = bisect_left(self.starts, pos)  # odd characters that start before pos
        if k and self.delta[k - 1] == 1 and self.starts[k - 1] == pos - 1:
            return None  # between the two halves of a surrogate pair
        while k < len(self.starts) and self.starts[k] == pos and self.delta[k] == -1:
            k += 1  # an LF that takes no unit, right at pos: pos is after it
        return pos - self.before[k]


def odd_characters(text: str) -> tuple[list[int], list[int]]:
    """Code-point indices of astral characters, and of the LF of each CRLF, in ``text``."""
    astral = [m.start() for m in re.finditer("[\\U00010000-\\U0010FFFF]", text)]
    lfs = [m.start() + 1 for m in re.finditer("\r\n", text)]
    return astral, lfs


def name_matches(name: str, text: str) -> bool | None:
    """True/False when the selection name can confirm its text, None when it says nothing."""
    if not name or not text:
        return None
    squash = " ".join
    if name.endswith(ELLIPSES):
        stem = squash(name.rstrip("….").split())
        return squash(text.split()).startswith(stem) if len(stem) >= 8 else None
    return squash(name.split()) == squash(text.split())


def _habit(origin: str) -> str:
    low = origin.lower()
    if "nvivo" in low:
        return "utf16"
    if "atlas" in low:
        return "codepoint-lf"
    return "codepoint"


def detect_unit(project: Project, forced: str | None = None) -> None:
    """Set ``start``/``end`` (code points) on every text selection whose source has its text,
    and ``project.offset_unit``/``offset_evidence``.

    ``forced`` (from the mapping file) skips detection. Raises InputError naming the selection
    when no unit can place it (a position outside the text, or start after end)."""
    selections = [(s, project.sources[s.source]) for s in project.selections()
                  if s.kind == "text" and project.sources[s.source].text is not None]
    for sel, _ in selections:
        if sel.raw_start < 0 or sel.raw_end < sel.raw_start:
            raise InputError(f"startPosition {sel.raw_start} and endPosition {sel.raw_end} do not "
                             "make a range", sel.where)
    if not selections:
        return
    texts = {src.guid: src.text for _, src in selections}
    odds = {guid: odd_characters(text) for guid, text in texts.items()}
    converters: dict[tuple[str, str], Converter] = {}

    def place(sel, src, unit):
        key = (src.guid, unit)
        if key not in converters:
            converters[key] = Converter(src.text, unit, *odds[src.guid])
        conv = converters[key]
        start, end = conv.to_codepoint(sel.raw_start), conv.to_codepoint(sel.raw_end)
        return None if start is None or end is None else (start, end)

    odd = any(astral or lfs for astral, lfs in odds.values())
    candidates = [forced] if forced else (list(UNITS) if odd else ["codepoint"])
    scores = {}
    for unit in candidates:
        agree = disagree = clean = 0
        for sel, src in selections:
            span = place(sel, src, unit)
            if span is None:
                break
            verdict = name_matches(sel.name, src.text[span[0]:span[1]])
            agree += verdict is True
            disagree += verdict is False
            clean += _clean_cut(src.text, span[0]) + _clean_cut(src.text, span[1])
        else:
            scores[unit] = (agree, -disagree, clean, unit == _habit(project.origin),
                            unit == "codepoint")
    if not scores:
        sel, src = _first_unplaceable(selections, candidates, place)
        units = ", ".join(candidates)
        raise InputError(f"positions {sel.raw_start}-{sel.raw_end} fall outside the text of source "
                         f"'{src.name}' ({len(src.text)} characters) or split a character, "
                         f"counted in any unit ({units})", sel.where)
    unit = max(scores, key=scores.get)
    for sel, src in selections:
        sel.start, sel.end = place(sel, src, unit)
    agree = scores[unit][0]
    project.offset_unit = unit
    project.offset_evidence = (
        "forced by the mapping file" if forced else
        "all units agree (no emoji or CRLF in the coded texts)" if not odd else
        f"{agree} selection name(s) match the text under this unit"
        + "".join(f", {s[0]} under {u}" for u, s in scores.items() if u != unit)
        + f"; {scores[unit][2]} of {2 * len(selections)} boundaries cut no word or CRLF"
        + "".join(f", {s[2]} under {u}" for u, s in scores.items() if u != unit)
        + ("; no other unit places every selection" if len(scores) == 1 else ""))


def _clean_cut(text: str, cp: int) -> bool:
    """A selection boundary that cuts no word and no CRLF in two (people select whole words)."""
    if not 0 < cp < len(text):
        return True
    before, after = text[cp - 1], text[cp]
    return not (before.isalnum() and after.isalnum() or before == "\r" and after == "\n")


def _first_unplaceable(selections, candidates, place):
    for sel, src in selections:
        if all(place(sel, src, u) is None for u in candidates):
            return sel, src
    return selections[0]
