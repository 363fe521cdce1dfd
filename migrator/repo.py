"""RepoView: read-only, repo-relative access to the repository under analysis.

Analyzers never touch the filesystem directly: they ask the view, which walks the tree once (pruning
VCS metadata, dependency and virtualenv trees), never follows a symlink out of the root, and turns
every unreadable file into a warning instead of an exception.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

from migrator.errors import UserError
from migrator.model import Warning

MAX_FILE_BYTES = 1024 * 1024

# Directory names that are never part of the app's own source.
PRUNED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", "node_modules", "bower_components", "__pycache__",
        ".tox", ".nox", ".venv", "venv", ".virtualenv", "virtualenv",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache", "site-packages", ".eggs",
        ".idea", ".vscode", ".terraform", ".direnv", "htmlcov", ".sass-cache",
    }
)


class RepoView:
    """A read-only window on one repository root."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        path = Path(root)
        if not path.exists():
            raise UserError(f"{root}: no such directory")
        if not path.is_dir():
            raise UserError(f"{root}: not a directory (give the repository's root folder)")
        if not os.access(path, os.R_OK | os.X_OK):
            raise UserError(f"{root}: cannot read this directory (permission denied)")
        self.root = path.resolve()
        self._root_str = str(self.root)
        self._files: tuple[str, ...] | None = None
        self._text_cache: dict[str, str | None] = {}
        self._warnings: dict[tuple[str, str], Warning] = {}
        self._read: set[str] = set()
        self._links: set[str] = set()

    # -- walking -------------------------------------------------------------------------------

    def files(self) -> tuple[str, ...]:
        """Every regular file in the repo (repo-relative, POSIX separators), sorted; walked once."""
        if self._files is None:
            self._files = tuple(sorted(self._walk()))
        return self._files

    def _walk(self) -> Iterator[str]:
        stack = [""]
        while stack:
            rel_dir = stack.pop()
            abs_dir = self.root / rel_dir if rel_dir else self.root
            try:
                entries = list(os.scandir(abs_dir))
            except OSError as exc:
                self._warn(f"cannot list directory: {exc.strerror or exc}", rel_dir or ".")
                continue
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    if entry.is_symlink():
                        if self._inside(entry.path):
                            # A link inside the repo is fine to read, but never walked as a dir:
                            # that is how walks loop.
                            if not os.path.isdir(entry.path):
                                self._links.add(rel)
                                yield rel
                        else:
                            self._warn("symlink points outside the repository; not followed", rel)
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name in PRUNED_DIRS or _is_virtualenv(entry.path):
                            continue
                        stack.append(rel)
                    elif entry.is_file(follow_symlinks=False):
                        yield rel
                except OSError as exc:
                    self._warn(f"cannot inspect: {exc.strerror or exc}", rel)

    def _inside(self, path: str) -> bool:
        try:
            target = Path(path).resolve()
        except (OSError, RuntimeError):
            return False
        return target == self.root or self.root in target.parents

    # -- queries -------------------------------------------------------------------------------

    def exists(self, rel: str) -> bool:
        return rel in self._file_set()

    def _file_set(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_set", None)
        if cached is None:
            cached = frozenset(self.files())
            self._set = cached
        return cached

    def glob(self, *patterns: str) -> list[str]:
        """Files whose repo-relative path matches any fnmatch pattern (``*`` crosses ``/``)."""
        match = _compile(patterns)
        return [f for f in self.files() if match(f)]

    def named(self, *names: str) -> list[str]:
        """Files whose basename is one of ``names`` (or matches it as an fnmatch pattern)."""
        index = self._basename_index()
        exact = [n for n in names if not _WILDCARD.search(n)]
        patterns = [n for n in names if _WILDCARD.search(n)]
        bases = {n for n in exact if n in index}
        if patterns:
            match = _compile(patterns)
            bases.update(b for b in index if match(b))
        return sorted(f for b in bases for f in index[b])

    def _basename_index(self) -> dict[str, list[str]]:
        cached: dict[str, list[str]] | None = getattr(self, "_by_base", None)
        if cached is None:
            cached = {}
            for f in self.files():
                cached.setdefault(f.rsplit("/", 1)[-1], []).append(f)
            self._by_base = cached
        return cached

    def with_suffix(self, *suffixes: str) -> list[str]:
        return [f for f in self.files() if f.endswith(suffixes)]

    def top_level(self, name: str) -> str | None:
        return name if self.exists(name) else None

    # -- reading -------------------------------------------------------------------------------

    def read_text(self, rel: str) -> str | None:
        """The file's text, or None (with a warning) when it is missing, binary, too big or unreadable."""
        rel = normalize(rel)
        if rel in self._text_cache:
            return self._text_cache[rel]
        text = self._load(rel)
        self._text_cache[rel] = text
        if text is not None:
            self._read.add(rel)
        return text

    def lines(self, rel: str) -> list[str]:
        text = self.read_text(rel)
        return [] if text is None else text.splitlines()

    def _load(self, rel: str) -> str | None:
        if rel.startswith(("../", "/")) or rel == "..":
            self._warn("path leaves the repository; not read", rel)
            return None
        path = os.path.join(self._root_str, rel)
        # Files the walk listed are regular files inside the root; only links and paths the walk
        # never saw need the (costly) resolve check.
        walked = rel in self._file_set() and rel not in self._links
        if not walked and not self._inside(path):
            self._warn("symlink points outside the repository; not followed", rel)
            return None
        try:
            with open(path, "rb") as fh:
                st = os.fstat(fh.fileno())
                if not stat.S_ISREG(st.st_mode):
                    return None
                if st.st_size > MAX_FILE_BYTES:
                    self._warn(f"file is larger than {MAX_FILE_BYTES // 1024} KiB; skipped", rel)
                    return None
                data = fh.read()
        except FileNotFoundError:
            return None
        except PermissionError:
            self._warn("permission denied; skipped", rel)
            return None
        except OSError as exc:
            self._warn(f"cannot read: {exc.strerror or exc}", rel)
            return None
        if b"\x00" in data[:8192]:
            self._warn("binary file; skipped", rel)
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self._warn("invalid UTF-8; read with replacement characters", rel, line)
            text = data.decode("utf-8", errors="replace")
        return text.removeprefix("\ufeff")

    # -- bookkeeping ---------------------------------------------------------------------------

    def _warn(self, message: str, rel: str, line: int | None = None) -> None:
        self._warnings.setdefault((rel, message), Warning(message, rel, line))

    def warn(self, message: str, rel: str, line: int | None = None) -> None:
        """Record a problem with a file that is not the analyzer's fault (used by parsers too)."""
        self._warn(message, rel, line)

    @property
    def warnings(self) -> tuple[Warning, ...]:
        return tuple(self._warnings.values())

    @property
    def files_read(self) -> tuple[str, ...]:
        return tuple(sorted(self._read))


def normalize(rel: str) -> str:
    """Repo-relative POSIX form of a path (``./a//b`` -> ``a/b``)."""
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def join(base_file: str, ref: str) -> str:
    """Resolve ``ref`` relative to the directory of ``base_file``; '..' may not climb out of the repo."""
    base = PurePosixPath(base_file).parent
    parts: list[str] = [] if str(base) == "." else list(base.parts)
    for part in PurePosixPath(ref.replace("\\", "/")).parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return "../" + ref
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


_WILDCARD = re.compile(r"[*?\[]")


@functools.lru_cache(maxsize=256)
def _compile_one(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern))


def _compile(patterns: Iterable[str]) -> Callable[[str], bool]:
    """One matcher for several fnmatch patterns (compiled once, cached across calls)."""
    compiled = [_compile_one(p) for p in patterns]
    if len(compiled) == 1:
        single = compiled[0].match
        return lambda text: single(text) is not None
    return lambda text: any(c.match(text) for c in compiled)


def _is_virtualenv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


def iter_dirs(files: Iterable[str]) -> set[str]:
    """Every directory that holds at least one of ``files``."""
    out: set[str] = set()
    for f in files:
        parent = f.rsplit("/", 1)[0] if "/" in f else ""
        out.add(parent)
    return out
