"""Run the workers over a fleet: bounded parallelism, progress on stderr, resumable.

``jobs`` worker processes (analysis is CPU-bound Python: threads would share one core) each take one
repository at a time; ``jobs=1`` runs in this process. Each record is appended to the records file as
soon as it is done, so a killed run loses at most the repositories in flight, and the next run (which
reads that file back) skips every repository whose commit and tool version have not changed.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from migrator import __version__
from migrator.fleet.record import Record, StageError, drop_partial_tail, latest, read_records, write_record
from migrator.fleet.shard import Shard
from migrator.fleet.sources import FleetRepo
from migrator.fleet.worker import Result, Task, WorkerOptions, process
from migrator.safe_fs import printable


@dataclass(frozen=True)
class FleetSummary:
    total: int
    done: int
    skipped: int
    failed: int
    seconds: float

    def describe(self) -> str:
        return (f"{self.total} repositories: {self.done} recorded ({self.failed} with errors), "
                f"{self.skipped} unchanged and skipped, in {self.seconds:.1f} s")


def run_fleet(repos: Sequence[FleetRepo], records: Path, options: WorkerOptions, *, jobs: int = 1,
              shard: Shard | None = None, resume: bool = True, workdir: Path | None = None,
              progress: Callable[[str], None] | None = None) -> FleetSummary:
    """Process ``repos`` (this shard's slice of them), appending a record per repository to ``records``."""
    say = progress or (lambda _m: None)
    start = time.monotonic()
    mine = shard.select(repos) if shard else list(repos)
    previous = latest(read_records([records])) if resume and records.is_file() else {}
    records.parent.mkdir(parents=True, exist_ok=True)
    if drop_partial_tail(records):
        say(f"fleet: {printable(str(records))} ended in a record cut short (a killed run): dropped it")
    done = skipped = failed = 0
    with TemporaryDirectory(prefix="migrate-fleet-") as tmp, records.open("a", encoding="utf-8") as out:
        base = workdir or Path(tmp)
        tasks = [Task(r, base, options, previous.get(r.id)) for r in mine]
        say(f"fleet: {len(tasks)} repositories{f' (shard {shard} of {len(repos)})' if shard else ''}, "
            f"{jobs} job(s), tool {__version__}")
        for result in _results(tasks, jobs):
            if result.record is None:
                skipped += 1
                say(f"[{done + skipped}/{len(tasks)}] {printable(result.repo)}: unchanged at "
                    f"{(result.skipped_commit or '')[:12]}, skipped")
                continue
            write_record(out, result.record)
            done += 1
            failed += result.record.status != "ok"
            say(f"[{done + skipped}/{len(tasks)}] {printable(result.repo)}: {_outcome(result.record)} "
                f"({result.record.timings.get('total_s', 0):.1f} s)")
    summary = FleetSummary(len(tasks), done, skipped, failed, time.monotonic() - start)
    say(f"fleet: {summary.describe()}")
    return summary


def _outcome(record: Record) -> str:
    errors = "; ".join(f"{e.stage} failed" for e in record.errors)
    return ", ".join(x for x in (record.readiness, errors) if x) or record.status


def _results(tasks: list[Task], jobs: int) -> Iterator[Result]:
    if jobs <= 1 or len(tasks) <= 1:
        yield from (process(task) for task in tasks)
        return
    # import the analysis once here: forked workers inherit it instead of each importing it again
    import generators.spec  # noqa: F401
    import migrator.generate  # noqa: F401
    import migrator.planner  # noqa: F401

    pool = concurrent.futures.ProcessPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(process, task): task for task in tasks}
        for future in concurrent.futures.as_completed(futures):
            task = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # a worker process died (a crash in a parser): that repository's record
                yield Result(Record(task.repo.id, task.repo.url or str(task.repo.path), __version__, "error",
                                    errors=(StageError("internal", f"worker process died: {type(exc).__name__}"),),
                                    shard=task.options.shard, finished_at=time.time()), task.repo.id)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
