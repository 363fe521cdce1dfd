"""One generated fleet per session (building it takes seconds: 30+ git repositories), and its first run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from migrator.fleet.record import Record, latest, read_records
from migrator.fleet.run import FleetSummary, run_fleet
from migrator.fleet.sources import read_list
from migrator.fleet.worker import WorkerOptions
from tests.fleet.fleetgen import Fleet, make_fleet


@dataclass(frozen=True)
class FirstRun:
    fleet: Fleet
    records_file: Path
    summary: FleetSummary
    records: dict[str, Record]
    progress: tuple[str, ...]


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return make_fleet(tmp_path_factory.mktemp("fleet"))


@pytest.fixture(scope="session")
def first_run(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    """The whole fleet, analyze-only, two worker processes."""
    records = tmp_path_factory.mktemp("records") / "all.jsonl"
    lines: list[str] = []
    summary = run_fleet(read_list(fleet.list_file), records, WorkerOptions(), jobs=2, progress=lines.append)
    return FirstRun(fleet, records, summary, latest(read_records([records])), tuple(lines))
