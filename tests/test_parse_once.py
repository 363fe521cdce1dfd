"""Parse once: a deploy command is split into words one time, into a ParsedCommand that every rule
reads (issue 11: one command string used to be split four times on its way through deploy_commands,
commands and base, and again by the planner and the generators).

The counter sits under every caller: ``migrator.commands._split`` (the tokeniser ``split`` calls) and the
ParsedCommand constructor. A text that is a command (some ParsedCommand was built from it) must be split
no more often than ParsedCommands of it are built: a rule that splits a command again instead of
reading the parsed value makes the count of splits exceed it. (Words split for other reasons, such as a
quoted shell word, are not commands and are not counted.) And no command is parsed without a source
during an analysis: a rule that re-parses a command from its bare text (the old ``classify(str)`` /
``container_command(str)`` path) shows up there.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import migrator.commands
from analyzers import commands
from migrator.commands import ParsedCommand
from migrator.config import GenerateSettings
from migrator.generate import generate, generate_from_model
from migrator.planner import analyze
from tests.conftest import fixture_dirs, fixture_path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = fixture_dirs()


class Count:
    def __init__(self) -> None:
        self.splits: Counter[str] = Counter()
        self.parsed: Counter[str] = Counter()
        self.unsourced: list[str] = []

    def over_split(self) -> dict[str, tuple[int, int]]:
        return {t: (n, self.parsed[t]) for t, n in self.splits.items() if n > self.parsed[t] > 0}


@pytest.fixture
def count(monkeypatch: pytest.MonkeyPatch) -> Count:
    found = Count()
    tokenise = migrator.commands._split.__wrapped__  # the uncached tokeniser: every call counts

    def counted_split(text: str) -> tuple[str, ...]:
        found.splits[text] += 1
        return tokenise(text)

    init = ParsedCommand.__init__

    def counted_init(self: ParsedCommand, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        found.parsed[self.text] += 1
        if self.source is None:
            found.unsourced.append(self.text)

    monkeypatch.setattr(migrator.commands, "_split", counted_split)
    monkeypatch.setattr(ParsedCommand, "__init__", counted_init)
    commands.meaning.cache_clear()  # a memoised meaning from an earlier test would hide a re-parse
    return found


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_every_command_is_split_once_per_parse(fixture: Path, count: Count) -> None:
    generate(fixture)  # the analysis, the planner, the spec and every generator
    assert sum(count.parsed.values()) > 0
    assert count.over_split() == {}, "split again instead of reading the ParsedCommand"
    assert count.unsourced == [], "parsed from its bare text during the analysis"


def test_generators_read_meanings_from_the_model(count: Count) -> None:
    model = analyze(fixture_path("fabric1-systemd"))
    built = sum(count.parsed.values())
    generate_from_model(model, GenerateSettings())
    assert sum(count.parsed.values()) == built, "a generator parsed a command again"


def test_the_counter_sees_a_second_split(count: Count) -> None:
    # what the old code did: split the command, then classify it from its text
    commands.parse_command("gunicorn app:app", None)
    migrator.commands.split("gunicorn app:app")
    assert count.over_split() == {"gunicorn app:app": (2, 1)}
    assert count.unsourced == ["gunicorn app:app"]


def test_no_generator_imports_the_command_classifier() -> None:
    # generators read Subject.meaning; the classifier belongs to the analyzers
    import ast

    for path in sorted((ROOT / "generators").rglob("*.py")):
        tree = ast.parse(path.read_text())
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert "analyzers.commands" not in modules, path.name
