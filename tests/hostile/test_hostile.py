"""Hostile repositories (issue 9): every case under every command, in a subprocess with a timeout.

For each case (tests/hostile/cases_*.py, built in a temporary folder beside a canary tree) and each of
``analyze`` (text, --explain, markdown, json), ``generate`` (--dry-run, --diff, plain, --force) and
``pr --dry-run``, the test asserts: no hang; the documented exit code (see tests/hostile/case.py);
no traceback or internal error; nothing outside the repository changed (the canary tree, by content,
mtime and inode, which is also where every outward link points); read-only commands changed nothing
inside it either; no planted value (the case's, or the canary's marker) in stdout, stderr, a written
file or the pr branch; no raw control character in the terminal output or a written file.

Rerun after a merge: ``python -m pytest tests/hostile -q`` (``-m "not slow"`` skips the 50,000-file and
60 MB cases; ``MIGRATE_HOSTILE_KEEP=1`` keeps the trees for debugging).
"""

from __future__ import annotations

import re

import pytest

from tests.hostile import cases_content, cases_fs, cases_secrets  # noqa: F401 - they register the cases
from tests.hostile.case import CASES, Case
from tests.hostile.conftest import Results, record
from tests.hostile.runner import COMMANDS, READ_ONLY, Outcome
from tests.hostile.tree import CANARY, devices_allowed

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CRASH = ("Traceback (most recent call last)", "internal error")


def _params() -> list[object]:
    out = []
    for c in CASES:
        marks = [pytest.mark.slow] if c.slow else []
        if c.devices and not devices_allowed():
            marks.append(pytest.mark.skip(reason="creating device nodes needs root"))
        out += [pytest.param(c, command, id=f"{c.name}:{command}", marks=marks) for command in COMMANDS]
    return out


def judge(case: Case, command: str, outcome: Outcome) -> list[tuple[str, str]]:
    """(short verdict, explanation) for each thing that went wrong."""
    if outcome.timed_out:
        return [("hang", f"no exit after {case.timeout:.0f}s")]
    problems = []
    if outcome.returncode != case.expected(command):
        problems.append((f"rc={outcome.returncode}", f"exit code {outcome.returncode}, documented "
                         f"{case.expected(command)}"))
    terminal = outcome.stdout + outcome.stderr
    if any(marker in terminal for marker in CRASH):
        problems.append(("traceback", "traceback or internal error in the output"))
    if outcome.outside_changes:
        problems.append(("outside", f"changed outside the repo: {list(outcome.outside_changes)[:5]}"))
    if command in READ_ONLY and outcome.repo_changes:
        problems.append(("wrote", f"a read-only command changed {list(outcome.repo_changes)[:5]}"))
    texts = {"stdout": outcome.stdout, "stderr": outcome.stderr, "pr branch": outcome.extra,
             **{p: b.decode("utf-8", "replace") for p, b in outcome.written.items()}}
    for value in (*case.planted, CANARY):
        where = [name for name, text in texts.items() if value in text]
        if where:
            problems.append(("leak", f"planted {value!r} in {where[:5]}"))
    raw = [name for name, text in texts.items() if name not in ("pr branch",) and CONTROL.search(text)]
    if raw:
        problems.append(("control", f"raw control characters in {raw[:5]}"))
    if case.check is not None:
        problems += [("check", p) for p in case.check(command, outcome)]
    return problems


@pytest.mark.parametrize(("case", "command"), _params())
def test_hostile_repository(case: Case, command: str, hostile_results: Results) -> None:
    outcome = hostile_results.get(case, command)
    problems = judge(case, command, outcome)
    record(case.name, command, ",".join(dict.fromkeys(v for v, _ in problems)) or "ok", outcome.seconds)
    if problems:
        details = "\n".join(f"- {text}" for _, text in problems)
        pytest.fail(f"{case.name} ({case.why}) under `migrate {' '.join(outcome.argv)}`:\n{details}\n"
                    f"--- stderr (last 1500 chars) ---\n{outcome.stderr[-1500:]}\n"
                    f"--- stdout (first 800 chars) ---\n{outcome.stdout[:800]}", pytrace=False)


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
