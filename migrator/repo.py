"""RepoView: read-only, repo-relative access to the repository under analysis.

Analyzers never touch the filesystem directly: they ask the view, which walks the tree once (pruning
VCS metadata, dependency and virtualenv trees), never follows a symlink out of the root, and turns
every unreadable file into a warning instead of an exception.

Nothing but a regular file is ever opened, and that with ``O_NONBLOCK | O_NOFOLLOW`` after a ``stat``
(then ``fstat`` decides): a FIFO, device or socket, or a symlink to one, is a warning and cannot hang
the analysis. A symlink that stays inside the repo is read (never walked into, if it is a directory);
one that leaves it, dangles or loops is a warning that says which of the three it is.
"""

from __future__ import annotations

import errno
import fnmatch
import functools
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

from migrator.errors import UserError
from migrator.model import Warning
from migrator.safe_fs import describe, printable

MAX_FILE_BYTES = 1024 * 1024
OUTSIDE = "symlink points outside the repository; not followed"

# Directory names that are never part of the app's own source: the registry's core set and every
# provider's (analyzers.registry.pruned(), which a test keeps equal to this default).
PRUNED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", "node_modules", "bower_components", "__pycache__",
        ".tox", ".nox", ".venv", "venv", ".virtualenv", "virtualenv",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache", "site-packages", ".eggs",
        ".idea", ".vscode", ".terraform", ".direnv", "htmlcov", ".sass-cache",
        ".npm", ".pnpm-store", ".turbo", ".nyc_output", ".parcel-cache", ".svelte-kit",
    }
)


class UnreadableFile(UserError):
    """One repository file that :meth:`RepoView.read_bytes` will not read, and why (exit 1 if it reaches the CLI)."""

    def __init__(self, rel: str, reason: str) -> None:
        super().__init__(f"{printable(rel)}: {reason.split(';')[0]}")  # "; skipped" is for warnings
        self.rel = rel
        self.reason = reason


def check_root(root: str | os.PathLike[str]) -> Path:
    """``root`` if it is a directory we can list; else a :class:`UserError` (exit 1) saying why.

    Listing is tried for real: ``os.access`` says yes to root for a ``chmod 000`` directory, and some
    directories (``/proc/<pid>/map_files``) refuse even root.
    """
    path = Path(root)
    shown = printable(str(root))
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise UserError(f"{shown}: no such directory") from exc
    except OSError as exc:
        raise UserError(f"{shown}: cannot read this directory ({(exc.strerror or str(exc)).lower()})") from exc
    if not stat.S_ISDIR(st.st_mode):
        raise UserError(f"{shown}: not a directory (give the repository's root folder)")
    if not os.access(path, os.R_OK | os.X_OK):
        raise UserError(f"{shown}: cannot read this directory (permission denied)")
    try:
        with os.scandir(path) as entries:
            next(entries, None)
    except OSError as exc:
        raise UserError(f"{shown}: cannot read this directory ({(exc.strerror or str(exc)).lower()})") from exc
    return path


class RepoView:
    """A read-only window on one repository root."""

    def __init__(self, root: str | os.PathLike[str], *, prune: frozenset[str] = PRUNED_DIRS,
                 prune_paths: frozenset[str] = frozenset()) -> None:
        """``prune``: directory names never walked; ``prune_paths``: repo-relative directories never walked
        (the planner passes the registry's: ``analyzers.registry.pruned``)."""
        path = check_root(root)
        self._prune = prune
        self._prune_paths = prune_paths
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
                with os.scandir(abs_dir) as listing:
                    entries = list(listing)
            except OSError as exc:
                self._warn(f"cannot list directory: {exc.strerror or exc}", rel_dir or ".")
                continue
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                if not _utf8(entry.name):
                    # a name that is not UTF-8 cannot be written into a report, a manifest or a
                    # Dockerfile: it is named with escapes and left out of the analysis (and of the walk)
                    shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
                    self._warn("file name is not valid UTF-8; skipped", shown)
                    continue
                try:
                    if entry.is_symlink():
                        target, why = self._resolve(entry.path)
                        if why is not None:
                            self._warn(why, rel)
                        elif target is not None and stat.S_ISREG(target[1].st_mode):
                            self._links.add(rel)
                            yield rel
                        elif target is not None and not stat.S_ISDIR(target[1].st_mode):
                            self._warn(f"symlink to {describe(target[1].st_mode)}, not a regular file; skipped", rel)
                        # a link to a directory inside the repo is never walked: that is how walks loop
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name in self._prune or rel in self._prune_paths or _is_virtualenv(entry.path):
                            continue
                        stack.append(rel)
                    elif entry.is_file(follow_symlinks=False):
                        yield rel
                    else:
                        mode = entry.stat(follow_symlinks=False).st_mode
                        self._warn(f"{describe(mode)}, not a regular file; skipped", rel)
                except OSError as exc:
                    self._warn(f"cannot inspect: {exc.strerror or exc}", rel)

    def _resolve(self, path: str) -> tuple[tuple[str, os.stat_result] | None, str | None]:
        """((real path, its stat), None) when ``path`` ends up inside the root; (None, None) when nothing is
        there; (None, why) when it must not be read: a loop, a link out, a dangling link, no permission."""
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return None, "symlink loop; not followed"
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                if not os.path.lexists(path):
                    return None, None
                if not self._inside(os.path.realpath(path)):
                    return None, OUTSIDE
                return None, "symlink to a missing file; skipped"
            if exc.errno in (errno.EACCES, errno.EPERM):
                return None, "permission denied; skipped"
            return None, f"cannot inspect: {exc.strerror or exc}"
        real = os.path.realpath(path)
        if not self._inside(real):
            return None, OUTSIDE
        return (real, st), None

    def _inside(self, real: str) -> bool:
        try:
            return os.path.commonpath([self._root_str, real]) == self._root_str
        except ValueError:
            return False

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

    def read_bytes(self, rel: str, *, limit: int = MAX_FILE_BYTES) -> bytes | None:
        """The raw content of one file inside the repo, or None when there is no such file.

        Raises :class:`UnreadableFile` (a UserError: exit 1 if uncaught) when the path leaves the repo,
        is a symlink out of it, a loop or dangling, is not a regular file (FIFO, device, socket,
        directory), is larger than ``limit`` bytes, or cannot be read. Never blocks: nothing but a
        regular file is opened, and that with ``O_NONBLOCK | O_NOFOLLOW``. Needs no walk of the tree.
        """
        rel = normalize(rel)
        data = self._read_bytes(rel, limit)
        if data is not None:
            self._read.add(rel)
        return data

    def _read_bytes(self, rel: str, limit: int) -> bytes | None:
        if not rel or rel.startswith(("../", "/")) or rel == "..":
            raise UnreadableFile(rel, "path leaves the repository; not read")
        target = os.path.join(self._root_str, rel)
        # A file the walk listed is a regular file reached through real directories; only links and
        # paths the walk never saw need the (costly) resolve. Either way fstat has the last word.
        walked = self._files is not None and rel in self._file_set() and rel not in self._links
        if not walked:
            resolved, why = self._resolve(target)
            if why is not None:
                raise UnreadableFile(rel, why)
            if resolved is None:
                return None
            if not stat.S_ISREG(resolved[1].st_mode):  # decided before any open: a FIFO would block it
                link = "symlink to " if os.path.islink(target) else ""
                raise UnreadableFile(rel, f"{link}{describe(resolved[1].st_mode)}, not a regular file; skipped")
            target = resolved[0]
        try:
            fd = _open_file(target)
        except FileNotFoundError:
            return None
        except PermissionError as exc:
            raise UnreadableFile(rel, "permission denied; skipped") from exc
        except OSError as exc:
            why = "symlink changed while reading; not followed" if exc.errno == errno.ELOOP else \
                f"cannot read: {exc.strerror or exc}"
            raise UnreadableFile(rel, why) from exc
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise UnreadableFile(rel, f"{describe(st.st_mode)}, not a regular file; skipped")
            if st.st_size > limit:
                raise UnreadableFile(rel, f"file is larger than {_size(limit)}; skipped")
            data = _read_up_to(fd, limit + 1)
        except OSError as exc:
            raise UnreadableFile(rel, f"cannot read: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)
        if len(data) > limit:  # grew since the fstat
            raise UnreadableFile(rel, f"file is larger than {_size(limit)}; skipped")
        return data

    def _load(self, rel: str) -> str | None:
        try:
            data = self._read_bytes(rel, MAX_FILE_BYTES)
        except UnreadableFile as exc:
            self._warn(exc.reason, rel)
            return None
        if data is None:
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


def _open_file(path: str) -> int:
    """A descriptor for reading ``path``: a FIFO opened this way does not block, a link is not followed."""
    return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)


def _read_up_to(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    while limit > 0 and (chunk := os.read(fd, min(limit, 1 << 20))):
        chunks.append(chunk)
        limit -= len(chunk)
    return b"".join(chunks)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0 else \
        f"{limit // 1024} KiB"


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # surrogate escapes: the bytes on disk are not UTF-8
        return False
    return True


def _is_virtualenv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


def iter_dirs(files: Iterable[str]) -> set[str]:
    """Every directory that holds at least one of ``files``."""
    out: set[str] = set()
    for f in files:
        parent = f.rsplit("/", 1)[0] if "/" in f else ""
        out.add(parent)
    return out
