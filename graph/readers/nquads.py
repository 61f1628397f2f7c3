"""N-Quads files read one named graph at a time, as text, so that a file of 10^7 quads is
checked graph by graph in bounded memory (https://www.w3.org/TR/n-quads/: one quad a line).

:func:`graphs_of` cuts the file at each change of graph name and gives each graph's triples as
N-Triples. It does not parse terms (the store's bulk loader does, when it loads the file); it
only finds the graph name that ends each line. A file it cannot read this way raises
:class:`NotGrouped`, and the caller reads the file whole instead: a graph whose quads are not
all together, a quad in the default graph or in a blank-node graph, or a line it cannot split.
"""

from collections.abc import Iterable, Iterator
from pathlib import Path

from rdflib import URIRef

TYPE = b" <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "


class NotGrouped(Exception):
    """The file is N-Quads this reader does not cut (see the module docstring)."""


def graphs_of(path: Path) -> Iterator[tuple[URIRef, bytes]]:
    """Each named graph in the N-Quads file ``path``, with its triples as N-Triples, in file
    order. Raises NotGrouped as soon as the file turns out not to suit this reader."""
    seen: set[bytes] = set()
    current, lines = None, []
    with Path(path).open("rb") as f:
        for number, line in enumerate(f, 1):
            body = line.strip()
            if not body or body.startswith(b"#"):
                continue
            graph, triple = _split(body, number)
            if graph != current:
                if current is not None:
                    yield URIRef(current.decode("utf-8")), b"".join(lines)
                if graph in seen:
                    raise NotGrouped(f"line {number}: the graph <{graph.decode()}> appeared before")
                seen.add(graph)
                current, lines = graph, []
            lines.append(triple)
    if current is not None:
        yield URIRef(current.decode("utf-8")), b"".join(lines)


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
