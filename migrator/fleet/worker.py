"""One repository to one :class:`Record`: resolve its commit, clone it shallowly, analyze, and optionally
generate, verify and open the PR. Nothing raised here escapes: a failing stage becomes an error in the
record, so one repository never stops the fleet.

A URL is resolved with ``git ls-remote`` before anything is cloned, so an unchanged repository is skipped
for the price of one round trip. A local git checkout is read in place for analysis (its ``HEAD`` is the
commit; uncommitted changes make it ``<sha>+dirty``, never skipped); it is cloned (``file://``, offline)
only when files must be written. A plain directory has no commit and is always analysed.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migrator import __version__
from migrator.errors import MigrateError
from migrator.fleet import facts
from migrator.fleet.record import Record, StageError
from migrator.fleet.sources import FleetRepo
from migrator.fleet.stages import Failed, RepoTimeout, deadline, message_of, stage
from migrator.pr.git import NETWORK_TIMEOUT, auth_env, run
from migrator.textsafe import inline

# verify(root, backend, timeout) -> (ok, names of the failed steps); the default runs migrator.verify
Verifier = Callable[[Path, str, float], tuple[bool, list[str]]]


@dataclass(frozen=True)
class WorkerOptions:
    generate: bool = False
    verify: bool = False
    pr: bool = False
    backend: str = "auto"
    verify_timeout: float = 300.0
    clone_timeout: float = NETWORK_TIMEOUT
    token: str | None = field(default=None, repr=False)  # for cloning over HTTPS; never recorded
    pr_options: Any = None  # migrator.pr.PrOptions, for --pr
    verifier: Verifier | None = None
    shard: str | None = None
    repo_timeout: float = 0.0  # seconds for one repository, all stages (0: no limit)


@dataclass(frozen=True)
class Task:
    repo: FleetRepo
    workdir: Path
    options: WorkerOptions
    previous: Record | None = None  # the last record of this repository, for resuming


@dataclass(frozen=True)
class Result:
    record: Record | None  # None: skipped (unchanged since ``previous``)
    repo: str
    skipped_commit: str | None = None


def process(task: Task) -> Result:
    """The record of ``task.repo`` (or a skip); never raises."""
    repo, options = task.repo, task.options
    timings: dict[str, float] = {}
    start = time.monotonic()
    base: dict[str, Any] = {"repo": repo.id, "source": repo.url or str(repo.path), "tool_version": __version__,
                            "shard": options.shard}
    try:
        with deadline(options.repo_timeout):
            return _process(task, base, timings, start)
    except RepoTimeout as exc:  # between stages (a stage turns it into its own failure)
        timings["total_s"] = round(time.monotonic() - start, 3)
        return Result(Record(**base, status="error", timings=timings, finished_at=time.time(),
                             errors=(StageError("timeout", message_of(exc)),)), repo.id)


def _process(task: Task, base: dict[str, Any], timings: dict[str, float], start: float) -> Result:
    repo, options = task.repo, task.options
    commit: str | None = None
    try:
        with stage("resolve", timings):
            commit = resolve_commit(repo, options)
        prev = task.previous
        if (prev is not None and commit is not None and not commit.endswith("+dirty") and prev.status == "ok"
                and prev.commit == commit and prev.tool_version == __version__):
            return Result(None, repo.id, commit)
        with checkout(task, timings) as root:
            if repo.url is not None:  # what was cloned, should the branch have moved since ls-remote
                commit = run(["rev-parse", "HEAD"], root, check=False).stdout.strip() or commit
            found = facts.collect(root, options, timings)
        timings["total_s"] = round(time.monotonic() - start, 3)
        return Result(Record(**base, status="ok" if not found.errors else "error", commit=commit,
                             timings=timings, finished_at=time.time(), **found.fields()), repo.id)
    except Failed as failed:
        timings["total_s"] = round(time.monotonic() - start, 3)
        return Result(Record(**base, status="error", commit=commit, timings=timings, finished_at=time.time(),
                             errors=(StageError(failed.stage, str(failed)),)), repo.id)
    except BaseException as exc:  # noqa: BLE001 - the fleet goes on; KeyboardInterrupt is the pool's to handle
        if isinstance(exc, (KeyboardInterrupt, RepoTimeout)):
            raise
        return Result(Record(**base, status="error", commit=commit, timings=timings, finished_at=time.time(),
                             errors=(StageError("internal", message_of(exc)),)), repo.id)


def resolve_commit(repo: FleetRepo, options: WorkerOptions) -> str | None:
    """The commit the repository is at (see the module docstring); a :class:`Failed` when unreachable."""
    if repo.url is not None:
        try:
            proc = run(["ls-remote", repo.url, "HEAD"], Path(tempfile.gettempdir()),
                       env=auth_env(options.token, repo.url), secret=options.token, timeout=options.clone_timeout)
        except MigrateError as exc:
            raise Failed("clone", message_of(exc)) from exc
        sha = proc.stdout.split()[0] if proc.stdout.split() else None
        if sha is None:
            raise Failed("clone", f"{inline(repo.url)} has no HEAD (an empty repository?)")
        return sha
    from migrator.repo import check_root

    assert repo.path is not None
    try:
        check_root(repo.path)
    except MigrateError as exc:
        raise Failed("resolve", message_of(exc)) from exc
    if not (repo.path / ".git").exists():
        return None
    top = run(["rev-parse", "--show-toplevel"], repo.path, check=False).stdout.strip()
    if not top or Path(top).resolve() != repo.path.resolve():
        return None  # a directory inside another checkout: that checkout's HEAD says nothing about it
    head = run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], repo.path, check=False).stdout.strip()
    if not head:
        return None
    dirty = run(["status", "--porcelain=v1"], repo.path, check=False).stdout.strip()
    return f"{head}+dirty" if dirty else head


@contextmanager
def checkout(task: Task, timings: dict[str, float]) -> Iterator[Path]:
    """The directory to analyse: a fresh shallow clone (URLs; local paths when files are written), removed after."""
    repo, options = task.repo, task.options
    writes = options.generate or options.verify or options.pr
    if repo.path is not None and not writes:
        yield repo.path
        return
    dest = task.workdir / _dir_name(repo)
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with stage("clone", timings):
            if repo.url is not None or (repo.path is not None and (repo.path / ".git").exists()):
                url = repo.url or repo.path.resolve().as_uri()  # type: ignore[union-attr]
                run(["clone", "--quiet", "--depth", "1", "--no-tags", url, str(dest)], dest.parent,
                    env=auth_env(options.token, url), secret=options.token, timeout=options.clone_timeout)
            else:
                assert repo.path is not None
                shutil.copytree(repo.path, dest, symlinks=True)  # a plain directory: never written in place
        yield dest
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def _dir_name(repo: FleetRepo) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in repo.name)[:60].strip(".") or "repo"
    return f"{safe}-{hashlib.sha256(repo.id.encode('utf-8', 'surrogateescape')).hexdigest()[:10]}"
