"""N-Quads files read one named graph at a time, as text, so that a file of 10^7 quads is
checked graph by graph in bounded memory (https://www.w3.org/TR/n-quads/: one quad a line).

:func:`graphs_of` cuts the file at each change of graph name and gives each graph's triples as
N-Triples. It does not parse terms (the store's bulk loader does, when it loads the file); it
only finds the graph name that ends each line, mostly a whole chunk of lines at a time (a
second or two for 10^7 quads). A file it cannot read this way raises
:class:`NotGrouped`, and the caller reads the file whole instead: a graph whose quads are not
all together, a quad in the default graph or in a blank-node graph, or a line it cannot split.
"""

from collections.abc import Iterable, Iterator
from pathlib import Path

from rdflib import URIRef

TYPE = b" <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "


class NotGrouped(Exception):
    """The file is N-Quads this reader does not cut (see the module docstring)."""


CHUNK = 1 << 24  # bytes read at a time


def graphs_of(path: Path, triples: bool = True) -> Iterator[tuple[URIRef, bytes]]:
    """Each named graph in the N-Quads file ``path``, with its triples as N-Triples (or, with
    ``triples`` false, nothing: only the names), in file order. Raises NotGrouped as soon as
    the file turns out not to suit this reader."""
    seen: set[bytes] = set()
    current, parts = None, []
    for graph, data, number in _runs(path, triples):
        if graph != current:
            if current is not None:
                yield URIRef(current.decode("utf-8")), b"".join(parts)
            if graph in seen:
                raise NotGrouped(f"line {number}: the graph <{graph.decode()}> appeared before")
            seen.add(graph)
            current, parts = graph, []
        parts.append(data)
    if current is not None:
        yield URIRef(current.decode("utf-8")), b"".join(parts)


def _runs(path: Path, triples: bool) -> Iterator[tuple[bytes, bytes, int]]:
    """(graph, its triples or b"", first line number) of each run of lines in one graph, read
    :data:`CHUNK` bytes at a time."""
    number, rest = 1, b""
    with Path(path).open("rb") as f:
        while block := f.read(CHUNK):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            yield from _chunk_runs(block, number, triples)
            number += block.count(b"\n")
    if rest:
        yield from _chunk_runs(rest + b"\n", number, triples)


def _chunk_runs(block: bytes, number: int, triples: bool) -> Iterator[tuple[bytes, bytes, int]]:
    """The runs of a chunk of whole lines. Where a line ends with `` <g> .`` and every line
    from it to the last line so ending does too (a graph kept together, the common case), that
    stretch is one run, cut with two counts and one replace; elsewhere, and for the rest of the
    chunk once that fails, line by line."""
    pos, fast = 0, True
    while pos < len(block):
        line_end = block.index(b"\n", pos) + 1
        start = block.rfind(b" <", pos, line_end)
        if fast and block[pos] in b"<_" and start > pos and block.endswith(b"> .\n", pos, line_end):
            end = block[start:line_end]  # " <graph> .\n"
            graph = end[2:-4]
            last = _last_line_end(block, pos, end)
            lines = block.count(b"\n", pos, last)
            if block.count(end, pos, last) == lines:
                yield graph, (block[pos:last].replace(end, b" .\n") if triples else b""), number
                pos, number = last, number + lines
                continue
            fast = False
        body = block[pos:line_end].strip()
        if body and not body.startswith(b"#"):
            graph, triple = _split(body, number)
            yield graph, (triple if triples else b""), number
        pos, number = line_end, number + 1


def _last_line_end(block: bytes, pos: int, end: bytes) -> int:
    """Where the line ending with ``end`` that starts at ``pos`` and the lines after it that
    end so stop, found by bisection as if they were together (the caller checks that)."""
    low, high = pos, len(block)  # the line holding ``low`` ends with ``end``; the one at ``high`` does not
    while high - low > 1:
        middle = (low + high) // 2
        if block.endswith(end, 0, block.index(b"\n", middle) + 1):
            low = middle
        else:
            high = middle
    return block.index(b"\n", low) + 1


def _split(body: bytes, number: int) -> tuple[bytes, bytes]:
    """(graph IRI, the quad as an N-Triples line) of a stripped quad line."""
    if not body.endswith(b"."):
        raise NotGrouped(f"line {number} does not end with '.'")
    body = body[:-1].rstrip()
    start = body.rfind(b"<")
    if not body.endswith(b">") or start <= 0 or body[start - 1:start] not in (b" ", b"\t"):
        raise NotGrouped(f"line {number} has no graph IRI at its end")
    return body[start + 1:-1], body[:start].rstrip() + b" .\n"


def typed_subjects(path: Path, iris: Iterable[str]) -> set[str]:
    """Which of ``iris`` are the subject of an ``rdf:type`` quad in the N-Quads file ``path``."""
    wanted = {f"<{i}>".encode(): i for i in iris}
    found = set()
    with Path(path).open("rb") as f:
        for line in f:
            if TYPE in line:
                subject = line.split(b" ", 1)[0]
                if subject in wanted:
                    found.add(wanted[subject])
    return found
