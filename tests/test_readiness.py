"""migrator/readiness.py: the verdict shared by the PR body and the fleet report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generators.spec import build_spec
from migrator.config import GenerateSettings, load_settings
from migrator.planner import analyze
from migrator.readiness import Readiness, Reason, Verdict, assess, decide, generate_failed
from tests.conftest import fixture_path


def _assess(name: str, **kwargs: Any) -> Readiness:
    model = analyze(fixture_path(name))
    return assess(model, build_spec(model, load_settings(fixture_path(name))), **kwargs)


def test_no_reason_is_ready_only_when_verified() -> None:
    assert decide([], verified=True).verdict is Verdict.READY
    assert decide([], verified=None).verdict is Verdict.UNVERIFIED
    assert decide([], verified=False).verdict is Verdict.UNVERIFIED  # verify-failed comes as a reason


def test_worst_level_wins() -> None:
    reasons = [Reason("conflict", Verdict.NEEDS_INPUT, "x"), Reason("verify-failed", Verdict.BLOCKED, "y")]
    found = decide(reasons, verified=True)
    assert found.verdict is Verdict.BLOCKED
    assert [r.code for r in found.blockers] == ["verify-failed"]
    assert [r.code for r in found.inputs] == ["conflict"]


def test_external_services_need_input() -> None:
    found = _assess("pipenv-celery")
    assert found.verdict is Verdict.NEEDS_INPUT
    assert any(r.code == "external-service" and "redis" in r.text for r in found.reasons)


def test_failed_verify_blocks_and_names_the_steps() -> None:
    found = _assess("flask-gunicorn", verify_ok=False, verify_failed=["boot web"])
    assert found.verdict is Verdict.BLOCKED
    assert found.blockers[0].text == "verification failed at: boot web"


def test_start_command_unknown_blocks(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.31\n")
    model = analyze(tmp_path)
    found = assess(model, build_spec(model, GenerateSettings()), generate_problem="start command unknown: ...\nmore")
    assert found.verdict is Verdict.BLOCKED
    assert found.blockers[0].text == "start command unknown: ..."


def test_generate_failed_scrubs_secret_values() -> None:
    found = generate_failed("cannot parse postgres://app:hunter2secret@db/app")
    assert found.verdict is Verdict.BLOCKED
    assert "hunter2secret" not in found.reasons[0].text
