"""What a SPARQL query or update asks of the engine, read before any engine sees it: its form,
the dataset it names (``FROM``, ``FROM NAMED``), every endpoint it would call (``SERVICE``) or
fetch (``LOAD``), and for an update whether each operation names its own dataset (``USING``,
``WITH``).

The text is read as SPARQL's tokens (:mod:`.tokens`, the reading :mod:`.dialect` shares) with
the brackets followed, rather than by a full parser: rdflib's parser was measured at 40 ms a
kilobyte, with the GIL held, and gives up on a group of 100 triple patterns. What the scan must
not get wrong is where strings, comments and IRIs begin and end, since text inside them is not
SPARQL. The one place SPARQL's tokens depend on the grammar is ``<``, which starts an IRI or is
the less-than operator; only inside an expression can it be an operator, and there the two
readings differ only if the would-be IRI holds ``'``, ``#``, ``\\`` or a bracket. Such a ``<``
is read as an IRI when an operator or an opening bracket comes before it (where Oxigraph's
parser expects an operand) and refused otherwise, rather than guessed at. A character that
begins no token (an unclosed quote, say) is refused too.

Oxigraph's parser and planner recurse, and a deep or long query exhausts their stack and aborts
the engine (measured on 0.5.13: 3,000 nested brackets; 1,333 BINDs in a row, about 5,300
operators and keywords). So a query nested more than :data:`MAX_DEPTH` deep or with more than
:data:`MAX_OPERATORS` operators and keywords (not counting VALUES data and commas between
arguments) is refused. Every refusal is a :class:`~peerkg.graph.base.errors.QueryError` saying
why; syntax errors are left to the engine, which names them best. Results are cached by text.

:func:`with_using` applies the SPARQL 1.1 Protocol's ``using-graph-uri`` and
``using-named-graph-uri`` to an update's text, for engines that take no dataset parameters.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin

from peerkg.graph.base.errors import QueryError
from peerkg.graph.store.tokens import LAYOUT, UCHAR, tokenize

MAX_DEPTH = 100
MAX_OPERATORS = 2000
CACHED_LENGTH = 16384  # longer texts are scanned every time rather than kept
FORMS = ("select", "construct", "ask", "describe")

_RISKY = re.compile(r"['#()\[\]\\]")
_OPERAND_START = {"(", ",", "=", "!=", "<", ">", "<=", ">=", "&&", "||", "!", "+", "-", "*", "/",
                  "^^"}
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class Dataset:
    """An RDF dataset (https://www.w3.org/TR/sparql11-query/#rdfDataset): the graphs merged
    into the default graph and the graphs ``GRAPH`` may match, by IRI."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()

    def within(self, visible) -> "Dataset":
        """This dataset with only the graphs in ``visible``."""
        return Dataset(tuple(g for g in self.default if g in visible),
                       tuple(g for g in self.named if g in visible))


@dataclass(frozen=True)
class Inspection:
    """What :func:`inspect` found. ``services`` holds one entry per ``SERVICE``, None for a
    variable endpoint; ``dataset`` is None when a query names no dataset; ``relative`` tells
    whether an IRI is relative with no BASE before it, so the engine would resolve it against
    an address of its own choosing. For an update, ``own_dataset`` tells for each operation
    with a WHERE clause whether it has USING or WITH, and ``wheres`` where (as a character
    offset) each such WHERE keyword begins; ``clauses`` where (start and end offsets) each
    FROM or FROM NAMED clause of a query is."""

    form: str
    services: tuple[str | None, ...] = ()
    loads: tuple[str, ...] = ()
    dataset: Dataset | None = None
    own_dataset: tuple[bool, ...] = ()
    wheres: tuple[int, ...] = ()
    relative: bool = False
    clauses: tuple[tuple[int, int], ...] = ()


def inspect(text: str, kind: str = "query") -> Inspection:
    """Read ``text`` as a SPARQL query (``kind="query"``) or update (``"update"``); raises
    QueryError for a text that is ambiguous, too deep or too long (see the module)."""
    if len(text) > CACHED_LENGTH:
        return _Scan(text, kind).run()
    return _cached(text, kind)


@lru_cache(maxsize=1024)
def _cached(text: str, kind: str) -> Inspection:
    return _Scan(text, kind).run()


class _Token(NamedTuple):
    kind: str  # var, iri, string, number, name or op (see tokens.tokenize)
    text: str
    start: int
    depth: int  # brackets open before it


@dataclass
class _Scan:
    text: str
    kind: str
    tokens: list[_Token] = field(default_factory=list)

    def error(self, message: str, at: int) -> QueryError:
        line = self.text.count("\n", 0, at) + 1
        column = at - (self.text.rfind("\n", 0, at) + 1) + 1
        return QueryError(f"line {line}, column {column}: {message}")

    def run(self) -> Inspection:
        self._tokenize()
        return self._read()

    def _tokenize(self) -> None:
        stack: list[str] = []  # "{", "values", "[", "(" (an expression) or "row"
        tokens, counted = self.tokens, self.kind == "query"
        operators, values_next = 0, False
        for kind, value, start in tokenize(self.text):
            if kind in LAYOUT:
                continue
            if kind == "other":
                raise self.error(f"cannot read {value!r} here", start)
            depth = len(stack)
            inner = stack[-1] if stack else ""
            if value == "<":
                if inner != "(":
                    raise self.error("'<' starts no IRI here", start)
            elif kind == "iri" and inner == "(" and _RISKY.search(value):
                previous = tokens[-1].text if tokens else "("
                if previous not in _OPERAND_START:
                    raise self.error(f"cannot tell whether '<' begins the IRI {value} or "
                                     "compares with what follows; put spaces around a "
                                     "less-than sign", start)
            if kind == "name" and value.lower() == "values":
                values_next = True
            elif value in ("{", "[", "("):
                if value == "{":
                    stack.append("values" if values_next else "{")
                    values_next = False
                else:
                    stack.append("row" if value == "(" and (values_next or inner == "values")
                                 else value)
                if len(stack) > MAX_DEPTH:
                    raise self.error(f"nested more than {MAX_DEPTH} brackets deep", start)
            elif value in ("}", "]", ")"):
                if not stack:
                    raise self.error(f"{value!r} closes nothing", start)
                stack.pop()
            if counted and (kind == "op" or (kind == "name" and ":" not in value)) \
                    and inner not in ("values", "row") and not (value == "," and inner == "("):
                operators += 1
                if operators > MAX_OPERATORS:
                    raise self.error(f"more than {MAX_OPERATORS} operators and keywords: split "
                                     "the query or put long lists of values in VALUES", start)
            tokens.append(_Token(kind, value, start, depth))

    # -- reading the tokens ----------------------------------------------------------------------

    def _read(self) -> Inspection:
        base, prefixes = None, {}  # as written: resolved only when a clause needs them
        form, services, loads, default, named = None, [], [], [], []
        own, wheres, operation_own, relative, clauses = [], [], False, False, []
        tokens = self.tokens
        for i, token in enumerate(tokens):
            word = token.text.lower() if token.kind == "name" else None
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if token.kind == "iri" and base is None and not _ABSOLUTE.match(token.text[1:]):
                relative = True
            if word == "base" and following and following.kind == "iri":
                base = (following, base)
            elif word == "prefix" and following and following.text.endswith(":"):
                target = tokens[i + 2] if i + 2 < len(tokens) else None
                if target is not None and target.kind == "iri":
                    prefixes[following.text[:-1]] = (target, base)
            elif word is not None and word.startswith("service"):
                if word != "service":
                    raise self.error("write SERVICE apart from the endpoint that follows it",
                                     token.start)
                services.append(self._endpoint(tokens, i + 1, base, prefixes, "SERVICE"))
            elif word == "load" and token.depth == 0 and self.kind == "update":
                loads.append(self._endpoint(tokens, i + 1, base, prefixes, "LOAD"))
            elif word in FORMS and form is None and token.depth == 0:
                form = word
            elif word == "from" and token.depth == 0 and self.kind == "query":
                is_named = bool(following and following.text.lower() == "named")
                graph = self._endpoint(tokens, i + 1 + is_named, base, prefixes, "FROM")
                (named if is_named else default).append(graph)
                last = tokens[i + 1 + is_named]
                clauses.append((token.start, last.start + len(last.text)))
            elif word in ("using", "with") and token.depth == 0:
                operation_own = True
            elif word == "where" and token.depth == 0 and self.kind == "update":
                if i and tokens[i - 1].text.lower() != "delete":
                    own.append(operation_own)
                    wheres.append(token.start)
            elif token.text == ";" and token.depth == 0 and self.kind == "update":
                operation_own = False
        dataset = Dataset(tuple(default), tuple(named)) if default or named else None
        return Inspection("update" if self.kind == "update" else form or "select",
                          tuple(services), tuple(loads), dataset, tuple(own), tuple(wheres),
                          relative, tuple(clauses))

    def _endpoint(self, tokens, i, base, prefixes, clause: str) -> str | None:
        """The IRI at ``tokens[i]`` (after an optional SILENT), None for a variable."""
        if i < len(tokens) and tokens[i].text.lower() == "silent":
            i += 1
        if i >= len(tokens):
            raise self.error(f"{clause} needs an IRI", len(self.text))
        token = tokens[i]
        if token.kind == "var" and clause == "SERVICE":
            return None
        if token.kind == "iri" or (token.kind == "name" and ":" in token.text):
            return self._resolve(token, base, prefixes)
        raise self.error(f"{clause} needs an IRI, not {token.text!r}", token.start)

    def _resolve(self, token: _Token, base, prefixes) -> str:
        """The absolute IRI an IRI or prefixed-name token stands for; ``base`` is the BASE
        token with the base before it (or None), ``prefixes`` maps each prefix to its IRI
        token with the base in force where it was declared."""
        if token.kind == "iri":
            value = re.sub(UCHAR, lambda m: chr(int(m[0][2:], 16)), token.text[1:-1])
        else:
            prefix, _, local = token.text.partition(":")
            if prefix not in prefixes:
                raise self.error(f"the prefix '{prefix}:' is not declared", token.start)
            value = self._resolve(*prefixes[prefix], {}) + re.sub(r"\\(.)", r"\1", local)
        if _ABSOLUTE.match(value):
            return value
        if base is None:
            raise self.error(f"the relative IRI <{value}> needs a BASE", token.start)
        return urljoin(self._resolve(*base, {}), value)


def without_dataset(query: str) -> str:
    """``query`` without its FROM and FROM NAMED clauses, for an engine that adds the graphs
    they name to the protocol's ``default-graph-uri`` and ``named-graph-uri`` where the
    protocol says those replace them (Virtuoso 7)."""
    parts, last = [], 0
    for start, end in inspect(query).clauses:
        parts.append(query[last:start])
        last = end
    return "".join(parts) + query[last:]


def with_using(update: str, dataset: Dataset) -> str:
    """``update`` with ``USING``/``USING NAMED`` clauses for ``dataset`` before the WHERE of
    every operation that has one, as the protocol's ``using-graph-uri`` and
    ``using-named-graph-uri`` ask. QueryError if an operation names its own dataset (the
    protocol forbids both)."""
    found = inspect(update, "update")
    if any(found.own_dataset):
        raise QueryError("an update with USING or WITH cannot also take using-graph-uri or "
                         "using-named-graph-uri parameters")
    clauses = "".join([f"USING <{g}> " for g in dataset.default] +
                      [f"USING NAMED <{g}> " for g in dataset.named])
    parts, last = [], 0
    for where in found.wheres:
        parts += [update[last:where], clauses]
        last = where
    return "".join(parts) + update[last:]
