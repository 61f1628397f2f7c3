"""Hostile and broken REFI-QDA files: each is a clear InputError naming the member or element,
within seconds, and nothing is written. A seeded fuzz run over mutated archives finds no crash."""

import io
import random
import time
import zipfile
from pathlib import Path

import pytest

from peerkg.graph.base.errors import InputError
from peerkg.graph.readers import refi_archive
from peerkg.graph.readers.refi import import_refi, write_package
from tests import refi_archives as qa
from tests.refi_package_check import assert_exact

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Project [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&i;"/>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Description>&secret;</Description></Project>"""


def refused(path: Path, tmp_path: Path, match: str) -> InputError:
    """Import ``path`` expecting an InputError matching ``match``; check nothing was written."""
    before = sorted(p.name for p in tmp_path.iterdir())
    started = time.monotonic()
    with pytest.raises(InputError, match=match) as caught:
        import_refi(path, "s")
    assert time.monotonic() - started < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    return caught.value


def test_zip_slip_member_names_are_refused(tmp_path):
    for name in ("../evil.txt", "/etc/evil.txt", "sources/../../evil.txt", "C:/evil.txt"):
        path = qa.qdpx(tmp_path / "slip.qdpx", qa.project(""), {name: "x"})
        refused(path, tmp_path, f"member '{name}': has a name that points outside the archive")
    path = qa.qdpx(tmp_path / "slip.qdpx", qa.project(""), {"sources\\..\\evil.txt": "x"})
    refused(path, tmp_path, "has a backslash")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_zip_bomb_ratio_is_refused(tmp_path):
    source = f"sources/{qa.guid(50)}.txt"
    qde = qa.project(f'<Sources><TextSource guid="{qa.guid(50)}" plainTextPath="internal://{qa.guid(50)}.txt"/>'
                     "</Sources>")
    path = qa.qdpx(tmp_path / "bomb.qdpx", qde, {source: b"\0" * (8 * 2**20)})
    refused(path, tmp_path, f"member '{source}': decompresses more than 200 times")


def test_total_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(refi_archive, "MAX_TOTAL", 4000)
    texts = {f"sources/{qa.guid(50 + i)}.txt": bytes(random.Random(i).randbytes(1500).hex(), "ascii")
             for i in range(3)}
    qde = qa.project("<Sources>" + "".join(
        f'<TextSource guid="{qa.guid(50 + i)}" plainTextPath="internal://{qa.guid(50 + i)}.txt"/>'
        for i in range(3)) + "</Sources>")
    refused(qa.qdpx(tmp_path / "big.qdpx", qde, texts), tmp_path, "more than 4000 bytes in all")


def test_false_sizes_in_the_zip_directory_are_caught(tmp_path):
    path = qa.qdpx(tmp_path / "liar.qdpx", qa.project(""))
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo("project.qde")
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10 bytes
    path.write_bytes(bytes(data))
    assert info.file_size > 10
    refused(path, tmp_path, "member 'project.qde': ")


def test_absurd_declared_size_is_refused_before_reading(tmp_path):
    source = f"sources/{qa.guid(50)}.txt"
    qde = qa.project(f'<Sources><TextSource guid="{qa.guid(50)}" plainTextPath="internal://{qa.guid(50)}.txt"/>'
                     "</Sources>")
    for member, message in (("project.qde", "is larger than 268435456 bytes"),
                            (source, "would decompress to 4294967280 bytes, more than 268435456")):
        path = qa.qdpx(tmp_path / "huge.qdpx", qde, {source: "short"})
        data = bytearray(path.read_bytes())
        central = data.find(member.encode(), data.find(b"PK\x01\x02")) - 46  # its directory entry
        data[central + 24:central + 28] = (0xFFFFFFF0).to_bytes(4, "little")  # "4 GiB unpacked"
        path.write_bytes(bytes(data))
        refused(path, tmp_path, f"member '{member}': {message}")


def test_entity_expansion_and_external_entities_are_refused(tmp_path):
    for name, xml in (("laughs.qde", BILLION_LAUGHS), ("xxe.qde", XXE)):
        path = tmp_path / name
        path.write_text(xml, encoding="utf-8")
        refused(path, tmp_path, f"{name}: has a DOCTYPE")
        zipped = qa.qdpx(tmp_path / f"{name}.qdpx", xml)
        refused(zipped, tmp_path, "project.qde: has a DOCTYPE")


def test_absurd_nesting_and_positions(tmp_path):
    deep = qa.project("<CodeBook><Codes>" + "".join(
        f'<Code guid="{qa.guid(i)}" name="c" isCodable="true">' for i in range(5000))
        + "</Code>" * 5000 + "</Codes></CodeBook>")
    path = tmp_path / "deep.qde"
    path.write_text(deep, encoding="utf-8")
    refused(path, tmp_path, "deep.qde, line 2: malformed XML")
    far = qa.project(f'<Sources><TextSource guid="{qa.guid(1)}" name="t"><PlainTextContent>short'
                     f'</PlainTextContent><PlainTextSelection guid="{qa.guid(2)}" startPosition="0" '
                     'endPosition="99999999999999999999"/></TextSource></Sources>')
    path.write_text(far, encoding="utf-8")
    refused(path, tmp_path, f'PlainTextSelection guid="{qa.guid(2)}">: positions 0-99999999999999999999 '
                            "fall outside the text of source 't'")
    backwards = far.replace('startPosition="0" endPosition="99999999999999999999"',
                            'startPosition="4" endPosition="2"')
    path.write_text(backwards, encoding="utf-8")
    refused(path, tmp_path, "startPosition 4 and endPosition 2 do not make a range")


def test_missing_members(tmp_path):
    refused(qa.qdpx(tmp_path / "none.qdpx", "", {}, qde_name="sources/x.txt"), tmp_path,
            "none.qdpx: has no project file")
    qde = qa.project(f'<Sources><TextSource guid="{qa.guid(50)}" name="Lost.txt" '
                     f'plainTextPath="internal://{qa.guid(50)}.txt"/></Sources>')
    refused(qa.qdpx(tmp_path / "lost.qdpx", qde), tmp_path,
            rf'project.qde, line 2, <TextSource guid="{qa.guid(50)}">: names the text file '
            rf"'internal://{qa.guid(50)}.txt', which is not in the archive \(missing member\)")
    two = qa.qdpx(tmp_path / "two.qdpx", qa.project(""), {"a.qde": qa.project(""), "b.qde": "x"},
                  qde_name="c.qde")
    refused(two, tmp_path, "has several project files")


def test_dangling_guid_references(tmp_path):
    qde = qa.project(qa.USERS + f'<Sources><TextSource guid="{qa.guid(50)}" name="t"><PlainTextContent>'
                     f'text</PlainTextContent><PlainTextSelection guid="{qa.guid(51)}" startPosition="0" '
                     f'endPosition="4">{qa.coding(52, 77)}</PlainTextSelection></TextSource></Sources>')
    refused(qa.qdpx(tmp_path / "dangling.qdpx", qde), tmp_path,
            rf"project.qde, line 2, <CodeRef>: refers to code {qa.guid(77)}, which the project does "
            r"not define \(dangling reference\)")
    sets = qa.project(f'<Sets><Set guid="{qa.guid(1)}" name="s"><MemberSource targetGUID="{qa.guid(9)}"/>'
                      "</Set></Sets>")
    refused(qa.qdpx(tmp_path / "sets.qdpx", sets), tmp_path, "<MemberSource>: refers to source")


def test_not_refi_at_all(tmp_path):
    fake = tmp_path / "fake.qdpx"
    fake.write_text("hello", encoding="utf-8")
    refused(fake, tmp_path, "fake.qdpx: is not a zip archive")
    wrong = tmp_path / "wrong.qde"
    wrong.write_text("<html/>", encoding="utf-8")
    refused(wrong, tmp_path, r"the root element is <html>")
    ns = tmp_path / "ns.qde"
    ns.write_text('<Project xmlns="urn:other" name="x"/>', encoding="utf-8")
    refused(ns, tmp_path, "unknown namespace 'urn:other'")
    broken = tmp_path / "broken.qde"
    broken.write_text('<Project name="x"><Users>', encoding="utf-8")
    refused(broken, tmp_path, "broken.qde, line 1: malformed XML")
    latin = qa.qdpx(tmp_path / "latin.qdpx", qa.project(
        f'<Sources><TextSource guid="{qa.guid(50)}" plainTextPath="internal://{qa.guid(50)}.txt"/></Sources>'),
        {f"sources/{qa.guid(50)}.txt": "café".encode("latin-1")})
    refused(latin, tmp_path, rf"latin.qdpx: sources/{qa.guid(50)}.txt: is not UTF-8 text")


def _mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        what = rng.random()
        at = rng.randrange(len(data)) if data else 0
        if what < 0.4 and data:
            data[at] = rng.randrange(256)
        elif what < 0.6:
            del data[at:at + rng.randint(1, 40)]
        elif what < 0.8:
            start = rng.randrange(len(data)) if data else 0
            data[at:at] = data[start:start + rng.randint(1, 60)]
        else:
            data = data[: rng.randrange(len(data) + 1)]
    return bytes(data)


def test_fuzzed_archives_never_crash(tmp_path):
    """Mutate the bytes of the project XML and of whole archives: every result is an import or
    an InputError, never another exception, and imported quotes stay exact slices."""
    rng = random.Random(1969)
    seeds = [qa.nvivo(tmp_path), qa.atlas(tmp_path), qa.notes(tmp_path), qa.maxqda(tmp_path),
             qa.media(tmp_path), Path(__file__).parent / "data" / "refi" / "atlasti-8.4-spec-annexA2-project.qde"]
    outcomes = {"imported": 0, "refused": 0}
    started = time.monotonic()
    for n in range(400):
        seed = rng.choice(seeds)
        if rng.random() < 0.5 or seed.suffix == ".qde":
            mutated = _mutate(seed.read_bytes(), rng)
        else:
            with zipfile.ZipFile(seed) as archive:
                members = {i.filename: archive.read(i) for i in archive.infolist()}
            name = rng.choice(sorted(members))
            members[name] = _mutate(members[name], rng)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as archive:
                for key, value in members.items():
                    archive.writestr(key, value)
            mutated = out.getvalue()
        path = tmp_path / f"fuzz-{n}{seed.suffix}"
        path.write_bytes(mutated)
        try:
            files, _ = import_refi(path, "s")
        except InputError:
            outcomes["refused"] += 1
            continue
        finally:
            path.unlink()
        outcomes["imported"] += 1
        if outcomes["imported"] % 10 == 1:  # check the invariant on a sample, on disk
            assert_exact(write_package(files, tmp_path / f"out-{n}"))
    assert outcomes["imported"] > 20 and outcomes["refused"] > 100, outcomes
    assert time.monotonic() - started < 60
