"""ruby/version.py and ruby_version: every version source with its line, the precedence, conflicts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from analyzers.providers.ruby import runtime_version, version
from migrator.model import Confidence, Finding, Warning
from migrator.repo import RepoView

Tree = Callable[[dict[str, str | bytes]], Path]


@pytest.mark.parametrize(("requirement", "minor", "ok"), [
    ("~> 3.1", "3.2", True), ("~> 3.1", "4.0", False), ("~> 3.1.2", "3.1", True), ("~> 3.1.2", "3.2", False),
    (">= 2.7, < 3.2", "3.1", True), (">= 2.7, < 3.2", "3.2", False), ("3.1.2", "3.1", True), ("= 2.6.10", "2.7", False),
    ("!= 3.0.0", "3.0", True), ("> 3.3", "3.3", True), ("< 3", "3.0", False), ("nonsense", "3.1", True),
])
def test_satisfies(requirement: str, minor: str, ok: bool) -> None:
    assert version.satisfies(requirement, minor) is ok


@pytest.mark.parametrize(("spec", "minor", "full", "exact", "confidence"), [
    ("ruby-2.7.8", "2.7", "2.7.8", True, Confidence.DECLARED), ("2.7", "2.7", None, True, Confidence.DECLARED),
    ("3.1.2p20", "3.1", "3.1.2", True, Confidence.DECLARED), ("2.6.6-p146", "2.6", "2.6.6", True, Confidence.DECLARED),
    ("ruby-1.9.3-p551@shop", "1.9", "1.9.3", True, Confidence.DECLARED),
    ("~> 3.1", "3.1", None, False, Confidence.HEURISTIC), ("~> 3.1.2", "3.1", None, True, Confidence.INFERRED),
    (">= 2.7", "2.7", None, False, Confidence.HEURISTIC),
])
def test_candidate_forms(spec: str, minor: str, full: str | None, exact: bool, confidence: Confidence) -> None:
    found = version.candidate(spec, "Gemfile", 3, "Gemfile", Confidence.DECLARED)
    assert found is not None
    assert (found.version, found.full, found.exact, found.confidence) == (minor, full, exact, confidence)


@pytest.mark.parametrize("spec", ["jruby-9.4.3.0", "truffleruby-22.1", "system", "", "latest"])
def test_no_mri_version(spec: str) -> None:
    assert version.candidate(spec, "f", 1, "Gemfile", Confidence.DECLARED) is None


def _versions(found: list[Finding | Warning]) -> list[tuple[str | None, int | None, object, object, Confidence]]:
    return [(f.source.file, f.source.line, f.fields.get("version"), f.fields.get("version_full"), f.source.confidence)
            for f in found if isinstance(f, Finding)]


def test_every_source_with_its_line_and_the_gemfile_winning(tree: Tree) -> None:
    repo = RepoView(tree({
        ".ruby-version": "ruby-2.6.6\n",
        ".tool-versions": "nodejs 18.19.0\nruby 2.6.10\n",
        ".rvmrc": "# legacy\nrvm use ruby-2.6.6@invoicer --create\n",
        "Gemfile": "source 'https://rubygems.org'\n\nruby '2.6.10'\ngem 'rails', '~> 5.2'\n",
        "Gemfile.lock": "GEM\n  specs:\n    rails (5.2.8.1)\n\nRUBY VERSION\n   ruby 2.6.10p210\n\n"
                        "BUNDLED WITH\n   1.17.3\n",
        "config/deploy.rb": "set :application, 'invoicer'\nset :rbenv_ruby, '2.6.10'\n",
        "config/deploy/production.rb": "set :rvm_ruby_version, '2.5.1@invoicer'\n",
    }))
    found = list(runtime_version.analyze(repo))
    assert _versions(found) == [
        ("Gemfile", 3, "2.6", "2.6.10", Confidence.DECLARED),
        # a patch-level disagreement with the Gemfile: Bundler refuses 2.6.6, so it is a version_full conflict
        (".ruby-version", 1, "2.6", "2.6.6", Confidence.INFERRED),
        (".tool-versions", 2, "2.6", None, Confidence.HEURISTIC),
        ("Gemfile.lock", 6, "2.6", None, Confidence.HEURISTIC),
        (".rvmrc", 2, "2.6", "2.6.6", Confidence.INFERRED),
        ("config/deploy.rb", 2, "2.6", None, Confidence.HEURISTIC),
        ("config/deploy/production.rb", 1, "2.5", None, Confidence.INFERRED),  # another minor: a conflict
    ]


def test_ruby_version_alone_and_a_requirement_it_meets(tree: Tree) -> None:
    repo = RepoView(tree({".ruby-version": "3.2.2\n", "Gemfile": "ruby '~> 3.2'\ngem 'sinatra'\n"}))
    found = _versions(list(runtime_version.analyze(repo)))
    assert found == [(".ruby-version", 1, "3.2", "3.2.2", Confidence.DECLARED),
                     ("Gemfile", 1, "3.2", None, Confidence.HEURISTIC)]


def test_requirement_that_excludes_the_version_file_is_a_conflict(tree: Tree) -> None:
    repo = RepoView(tree({".ruby-version": "2.7.8\n", "Gemfile": "ruby '>= 3.0'\ngem 'sinatra'\n"}))
    choice = version.choose(runtime_version.candidates(repo))
    assert choice is not None and choice.winner.origin == ".ruby-version"
    assert [c.origin for c in choice.conflicts] == []  # HEURISTIC: a lower bound is no claim the planner weighs
    pinned = RepoView(tree({".ruby-version": "2.7.8\n", "Gemfile": "ruby '~> 3.1.2'\ngem 'sinatra'\n"}))
    choice = version.choose(runtime_version.candidates(pinned))
    assert choice is not None and [c.origin for c in choice.conflicts] == ["Gemfile"]


def test_ruby_file_and_computed_capistrano_value(tree: Tree) -> None:
    repo = RepoView(tree({".ruby-version": "3.1.4\n", "Gemfile": 'ruby file: ".ruby-version"\ngem "rails"\n',
                          "config/deploy.rb": 'set :rbenv_ruby, File.read(".ruby-version").strip\n'}))
    assert _versions(list(runtime_version.analyze(repo))) == [(".ruby-version", 1, "3.1", "3.1.4", Confidence.DECLARED)]


def test_jruby_is_a_warning_and_no_version(tree: Tree) -> None:
    repo = RepoView(tree({".ruby-version": "jruby-9.4.3.0\n", "Gemfile": "gem 'rails'\n"}))
    found = list(runtime_version.analyze(repo))
    assert [type(f).__name__ for f in found] == ["Warning"]
    assert "not MRI" in found[0].message and (found[0].file, found[0].line) == (".ruby-version", 1)


def test_no_ruby_no_findings(tree: Tree) -> None:
    assert list(runtime_version.analyze(RepoView(tree({".ruby-version": "3.2.2\n", "app.py": "x = 1\n"})))) == []
