"""--shard I/N: every repository in exactly one shard; merged shard records report like one run."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.errors import UserError
from migrator.fleet import dashboard, report
from migrator.fleet.record import latest, read_records
from migrator.fleet.run import run_fleet
from migrator.fleet.shard import Shard, shard_of
from migrator.fleet.sources import read_list
from migrator.fleet.worker import WorkerOptions
from tests.fleet.conftest import FirstRun


@pytest.mark.parametrize("text", ["", "4", "4/4", "-1/4", "0/0", "a/b", "1/2/3"])
def test_bad_shards_are_user_errors(text: str) -> None:
    with pytest.raises(UserError, match="--shard"):
        Shard.parse(text)


def test_shard_is_stable_and_spreads() -> None:
    ids = [f"https://git.example.test/team-{i}/svc-{i}.git" for i in range(400)]
    assert [shard_of(i, 4) for i in ids] == [shard_of(i, 4) for i in ids]
    # pinned: sha256("acme/billing")[:8] mod 20; a change would move repositories between shards mid-fleet
    assert shard_of("acme/billing", 20) == 13
    sizes = [sum(1 for i in ids if shard_of(i, 4) == s) for s in range(4)]
    assert min(sizes) > 70  # 100 expected each


def test_four_shards_cover_every_repository_exactly_once(first_run: FirstRun, tmp_path: Path) -> None:
    repos = read_list(first_run.fleet.list_file)
    files = []
    seen: list[str] = []
    for index in range(4):
        records = tmp_path / f"shard-{index}.jsonl"
        run_fleet(repos, records, WorkerOptions(shard=f"{index}/4"), shard=Shard(index, 4))
        shard_records = list(read_records([records]))
        assert all(r.shard == f"{index}/4" for r in shard_records)
        seen += [r.repo for r in shard_records]
        files.append(records)
    assert sorted(seen) == sorted(first_run.fleet.repos)  # each once: no repository in two shards
    merged = report.build(latest(read_records(files)))
    alone = report.build(first_run.records)
    assert report.markdown(merged) == report.markdown(alone)
    assert dashboard.render(merged) == dashboard.render(alone)
