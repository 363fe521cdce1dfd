"""Files git itself reads in a checkout must be regular files, or git blocks forever.

git opens ``.gitignore`` (in every directory it walks), ``.gitattributes``, and in ``.git`` its
``config``, ``HEAD``, ``index``, ``info/exclude`` ... with a plain blocking ``open``: one FIFO under
such a name and every ``git status`` waits until the subprocess timeout. :func:`check` looks first,
so ``migrate pr`` refuses such a checkout at once with a message naming the file (exit 1). The
timeouts in :mod:`migrator.pr.git` stay the backstop for whatever this list does not know.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from migrator.errors import UserError
from migrator.safe_fs import describe, printable

IN_TREE = frozenset({".gitignore", ".gitattributes", ".mailmap"})
IN_GIT_DIR = ("config", "HEAD", "index", "packed-refs", "commondir", "shallow", "info/exclude",
              "info/attributes", "info/grafts", "info/sparse-checkout")


class BlockingGitInput(UserError):
    """A file git reads is a FIFO, device or socket."""


def check(path: Path) -> None:
    """Raise :class:`BlockingGitInput` when a file git would read for the checkout at ``path`` is not a
    regular file. A symlink is judged by its target (git follows some of them)."""
    start = Path(os.path.abspath(path))
    for work_tree in (start, *start.parents):
        dot_git = work_tree / ".git"
        mode = _mode(dot_git)
        if mode is None:
            continue
        if stat.S_ISDIR(mode):
            for name in IN_GIT_DIR:
                _refuse_special(dot_git / name, f".git/{name}")
        elif not stat.S_ISREG(mode):  # a regular .git file is a worktree's or submodule's pointer
            _refuse_special(dot_git, ".git")
        _check_tree(work_tree)
        return


def _mode(path: Path) -> int | None:
    try:
        return os.stat(path).st_mode
    except OSError:
        return None  # missing, a loop, unreadable: git fails on it rather than blocks


def _refuse_special(path: Path, shown: str) -> None:
    mode = _mode(path)
    if mode is not None and not stat.S_ISREG(mode):
        raise BlockingGitInput(f"{printable(shown)} is {describe(mode)}, not a regular file: git would block "
                               "reading it; remove it (migrate pr runs git in this checkout)")


def _check_tree(root: Path) -> None:
    """Every ``.gitignore``/``.gitattributes`` below ``root`` (symlinked directories are not entered)."""
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(root / rel_dir if rel_dir else root) as listing:
                entries = list(listing)
        except OSError:
            continue  # git cannot list it either: it skips it or fails, it does not block
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.name in IN_TREE:
                _refuse_special(Path(entry.path), rel)
            elif entry.name != ".git" and entry.is_dir(follow_symlinks=False):
                stack.append(rel)
