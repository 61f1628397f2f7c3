"""A query rewritten to read the union of all graphs but a few (the restricted view of
:mod:`.access`), as fast as the union itself.

Naming the visible graphs as the dataset is correct but slow on a big store: Oxigraph then looks
each pattern up once per graph named (with a thousand studies and one restricted, a page of
quotes took 67 s against 27 ms; ``benchmarks/RESULTS.md``). Instead, :func:`hide_graphs` puts
each triple pattern of the default graph in a graph of its own and keeps that graph off the
hidden list::

    ?q pk:inStudy/rdfs:label ?study
    ->  { GRAPH ?_pkg1 { ?q pk:inStudy ?_pkp1 } FILTER(?_pkg1 NOT IN (<hidden>)) }
        { GRAPH ?_pkg2 { ?_pkp1 rdfs:label ?study } FILTER(?_pkg2 NOT IN (<hidden>)) }

so the engine reads the union's own indexes and drops the hidden graphs' matches. Every
``GRAPH`` of the query itself gets the same filter. This gives the answers the dataset gives:
Oxigraph's union of graphs keeps a triple once per graph that holds it, as one pattern per graph
does, and a sequence path is the join of its steps (SPARQL 1.1, section 18.2.2.4). ``SELECT *``
is written out as the query's own variables in Oxigraph's order (by name), so the added ones
stay out of the answer.

The rewrite reads the query as SPARQL's tokens (:mod:`.tokens`) and fails closed: whatever it
does not follow makes it return None, and the caller names the visible graphs as the dataset
instead: ``DESCRIBE``, ``SERVICE``, ``FROM``, a path outside ``GRAPH`` other than a sequence
(``pk:broader+`` may cross graphs), blank nodes or collections in a pattern, EXISTS or a subquery
inside ``GRAPH`` (Oxigraph reads a subquery there from the default graph, and engines differ),
a brace it cannot place, a query the security check refuses (:mod:`.inspect`: where the
engine could read it otherwise), and one that the added patterns would make too long for the
engine to parse.
"""

from functools import lru_cache

from peerkg.graph.base.errors import QueryError
from peerkg.graph.store.binding import iri
from peerkg.graph.store.inspect import inspect
from peerkg.graph.store.tokens import LAYOUT, tokenize

GRAPH_VAR, STEP_VAR = "_pkg", "_pkp"  # prefixes of the variables the rewrite adds


class Unsupported(Exception):
    """The query uses something the rewrite does not follow."""


@lru_cache(maxsize=1024)
def hide_graphs(query: str, hidden: frozenset[str]) -> str | None:
    """``query`` rewritten so that neither its default graph (the union of all named graphs)
    nor any ``GRAPH`` of it reads a graph in ``hidden``, or None if it cannot be (see the
    module docstring); a query that does not parse comes back as None too, for the engine to
    name its error."""
    if GRAPH_VAR in query or STEP_VAR in query:
        return None
    try:
        inspect(query)  # read as the engine reads it, or refused (see .inspect)
        rewritten = _Rewrite(query, hidden).query()
        inspect(rewritten)  # the added patterns stay within what the engine can parse
    except (Unsupported, QueryError):
        return None
    return rewritten


class _Rewrite:
    """One pass over a query's tokens, copying them to :attr:`out` with the patterns wrapped."""

    def __init__(self, query: str, hidden: frozenset[str]):
        # comments become line breaks: an added token must never land inside one
        self.tokens = [("space", "\n") if kind == "comment" else (kind, text)
                       for kind, text, _ in tokenize(query)]
        self.significant = [i for i, (kind, _) in enumerate(self.tokens) if kind not in LAYOUT]
        if any(kind == "other" for kind, _ in self.tokens):
            raise Unsupported  # not SPARQL: the engine names the error
        self.at = 0  # index into significant
        self.copied = 0  # index into tokens: what is before it is written or dropped
        self.out: list[str] = []
        self.not_in = "(" + ", ".join(f"<{iri(g)}>" for g in sorted(hidden)) + ")"
        self.added = 0

    # reading
    def peek(self, ahead: int = 0) -> tuple[str, str]:
        i = self.at + ahead
        return self.tokens[self.significant[i]] if i < len(self.significant) else ("end", "end")

    def word(self, ahead: int = 0) -> str:
        kind, text = self.peek(ahead)
        return text.upper() if kind == "name" else text

    def take(self) -> str:
        """Copy the next token, with the layout before it; return its text."""
        if self.at >= len(self.significant):
            raise Unsupported
        end = self.significant[self.at] + 1
        self.out.append("".join(text for _, text in self.tokens[self.copied:end]))
        self.copied, self.at = end, self.at + 1
        return self.tokens[end - 1][1]

    def expect(self, text: str) -> None:
        if self.word() != text:
            raise Unsupported
        self.take()

    def cut(self, count: int) -> str:
        """Drop the next ``count`` tokens from the copy; return their text (inner layout kept)."""
        if count < 1 or self.at + count > len(self.significant):
            raise Unsupported
        first, last = self.significant[self.at], self.significant[self.at + count - 1]
        self.copied, self.at = last + 1, self.at + count
        return "".join(text for _, text in self.tokens[first:last + 1])

    def fresh(self, prefix: str) -> str:
        self.added += 1
        return f"?{prefix}{self.added}"

    # the query
    def query(self) -> str:
        while self.word() in ("BASE", "PREFIX"):
            self.take()
            if self.word(-1) == "PREFIX":
                self.take()
            self.take()
        form = self.word()
        if form == "SELECT":
            self.select(inside=False)
        elif form in ("ASK", "CONSTRUCT"):
            self.take()
            if form == "CONSTRUCT":
                self.template()
            self.where(local=False)
            self.solution_modifiers(inside=False)
        else:
            raise Unsupported  # DESCRIBE reads what it describes from every graph
        self.out.append("".join(text for _, text in self.tokens[self.copied:]))
        return "".join(self.out)

    def select(self, inside: bool) -> set[str]:
        """A SELECT query, or (``inside`` a group) a subquery, up to its end; returns the
        variables it projects."""
        self.take()
        if self.word() in ("DISTINCT", "REDUCED"):
            self.take()
        star, projected = None, set()
        if self.word() == "*":
            self.cut(1)
            star = len(self.out)
            self.out.append("")
        while star is None and self.word() not in ("WHERE", "{"):
            kind, _ = self.peek()
            if kind == "var":
                projected.add(self.take()[1:])
            elif self.word() == "(":
                projected |= self.bracketed(local=False)
            else:
                raise Unsupported  # FROM, or not SPARQL
        variables = self.where(local=False)
        variables |= self.solution_modifiers(inside)
        if star is None:
            return projected
        if not variables:
            raise Unsupported
        self.out[star] = " " + " ".join(f"?{v}" for v in sorted(variables))
        return variables

    def template(self) -> None:
        """A CONSTRUCT template, copied as it is: it writes triples, it reads none."""
        if self.word() != "{":
            raise Unsupported  # CONSTRUCT WHERE reads its template from every graph
        self.flat_block()

    def flat_block(self) -> None:
        """``{ ... }`` with no brace inside (a CONSTRUCT template, VALUES data), as it is."""
        self.expect("{")
        while self.word() != "}":
            if self.word() in ("{", "end"):
                raise Unsupported
            self.take()
        self.take()

    def where(self, local: bool) -> set[str]:
        if self.word() == "WHERE":
            self.take()
        return self.group(local)

    def solution_modifiers(self, inside: bool) -> set[str]:
        """GROUP BY ... VALUES, up to the end of the query or (``inside`` a subquery) of its
        group; returns the variables VALUES binds."""
        variables = set()
        while True:
            word = self.word()
            if word == "end" and not inside or word == "}" and inside:
                return variables
            if word == "(":
                self.bracketed(local=False)
            elif word in ("EXISTS", "NOT"):
                self.exists(local=False)
            elif word == "VALUES":
                variables |= self.values()
            elif word in ("{", "}", "end", "SERVICE", "GRAPH", "FROM", "SELECT", "WHERE"):
                raise Unsupported
            else:
                self.take()

    # graph patterns
    def group(self, local: bool) -> set[str]:
        """A group graph pattern; ``local`` inside GRAPH, where patterns read the graph GRAPH
        names. Returns the variables it binds (as SELECT * sees them)."""
        self.expect("{")
        if self.word() == "SELECT":
            if local:
                raise Unsupported  # engines differ on the graph a subquery in GRAPH reads
            variables = self.select(inside=True)
            self.expect("}")
            return variables
        variables, after_triples = set(), False
        while (word := self.word()) != "}":
            triples = False
            if word == "{":
                variables |= self.group(local)
            elif word in ("UNION", "."):
                self.take()
            elif word == "OPTIONAL":
                self.take()
                variables |= self.group(local)
            elif word == "MINUS":
                self.take()
                self.group(local)
            elif word == "GRAPH":
                variables |= self.graph()
            elif word == "FILTER":
                self.take()
                self.constraint(local)
            elif word == "BIND":
                self.take()
                variables |= self.bracketed(local)
            elif word == "VALUES":
                variables |= self.values()
            elif word in ("SERVICE", "end", "SELECT", "WHERE", "FROM"):
                raise Unsupported
            elif after_triples:
                raise Unsupported  # two subjects with no '.' between: not SPARQL
            else:
                variables |= self.triples(local)
                triples = True
            after_triples = triples
        self.take()
        return variables

    def graph(self) -> set[str]:
        """``GRAPH term { ... }`` as ``{ GRAPH term { ... } FILTER(term NOT IN hidden) }``."""
        self.out.append(" {")
        self.take()
        kind, name = self.peek()
        if kind not in ("var", "iri", "name") or kind == "name" and ":" not in name:
            raise Unsupported
        self.take()
        variables = self.group(local=True)
        self.out.append(f" FILTER({name} NOT IN {self.not_in}) }}")
        return variables | ({name[1:]} if kind == "var" else set())

    def constraint(self, local: bool) -> None:
        """What follows FILTER: a bracketed expression, EXISTS, or a function call."""
        word = self.word()
        if word in ("EXISTS", "NOT"):
            self.exists(local)
            return
        if word != "(":
            kind, _ = self.peek()
            if kind not in ("name", "iri"):
                raise Unsupported
            self.take()
        self.bracketed(local)

    def exists(self, local: bool) -> None:
        if local:
            raise Unsupported  # engines differ on the graph EXISTS in GRAPH reads
        if self.word() == "NOT":
            self.take()
        self.expect("EXISTS")
        self.group(local)

    def bracketed(self, local: bool) -> set[str]:
        """A bracketed expression, its EXISTS patterns rewritten; returns the variables it
        names after AS (a projection's or a BIND's)."""
        self.expect("(")
        depth, named = 1, set()
        while depth:
            word = self.word()
            if word in ("EXISTS", "NOT") and self.word(1) in ("EXISTS", "{"):
                self.exists(local)
                continue
            if word in ("{", "}", "end") or word == "DISTINCT" and self.word(1) == "*":
                raise Unsupported  # COUNT(DISTINCT *) would count the added variables too
            depth += {"(": 1, ")": -1}.get(word, 0)
            self.take()
            if word == "AS" and depth == 1:
                kind, _ = self.peek()
                if kind != "var":
                    raise Unsupported
                named.add(self.take()[1:])
        return named

    def values(self) -> set[str]:
        self.expect("VALUES")
        variables = set()
        while self.word() != "{":
            kind, text = self.peek()
            if kind == "var":
                variables.add(text[1:])
            elif text not in "()":
                raise Unsupported
            self.take()
        self.flat_block()
        return variables

    # triple patterns
    def triples(self, local: bool) -> set[str]:
        """One subject and its predicate-object list. Outside GRAPH each triple pattern is
        wrapped in a graph of its own; inside, they are written back as they are."""
        subject = self.term()
        variables = set()
        while True:
            verb, path = self.verb()
            while True:
                obj = self.term()
                for text in (subject, obj, verb):
                    if text.startswith(("?", "$")):
                        variables.add(text[1:])
                self.pattern(local, subject, verb, path, obj)
                if self.word() != ",":
                    break
                self.cut(1)
            if self.word() != ";":
                return variables
            while self.word() == ";":
                self.cut(1)
            if self.word() in (".", "}", "{") or self.peek()[0] == "name" and ":" not in self.word() \
                    and self.word() != "A":
                return variables

    def pattern(self, local: bool, subject: str, verb: str, path, obj: str) -> None:
        if local:
            self.out.append(f" {subject} {verb} {obj} .")
        else:
            self.out.append(self.wrapped(path, subject, obj))

    def wrapped(self, path, start: str, end: str) -> str:
        """The patterns of ``path`` from ``start`` to ``end``, each in a graph of its own, a
        sequence as the join of its steps (SPARQL 1.1, section 18.2.2.4). Refused: a repeated
        path or a negated property set (either may cross graphs), and alternatives (Oxigraph
        answers ``(a/b)|c`` with each pair of ends once, where a UNION keeps every way)."""
        kind, value = path
        if kind == "alt":
            if len(value) > 1:
                raise Unsupported
            return self.wrapped(value[0], start, end)
        if kind == "seq":
            ends = [start] + [self.fresh(STEP_VAR) for _ in value[1:]] + [end]
            return "".join(self.wrapped(step, a, b)
                           for step, a, b in zip(value, ends[:-1], ends[1:], strict=True))
        inverse, primary, modifier = value
        if modifier or primary[0] == "not":
            raise Unsupported
        if inverse:
            start, end = end, start
        if primary[0] == "group":
            return self.wrapped(primary[1], start, end)
        graph = self.fresh(GRAPH_VAR)
        return (f" {{ GRAPH {graph} {{ {start} {primary[1]} {end} }} "
                f"FILTER({graph} NOT IN {self.not_in}) }}")

    def term(self) -> str:
        """A subject or object: a variable, an IRI or a literal (not a blank node)."""
        kind, text = self.peek()
        count = 1
        if kind == "string":
            kind1, next1 = self.peek(1)
            if next1 == "^^":
                count = 3
            elif kind1 == "name" and next1.startswith("@"):
                count = 2
        elif kind == "op" and text in "+-" and self.peek(1)[0] == "number":
            count = 2
        elif kind == "name":
            if text.startswith("_:") or ":" not in text and text.upper() not in ("TRUE", "FALSE"):
                raise Unsupported
        elif kind not in ("var", "iri", "number"):
            raise Unsupported  # [ ... ], ( ... ), or not SPARQL
        return self.cut(count)

    def verb(self) -> tuple[str, tuple]:
        """A predicate: its text, and its path as a tree (SPARQL 1.1 grammar, rules 88-96):
        ``("alt", [seq, ...])``, ``("seq", [step, ...])``, a step being ``("step", (inverse,
        primary, modifier))`` with primary ``("iri", text)``, ``("not", text)`` or ``("group",
        path)``. A variable is a path of one step."""
        start = self.at
        kind, text = self.peek()
        if kind == "var":
            self.at += 1
            path = ("step", (False, ("iri", text), ""))
        else:
            path = self.path()
        count, self.at = self.at - start, start
        return self.cut(count), path

    def path(self) -> tuple:
        return self.separated("|", "alt", lambda: self.separated("/", "seq", self.step))

    def separated(self, separator: str, kind: str, part) -> tuple:
        """``part()`` read once and again after each ``separator``: ``(kind, [part, ...])``."""
        parts = [part()]
        while self.peek() == ("op", separator):
            self.at += 1
            parts.append(part())
        return (kind, parts)

    def step(self) -> tuple:
        inverse = self.peek() == ("op", "^")
        self.at += inverse
        kind, text = self.peek()
        if kind == "iri" or kind == "name" and (":" in text or text == "a"):
            primary = ("iri", text)
        elif (kind, text) == ("op", "!"):
            first = self.at
            self.at += 1
            self.at += self.peek() == ("op", "^")
            if self.peek() == ("op", "("):
                while self.peek()[1] not in (")", "end"):
                    self.at += 1
            primary = ("not", self.tokens[self.significant[first]][1])
        elif (kind, text) == ("op", "("):
            self.at += 1
            primary = ("group", self.path())
            if self.peek() != ("op", ")"):
                raise Unsupported
        else:
            raise Unsupported
        self.at += 1
        modifier = self.peek()[1] if self.peek()[1] in ("*", "+", "?") else ""
        self.at += bool(modifier)
        return ("step", (inverse, primary, modifier))
