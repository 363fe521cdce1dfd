"""The composite action and the example workflow: schema-valid, clean under zizmor, shellcheck-clean."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT

ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / "docs/examples/migrate-pr.yml"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # they are in the test extras: a missing one is a broken install, not a skip
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return path


@pytest.mark.parametrize(("path", "schema"), [(ACTION, "vendor.github-actions"), (WORKFLOW, "vendor.github-workflows")])
def test_schema_valid(path: Path, schema: str):
    proc = subprocess.run([tool("check-jsonschema"), "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_finds_nothing():
    proc = subprocess.run([tool("zizmor"), "--offline", "--no-progress", str(ACTION), str(WORKFLOW)],
                          capture_output=True, text=True, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "No findings to report" in out
    assert "failed to parse" not in out  # zizmor skips (and exits 0 on) files it cannot read
    assert f"completed {ACTION}" in out and f"completed {WORKFLOW}" in out


def test_action_scripts_pass_shellcheck_and_take_inputs_from_env(tmp_path):
    action = YAML(typ="safe").load(ACTION.read_text())
    scripts = [s for s in action["runs"]["steps"] if "run" in s]
    assert scripts and all(s["shell"] == "bash" for s in scripts)
    for i, step in enumerate(scripts):
        assert "${{" not in step["run"]  # inputs only through env: no template injection
        script = tmp_path / f"step{i}.sh"
        script.write_text("#!/usr/bin/env bash\n" + step["run"])
        proc = subprocess.run([tool("shellcheck"), str(script)], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout
    assert "migrate \"${args[@]}\"" in scripts[-1]["run"] and "--token-env MIGRATE_PR_TOKEN" in scripts[-1]["run"]


def test_workflow_runs_on_dispatch_and_schedule_with_least_privilege():
    wf = YAML(typ="safe").load(WORKFLOW.read_text())
    on = wf.get("on", wf.get(True))  # YAML 1.1 readers turn the key `on` into True
    assert set(on) == {"workflow_dispatch", "schedule"} and on["schedule"][0]["cron"]
    assert wf["permissions"] == {}
    assert wf["jobs"]["migrate-pr"]["permissions"] == {"contents": "write", "pull-requests": "write"}
    for step in wf["jobs"]["migrate-pr"]["steps"]:
        ref = step["uses"].split("@", 1)[1]
        assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref)  # pinned to a commit
