"""SPARQL text split into its tokens (SPARQL 1.1 §19.8,
https://www.w3.org/TR/sparql11-query/#sparqlGrammar), the one way the store adapter reads it.

The security check (:mod:`.inspect`) and the rewrites for Virtuoso (:mod:`.dialect`) both read
query text; if they disagreed on where a string, a comment or an IRI ends, a rewrite could
change text the check took for a string, or the check could miss a keyword the engine sees. So
both read it here. As in Oxigraph's parser, a number is a token of its own (Oxigraph 0.5.13
reads ``1SERVICE`` as ``1`` then the keyword ``SERVICE``, and calls the endpoint), and a
prefixed name or blank node label never ends with ``.`` (``ex:o.`` is ``ex:o`` then ``.``).

The one token SPARQL's grammar, not its lexer, decides is ``<``: it starts an IRI or is the
less-than operator. It is read as an IRI whenever it can be one; :mod:`.inspect` refuses the
cases where the other reading would differ.
"""

import re

_PN = ("\\w\u00b7\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u037d\u037f-\u1fff\u200c\u200d\u203f\u2040"
       "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_LOCAL_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?\#@%]"
_NAME_CHAR = rf"[{_PN}\-:%]|{_LOCAL_ESCAPE}"
# An IRI is tried before '<' as an operator, a number before a name.
_TOKEN = re.compile(rf"""
    (?P<space>[ \t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{UCHAR})*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      |'(?:[^'\\\r\n]|\\[^\r\n])*'|"(?:[^"\\\r\n]|\\[^\r\n])*")
  | (?P<var>[?$][{_PN}]+)
  | (?P<number>[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+|[0-9]+)
  | (?P<name>[{_PN}:](?:{_NAME_CHAR}|\.+(?={_NAME_CHAR}))*|@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<op>\|\||&&|!=|<=|>=|\^\^|[{{}}()\[\];,.=<>!+*/|^?\-])
  | (?P<other>.)
""", re.VERBOSE)

LAYOUT = frozenset({"space", "comment"})


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """Every token of ``text`` in order as ``(kind, text, start)``, white space and comments
    included, so the tokens' texts joined give ``text`` back; ``start`` is the token's
    character offset. Never raises: what SPARQL cannot read is a token of kind ``other``.

    ``kind`` is ``space``, ``comment``, ``iri``, ``string``, ``var``, ``number``, ``name`` (a
    keyword, prefixed name, blank node label, ``a``, ``true``/``false`` or a language tag such
    as ``@en``), ``op`` (punctuation and operators, ``&&`` or ``^^`` as one token) or ``other``
    (a character that begins no token, such as an unclosed quote). Plain tuples, not named
    ones: building a named tuple per token doubled the time to read a query.
    """
    return [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(text)]
