"""The value every generator returns: one file to write, relative to the output directory."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class OutputFile:
    """A generated file. ``format`` tells the writer how it may merge hand edits ("yaml") or not.

    ``create_only`` files (migrate.toml) belong to the user once they exist: the writer never
    rewrites them.
    """

    path: str  # POSIX, relative to the output directory
    content: str
    format: str = "text"  # text | yaml | toml | markdown | dockerfile
    create_only: bool = False

    @property
    def sha256(self) -> str:
        return digest(self.content)

    @property
    def size(self) -> int:
        return len(self.content.encode("utf-8"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
