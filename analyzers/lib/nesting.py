"""Input nested too deeply for a recursive parser or walk: a warning for that file, never the end of
its analyzer.

``json.loads`` of 100,000 ``[``, ``ast.parse`` of a 100,000-term expression, blocks within blocks in
an nginx config: each raises :class:`RecursionError`. The planner turns an analyzer's crash into one
warning, but that loses every other file the analyzer read (a valid Pipfile beside a hostile
Pipfile.lock). So each file's work runs under :func:`guard`, which keeps what the file gave or says why
it gave nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from analyzers import base
from analyzers.base import Item, Src


def too_deep(src: Src, what: str) -> Item:
    """The warning for one file (or block) that is nested too deeply to read."""
    return base.warning(src, f"{what} is nested too deeply to read; not read")


def guard(items: Callable[[], Iterable[Item]], src: Src, what: str) -> list[Item]:
    """Everything ``items()`` yields, or only :func:`too_deep`'s warning when the input was too deep.

    All or nothing: a walk that failed half-way would leave findings that contradict the file.
    """
    try:
        return list(items())
    except RecursionError:
        return [too_deep(src, what)]
