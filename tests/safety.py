"""Helpers for tests of hostile repositories: a canary tree beside the repo, FIFOs that cannot hang the
suite, and calls under a timeout (a regression must fail the test, not hang the run)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CANARY_TEXT = b"canary: must never change\n"


class Canary:
    """A directory beside the repository that links in the repo point at; any change to it is a bug.

    It holds a file (``target``, what a ``Dockerfile`` link points at), an empty directory (``outdir``,
    what a ``deploy`` link points at) and the name of a file that must never be created (``absent``).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "outdir").mkdir(parents=True)
        self.target = root / "target"
        self.target.write_bytes(CANARY_TEXT)
        self.outdir = root / "outdir"
        self.absent = root / "absent"
        self.before = self.snapshot()

    def snapshot(self) -> dict[str, tuple[int, int, bytes | None]]:
        """Every entry under the canary (and the canary itself): mode, mtime_ns, and a file's content."""
        out: dict[str, tuple[int, int, bytes | None]] = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            for name in [".", *dirnames, *filenames]:
                path = Path(dirpath) / name
                st = path.lstat()
                content = path.read_bytes() if path.is_file() and not path.is_symlink() else None
                out[str(path.relative_to(self.root))] = (st.st_mode, st.st_mtime_ns, content)
        return out

    def assert_unchanged(self) -> None:
        assert self.snapshot() == self.before, "a file outside the repository changed"


def make_canary(tmp_path: Path) -> Canary:
    return Canary(tmp_path / "canary")


def call_with_timeout(fn: Callable[..., Any], *args: Any, timeout: float = 20, fifos: Iterable[Path] = (),
                      **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a thread; a hang fails the test (and opening ``fifos`` for writing
    releases a reader blocked on them, so the stuck thread does not outlive the test)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        for fifo in fifos:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        pytest.fail(f"{getattr(fn, '__name__', fn)} did not return within {timeout}s (hung)")
    if "error" in result:
        raise result["error"]
    return result.get("value")


def cli(*args: str, timeout: float = 120, cwd: Path = ROOT, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    """``python -m migrator.cli ARGS`` in a subprocess that is killed when it hangs (the test then fails)."""
    try:
        return subprocess.run([sys.executable, "-m", "migrator.cli", *args], cwd=cwd, capture_output=True,
                              text=True, timeout=timeout, env={**os.environ, **(env or {})}, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"migrate {' '.join(args)} did not finish within {timeout}s (hung)")


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int = 1, *needles: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("migrate: ")]
    assert len(errors) == 1, proc.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
