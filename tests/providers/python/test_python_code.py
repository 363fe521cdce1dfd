"""Tests for analyzers/providers/python/python_code.py and analyzers/providers/python/python_web.py: frameworks,
entrypoints, Django
settings, fallback processes, file selection, bad input."""

from __future__ import annotations

from analyzers.providers.python import python_code
from migrator.model import Confidence, Kind

R, P, S, V = Kind.RUNTIME, Kind.PROCESS, Kind.SERVICE, Kind.VOLUME
D, INF, H, DEF = Confidence.DECLARED, Confidence.INFERRED, Confidence.HEURISTIC, Confidence.DEFAULT


def runtime(r, name):
    """(value, file, line, confidence) of every runtime claim about ``name``, sorted."""
    return sorted((f.fields[name], f.source.file, f.source.line, f.source.confidence) for f in r.of(R)
                  if name in f.fields)


DJANGO = {
    "manage.py": """\
        #!/usr/bin/env python
        import os
        import sys


        def main():
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.local")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
        """,
    "shop/__init__.py": "",
    "shop/settings/__init__.py": "",
    "shop/settings/base.py": """\
        import os
        from pathlib import Path

        BASE_DIR = Path(__file__).resolve().parent.parent.parent
        INSTALLED_APPS = ["django.contrib.admin"]
        ROOT_URLCONF = "shop.urls"
        ALLOWED_HOSTS = ["shop.example.com", ".api.example.org", "localhost", "127.0.0.1", "*", "10.0.0.5"]
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "shop",
            },
            "legacy": {
                "ENGINE": "django.db.backends.mysql",
            },
        }
        CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache:6379"},
            "sessions": {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache"},
        }
        STATIC_ROOT = BASE_DIR / "staticfiles"
        MEDIA_ROOT = os.path.join(BASE_DIR, "media")
        """,
    "shop/wsgi.py": """\
        import os

        from django.core.wsgi import get_wsgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.production")

        application = get_wsgi_application()
        """,
    "shop/asgi.py": """\
        import os
        from django.core.asgi import get_asgi_application

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.production")
        application = get_asgi_application()
        """,
    "requirements.txt": "Django==4.2\ngunicorn==22.0\n",
}


def test_django_project(run_analyzer):
    r = run_analyzer(python_code, DJANGO)
    assert {v for v, *_ in runtime(r, "framework")} == {"django"}
    assert ("django", "manage.py", 7, D) in runtime(r, "framework")
    # the server's settings (wsgi/asgi) are declared; manage.py's are only inferred
    assert runtime(r, "settings_module") == [
        ("shop.settings.local", "manage.py", 7, INF),
        ("shop.settings.production", "shop/asgi.py", 4, D),
        ("shop.settings.production", "shop/wsgi.py", 5, D),
    ]
    # startproject writes asgi.py too: without Channels the WSGI app is the entrypoint
    assert runtime(r, "entrypoint") == [
        ("shop.asgi:application", "shop/asgi.py", 5, H),
        ("shop.wsgi:application", "shop/wsgi.py", 7, INF),
    ]
    # the env default follows the server's settings, not manage.py's development ones
    reads = r.of(Kind.ENV, "DJANGO_SETTINGS_MODULE")
    dsm = sorted((f.fields["default"], f.source.file, f.source.confidence) for f in reads)
    assert dsm == [("shop.settings.local", "manage.py", INF), ("shop.settings.production", "shop/asgi.py", D),
                   ("shop.settings.production", "shop/wsgi.py", D)]
    assert runtime(r, "static_root") == [("staticfiles", "shop/settings/base.py", 21, INF)]
    media = r.one(V, "media")
    assert dict(media.fields) == {"path": "media", "purpose": "media", "relative_to": "repo"}
    assert (media.source.line, media.source.confidence) == (22, INF)
    assert sorted((f.key, f.source.line, f.source.confidence) for f in r.of(Kind.INGRESS)) == [
        ("api.example.org", 7, H), ("shop.example.com", 7, H),
    ]
    # redis twice on line 18: the cache BACKEND and the redis:// LOCATION both say so
    assert sorted({(f.key, f.source.line) for f in r.of(S)}) == [
        ("memcached", 19), ("mysql", 14), ("postgres", 10), ("redis", 18),
    ]
    web = r.one(P, "web")
    assert dict(web.fields) == {"role": "web", "command": "gunicorn shop.wsgi:application --bind 0.0.0.0:8000",
                                "port": 8000, "app_server": "gunicorn"}
    assert (web.source.file, web.source.line, web.source.confidence) == ("shop/wsgi.py", 7, H)
    assert not r.warnings and not r.secrets


def test_django_channels_asgi_is_the_entrypoint_and_uvicorn_is_used(run_analyzer):
    files = dict(DJANGO)
    files["shop/asgi.py"] = """\
        from channels.routing import ProtocolTypeRouter
        from django.core.asgi import get_asgi_application

        application = ProtocolTypeRouter({"http": get_asgi_application()})
        """
    files["requirements.txt"] = "Django\nchannels\nuvicorn[standard]\n"
    r = run_analyzer(python_code, files)
    inferred = [(v, f) for v, f, _, c in runtime(r, "entrypoint") if c is INF]
    assert inferred == [("shop.asgi:application", "shop/asgi.py")]
    assert r.field(P, "web", "command") == "uvicorn shop.asgi:application --host 0.0.0.0 --port 8000"
    assert r.one(P, "web").source.confidence is H


def test_sqlite_database_is_a_volume_and_a_warning(run_analyzer):
    r = run_analyzer(python_code, {"site/settings.py": """\
        import os
        BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        INSTALLED_APPS = []
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": os.path.join(BASE_DIR, "data", "db.sqlite3"),
            }
        }
        """})
    vol = r.one(V, "data/db.sqlite3")
    assert vol.fields["purpose"] == "sqlite" and vol.source.line == 6
    assert [(w.file, w.line) for w in r.warnings] == [("site/settings.py", 6)]
    assert "SQLite" in r.warnings[0].message
    assert not r.of(S)


def test_dj_database_url_sqlite_default_and_env_hosts(run_analyzer):
    r = run_analyzer(python_code, {"inv/settings.py": """\
        import os
        from pathlib import Path

        import dj_database_url

        BASE_DIR = Path(__file__).resolve().parent.parent
        ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "inv.example.com,localhost").split(",")
        INSTALLED_APPS = []
        DATABASES = {
            "default": dj_database_url.config(
                env="DATABASE_URL",
                default="sqlite:///" + str(BASE_DIR / "db.sqlite3"),
            )
        }
        MEDIA_ROOT = os.environ.get("MEDIA_ROOT", "/srv/inv/media")
        """})
    assert r.keys(Kind.ENV) == ["ALLOWED_HOSTS", "DATABASE_URL", "MEDIA_ROOT"]
    assert r.one(Kind.ENV, "DATABASE_URL").source.line == 10
    assert r.field(Kind.ENV, "DATABASE_URL", "secret") is True
    assert [(f.key, f.source.line) for f in r.of(Kind.INGRESS)] == [("inv.example.com", 7)]
    assert r.one(V, "db.sqlite3").source.line == 12
    assert r.one(V, "/srv/inv/media").fields["purpose"] == "media"
    assert [w.line for w in r.warnings] == [12]


def test_flask_app_object_and_factory(run_analyzer):
    r = run_analyzer(python_code, {
        "web/__init__.py": """\
            from flask import Flask


            def create_app(config=None):
                app = Flask(__name__)
                return app
            """,
        "wsgi.py": """\
            from web import create_app

            application = create_app()
            """,
        "requirements.txt": "flask\ngunicorn\n",
    })
    assert runtime(r, "framework") == [("flask", "web/__init__.py", 5, D)]
    # the module-level app built by the factory is the production entrypoint; the factory stays a candidate
    assert runtime(r, "entrypoint") == [
        ("web:create_app()", "web/__init__.py", 4, H), ("wsgi:application", "wsgi.py", 3, INF),
    ]
    assert r.field(P, "web", "command") == "gunicorn wsgi:application --bind 0.0.0.0:8000"


def test_flask_factory_only_uses_factory_syntax(run_analyzer):
    r = run_analyzer(python_code, {
        "src/svc/__init__.py": "",
        "src/svc/app.py": """\
            import flask


            def create_app():
                return flask.Flask(__name__)
            """,
    })
    assert runtime(r, "entrypoint") == [("svc.app:create_app()", "src/svc/app.py", 4, INF)]
    app_dir = [f.fields["app_dir"] for f in r.of(R) if "app_dir" in f.fields]
    assert app_dir == ["src"]
    web = r.one(P, "web")
    # no app server in the dependencies: gunicorn is the tool's default, and says so
    assert web.fields["command"] == "gunicorn 'svc.app:create_app()' --bind 0.0.0.0:8000 --chdir src"
    assert web.source.confidence is DEF


def test_fastapi(run_analyzer):
    r = run_analyzer(python_code, {
        "main.py": """\
            from fastapi import FastAPI

            app = FastAPI(title="x")
            """,
        "pyproject.toml": '[project]\ndependencies = ["fastapi", "uvicorn[standard]>=0.30"]\n',
    })
    assert runtime(r, "framework") == [("fastapi", "main.py", 3, D)]
    assert runtime(r, "entrypoint") == [("main:app", "main.py", 3, INF)]
    web = r.one(P, "web")
    assert web.fields["command"] == "uvicorn main:app --host 0.0.0.0 --port 8000"
    assert (web.fields["port"], web.fields["app_server"], web.source.confidence) == (8000, "uvicorn", H)


def test_aiohttp(run_analyzer):
    r = run_analyzer(python_code, {"srv/__init__.py": "", "srv/server.py": """\
        from aiohttp import web

        app = web.Application()
        """, "requirements.txt": "aiohttp\ngunicorn\n"})
    assert runtime(r, "framework") == [("aiohttp", "srv/server.py", 3, D)]
    assert r.field(P, "web", "command") == (
        "gunicorn srv.server:app --bind 0.0.0.0:8000 --worker-class aiohttp.GunicornWebWorker")


def test_celery_worker_and_beat_fallbacks(run_analyzer):
    r = run_analyzer(python_code, {
        "proj/__init__.py": "",
        "proj/celery.py": """\
            from celery import Celery

            app = Celery("proj", broker="redis://redis:6379/0")
            app.conf.beat_schedule = {"tick": {"task": "proj.tasks.tick", "schedule": 60.0}}
            """,
    })
    assert runtime(r, "task_queue") == [("celery", "proj/celery.py", 3, D)]
    assert runtime(r, "task_queue_app") == [("proj.celery:app", "proj/celery.py", 3, INF)]
    worker = r.one(P, "worker")
    assert dict(worker.fields) == {"role": "worker", "command": "celery -A proj worker --loglevel=info",
                                   "app_server": "celery"}
    assert (worker.source.line, worker.source.confidence) == (3, H)
    beat = r.one(P, "beat")
    assert beat.fields["command"] == "celery -A proj beat --loglevel=info"
    assert (beat.fields["role"], beat.fields["replicas"], beat.source.line) == ("scheduler", 1, 4)
    assert r.one(S, "redis").source.line == 3
    assert not r.of(P, "web")  # no web framework, no web process


def test_celery_app_with_a_custom_name(run_analyzer):
    r = run_analyzer(python_code, {"jobs/__init__.py": "", "jobs/tasks.py": """\
        import celery

        queue = celery.Celery("jobs")
        """})
    assert r.field(P, "worker", "command") == "celery -A jobs.tasks:queue worker --loglevel=info"
    assert not r.of(P, "beat")


def test_rq_worker(run_analyzer):
    r = run_analyzer(python_code, {"app.py": """\
        from redis import Redis
        from rq import Queue

        q = Queue(connection=Redis())
        """})
    assert runtime(r, "task_queue") == [("rq", "app.py", 2, D)]
    assert r.field(P, "worker", "command") == "rq worker"


def test_dramatiq_worker(run_analyzer):
    r = run_analyzer(python_code, {"tasks/__init__.py": "", "tasks/mail.py": """\
        import dramatiq


        @dramatiq.actor
        def send(to):
            pass
        """})
    assert runtime(r, "task_queue") == [("dramatiq", "tasks/mail.py", 5, D)]
    assert r.field(P, "worker", "command") == "dramatiq tasks.mail"


def test_syntax_error_is_one_warning_and_other_files_go_on(run_analyzer):
    r = run_analyzer(python_code, {
        "broken.py": "import os\nX = os.environ['A']\ndef f(:\n    pass\n",
        "nul.py": "import os\nX = os.getenv('B')\x00\n",
        "ok.py": "import os\nY = os.environ['GOOD']\n",
    })
    assert r.keys(Kind.ENV) == ["GOOD"]
    assert [(w.file, w.line) for w in r.warnings if w.file == "broken.py"] == [("broken.py", 3)]
    assert "syntax error" in next(w.message for w in r.warnings if w.file == "broken.py")
    assert any(w.file == "nul.py" for w in r.warnings)


def test_tests_migrations_setup_and_fabfiles_are_not_read(run_analyzer):
    env_read = "import os\nX = os.environ['{}']\n"
    r = run_analyzer(python_code, {
        "tests/test_app.py": env_read.format("T1"),
        "app/tests/helpers.py": env_read.format("T2"),
        "test_top.py": env_read.format("T3"),
        "app/thing_test.py": env_read.format("T4"),
        "conftest.py": env_read.format("T5"),
        "app/migrations/0001_initial.py": env_read.format("T6"),
        "setup.py": env_read.format("T7"),
        "fabfile.py": env_read.format("T8"),
        "docs/conf.py": env_read.format("T9"),
        "app/real.py": env_read.format("REAL"),
    })
    assert r.keys(Kind.ENV) == ["REAL"]
    assert r.repo.files_read == ("app/real.py",)


def test_files_without_triggers_are_read_but_not_parsed(run_analyzer, monkeypatch):
    import analyzers.providers.python.python_code as mod

    parsed = []
    real_parse = mod.parse_source

    def spy(text, rel):
        parsed.append(rel)
        return real_parse(text, rel)

    monkeypatch.setattr(mod, "parse_source", spy)
    r = run_analyzer(python_code, {
        "plain.py": "def add(a, b):\n    return a + b\n",
        "broken_plain.py": "def f(:\n",  # never parsed, so no warning either
        "env.py": "import os\nA = os.getenv('A')\n",
        "url.py": "REDIS = 'redis://cache:6379/0'\n",
    })
    assert sorted(parsed) == ["env.py", "url.py"]
    assert r.keys(S) == ["redis"]
    assert not r.warnings


def test_nothing_found_in_a_repo_without_python(run_analyzer):
    r = run_analyzer(python_code, {"README.md": "hello", "index.js": "process.env.X"})
    assert r.items == []


def test_nothing_but_findings_with_known_confidences_and_no_values_leak(run_analyzer):
    files = dict(DJANGO)
    files["shop/settings/production.py"] = """\
        from .base import *  # noqa
        SECRET_KEY = "prod-Key-7731-zzqq"
        DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "Prod-DB-Pass-1"}}
        """
    r = run_analyzer(python_code, files)
    assert sorted((s.file, s.line, s.name) for s in r.secrets) == [
        ("shop/settings/production.py", 2, "SECRET_KEY"), ("shop/settings/production.py", 3, "PASSWORD"),
    ]
    text = repr(r.items) + repr(r.warnings)
    assert "prod-Key-7731-zzqq" not in text and "Prod-DB-Pass-1" not in text


def test_server_and_port_started_from_code(run_analyzer):
    r = run_analyzer(python_code, {"api.py": """\
        import uvicorn
        from fastapi import FastAPI

        app = FastAPI()

        if __name__ == "__main__":
            uvicorn.run(app, host="0.0.0.0", port=8081)
        """})
    web = r.one(P, "web")
    # uvicorn is in no dependency file, but the code imports and runs it
    assert dict(web.fields) == {"role": "web", "command": "uvicorn api:app --host 0.0.0.0 --port 8081", "port": 8081,
                                "app_server": "uvicorn"}
    assert web.source.confidence is H


def test_flask_dev_server_port_carries_over_to_gunicorn(run_analyzer):
    r = run_analyzer(python_code, {"hello.py": """\
        from flask import Flask

        app = Flask(__name__)

        if __name__ == "__main__":
            app.run("0.0.0.0", 5005, debug=True)
        """, "requirements.txt": "flask\ngunicorn\n"})
    assert r.field(P, "web", "command") == "gunicorn hello:app --bind 0.0.0.0:5005"
    assert r.field(P, "web", "port") == 5005


def test_factory_call_takes_the_framework_of_its_factory(run_analyzer):
    r = run_analyzer(python_code, {
        "api/__init__.py": """\
            from fastapi import FastAPI


            def create_app():
                return FastAPI()
            """,
        "admin/__init__.py": """\
            from flask import Flask

            admin = Flask(__name__)
            """,
        "asgi.py": """\
            from api import create_app

            app = create_app()
            """,
        "requirements.txt": "fastapi\nflask\nuvicorn\ngunicorn\n",
    })
    # asgi.py's app comes from the FastAPI factory, so it is served by uvicorn even though Flask is found first
    assert r.field(P, "web", "command") == "uvicorn asgi:app --host 0.0.0.0 --port 8000"


def test_a_function_that_runs_an_app_without_returning_it_is_no_factory(run_analyzer):
    r = run_analyzer(python_code, {"serve.py": """\
        from flask import Flask


        def main():
            app = Flask(__name__)
            app.run(port=5000)


        if __name__ == "__main__":
            main()
        """})
    assert runtime(r, "framework") == [("flask", "serve.py", 5, D)]
    assert runtime(r, "entrypoint") == []
    assert r.of(P) == []
