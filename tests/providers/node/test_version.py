"""node/semver.py and node/version.py: version sources, precedence, conflicts, end of life."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzers.providers.node import semver, version
from analyzers.providers.node.pkg import Package, read_package
from migrator.model import Confidence
from migrator.repo import RepoView

Tree = Callable[[dict[str, str | bytes]], Path]


@pytest.mark.parametrize(("spec", "highest", "exact"), [
    (">=14", 24, None), ("^16.14", 16, None), ("14 || 16", 16, None), ("16 - 18", 18, None), (">=18 <21", 20, None),
    ("<18", 16, None), ("<18.1", 18, None), (">16", 24, None), (">16.0", 24, None), ("18.x", 18, 18),
    ("20.11.1", 20, 20), ("v18", 18, 18), ("=16", 16, 16), ("~20.11", 20, None), ("^18 || ^20", 20, None),
    (">= 18", 24, None), ("lts/iron", None, 20), ("lts/*", None, None), ("foo", None, None),
])
def test_semver_majors(spec: str, highest: int | None, exact: int | None) -> None:
    if not spec.startswith("lts/"):
        assert semver.highest(spec) == highest
    assert semver.exact_major(spec) == exact


def test_version_files_in_order_with_lines(tree: Tree) -> None:
    repo = RepoView(tree({".node-version": "20.11.1\n", ".nvmrc": "# pinned by ops\nlts/hydrogen\n",
                          ".tool-versions": "python 3.11.4\nnodejs 18.19.0\n"}))
    found = version.version_files(repo)
    assert [(c.origin, c.spec, c.major, c.line, c.confidence) for c in found] == [
        (".node-version", "20.11.1", 20, 1, Confidence.DECLARED),
        (".nvmrc", "lts/hydrogen", 18, 2, Confidence.DECLARED),
        (".tool-versions", "18.19.0", 18, 2, Confidence.DECLARED)]


def _pkg(repo: RepoView) -> Package:
    pkg = read_package(repo, "package.json")
    assert isinstance(pkg, Package)
    return pkg


def test_exact_pin_beats_a_range_and_a_range_it_satisfies_is_no_conflict(tree: Tree) -> None:
    repo = RepoView(tree({".node-version": "20.11.1\n", "package.json": '{\n  "name": "media",\n'
                          '  "engines": {\n    "node": ">=18"\n  }\n}\n'}))
    cands = version.version_files(repo) + version.package_versions(_pkg(repo))
    engines = cands[1]
    assert (engines.origin, engines.spec, engines.major, engines.exact, engines.line, engines.confidence) == (
        "engines.node", ">=18", 24, False, 4, Confidence.INFERRED)
    choice = version.choose(cands)
    assert (choice.winner.origin, choice.winner.major) == (".node-version", 20)
    assert choice.losers == (engines,) and choice.conflicts == ()


def test_disagreeing_declared_pins_are_a_conflict_and_the_version_file_wins(tree: Tree) -> None:
    pkg = '{"engines": {"node": "18.x"}, "volta": {"node": "18.17.1"}}'
    repo = RepoView(tree({".nvmrc": "16\n", "package.json": pkg}))
    choice = version.choose(version.version_files(repo) + version.package_versions(_pkg(repo)))
    assert (choice.winner.origin, choice.winner.major) == (".nvmrc", 16)
    assert [(c.origin, c.major) for c in choice.conflicts] == [("volta.node", 18), ("engines.node", 18)]


def test_a_range_that_excludes_the_winner_is_a_conflict(tree: Tree) -> None:
    repo = RepoView(tree({".nvmrc": "14\n", "package.json": '{"engines": {"node": ">=18"}}'}))
    choice = version.choose(version.version_files(repo) + version.package_versions(_pkg(repo)))
    assert [c.origin for c in choice.conflicts] == ["engines.node"]


def test_no_source_is_the_default() -> None:
    choice = version.choose([])
    assert (choice.winner.major, choice.winner.confidence, choice.winner.origin) == (22, Confidence.DEFAULT, "default")


def test_app_json_node_version(tree: Tree) -> None:
    repo = RepoView(tree({"app.json": '{\n  "name": "x",\n  "env": {\n    "NODE_VERSION": {"value": "16"}\n  }\n}\n'}))
    found = version.app_json_version(repo)
    assert found is not None and (found.major, found.line, found.confidence) == (16, 4, Confidence.INFERRED)


@pytest.mark.parametrize(("text", "majors"), [
    ("nvm install 16 && nvm use 16", [16, 16]), ("nvm use --delete-prefix v14.21.3", [14]),
    ("curl -fsSL https://deb.nodesource.com/setup_18.x | sudo -E bash -", [18]),
    ("ExecStart=/home/app/.nvm/versions/node/v16.20.0/bin/node server.js", [16]),
    ("sudo n 14 && npm ci", [14]), ("apt-get install -y nodejs=16.20.2-1nodesource1", [16]),
    ("nodenv install 20.11.1", [20]), ("npm install", []), ("run node 18 tests", []),
])
def test_versions_in_deploy_commands(text: str, majors: list[int]) -> None:
    found = version.command_versions(text, "deploy/provision.sh", 7)
    assert [c.major for c in found] == majors
    assert all(c.line == 7 and c.confidence is Confidence.INFERRED and c.origin == "deploy" for c in found)


def test_end_of_life_counts_past_dates_only() -> None:
    today = datetime.date(2026, 12, 1)
    assert version.end_of_life(18, today) == "2025-04-30"
    assert version.end_of_life(20, today) == "2026-04-30"
    assert version.end_of_life(22, today) is None
    assert version.end_of_life(20, datetime.date(2026, 1, 1)) is None
    assert version.end_of_life(6, today) == "before 2019"
