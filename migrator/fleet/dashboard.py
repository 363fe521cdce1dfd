"""The fleet report as one self-contained HTML file: no network, no external script, style or font.

Every value is escaped with :func:`html.escape` (repository names, file names and messages are hostile
input), links are kept only for ``http(s)`` URLs, and a Content-Security-Policy forbids loading
anything. The only script sorts the readiness table when a header is clicked; each cell carries its
sort key in ``data-sort``, so sorting never parses what a cell shows.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Iterable

from migrator.fleet.report import FleetReport, Row, verify_rate
from migrator.secrets import scrub
from migrator.textsafe import inline

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;background:#f6f8fa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;
padding:10px 14px;min-width:120px}.card b{display:block;font-size:22px}
table{border-collapse:collapse;background:#fff;border:1px solid #d0d7de;margin:4px 0}
th,td{padding:5px 9px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top;max-width:520px;
overflow-wrap:anywhere}th{background:#eef1f4;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
.v-ready{color:#1a7f37}.v-unverified{color:#6e7781}.v-needs-input{color:#9a6700}.v-blocked,.v-error{color:#cf222e}
.bar{display:inline-block;height:10px;background:#54aeff;border-radius:2px;vertical-align:middle}
code{font-size:12px}
"""
SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var numeric = th.dataset.type === 'number';
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
        var d = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return asc ? d : -d;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def _e(value: object) -> str:
    return html.escape(inline(scrub(str(value))), quote=True)


def _link(url: str) -> str:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        return _e(url) if url else "-"
    return f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(url)}</a>'


def _counts(title: str, items: Iterable[tuple[str, int]]) -> str:
    items = list(items)
    top = max((n for _, n in items), default=1)
    rows = "".join(f'<tr><td data-sort="{_e(k)}">{_e(k)}</td><td data-sort="{n}">{n} '
                   f'<span class="bar" style="width:{round(120 * n / top)}px"></span></td></tr>' for k, n in items)
    return (f'<table class="sortable"><thead><tr><th>{_e(title)}</th><th data-type="number">repositories</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>")


def _row(r: Row) -> str:
    cells = [(r.repo, f"<code>{_e(r.repo)}</code>"), (r.runtime, _e(r.runtime)),
             (", ".join(r.deploy_tools), _e(", ".join(r.deploy_tools) or "-")),
             (str(r.rank), f'<span class="v-{_e(r.verdict)}">{_e(r.verdict)}</span>'),
             (str(r.blockers), str(r.blockers)), (str(r.inputs), str(r.inputs)), (str(r.secrets), str(r.secrets)),
             (r.verify, _e(r.verify)), (r.pr_url, _link(r.pr_url)),
             ("; ".join(r.problems), "<br>".join(_e(p) for p in r.problems) or "-")]
    return "<tr>" + "".join(f'<td data-sort="{_e(key)}">{shown}</td>' for key, shown in cells) + "</tr>"


def render(report: FleetReport) -> str:
    """The dashboard page (one string; write it anywhere and open it offline)."""
    verdicts = dict(report.verdicts)
    cards = [("repositories", len(report.rows)), *((v, verdicts.get(v, 0)) for v in
             ("ready", "unverified", "needs-input", "blocked", "error")),
             ("verify pass rate", verify_rate(report)), ("secrets to rotate", sum(r.count for r in report.rotations))]
    head = ["repository", "runtime", "deploy tools", "readiness", "blockers", "inputs", "secrets", "verify",
            "pull request", "why"]
    numeric = {"readiness", "blockers", "inputs", "secrets"}
    number = ' data-type="number"'
    ths = "".join(f"<th{number if h in numeric else ''}>{h}</th>" for h in head)
    rotation_rows = "".join(
        f'<tr><td data-sort="{_e(r.repo)}"><code>{_e(r.repo)}</code></td><td data-sort="{_e(r.file)}">'
        f'<code>{_e(r.file)}</code></td><td data-sort="{r.count}">{r.count}</td>'
        f'<td data-sort="{_e(", ".join(r.kinds))}">{_e(", ".join(r.kinds))}</td></tr>' for r in report.rotations)
    rotations = (f'<table class="sortable" id="rotations"><thead><tr><th>repository</th><th>file</th>'
                 f'<th data-type="number">secrets</th><th>kinds</th></tr></thead><tbody>{rotation_rows}</tbody></table>'
                 if report.rotations else "<p>None found.</p>")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Fleet migration report</title><style>{STYLE}</style></head><body>",
        "<h1>Fleet migration report</h1><p>What <code>migrate fleet</code> found in each repository. Click a column "
        "header to sort.</p>",
        '<div class="cards">' + "".join(f'<div class="card"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in cards) + "</div>",
        "<h2>Readiness</h2>",
        f'<table class="sortable" id="readiness"><thead><tr>{ths}</tr></thead><tbody>'
        + "".join(_row(r) for r in report.rows) + "</tbody></table>",
        '<h2>Runtimes</h2>', _counts("runtime", report.runtimes),
        '<h2>Deploy tools</h2>', _counts("deploy tool", report.deploy_tools),
        "<h2>Hard-coded secrets to rotate</h2><p>Locations only: no secret value is ever recorded.</p>", rotations,
        f"<script>{SCRIPT}</script>", "</body></html>", ""])
