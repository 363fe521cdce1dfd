"""The CLI through click's runner: exit codes, formats, bad input (never a traceback)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator import __version__
from migrator.cli import main
from tests.safety import assert_one_line_error, cli, make_canary

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


# -- exit codes for bad roots, for every command ----------------------------------------------------

COMMANDS = ("analyze", "generate", "verify", "pr")


def test_a_missing_path_is_exit_1_for_every_command(tmp_path):
    for command in COMMANDS:
        result = run(command, str(tmp_path / "nope"))
        assert result.exit_code == 1, (command, result.output)
        assert "no such directory" in result.output and "Traceback" not in result.output


def test_a_file_as_root_or_output_dir_is_exit_1_not_a_usage_error(tree, tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x\n")
    for command in COMMANDS:
        result = run(command, str(f))
        assert result.exit_code == 1 and "not a directory" in result.output, (command, result.output)
    result = run("generate", str(tree(PROCFILE_APP)), "--output", str(f))
    assert result.exit_code == 1 and "is not a directory" in result.output
    assert f.read_text() == "x\n"


def test_an_unreadable_root_is_exit_1_for_every_command(tree, monkeypatch):
    # tests run as root, for whom os.access grants a chmod 000 directory: the refusal is injected there
    root = tree(PROCFILE_APP)
    monkeypatch.setattr("os.access", lambda path, mode: False)
    for command in COMMANDS:
        result = run(command, str(root))
        assert result.exit_code == 1, (command, result.output)
        assert "cannot read this directory (permission denied)" in result.output


def test_a_root_even_root_cannot_list_is_exit_1_for_every_command():
    target = "/proc/1/map_files"  # os.access says yes; listing needs CAP_SYS_ADMIN
    try:
        os.listdir(target)
    except PermissionError:
        pass
    else:
        pytest.skip(f"{target} is listable here")
    for command in COMMANDS:
        assert_one_line_error(cli(command, target), 1, "cannot read this directory (permission denied)")


# -- hostile repositories through the real command line, under a timeout ------------------------------


def procfile_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "Procfile").write_text("web: gunicorn app:app\n")
    return root


@pytest.mark.parametrize("mode", [[], ["--force"], ["--dry-run"], ["--diff"]])
def test_the_issue_reproduction_writes_nothing_outside(tmp_path, mode):
    root = procfile_repo(tmp_path)
    canary = make_canary(tmp_path)
    os.symlink(canary.absent, root / "Dockerfile")
    os.symlink(canary.outdir, root / "deploy")
    before = sorted(os.listdir(root))
    proc = cli("generate", str(root), *mode)
    assert_one_line_error(proc, 1, f"{root}/deploy is a symlink (to {canary.outdir})")
    assert proc.stdout == ""
    canary.assert_unchanged()
    assert sorted(os.listdir(root)) == before
    # the repo's own Dockerfile is evidence, never an output: its link is neither followed nor written
    os.unlink(root / "deploy")
    proc = cli("generate", str(root), *mode)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert os.readlink(root / "Dockerfile") == str(canary.absent)
    canary.assert_unchanged()


@pytest.mark.parametrize("name", ["deploy/image/Dockerfile", ".dockerignore", "migrate.toml", "MIGRATION.md"])
def test_a_fifo_under_a_generated_name_is_refused_never_waited_on(tmp_path, name):
    root = procfile_repo(tmp_path)
    canary = make_canary(tmp_path)
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / name)
    for mode in (["--dry-run"], ["--diff"], []):
        assert_one_line_error(cli("generate", str(root), *mode, timeout=90), 1,
                              f"{root}/{name} is a FIFO (named pipe), not a regular file")
    assert sorted(os.listdir(root)) == sorted(["Procfile", name.split("/")[0]])
    canary.assert_unchanged()


def test_a_fifo_named_like_the_repos_own_dockerfile_is_never_opened(tmp_path):
    root = procfile_repo(tmp_path)
    canary = make_canary(tmp_path)
    os.mkfifo(root / "Dockerfile")
    proc = cli("generate", str(root), "--dry-run", timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert "deploy/image/Dockerfile" in proc.stdout
    canary.assert_unchanged()


def test_a_hand_written_migration_md_that_is_not_utf8_gets_a_new_sibling(tmp_path):
    root = procfile_repo(tmp_path)
    canary = make_canary(tmp_path)
    latin1 = "# Notes de migration\n\nÉquipe café\n".encode("latin-1")
    (root / "MIGRATION.md").write_bytes(latin1)
    proc = cli("generate", str(root))
    assert proc.returncode == 0, proc.stderr
    assert "conflict  MIGRATION.md (not generated by migrate (not UTF-8)" in proc.stdout
    assert (root / "MIGRATION.md").read_bytes() == latin1
    assert (root / "MIGRATION.md.new").read_text().startswith("#")
    canary.assert_unchanged()


def test_analyze_output_refuses_a_fifo_or_a_symlink(tmp_path):
    root = procfile_repo(tmp_path)
    canary = make_canary(tmp_path)
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    assert_one_line_error(cli("analyze", str(root), "--output", str(fifo)), 1, "report.txt is a FIFO")
    link = tmp_path / "report.json"
    os.symlink(canary.target, link)
    assert_one_line_error(cli("analyze", str(root), "--format", "json", "--output", str(link)), 1,
                          f"{link} is a symlink (to {canary.target})")
    directory = tmp_path / "reports"
    directory.mkdir()
    assert_one_line_error(cli("analyze", str(root), "--output", str(directory)), 1, "is a directory")
    canary.assert_unchanged()
