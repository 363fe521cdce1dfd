"""analyzers/hostcfg.unique: schedule names made unique with -2, -3 ..., in logarithmic time."""

from __future__ import annotations

import time

from analyzers.deploy.hostcfg import unique


def test_suffixes_in_order() -> None:
    taken: set[str] = set()
    assert [unique("backup", taken) for _ in range(5)] == ["backup", "backup-2", "backup-3", "backup-4", "backup-5"]
    assert unique("other", taken) == "other"


def test_a_name_taken_by_something_else_is_skipped() -> None:
    taken = {"x", "x-3"}
    assert [unique("x", taken) for _ in range(3)] == ["x-2", "x-4", "x-5"]
    assert len(taken) == 5


def test_many_entries_of_one_script_are_not_quadratic() -> None:
    taken: set[str] = set()
    start = time.process_time()
    names = [unique("backup", taken) for _ in range(20_000)]
    assert len(set(names)) == 20_000 and names[-1] == "backup-20000"
    assert time.process_time() - start < 2.0  # one by one: ~30 s of CPU
