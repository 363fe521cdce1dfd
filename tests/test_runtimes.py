"""A runtime per language and the primary-runtime rule (migrator/runtimes.py, design §4.5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from generators.image.base_image import choose as choose_image
from migrator import planner, report
from migrator.commands import CommandMeaning
from migrator.config import load_overrides
from migrator.model import Candidate, Confidence, Fact, Kind, ProcessRole, RuntimeRole, Source, Subject
from migrator.runtimes import choose

Tree = Callable[[dict[str, str | bytes]], Path]

RUBY_APP_JSON = """\
{
  "name": "storefront",
  "buildpacks": [{"url": "heroku/ruby"}],
  "stack": "heroku-22"
}
"""


def _subject(language: str, *facts: tuple[str, str, str, Confidence]) -> Subject:
    """A runtime subject with one candidate per fact: (field, value, analyzer, confidence)."""
    return Subject(Kind.RUNTIME, language, {
        name: Fact(name, value, (Candidate(value, Source(f"{analyzer}.file", 1, analyzer, conf)),), False, "")
        for name, value, analyzer, conf in facts
    })


def _process(key: str, role: ProcessRole, command: str, provider: str | None) -> Subject:
    src = Source("Procfile", 1, "procfile", Confidence.DECLARED)
    facts = {"role": Fact("role", role.value, (Candidate(role.value, src),), False, ""),
             "command": Fact("command", command, (Candidate(command, src),), False, "")}
    return Subject(Kind.PROCESS, key, facts, CommandMeaning(provider, role))


def test_app_json_ruby_and_a_python_version_file_no_longer_make_ruby_3_12(tree: Tree) -> None:
    root = tree({"app.json": RUBY_APP_JSON, ".python-version": "3.12\n", "Gemfile": "source 'https://rubygems.org'\n"})
    model = planner.analyze(root)
    assert model.runtime.get("language") == "ruby"
    assert model.runtime.get("version") is None  # the 3.12 is Python's, not Ruby's
    assert model.runtime.get("stack") == "heroku-22"  # app-level facts stay in the v1 view
    assert not [c for c in model.conflicts if c.kind is Kind.RUNTIME]
    assert choose_image(model).image != "ruby:3.12-slim"
    roles = {e.language: e for e in model.runtimes}
    assert roles["ruby"].role is RuntimeRole.PRIMARY
    assert "app.json" in roles["ruby"].reason and "declares ruby" in roles["ruby"].reason
    assert roles["python"].role is RuntimeRole.EVIDENCE
    assert roles["python"].subject.get("version") == "3.12"
    assert ".python-version" in roles["python"].reason


def test_report_lists_the_runtimes_and_the_text_shows_them_when_there_are_several(tree: Tree) -> None:
    root = tree({"app.json": RUBY_APP_JSON, ".python-version": "3.12\n"})
    model = planner.analyze(root)
    doc = json.loads(report.render_json(model))
    assert [(r["language"], r["role"], r["supported"]) for r in doc["runtimes"]] == [
        ("ruby", "primary", True), ("python", "evidence", True)]
    assert doc["runtimes"][1]["version"] == "3.12"
    assert doc["runtime"]["language"] == "ruby"
    text = report.render_text(model)
    assert "Runtimes (2)" in text and "evidence" in text
    assert "Runtimes" in report.render_markdown(model)


def test_a_single_runtime_prints_no_runtimes_table(tree: Tree) -> None:
    model = planner.analyze(tree({"requirements.txt": "flask==2.3.2\n", "app.py": "import flask\n"}))
    assert [(e.language, e.role) for e in model.runtimes] == [("python", RuntimeRole.PRIMARY)]
    assert "Runtimes" not in report.render_text(model)
    assert "Runtimes" not in report.render_markdown(model)
    assert model.runtime.get("language") == "python"


def test_migrate_toml_language_wins_over_everything(tree: Tree) -> None:
    root = tree({"app.json": RUBY_APP_JSON, ".python-version": "3.12\n",
                 "migrate.toml": '[runtime]\nlanguage = "python"\n'})
    model = planner.analyze(root, load_overrides(root))
    assert model.runtime.get("language") == "python"
    assert model.runtime.get("version") == "3.12"
    assert model.runtimes[0].reason.startswith("set in migrate.toml")


def test_the_runtime_that_runs_the_web_process_wins_over_a_platform_declaration() -> None:
    subjects = {
        "ruby": _subject("ruby", ("language", "ruby", "app_json", Confidence.DECLARED)),
        "python": _subject("python", ("language", "python", "requirements", Confidence.INFERRED)),
    }
    procs = [_process("web", ProcessRole.WEB, "gunicorn app:app", "python")]
    primary, other = choose(subjects, procs, ("python",))
    assert (primary.language, primary.role, primary.processes) == ("python", RuntimeRole.PRIMARY, ("web",))
    assert "runs the web process `gunicorn app:app` (Procfile:1)" in primary.reason
    assert "ruby: does not run the web process" in primary.reason
    assert (other.language, other.role, other.supported) == ("ruby", RuntimeRole.EVIDENCE, False)


def test_a_runtime_that_runs_a_worker_is_a_worker_not_evidence() -> None:
    subjects = {
        "python": _subject("python", ("language", "python", "requirements", Confidence.DECLARED)),
        "node": _subject("node", ("language", "node", "node_version", Confidence.DECLARED)),
    }
    procs = [_process("web", ProcessRole.WEB, "gunicorn app:app", "python"),
             _process("worker", ProcessRole.WORKER, "node worker.js", "node")]
    primary, other = choose(subjects, procs, ("python", "node"))
    assert primary.language == "python"
    assert (other.language, other.role, other.processes) == ("node", RuntimeRole.WORKER, ("worker",))
    assert "an image of its own" in other.reason


def test_confidence_then_provider_order_break_the_remaining_ties() -> None:
    strong = _subject("ruby", ("language", "ruby", "marker", Confidence.DECLARED))
    weak = _subject("python", ("language", "python", "python_code", Confidence.HEURISTIC))
    primary, _ = choose({"ruby": strong, "python": weak}, [], ("python",))
    assert primary.language == "ruby" and "(declared); python:" in primary.reason
    even = _subject("python", ("language", "python", "requirements", Confidence.DECLARED))
    primary, _ = choose({"ruby": strong, "python": even}, [], ("python",))
    assert primary.language == "python"
    assert primary.reason == "python comes first in the provider order; ruby: no provider for ruby"


def test_one_runtime_says_it_is_the_only_one() -> None:
    (only,) = choose({"python": _subject("python", ("version", "3.11", "python_version", Confidence.DECLARED))},
                     [], ("python",))
    assert only.reason == "the only runtime found: python_version.file:1 (declared)"
    assert choose({}, [], ("python",)) == ()


def test_secondary_conflicts_are_keyed_by_their_language(tree: Tree) -> None:
    root = tree({"app.json": RUBY_APP_JSON, ".python-version": "3.12\n", "runtime.txt": "python-3.10.4\n"})
    model = planner.analyze(root)
    assert model.runtime.get("language") == "ruby"
    keys = {(c.key, c.field) for c in model.conflicts if c.kind is Kind.RUNTIME}
    assert ("", "version") not in keys
    assert all(key == "python" for key, _ in keys)
