"""Timed stages of one repository's run; an exception in a stage becomes a :class:`Failed` naming it."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from migrator.errors import MigrateError, UserError
from migrator.secrets import scrub
from migrator.textsafe import inline

MESSAGE_MAX = 400


class Failed(Exception):
    """``stage`` failed with a message that is safe to record (scrubbed, one line, bounded)."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


def message_of(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, MigrateError) else f"internal error: {type(exc).__name__}: {exc}"
    text = inline(scrub("; ".join(line.strip() for line in text.splitlines() if line.strip())))
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


@contextmanager
def stage(name: str, timings: dict[str, float]) -> Iterator[None]:
    """Time the block into ``timings[name + '_s']``; turn what it raises into :class:`Failed`."""
    start = time.monotonic()
    try:
        yield
    except Failed:
        raise
    except Exception as exc:  # one repository's failure is its record's, never the fleet's
        raise Failed(name, message_of(exc)) from exc
    finally:
        timings[f"{name}_s"] = round(time.monotonic() - start, 3)


class RepoTimeout(UserError):
    """One repository took longer than ``--repo-timeout``: its record says so and the fleet goes on."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`RepoTimeout` in the block after ``seconds`` (0: no limit). A real-time timer signal,
    so it interrupts a parser stuck on one file as well as a wait on a subprocess (which is then killed);
    only the main thread receives signals, so elsewhere the block runs unbounded."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise RepoTimeout(f"stopped after {seconds:g} s (--repo-timeout)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
