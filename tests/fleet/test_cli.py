"""``migrate fleet`` and ``migrate fleet report`` through click (exit codes, files written)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from migrator.cli import main
from tests.fleet.fleetgen import Fleet


def test_fleet_list_is_fleet_run_and_report_writes_both(fleet: Fleet, tmp_path: Path) -> None:
    listed = tmp_path / "list.txt"
    listed.write_text("\n".join(str(fleet.root / r) for r in (*fleet.good[:2], fleet.unreadable)) + "\n")
    records = tmp_path / "out" / "r.jsonl"
    result = CliRunner().invoke(main, ["fleet", str(listed), "--records", str(records), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "3 repositories: 3 recorded (1 with errors)" in result.stdout
    assert "[3/3]" in result.stderr
    assert len([json.loads(line) for line in records.read_text().splitlines()]) == 3
    strict = CliRunner().invoke(main, ["fleet", "run", str(listed), "--records", str(records), "--fail-on-error"])
    assert strict.exit_code == 1 and "1 repositories have errors" in strict.stderr
    html_file, md_file = tmp_path / "d.html", tmp_path / "r.md"
    shown = CliRunner().invoke(main, ["fleet", "report", str(records), "--html", str(html_file)])
    assert shown.exit_code == 0 and shown.stdout.startswith("# Fleet migration report")
    assert html_file.read_text().startswith("<!DOCTYPE html>")
    written = CliRunner().invoke(main, ["fleet", "report", str(records), "--markdown", str(md_file)])
    assert written.exit_code == 0 and md_file.read_text() == shown.stdout


def test_usage_errors_exit_1(tmp_path: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(main, ["fleet", "run"])
    assert both.exit_code == 1 and "LIST_FILE or --github-org" in both.stderr
    missing = runner.invoke(main, ["fleet", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    shard = runner.invoke(main, ["fleet", str(tmp_path / "nope.txt"), "--shard", "4/4"])
    assert shard.exit_code == 1
    no_token = runner.invoke(main, ["fleet", "--github-org", "acme", "--token-env", "MIGRATE_TEST_NO_SUCH_VAR"])
    assert no_token.exit_code == 1 and "needs a token" in no_token.stderr
    report = runner.invoke(main, ["fleet", "report", str(tmp_path / "none.jsonl")])
    assert report.exit_code == 1 and "no such records file" in report.stderr
