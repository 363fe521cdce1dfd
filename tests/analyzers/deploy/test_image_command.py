"""What a container starts (analyzers/deploy/image_command.py): ENTRYPOINT + CMD, wait wrappers, shell chains."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzers.commands import split
from analyzers.deploy.image_command import StartCommand, chain, entrypoint_script, in_image, start_command
from migrator.repo import RepoView


def no_script(token: str) -> tuple[str, bool] | None:
    return None


@pytest.mark.parametrize(("entry", "command", "expected"), [
    ([], ["gunicorn", "app:app"], StartCommand("gunicorn app:app")),
    (["tini", "--"], ["gunicorn", "app:app"], StartCommand("tini -- gunicorn app:app")),
    (["/wait-for-it.sh", "db:5432", "-t", "30", "--"], ["celery", "-A", "p", "worker"],
     StartCommand("celery -A p worker")),
    (["dockerize", "-wait", "tcp://db:5432", "-timeout", "60s"], ["gunicorn", "app:app"],
     StartCommand("gunicorn app:app")),
    ([], ["/bin/sh", "-c", "cd /app && python manage.py migrate && exec gunicorn app:app"],
     StartCommand("gunicorn app:app", ("python manage.py migrate",))),
    ([], ["bash", "-lc", "./wait-for db:5432 -- sh -c 'python manage.py migrate; uwsgi --ini uwsgi.ini'"],
     StartCommand("uwsgi --ini uwsgi.ini", ("python manage.py migrate",))),
    ([], ["sh", "-c", "echo 'a && b' && exec python bot.py"], StartCommand("python bot.py", ("echo 'a && b'",))),
    ([], [], None),
])
def test_start_command(entry: list[str], command: list[str], expected: StartCommand | None) -> None:
    assert start_command(entry, command, no_script) == expected


def test_entrypoint_script_with_exec_args_hands_over_to_the_command(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker/entrypoint.sh").write_text("#!/bin/sh\nset -e\npython manage.py migrate\nexec \"$@\"\n")
    (tmp_path / "run-bot").write_text("#!/bin/bash\npython bot.py --poll\n")
    (tmp_path / "manage.py").write_text("print()\n")
    repo = RepoView(tmp_path)

    def script(token: str) -> tuple[str, bool] | None:
        rel = entrypoint_script(token, "/srv/app", repo)
        return (rel, "$@" in (repo.read_text(rel) or "")) if rel else None

    assert entrypoint_script("/usr/local/bin/entrypoint.sh", "/srv/app", repo) == "docker/entrypoint.sh"
    assert entrypoint_script("/srv/app/run-bot", "/srv/app", repo) == "run-bot"
    assert entrypoint_script("python", "/srv/app", repo) is None
    assert entrypoint_script("manage.py", "/srv/app", repo) is None
    started = start_command(["/srv/app/docker/entrypoint.sh"], ["gunicorn", "app:app"], script)
    assert started == StartCommand("gunicorn app:app", (), "docker/entrypoint.sh")
    started = start_command(["./run-bot"], [], script)  # no "$@": the script itself is the process
    assert started == StartCommand("./run-bot", (), "run-bot")


def test_helpers() -> None:
    assert chain("a && b ; c 'd && e'") == ["a", "b", "c 'd && e'"]
    assert in_image("/code/media", "/code") == "media"
    assert in_image("/code", "/code/") == "."
    assert in_image("/var/data", "/code") == "/var/data"
    assert split("x") == ["x"]


