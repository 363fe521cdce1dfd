"""The fleet dashboard in a real headless Chromium: it renders offline, the readiness table sorts by a
clicked column (numbers as numbers), hostile names stay text, and a screenshot is taken."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from migrator.fleet import dashboard, report
from tests.fleet.cdp import Browser
from tests.fleet.conftest import FirstRun
from tests.fleet.fleetgen import HOSTILE

COLUMN = "Array.from(document.querySelectorAll('#readiness tbody tr')).map(r => r.cells[{i}].dataset.sort)"
HEADER = "document.querySelectorAll('#readiness th')[{i}]"


@pytest.mark.slow
def test_dashboard_renders_sorts_and_is_screenshotted(first_run: FirstRun, tmp_path: Path) -> None:
    page = tmp_path / "fleet-report.html"
    page.write_text(dashboard.render(report.build(first_run.records)), encoding="utf-8")
    with Browser() as browser:
        browser.open(page.as_uri())
        assert browser.eval("document.title") == "Fleet migration report"
        rows = browser.eval("document.querySelectorAll('#readiness tbody tr').length")
        assert rows == len(first_run.fleet.repos)
        names = browser.eval(COLUMN.format(i=0))
        hostile = next(r for r in first_run.fleet.repos if r.endswith(HOSTILE))  # whichever fixture got it
        assert hostile in names  # the hostile name is a cell's text ...
        assert browser.eval("document.querySelectorAll('#readiness b').length") == 0  # ... never markup
        secrets = COLUMN.format(i=6)
        browser.eval(HEADER.format(i=6) + ".click()")
        ascending = [int(v) for v in browser.eval(secrets)]
        assert ascending == sorted(ascending) and ascending[0] < ascending[-1]
        assert browser.eval(HEADER.format(i=6) + ".getAttribute('aria-sort')") == "ascending"
        browser.eval(HEADER.format(i=6) + ".click()")
        assert [int(v) for v in browser.eval(secrets)] == sorted(ascending, reverse=True)
        browser.eval(HEADER.format(i=0) + ".click()")
        by_name = browser.eval(COLUMN.format(i=0))
        assert by_name == browser.eval(COLUMN.format(i=0) + ".sort((a, b) => a.localeCompare(b))")
        assert by_name != names and sorted(by_name) == sorted(names)  # reordered, no row lost
        shot = browser.screenshot(tmp_path / "fleet-report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    if os.environ.get("MIGRATE_SCREENSHOT_DIR"):  # CI or a person can keep the picture
        shutil.copy(shot, Path(os.environ["MIGRATE_SCREENSHOT_DIR"]) / shot.name)
