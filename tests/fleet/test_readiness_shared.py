"""The fleet record and the PR body give a repository the same readiness, reasons included."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.spec import build_spec
from migrator import config
from migrator.fleet.facts import collect
from migrator.fleet.worker import WorkerOptions
from migrator.planner import analyze
from migrator.pr import body
from tests.conftest import fixture_path


@pytest.mark.parametrize("name", ["pipenv-celery", "compose-django", "poetry-fastapi", "planted-secrets"])
def test_same_verdict_in_record_and_pr_body(name: str) -> None:
    root = fixture_path(name)
    found = collect(root, WorkerOptions(), {})
    model = analyze(root, overrides=config.load_overrides(root))
    verdict = body.verdict(model, build_spec(model, config.load_settings(root)), body.BodyContext())
    assert found.values["readiness"] == verdict.verdict.value
    assert list(found.values["reasons"]) == [r.to_json() for r in verdict.reasons]


def test_start_command_unknown_blocks_in_both(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.31\n")
    (tmp_path / "README.md").write_text("a library nobody deploys\n")
    found = collect(tmp_path, WorkerOptions(), {})
    model = analyze(tmp_path)
    verdict = body.verdict(model, build_spec(model, config.load_settings(tmp_path)), body.BodyContext())
    assert found.values["readiness"] == verdict.verdict.value == "blocked"
    assert verdict.blockers[0].code == "start-unknown"
