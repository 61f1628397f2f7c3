"""Rewrites of query text for engines that deviate from SPARQL 1.1 (Virtuoso 7), made on a
tokenised query (:mod:`.tokens`, read as the security check reads it) so that IRIs,
strings and comments are never touched.

Decimal division. SPARQL 1.1 (section 17.4, ``op:numeric-divide``) makes ``xsd:integer / xsd:integer`` an
``xsd:decimal``: ``2 / 3`` is 0.666…. Virtuoso 7 truncates it to 0 (its issue #475, open
since 2015). :func:`decimal_division` rewrites a query so that every division's left operand
is first multiplied by ``1.0`` (``?a / ?b`` becomes ``?a * 1.0 / ?b``): the same value, but a
decimal (or a double, for a double operand), so the engine divides as SPARQL says. ``*`` and
``/`` share one precedence level and group left to right, so the product is exactly the
division's left operand. Property paths (``pk:inStudy/rdfs:label``), IRIs, strings and
comments are left alone: a ``/`` is a division only inside a parenthesised group that is not
a property path.

Parameters next to EXISTS. Virtuoso fails to compile a FILTER EXISTS that uses a variable bound
by a VALUES block (or BIND) before it ("SP031 ... selid is used outside its scope"), so for such
a query the parameters' VALUES block goes at the end of the WHERE group instead
(:func:`values_at_end`), where every FILTER of the group still sees it.
"""

from peerkg.graph.base.errors import QueryError
from peerkg.graph.store.tokens import LAYOUT, tokenize

_PATH = set("^!|/*+?")
_OPEN, _CLOSE = "({[", ")}]"


def _is_path_element(kind: str, text: str) -> bool:
    return (kind == "iri" or (kind == "name" and (":" in text or text == "a"))
            or (kind == "op" and text in _PATH))


def decimal_division(query: str) -> str:
    """``query`` with ``* 1.0`` before each division operator (see the module docstring);
    a query without one comes back unchanged."""
    if "/" not in query:
        return query
    parts = tokenize(query)
    # for each token, the index of the bracket it is directly inside (-1: none)
    parent, stack = [], []
    for i, (kind, text, _) in enumerate(parts):
        if kind == "op" and text in _CLOSE and stack:
            stack.pop()
        parent.append(stack[-1] if stack else -1)
        if kind == "op" and text in _OPEN:
            stack.append(i)
    # a parenthesised group is a path if everything directly in it is a path element
    path_group = {i: True for i, (kind, text, _) in enumerate(parts) if (kind, text) == ("op", "(")}
    for i, (kind, text, _) in enumerate(parts):
        group = parent[i]
        if group in path_group and kind not in LAYOUT \
                and not (kind == "op" and text in "()") and not _is_path_element(kind, text):
            path_group[group] = False
    for i in reversed(range(len(parts))):  # a group holding an expression group is one
        if i in path_group and not path_group[i] and parent[i] in path_group:
            path_group[parent[i]] = False
    out = []
    for i, (kind, text, _) in enumerate(parts):
        group = parent[i]
        if (kind, text) == ("op", "/") and group in path_group and not path_group[group]:
            out.append("* 1.0 " if out and out[-1].isspace() else " * 1.0 ")
        out.append(text)
    return "".join(out)


def uses_exists(query: str) -> bool:
    """True if the query has an EXISTS (or NOT EXISTS) outside strings, IRIs and comments."""
    return any(kind == "name" and text.upper() == "EXISTS" for kind, text, _ in tokenize(query))


def values_at_end(query: str, block: str, names: list[str]) -> str:
    """``query`` with the VALUES ``block`` (binding ``names``) put last in its WHERE group.

    QueryError if a BIND of the query uses one of ``names``: it would no longer see the value.
    """
    parts = tokenize(query)
    depth, start, end = 0, None, None
    for i, (kind, text, _) in enumerate(parts):
        if kind == "name" and text.upper() == "WHERE" and start is None:
            start = i
        elif kind == "op" and text == "{" and start is not None:
            depth += 1
        elif kind == "op" and text == "}" and start is not None:
            depth -= 1
            if depth == 0:
                end = i
                break
    if end is None:
        raise QueryError("parameters need a query with a WHERE clause")
    bound = {("var", f"{sigil}{n}") for n in names for sigil in "?$"}
    for i, (kind, text, _) in enumerate(parts):
        if kind == "name" and text.upper() == "BIND":
            j, depth = i + 1, 0
            while j < len(parts):
                if parts[j][1] == "(":
                    depth += 1
                elif parts[j][1] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                if parts[j][:2] in bound:
                    raise QueryError("Virtuoso cannot run this query with these parameters: it "
                                     "uses them both in EXISTS and in a BIND")
                j += 1
    texts = [text for _, text, _ in parts]
    last = next(kind for kind, _, _ in reversed(parts[:end]) if kind != "space")
    head = "".join(texts[:end]).rstrip() + ("\n" if last == "comment" else "")  # ends the comment
    return head + f" {block}\n" + "".join(texts[end:])
