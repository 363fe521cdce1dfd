"""The kind workflow is valid for GitHub Actions and passes zizmor's offline audits."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ruamel.yaml import YAML

WORKFLOW = Path(__file__).resolve().parents[2] / ".github/workflows/kind.yml"


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which(cmd[0])
    assert exe, f"{cmd[0]} is a test dependency (pip install -e '.[test]')"
    return subprocess.run([exe, *cmd[1:]], capture_output=True, text=True, timeout=120, check=False)


def test_workflow_schema() -> None:
    proc = _run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflow_zizmor_offline() -> None:
    proc = _run("zizmor", "--offline", "--no-progress", str(WORKFLOW))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflow_runs_the_kind_tests_with_the_kind_action() -> None:
    wf = YAML(typ="safe").load(WORKFLOW.read_text())
    steps = wf["jobs"]["kind-tests"]["steps"]
    assert any(str(s.get("uses", "")).startswith("helm/kind-action@") for s in steps)
    assert any("pytest -m kind" in str(s.get("run", "")) for s in steps)


def test_workflow_runs_the_drill_on_one_fixture_with_kind() -> None:
    wf = YAML(typ="safe").load(WORKFLOW.read_text())
    runs = [str(s.get("run", "")) for s in wf["jobs"]["kind-tests"]["steps"]]
    drill = [r for r in runs if "--drill" in r]
    assert len(drill) == 1 and "--backend kind" in drill[0] and "fixtures/python/flask-gunicorn" in drill[0]


def test_workflow_verifies_the_fixtures_that_need_registries() -> None:
    from tests.conftest import fixture_path

    wf = YAML(typ="safe").load(WORKFLOW.read_text())
    runs = [str(s.get("run", "")) for s in wf["jobs"]["kind-tests"]["steps"]]
    loop = next(r for r in runs if "laravel-deployer-shop" in r)
    assert "verify" in loop and "--backend kind" in loop
    # every composer-based PHP fixture (no committed vendor/) is in the loop, and each path exists
    for path in ("php/laravel-deployer-shop", "php/wordpress-apache-rsync", "php/plain-php-envoy",
                 "ruby/capistrano-rails-shop", "ruby/mina-unicorn-legacy"):
        assert path in loop and fixture_path(path.split("/")[1]).is_dir()
