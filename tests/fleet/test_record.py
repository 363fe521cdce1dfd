"""migrator/fleet/record.py: round trip, newest wins, a killed run's partial line."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.errors import UserError
from migrator.fleet.record import Record, SecretFileCount, StageError, Workload, drop_partial_tail, latest, read_records
from migrator.fleet.run import run_fleet
from migrator.fleet.sources import FleetRepo
from migrator.fleet.worker import WorkerOptions
from tests.fleet.fleetgen import Fleet


def _rec(repo: str, at: float, **kw: object) -> Record:
    return Record(repo, repo, "1", "ok", finished_at=at, **kw)  # type: ignore[arg-type]


def test_round_trip(tmp_path: Path) -> None:
    record = _rec("a", 1.0, workloads=(Workload("a-web", "Deployment", "web"),), deploy_tools=("systemd",),
                  secrets=(SecretFileCount("settings.py", 2, ("password",)),), errors=(StageError("pr", "x"),),
                  reasons=({"code": "conflict", "level": "needs-input", "text": "t"},))
    path = tmp_path / "r.jsonl"
    with path.open("w") as out:
        from migrator.fleet.record import write_record

        write_record(out, record)
    assert list(read_records([path])) == [record]


def test_newest_wins() -> None:
    found = latest([_rec("b", 2.0, commit="new"), _rec("a", 1.0), _rec("b", 1.0, commit="old")])
    assert list(found) == ["a", "b"] and found["b"].commit == "new"


def test_a_bad_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"not": "a record"}\n{"repo": "x"}\n')
    with pytest.raises(UserError, match=r"r.jsonl:1: not a fleet record"):
        list(read_records([path]))


def test_a_run_killed_mid_line_is_resumed_cleanly(fleet: Fleet, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    repo = fleet.root / "repos" / "heroku-django-1"
    run_fleet([FleetRepo(str(repo), path=repo)], path, WorkerOptions())
    good = path.read_text()
    path.write_text(good + '{"repo": "half-writ')
    assert len(list(read_records([path]))) == 1  # the cut-short last line is not a record
    lines: list[str] = []
    summary = run_fleet([FleetRepo(str(repo), path=repo)], path, WorkerOptions(), progress=lines.append)
    assert summary.skipped == 1 and path.read_text() == good
    assert any("cut short" in line for line in lines)
    assert drop_partial_tail(path) == 0
