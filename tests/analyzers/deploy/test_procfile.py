"""Tests for analyzers/deploy/procfile.py."""

from __future__ import annotations

from analyzers.deploy import procfile
from migrator.model import Confidence, Kind

P = Kind.PROCESS


def test_heroku_django_procfile(run_analyzer):
    r = run_analyzer(procfile, {"Procfile": """\
        release: python manage.py migrate --noinput
        web: gunicorn proj.wsgi --bind 0.0.0.0:$PORT --workers 3 --log-file -
        worker: celery -A proj worker --loglevel=info
        clock: python clock.py
        """})
    assert r.keys(P) == ["clock", "web", "worker"]
    step = r.one(Kind.RELEASE_STEP)
    assert step.key == "python manage.py migrate --noinput"
    assert (step.source.line, step.source.confidence) == (1, Confidence.DECLARED)

    web = [f for f in r.of(P, "web") if "command" in f.fields][0]
    assert web.fields["command"] == "gunicorn proj.wsgi --bind 0.0.0.0:$PORT --workers 3 --log-file -"
    assert web.fields["role"] == "web" and web.fields["app_server"] == "gunicorn"
    assert web.fields["workers"] == 3 and web.fields["legacy_name"] == "web"
    assert not [f for f in r.of(P, "web") if "workers_env" in f.fields]  # -w given: no env default
    assert web.source.line == 2 and web.source.file == "Procfile"
    assert "port" not in web.fields  # $PORT is not a literal port
    assert r.field(P, "web", "port_env") == "PORT"
    port = [f for f in r.of(P, "web") if "port" in f.fields]
    assert [(f.fields["port"], f.source.confidence, f.source.line) for f in port] == [(8000, Confidence.DEFAULT, 2)]

    assert r.field(P, "worker", "role") == "worker"
    assert r.field(P, "worker", "command") == "celery -A proj worker --loglevel=info"
    assert r.one(P, "worker").source.line == 3
    assert r.field(P, "clock", "role") == "scheduler"
    assert r.one(P, "clock").source.line == 4
    assert not r.warnings


def test_literal_port_and_port_default_reference(run_analyzer):
    r = run_analyzer(procfile, {"Procfile": """\
        web: uvicorn app.main:app --host 0.0.0.0 --port 9000
        api: gunicorn app:app -b :${PORT:-8001}
        """})
    web = r.one(P, "web")
    assert web.fields["port"] == 9000 and web.fields["app_server"] == "uvicorn"
    assert "port_env" not in web.fields
    # a non-web type that runs a web server keeps the classifier's role
    assert r.field(P, "api", "role") == "web"
    assert r.field(P, "api", "port_env") == "PORT"
    ports = {(f.fields["port"], f.source.confidence) for f in r.of(P, "api") if "port" in f.fields}
    assert ports == {(8001, Confidence.INFERRED)}
    assert r.field(P, "api", "command") == "gunicorn app:app -b :${PORT:-8001}"


def test_gunicorn_without_bind_reads_port_itself(run_analyzer):
    r = run_analyzer(procfile, {"Procfile": "web: gunicorn hello:app\n"})
    conc = [f for f in r.of(P, "web") if "workers_env" in f.fields]
    assert [(f.fields["workers_env"], f.source.confidence) for f in conc] == [("WEB_CONCURRENCY", Confidence.DEFAULT)]
    env = [f for f in r.of(P, "web") if "port_env" in f.fields]
    assert [(f.fields["port_env"], f.source.confidence) for f in env] == [("PORT", Confidence.DEFAULT)]
    assert {f.fields.get("port") for f in r.of(P, "web")} >= {8000}


def test_unknown_web_program_gets_heroku_fallback_port(run_analyzer):
    r = run_analyzer(procfile, {"Procfile": "web: python server.py\n"})
    assert r.field(P, "web", "role") == "web"
    assert r.field(P, "web", "port") == procfile.FALLBACK_PORT
    assert r.field(P, "web", "port_env") == "PORT"
    assert {f.source.confidence for f in r.of(P, "web") if "port_env" in f.fields} == {Confidence.HEURISTIC}


def test_roles_from_classifier_and_type_names(run_analyzer):
    r = run_analyzer(procfile, {"Procfile": """\
        # background jobs
        scheduler: celery -A proj beat -l info
        emails: celery -A proj worker -Q emails
        rq: rq worker high default
        sweeper: python sweep.py
        dev: flask run --port 5001
        """})
    assert r.field(P, "scheduler", "role") == "scheduler"
    assert r.one(P, "scheduler").source.line == 2
    assert r.field(P, "emails", "role") == "worker"
    assert r.field(P, "rq", "app_server") == "rq"
    assert r.field(P, "sweeper", "role") == "worker"
    dev = [f for f in r.of(P, "dev") if "command" in f.fields][0]
    assert dev.fields["role"] == "web" and dev.fields["dev_server"] is True and dev.fields["port"] == 5001


def test_chained_migrate_before_web_is_a_release_step(run_analyzer):
    r = run_analyzer(procfile, {"Procfile": "web: python manage.py migrate && /app/.venv/bin/gunicorn p.wsgi\n"})
    step = r.one(Kind.RELEASE_STEP)
    assert step.key == "python manage.py migrate"
    assert step.source.confidence == Confidence.INFERRED and step.source.line == 1
    assert r.field(P, "web", "app_server") == "gunicorn"
    assert r.field(P, "web", "role") == "web"
    assert r.field(P, "web", "command") == "python manage.py migrate && gunicorn p.wsgi"


def test_garbage_duplicates_and_empty_commands_warn(run_analyzer):
    r = run_analyzer(procfile, {"Procfile": """\
        web: gunicorn a:app
        this line is not a process
        worker:
        web: gunicorn b:app
        """})
    assert r.field(P, "web", "command") == "gunicorn a:app"
    assert sorted((w.line, w.file) for w in r.warnings) == [(2, "Procfile"), (3, "Procfile"), (4, "Procfile")]
    assert "worker" not in r.keys(P)


def test_variants_are_noted_not_read(run_analyzer):
    r = run_analyzer(procfile, {"Procfile.dev": "web: flask run\n", "app.py": ""})
    assert not r.findings
    assert [w.file for w in r.warnings] == ["Procfile.dev"]


def test_no_procfile_means_not_applicable(run_analyzer):
    r = run_analyzer(procfile, {"app.py": "print(1)\n", "sub/Procfile": "web: x\n"})
    assert r.items == []


def test_binary_procfile_is_a_warning_not_a_crash(run_analyzer):
    r = run_analyzer(procfile, {"Procfile": b"\x00\x01web: x"})
    assert not r.findings
    assert any(w.file == "Procfile" for w in r.warnings)


def test_ports_and_counts_too_long_for_int_are_not_crashes(run_analyzer):
    # found by tests/properties: ${PORT:-<5,000 digits>}, --bind :<5,000 digits> and --workers <5,000
    # digits> raised ValueError (int() refuses 4,300+ digits) and the whole Procfile was lost
    huge = "9" * 5000
    result = run_analyzer(procfile, {
        "Procfile": f"web: gunicorn app:app --bind 0.0.0.0:${{PORT:-{huge}}}\n"
                    f"api: gunicorn api:app -b :{huge} -w {huge}\nworker: celery -A app worker\n",
    })
    assert result.keys(Kind.PROCESS) == ["api", "web", "worker"]
    assert result.field(Kind.PROCESS, "web", "port_env") == "PORT"
    assert result.field(Kind.PROCESS, "api", "port") == 8000  # gunicorn's default: no port was readable
    assert not any("workers" in f.fields for f in result.of(Kind.PROCESS, "api"))
