"""migrator.commands: the command types and the tokenising helpers the planner and generators share."""

from __future__ import annotations

import ast
from pathlib import Path

from migrator.commands import CommandMeaning, ParsedCommand, join, relativize, relativize_argv, split
from migrator.model import Confidence, ProcessRole, Source

ROOT = Path(__file__).resolve().parent.parent
SRC = Source("deploy/web.service", 7, "systemd", Confidence.DECLARED)


def test_split_is_tolerant_and_join_keeps_variables_expandable():
    assert split("gunicorn 'app:create_app()' -b :$PORT") == ["gunicorn", "app:create_app()", "-b", ":$PORT"]
    assert split('echo "unterminated') == ["echo", '"unterminated']
    assert join(["gunicorn", "-b", "0.0.0.0:${PORT:-8000}", "a b"]) == "gunicorn -b 0.0.0.0:${PORT:-8000} 'a b'"
    assert join(["sh", "-c", "x && y"]) == "sh -c 'x && y'"
    assert join(["echo", "$HOME/a b"]) == 'echo "$HOME/a b"'


def test_relativize_maps_paths_under_the_legacy_dir_only():
    assert relativize("uwsgi --ini /srv/app/deploy/uwsgi.ini", "/srv/app") == "uwsgi --ini deploy/uwsgi.ini"
    assert relativize("x --log=/srv/app/log/x.log /srv/app", "/srv/app/") == "x --log=log/x.log ."
    assert relativize("x /srv/application/y", "/srv/app") == "x /srv/application/y"
    assert relativize("x /srv/app/y", "{{ app_dir }}") == "x /srv/app/y"
    assert relativize("sh -c '/srv/app/run.sh'", "/srv/app") == "sh -c '/srv/app/run.sh'"
    assert relativize_argv(["/srv/app/bin/x"], "/srv/app") == ["bin/x"]


def test_parsed_command_names_its_program_and_keeps_its_context():
    cmd = ParsedCommand("sudo -u app /srv/venv/bin/gunicorn app:app", ("sudo", "-u", "app", "/srv/venv/bin/gunicorn",
                        "app:app"), ("/srv/venv/bin/gunicorn", "app:app"), SRC, cwd="/srv/app", user="app")
    assert cmd.program == "gunicorn"
    inner = cmd.with_core(["gunicorn", "app:app"], runner="uv run")
    assert (inner.core, inner.runner, inner.cwd, inner.user) == (("gunicorn", "app:app"), "uv run", "/srv/app", "app")
    assert ParsedCommand("", (), (), SRC).program == ""


def test_meaning_text_is_the_container_command():
    meaning = CommandMeaning("python", ProcessRole.WEB, "web", "gunicorn",
                             container=("gunicorn", "-b", ":$PORT", "app:app"))
    assert meaning.text == "gunicorn -b :$PORT app:app"


def test_the_planner_imports_no_helper_from_the_analyzers():
    # it used to import analyzers.deploy.hostcfg.relativize and analyzers.commands.split back from the analyzers
    tree = ast.parse((ROOT / "migrator" / "planner.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {m for m in imported if m.startswith("analyzers.") and m not in ("analyzers.base", "analyzers.registry")}
