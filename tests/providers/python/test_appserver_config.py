"""Tests for analyzers/providers/python/appserver_config.py: gunicorn config modules read through ast."""

from __future__ import annotations

from analyzers.providers.python import appserver_config
from migrator.model import Confidence, Kind

P = Kind.PROCESS


def by_field(r, name):
    """{value: (line, confidence)} of every finding about web that sets ``name``."""
    return {f.fields[name]: (f.source.line, f.source.confidence) for f in r.of(P, "web") if name in f.fields}


GUNICORN = """\
import multiprocessing
import os

port = os.environ.get("PORT", "8000")
bind = f"0.0.0.0:{port}"
workers = multiprocessing.cpu_count() * 2 + 1
threads = int(os.getenv("GUNICORN_THREADS", 4))
timeout = 60
graceful_timeout = 25
worker_class = "gthread"
user = "www-data"
raw_env = ["DJANGO_SETTINGS_MODULE=proj.settings", "DB_PASSWORD=s3cr3t-Planted-pw"]
wsgi_app = "proj.wsgi:application"

def post_fork(server, worker):
    server.log.info("forked %s", worker.pid)
"""


def test_root_gunicorn_conf_is_inferred(run_analyzer):
    r = run_analyzer(appserver_config, {"gunicorn.conf.py": GUNICORN})
    assert r.keys(P) == ["web"]
    assert by_field(r, "port") == {8000: (5, Confidence.INFERRED)}  # the env var's fallback
    assert by_field(r, "port_env") == {"PORT": (5, Confidence.INFERRED)}
    assert by_field(r, "workers_expr") == {"multiprocessing.cpu_count() * 2 + 1": (6, Confidence.INFERRED)}
    assert "workers" not in by_field(r, "workers")
    assert by_field(r, "threads") == {4: (7, Confidence.INFERRED)}
    assert by_field(r, "threads_env") == {"GUNICORN_THREADS": (7, Confidence.INFERRED)}
    assert by_field(r, "timeout") == {60: (8, Confidence.INFERRED)}
    assert by_field(r, "stop_timeout") == {25: (9, Confidence.INFERRED)}
    assert by_field(r, "worker_class") == {"gthread": (10, Confidence.INFERRED)}
    assert by_field(r, "user") == {"www-data": (11, Confidence.INFERRED)}
    assert by_field(r, "wsgi_app") == {"proj.wsgi:application": (13, Confidence.INFERRED)}
    assert by_field(r, "command") == {"gunicorn --config gunicorn.conf.py": (13, Confidence.INFERRED)}
    assert by_field(r, "role") == {"web": (5, Confidence.INFERRED)}  # the first setting
    assert r.field(P, "web", "app_server") == "gunicorn"


def test_gunicorn_env_vars_and_raw_env_secrets(run_analyzer):
    r = run_analyzer(appserver_config, {"gunicorn.conf.py": GUNICORN})
    assert r.field(Kind.ENV, "PORT", "default") == "8000"
    assert r.one(Kind.ENV, "PORT").source.line == 4
    assert r.field(Kind.ENV, "GUNICORN_THREADS", "default") == "4"
    assert r.field(Kind.ENV, "DJANGO_SETTINGS_MODULE", "default") == "proj.settings"
    db = r.one(Kind.ENV, "DB_PASSWORD")
    assert db.fields["secret"] is True and "default" not in db.fields and db.source.line == 12
    assert [(s.name, s.line, s.file) for s in r.secrets] == [("DB_PASSWORD", 12, "gunicorn.conf.py")]
    assert "s3cr3t" not in repr(r.items)


def test_other_config_names_are_only_heuristic(run_analyzer):
    r = run_analyzer(appserver_config, {"config/gunicorn_config.py": """\
        bind = ["unix:/run/app.sock", "127.0.0.1:9000"]
        workers = "3"
        """})
    assert by_field(r, "unix_socket") == {"/run/app.sock": (1, Confidence.HEURISTIC)}
    assert by_field(r, "workers") == {3: (2, Confidence.HEURISTIC)}
    assert r.field(P, "web", "config_file") == "config/gunicorn_config.py"
    assert "port" not in by_field(r, "port")


def test_bind_without_default_gets_fallback_port(run_analyzer):
    r = run_analyzer(appserver_config, {"gunicorn.conf.py": 'import os\nbind = "0.0.0.0:" + os.environ["PORT"]\n'})
    assert by_field(r, "port_env") == {"PORT": (2, Confidence.INFERRED)}
    assert by_field(r, "port") == {8000: (2, Confidence.DEFAULT)}
    assert r.one(Kind.ENV, "PORT").fields.get("default") is None


def test_modules_merely_named_gunicorn_are_ignored(run_analyzer):
    r = run_analyzer(appserver_config, {
        "app/gunicorn_hooks.py": "def on_starting(server):\n    pass\n",
        "tests/test_gunicorn.py": "bind = '1.2.3.4:1'\n",
    })
    assert r.items == []


def test_syntax_error_is_a_warning(run_analyzer):
    r = run_analyzer(appserver_config, {"gunicorn.conf.py": "bind = '0.0.0.0:8000'\nworkers = (\n"})
    assert r.findings == []
    assert [(w.file, w.line) for w in r.warnings][0][0] == "gunicorn.conf.py"
    assert r.warnings[0].line is not None



def test_deeply_nested_expression_is_a_warning_not_a_crash(run_analyzer):
    r = run_analyzer(appserver_config, {"gunicorn.conf.py": "bind = " + "'a' + " * 3000 + "'b'\n"})
    assert r.findings == []
    assert [(w.file, w.line) for w in r.warnings] == [("gunicorn.conf.py", 1)]


def test_odd_setting_types_do_not_crash(run_analyzer):
    r = run_analyzer(appserver_config, {"gunicorn.conf.py": """\
        bind = 123
        workers = None
        raw_env = "A=B"
        timeout = 1.5
        user = 1000
        """})
    assert by_field(r, "bind_expr") == {"123": (1, Confidence.INFERRED)}
    assert by_field(r, "workers_expr") == {"None": (2, Confidence.INFERRED)}
    assert r.field(Kind.ENV, "A", "default") == "B"
    assert by_field(r, "timeout_expr") == {"1.5": (4, Confidence.INFERRED)}
    assert by_field(r, "user") == {"1000": (5, Confidence.INFERRED)}


def test_config_passed_with_c_by_a_launcher_is_inferred(run_analyzer):
    r = run_analyzer(appserver_config, {
        "config/gunicorn_config.py": "workers = 5\n",
        "deploy/app.service": "[Service]\nExecStart=/srv/venv/bin/gunicorn -c /srv/app/config/gunicorn_config.py a:b\n",
    })
    assert by_field(r, "workers") == {5: (1, Confidence.INFERRED)}


def test_config_passed_to_another_program_does_not_count(run_analyzer):
    r = run_analyzer(appserver_config, {
        "config/gunicorn_config.py": "workers = 5\n",
        "run.sh": "#!/bin/sh\nexec python tool.py -c config/other.py\n",
    })
    assert by_field(r, "workers") == {5: (1, Confidence.HEURISTIC)}
