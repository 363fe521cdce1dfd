"""migrator/fleet/emit.py: the workflow and the Indexed Job validate offline, and what they run works."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from click.testing import CliRunner
from kubernetes_validate import utils
from ruamel.yaml import YAML

from migrator.cli import main
from migrator.errors import UserError
from migrator.fleet.emit import FleetJob, github_workflow, kubernetes_jobs
from migrator.fleet.record import read_records
from tests.conftest import ROOT
from tests.fleet.fleetgen import Fleet

DIGEST = "registry.example.test/platform/migrate@sha256:" + "0123456789abcdef" * 4


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # in the test extras: a missing one is a broken install, not a skip
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return path


def _docs(text: str) -> list[dict[str, Any]]:
    return [d for d in YAML(typ="safe").load_all(text) if d]


@pytest.fixture(scope="module")
def workflow_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wf") / "migrate-fleet.yml"
    path.write_text(github_workflow(FleetJob(6, "inventory/fleet.txt", 2)))
    return path


def test_workflow_is_schema_valid_and_zizmor_clean(workflow_file: Path) -> None:
    proc = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow_file)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--persona", "pedantic", str(workflow_file)],
                          capture_output=True, text=True, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "No findings to report" in out, out
    assert f"completed {workflow_file}" in out


def test_workflow_shards_upload_and_merge(workflow_file: Path, tmp_path: Path) -> None:
    wf = _docs(workflow_file.read_text())[0]
    shard, report = wf["jobs"]["shard"], wf["jobs"]["report"]
    assert shard["strategy"]["matrix"]["shard"] == list(range(6)) and shard["strategy"]["fail-fast"] is False
    assert wf["permissions"] == {} and shard["permissions"] == {"contents": "read"} and report["permissions"] == {}
    assert report["needs"] == "shard" and report["if"] == "${{ !cancelled() }}"
    steps = shard["steps"] + report["steps"]
    for step in steps:
        if "uses" in step:
            ref = step["uses"].split("@", 1)[1]
            assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref)
    run_step = next(s for s in shard["steps"] if s.get("name") == "Run this shard")
    assert run_step["env"]["SHARD"] == "${{ matrix.shard }}" and run_step["env"]["SHARDS"] == "6"
    upload = shard["steps"][-1]
    assert upload["with"]["name"] == "fleet-records-${{ matrix.shard }}" and upload["if"] == "${{ !cancelled() }}"
    assert report["steps"][0]["with"] == {"pattern": "fleet-records-*", "path": "records", "merge-multiple": True}
    for i, step in enumerate(s for s in steps if "run" in s):
        assert "${{" not in step["run"]  # values through env only: no template injection
        script = tmp_path / f"step{i}.sh"
        script.write_text("#!/usr/bin/env bash\n" + step["run"])
        proc = subprocess.run([tool("shellcheck"), str(script)], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout


def test_bad_job_options_are_user_errors() -> None:
    for job in (FleetJob(0), FleetJob(257), FleetJob(2, name="Bad_Name"), FleetJob(2, namespace="default"),
                FleetJob(2, "../etc/passwd"), FleetJob(2, "a list.txt")):
        with pytest.raises(UserError):
            github_workflow(job)


def _k8s(image: str = DIGEST, shards: int = 4) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, str]:
    shards_yaml, report_yaml = kubernetes_jobs(FleetJob(shards, image=image), "https://git.example.test/a.git\n")
    return _docs(shards_yaml), _docs(report_yaml), shards_yaml, report_yaml


def test_kubernetes_objects_validate_strictly() -> None:
    shards, report, _, _ = _k8s()
    assert [d["kind"] for d in shards] == ["ConfigMap", "PersistentVolumeClaim", "Job", "NetworkPolicy"]
    for doc in shards + report:
        for version in ("1.29.0", utils.latest_version()):
            kubernetes_validate.validate(doc, version, strict=True)


def test_indexed_job_is_hardened() -> None:
    shards, report, _, _ = _k8s()
    job = shards[2]
    assert job["spec"]["completionMode"] == "Indexed" and job["spec"]["completions"] == 4
    for pod in (job["spec"]["template"]["spec"], report[0]["spec"]["template"]["spec"]):
        assert pod["automountServiceAccountToken"] is False and pod["restartPolicy"] == "Never"
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] >= 10000
        (container,) = pod["containers"]
        sc = container["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"] == {"drop": ["ALL"]}
        assert set(container["resources"]) == {"requests", "limits"}
        assert "livenessProbe" not in container  # a Job's process ends; probes are for servers
        assert all("valueFrom" not in e for e in container["env"])  # the token is a file, not an env var
    args = job["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--shard") + 1] == "$(JOB_COMPLETION_INDEX)/4"


def test_checkov_passes(tmp_path: Path) -> None:
    _, _, shards_yaml, report_yaml = _k8s()
    (tmp_path / "shards.yaml").write_text(shards_yaml)
    (tmp_path / "report.yaml").write_text(report_yaml)
    proc = subprocess.run([tool("checkov"), "-d", str(tmp_path), "--framework", "kubernetes", "-o", "json", "--quiet"],
                          capture_output=True, text=True, check=False)
    found = json.loads(proc.stdout)
    failed = [c["check_id"] for c in found["results"]["failed_checks"]]
    assert failed == [] and found["summary"]["passed"] > 100, failed


def test_the_emitted_commands_run_every_shard_once_and_merge(fleet: Fleet, tmp_path: Path) -> None:
    """What each pod runs, with JOB_COMPLETION_INDEX set as the Job controller sets it, then the merge Job."""
    listed = tmp_path / "config" / "fleet.txt"
    listed.parent.mkdir()
    listed.write_text("\n".join(str(fleet.root / r) for r in fleet.good[:6]) + "\n")
    shards, report, _, _ = _k8s(shards=3)
    records = tmp_path / "records"
    runner = CliRunner()

    def local(args: list[str], index: int | None = None) -> list[str]:
        out = []
        for arg in args:
            arg = arg.replace("$(JOB_COMPLETION_INDEX)", str(index)) if index is not None else arg
            out.append(arg.replace("/config/", f"{listed.parent}/").replace("/records", str(records))
                       .replace("/secrets/", f"{tmp_path}/secrets/").replace("/work", str(tmp_path / "work")))
        return out

    for index in range(3):
        result = runner.invoke(main, local(shards[2]["spec"]["template"]["spec"]["containers"][0]["args"], index))
        assert result.exit_code == 0, result.output
    ids = sorted(r.repo for r in read_records(sorted(records.glob("shard-*.jsonl"))))
    assert ids == sorted(str(fleet.root / r) for r in fleet.good[:6])
    result = runner.invoke(main, local(report[0]["spec"]["template"]["spec"]["containers"][0]["args"]))
    assert result.exit_code == 0, result.output
    assert "6 repositories" in (records / "fleet-report.md").read_text()
    assert (records / "fleet-report.html").read_text().startswith("<!DOCTYPE html>")


def test_emit_cli_writes_files(tmp_path: Path) -> None:
    listed = tmp_path / "fleet.txt"
    listed.write_text("https://git.example.test/acme/a.git\n")
    runner = CliRunner()
    k8s = runner.invoke(main, ["fleet", "emit", "kubernetes", "--list", str(listed), "--shards", "20",
                               "-o", str(tmp_path / "k8s"), "--image", DIGEST])
    assert k8s.exit_code == 0, k8s.output
    job = _docs((tmp_path / "k8s" / "migrate-fleet.yaml").read_text())[2]
    assert job["spec"]["completions"] == 20 and job["spec"]["parallelism"] == 4
    assert "kubectl -n migrate-fleet wait --for=condition=complete" in k8s.stderr
    wf = runner.invoke(main, ["fleet", "emit", "github-actions", "--shards", "20", "-o", str(tmp_path / "wf.yml")])
    assert wf.exit_code == 0 and len(_docs((tmp_path / "wf.yml").read_text())[0]["jobs"]["shard"]["strategy"]
                                     ["matrix"]["shard"]) == 20
    bad = runner.invoke(main, ["fleet", "emit", "github-actions", "--name", "UPPER"])
    assert bad.exit_code == 1 and "DNS label" in bad.stderr


def test_the_workflow_scripts_run_every_shard_and_merge(fleet: Fleet, tmp_path: Path) -> None:
    """The workflow's own run steps in bash, `migrate` being this tree's CLI; artifacts moved by hand."""
    wf = _docs(github_workflow(FleetJob(3, "inventory/fleet.txt", 1)))[0]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "migrate"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m migrator.cli "$@"\n')
    shim.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    artifacts = tmp_path / "artifacts"
    for index in range(3):
        workspace = tmp_path / f"runner-{index}"
        (workspace / "inventory").mkdir(parents=True)
        (workspace / "inventory" / "fleet.txt").write_text(
            "\n".join(str(fleet.root / r) for r in fleet.good[:5]) + "\n")
        step = next(s for s in wf["jobs"]["shard"]["steps"] if s.get("name") == "Run this shard")
        step_env = {k: v.replace("${{ matrix.shard }}", str(index)) for k, v in step["env"].items()
                    if not v.startswith("${{ secrets.")}
        proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env={**env, **step_env},
                              capture_output=True, text=True, check=False, timeout=300)
        assert proc.returncode == 0, proc.stderr
        shutil.copytree(workspace / "records", artifacts, dirs_exist_ok=True)  # download-artifact, merge-multiple
    report_dir = tmp_path / "report-runner"
    shutil.copytree(artifacts, report_dir / "records")
    summary = tmp_path / "summary.md"
    merge = next(s for s in wf["jobs"]["report"]["steps"] if s.get("name") == "Merge into the report")
    proc = subprocess.run(["bash", "-e", "-c", merge["run"]], cwd=report_dir,
                          env={**env, "GITHUB_STEP_SUMMARY": str(summary)}, capture_output=True, text=True,
                          check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in artifacts.iterdir()) == ["shard-0.jsonl", "shard-1.jsonl", "shard-2.jsonl"]
    assert "5 repositories" in summary.read_text()
    assert (report_dir / "fleet-report.html").is_file()
