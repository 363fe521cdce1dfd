"""generators/image/argv.py and the Python provider's container_argv: legacy commands become container argv
listening on 0.0.0.0, read from what the command means (as the planner gives it to the generators)."""

from __future__ import annotations

import pytest

from analyzers import registry
from analyzers.providers.common import ALL
from generators.image import argv as image_argv


def container_argv(command: str, port: int | None) -> tuple[tuple[str, ...], str | None]:
    return image_argv.container_argv(registry.understand(command), port)


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("gunicorn app:app -b 127.0.0.1:8081 -w 3", ("gunicorn", "--bind", "0.0.0.0:8000", "app:app", "-w", "3")),
        ("/srv/app/venv/bin/gunicorn proj.wsgi --bind=unix:/run/g.sock",
         ("gunicorn", "--bind", "0.0.0.0:8000", "proj.wsgi")),
        ("gunicorn app:app --bind 0.0.0.0:$PORT", ("gunicorn", "--bind", "0.0.0.0:8000", "app:app")),
        ("uvicorn main:app --port 9000 --host 127.0.0.1",
         ("uvicorn", "--host", ALL, "--port", "8000", "main:app")),
        ("daphne -b 127.0.0.1 -p 8001 proj.asgi:application",
         ("daphne", "-b", ALL, "-p", "8000", "proj.asgi:application")),
        ("python manage.py runserver 127.0.0.1:8000", ("python", "manage.py", "runserver", "0.0.0.0:8000")),
        ("waitress-serve --port=8080 app:app", ("waitress-serve", "--listen=0.0.0.0:8000", "app:app")),
        ("flask run --host 127.0.0.1 -p 5000", ("flask", "run", "--host", ALL, "--port", "8000")),
        ("uwsgi --ini deploy/uwsgi.ini --socket 127.0.0.1:3031",
         ("uwsgi", "--http-socket", "0.0.0.0:8000", "--reuse-port", "--ini", "deploy/uwsgi.ini")),
    ],
)
def test_app_servers_listen_on_all_interfaces_at_the_port(command: str, argv: tuple[str, ...]) -> None:
    got, note = container_argv(command, 8000)
    assert got == argv
    assert note is not None and note.startswith("listens on 0.0.0.0:8000 in the container")


def test_a_command_already_right_gets_no_note() -> None:
    assert container_argv("gunicorn --bind 0.0.0.0:8000 app:app", 8000) == (
        ("gunicorn", "--bind", "0.0.0.0:8000", "app:app"), None)


def test_non_servers_are_left_alone_and_port_none_changes_nothing() -> None:
    assert container_argv("python -m billing.sync", 8000) == (("python", "-m", "billing.sync"), None)
    assert container_argv("gunicorn app:app -b 127.0.0.1:9", None)[0] == ("gunicorn", "app:app", "-b", "127.0.0.1:9")


def test_variables_need_a_shell() -> None:
    argv, _ = container_argv("celery -A proj worker --loglevel=$LOG_LEVEL -Q ${QUEUES}", None)
    assert argv == ("sh", "-c", "exec celery -A proj worker --loglevel=$LOG_LEVEL -Q ${QUEUES}")
    assert container_argv('sh -c "echo $HOME"', None)[0] == ("sh", "-c", "echo $HOME")


@pytest.mark.parametrize("command", ["celery -A proj beat", "celery -A proj worker -B -l info"])
def test_celery_beat_keeps_its_schedule_in_tmp(command: str) -> None:
    argv, note = container_argv(command, None)
    assert argv[-2:] == ("--schedule", "/tmp/celerybeat-schedule")
    assert note == "beat's schedule file moved to /tmp (the root filesystem is read-only)"


@pytest.mark.parametrize("option", [["-s", "/var/x"], ["--schedule=/var/x"], ["-s/var/x"], ["--schedule", "/var/x"]])
def test_an_explicit_beat_schedule_is_respected(option: list[str]) -> None:
    argv, note = container_argv(" ".join(["celery", "-A", "proj", "beat", *option]), None)
    assert argv == ("celery", "-A", "proj", "beat", *option) and note is None


def test_log_and_pid_files_leave_the_read_only_filesystem() -> None:
    argv, note = container_argv("gunicorn app:app --access-logfile /var/log/app/access.log "
                                "--error-logfile=/var/log/app/err.log --pid /run/app.pid", None)
    assert argv == ("gunicorn", "app:app", "--access-logfile", "-", "--error-logfile", "-")
    assert note == ("no log or pid files on the read-only filesystem, logs go to stdout/stderr (legacy: "
                    "--access-logfile /var/log/app/access.log, --error-logfile /var/log/app/err.log, "
                    "--pid /run/app.pid)")
    argv, _ = container_argv("celery -A p worker --logfile=/var/log/celery.log --pidfile /run/celery.pid -l info", None)
    assert argv == ("celery", "-A", "p", "worker", "-l", "info")
    # already fine in a container: kept
    assert container_argv("celery -A p worker -f /tmp/x.log", None) == (("celery", "-A", "p", "worker", "-f",
                                                                          "/tmp/x.log"), None)
    assert container_argv("gunicorn app:app --access-logfile -", None) == (
        ("gunicorn", "app:app", "--access-logfile", "-"), None)
