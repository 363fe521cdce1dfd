"""Tests for analyzers/providers/python/uwsgi_ini.py (run through the appserver_config analyzer that uses it)."""

from __future__ import annotations

from analyzers.providers.python import appserver_config
from migrator.model import Confidence, Kind

P = Kind.PROCESS


def by_field(r, name):
    """{value: (line, confidence)} of every finding about web that sets ``name``."""
    return {f.fields[name]: (f.source.line, f.source.confidence) for f in r.of(P, "web") if name in f.fields}


UWSGI = """\
; production settings
[uwsgi]
module = proj.wsgi
callable = application
master = true
processes = 4
threads = 2
http = 0.0.0.0:8080
socket = /run/uwsgi/app.sock
harakiri = 30
uid = app
chdir = /srv/app
env = DJANGO_SETTINGS_MODULE=proj.settings
env = SECRET_KEY=Pl4nted-Uwsgi-Secret-Key
die-on-term = true

[other]
http = :1
"""


def test_uwsgi_ini(run_analyzer):
    r = run_analyzer(appserver_config, {"deploy/uwsgi.ini": UWSGI})
    assert by_field(r, "command") == {"uwsgi --ini deploy/uwsgi.ini": (3, Confidence.INFERRED)}
    assert by_field(r, "port") == {8080: (8, Confidence.INFERRED)}
    assert by_field(r, "protocol") == {"http": (8, Confidence.INFERRED)}
    assert by_field(r, "workers") == {4: (6, Confidence.INFERRED)}
    assert by_field(r, "threads") == {2: (7, Confidence.INFERRED)}
    assert by_field(r, "timeout") == {30: (10, Confidence.INFERRED)}
    assert by_field(r, "wsgi_app") == {"proj.wsgi:application": (3, Confidence.INFERRED)}
    assert by_field(r, "user") == {"app": (11, Confidence.INFERRED)}
    assert by_field(r, "chdir") == {"/srv/app": (12, Confidence.INFERRED)}
    assert by_field(r, "die_on_term") == {True: (15, Confidence.INFERRED)}
    assert r.field(Kind.ENV, "DJANGO_SETTINGS_MODULE", "default") == "proj.settings"
    assert r.one(Kind.ENV, "SECRET_KEY").source.line == 14
    assert [(s.name, s.line) for s in r.secrets] == [("SECRET_KEY", 14)]
    assert "Pl4nted" not in repr(r.items)
    assert [(w.line, "chdir" in w.message) for w in r.warnings] == [(12, True)]  # /srv/app is the old host's path


def test_uwsgi_host_paths_are_warned(run_analyzer):
    r = run_analyzer(appserver_config, {"uwsgi.ini": """\
        [uwsgi]
        http-socket = :8000
        home = /srv/venvs/shop
        chdir = src
        pythonpath = /opt/shared/lib
        die-on-term = true
        """})
    assert sorted(w.line for w in r.warnings) == [3, 5]
    assert by_field(r, "chdir") == {"src": (4, Confidence.INFERRED)}


def test_uwsgi_socket_env_port_and_missing_die_on_term(run_analyzer):
    r = run_analyzer(appserver_config, {"uwsgi.ini": """\
        [uwsgi]
        socket = 127.0.0.1:$(UWSGI_PORT)
        wsgi-file = app.py
        workers = %(cores)
        this is garbage
        """})
    assert by_field(r, "port_env") == {"UWSGI_PORT": (2, Confidence.INFERRED)}
    assert by_field(r, "protocol") == {"uwsgi": (2, Confidence.INFERRED)}
    assert by_field(r, "port") == {8000: (2, Confidence.DEFAULT)}
    assert by_field(r, "workers_expr") == {"%(cores)": (4, Confidence.INFERRED)}
    assert by_field(r, "wsgi_app") == {"app.py": (3, Confidence.INFERRED)}
    assert sorted((w.line or 0) for w in r.warnings) == [1, 2, 5]
    assert any("die-on-term" in w.message for w in r.warnings if w.line == 1)
    assert any("uwsgi protocol" in w.message for w in r.warnings if w.line == 2)


def test_uwsgi_unix_socket_only(run_analyzer):
    r = run_analyzer(appserver_config, {"uwsgi.ini": "[uwsgi]\nsocket = /tmp/app.sock\ndie-on-term\n"})
    assert by_field(r, "unix_socket") == {"/tmp/app.sock": (2, Confidence.INFERRED)}
    assert [w.line for w in r.warnings] == [2]  # uwsgi protocol, not HTTP
    assert by_field(r, "die_on_term") == {True: (3, Confidence.INFERRED)}
    assert "port" not in {k for f in r.of(P, "web") for k in f.fields}


def test_ini_without_uwsgi_section_is_not_applicable(run_analyzer):
    r = run_analyzer(appserver_config, {"pytest.ini": "[pytest]\naddopts = -q\n", "alembic.ini": "[alembic]\nx=1\n"})
    assert r.items == []


def test_a_stale_ini_loses_every_field_to_the_command_that_really_runs(run_analyzer):
    from migrator.model import Finding, Source
    from migrator.planner import plan

    r = run_analyzer(appserver_config, {"deploy/uwsgi.ini": "[uwsgi]\nmodule = app:app\nhttp-socket = :8201\n"})
    unit = Source("deploy/app.service", 8, "systemd", Confidence.DECLARED)
    real = Finding(P, "web", {"command": "gunicorn app:app --bind 127.0.0.1:8200", "port": 8200,
                              "app_server": "gunicorn"}, unit)
    order = {"appserver_config": 2, "systemd": 3}  # even when the ini's analyzer comes first
    web = plan("x", [*r.findings, real], analyzer_order=order).process("web")
    assert (web["command"], web["port"], web["app_server"]) == ("gunicorn app:app --bind 127.0.0.1:8200", 8200,
                                                                 "gunicorn")


def test_env_lines_stay_declared(run_analyzer):
    r = run_analyzer(appserver_config, {"uwsgi.ini": "[uwsgi]\nenv = APP_MODE=prod\ndie-on-term = true\n"})
    env = r.one(Kind.ENV, "APP_MODE")
    assert (env.fields["default"], env.source.line, env.source.confidence) == ("prod", 2, Confidence.DECLARED)


def test_numbers_int_refuses_are_not_crashes(run_analyzer):
    # found by tests/properties: http = :<5,000 digits> and processes = ² raised ValueError
    result = run_analyzer(appserver_config, {
        "uwsgi.ini": f"[uwsgi]\nmodule = app.wsgi:application\nhttp = :{'9' * 5000}\nprocesses = \u00b2\n",
    })
    web = result.of(Kind.PROCESS, "web")
    assert web and not any("port" in f.fields or "workers" in f.fields for f in web)
    assert result.field(Kind.PROCESS, "web", "wsgi_app") == "app.wsgi:application"
