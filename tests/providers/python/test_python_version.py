"""python_version: runtime.txt, .python-version, .tool-versions, and constraints -> a version."""

from __future__ import annotations

from typing import Any

import pytest

from analyzers.providers.python import python_version
from analyzers.providers.python.python_version import split_version, version_from_constraint
from migrator.model import Confidence, Kind

H, INF = Confidence.HEURISTIC, Confidence.INFERRED


def versions(res: Any) -> list[tuple[str, int | None, str, str]]:
    return sorted(
        (f.source.file, f.source.line, f.fields["version"], f.fields["version_full"]) for f in res.of(Kind.RUNTIME)
    )


def test_runtime_txt(run_analyzer: Any) -> None:
    res = run_analyzer(python_version, {"runtime.txt": b"\npython-3.11.4\n"})
    assert versions(res) == [("runtime.txt", 2, "3.11", "3.11.4")]
    finding = res.one(Kind.RUNTIME)
    assert finding.source.confidence is Confidence.DECLARED
    assert finding.fields["language"] == "python"


def test_python_version_takes_the_first_listed(run_analyzer: Any) -> None:
    res = run_analyzer(python_version, {".python-version": "# pinned\nsystem\n3.12.1\n3.11.7\n"})
    assert versions(res) == [(".python-version", 3, "3.12", "3.12.1")]


def test_tool_versions_python_line(run_analyzer: Any) -> None:
    res = run_analyzer(python_version, {".tool-versions": "nodejs 20.11.0\npython 3.10.13 3.9.18  # fallback\n"})
    assert versions(res) == [(".tool-versions", 2, "3.10", "3.10.13")]


def test_all_three_are_reported_so_the_planner_sees_disagreement(run_analyzer: Any) -> None:
    res = run_analyzer(python_version, {
        "runtime.txt": "python-3.11.4",
        ".python-version": "3.12",
        ".tool-versions": "python 3.11.4",
    })
    assert versions(res) == [
        (".python-version", 1, "3.12", "3.12"),
        (".tool-versions", 1, "3.11", "3.11.4"),
        ("runtime.txt", 1, "3.11", "3.11.4"),
    ]


def test_unusable_versions_warn(run_analyzer: Any) -> None:
    res = run_analyzer(python_version, {
        "runtime.txt": "ruby-3.2\n",
        ".python-version": "my-venv\n3.11.2\n",
        ".tool-versions": "python\n",
    })
    assert versions(res) == [(".python-version", 2, "3.11", "3.11.2")]
    assert sorted((w.file, w.line) for w in res.warnings) == [(".python-version", 1), ("runtime.txt", 1)]


def test_invalid_utf8_and_empty_files(run_analyzer: Any) -> None:
    res = run_analyzer(python_version, {"runtime.txt": b"python-3.9.18 \xff\n", ".python-version": ""})
    assert versions(res) == []
    messages = {(w.file, w.message) for w in res.warnings}
    assert ("runtime.txt", "invalid UTF-8; read with replacement characters") in messages


def test_subdirectory_files_are_not_the_app(run_analyzer: Any) -> None:
    assert run_analyzer(python_version, {"tools/runtime.txt": "python-3.8.0"}).items == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("python-3.11.4", ("3.11", "3.11.4")), ("3.12-dev", ("3.12", "3.12-dev")), ("3.10.0rc1", ("3.10", "3.10.0rc1")),
     ("3", None), ("pypy3.9-7.3.15", None), ("system", None)],
)
def test_split_version(text: str, expected: tuple[str, str] | None) -> None:
    assert split_version(text) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (">=3.10,<3.13", ("3.10", H)),  # a range: the lowest allowed minor, as a guess
        (">= 3.9", ("3.9", H)),
        ("^3.11", ("3.11", H)),
        ("~3.11", ("3.11", INF)),  # Poetry tilde: exactly one minor
        ("~=3.11.2", ("3.11", INF)),
        ("==3.11.*", ("3.11", INF)),
        ("3.11", ("3.11", INF)),
        (">=3.8,!=3.8.*", ("3.9", H)),
        (">3.10", ("3.10", H)),  # 3.10.1 is greater than 3.10
        (">=3.8 <3.12", ("3.8", H)),
        ("^3.9 || ^3.8", ("3.8", H)),
        ("<3.13", None),  # no lower bound: nothing we can be sure of
        ("*", None),
        (">=3.12,<3.11", None),
        ("whatever", None),
    ],
)
def test_version_from_constraint(spec: str, expected: tuple[str, Confidence] | None) -> None:
    assert version_from_constraint(spec) == expected
