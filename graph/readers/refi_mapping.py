"""The mapping file of ``peerkg import --mapping MAP.yaml``: how a QDA project's structure maps
to a study package. Every key is optional; an unknown key is an error naming its line.

.. code-block:: yaml

    offsets: auto          # auto (detect) | codepoint | utf16 | codepoint-lf | utf16-lf
    categories: top-level  # top-level: a top-level code that groups others and codes nothing
                           #   itself is a category; none: every code stays a code
    themes: code-sets      # code-sets: every set (code group) of codes is a theme; none
    participants: cases    # cases (or, if there are none, sources) | sources (each source with
                           #   variable values is a participant, as MAXQDA's document variables) | none
    sites:                 # the variable whose value names a participant's site
      variable: Site
      values: {North: north}          # value -> site id (default: the value as a slug)
    stakeholders:          # the variable whose value names a participant's stakeholder group
      variable: Role
      values: {"Peer worker": peer-worker}   # value -> shared stakeholder group id
    coders:                # REFI user name or GUID -> coder id (default: the name as a slug)
      "Friedrich Markgraf": fm
"""

from dataclasses import dataclass, field
from pathlib import Path

from peerkg.graph.base.errors import InputError
from peerkg.graph.readers.fields import Field, read_yaml
from peerkg.graph.readers.refi_offsets import UNITS

CHOICES = {
    "offsets": ("auto", *UNITS),
    "categories": ("top-level", "none"),
    "themes": ("code-sets", "none"),
    "participants": ("cases", "sources", "none"),
}


@dataclass
class ValueMap:
    """A variable whose values name sites or stakeholder groups."""

    variable: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class Mapping:
    offsets: str = "auto"
    categories: str = "top-level"
    themes: str = "code-sets"
    participants: str = "cases"
    sites: ValueMap | None = None
    stakeholders: ValueMap | None = None
    coders: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"categories: {self.categories}", f"themes: {self.themes}",
                 f"participants: {self.participants}"]
        if self.sites:
            parts.append(f"sites from variable '{self.sites.variable}'")
        if self.stakeholders:
            parts.append(f"stakeholder groups from variable '{self.stakeholders.variable}'")
        return "; ".join(parts)


def read_mapping(path: Path | None) -> Mapping:
    """The mapping in ``path``, or the defaults when ``path`` is None."""
    if path is None:
        return Mapping()
    path = Path(path)
    if not path.is_file():
        raise InputError("no such mapping file", str(path))
    doc = read_yaml(path)
    _only(doc, (*CHOICES, "sites", "stakeholders", "coders"))
    mapping = Mapping()
    for key, allowed in CHOICES.items():
        if doc.has(key):
            value = doc[key].text()
            if value not in allowed:
                raise doc[key].error(f"must be one of {', '.join(allowed)}, not {value!r}")
            setattr(mapping, key, value)
    for key in ("sites", "stakeholders"):
        if doc.has(key):
            setattr(mapping, key, _value_map(doc[key], slugs=key == "sites"))
    if doc.has("coders"):
        mapping.coders = {str(k): doc["coders"][str(k)].slug() for k in _dict(doc["coders"])}
    return mapping


def _dict(item: Field) -> dict:
    if not isinstance(item.value, dict):
        raise item.error("expected a mapping")
    return item.value


def _only(item: Field, keys) -> None:
    for key in _dict(item):
        if key not in keys:
            raise item.get(str(key)).error(f"unknown key '{key}' (known: {', '.join(keys)})")


def _value_map(item: Field, slugs: bool) -> ValueMap:
    _only(item, ("variable", "values"))
    values = {}
    if item.has("values"):
        for key in _dict(item["values"]):
            values[str(key)] = item["values"][str(key)].slug()
    return ValueMap(item["variable"].text(), values)
