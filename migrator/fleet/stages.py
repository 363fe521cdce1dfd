"""Timed stages of one repository's run; an exception in a stage becomes a :class:`Failed` naming it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from migrator.errors import MigrateError
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
