"""JSON Schema checks of a study package's YAML files, with errors that name the place.

The schemas (``schemas/*.schema.json``, JSON Schema 2020-12) are the format's reference: editors
can use them too (for example with yaml-language-server). :func:`check` reports the first
problem in file order as an :class:`~peerkg.graph.base.errors.InputError` naming the file, the
line and the field: an unknown or misspelt key (with the keys allowed there), a missing key, a
wrong type or value.
"""

import datetime
import difflib
import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from peerkg.graph.base.errors import InputError
from peerkg.graph.readers.fields import Field

SCHEMAS = Path(__file__).parent / "schemas"
TYPE_NAMES = {"string": "text", "integer": "a whole number", "number": "a number",
              "array": "a list", "object": "a mapping", "boolean": "true or false"}


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _plain(value):
    """YAML values as JSON Schema sees them (dates as ISO text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def check(field: Field, name: str) -> None:
    """Raise InputError unless ``field`` (a whole YAML file) matches the schema ``name``
    (``study``, ``codebook`` or ``references``)."""
    errors = list(_validator(name).iter_errors(_plain(field.value)))
    if errors:
        # first in file order; in one mapping, an unknown key (a misspelling) before the
        # required key it probably misspells
        located = [(*_locate(field, e), e.validator != "additionalProperties") for e in errors]
        raise min(located, key=lambda item: (item[0], item[2]))[1]


def _at(field: Field, path) -> Field:
    for step in path:
        field = field.items()[step] if isinstance(step, int) else field.get(step)
    return field


def _locate(root: Field, error: ValidationError) -> tuple[int, InputError]:
    """The line of the value an error is about, and the error as a user should read it."""
    field = _at(root, error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        key = field.get(str(unknown[0]))
        hint = difflib.get_close_matches(str(unknown[0]), allowed, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        message = (f"unknown key '{unknown[0]}'{suggestion} (allowed here: {', '.join(allowed)})"
                   if allowed else f"unknown key '{unknown[0]}'")
        return field.line, InputError(message, key.where if allowed else field.where)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return field.line, field.error(f"missing the required key '{missing}'")
    if error.validator == "type":
        wanted = error.validator_value
        wanted = [wanted] if isinstance(wanted, str) else wanted
        names = " or ".join(TYPE_NAMES.get(w, w) for w in wanted)
        return field.line, field.error(f"expected {names}, found {error.instance!r}")
    if error.validator == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return field.line, field.error(f"must be one of {choices}, not {error.instance!r}")
    if error.validator == "pattern":
        return field.line, field.error(
            f"'{error.instance}' is not a valid id (lowercase letters, digits and '-')")
    if error.validator == "minimum" and error.validator_value == 0:
        return field.line, field.error(f"expected a non-negative integer, found {error.instance!r}")
    if error.validator in ("minimum", "maximum"):
        return field.line, field.error(f"out of range: {error.message}")
    return field.line, field.error(error.message)
