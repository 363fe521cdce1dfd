"""The report: steps with timings, failure evidence, text and JSON renderings, no secret values."""

from __future__ import annotations

import json

import pytest

from migrator.verify.report import FAILED, OK, StepFailed, VerifyReport, render, tail


def test_steps_are_timed_and_rendered() -> None:
    seen: list[str] = []
    report = VerifyReport("docker", progress=seen.append)
    with report.step("build image") as step:
        step.detail = "3 steps"
    with pytest.raises(StepFailed), report.step("health check"):
        raise StepFailed("GET /healthz -> 503", logs={"web": ["boom", "Traceback: x"]}, events=["Pod/web: BackOff"])
    report.finish()
    assert [s.status for s in report.steps] == [OK, FAILED]
    assert report.outcome == "failed" and not report.ok
    assert [s.name for s in report.failed_steps] == ["health check"]
    data = json.loads(render(report, "json"))
    assert data["version"] == 1 and data["backend"] == "docker" and data["outcome"] == "failed"
    assert data["steps"][1] == {
        "name": "health check", "status": "failed", "duration_s": data["steps"][1]["duration_s"],
        "detail": "GET /healthz -> 503", "logs": {"web": ["boom", "Traceback: x"]}, "events": ["Pod/web: BackOff"],
    }
    text = render(report)
    assert text.startswith("migrate verify (docker backend): FAILED")
    assert "[ failed] health check" in text and "last log lines of web:" in text and "| boom" in text
    assert "- build image ..." in seen[0]


def test_secret_values_in_logs_are_scrubbed() -> None:
    report = VerifyReport("docker")
    with pytest.raises(StepFailed), report.step("release job"):
        raise StepFailed("failed", logs={"job": ["connecting to postgresql://verify:hunter2hunter2@db:5432/x"]})
    out = render(report, "json") + render(report)
    assert "hunter2hunter2" not in out


def test_all_ok_is_verified() -> None:
    report = VerifyReport("kind")
    with report.step("validate manifests"):
        pass
    assert report.finish().outcome == "verified"


def test_tail_keeps_last_non_empty_lines() -> None:
    assert tail("a\n\nb\nc\n", 2) == ["b", "c"]


def test_an_unexpected_error_marks_the_step_failed_and_propagates() -> None:
    report = VerifyReport("docker")
    with pytest.raises(RuntimeError), report.step("prepare docker"):
        raise RuntimeError("network create refused")
    assert (report.steps[0].status, report.steps[0].detail) == (FAILED, "RuntimeError: network create refused")
