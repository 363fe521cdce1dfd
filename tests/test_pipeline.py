"""migrator.pipeline: every command analyzes the repository once and resolves the spec once.

The counters wrap :func:`migrator.planner.analyze` and :func:`generators.spec.build_spec` in every
loaded module that holds them (``from x import f`` copies the name), so a stage that analyzes again by
any import path is counted. ``pr --verify`` runs the real verify up to the image build, against an
engine stand-in whose build fails (the Docker engine itself is tested in tests/verify).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import generators.spec
import migrator.planner
from migrator.cli import main
from migrator.config import GenerateSettings
from migrator.errors import UserError
from migrator.fleet.facts import collect
from migrator.fleet.worker import WorkerOptions
from migrator.generate import generate
from migrator.pipeline import Pipeline
from migrator.pr import PrOptions, open_pr
from tests.conftest import write_tree
from tests.pr.conftest import APP, make_repo

BUILD_REFUSED = "no engine in this test"
SHOP: dict[str, str | bytes] = dict(APP)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counts: Counter[str] = Counter()
    for original in (migrator.planner.analyze, generators.spec.build_spec):
        def counted(*args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            counts[_original.__name__] += 1
            return _original(*args, **kwargs)

        for module in list(sys.modules.values()):
            for name, value in list(vars(module).items()):
                if value is original:
                    monkeypatch.setattr(module, name, counted)
    return counts


class _RefusingApi:
    def __init__(self) -> None:
        self.builds: list[str] = []

    def build(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self.builds.append(str(kwargs["dockerfile"]))
        yield {"error": BUILD_REFUSED}


class _Engine:
    """A Docker client whose image build fails; anything else it is asked is an AttributeError (cleanup
    records that as a note)."""

    def __init__(self) -> None:
        self.api = _RefusingApi()


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> _Engine:
    from migrator import verify

    stand_in = _Engine()
    monkeypatch.setattr(verify, "docker_client", lambda: stand_in)
    return stand_in


def test_generate_analyzes_once_and_builds_the_spec_once(tmp_path: Path, calls: Counter[str]) -> None:
    write_tree(tmp_path, SHOP)
    files = generate(tmp_path, GenerateSettings(namespace="shop"))
    assert {"deploy/image/Dockerfile", "migrate.toml", "MIGRATION.md"} <= {f.path for f in files}
    assert calls == {"analyze": 1, "build_spec": 1}


def test_cli_generate_analyzes_once(tmp_path: Path, calls: Counter[str]) -> None:
    write_tree(tmp_path, SHOP)
    result = CliRunner().invoke(main, ["generate", str(tmp_path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "deploy/image/Dockerfile" in result.output
    assert calls == {"analyze": 1, "build_spec": 1}


def test_cli_generate_with_unknown_start_command_analyzes_once(tmp_path: Path, calls: Counter[str]) -> None:
    write_tree(tmp_path, {"requirements.txt": "requests==2.31.0\n", "tool.py": "import requests\n"})
    result = CliRunner().invoke(main, ["generate", str(tmp_path), "--dry-run"])
    assert result.exit_code == 1 and "start command unknown" in result.output
    assert calls == {"analyze": 1, "build_spec": 1}  # the problem is asked of the same spec


def test_pr_dry_run_with_verify_analyzes_once(tmp_path: Path, calls: Counter[str], engine: _Engine) -> None:
    checkout, _ = make_repo(tmp_path)
    result = CliRunner().invoke(main, ["pr", str(checkout), "--dry-run", "--verify", "--backend", "docker"])
    assert result.exit_code == 2, result.output  # verification failed: the stand-in engine builds nothing
    assert engine.api.builds == ["deploy/image/Dockerfile"]  # verify got as far as the build
    assert BUILD_REFUSED in result.output  # the body carries the failed build step
    assert calls == {"analyze": 1, "build_spec": 1}


def test_verify_from_pr_uses_the_pipelines_hints(tmp_path: Path, engine: _Engine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from migrator import verify as verify_pkg

    seen: list[Any] = []
    real = verify_pkg.verify

    def watched(root: Path, backend: str, **options: Any) -> Any:
        seen.append(options.get("pipeline"))
        return real(root, backend, **options)

    monkeypatch.setattr(verify_pkg, "verify", watched)
    checkout, _ = make_repo(tmp_path)
    result = open_pr(checkout, PrOptions(repo="acme/shop", dry_run=True, verify=True, verify_backend="docker"),
                     env={})
    assert result.verify_ok is False
    (run,) = seen
    assert isinstance(run, Pipeline) and run.root == checkout
    assert "SECRET_KEY" in run.hints.env_names  # the checkout's analysis, read by verify's plan


def test_fleet_generate_and_verify_analyze_once(tmp_path: Path, calls: Counter[str], engine: _Engine) -> None:
    write_tree(tmp_path, SHOP)
    found = collect(tmp_path, WorkerOptions(generate=True, verify=True, backend="docker"), {})
    assert found.values["verify"] == "failed" and found.values["verify_failed"] == ("build image",)
    assert (tmp_path / "deploy/image/Dockerfile").is_file()
    assert calls == {"analyze": 1, "build_spec": 1}


def test_fleet_pr_reuses_the_fleet_analysis(tmp_path: Path, calls: Counter[str]) -> None:
    checkout, _ = make_repo(tmp_path)
    options = WorkerOptions(pr=True, pr_options=PrOptions(repo="acme/shop", dry_run=True))
    found = collect(checkout, options, {})
    assert not found.errors, found.errors
    assert calls == {"analyze": 1, "build_spec": 1}


def test_reconfigured_shares_the_analysis_only_when_migrate_toml_pins_the_same_facts(tmp_path: Path) -> None:
    write_tree(tmp_path / "a", {**SHOP, "migrate.toml": "[generate]\nnamespace = \"shop\"\n"})
    write_tree(tmp_path / "same", {"migrate.toml": "[generate]\nnamespace = \"shop\"\n"})
    write_tree(tmp_path / "settings", {"migrate.toml": "[generate]\nnamespace = \"store\"\n"})
    write_tree(tmp_path / "pins", {"migrate.toml": "[processes.web]\ncommand = \"gunicorn shop.wsgi\"\n"})
    run = Pipeline(tmp_path / "a")
    assert run.reconfigured(tmp_path / "same", None) is run
    other = run.reconfigured(tmp_path / "settings", None)
    assert other is not run and other.model is run.model and other.spec.namespace.value == "store"
    pinned = run.reconfigured(tmp_path / "pins", None)
    assert pinned.model is not run.model
    assert [p.get("command") for p in pinned.model.processes if p.key == "web"] == ["gunicorn shop.wsgi"]


def test_a_stage_that_fails_is_not_kept(tmp_path: Path) -> None:
    write_tree(tmp_path, {**SHOP, "migrate.toml": "[generate\n"})
    run = Pipeline(tmp_path)
    with pytest.raises(UserError, match="migrate.toml"):
        assert run.settings is None
    assert run.hints.env_names == ()  # verify's hints do not depend on the analysis succeeding
    (tmp_path / "migrate.toml").write_text("[generate]\nnamespace = \"shop\"\n")
    assert run.settings.namespace == "shop"
    assert run.spec.namespace.value == "shop"


def test_pr_generates_the_files_generate_does(tmp_path: Path) -> None:
    # a repository with its own .dockerignore keeps it: pr used to generate one over it (a .new conflict)
    checkout, _ = make_repo(tmp_path, {**SHOP, ".dockerignore": "*.pyc\n"})
    expected = {f.path for f in generate(checkout)}
    result = open_pr(checkout, PrOptions(repo="acme/shop", dry_run=True), env={})
    assert ".dockerignore" not in expected
    assert set(result.files) == expected | {".migrate/state.json"}
    assert ".dockerignore.new" not in result.body


def test_cli_verify_analyzes_once_for_its_hints(tmp_path: Path, calls: Counter[str], engine: _Engine) -> None:
    from migrator.writer import write

    write_tree(tmp_path, SHOP)
    write(generate(tmp_path), tmp_path)
    calls.clear()
    result = CliRunner().invoke(main, ["verify", str(tmp_path), "--backend", "docker"])
    assert result.exit_code == 2 and BUILD_REFUSED in result.output
    assert calls == {"analyze": 1}  # the hints; verify never resolves a spec
