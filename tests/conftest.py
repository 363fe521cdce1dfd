"""Shared test helpers: inline file trees, running one analyzer, engine-dependent markers."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from migrator.model import Finding, Kind, SecretFinding, Warning
from migrator.repo import RepoView

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"  # fixtures/<runtime>/<app>/, and SECRETS.txt (the planted values of every app)


SECRETS_FILE = FIXTURES / "SECRETS.txt"


def fixture_dirs() -> list[Path]:
    """Every fixture app (``fixtures/<runtime>/<app>/``, a directory with files), sorted by app name."""
    apps = [app for group in FIXTURES.iterdir() if group.is_dir() for app in group.iterdir()
            if app.is_dir() and any(app.iterdir())]
    return sorted(apps, key=lambda p: p.name)


def fixture_path(name: str) -> Path:
    """The fixture app called ``name``, whatever runtime group it is in."""
    found = [app for app in fixture_dirs() if app.name == name]
    if len(found) != 1:
        raise LookupError(f"fixture {name!r}: {len(found)} directories under {FIXTURES}")
    return found[0]
# Fixtures whose primary runtime no provider knows: generate writes no Dockerfile for them (design §4.8).
NO_IMAGE = frozenset({"rust-ledger"})


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``files`` (path -> content; text is dedented) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """``tree({"Procfile": "web: gunicorn app:app"})`` -> the repo's root path."""

    def make(files: dict[str, str | bytes]) -> Path:
        return write_tree(tmp_path / "repo", files)

    return make


class Result:
    """What one analyzer said about one tree, with small query helpers for assertions."""

    def __init__(self, items: Iterable[Any], repo: RepoView) -> None:
        self.items = list(items)
        self.repo = repo
        self.findings = [i for i in self.items if isinstance(i, Finding)]
        self.secrets = [i for i in self.items if isinstance(i, SecretFinding)]
        self.warnings = [i for i in self.items if isinstance(i, Warning)] + list(repo.warnings)

    def of(self, kind: Kind, key: str | None = None) -> list[Finding]:
        return [f for f in self.findings if f.kind is kind and (key is None or f.key == key)]

    def one(self, kind: Kind, key: str | None = None) -> Finding:
        found = self.of(kind, key)
        assert len(found) == 1, f"expected one {kind.value}[{key}], got {found}"
        return found[0]

    def keys(self, kind: Kind) -> list[str]:
        return sorted({f.key for f in self.of(kind)})

    def field(self, kind: Kind, key: str, name: str) -> Any:
        """The value of ``name`` from the findings about kind[key] (asserting they agree)."""
        values = {f.fields[name] for f in self.of(kind, key) if name in f.fields}
        assert len(values) == 1, f"{kind.value}[{key}].{name}: {values}"
        return values.pop()


@pytest.fixture
def run_analyzer(tree: Callable[[dict[str, str | bytes]], Path]) -> Callable[[Any, dict[str, str | bytes]], Result]:
    def run(module: Any, files: dict[str, str | bytes]) -> Result:
        repo = RepoView(tree(files))
        return Result(module.analyze(repo), repo)

    return run


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=5).ping()
        return True
    except Exception:
        return False


def require_docker() -> None:
    """Skip when no Docker Engine answers, unless MIGRATE_REQUIRE_DOCKER=1 (CI): then fail."""
    if docker_available():
        return
    if os.environ.get("MIGRATE_REQUIRE_DOCKER") == "1":
        pytest.fail("MIGRATE_REQUIRE_DOCKER=1 but no Docker Engine answers on this machine")
    pytest.skip("no Docker Engine answers (set MIGRATE_REQUIRE_DOCKER=1 to make this a failure)")


def require_kind() -> None:
    if shutil.which("kind") is None:
        pytest.skip("the kind CLI is not installed (the GitHub Actions workflow runs these tests)")
    require_docker()


def pytest_runtest_setup(item: pytest.Item) -> None:
    # A usefixtures marker added after collection is ignored (fixture closures are already computed),
    # so the engine check runs here, before the test's own (possibly module-scoped) fixtures.
    if item.get_closest_marker("kind"):
        require_kind()
    elif item.get_closest_marker("docker"):
        require_docker()


@pytest.fixture
def _needs_docker() -> None:
    require_docker()


@pytest.fixture
def _needs_kind() -> None:
    require_kind()
