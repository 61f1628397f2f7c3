"""Turn a REFI-QDA :class:`~peerkg.graph.readers.refi_model.Project` into the files of a study
package, version 2 (docs/study-format.md).

Contract of :func:`build_package`: returns ``{relative path: bytes}`` and a :class:`Report`;
writes nothing. Every quote is a distinct text range of a source whose text the project carries;
its ``text`` is exactly ``source_text[start:end]`` (code points) and its codings are those of
every selection over that range, one row each in ``codings.csv`` with coder and date (so the
``codes`` column of ``quotes.csv`` stays empty: the same coding is not given twice). Whatever
cannot be a quote (media selections, text selections of sources whose text is absent,
zero-length selections, codings of whole sources) is kept in ``segments.csv`` as the vendor
wrote it and counted as kept aside. Ids are slugs of the names in the project, so they are
stable across re-exports that regenerate GUIDs.
"""

import csv
import io
import mimetypes
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import yaml

from peerkg.graph.readers.refi_mapping import Mapping
from peerkg.graph.readers.refi_model import Project, Selection, Source
from peerkg.graph.readers.refi_offsets import name_matches as _name_matches

QUOTE_COLUMNS = ["id", "site", "stakeholder", "attribution", "theme", "codes", "text", "participant",
                 "source", "start", "end", "note"]
CODING_COLUMNS = ["quote", "code", "coder", "created", "note"]
SOURCE_COLUMNS = ["id", "file", "label", "kind", "media_type", "note"]
SEGMENT_COLUMNS = ["id", "source", "kind", "position", "codes", "note"]
NOTE_COLUMNS = ["id", "about", "author", "created", "text"]


@dataclass
class Report:
    """What an import took in, and what it kept aside (each item a sentence)."""

    counts: Counter = field(default_factory=Counter)
    kept_aside: list[str] = field(default_factory=list)
    offsets: str = ""

    def lines(self) -> list[str]:
        order = ("codes", "categories", "themes", "coders", "participants", "text sources",
                 "text sources without text", "media sources", "text selections",
                 "media selections", "quotes", "codings", "segments", "notes")
        out = [", ".join(f"{self.counts[k]} {k}" for k in order if k in self.counts)]
        if self.offsets:
            out.append(f"text positions: {self.offsets}")
        out += [f"kept aside: {item}" for item in self.kept_aside]
        return out


def slug(name: str, fallback: str) -> str:
    """A lowercase id from a name: accents dropped, runs of other characters become '-'."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:60].strip("-")
    return text or fallback


class _Ids:
    """Unique slugs per kind, in the order things are met."""

    def __init__(self):
        self.used: dict[str, set[str]] = {}
        self.by_guid: dict[tuple[str, str], str] = {}

    def mint(self, kind: str, guid: str, name: str) -> str:
        base = slug(name, kind)
        used = self.used.setdefault(kind, set())
        local, n = base, 1
        while local in used:
            n += 1
            local = f"{base}-{n}"
        used.add(local)
        self.by_guid[(kind, guid)] = local
        return local


def _csv(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _yaml(data: dict) -> bytes:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when there, same output
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100).encode("utf-8")


class _Builder:
    def __init__(self, p: Project, study: str, mapping: Mapping):
        self.p, self.study, self.m = p, study, mapping
        self.ids = _Ids()
        self.report = Report(offsets=f"{p.offset_unit} ({p.offset_evidence})" if p.offset_unit else "")
        self.count = self.report.counts
        self.files: dict[str, bytes] = {}
        self.notes: list[dict] = []
        self.labels: dict[tuple[str, str], str] = {}  # (site|stakeholder, id) -> value as written
        self.described: set[tuple[str, str, str]] = set()

    def aside(self, text: str) -> None:
        self.report.kept_aside.append(text)

    def coder(self, guid: str) -> str:
        return self.ids.by_guid.get(("coder", guid), "")

    def build(self):
        self.coders()
        self.codebook()
        self.themes()
        self.sources()
        self.participants()
        self.quotes_and_segments()
        self.note_rows()
        self.study_yaml()
        for item in self.p.ignored:
            self.aside(item)
        return self.files, self.report

    # -- people --------------------------------------------------------------------------------

    def coders(self) -> None:
        self.coder_rows = []
        for user in self.p.users.values():
            chosen = self.m.coders.get(user.name) or self.m.coders.get(user.guid)
            local = self.ids.mint("coder", user.guid, chosen or user.name or user.id or "coder")
            self.coder_rows.append({"id": local, "name": user.name or user.id or local})
        self.count["coders"] = len(self.coder_rows)

    # -- codebook ------------------------------------------------------------------------------

    def codebook(self) -> None:
        self.unflatten()
        codes = self.p.codes
        children = Counter(c.parent for c in codes.values() if c.parent)
        used = {c.code for s in self.p.selections() for c in s.codings}
        used |= {c.code for s in self.p.sources.values() for c in s.codings}
        self.category_of: dict[str, str] = {}
        categories, rows = [], []
        for code in codes.values():
            top = code.parent is None
            if (self.m.categories == "top-level" and top and children[code.guid]
                    and code.guid not in used):
                local = self.ids.mint("category", code.guid, code.name)
                categories.append(_entry(local, code.name, code.description))
        for code in codes.values():
            if ("category", code.guid) in self.ids.by_guid:
                continue
            local = self.ids.mint("code", code.guid, code.name)
            row = _entry(local, code.name, code.description)
            parent = code.parent
            if parent and ("category", parent) in self.ids.by_guid:
                row["category"] = self.ids.by_guid[("category", parent)]
            elif parent:
                row["parent"] = self.ids.by_guid[("code", parent)]
                top = parent
                while codes[top].parent:
                    top = codes[top].parent
                if ("category", top) in self.ids.by_guid:
                    row["category"] = self.ids.by_guid[("category", top)]
            rows.append(row)
        self.count["codes"], self.count["categories"] = len(rows), len(categories)
        # the descriptions are the QDA project's own, so the authors' words (docs/study-format.md)
        book = {"attribution": "authors", "words": "authors", "categories": categories,
                "codes": rows}
        self.files["codebook.yaml"] = _yaml(book)

    def unflatten(self) -> None:
        """ATLAS.ti 8 flattens hierarchy into 'Parent::child' names: nest such a code under the
        code named 'Parent' when there is one (its name becomes 'child')."""
        by_name = {c.name: c for c in self.p.codes.values() if c.parent is None}
        for code in list(self.p.codes.values()):
            if code.parent is None and "::" in code.name:
                head, _, tail = code.name.rpartition("::")
                if head in by_name and by_name[head] is not code and tail:
                    code.parent, code.name = by_name[head].guid, tail
        # children must follow their parents for ids to resolve: order parents first
        kids: dict[str | None, list[str]] = {}
        for code in self.p.codes.values():
            kids.setdefault(code.parent, []).append(code.guid)
        order, stack = [], list(reversed(kids.get(None, [])))
        while stack:
            guid = stack.pop()
            order.append(guid)
            stack.extend(reversed(kids.get(guid, [])))
        self.p.codes = {g: self.p.codes[g] for g in order}

    def code_id(self, guid: str) -> str:
        return self.ids.by_guid.get(("code", guid), "")

    def themes(self) -> None:
        self.theme_rows, self.theme_codes = [], {}
        if self.m.themes != "code-sets":
            return
        for s in self.p.sets.values():
            member_codes = [self.code_id(g) for g in s.codes if self.code_id(g)]
            if not member_codes:
                continue
            local = self.ids.mint("theme", s.guid, s.name)
            row = {"id": local, "order": len(self.theme_rows) + 1, "label": s.name}
            if s.description:  # the QDA project's own text: the authors' words
                row["summary"], row["words"] = s.description, "authors"
            self.theme_rows.append(row)
            self.theme_codes[local] = set(member_codes)
        self.count["themes"] = len(self.theme_rows)

    # -- sources and participants --------------------------------------------------------------

    def sources(self) -> None:
        rows = []
        in_sets: dict[str, list[str]] = {}
        for s in self.p.sets.values():
            for guid in s.sources:
                in_sets.setdefault(guid, []).append(s.name)
        for src in self.p.sources.values():
            local = self.ids.mint("source", src.guid, _stem(src.name) or src.kind)
            notes = []
            row = {"id": local, "file": "", "label": src.name, "kind": src.kind, "media_type": ""}
            if src.kind == "text" and src.text is not None:
                row["file"], row["media_type"] = f"{local}.txt", "text/plain"
                self.files[f"sources/{local}.txt"] = src.text.encode("utf-8")
                self.count["text sources"] += 1
            elif src.kind == "text":
                notes.append(f"text not imported: {src.missing}")
                self.count["text sources without text"] += 1
                self.aside(f"text of source '{src.name}': {src.missing}")
            else:
                self.count["media sources"] += 1
                ext = "." + (src.media_name or src.path or src.name).rsplit(".", 1)[-1].lower() \
                    if "." in (src.media_name or src.path or src.name) else ""
                row["media_type"] = mimetypes.guess_type(f"x{ext}")[0] or ""
                if src.data is not None:
                    row["file"] = f"{local}{ext}"
                    self.files[f"sources/{local}{ext}"] = src.data
                else:
                    notes.append(f"file not imported: {src.missing}")
                self.aside(f"{src.kind} source '{src.name}' (kept as a source, with its "
                           f"{len(src.selections)} selection(s) in segments.csv)")
            if src.guid in in_sets:
                notes.append("in sets: " + "; ".join(in_sets[src.guid]))
            row["note"] = "\n".join(notes)
            rows.append(row)
            self.describe("source", local, src)
        if rows:
            self.files["sources.csv"] = _csv(SOURCE_COLUMNS, rows)

    def participants(self) -> None:
        self.participant_of_source: dict[str, str] = {}
        self.participant_of_selection: dict[str, str] = {}
        self.participant_info: dict[str, dict] = {}
        holders = []
        mode = self.m.participants
        if mode == "cases" and not self.p.cases:
            mode = "sources"  # no cases: MAXQDA-style document variables make the participants
        if mode == "cases":
            holders = [(c.guid, c.name, c.values, c.sources, c.selections) for c in self.p.cases.values()]
            for case in self.p.cases.values():
                if case.codes:
                    self.aside(f"{len(case.codes)} code(s) assigned to case '{case.name}' as a whole")
        elif mode == "sources":
            holders = [(s.guid, _stem(s.name), s.values, [s.guid], []) for s in self.p.sources.values()
                       if s.values]
        var_ids, taken = {}, {"id", "label", "site", "stakeholder"}
        for var in self.p.variables.values():
            column = var.name.strip() or "attribute"  # the variable's name is the column's
            while column in taken:  # only a variable named exactly like a fixed column clashes
                column += " (variable)"
            taken.add(column)
            var_ids[var.guid] = column
        rows = []
        multi: dict[str, set] = {}
        for guid, name, values, sources, selections in holders:
            local = self.ids.mint("participant", guid, name or "participant")
            by_name = {self.p.variables[v].name: val for v, val in values.items()}
            row = {"id": local, "label": name or local,
                   "site": self.mapped(self.m.sites, by_name, slugify=True),
                   "stakeholder": self.mapped(self.m.stakeholders, by_name, slugify=False)}
            for var, val in values.items():
                row[var_ids[var]] = val
            rows.append(row)
            self.participant_info[local] = row
            for s in sources:
                multi.setdefault(s, set()).add(local)
            for s in selections:
                self.participant_of_selection[s] = local
            case = self.p.cases.get(guid)
            if case is not None:
                self.describe("participant", local, case)
        for source, owners in multi.items():
            if len(owners) == 1:
                self.participant_of_source[source] = next(iter(owners))
        if rows:
            columns = ["id", "label", "site", "stakeholder", *dict.fromkeys(var_ids.values())]
            self.files["participants.csv"] = _csv(columns, rows)
        self.count["participants"] = len(rows)

    def mapped(self, vmap, values: dict, slugify: bool) -> str:
        if vmap is None or vmap.variable not in values:
            return ""
        value = values[vmap.variable]
        local = vmap.values.get(value) or (slug(value, "") if slugify else "")
        if local:
            self.labels.setdefault(("site" if slugify else "stakeholder", local), value)
        return local

    # -- quotes, codings, segments -------------------------------------------------------------

    def quotes_and_segments(self) -> None:
        ranges: dict[tuple[str, int, int], list[Selection]] = {}
        segments: list[dict] = []
        for src in self.p.sources.values():
            src_id = self.ids.by_guid[("source", src.guid)]
            n = 0
            for sel in src.selections:
                if sel.kind == "text" and sel.start is not None and sel.end > sel.start:
                    ranges.setdefault((src.guid, sel.start, sel.end), []).append(sel)
                    self.count["text selections"] += 1
                    continue
                n += 1
                segments.append(self.segment(src, src_id, sel, n))
            if src.codings:
                n += 1
                codes = ";".join(self.code_id(c.code) for c in src.codings)
                segments.append({"id": f"{src_id}-segment-{n}", "source": src_id, "kind": src.kind,
                                 "position": "whole", "codes": codes,
                                 "note": "codings of the whole source"})
                self.aside(f"{len(src.codings)} coding(s) of the whole source '{src.name}' "
                           "(in segments.csv)")
        quotes, codings = [], []
        rank = {guid: n for n, guid in enumerate(self.p.sources)}
        for (guid, start, end), sels in sorted(ranges.items(), key=lambda kv: (
                rank[kv[0][0]], kv[0][1], kv[0][2])):
            quotes.append(self.quote(guid, start, end, sels, codings))
        self.count["quotes"], self.count["codings"] = len(quotes), len(codings)
        self.count["segments"] = len(segments)
        if quotes:
            self.files["quotes.csv"] = _csv(QUOTE_COLUMNS, quotes)
            self.files["codings.csv"] = _csv(CODING_COLUMNS, codings)
        if segments:
            self.files["segments.csv"] = _csv(SEGMENT_COLUMNS, segments)

    def segment(self, src: Source, src_id: str, sel: Selection, n: int) -> dict:
        local = f"{src_id}-segment-{n}"
        self.ids.by_guid[("segment", sel.guid)] = local
        notes = [f"selection '{sel.name}'"] if sel.name else []
        if sel.kind == "text":
            self.count["text selections"] += 1
            position = f"start={sel.raw_start};end={sel.raw_end}"
            why = "zero-length" if src.text is not None else "its source text is not in the import"
            notes.append(f"text selection kept aside: {why}")
            self.aside(f"text selection {sel.guid} of '{src.name}' ({why})")
        else:
            self.count["media selections"] += 1
            position = sel.position
            if sel.text:
                notes.append(f"text: {sel.text}")
        self.describe("segment", local, sel)
        codes = ";".join(dict.fromkeys(self.code_id(c.code) for c in sel.codings))
        return {"id": local, "source": src_id, "kind": sel.kind, "position": position,
                "codes": codes, "note": "\n".join(notes)}

    def quote(self, guid: str, start: int, end: int, sels: list[Selection], codings: list) -> dict:
        src = self.p.sources[guid]
        src_id = self.ids.by_guid[("source", guid)]
        local = f"{src_id}-{start}-{end}"
        for sel in sels:
            self.ids.by_guid[("quote", sel.guid)] = local
            self.describe("quote", local, sel)
        seen: dict[tuple[str, str], dict] = {}
        for sel in sels:
            for c in sel.codings:
                code = self.code_id(c.code)
                coder = self.coder(c.creator or sel.creator)
                created = c.created or sel.created
                key = (code, coder)
                note = "\n".join(self.p.notes[n].text for n in c.notes if n in self.p.notes)
                if key in seen:
                    seen[key]["created"] = min(filter(None, (seen[key]["created"], created)), default="")
                    continue
                seen[key] = {"quote": local, "code": code, "coder": coder, "created": created,
                             "note": note}
        codings.extend(seen.values())
        codes = list(dict.fromkeys(code for code, _ in seen))
        participant = next((self.participant_of_selection[s.guid] for s in sels
                            if s.guid in self.participant_of_selection),
                           self.participant_of_source.get(guid, ""))
        info = self.participant_info.get(participant, {})
        themes = [t for t, members in self.theme_codes.items() if members & set(codes)]
        text = src.text[start:end]
        names = [s.name for s in sels if s.name and not _name_matches(s.name, text)]
        return {"id": local, "site": info.get("site", ""), "stakeholder": info.get("stakeholder", ""),
                "attribution": info.get("label", "") or src.name,
                "theme": themes[0] if len(themes) == 1 else "", "codes": "",
                "text": text, "participant": participant, "source": src_id, "start": start,
                "end": end, "note": "; ".join(f"named '{n}' in the QDA project"
                                              for n in dict.fromkeys(names))}

    # -- notes ---------------------------------------------------------------------------------

    def describe(self, kind: str, local: str, thing) -> None:
        """A Description of anything becomes a note about it (author: its creator)."""
        text = getattr(thing, "description", "")
        if text and (kind, local, text) not in self.described:
            self.described.add((kind, local, text))
            self.notes.append({"id": f"{local}-description", "about": f"{kind}:{local}",
                               "author": self.coder(getattr(thing, "creator", "")),
                               "created": getattr(thing, "created", ""), "text": text})

    def about(self, kind: str, guid: str) -> str:
        for k in ({"code": ("code", "category"), "selection": ("quote", "segment")}.get(kind)
                  or (kind,)):
            if (k, guid) in self.ids.by_guid:
                return f"{k}:{self.ids.by_guid[(k, guid)]}"
        return ""

    def note_rows(self) -> None:
        refs = {g: list(v) for g, v in self.p.note_refs.items()}
        for link in self.p.links:
            ends = [(link.origin, link.target), (link.target, link.origin)]
            note, other = next(((a, b) for a, b in ends if a in self.p.notes), (None, None))
            if note is None:
                self.aside(f"link '{link.name}' between two things that are not notes")
                continue
            kind = "code" if other in self.p.codes else "source" if other in self.p.sources \
                else "selection"
            refs.setdefault(note, []).append((kind, other))
        ids = _Ids()
        for guid, note in self.p.notes.items():
            targets = [self.about(k, g) for k, g in refs.get(guid, []) if k not in ("coding", "link")]
            targets = [t for t in dict.fromkeys(targets) if t] or [f"study:{self.study}"]
            base = ids.mint("note", guid, note.name or "note")
            for i, about in enumerate(targets, 1):
                local = base if i == 1 else f"{base}-{i}"
                self.notes.append({"id": local, "about": about, "author": self.coder(note.creator),
                                   "created": note.created, "text": note.text})
            if note.description:
                self.notes.append({"id": f"{base}-description", "about": targets[0],
                                   "author": self.coder(note.creator), "created": note.created,
                                   "text": note.description})
        if self.p.description:
            self.notes.append({"id": "project-description", "about": f"study:{self.study}",
                               "author": "", "created": "", "text": self.p.description})
        self.count["notes"] = len(self.notes)
        if self.notes:
            self.files["notes.csv"] = _csv(NOTE_COLUMNS, self.notes)

    # -- study.yaml ----------------------------------------------------------------------------

    def study_yaml(self) -> None:
        try:
            ours = version("peerkg")
        except PackageNotFoundError:
            ours = "unknown"
        origin = self.p.origin.strip() or "an unnamed QDA tool"
        study = {
            "id": self.study,
            "title": self.p.name,
            "provenance": {
                "sources": [{"address": self.p.file,
                             "what": f"REFI-QDA {self.p.kind} exported by {origin}"
                                     + (f", created {self.p.created}" if self.p.created else "")
                                     + f"; imported by peerkg {ours}"}],
                "verbatim": "Code, category, theme and source names, descriptions, memos, user "
                            "names, case attributes and quote texts (exact slices of the source "
                            "texts) are as the QDA project has them.",
                "reading": f"peerkg's mapping of the project's structure ({self.m.describe()})"
                           + (f"; text positions read as {self.report.offsets}"
                              if self.report.offsets else "") + ".",
            },
        }
        if self.coder_rows:
            study["coders"] = self.coder_rows
        sites = sorted({r["site"] for r in self.participant_info.values() if r["site"]})
        if sites:
            study["sites"] = [{"id": s, "label": self.labels.get(("site", s), s)} for s in sites]
        groups = sorted({r["stakeholder"] for r in self.participant_info.values() if r["stakeholder"]})
        if groups:
            study["stakeholders"] = [{"id": g, "label": self.labels.get(("stakeholder", g), g),
                                      "group": g} for g in groups]
        if self.participant_info:
            study["participants"] = {"total": len(self.participant_info)}
        if self.theme_rows:
            study["themes"] = self.theme_rows
        self.files["study.yaml"] = _yaml(study)


def _entry(local: str, label: str, definition: str) -> dict:
    """A codebook entry; an empty description is left out rather than written as ''."""
    return {"id": local, "label": label, **({"definition": definition} if definition else {})}


def _stem(name: str) -> str:
    """A source name without a file extension (MAXQDA already writes them without)."""
    stem, dot, ext = name.rpartition(".")
    return stem if dot and stem and 1 <= len(ext) <= 5 and ext.isalnum() else name


def build_package(project: Project, study: str, mapping: Mapping) -> tuple[dict[str, bytes], Report]:
    """The files of a study package for ``project`` (see the module docstring)."""
    return _Builder(project, study, mapping).build()
