"""supervisord configs -> processes, env, secrets (analyzers/deploy/supervisor.py)."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import supervisor
from migrator.model import Kind

REPORTS = """\
[group:reports]
programs=reports-web,reports-worker

[program:reports-web]
command=%(here)s/../venv/bin/gunicorn reports.web:app --bind 0.0.0.0:%(ENV_PORT)s  ; inline comment
directory=/srv/reports
user=reports
autorestart=unexpected
stopsignal=sigquit
stopwaitsecs=20
priority=10
environment=REDIS_URL="redis://cache.internal:6379/0",
    REPORT_RETENTION_DAYS='30',
    API_TOKEN="%(ENV_API_TOKEN)s"

[program:reports-worker]
command=/srv/reports/venv/bin/celery -A reports.tasks worker
    --concurrency 2
process_name=%(program_name)s_%(process_num)02d
numprocs=3
"""


def test_programs_group_and_lines(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, {"deploy/supervisor/reports.conf": REPORTS})
    assert result.keys(Kind.PROCESS) == ["web", "worker"]
    web = {k: (f.fields[k], f.source.line) for f in result.of(Kind.PROCESS, "web") for k in f.fields}
    assert web["command"] == ("gunicorn reports.web:app --bind 0.0.0.0:${PORT}", 5)
    assert web["legacy_name"] == ("reports-web", 5)
    assert web["role"] == ("web", 5)
    assert web["working_dir"] == ("/srv/reports", 6)
    assert web["user"] == ("reports", 7)
    assert web["restart"] == ("on-failure", 8)
    assert web["stop_signal"] == ("QUIT", 9)
    assert web["stop_timeout"] == (20, 10)
    assert web["priority"] == (10, 11)
    assert web["group"] == ("reports", 2)
    worker = {k: (f.fields[k], f.source.line) for f in result.of(Kind.PROCESS, "worker") for k in f.fields}
    assert worker["command"] == ("celery -A reports.tasks worker --concurrency 2", 17)
    assert worker["replicas"] == (3, 20)
    assert worker["workers"] == (2, 17)
    assert worker["process_name"] == ("%(program_name)s_%(process_num)02d", 19)
    assert worker["group"] == ("reports", 2)
    env = {f.key: (f.fields.get("default"), f.source.line) for f in result.of(Kind.ENV)}
    assert env == {"REDIS_URL": ("redis://cache.internal:6379/0", 12), "REPORT_RETENTION_DAYS": ("30", 13),
                   "API_TOKEN": (None, 14)}
    assert result.field(Kind.ENV, "API_TOKEN", "secret") is True
    assert result.secrets == []
    assert result.warnings == []


def test_include_resolves_inside_the_repo(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, {
        "deploy/supervisord.conf": """\
            [supervisord]
            logfile=/var/log/supervisor/supervisord.log

            [include]
            files = /etc/supervisor/conf.d/*.programs %(here)s/extra.txt missing/*.conf
            """,
        "deploy/conf.d/app.programs": "[program:clock]\ncommand=python clock.py\n",
        "deploy/extra.txt": "[program:rq]\ncommand=rqworker high default\n",
    })
    assert result.keys(Kind.PROCESS) == ["clock", "worker"]
    clock = next(f for f in result.of(Kind.PROCESS, "clock") if "command" in f.fields)
    assert (clock.source.file, clock.source.line) == ("deploy/conf.d/app.programs", 2)
    assert result.field(Kind.PROCESS, "worker", "legacy_name") == "rq"
    assert [(w.file, w.line, "missing/*.conf" in w.message) for w in result.warnings] == [
        ("deploy/supervisord.conf", 5, True)]


def test_secrets_in_environment_never_leak(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, {
        "supervisor/app.ini": """\
            [program:app]
            command=/srv/app/venv/bin/uwsgi --http :9090 --module app:app
            environment=DATABASE_URL="postgres://app:Sup3r-Secret-Sv-Pw@db/app",SECRET_KEY="Sup3r-Secret-Sv-Key",DEBUG="0"
            """,
    })
    assert result.keys(Kind.ENV) == ["DATABASE_URL", "DEBUG", "SECRET_KEY"]
    assert sorted((s.name, s.line, s.kind) for s in result.secrets) == [
        ("DATABASE_URL", 3, "credential_url"), ("SECRET_KEY", 3, "secret_key")]
    assert result.field(Kind.ENV, "DEBUG", "default") == "0"
    assert "Sup3r-Secret" not in repr(result.items)
    assert result.field(Kind.PROCESS, "web", "port") == 9090


def test_release_program_and_unknown_command(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, {
        "conf.d/jobs.conf": """\
            [program:migrate]
            command=/srv/app/venv/bin/python manage.py migrate --noinput
            autorestart=false
            startsecs=0

            [program:Mail Relay]
            command=/usr/local/bin/relayd --foreground
            numprocs=two
            """,
    })
    step = result.one(Kind.RELEASE_STEP)
    assert (step.key, step.source.line) == ("python manage.py migrate --noinput", 2)
    assert result.keys(Kind.PROCESS) == ["mail-relay"]
    role = [f for f in result.of(Kind.PROCESS, "mail-relay") if "role" in f.fields][0]
    assert (role.fields["role"], role.source.confidence.label) == ("worker", "heuristic")
    assert [(w.line, "numprocs" in w.message) for w in result.warnings] == [(8, True)]


def test_broken_files_warn_and_go_on(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, {
        "supervisord.conf": """\
            orphan=1
            [program:web
            [program:web]
            command=gunicorn app:app
            command=gunicorn app:app --bind :8001
            just words
            [program:nocmd]
            user=app
            [group:g]
            programs=web,ghost
            """,
        "nginx.conf": "server { listen 80; }\n",
        "tox.ini": "[tox]\nenvlist = py311\n",
    })
    assert result.field(Kind.PROCESS, "web", "port") == 8001
    assert [w.line for w in result.warnings] == [1, 2, 5, 6, 7, 10]
    assert all(w.file == "supervisord.conf" for w in result.warnings)


def test_no_supervisor_config_means_nothing(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, {"uwsgi.ini": "[uwsgi]\nhttp = :8000\n", "setup.cfg": "[metadata]\n"})
    assert result.items == []


def test_paths_under_the_working_directory_become_relative(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, {
        "deploy/supervisor/reports.conf": """\
            [program:reports-web]
            command=/srv/reports/venv/bin/uwsgi --ini /srv/reports/deploy/uwsgi.ini --logto=/srv/reports/log/u.log
            directory=/srv/reports/
            """,
    })
    assert result.field(Kind.PROCESS, "web", "command") == "uwsgi --ini deploy/uwsgi.ini --logto=log/u.log"


def test_secrets_on_command_lines(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, {
        "supervisord.conf": "[program:sync]\ncommand=sync-daemon --api-key Sup3r-Secret-Sv-Api\n",
    })
    assert [(s.name, s.line, s.kind) for s in result.secrets] == [("sync-daemon --api-key", 2, "api_key")]
    assert "Sup3r-Secret" not in repr(result.items)


def test_numbers_int_refuses_are_warnings_not_crashes(run_analyzer: Any) -> None:
    # found by tests/properties: numprocs of 5,000 digits (int() refuses over 4,300) or '²' (isdigit()
    # but not int()) crashed the analyzer, which dropped every supervisor config of the repo
    result = run_analyzer(supervisor, {
        "deploy/supervisord.conf": f"[program:web]\ncommand=gunicorn app:app\nnumprocs={'9' * 5000}\n"
                                   "stopwaitsecs=\u00b2\n[program:worker]\ncommand=celery -A app worker\n"
                                   "process_name=%(program_name)s_%(process_num)02d\nnumprocs=2\n",
    })
    assert result.field(Kind.PROCESS, "web", "command") == "gunicorn app:app"
    assert "replicas" not in {k for f in result.of(Kind.PROCESS, "web") for k in f.fields}
    assert sorted(w.line for w in result.warnings if "not a number" in w.message) == [3, 4]
    assert result.field(Kind.PROCESS, "worker", "replicas") == 2
