"""The CLI through click's runner: exit codes, formats, bad input (never a traceback)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from migrator import __version__
from migrator.cli import main

PROCFILE_APP = {
    "Procfile": "web: gunicorn app:app --bind 0.0.0.0:8000\n",
    "requirements.txt": "flask==3.0.3\ngunicorn==22.0.0\n",
    "app.py": "from flask import Flask\napp = Flask(__name__)\n",
}


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_help_and_version():
    result = run("--help")
    assert result.exit_code == 0 and "analyze" in result.output
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_missing_path_is_exit_1_with_one_line(tmp_path):
    result = run("analyze", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "no such directory" in result.output
    assert "Traceback" not in result.output


def test_file_instead_of_directory(tmp_path):
    f = tmp_path / "Procfile"
    f.write_text("web: x\n")
    result = run("analyze", str(f))
    assert result.exit_code == 1 and "not a directory" in result.output


def test_bad_migrate_toml_is_a_user_error(tree):
    root = tree({"migrate.toml": "[processes.web\nport = 1\n"})
    result = run("analyze", str(root))
    assert result.exit_code == 1 and "migrate.toml" in result.output and "not valid TOML" in result.output


def test_unknown_format_is_a_usage_error(tree):
    result = run("analyze", str(tree({})), "--format", "yaml")
    assert result.exit_code == 2 and "Invalid value" in result.output


def test_json_report_and_output_file(tree, tmp_path):
    root = tree(PROCFILE_APP)
    result = run("analyze", str(root), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["schema_version"] == 1
    out = tmp_path / "report.json"
    result = run("analyze", str(root), "--format", "json", "--output", str(out))
    assert result.exit_code == 0 and json.loads(out.read_text()) == doc


def test_text_has_no_colour_when_not_a_tty(tree):
    result = run("analyze", str(tree(PROCFILE_APP)))
    assert result.exit_code == 0 and "\x1b[" not in result.output
    assert "Runtime" in result.output and "Files read" in result.output
    coloured = run("analyze", str(tree(PROCFILE_APP)), "--color")
    assert "\x1b[" in coloured.output


def test_markdown_and_explain(tree):
    root = tree(PROCFILE_APP)
    md = run("analyze", str(root), "--format", "markdown", "--explain")
    assert md.exit_code == 0 and md.output.startswith("## What `migrate` found")
    text = run("analyze", str(root), "--explain")
    assert text.exit_code == 0


def test_unwritable_output_is_a_user_error(tree, tmp_path):
    result = run("analyze", str(tree({})), "--output", str(tmp_path / "no" / "such" / "dir" / "r.json"))
    assert result.exit_code == 1 and "cannot write" in result.output
