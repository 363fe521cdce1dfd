"""Clone, generate and verify stages of the fleet worker: URLs are cloned shallowly, verify is mocked at
the process boundary (a real failing verify runs in tests/verify), and a failing stage stays in its record."""

from __future__ import annotations

from pathlib import Path

from migrator.fleet.record import latest, read_records
from migrator.fleet.run import run_fleet
from migrator.fleet.sources import FleetRepo
from migrator.fleet.worker import WorkerOptions
from tests.fleet.fleetgen import Fleet

CALLS: list[Path] = []


def fake_verify(root: Path, backend: str, timeout: float) -> tuple[bool, list[str]]:
    """Stands in for the Docker build and boot: fails the flask copy, passes the others."""
    assert (root / "deploy" / "image" / "Dockerfile").is_file()  # generate ran first, in the clone
    CALLS.append(root)
    return ("flask" not in root.name, [] if "flask" not in root.name else ["boot web"])


def test_urls_are_cloned_shallowly_and_verified(fleet: Fleet, tmp_path: Path) -> None:
    sources = [fleet.root / "repos" / name for name in ("flask-gunicorn-0", "heroku-django-0")]
    repos = [FleetRepo(p.as_uri(), url=p.as_uri()) for p in sources]
    records = tmp_path / "r.jsonl"
    options = WorkerOptions(generate=True, verify=True, verifier=fake_verify)
    summary = run_fleet(repos, records, options, workdir=tmp_path / "work")
    assert summary.done == 2 and len(CALLS) == 2
    found = latest(read_records([records]))
    flask, heroku = found[repos[0].id], found[repos[1].id]
    assert flask.verify == "failed" and flask.readiness == "blocked" and flask.verify_failed == ("boot web",)
    assert flask.blockers == ("verification failed at: boot web",)
    assert heroku.verify == "verified" and heroku.readiness in ("ready", "needs-input")
    assert flask.timings["clone_s"] > 0 and flask.timings["verify_s"] >= 0
    for source in sources:  # the listed repositories are never written to
        assert not (source / "deploy" / "image").exists()
    assert not any((tmp_path / "work").iterdir())  # clones are removed after each repository


def test_a_verifier_that_raises_is_a_verify_error(fleet: Fleet, tmp_path: Path) -> None:
    def broken(root: Path, backend: str, timeout: float) -> tuple[bool, list[str]]:
        raise RuntimeError("docker socket vanished")

    repo = fleet.root / "repos" / "poetry-fastapi-0"
    records = tmp_path / "r.jsonl"
    run_fleet([FleetRepo(str(repo), path=repo)], records, WorkerOptions(generate=True, verify=True, verifier=broken))
    record = next(iter(latest(read_records([records])).values()))
    assert [e.stage for e in record.errors] == ["verify"]
    assert "docker socket vanished" in record.errors[0].message
    assert record.readiness == "unverified" and record.verify is None  # analysed fine; verify did not conclude


def test_pr_stage_dry_run_and_a_failing_pr_is_recorded(fleet: Fleet, tmp_path: Path) -> None:
    from migrator.pr import PrOptions

    repo = fleet.root / "repos" / "flask-gunicorn-0"
    listed = [FleetRepo(str(repo), path=repo)]
    dry = tmp_path / "dry.jsonl"
    run_fleet(listed, dry, WorkerOptions(pr=True, pr_options=PrOptions(dry_run=True)))
    record = next(iter(latest(read_records([dry])).values()))
    assert record.status == "ok" and record.timings["pr_s"] > 0 and record.pr_url is None
    real = tmp_path / "real.jsonl"  # no token in the environment: the PR stage fails, the record stands
    run_fleet(listed, real, WorkerOptions(pr=True, pr_options=PrOptions(token_env="MIGRATE_TEST_NO_TOKEN")))
    record = next(iter(latest(read_records([real])).values()))
    assert [e.stage for e in record.errors] == ["pr"] and "no GitHub token" in record.errors[0].message
    assert record.readiness is not None and record.runtime["language"] == "python"
    assert not (repo / "deploy").exists()


def test_an_unchanged_url_is_skipped_after_ls_remote_alone(fleet: Fleet, tmp_path: Path) -> None:
    source = fleet.root / "repos" / "shell-deployed-0"
    repo = FleetRepo(source.as_uri(), url=source.as_uri())
    records = tmp_path / "r.jsonl"
    run_fleet([repo], records, WorkerOptions(), workdir=tmp_path / "work")
    first = next(iter(latest(read_records([records])).values()))
    assert first.status == "ok" and first.timings["clone_s"] > 0 and first.commit and len(first.commit) == 40
    again = run_fleet([repo], records, WorkerOptions(), workdir=tmp_path / "work")
    assert again.skipped == 1 and again.done == 0


def slow_verify(root: Path, backend: str, timeout: float) -> tuple[bool, list[str]]:
    import time

    time.sleep(30)  # a verify that hangs: the repository's deadline stops it
    return True, []


def test_repo_timeout_stops_a_hung_stage_and_keeps_the_rest(fleet: Fleet, tmp_path: Path) -> None:
    import time

    repo = fleet.root / "repos" / "heroku-django-1"
    records = tmp_path / "r.jsonl"
    start = time.monotonic()
    run_fleet([FleetRepo(str(repo), path=repo)], records,
              WorkerOptions(generate=True, verify=True, verifier=slow_verify, repo_timeout=3))
    assert time.monotonic() - start < 20
    record = next(iter(latest(read_records([records])).values()))
    assert [(e.stage, e.message) for e in record.errors] == [("verify", "stopped after 3 s (--repo-timeout)")]
    assert record.readiness is not None and record.verify is None


def test_repo_timeout_is_off_outside_the_main_thread() -> None:
    import threading

    from migrator.fleet.stages import deadline

    ran: list[bool] = []

    def body() -> None:
        with deadline(0.01):
            import time

            time.sleep(0.1)
            ran.append(True)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join(10)
    assert ran == [True]
