"""generators/spec.py: names derived from process and schedule keys never collide, and renames are
reported with both sources (MIGRATION.md, the PR body, a comment on the renamed object)."""

from __future__ import annotations

from pathlib import Path

from analyzers import base
from analyzers.base import Src
from generators.k8s import kubernetes
from generators.spec import build_spec
from migrator import config
from migrator.generate import generate, generate_from_model
from migrator.planner import analyze
from migrator.pr import body
from tests.generators.k8s_helpers import objects, validate
from tests.generators.models import minimal_web, spec


def test_processes_that_sanitise_alike_all_get_a_deployment() -> None:
    findings = [*minimal_web()]
    for line, key in enumerate(["worker_1", "worker-1", "Worker-1"], start=2):
        src = Src("procfile", "Procfile", line)
        findings.append(base.process(key, src, role="worker", command=f"python w{line}.py"))
    s = spec(findings)
    labels = {p.key: p.label for p in s.processes}
    assert labels == {"web": "web", "worker-1": "worker-1", "Worker-1": "worker-1-2", "worker_1": "worker-1-3"}
    found = objects(kubernetes.generate(s))
    commands = {o["spec"]["template"]["spec"]["containers"][0]["command"][-1] for n, o in found.items()
                if n.startswith("deployment-worker")}
    assert commands == {"w2.py", "w3.py", "w4.py"}
    for obj in found.values():
        validate(obj)
    assert sorted(s.renamed) == sorted([
        "process 'Worker-1' (Procfile:4) and 'worker-1' (Procfile:3) both sanitise to 'worker-1': "
        "'Worker-1' is named 'worker-1-2'",
        "process 'worker_1' (Procfile:2) and 'worker-1' (Procfile:3) both sanitise to 'worker-1': "
        "'worker_1' is named 'worker-1-3'",
    ])


def test_truncation_collisions_are_disambiguated_within_the_limit() -> None:
    stem = "queue-consumer-for-region"  # longer than the 20 characters a process label may take
    findings = [*minimal_web()] + [
        base.process(f"{stem}-{i}", Src("procfile", "Procfile", i + 2), role="worker", command=f"python q.py {i}")
        for i in range(12)
    ]
    s = spec(findings)
    labels = [p.label for p in s.processes]
    assert len(set(labels)) == 13 and all(len(label) <= 20 for label in labels)
    assert len(s.renamed) == 11


def test_schedules_that_sanitise_alike_all_get_a_cronjob() -> None:
    long = "rebuild-search-index-for-every-tenant-in-the-cluster"
    keys = ["sync_all", "sync-all", f"{long}-1", f"{long}-2"]
    findings = [*minimal_web()] + [
        base.schedule(key, Src("cron", "deploy/crontab", n), schedule=f"0 {n} * * *", command=f"python {n}.py")
        for n, key in enumerate(keys, start=1)
    ]
    s = spec(findings)
    names = [sch.name for sch in s.schedules]
    assert len(set(names)) == 4 and all(len(n) <= 52 for n in names), names
    found = objects(kubernetes.generate(s))
    cronjobs = {n: o for n, o in found.items() if o["kind"] == "CronJob"}
    assert {o["spec"]["schedule"] for o in cronjobs.values()} == {"0 1 * * *", "0 2 * * *", "0 3 * * *", "0 4 * * *"}
    for obj in cronjobs.values():
        validate(obj)
    assert any("'sync_all' (deploy/crontab:1" in r and "'sync-all' (deploy/crontab:2" in r for r in s.renamed)


def _procfile_repo(tmp_path: Path, lines: list[str]) -> Path:
    repo = tmp_path / "legacy-app"
    repo.mkdir()
    (repo / "Procfile").write_text("\n".join(lines) + "\n")
    (repo / "requirements.txt").write_text("gunicorn==21.2.0\ncelery==5.3.6\n")
    return repo


def test_401_procfile_processes_give_401_deployments(tmp_path: Path) -> None:
    lines = ["web: gunicorn app:app"]
    lines += [f"worker_{i}: celery -A app worker -Q q{i}" for i in range(200)]
    lines += [f"worker-{i}: python worker.py --queue {i}" for i in range(200)]
    files = generate(_procfile_repo(tmp_path, lines))
    deployments = [f for f in files if f.path.startswith("deploy/k8s/base/deployment-")]
    assert len(deployments) == 401
    migration = next(f.content for f in files if f.path == "MIGRATION.md")
    assert migration.count("- Renamed: process ") == 200
    assert "'worker_7' (Procfile:9) and 'worker-7' (Procfile:209) both sanitise to 'worker-7'" in migration


def test_renames_reach_the_pr_body_and_the_manifest(tmp_path: Path) -> None:
    repo = _procfile_repo(tmp_path, ["web: gunicorn app:app", "worker_1: python a.py", "worker-1: python b.py"])
    model = analyze(repo)
    s = build_spec(model, config.GenerateSettings())
    files = generate_from_model(model, s.settings)
    text = body.render(model, s, files, body.BodyContext())
    assert "- Renamed: process 'worker_1' (Procfile:2) and 'worker-1' (Procfile:3)" in text
    assert "Deployment `legacy-app-worker-1-2`" in text  # the workloads table finds the renamed manifest
    manifest = next(f.content for f in files if f.path == "deploy/k8s/base/deployment-worker-1-2.yaml")
    assert "name: legacy-app-worker-1-2  # process 'worker_1' (Procfile:2) and 'worker-1'" in manifest
