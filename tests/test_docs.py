"""Docs that cannot drift: the README's commands are CI's, and every command and named query
is documented."""

import re

from peerkg.api.cli import cli
from peerkg.queries import registry

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_lines() -> list[str]:
    blocks = re.findall(r"```\n(.*?)```", README, re.S)
    return [line.strip() for block in blocks for line in block.splitlines()]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    quick = README[README.index("## Quick start"): README.index("## Command line")]
    commands = re.findall(r"```\n(.+?)\n```", quick)
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M)


def test_makefile_targets_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        assert re.search(rf"^{target}:", makefile, re.M)


def test_every_command_is_documented():
    for name in cli.commands:
        assert f"`{name}" in README, f"command {name} is not in the README"


def test_every_public_named_query_is_documented_and_no_internal_one():
    for name, query in registry().items():
        documented = f"| `{name}` |" in README
        assert documented != query.internal, f"named query {name}: internal={query.internal}, in README={documented}"


def test_exit_codes_are_documented():
    meanings = {0: "ok", 1: "the data does not conform", 2: "usage or input error", 3: "a bug"}
    for code, meaning in meanings.items():
        assert re.search(rf"\*\*{code}\*\*\s+{meaning}", README), code
