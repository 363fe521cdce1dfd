"""One JSON-lines record per repository: what the fleet run found, never a secret value.

A record file is append-only: each finished repository is one line, flushed at once, so a run that
is killed keeps what it did and the next run resumes from it. When a repository appears more than
once (re-runs, merged shards), the newest (``finished_at``) wins.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from migrator.errors import UserError
from migrator.safe_fs import printable

RECORD_VERSION = 1
MAX_RECORD_FILE = 256 * 1024 * 1024


@dataclass(frozen=True)
class SecretFileCount:
    file: str
    count: int
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Workload:
    name: str
    kind: str  # Deployment | CronJob | Job
    role: str


@dataclass(frozen=True)
class StageError:
    stage: str  # resolve | clone | analyze | generate | verify | pr
    message: str


@dataclass(frozen=True)
class Record:
    repo: str
    source: str  # the clone URL or path as listed
    tool_version: str
    status: str  # ok | error
    commit: str | None = None
    runtime: dict[str, str] = field(default_factory=dict)  # language, version, framework
    deploy_tools: tuple[str, ...] = ()
    workloads: tuple[Workload, ...] = ()
    readiness: str | None = None  # a Verdict value; None when the repository could not be analysed
    reasons: tuple[dict[str, str], ...] = ()  # Reason.to_json()
    blockers: tuple[str, ...] = ()
    secrets: tuple[SecretFileCount, ...] = ()
    verify: str | None = None  # verified | failed | None (not run)
    verify_failed: tuple[str, ...] = ()
    pr_url: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    errors: tuple[StageError, ...] = ()
    shard: str | None = None
    finished_at: float = 0.0
    version: int = RECORD_VERSION

    @property
    def secret_count(self) -> int:
        return sum(s.count for s in self.secrets)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        data = dict(data)
        data["workloads"] = tuple(Workload(**w) for w in data.get("workloads") or ())
        data["secrets"] = tuple(SecretFileCount(s["file"], int(s["count"]), tuple(s.get("kinds") or ()))
                                for s in data.get("secrets") or ())
        data["errors"] = tuple(StageError(**e) for e in data.get("errors") or ())
        for key in ("deploy_tools", "reasons", "blockers", "verify_failed"):
            data[key] = tuple(data.get(key) or ())
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def write_record(stream: IO[str], record: Record) -> None:
    stream.write(json.dumps(record.to_json(), sort_keys=True, ensure_ascii=True) + "\n")
    stream.flush()
    os.fsync(stream.fileno())  # a killed run keeps every record it announced


def drop_partial_tail(path: Path) -> int:
    """Cut a last line without its newline (a record a killed run was writing) so appending goes on from
    a clean line; returns the bytes removed."""
    if not path.is_file():
        return 0
    with path.open("r+b") as stream:
        size = stream.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        stream.seek(size - 1)
        if stream.read(1) == b"\n":
            return 0
        start = max(0, size - 1024 * 1024)
        stream.seek(start)
        tail = stream.read()
        cut = start + tail.rfind(b"\n") + 1 if b"\n" in tail else 0
        stream.truncate(cut)
        return size - cut


def read_records(paths: Iterable[Path]) -> Iterator[Record]:
    """Every record in ``paths``; a line cut short by a killed run is skipped, any other bad line is an error."""
    for path in paths:
        if not path.is_file():
            raise UserError(f"{printable(str(path))}: no such records file")
        if path.stat().st_size > MAX_RECORD_FILE:
            raise UserError(f"{printable(str(path))}: larger than {MAX_RECORD_FILE // 2**20} MiB")
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield Record.from_json(json.loads(line))
            except (ValueError, TypeError, KeyError) as exc:
                if number == len(lines):
                    continue  # the last line of a run killed mid-write
                raise UserError(f"{printable(str(path))}:{number}: not a fleet record ({type(exc).__name__})") from exc


def latest(records: Iterable[Record]) -> dict[str, Record]:
    """The newest record of each repository, by repository id (ties: the later one read)."""
    found: dict[str, Record] = {}
    for record in records:
        old = found.get(record.repo)
        if old is None or record.finished_at >= old.finished_at:
            found[record.repo] = record
    return dict(sorted(found.items()))
