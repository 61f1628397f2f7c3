"""A seeded mutation fuzzer for input packages (a folder of files, such as a study package).

:func:`mutants` copies a package and damages the copy the way files get damaged (bytes flipped,
control characters and YAML/CSV syntax inserted, lines lost or doubled, files truncated, emptied
or missing, values swapped for awkward ones, YAML alias bombs and deep nesting), one to three
damages at a time, each mutant reproducible from its seed. :func:`run` loads each mutant into a
store and sorts the outcome: loaded, refused with a user error naming its place, or a crash (any
other exception, or a refusal that names no place, or a refusal that changed the store).

Used by tests/test_fuzz.py (a bounded count) and ``make fuzz`` (a larger one).
"""

import random
import shutil
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

SPECIAL = ["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff",
           "\ud800", "\r", "\n", "\t", ":", ": ", "- ", "[", "]", "{", "}", "&a ", "*a", "!!",
           "!!python/object/apply:os.system ['true']", "|", ">", "%", "@", "`", "'", '"', "#",
           ",", ";", '""', "\\", "\U0001f600", "é", "---\n", "...\n", "? ", "<<: *a\n"]
VALUES = ["", "~", "null", "-1", "0", "1e309", "99999999999999999999999", "yes", "no", "[]",
          "{}", "[a, b]", "x" * 5000, "2013-02-30", "true", ".nan", "-", "a b", "UPPER",
          "https://example.org/x", "\"unterminated", "'", "0x1F", "+1", "1.5"]
ALIAS_BOMB = ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
              "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
              "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n")


def _flip(rng, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]


def _insert(rng, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + rng.choice(SPECIAL).encode("utf-8", "surrogatepass") + data[i:]


def _delete(rng, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + data[i + rng.randint(1, 40):]


def _lines(rng, data: bytes) -> bytes:
    lines = data.split(b"\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    action = rng.choice(["drop", "double", "swap", "indent", "dedent"])
    if action == "drop":
        del lines[i]
    elif action == "double":
        lines.insert(i, lines[i])
    elif action == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif action == "indent":
        lines[i] = b"  " + lines[i]
    else:
        lines[i] = lines[i].lstrip()
    return b"\n".join(lines)


def _truncate(rng, data: bytes) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def _value(rng, data: bytes) -> bytes:
    """Replace what follows a ': ' or a ',' (a YAML value or a CSV cell) with an awkward one."""
    marks = [i for i in range(len(data) - 1) if data[i:i + 2] == b": " or data[i:i + 1] == b","]
    if not marks:
        return _insert(rng, data)
    i = rng.choice(marks) + (2 if data[rng.choice(marks):][:2] == b": " else 1)
    end = min([j for j in (data.find(b"\n", i), data.find(b",", i)) if j >= 0] or [len(data)])
    return data[:i] + rng.choice(VALUES).encode() + data[end:]


def _structure(rng, data: bytes) -> bytes:
    return data + rng.choice([ALIAS_BOMB, "z: " + "[" * 5000 + "\n", "z: " + "{a: " * 3000 + "\n",
                              "\n" * 10 + "- " * 2000 + "x\n", "z: !!binary AAAA\n"]).encode()


BYTE_MUTATIONS: list[Callable] = [_flip, _insert, _insert, _delete, _lines, _lines, _truncate,
                                  _value, _value, _value, _structure]


@dataclass
class Mutant:
    seed: int
    folder: Path
    damage: list[str] = field(default_factory=list)


def mutants(package: Path, workdir: Path, seeds) -> Iterator[Mutant]:
    """One damaged copy of ``package`` in ``workdir`` per seed (the copy is reused)."""
    files = sorted(p.name for p in package.iterdir() if p.is_file())
    for seed in seeds:
        rng = random.Random(seed)
        folder = workdir / package.name
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(package, folder)
        mutant = Mutant(seed, folder)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            name = rng.choice(files)
            path = folder / name
            if rng.random() < 0.06:
                kind = rng.choice(["missing", "empty", "binary", "directory"])
                if path.is_file():
                    path.unlink()
                if kind == "empty":
                    path.write_bytes(b"")
                elif kind == "binary":
                    path.write_bytes(bytes(rng.randrange(256) for _ in range(200)))
                elif kind == "directory":
                    path.mkdir()
                mutant.damage.append(f"{name}: {kind}")
                continue
            if not path.is_file():
                continue
            mutation = rng.choice(BYTE_MUTATIONS)
            path.write_bytes(mutation(rng, path.read_bytes()))
            mutant.damage.append(f"{name}: {mutation.__name__.lstrip('_')}")
        yield mutant


@dataclass
class Outcome:
    loaded: int = 0
    refused: int = 0
    crashes: list[str] = field(default_factory=list)


def run(load: Callable[[Path], None], snapshot: Callable[[], bytes], places: Callable[[Path], list[str]],
        package: Path, workdir: Path, seeds) -> Outcome:
    """Load every mutant of ``package`` with ``load``. A PeerkgError must name one of
    ``places(mutant folder)`` and leave ``snapshot()`` as it was; anything else is a crash."""
    from peerkg.graph.base.errors import PeerkgError

    outcome = Outcome()
    before = snapshot()
    for mutant in mutants(package, workdir, seeds):
        where = f"seed {mutant.seed} ({'; '.join(mutant.damage)})"
        try:
            load(mutant.folder)
        except PeerkgError as e:
            outcome.refused += 1
            message = str(e)
            if not any(place in message for place in places(mutant.folder)):
                outcome.crashes.append(f"{where}: the error names no place: {message[:300]}")
            if snapshot() != before:
                outcome.crashes.append(f"{where}: a refused load changed the store")
        except Exception:  # a crash: exactly what the fuzzer looks for
            outcome.crashes.append(f"{where}: {traceback.format_exc(limit=-3)}")
        else:
            outcome.loaded += 1
            before = snapshot()
    return outcome
