"""migrator/fleet/report.py and dashboard.py: counts, ordering, escaping of hostile names."""

from __future__ import annotations

import html.parser
from typing import Any

from migrator.fleet import dashboard, report
from migrator.fleet.record import Record, SecretFileCount, StageError
from tests.fleet.conftest import FirstRun
from tests.fleet.fleetgen import HOSTILE

EVIL = '<img src=x onerror=alert(1)>|`x`\x1b]52;c;AAAA\x07'


def _rec(repo: str, **kw: Any) -> Record:
    return Record(**{"repo": repo, "source": repo, "tool_version": "0", "status": "ok", **kw})


def _sample() -> dict[str, Record]:
    return {r.repo: r for r in [
        _rec("acme/a", readiness="ready", runtime={"language": "python"}, deploy_tools=("systemd",), verify="verified",
             pr_url="https://github.example.test/acme/a/pull/3"),
        _rec("acme/b", readiness="blocked", runtime={"language": "node"}, deploy_tools=("pm2", "systemd"),
             blockers=("verification failed at: boot web",), verify="failed",
             reasons=({"code": "verify-failed", "level": "blocked", "text": "verification failed at: boot web"},),
             secrets=(SecretFileCount("config/prod.py", 2, ("password",)),)),
        _rec(EVIL, readiness="needs-input", pr_url="javascript:alert(1)",
             reasons=({"code": "conflict", "level": "needs-input", "text": EVIL},)),
        _rec("acme/d", status="error", errors=(StageError("clone", "git clone failed: fatal: nope"),)),
    ]}


def test_counts_and_order() -> None:
    built = report.build(_sample())
    assert built.runtimes == (("node", 1), ("python", 1), ("unknown", 1))
    assert dict(built.deploy_tools) == {"systemd": 2, "pm2": 1, "none found": 1}
    assert [r.repo for r in built.rows][:2] == ["acme/b", "acme/d"]  # most blockers first, then errors
    assert built.verify_rate == 0.5 and built.errors == 1
    assert built.rotations[0].file == "config/prod.py"
    text = report.markdown(built)
    assert "Verify pass rate: 50% (1 of 2)." in text
    assert "| `acme/b` | `node` | blocked | 1 | 0 | 2 | failed |" in text


def test_markdown_keeps_hostile_names_in_one_cell() -> None:
    text = report.markdown(report.build(_sample()))
    row = next(line for line in text.splitlines() if "onerror" in line)
    assert "\x1b" not in text and "\x07" not in text
    assert row.count(" | ") == 8  # the name's pipe is escaped: still nine cells


class _Collect(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_dashboard_escapes_everything_and_loads_nothing() -> None:
    page = dashboard.render(report.build(_sample()))
    parser = _Collect()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert "img" not in tags  # the hostile name is text, not markup
    assert not any(a.get("src") for _, a in parser.tags)
    links = [a["href"] for t, a in parser.tags if t == "a"]
    assert links == ["https://github.example.test/acme/a/pull/3"]  # javascript: is shown, never linked
    assert "\x1b" not in page and "Content-Security-Policy" in page
    assert page.count("<script>") == 1 and "http" not in page.split("<script>")[1]


def test_fleet_hostile_directory_name_is_escaped(first_run: FirstRun) -> None:
    page = dashboard.render(report.build(first_run.records))
    assert HOSTILE not in page and "&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;" in page
