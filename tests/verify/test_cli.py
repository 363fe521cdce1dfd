"""`migrate verify` usage and environment errors exit 1, before any engine work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.errors import UserError
from migrator.verify import choose_backend
from migrator.verify.kind_backend import KindBackend
from migrator.verify.report import VerifyReport


def test_missing_manifests_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["verify", str(tmp_path), "--backend", "docker"])
    assert result.exit_code == 1
    assert "no generated manifests" in result.stderr and "migrate generate" in result.stderr


def test_missing_path_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["verify", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "no such directory" in result.stderr


def test_kube_context_needs_push(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["verify", str(tmp_path), "--kube-context", "prod"])
    assert result.exit_code == 1 and "--push REGISTRY" in result.stderr


def test_help_says_docker_is_not_kubernetes() -> None:
    result = CliRunner().invoke(main, ["verify", "--help"])
    assert result.exit_code == 0 and "NOT a Kubernetes" in result.output


def test_auto_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("migrator.verify.shutil.which", lambda name: None)
    assert choose_backend("auto") == "docker"
    assert choose_backend("auto", kube_context="prod") == "kind"
    assert choose_backend("docker", kube_context="prod") == "docker"
    monkeypatch.setattr("migrator.verify.shutil.which", lambda name: "/usr/bin/kind")
    assert choose_backend("auto") == "kind"


def test_kind_backend_without_kind_cli_is_an_environment_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("migrator.verify.kind_backend.shutil.which", lambda name: None)
    with pytest.raises(UserError, match="kind CLI is not installed"):
        KindBackend(None, "r1", VerifyReport("kind"))
    KindBackend(None, "r1", VerifyReport("kind"), kube_context="prod", push="registry.example.com")  # no kind needed


def test_no_docker_engine_exit_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from .conftest import APP

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    result = CliRunner().invoke(main, ["verify", str(APP), "--backend", "docker"])
    assert result.exit_code == 1
    assert "no Docker Engine answers" in result.stderr


def test_an_invalid_kind_cluster_name_is_a_usage_error(tmp_path: Path) -> None:
    from .conftest import APP

    result = CliRunner().invoke(main, ["verify", str(APP), "--backend", "kind", "--cluster", "My_Cluster"])
    assert result.exit_code == 1 and "--cluster 'My_Cluster' is not a valid kind cluster name" in result.stderr


def test_drill_flag_reaches_verify_and_a_failed_promise_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    from migrator import verify as verify_pkg
    from migrator.verify.report import FAILED, Step

    from .conftest import APP

    asked: list[object] = []

    def fake(root: Path, backend: str, **options: object) -> VerifyReport:
        asked.append(options.get("drill"))
        report = VerifyReport("docker", "r1")
        report.steps.append(Step("drill: graceful stop", FAILED, detail="web had 2 request(s) in flight, 2 dropped"))
        return report

    monkeypatch.setattr(verify_pkg, "verify", fake)
    result = CliRunner().invoke(main, ["verify", str(APP), "--backend", "docker", "--drill"])
    assert asked == [True] and result.exit_code == 2, result.output
    assert "[ failed] drill: graceful stop" in result.stdout
