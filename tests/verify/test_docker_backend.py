"""The docker backend end to end on the tiny app (a real Docker Engine; few, fast runs)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.verify import cleanup_run, verify
from migrator.verify.docker_backend import LABEL, parse_quantity
from migrator.verify.report import VerifyReport, render

from .conftest import APP

pytestmark = pytest.mark.docker


def _leftovers(client: Any, run_id: str) -> list[str]:
    flt = {"label": f"{LABEL}={run_id}"}
    return [c.name for c in client.containers.list(all=True, filters=flt)] + \
        [n.name for n in client.networks.list(filters=flt)] + [v.name for v in client.volumes.list(filters=flt)]


@pytest.fixture(scope="module")
def docker_client() -> Any:
    import docker

    return docker.from_env()


@pytest.fixture(scope="module")
def kept_run(docker_client: Any) -> Iterator[VerifyReport]:
    """One verified run of the tiny app, kept so its containers can be inspected, then cleaned up."""
    report = verify(APP, "docker", keep=True, settle=3, timeout=120)
    yield report
    cleanup_run(docker_client, report.run_id)
    assert _leftovers(docker_client, report.run_id) == []
    assert not [t for i in docker_client.images.list(name="migrate-verify/app") for t in i.tags
                if t.endswith(f":{report.run_id}")]


def _step(report: VerifyReport, prefix: str) -> Any:
    return next(s for s in report.steps if s.name.startswith(prefix))


def test_tiny_app_verifies(kept_run: VerifyReport) -> None:
    report = kept_run
    assert report.outcome == "verified", [(s.name, s.status, s.detail, s.logs) for s in report.steps]
    assert [s.name for s in report.steps] == [
        "validate manifests", "build image", "scan image for secrets", "publish image (docker)", "prepare docker",
        "start backing services",
        "release job release", "start deployments and wait for readiness", "health check",
        "settle 3s (everything stays up)", "trigger cronjob nightly",
    ]
    # the app answers 200 only when PostgreSQL and Redis are reachable and SECRET_KEY is the fake one
    assert _step(report, "health check").detail == "GET http://web:8000/healthz -> 200"
    assert "postgres, redis" in _step(report, "start backing services").detail
    assert list(_step(report, "release job").logs.values()) == [["release: migrating against verify-postgres"]]
    assert any("not a Kubernetes" in n for n in report.notes)


def test_containers_follow_the_pod_spec(kept_run: VerifyReport, docker_client: Any) -> None:
    prefix = f"migrate-verify-{kept_run.run_id}"
    web = docker_client.containers.get(f"{prefix}-web-web").attrs
    assert web["Config"]["User"] == "10001"
    assert web["HostConfig"]["ReadonlyRootfs"] is True
    assert "/tmp" in web["HostConfig"]["Tmpfs"]
    assert web["HostConfig"]["Memory"] == parse_quantity("256Mi") == 256 * 2**20
    assert web["HostConfig"]["NanoCpus"] == 500_000_000
    assert "web" in web["NetworkSettings"]["Networks"][prefix]["Aliases"]
    assert any(m["Destination"] == "/app/uploads" and m["Type"] == "volume" for m in web["Mounts"])
    env = dict(e.split("=", 1) for e in web["Config"]["Env"])
    assert env["DATABASE_URL"] == "postgresql://verify:verify-fake-password@verify-postgres:5432/verify"
    assert env["REDIS_URL"] == "redis://verify-redis:6379/0"  # the ConfigMap's localhost URL was rewired
    assert env["APP_ENV"] == "production"
    worker = docker_client.containers.get(f"{prefix}-worker-worker").attrs
    assert worker["Path"] == "python" and worker["Args"] == ["/app/app.py", "worker"]  # command + args
    wenv = dict(e.split("=", 1) for e in worker["Config"]["Env"])
    assert wenv["CELERY_BROKER_URL"] == "redis://verify-redis:6379/0"
    assert wenv["POD_NAME"] == f"{prefix}-worker-worker"


def test_broken_start_command_fails_with_exit_2(app_copy: Callable[..., Path], docker_client: Any) -> None:
    root = app_copy({"deploy/k8s/base/web.yaml": ('"/app/app.py", "web"]', '"/app/app.py", "brokenmode"]')})
    args = ["verify", str(root), "--backend", "docker", "--format", "json", "--timeout", "60"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    assert report["outcome"] == "failed"
    failed = [s for s in report["steps"] if s["status"] == "failed"]
    assert [s["name"] for s in failed] == ["start deployments and wait for readiness"]
    name = f"migrate-verify-{report['run_id']}-web-web"
    assert failed[0]["detail"] == f"container {name} exited with code 3"
    assert failed[0]["logs"][name] == ["unknown mode 'brokenmode'"]
    assert "verification failed at: start deployments and wait for readiness" in result.stderr
    assert _leftovers(docker_client, report["run_id"]) == []


def test_failed_release_job_stops_before_deployments(app_copy: Callable[..., Path]) -> None:
    root = app_copy({"deploy/k8s/base/release.yaml": ('"release"]', '"nope"]')})
    report = verify(root, "docker", settle=1, timeout=60)
    assert report.outcome == "failed"
    assert [s.name for s in report.steps][-1] == "release job release"
    step = report.steps[-1]
    assert step.status == "failed" and "exited with code 3" in step.detail
    assert list(step.logs.values()) == [["unknown mode 'nope'"]]


def test_readiness_timeout_names_container_and_probe(app_copy: Callable[..., Path]) -> None:
    root = app_copy({"deploy/k8s/base/web.yaml": ("path: /healthz, port: http", "path: /healthz, port: 9999")})
    report = verify(root, "docker", settle=1, timeout=4)
    step = report.steps[-1]
    assert step.name == "start deployments and wait for readiness" and step.status == "failed"
    assert "-web-web not ready after 4s" in step.detail and "ConnectionRefusedError" in step.detail


def test_a_failing_cronjob_fails_verify_with_its_log(app_copy: Callable[..., Path]) -> None:
    # it would fail every night in the cluster: that is not "verified" (it used to be a warning)
    root = app_copy({"deploy/k8s/base/cron.yaml": ('"cron"]', '"nope"]')})
    report = verify(root, "docker", settle=1, timeout=60)
    assert report.outcome == "failed"
    step = report.steps[-1]
    assert (step.name, step.status) == ("trigger cronjob nightly", "failed")
    assert "exited with code 3" in step.detail
    assert list(step.logs.values()) == [["unknown mode 'nope'"]]


def test_a_cronjob_marked_as_failing_offline_is_reported_with_its_reason(app_copy: Callable[..., Path]) -> None:
    root = app_copy({"deploy/k8s/base/cron.yaml": ('"cron"]', '"nope"]')})
    (root / "migrate.toml").write_text('[offline_jobs.nightly]\nreason = "uploads to the partner SFTP server"\n')
    report = verify(root, "docker", settle=1, timeout=60)
    assert report.outcome == "verified"
    step = report.steps[-1]
    assert (step.name, step.status) == ("trigger cronjob nightly", "warning")
    assert step.detail.endswith("exited with code 3: expected offline (migrate.toml [offline_jobs.nightly]: "
                                "uploads to the partner SFTP server)")
    assert "uploads to the partner SFTP server" in render(report, "text")


def test_a_marked_cronjob_that_cannot_even_start_still_fails(app_copy: Callable[..., Path]) -> None:
    # the class of `exec: permission denied` (a script not executable in git): no mark excuses it
    root = app_copy({"deploy/k8s/base/cron.yaml": ('args: ["python", "/app/app.py", "cron"]',
                                                   'command: ["/app/app.py"]\n              args: ["cron"]')})
    (root / "migrate.toml").write_text('[offline_jobs.nightly]\nreason = "talks to the partner API"\n')
    report = verify(root, "docker", settle=1, timeout=60)
    assert report.outcome == "failed"
    step = report.steps[-1]
    assert (step.name, step.status) == ("trigger cronjob nightly", "failed")
    assert "could not start" in step.detail and "permission denied" in step.detail
    assert "but it never ran: fix it" in step.detail


def test_a_marked_release_job_that_fails_lets_the_run_go_on(app_copy: Callable[..., Path]) -> None:
    root = app_copy({"deploy/k8s/base/release.yaml": ('"release"]', '"nope"]')})
    (root / "migrate.toml").write_text('[offline_jobs.release]\nreason = "registers the build with the CDN"\n')
    report = verify(root, "docker", settle=1, timeout=60)
    assert report.outcome == "verified", [(s.name, s.status, s.detail) for s in report.steps]
    release = next(s for s in report.steps if s.name == "release job release")
    assert release.status == "warning" and "registers the build with the CDN" in release.detail


def test_an_image_holding_a_private_key_fails_the_scan(app_copy: Callable[..., Path]) -> None:
    """A key under a name no .dockerignore pattern knows is still found: by its content, without running
    anything from the image; the report names the file and never shows a byte of it."""
    copy = "COPY app.py /app/app.py"
    root = app_copy({"deploy/image/Dockerfile": (copy, f"{copy}\nCOPY config /app/config")})
    (root / "config").mkdir()
    (root / "config" / "signing.txt").write_text(
        "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPl4ntedScanKeyBody0000\n-----END EC PRIVATE KEY-----\n")
    result = CliRunner().invoke(main, ["verify", str(root), "--backend", "docker", "--timeout", "60",
                                       "--format", "json"])
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    step = report["steps"][-1]
    assert (step["name"], step["status"]) == ("scan image for secrets", "failed")
    assert "config/signing.txt: private key" in step["detail"]
    assert "Pl4ntedScanKeyBody" not in result.output


def test_build_failure_names_the_step(app_copy: Callable[..., Path]) -> None:
    root = app_copy({"deploy/image/Dockerfile": ("USER 10001", "RUN echo compiling && exit 7\nUSER 10001")})
    report = verify(root, "docker", timeout=60)
    step = report.steps[-1]
    assert (step.name, step.status) == ("build image", "failed")
    assert step.detail.startswith("image build failed at Step 5/9 : RUN echo compiling && exit 7:")
    assert "returned a non-zero code: 7" in step.detail
    assert "compiling" in step.logs["build"]


def test_missing_executable_is_a_failed_step_not_a_crash(app_copy: Callable[..., Path]) -> None:
    root = app_copy({"deploy/k8s/base/release.yaml": ('args: ["python",', 'command: ["/opt/legacy/migrate.sh"]\n'
                                                      '          args: ["python",')})
    report = verify(root, "docker", timeout=60)
    step = report.steps[-1]
    assert (step.name, step.status) == ("release job release", "failed")
    assert step.detail.startswith("container migrate-verify-") and "could not start" in step.detail
    assert "/opt/legacy/migrate.sh" in step.detail


def test_a_checkout_named_like_a_real_clone_verifies(tmp_path: Path, docker_client: Any) -> None:
    """A directory called owner+name, with spaces, capitals and unicode crashed verify with exit 3
    (invalid tag 'migrate-verify/owner+name:...'): every name derived from it is sanitised."""
    root = tmp_path / "Owner+Näme with space"
    shutil.copytree(APP, root)
    result = CliRunner().invoke(main, ["verify", str(root), "--backend", "docker", "--format", "json",
                                       "--timeout", "120"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["outcome"] == "verified"
    build = next(s for s in report["steps"] if s["name"] == "build image")
    assert f" migrate-verify/owner-name-with-space:{report['run_id']}: " in build["detail"]
    assert _leftovers(docker_client, report["run_id"]) == []
