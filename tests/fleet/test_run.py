"""migrator/fleet/run.py and worker.py over a generated fleet of 30+ repositories (analyze-only)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migrator import __version__
from migrator.fleet.record import latest, read_records
from migrator.fleet.run import run_fleet
from migrator.fleet.sources import read_list
from migrator.fleet.worker import WorkerOptions
from tests.fleet.conftest import FirstRun
from tests.fleet.fleetgen import FIXTURES, commit_all, git

PLANTED = [line.split("\t")[1] for line in (FIXTURES / "SECRETS.txt").read_text().splitlines()
           if line.strip() and not line.startswith("#")] + ["Fl33tCopy-"]


def test_every_repository_gets_one_record(first_run: FirstRun) -> None:
    fleet = first_run.fleet
    assert len(fleet.repos) >= 30
    assert set(first_run.records) == set(fleet.repos)
    lines = first_run.records_file.read_text().splitlines()
    assert len(lines) == len(fleet.repos)  # one line each, nothing written twice
    assert first_run.summary.done == len(fleet.repos) and first_run.summary.skipped == 0


def test_good_repositories_are_analysed(first_run: FirstRun) -> None:
    for repo in first_run.fleet.good:
        record = first_run.records[repo]
        assert record.status == "ok", (repo, record.errors)
        assert record.tool_version == __version__
        assert record.commit and len(record.commit) == 40
        assert record.readiness in ("ready", "unverified", "needs-input", "blocked")
        assert record.timings["analyze_s"] >= 0 and "clone_s" not in record.timings  # local: read in place
    celery = first_run.records["repos/pipenv-celery-0"]
    assert celery.runtime["language"] == "python" and celery.runtime["framework"] == "flask"
    assert {w.kind for w in celery.workloads} >= {"Deployment"}
    assert "procfile" in celery.deploy_tools
    assert any(r["code"] == "external-service" for r in celery.reasons)


def test_injected_failures_are_recorded_and_do_not_stop_the_rest(first_run: FirstRun) -> None:
    fleet, records = first_run.fleet, first_run.records
    assert [(e.stage, "not a directory" in e.message) for e in records[fleet.unreadable].errors] == [("resolve", True)]
    clone = records[fleet.bad_clone]
    assert [e.stage for e in clone.errors] == ["clone"]
    assert "does not appear to be a git repository" in clone.errors[0].message
    config = records[fleet.bad_config]
    assert [e.stage for e in config.errors] == ["analyze"] and "replicas" in config.errors[0].message
    for repo in (fleet.unreadable, fleet.bad_clone, fleet.bad_config):
        assert records[repo].status == "error" and records[repo].readiness is None
    assert first_run.summary.failed == 3


def test_secrets_are_counted_never_recorded(first_run: FirstRun) -> None:
    text = first_run.records_file.read_text()
    for value in PLANTED:
        assert value not in text
    planted = first_run.records["repos/planted-secrets-0"]
    assert planted.secret_count > 10
    assert all(s.count >= 1 and s.kinds for s in planted.secrets)
    dotenv = [r for r in first_run.records.values() if any(s.file == ".env.production" for s in r.secrets)]
    assert dotenv  # the planted copy variation is found, by file


def test_progress_counts_every_repository(first_run: FirstRun) -> None:
    progress = [line for line in first_run.progress if line.startswith("[")]
    assert len(progress) == len(first_run.fleet.repos)
    assert progress[-1].startswith(f"[{len(first_run.fleet.repos)}/{len(first_run.fleet.repos)}]")
    assert any("clone failed" in line for line in progress)


def test_second_run_skips_unchanged_and_retries_failures(first_run: FirstRun, tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    shutil.copy(first_run.records_file, records)
    fleet = first_run.fleet
    changed = fleet.root / "repos" / "flask-gunicorn-1"
    (changed / "NOTES.md").write_text("moved to the new box\n")
    commit_all(changed, "notes")
    try:
        lines: list[str] = []
        summary = run_fleet(read_list(fleet.list_file), records, WorkerOptions(), jobs=1, progress=lines.append)
    finally:
        git(changed, "reset", "-q", "--hard", "HEAD~1")
    assert summary.skipped == len(fleet.good) - 1
    assert summary.done == 4  # the three failures again, and the repository with a new commit
    newest = latest(read_records([records]))
    assert newest["repos/flask-gunicorn-1"].commit != first_run.records["repos/flask-gunicorn-1"].commit
    assert any("unchanged at" in line and "skipped" in line for line in lines)


def test_a_new_tool_version_re_runs(first_run: FirstRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import migrator.fleet.worker as worker

    records = tmp_path / "records.jsonl"
    subset = tmp_path / "two.txt"
    subset.write_text("\n".join(str(first_run.fleet.root / r) for r in first_run.fleet.good[:2]) + "\n")
    run_fleet(read_list(subset), records, WorkerOptions())
    assert run_fleet(read_list(subset), records, WorkerOptions()).skipped == 2
    monkeypatch.setattr(worker, "__version__", "99.0")
    assert run_fleet(read_list(subset), records, WorkerOptions()).done == 2
    assert run_fleet(read_list(subset), records, WorkerOptions(), resume=False).done == 2


def test_dirty_checkout_is_never_skipped(first_run: FirstRun, tmp_path: Path) -> None:
    repo = first_run.fleet.root / "repos" / "heroku-django-0"
    listed = tmp_path / "one.txt"
    listed.write_text(f"{repo}\n")
    records = tmp_path / "r.jsonl"
    (repo / "scratch.txt").write_text("uncommitted\n")
    try:
        run_fleet(read_list(listed), records, WorkerOptions())
        assert run_fleet(read_list(listed), records, WorkerOptions()).done == 1
    finally:
        (repo / "scratch.txt").unlink()
    assert next(iter(latest(read_records([records])).values())).commit.endswith("+dirty")  # type: ignore[union-attr]
