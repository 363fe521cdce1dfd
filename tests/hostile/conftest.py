"""The hostile suite's shared runner: every (case, group) job of the selected tests starts at once on a
small thread pool, so subprocesses overlap while pytest checks results in order; at the end a table
of cases x commands says what each gave."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.hostile.case import Case
from tests.hostile.runner import COMMANDS, GROUP_OF, Outcome, close_servers, run_job

_VERDICTS: dict[tuple[str, str], str] = {}
_SECONDS: dict[tuple[str, str], float] = {}


class Results:
    """Outcomes by (case, command), computed by job futures submitted in test order."""

    def __init__(self, base: Path, pairs: list[tuple[Case, str]]) -> None:
        self.base = base
        workers = int(os.environ.get("MIGRATE_HOSTILE_JOBS", str(os.cpu_count() or 2)))
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="hostile")
        self.keep = os.environ.get("MIGRATE_HOSTILE_KEEP") == "1"
        self.jobs: dict[tuple[str, str], Future[dict[str, Outcome]]] = {}
        # the slow jobs first: they bound the wall time, the quick ones fill in around them
        for case, command in sorted(pairs, key=lambda pair: not pair[0].slow):
            self._submit(case, GROUP_OF[command])

    def _submit(self, case: Case, group: str) -> Future[dict[str, Outcome]]:
        key = (case.name, group)
        if key not in self.jobs:
            job = self.base / f"{case.name}--{group}"
            self.jobs[key] = self.pool.submit(run_job, case.build, group, job, case.timeout, keep=self.keep)
        return self.jobs[key]

    def get(self, case: Case, command: str) -> Outcome:
        return self._submit(case, GROUP_OF[command]).result()[command]


@pytest.fixture(scope="session")
def hostile_results(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Results]:
    pairs = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "case" in callspec.params and "command" in callspec.params:
            pairs.append((callspec.params["case"], callspec.params["command"]))
    base, scratch = _base(tmp_path_factory)
    results = Results(base, pairs)
    try:
        yield results
    finally:
        results.pool.shutdown(wait=True, cancel_futures=True)
        close_servers()
        if scratch:
            shutil.rmtree(base, ignore_errors=True)


def _base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bool]:
    """Where the case trees go: a tmpfs when there is one (50,000 files and 60 MB files are built
    several times; on a shared disk that alone took minutes), else pytest's tmp_path. The tmpfs
    folder is removed at the end; MIGRATE_HOSTILE_KEEP=1 keeps the trees in tmp_path instead."""
    shm = Path(os.environ.get("MIGRATE_HOSTILE_TMP", "/dev/shm"))
    if os.environ.get("MIGRATE_HOSTILE_KEEP") != "1" and shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="migrate-hostile-", dir=shm)), True
    return tmp_path_factory.mktemp("hostile"), False


def record(case: str, command: str, verdict: str, seconds: float) -> None:
    _VERDICTS[(case, command)] = verdict
    _SECONDS[(case, command)] = seconds


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _VERDICTS:
        return
    commands = [c for c in COMMANDS if any(k[1] == c for k in _VERDICTS)]
    cases = list(dict.fromkeys(k[0] for k in _VERDICTS))
    width = max(len(c) for c in cases)
    tr = terminalreporter
    tr.section("hostile repositories: case x command (ok, or what went wrong)")
    tr.line(" " * width + "  " + "  ".join(f"{c:<16}" for c in commands))
    for name in cases:
        cells = [f"{_VERDICTS.get((name, c), '-'):<16}" for c in commands]
        tr.line(f"{name:<{width}}  " + "  ".join(cells))
    bad = sum(v != "ok" for v in _VERDICTS.values())
    tr.line(f"{len(_VERDICTS) - bad} ok, {bad} not ok")
    slowest = sorted(_SECONDS.items(), key=lambda kv: -kv[1])[:5]
    tr.line("slowest: " + ", ".join(f"{case}:{command} {sec:.1f}s" for (case, command), sec in slowest))
