"""The kind backend against a real kind cluster (run by .github/workflows/kind.yml; skip without kind)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from migrator.verify import verify

from .conftest import APP

pytestmark = pytest.mark.kind
CLUSTER = os.environ.get("MIGRATE_KIND_CLUSTER", "migrate-verify")


def test_tiny_app_verifies_in_kind() -> None:
    report = verify(APP, "kind", cluster=CLUSTER, settle=5, timeout=300)
    assert report.outcome == "verified", [(s.name, s.status, s.detail, s.logs, s.events) for s in report.steps]
    health = next(s for s in report.steps if s.name == "health check")
    assert health.detail == "GET http://web:8000/healthz -> 200"
    assert next(s for s in report.steps if s.name == "trigger cronjob nightly").status == "ok"


def test_broken_start_command_fails_in_kind(app_copy: Callable[..., Path]) -> None:
    root = app_copy({"deploy/k8s/base/web.yaml": ('"/app/app.py", "web"]', '"/app/app.py", "brokenmode"]')})
    report = verify(root, "kind", cluster=CLUSTER, settle=5, timeout=180)
    assert report.outcome == "failed"
    step = report.failed_steps[0]
    assert step.name == "start deployments and wait for readiness"
    assert step.detail.startswith("web: ")
    assert any(lines == ["unknown mode 'brokenmode'"] for name, lines in step.logs.items() if name.endswith("/web"))


def test_namespace_is_removed() -> None:
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException

    report = verify(APP, "kind", cluster=CLUSTER, settle=1, timeout=300)
    assert report.outcome == "verified"
    api = client.CoreV1Api(config.new_client_from_config(context=f"kind-{CLUSTER}"))
    try:
        assert api.read_namespace(f"migrate-verify-{report.run_id}").status.phase == "Terminating"
    except ApiException as exc:
        assert exc.status == 404  # already gone


def test_drill_in_kind() -> None:
    # real rollouts: rollout restart of both Deployments, a broken web revision the controller reports
    # as ProgressDeadlineExceeded while the old ReplicaSet serves, rollout undo, pods deleted under load
    report = verify(APP, "kind", cluster=CLUSTER, settle=1, timeout=300, drill=True)
    steps = {s.name: s for s in report.steps}
    why = [(s.name, s.status, s.detail, s.events) for s in report.steps if s.status != "ok"]
    assert report.drill is not None and report.drill.simulation is False
    for name in ("drill: rolling update under load", "drill: broken revision does not take traffic", "drill: rollback"):
        assert steps[name].status == "ok", why
    assert "Progressing reason ProgressDeadlineExceeded" in steps["drill: broken revision does not take traffic"].detail
    rolling = report.drill.steps[0]
    assert rolling["load"]["sent"] > 0 and rolling["load"]["failed"] == 0
    assert steps["drill: graceful stop"].status in ("ok", "warning"), why  # the tiny app's PID 1 ignores SIGTERM
