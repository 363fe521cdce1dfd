"""Reads and writes below a trusted directory that never follow a symlink and never open a special file.

The directory the user names (``generate --output DIR``, the repository, ``pr``'s temporary worktree)
is trusted and opened as given. Everything *below* it comes from a repository we did not write, so
every path is resolved one component at a time from directory file descriptors: each parent is opened
with ``O_DIRECTORY | O_NOFOLLOW`` relative to the previous one (``dir_fd``), missing directories are
created with ``mkdir(dir_fd=...)``, and the final entry is ``lstat``-ed and opened with ``O_NOFOLLOW``.

The rule is deliberately simple: **no symlink below the trusted directory is ever followed**, not even
one that stays inside it. An in-root link is refused like any other, because (1) whether it stays
inside is decided by text the repository controls and can change between the check and the write,
(2) git will not stage a path below a symlink (``pr`` would fail on ``git add`` after the write), and
(3) writing through an alias rewrites a file the user may not know is generated. FIFOs, devices,
sockets and directories where a file should be are refused too: opening a FIFO blocks forever, and a
device is never ours to write. Reads open with ``O_NONBLOCK`` and check ``fstat`` before reading, so
a FIFO swapped in after the ``lstat`` still cannot hang us.

Writes are atomic: the content goes to a temporary file created with ``O_EXCL | O_NOFOLLOW`` in the
target's own directory, is fsync-ed, and is renamed over the target with ``os.replace`` on the same
directory descriptors; a failure removes the temporary file and leaves the old content intact. The
rename replaces the directory entry, never the old inode's content, so a target that is a hard link
to a file elsewhere leaves that file untouched, and a link swapped in at the last moment is replaced,
not followed.

Every refusal is an :class:`UnsafePath` (a :class:`~migrator.errors.UserError`, exit 1) whose one-line
message names the offending path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from dataclasses import dataclass
from types import TracebackType

from migrator.errors import UserError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_HINT = "migrate never reads or writes through a symlink or into a special file; remove or rename it"


class UnsafePath(UserError):
    """A path we refuse to read or write: a symlink, or not a regular file (or directory) where one is needed."""


@dataclass(frozen=True)
class Existing:
    """What is on disk at a path: its size, and its bytes unless it is larger than the read limit."""

    size: int
    data: bytes | None


def describe(mode: int) -> str:
    """``a FIFO (named pipe)``, ``a symlink`` ...: what kind of entry ``mode`` (from lstat) is."""
    kinds = (
        (stat.S_ISLNK, "a symlink"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"),
        (stat.S_ISREG, "a regular file"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")


def printable(text: str) -> str:
    """``text`` with control characters and undecodable bytes escaped: names come from hostile repos."""
    out = []
    for ch in text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"):
        code = ord(ch)
        out.append(ch if code >= 0x20 and not 0x7F <= code <= 0x9F else f"\\x{code:02x}")
    return "".join(out)


def parts_of(rel: str) -> list[str]:
    """The components of a POSIX path relative to the output directory; anything else is a bug of ours."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(p in ("", ".", "..") or "\x00" in p for p in parts):
        raise ValueError(f"not a plain relative path: {rel!r}")
    return parts


class SafeDir:
    """A directory held open by descriptor; every path below it is resolved without following links.

    ``label`` is how messages name the directory (the path the user gave, or "" for repo-relative).
    """

    def __init__(self, fd: int, label: str) -> None:
        self._fd = fd
        self.label = label

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = False, label: str | None = None) -> SafeDir | None:
        """Open the trusted directory ``path`` (followed as given); None when it is missing and not ``create``."""
        name = os.fspath(path)
        shown = printable(name if label is None else label)
        for attempt in (1, 2):
            try:
                return cls(os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC), shown)
            except FileNotFoundError as exc:
                if not create:
                    return None
                if attempt == 2:  # removed again between makedirs and open
                    raise UserError(f"cannot open {printable(name)}: it disappeared while being created") from exc
                try:
                    os.makedirs(name, exist_ok=True)
                except OSError as exc:
                    raise UserError(f"cannot create {printable(name)}: {exc.strerror or exc}") from exc
            except NotADirectoryError as exc:
                raise UserError(f"{printable(name)} is not a directory") from exc
            except OSError as exc:
                raise UserError(f"cannot open {printable(name)}: {exc.strerror or exc}") from exc
        return None  # pragma: no cover - the loop always returns

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> SafeDir:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def show(self, rel: str) -> str:
        return printable(f"{self.label}/{rel}" if self.label else rel)

    def subdir(self, rel: str, *, create: bool) -> SafeDir | None:
        """The directory ``rel`` below this one (never through a link); None when missing and not ``create``."""
        fd = self._descend(parts_of(rel), rel, create=create)
        return None if fd is None else SafeDir(fd, self.show(rel))

    # -- resolution ----------------------------------------------------------------------------

    def _lstat(self, dir_fd: int, name: str, shown: str) -> os.stat_result | None:
        try:
            return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise UserError(f"cannot inspect {self.show(shown)}: {exc.strerror or exc}") from exc

    def _refuse(self, dir_fd: int, name: str, shown: str, mode: int, wanted: str, rel: str) -> UnsafePath:
        what = describe(mode)
        if stat.S_ISLNK(mode):
            with contextlib.suppress(OSError):
                what += f" (to {printable(os.readlink(name, dir_fd=dir_fd))})"
        on_the_way = f", on the way to {printable(rel)}" if shown != rel else ""
        return UnsafePath(f"{self.show(shown)} is {what}, not {wanted}{on_the_way}: {_HINT}")

    def _descend(self, parts: list[str], rel: str, *, create: bool) -> int | None:
        """A new descriptor for the directory ``parts`` (caller closes it); None when missing and not ``create``."""
        fd = os.dup(self._fd)
        try:
            for i, name in enumerate(parts):
                shown = "/".join(parts[: i + 1])
                st = self._lstat(fd, name, shown)
                if st is None:
                    if not create:
                        os.close(fd)
                        return None
                    try:
                        os.mkdir(name, 0o777, dir_fd=fd)
                    except FileExistsError:
                        pass  # created meanwhile: the open below checks what it is
                    except OSError as exc:
                        raise UserError(f"cannot create {self.show(shown)}: {exc.strerror or exc}") from exc
                elif not stat.S_ISDIR(st.st_mode):
                    raise self._refuse(fd, name, shown, st.st_mode, "a directory", rel)
                try:
                    child = os.open(name, _DIR_FLAGS, dir_fd=fd)
                except OSError as exc:  # swapped for a link or a file since the lstat
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                        raise UnsafePath(f"{self.show(shown)} is not a directory any more: {_HINT}") from exc
                    raise UserError(f"cannot open {self.show(shown)}: {exc.strerror or exc}") from exc
                os.close(fd)
                fd = child
            return fd
        except BaseException:
            os.close(fd)
            raise

    def lstat(self, rel: str) -> os.stat_result | None:
        """The entry at ``rel`` itself (a link is not followed); None when it or a parent is missing.

        A parent that is a symlink or not a directory is an :class:`UnsafePath`.
        """
        parts = parts_of(rel)
        fd = self._descend(parts[:-1], rel, create=False)
        if fd is None:
            return None
        try:
            return self._lstat(fd, parts[-1], rel)
        finally:
            os.close(fd)

    def is_regular(self, rel: str) -> bool:
        """Whether ``rel`` is a regular file reached without any symlink (False for anything else)."""
        try:
            st = self.lstat(rel)
        except UnsafePath:
            return False
        return st is not None and stat.S_ISREG(st.st_mode)

    def check(self, rel: str) -> None:
        """Raise :class:`UnsafePath` unless ``rel`` could be written (missing, or a regular file)."""
        st = self.lstat(rel)
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise self._refuse_at(rel, st.st_mode)

    def _refuse_at(self, rel: str, mode: int) -> UnsafePath:
        parts = parts_of(rel)
        fd = self._descend(parts[:-1], rel, create=False)
        try:
            return self._refuse(fd if fd is not None else self._fd, parts[-1], rel, mode, "a regular file", rel)
        finally:
            if fd is not None:
                os.close(fd)

    # -- reading -------------------------------------------------------------------------------

    def read(self, rel: str, *, limit: int) -> Existing | None:
        """What is at ``rel`` (None: nothing); its bytes only up to ``limit``. Never blocks, never follows."""
        parts = parts_of(rel)
        dir_fd = self._descend(parts[:-1], rel, create=False)
        if dir_fd is None:
            return None
        try:
            st = self._lstat(dir_fd, parts[-1], rel)
            if st is None:
                return None
            if not stat.S_ISREG(st.st_mode):
                raise self._refuse(dir_fd, parts[-1], rel, st.st_mode, "a regular file", rel)
            try:
                fd = os.open(parts[-1], _READ_FLAGS, dir_fd=dir_fd)
            except FileNotFoundError:
                return None
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise UnsafePath(f"{self.show(rel)} is a symlink: {_HINT}") from exc
                raise UserError(f"cannot read {self.show(rel)}: {exc.strerror or exc}") from exc
            try:
                fst = os.fstat(fd)
                if not stat.S_ISREG(fst.st_mode):  # swapped since the lstat
                    raise self._refuse(dir_fd, parts[-1], rel, fst.st_mode, "a regular file", rel)
                if fst.st_size > limit:
                    return Existing(fst.st_size, None)
                data = _read_all(fd, limit + 1)
            except OSError as exc:
                raise UserError(f"cannot read {self.show(rel)}: {exc.strerror or exc}") from exc
            finally:
                os.close(fd)
            return Existing(len(data), data if len(data) <= limit else None)
        finally:
            os.close(dir_fd)

    # -- writing -------------------------------------------------------------------------------

    def write(self, rel: str, data: bytes) -> None:
        """Atomically make ``rel`` hold ``data``, creating missing parents; see the module docstring."""
        parts = parts_of(rel)
        dir_fd = self._descend(parts[:-1], rel, create=True)
        assert dir_fd is not None  # create=True never answers "missing"
        try:
            name = parts[-1]
            st = self._lstat(dir_fd, name, rel)
            if st is not None and not stat.S_ISREG(st.st_mode):
                raise self._refuse(dir_fd, name, rel, st.st_mode, "a regular file", rel)
            temp = f".{name[:200]}.{secrets.token_hex(4)}.migrate-tmp"
            try:
                fd = os.open(temp, _TEMP_FLAGS, 0o666, dir_fd=dir_fd)
            except OSError as exc:
                raise UserError(f"cannot write {self.show(rel)}: {exc.strerror or exc}") from exc
            try:
                try:
                    if st is not None:
                        _keep_owner_and_mode(fd, st)
                    _write_all(fd, data)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                # rename never follows a link at the destination: at worst it replaces the link itself
                os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            except BaseException as exc:
                with contextlib.suppress(OSError):
                    os.unlink(temp, dir_fd=dir_fd)
                if isinstance(exc, OSError):
                    raise UserError(f"cannot write {self.show(rel)}: {exc.strerror or exc}") from exc
                raise
            # the rename itself survives a crash; some filesystems cannot fsync a directory (the data is safe)
            with contextlib.suppress(OSError):
                os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _keep_owner_and_mode(fd: int, old: os.stat_result) -> None:
    """The replacement keeps the old file's permission bits (never set-id bits) and, where we may, its
    owner: ``sudo migrate generate`` must not hand the user's files to root."""
    os.fchmod(fd, stat.S_IMODE(old.st_mode) & 0o777)
    with contextlib.suppress(OSError):
        os.fchown(fd, old.st_uid, old.st_gid)


def _read_all(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically write one file the user named (``analyze --output``): its directory is trusted as given,
    the file itself must be missing or a regular file (a symlink, FIFO or device is refused)."""
    name = os.fspath(path)
    parent, base = os.path.split(name)
    if not base:
        raise UserError(f"cannot write {printable(name)}: not a file name")
    opened = SafeDir.open(parent or ".", label=parent)
    if opened is None:
        raise UserError(f"cannot write {printable(name)}: {printable(parent)}: no such directory")
    with opened as directory:
        directory.write(base, data)


def read_file(path: str | os.PathLike[str], *, limit: int) -> bytes:
    """The content of one file the user named (``pr --repos FILE``): the path is trusted as given (links
    followed), but it must be a regular file of at most ``limit`` bytes; a FIFO is refused, never waited on."""
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise UserError(f"cannot read {printable(name)}: {exc.strerror or exc}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePath(f"cannot read {printable(name)}: it is {describe(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise UserError(f"cannot read {printable(name)}: larger than {limit} bytes")
        return _read_all(fd, limit)
    except OSError as exc:
        raise UserError(f"cannot read {printable(name)}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
