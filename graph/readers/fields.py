"""Reading YAML and CSV while remembering where each value came from.

Readers of user-edited files must name the file, the line or row and the field of any error.
:func:`read_yaml` returns mappings and lists that know the line of each entry, and
:func:`read_csv` rows that know their row number; :class:`Field` turns either into an
:class:`~peerkg.graph.base.errors.InputError` naming the place.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from peerkg.graph.base.errors import InputError

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class LocatedDict(dict):
    """A YAML mapping that knows the line of each of its keys (1-based)."""

    line: int = 0
    lines: dict


class LocatedList(list):
    """A YAML sequence that knows the line of each item (1-based)."""

    line: int = 0
    lines: list


class _Loader(yaml.SafeLoader):
    pass


def _construct(loader, node):
    """A node's value; a value YAML cannot build (a date such as 2013-02-30) is an error at the
    node's line."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as e:
        raise yaml.constructor.ConstructorError(None, None, f"cannot read this value ({e})",
                                                node.start_mark) from None


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    result = LocatedDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = _construct(loader, key_node)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(None, None, "a key must be plain text",
                                                    key_node.start_mark)
        result[key] = _construct(loader, value_node)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader, node):
    result = LocatedList(_construct(loader, child) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path) -> "Field":
    """Parse a YAML file; a syntax error becomes an InputError naming its line and column."""
    text = _read_text(path)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path.name}, line {mark.line + 1}, column {mark.column + 1}" if mark else path.name
        raise InputError(f"malformed YAML: {e.problem or e.context}", where) from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow, such as a control character
        line = text.count("\n", 0, e.position) + 1
        code = e.character if isinstance(e.character, int) else ord(e.character)
        raise InputError(f"malformed YAML: character U+{code:04X} is not allowed in YAML",
                         f"{path.name}, line {line}") from None
    except (yaml.YAMLError, RecursionError) as e:
        raise InputError(f"malformed YAML: {e}", path.name) from None
    if not isinstance(data, dict):
        raise InputError("expected a YAML mapping at the top level", f"{path.name}, line 1")
    return Field(data, path.name, data.line, "")


def read_csv(path: Path, columns: list[str], optional: list[str] = (),
             extra: bool = False) -> list["Field"]:
    """Read a UTF-8 CSV with a header row holding at least ``columns``, and any of
    ``optional``; another column is an error unless ``extra`` (then the caller reads it).

    Returns one Field per data row; row numbers count the header as row 1, as spreadsheets do.
    """
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, strict=True)
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header]
            if missing:
                raise InputError(
                    f"missing column(s) {', '.join(missing)}; the header must name "
                    f"{', '.join(columns)}",
                    f"{path.name}, row 1",
                )
            unknown = [c for c in header if c not in columns and c not in optional]
            if unknown and not extra:
                raise InputError(
                    f"unknown column '{unknown[0]}' (columns: {', '.join([*columns, *optional])})",
                    f"{path.name}, row 1")
            if len(set(header)) != len(header):
                twice = next(c for c in header if header.count(c) > 1)
                raise InputError(f"column '{twice}' appears twice", f"{path.name}, row 1")
            rows = []
            for record in reader:
                row = reader.line_num
                if None in record or any(v is None for v in record.values()):
                    raise InputError(
                        f"has {len(header)} columns in the header but a different number here",
                        f"{path.name}, row {row}",
                    )
                rows.append(Field(record, path.name, row, "", row_based=True))
            return rows
    except FileNotFoundError:
        raise InputError("file not found (every study package needs it)", str(path)) from None
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text ({e.reason} at byte {e.start})", path.name) from None
    except csv.Error as e:
        raise InputError(f"malformed CSV: {e}", path.name) from None
    except OSError as e:
        raise InputError(f"cannot read it: {e.strerror}", str(path)) from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found (every study package needs it)", str(path)) from None
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text ({e.reason} at byte {e.start})", str(path)) from None
    except OSError as e:
        raise InputError(f"cannot read it: {e.strerror}", str(path)) from None


@dataclass
class Field:
    """A value read from a file, with the file, line (or row) and dotted field path it came from.

    Indexing a Field by key returns the child Field with its own line, so errors raised deep
    inside a structure still name the right place.
    """

    value: object
    file: str
    line: int
    path: str
    row_based: bool = False

    @property
    def where(self) -> str:
        unit = "row" if self.row_based else "line"
        field = f", field '{self.path}'" if self.path else ""
        return f"{self.file}, {unit} {self.line}{field}"

    def error(self, message: str) -> InputError:
        return InputError(message, self.where)

    def _child(self, path: str, value, line: int | None) -> "Field":
        return Field(value, self.file, line or self.line, path, self.row_based)

    def get(self, key: str, default=None) -> "Field":
        """The child ``key`` (``default`` if absent; an absent mapping reads as empty)."""
        if self.value is not None and not isinstance(self.value, dict):
            raise self.error(f"expected a mapping with '{key}'")
        mapping = self.value or {}
        lines = getattr(mapping, "lines", {})
        path = f"{self.path}.{key}" if self.path else key
        return self._child(path, mapping.get(key, default), lines.get(key))

    def __getitem__(self, key: str) -> "Field":
        item = self.get(key)
        if item.value is None or item.value == "":
            raise item.error("is required but missing or empty")
        return item

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and self.value.get(key) not in (None, "")

    def items(self) -> list["Field"]:
        """The entries of a YAML list (an absent key reads as an empty list)."""
        if self.value is None:
            return []
        if not isinstance(self.value, list):
            raise self.error("expected a list")
        lines = getattr(self.value, "lines", [])
        return [
            self._child(f"{self.path}[{i}]", v, lines[i] if lines else None)
            for i, v in enumerate(self.value)
        ]

    def text(self) -> str:
        if isinstance(self.value, bool) or not isinstance(self.value, str | int | float):
            raise self.error(f"expected text, found {type(self.value).__name__}")
        return str(self.value)

    def slug(self) -> str:
        value = self.text()
        if not SLUG.match(value):
            raise self.error(f"'{value}' is not a valid id (lowercase letters, digits and '-')")
        return value

    def count(self) -> int:
        """A non-negative integer (YAML int, or CSV text of digits)."""
        value = self.value
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(f"expected a non-negative integer, found {value!r}")
        return value

    def number(self) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self.error(f"expected a number, found {self.value!r}")
        return self.value

    def slugs(self, sep: str | None = None) -> list[str]:
        """A list of ids: a YAML list, or (with ``sep``) a separated CSV cell."""
        if sep is not None:
            parts = [p.strip() for p in self.text().split(sep)] if self.value else []
            return [Field(p, self.file, self.line, self.path, self.row_based).slug() for p in parts]
        return [item.slug() for item in self.items()]
