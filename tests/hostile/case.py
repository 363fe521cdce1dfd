"""One hostile case: how to build it, which exit code each command must give, and what it planted.

Exit codes are the documented ones (README, migrator/cli.py): 0 success (warnings are fine), 1 bad
input with a clear message, 2 verification failure; 3 (internal error) and 130 never. The rules the
cases follow:

* ``analyze`` reads and never fails on a bad file: 0, except an invalid ``migrate.toml`` (1);
* ``generate`` refuses (1) when a path it writes (Dockerfile, .dockerignore, MIGRATION.md,
  migrate.toml, deploy/k8s/..., .migrate/state.json, a ``.new`` sibling it needs) is a symlink, a
  FIFO, a device or a directory, or sits under a symlinked or non-directory parent; ``--dry-run`` and
  ``--diff`` give the verdict the real run would give, ``--force`` may differ (it writes no ``.new``);
* ``pr --dry-run`` runs on a git checkout of the case, whose temporary worktree holds what git
  commits: symlinks and directories, never FIFOs or devices; so it refuses (1) exactly when generate
  would on what was committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.hostile.runner import Outcome
from tests.hostile.tree import Tree

DEFAULT_TIMEOUT = 15.0  # seconds per command; a normal run takes well under one
SLOW_TIMEOUT = 150.0

Check = Callable[[str, Outcome], list[str]]


@dataclass(frozen=True)
class Case:
    name: str
    why: str  # what it exercises (and whose fix it waits for, when it fails before the merge)
    build: Callable[[Tree], None]
    analyze: int = 0
    generate: int = 0  # generate, --dry-run and --diff
    force: int | None = None  # generate --force; None: as generate
    pr: int | None = None  # pr --dry-run; None: as generate
    planted: tuple[str, ...] = ()  # values that must never appear in any output or written file
    check: Check | None = None  # case-specific problems, given the command and its outcome
    slow: bool = False
    devices: bool = False  # needs mknod (root)
    timeout: float = DEFAULT_TIMEOUT

    def expected(self, command: str) -> int:
        if command.startswith("analyze"):
            return self.analyze
        if command == "generate-force":
            return self.generate if self.force is None else self.force
        if command == "pr-dry-run":
            return self.generate if self.pr is None else self.pr
        return self.generate


CASES: list[Case] = []


def case(name: str, why: str, **options: object) -> Callable[[Callable[[Tree], None]], Callable[[Tree], None]]:
    """Register the decorated builder as a case (options: the Case fields)."""

    def register(build: Callable[[Tree], None]) -> Callable[[Tree], None]:
        if any(c.name == name for c in CASES):
            raise ValueError(f"two hostile cases are called {name!r}")
        CASES.append(Case(name, why, build, **options))  # type: ignore[arg-type]
        return build

    return register
