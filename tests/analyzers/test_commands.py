"""Tests for analyzers/commands.py: classify, parse_bind, step_kind, container_command."""
# ruff: noqa: S104 - "0.0.0.0" here is data under test, nothing binds to it

from __future__ import annotations

import pytest

from analyzers.commands import classify, container_command, core_argv, join, parse_bind, split, step_kind
from analyzers.providers.python.runners import run_wrapper
from migrator.model import ProcessRole

WEB, WORKER, SCHED, REL = ProcessRole.WEB, ProcessRole.WORKER, ProcessRole.SCHEDULER, ProcessRole.RELEASE


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # (role, name, app_server, port, port_declared)
        ("gunicorn proj.wsgi:application --bind 0.0.0.0:8000 --workers 3", (WEB, "web", "gunicorn", 8000, True)),
        ("gunicorn app:app", (WEB, "web", "gunicorn", 8000, False)),
        ("gunicorn -b127.0.0.1:9000 app:app", (WEB, "web", "gunicorn", 9000, True)),
        ("gunicorn --bind unix:/run/gunicorn.sock proj.wsgi", (WEB, "web", "gunicorn", None, False)),
        ("gunicorn --bind=0.0.0.0:$PORT app:app", (WEB, "web", "gunicorn", 8000, False)),
        ("python -m gunicorn proj.wsgi", (WEB, "web", "gunicorn", 8000, False)),
        ("uwsgi --http :8080 --module proj.wsgi", (WEB, "web", "uwsgi", 8080, True)),
        ("uwsgi --ini uwsgi.ini", (WEB, "web", "uwsgi", None, False)),
        ("uvicorn main:app --host 0.0.0.0 --port 8080", (WEB, "web", "uvicorn", 8080, True)),
        ("uvicorn main:app", (WEB, "web", "uvicorn", 8000, False)),
        ("python -m uvicorn main:app --port 9000", (WEB, "web", "uvicorn", 9000, True)),
        ("daphne -b 0.0.0.0 -p 8001 proj.asgi:application", (WEB, "web", "daphne", 8001, True)),
        ("hypercorn main:app --bind 0.0.0.0:8002", (WEB, "web", "hypercorn", 8002, True)),
        ("waitress-serve --listen=127.0.0.1:8090 notes.app:application", (WEB, "web", "waitress", 8090, True)),
        ("waitress-serve app:app", (WEB, "web", "waitress", 8080, False)),
        ("celery -A proj worker -l info", (WORKER, "worker", "celery", None, False)),
        ("celery worker -A proj", (WORKER, "worker", "celery", None, False)),
        ("python -m celery -A proj worker", (WORKER, "worker", "celery", None, False)),
        ("celery -A proj worker -Q emails,sms", (WORKER, "worker-emails-sms", "celery", None, False)),
        ("celery -A proj beat -l info", (SCHED, "beat", "celery", None, False)),
        ("celery --app proj flower", (WEB, "flower", "flower", 5555, False)),
        ("rq worker high default", (WORKER, "worker", "rq", None, False)),
        ("rqworker default", (WORKER, "worker", "rq", None, False)),
        ("dramatiq app.tasks", (WORKER, "worker", "dramatiq", None, False)),
        ("python manage.py runserver 0.0.0.0:8000", (WEB, "web", "runserver", 8000, True)),
        ("python manage.py runserver", (WEB, "web", "runserver", 8000, False)),
        ("python manage.py migrate", (REL, "release", None, None, False)),
        ("python manage.py rqworker default", (WORKER, "worker", None, None, False)),
        ("flask run --host 0.0.0.0 --port 5001", (WEB, "web", "flask", 5001, True)),
        ("flask --app hello run", (WEB, "web", "flask", 5000, False)),
        ("flask db upgrade", (REL, "release", None, None, False)),
        ("alembic upgrade head", (REL, "release", None, None, False)),
        ("python clock.py", (SCHED, "clock", "clock", None, False)),
        ("python server.py", (None, None, None, None, False)),
        ("echo hello", (None, None, None, None, False)),
        ("", (None, None, None, None, False)),
    ],
)
def test_classify(command, expected):
    info = classify(command)
    assert (info.role, info.name, info.server, info.port, info.port_declared) == expected


@pytest.mark.parametrize(
    "command",
    [
        "sudo -u app /srv/app/venv/bin/gunicorn proj.wsgi",
        "sudo -H -u app gunicorn proj.wsgi",
        "env DJANGO_SETTINGS_MODULE=proj.settings gunicorn proj.wsgi",
        "DEBUG=0 exec gunicorn proj.wsgi",
        "nohup gunicorn proj.wsgi",
        "pipenv run gunicorn proj.wsgi",
        "poetry run gunicorn proj.wsgi",
        "newrelic-admin run-program gunicorn proj.wsgi",
        "/home/deploy/.virtualenvs/shop/bin/gunicorn proj.wsgi",
    ],
)
def test_wrappers_and_venv_paths_are_seen_through(command):
    info = classify(command)
    assert (info.server, info.entrypoint) == ("gunicorn", "proj.wsgi")
    assert container_command(command) == "gunicorn proj.wsgi"


def test_classify_details():
    g = classify("gunicorn proj.wsgi:application -b 0.0.0.0:8000 -w 3 --threads 2 -t 120 -c conf/gunicorn.py")
    assert (g.host, g.workers, g.threads, g.timeout, g.config_file) == ("0.0.0.0", 3, 2, 120, "conf/gunicorn.py")
    assert g.entrypoint == "proj.wsgi:application"
    u = classify("uwsgi --socket 127.0.0.1:3031 --wsgi-file app.py --processes 4 --harakiri 30")
    assert (u.port, u.host, u.workers, u.timeout, u.entrypoint) == (3031, "127.0.0.1", 4, 30, "app.py")
    d = classify("daphne -b 0.0.0.0 -p 8001 proj.asgi:application")
    assert d.host == "0.0.0.0"  # a bare host is not "0.0.0." plus port 0
    assert classify("python manage.py runserver").dev_server is True
    assert classify("flask run").dev_server is True
    assert classify("gunicorn app:app").dev_server is False
    assert classify("celery -A proj worker -c 4").workers == 4
    assert classify("/usr/bin/python3.11 -u manage.py runserver 0.0.0.0:8001").port == 8001


@pytest.mark.parametrize(
    ("bind", "expected"),
    [
        ("0.0.0.0:8000", ("0.0.0.0", 8000, None)),
        (":8000", (None, 8000, None)),
        ("8000", (None, 8000, None)),
        ("[::]:8000", ("::", 8000, None)),
        ("'127.0.0.1:9000'", ("127.0.0.1", 9000, None)),
        ("0.0.0.0", ("0.0.0.0", None, None)),
        ("localhost", ("localhost", None, None)),
        ("0.0.0.0:$PORT", ("0.0.0.0", None, None)),
        ("0.0.0.0:${PORT:-5000}", ("0.0.0.0", None, None)),
        ("unix:/run/app.sock", (None, None, "/run/app.sock")),
        ("/run/app.sock", (None, None, "/run/app.sock")),
    ],
)
def test_parse_bind(bind, expected):
    assert parse_bind(bind) == expected


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("python manage.py migrate --noinput", "release"),
        ("DJANGO_SETTINGS_MODULE=p.settings python manage.py migrate", "release"),
        ("django-admin migrate", "release"),
        ("alembic -c alembic.ini upgrade head", "release"),
        ("flask db upgrade", "release"),
        ("/srv/venv/bin/python manage.py collectstatic --noinput", "build"),
        ("python manage.py compilemessages", "build"),
        ("npm run build", "build"),
        ("git pull origin master", "host"),
        ("git -C /srv/app pull", "host"),
        ("sudo systemctl restart gunicorn", "host"),
        ("supervisorctl restart all", "host"),
        ("/srv/venv/bin/pip install -r requirements.txt", "host"),
        ("python3 -m venv /srv/venv", "host"),
        ("rsync -az . web1:/srv/app", "host"),
        ("sudo chown -R app:app /srv/app", "host"),
        ("apt-get install -y libpq-dev", "host"),
        ("crontab crontab.txt", "host"),
        ("pkill -f gunicorn", "host"),
        ("echo hello", None),
        ("python manage.py check", None),
        ("gunicorn app:app", None),
    ],
)
def test_step_kind(command, kind):
    found = step_kind(command)
    assert (found[0] if found else None) == kind
    if found:
        assert found[1]  # every step says why


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("sudo -u app /srv/app/venv/bin/python manage.py migrate", "python manage.py migrate"),
        ("python3.11 manage.py migrate", "python manage.py migrate"),
        ("/srv/app/env/bin/python -m celery -A x worker", "python -m celery -A x worker"),
        ("exec /srv/app/.venv/bin/celery -A x beat", "celery -A x beat"),
        ("/usr/local/bin/gunicorn app:app", "gunicorn app:app"),
        ("/opt/app/bin/run.sh", "/opt/app/bin/run.sh"),  # the app's own script keeps its path
        ("gunicorn 'app:create_app()'", "gunicorn 'app:create_app()'"),
        ("gunicorn app:app --bind 0.0.0.0:$PORT", "gunicorn app:app --bind 0.0.0.0:$PORT"),
        ("gunicorn app:app -b :${PORT:-8000}", "gunicorn app:app -b :${PORT:-8000}"),
        ("nohup gunicorn app:app &", "gunicorn app:app"),
        ("cd /srv/app && gunicorn x", "cd /srv/app && gunicorn x"),
        ("bash -c 'echo $HOME'", 'bash -c "echo $HOME"'),
    ],
)
def test_container_command(command, expected):
    assert container_command(command) == expected


def test_split_is_tolerant_and_core_argv_strips_wrappers():
    assert split("echo 'unbalanced") == ["echo", "'unbalanced"]
    assert core_argv(["sudo", "-u", "app", "env", "A=1", "nohup", "gunicorn", "x"]) == ["gunicorn", "x"]
    assert core_argv([]) == []
    assert join(["echo", "a b", "$X", "x$Y z"]) == "echo 'a b' $X \"x$Y z\""


# Project runners: one case per option form, before and after ``run``, ``--opt value`` and ``--opt=value``.
@pytest.mark.parametrize(
    ("command", "inner", "note"),
    [
        ("uv run pybabel compile -d i18n", "pybabel compile -d i18n", None),
        ("uv run --extra dev pybabel compile -d i18n", "pybabel compile -d i18n",
         "uv run --extra dev: needs extra dev"),
        ("uv run --extra=dev pybabel compile", "pybabel compile", "uv run --extra=dev: needs extra dev"),
        ("uv run --with gunicorn gunicorn app:app", "gunicorn app:app", "uv run --with gunicorn: needs with gunicorn"),
        ("uv run --with=sentry-sdk gunicorn app:app", "gunicorn app:app",
         "uv run --with=sentry-sdk: needs with sentry-sdk"),
        ("uv run --frozen gunicorn app:app", "gunicorn app:app", None),
        ("uv run --no-sync --frozen --locked gunicorn app:app", "gunicorn app:app", None),
        ("uv run --project api gunicorn app:app", "gunicorn app:app", "uv run --project api: needs project api"),
        ("uv run --project=api gunicorn app:app", "gunicorn app:app", "uv run --project=api: needs project api"),
        ("uv --directory api run gunicorn app:app", "gunicorn app:app", "uv --directory api run: needs project api"),
        ("uv run --python 3.12 --group prod flask db upgrade", "flask db upgrade",
         "uv run --python 3.12 --group prod: needs group prod"),
        ("uv run -m celery -A proj worker", "python -m celery -A proj worker", None),
        ("uv run --module=celery -A proj worker", "python -m celery -A proj worker", None),
        ("uv run --extra dev -m pybabel compile", "python -m pybabel compile", "uv run --extra dev: needs extra dev"),
        ("uv run -- manage.py migrate", "manage.py migrate", None),
        ("poetry run gunicorn app:app", "gunicorn app:app", None),
        ("poetry run -C api python manage.py migrate", "python manage.py migrate",
         "poetry run -C api: needs project api"),
        ("poetry -C api run python manage.py migrate", "python manage.py migrate",
         "poetry -C api run: needs project api"),
        ("poetry --directory=api run python manage.py migrate", "python manage.py migrate",
         "poetry --directory=api run: needs project api"),
        ("poetry run --no-interaction -vv celery -A x worker", "celery -A x worker", None),
        ("pipenv run celery -A proj worker", "celery -A proj worker", None),
        ("pipenv --python 3.9 run celery -A proj worker", "celery -A proj worker", None),
        ("pdm run flask run", "flask run", None),
        ("pdm run -p . flask run", "flask run", None),
        ("pdm run --venv prod gunicorn app:app", "gunicorn app:app", "pdm run --venv prod: needs venv prod"),
        ("hatch run gunicorn app:app", "gunicorn app:app", None),
        ("hatch run prod:gunicorn app:app", "gunicorn app:app", "hatch run: needs env prod"),
        ("hatch -e prod run gunicorn app:app", "gunicorn app:app", "hatch -e prod run: needs env prod"),
        ("hatch --env=prod run +py=3.11 gunicorn app:app", "gunicorn app:app",
         "hatch --env=prod run +py=3.11: needs env prod"),
        ("rye run gunicorn app:app", "gunicorn app:app", None),
        ("rye run --pyproject svc/pyproject.toml gunicorn app:app", "gunicorn app:app",
         "rye run --pyproject svc/pyproject.toml: needs pyproject svc/pyproject.toml"),
        ("sudo -u app /usr/local/bin/uv run --extra dev pybabel compile", "pybabel compile", None),
    ],
)
def test_project_runners_are_stripped_with_their_options(command, inner, note):
    argv = split(command)
    assert " ".join(core_argv(argv)) == inner
    assert container_command(command) == inner
    runner = run_wrapper(argv)
    if argv[0] == "sudo":
        assert runner is None  # the program is found first (core_argv strips sudo, then the runner)
    else:
        assert runner is not None and runner.note() == note


@pytest.mark.parametrize(
    "command",
    ["uv run", "uv run --extra dev", "uv pip install -r requirements.txt", "poetry install", "hatch run prod:",
     "pdm sync", "uvx gunicorn app:app"],
)
def test_runner_commands_that_run_nothing_are_left_alone(command):
    assert run_wrapper(split(command)) is None


def test_runner_build_step_is_the_inner_command():
    # the command the issue saw cut to "--extra dev pybabel ...": a build step running pybabel
    assert step_kind("uv run --extra dev pybabel compile -d app/translations") == (
        "build", "produces files the image must contain")
    assert container_command("uv run --extra dev pybabel compile -d app/translations") == (
        "pybabel compile -d app/translations")
    info = classify("uv run --frozen --with uvicorn uvicorn main:app --port 8001")
    assert (info.server, info.port, info.entrypoint) == ("uvicorn", 8001, "main:app")
