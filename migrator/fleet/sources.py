"""The repositories of a fleet: a list file of clone URLs or local paths, one per line.

``#`` starts a comment. A line is a clone URL (``https://``, ``ssh://``, ``git://``, ``file://``, or
scp-like ``git@host:owner/name.git``) or a path, relative to the list file, to a local checkout or
directory. The line's text is the repository's id: stable across machines, so the shard a repository
falls in (:mod:`migrator.fleet.shard`) and the record it is resumed from never depend on where the
list was read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from migrator.errors import UserError
from migrator.safe_fs import printable, read_file

MAX_LIST_BYTES = 8 * 1024 * 1024
_URL = re.compile(r"^(?:https?|ssh|git|file)://\S+$|^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:\S+$")


@dataclass(frozen=True)
class FleetRepo:
    """One repository: ``url`` to clone, or ``path`` to read in place (exactly one is set)."""

    id: str
    url: str | None = None
    path: Path | None = None

    @property
    def name(self) -> str:
        """``owner/name`` from a URL's last two parts, else the path's last part (for display and dirs)."""
        text = (self.url or str(self.path or self.id)).rstrip("/")
        text = re.sub(r"\.git$", "", text)
        parts = [p for p in re.split(r"[/:]", text) if p]
        return "/".join(parts[-2:]) if self.url and len(parts) >= 2 else (parts[-1] if parts else self.id)


def is_url(text: str) -> bool:
    return bool(_URL.match(text))


def parse_list(text: str, base: Path, *, label: str = "list") -> list[FleetRepo]:
    """The repositories in ``text``; relative paths resolve against ``base``. Duplicates are dropped."""
    repos: dict[str, FleetRepo] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if any(ch.isspace() for ch in line):
            raise UserError(f"{label}:{number}: one clone URL or path per line, got {printable(line)!r}")
        if line in repos:
            continue
        if is_url(line):
            repos[line] = FleetRepo(line, url=line)
        else:
            repos[line] = FleetRepo(line, path=base / line)
    if not repos:
        raise UserError(f"{label} lists no repositories")
    return list(repos.values())


def read_list(file: Path) -> list[FleetRepo]:
    """The repositories listed in ``file`` (a FIFO or device is refused, never waited on)."""
    data = read_file(file, limit=MAX_LIST_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{printable(str(file))}: not UTF-8 text (byte {exc.start})") from exc
    return parse_list(text, file.parent, label=printable(str(file)))
