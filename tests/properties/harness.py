"""Run one analyzer on a generated tree, with a hard time limit, and check what it yields.

Hypothesis' deadline only judges an example after it returns; a parser that loops forever would
hang the suite, so every run is also bounded by SIGALRM (the tests run in pytest's main thread).

``PROPERTIES`` are the settings every test here uses: example counts that keep the suite well under
a minute on a 2-core machine (``MIGRATE_PROPERTY_EXAMPLES`` raises them for a long hunt), and a
derandomized search on CI so a run there is reproducible; locally every run explores new inputs
(and .hypothesis/ replays what failed before).
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import FrameType, ModuleType

from hypothesis import HealthCheck, settings

from analyzers.base import Item
from migrator.model import Finding, Kind, SecretFinding, Warning
from migrator.repo import RepoView

HARD_LIMIT = 10.0  # seconds for one analyzer run on one example: far above any real file
PROPERTIES = settings(
    max_examples=int(os.environ.get("MIGRATE_PROPERTY_EXAMPLES", "120")),
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("CI") == "true",
)


class Hang(Exception):
    """The analyzer did not return within HARD_LIMIT."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise Hang(f"no result after {seconds:.0f}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(module: ModuleType, files: Mapping[str, str | bytes]) -> list[Item]:
    """``module.analyze`` on a fresh repo holding ``files``; asserts every item is well-formed."""
    with tempfile.TemporaryDirectory(prefix="migrate-prop-") as root:
        for rel, content in files.items():
            path = Path(root, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        repo = RepoView(root)
        with time_limit(HARD_LIMIT):
            items = list(module.analyze(repo))
    for item in items:
        check_item(item)
    return items


def check_item(item: object) -> None:
    """What the planner relies on: a known item type, string keys and files, positive lines."""
    assert isinstance(item, (Finding, SecretFinding, Warning)), item
    if isinstance(item, Finding):
        assert isinstance(item.kind, Kind) and isinstance(item.key, str)
        assert all(isinstance(k, str) for k in item.fields)
        assert item.source.line is None or item.source.line >= 1, item
    else:
        assert item.line is None or item.line >= 1, item
        assert isinstance(item.file, str)


def schedules(items: list[Item]) -> list[Finding]:
    return [i for i in items if isinstance(i, Finding) and i.kind is Kind.SCHEDULE]
