"""The kind backend's pieces that need no cluster: generated objects and what prepare() applies."""

from __future__ import annotations

from typing import Any

import pytest

from migrator.verify import kind_backend as kb
from migrator.verify import manifests as mf
from migrator.verify.plan import make_plan
from migrator.verify.report import VerifyReport
from migrator.verify.services import POSTGRES, REDIS

from .conftest import APP


def test_backing_service_objects_are_valid() -> None:
    objs = [o for s in (POSTGRES, REDIS) for o in kb.service_objects(s)]
    assert mf.validate(objs) == []
    assert [(o["kind"], o["metadata"]["name"]) for o in objs] == [
        ("Deployment", "verify-postgres"), ("Service", "verify-postgres"),
        ("Deployment", "verify-redis"), ("Service", "verify-redis"),
    ]
    probe = objs[0]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert probe["exec"]["command"][0] == "pg_isready"


def test_manual_job_from_cronjob_is_valid() -> None:
    cron = mf.load(APP).named("CronJob", "nightly")
    assert cron is not None
    job = kb.manual_job(cron, "abc123")
    assert mf.validate([job]) == []
    assert job["metadata"] == {"name": "nightly-manual-abc123",
                               "annotations": {"cronjob.kubernetes.io/instantiate": "manual"}}
    assert job["spec"]["template"]["spec"]["containers"][0]["args"][-1] == "cron"


def test_manual_jobs_of_long_cronjob_names_keep_the_run_id() -> None:
    cron = mf.load(APP).named("CronJob", "nightly")
    assert cron is not None
    long = {**cron, "metadata": {**cron["metadata"], "name": "a" * 52}}
    first, second = (kb.manual_job(long, run)["metadata"]["name"] for run in ("run00001", "run00002"))
    assert first != second and len(first) <= 63 and first.endswith("-manual-run00001")


class _Core:
    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    def create_namespace(self, body: dict[str, Any]) -> None:
        self.seen.append(("Namespace", body["metadata"]["name"], body["metadata"]["labels"]))


def test_prepare_applies_config_and_fake_secrets_not_workloads(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = make_plan(mf.load(APP).objects, "migrate-verify/app:r1")
    seen: list[Any] = []
    monkeypatch.setattr(kb.shutil, "which", lambda name: "/usr/bin/kind")  # shutil is shared: after load()
    monkeypatch.setattr(kb, "_k8s", lambda: type("K8s", (), {"CoreV1Api": lambda self, api: _Core(seen)})())
    backend = kb.KindBackend(None, "r1", VerifyReport("kind"))
    monkeypatch.setattr(backend, "_connect", lambda: object())
    applied: list[dict[str, Any]] = []
    monkeypatch.setattr(backend, "_apply", applied.append)
    backend.prepare(plan)
    assert seen == [("Namespace", "migrate-verify-r1", {"migrate.verify": "r1"})]
    assert sorted((o["kind"], o["metadata"]["name"]) for o in applied) == [
        ("ConfigMap", "tinyapp-config"), ("Ingress", "tinyapp"), ("PersistentVolumeClaim", "tinyapp-uploads"),
        ("Secret", "tinyapp-secrets"), ("Service", "web"),
    ]
    cm = next(o for o in applied if o["kind"] == "ConfigMap")
    assert cm["data"]["REDIS_URL"] == "redis://verify-redis:6379/0"
    secret = next(o for o in applied if o["kind"] == "Secret")
    assert set(secret["data"]) == {"DATABASE_URL", "SECRET_KEY"}
    assert mf.validate(applied) == []


def test_a_container_that_never_ran_is_told_from_one_that_exited() -> None:
    from types import SimpleNamespace as NS

    from migrator.verify.kind_backend import _never_ran

    def status(waiting: str | None = None, code: int | None = None, reason: str = "Error") -> NS:
        terminated = NS(reason=reason, exit_code=code) if code is not None else None
        return NS(state=NS(waiting=NS(reason=waiting) if waiting else None, terminated=terminated),
                  last_state=NS(terminated=None))

    assert _never_ran(status(waiting="CreateContainerError"))
    assert _never_ran(status(code=127))
    assert _never_ran(status(code=126))
    assert _never_ran(status(code=128, reason="ContainerCannotRun"))
    assert not _never_ran(status(code=1))
    assert not _never_ran(status(waiting="CrashLoopBackOff"))
