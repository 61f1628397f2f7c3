"""Reading a written study package back as a user would: CSV rows, YAML, source texts."""

import csv
from pathlib import Path

import yaml


def rows(folder: Path, name: str) -> list[dict]:
    path = folder / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(folder: Path, name: str) -> dict:
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))


def source_texts(folder: Path) -> dict[str, str]:
    """Source id -> its text, read as bytes so CRLF and every character survive."""
    return {r["id"]: (folder / "sources" / r["file"]).read_bytes().decode("utf-8")
            for r in rows(folder, "sources.csv") if r["file"] and r["kind"] == "text"}


def assert_exact(folder: Path) -> list[dict]:
    """Every quote's text is exactly its source's text from start to end (code points)."""
    texts = source_texts(folder)
    quotes = rows(folder, "quotes.csv")
    for q in quotes:
        text = texts[q["source"]]
        assert not text.startswith("\ufeff"), f"source {q['source']} kept its byte-order mark"
        assert text[int(q["start"]):int(q["end"])] == q["text"], q["id"]
    return quotes


def codes_of(folder: Path) -> dict[str, str]:
    """Quote id -> its codes (';'-joined, in codings.csv order), as a user would tally them."""
    out: dict[str, list[str]] = {}
    for c in rows(folder, "codings.csv"):
        out.setdefault(c["quote"], [])
        if c["code"] not in out[c["quote"]]:
            out[c["quote"]].append(c["code"])
    return {q: ";".join(codes) for q, codes in out.items()}
