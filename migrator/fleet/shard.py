"""``--shard I/N``: a deterministic slice of the fleet.

A repository belongs to shard ``sha256(id) mod N``: stable across machines, Python versions and list
order (Python's ``hash()`` is salted per process, so it would not do), and it spreads repositories
evenly without anyone assigning them. ``I`` is 0-based, as ``JOB_COMPLETION_INDEX`` and a matrix index are.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from migrator.errors import UserError

T = TypeVar("T")
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SHARD.match(text)
        if not match:
            raise UserError(f"--shard must be I/N (0 <= I < N), got {text!r}")
        index, count = int(match.group(1)), int(match.group(2))
        if count < 1 or not 0 <= index < count:
            raise UserError(f"--shard {text}: I must be 0 to {max(count - 1, 0)} (0-based) and N at least 1")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, repo_id: str) -> bool:
        return shard_of(repo_id, self.count) == self.index

    def select(self, items: Iterable[T], key: str = "id") -> list[T]:
        return [item for item in items if self.owns(str(getattr(item, key)))]


def shard_of(repo_id: str, count: int) -> int:
    digest = hashlib.sha256(repo_id.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count
