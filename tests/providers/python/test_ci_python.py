"""ci_python: the Python version from CI configuration and lock metadata, with file and line."""

from __future__ import annotations

from typing import Any

from analyzers.providers.python import ci_python
from migrator.model import Confidence, Kind

WORKFLOW = """
    name: ci
    on: push
    jobs:
      test:
        strategy:
          matrix:
            python-version: ["3.10", "3.11", '3.12']
        steps:
          - uses: actions/setup-python@v5
            with:
              python-version: ${{ matrix.python-version }}
      deploy:
        steps:
          - uses: actions/setup-python@v5
            with:
              python-version:
                - 3.9
"""


def _versions(result: Any) -> list[tuple[str, str, int | None, Confidence]]:
    return [(f.fields["version"], f.source.file, f.source.line, f.source.confidence)
            for f in result.of(Kind.RUNTIME) if "version" in f.fields]


def test_github_matrix_gives_its_newest_version_heuristic(run_analyzer: Any) -> None:
    result = run_analyzer(ci_python, {".github/workflows/ci.yml": WORKFLOW})
    assert _versions(result) == [("3.12", ".github/workflows/ci.yml", 7, Confidence.HEURISTIC)]


def test_one_version_is_inferred(run_analyzer: Any) -> None:
    result = run_analyzer(ci_python, {".github/workflows/t.yaml": "steps:\n  - with:\n      python-version: '3.11'\n"})
    assert _versions(result) == [("3.11", ".github/workflows/t.yaml", 3, Confidence.INFERRED)]


def test_gitlab_travis_and_tox(run_analyzer: Any) -> None:
    result = run_analyzer(ci_python, {
        ".gitlab-ci.yml": "test:\n  image: python:3.10-slim\n  script: pytest\n",
        ".travis.yml": "language: python\npython:\n  - \"3.6\"\n  - \"3.8\"\n",
        "tox.ini": "[tox]\nenvlist = py37, py38,\n    py39\n",
    })
    assert sorted(_versions(result)) == [("3.10", ".gitlab-ci.yml", 2, Confidence.INFERRED),
                                         ("3.8", ".travis.yml", 4, Confidence.HEURISTIC),
                                         ("3.9", "tox.ini", 3, Confidence.HEURISTIC)]


def test_lock_metadata_and_the_floor_of_locked_packages(run_analyzer: Any) -> None:
    poetry_lock = """
        [[package]]
        name = "django"
        version = "6.0"
        python-versions = ">=3.12"
        groups = ["main"]

        [[package]]
        name = "black"
        version = "26.1"
        python-versions = ">=3.13"
        groups = ["dev"]

        [metadata]
        lock-version = "2.1"
        python-versions = "^3.10"
    """
    uv_lock = "version = 1\nrequires-python = \">=3.11\"\n"
    result = run_analyzer(ci_python, {"poetry.lock": poetry_lock, "uv.lock": uv_lock})
    assert sorted(_versions(result)) == [("3.10", "poetry.lock", 15, Confidence.HEURISTIC),
                                         ("3.11", "uv.lock", 2, Confidence.HEURISTIC),
                                         ("3.12", "poetry.lock", 4, Confidence.INFERRED)]  # django, not dev black
    assert [w.message for w in result.warnings] == [
        "the locked django needs Python >= 3.12: older Pythons the project allows cannot install the lock"]
