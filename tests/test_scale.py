"""A legacy crontab with 3,000 entries: analyze, generate and pr --dry-run each finish in a few seconds.

pr took 50 s: every one of the 3,000 CronJobs was dumped by ruamel's round-trip emitter (~4 ms each)
and then parsed back by ruamel for the PR body (~5 ms each). The budget is CPU time of the command and
its children (git), so a loaded machine does not make it flake; the old code needed 24 s (generate)
and 49 s (pr) of it.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.pr.conftest import make_repo

ENTRIES = 3000
# Seconds of CPU. Measured here: analyze 1-3, generate 3-5, pr 6-10 (pr also writes, fsyncs and commits
# every file); before: generate 24, pr 49.
CPU_BUDGET = {"analyze": 15.0, "generate": 15.0, "pr": 20.0}
WALL_LIMIT = 300.0  # only a hang guard


def crontab() -> str:
    lines = ["# legacy ops crontab: one line per tenant report, kept in sync by hand", "MAILTO=ops@example.com",
             "SHELL=/bin/bash", ""]
    for i in range(ENTRIES):
        lines.append(f"{i % 60} {i % 24} * * * cd /srv/reports && /srv/reports/venv/bin/python manage.py "
                     f"report_tenant_{i} --tenant {i} --quiet")
    lines += ["", "# nightly backups of every shard: the same script, many times"]
    lines += [f"{i % 60} 3 * * * /srv/reports/bin/backup.sh --shard {i}" for i in range(300)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    checkout, _ = make_repo(tmp_path_factory.mktemp("scale"), {
        "Procfile": "web: gunicorn reports.wsgi --bind 0.0.0.0:$PORT\n",
        "requirements.txt": "Django==4.2.11\ngunicorn==21.2.0\n",
        "deploy/crontab": crontab(),
        "bin/backup.sh": "#!/bin/sh\npg_dump reports > /backups/$1.sql\n",
    })
    return checkout


def run_timed(*args: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run the CLI from this checkout; (result, CPU seconds of it and its children, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "migrator.cli", *args], cwd=ROOT, capture_output=True,
                            text=True, timeout=WALL_LIMIT)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result, cpu, wall


@pytest.mark.parametrize("command", [["analyze", "--format", "json"], ["generate", "--dry-run"],
                                     ["pr", "--dry-run", "--repo", "acme/reports"]])
def test_3000_crontab_entries_in_a_few_seconds(big_repo: Path, command: list[str]) -> None:
    result, cpu, wall = run_timed(command[0], str(big_repo), *command[1:])
    assert result.returncode == 0, result.stderr[-2000:]
    assert cpu < CPU_BUDGET[command[0]], f"{command[0]}: {cpu:.1f} s of CPU ({wall:.1f} s wall)"
    if command[0] == "generate":
        cronjobs = [line for line in result.stdout.splitlines() if "deploy/k8s/base/cronjob-" in line]
        assert len(cronjobs) == ENTRIES + 300  # every entry, none lost to a name collision
    if command[0] == "pr":
        assert "## Processes → workloads" in result.stdout
