"""Tests for analyzers/providers/python/python_writes.py and the volumes generated for what the app writes."""

from __future__ import annotations

from typing import Any

import pytest

from analyzers.providers.python import python_writes
from migrator.config import GenerateSettings
from migrator.generate import generate_from_model
from migrator.model import Kind
from migrator.planner import analyze
from tests.generators.k8s_helpers import docs

V = Kind.VOLUME

DJANGO_SETTINGS = """\
    import os
    from pathlib import Path

    BASE_DIR = Path(__file__).resolve().parent.parent
    INSTALLED_APPS = ["django.contrib.contenttypes"]
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "var" / "library.sqlite3",
        }
    }
    MEDIA_ROOT = BASE_DIR / "media"
    LOGGING = {
        "version": 1,
        "handlers": {
            "console": {"class": "logging.StreamHandler"},
            "file": {
                "level": "DEBUG",
                "class": "logging.FileHandler",
                "filename": BASE_DIR / "logs" / "debug.log",
            },
            "audit": {
                "class": "logging.handlers.TimedRotatingFileHandler",
                "filename": os.path.join("/var/log/library", "audit.log"),
                "when": "midnight",
            },
        },
        "root": {"handlers": ["console", "file", "audit"], "level": "INFO"},
    }
    """


def _volumes(result: Any) -> dict[str, tuple[str, str, int | None]]:
    return {f.key: (f.fields["purpose"], f.fields["storage"], f.source.line) for f in result.of(V)}


def test_django_logging_file_handlers_get_an_empty_dir(run_analyzer: Any) -> None:
    result = run_analyzer(python_writes, {"library/settings.py": DJANGO_SETTINGS, "logs/.gitkeep": ""})
    assert _volumes(result) == {"logs": ("logs", "emptyDir", 20), "/var/log/library": ("logs", "emptyDir", 24)}
    logs = result.one(V, "logs")
    assert logs.fields["written"] == "logs/debug.log" and logs.fields["relative_to"] == "repo"
    assert "stdout_env" not in logs.fields  # a constant path: nothing can move it


CODE_WRITES = {
    "app/__init__.py": """\
        import logging
        import logging.handlers
        import os
        import sqlite3
        import tempfile

        from flask import Flask

        app = Flask(__name__, instance_relative_config=True)
        app.config["UPLOAD_FOLDER"] = os.path.join(app.root_path, "static", "uploads")
        handler = logging.handlers.RotatingFileHandler("logs/app.log", maxBytes=10_000_000, backupCount=3)
        logging.basicConfig(filename="/var/log/shop/shop.log")
        try:
            os.makedirs(app.instance_path)
        except OSError:
            pass
        db = sqlite3.connect(os.path.join(app.instance_path, "shop.sqlite"))

        def export(rows):
            with open("exports/latest.csv", "w") as fh:
                fh.write(rows)
            scratch = tempfile.mkdtemp(dir="/srv/shop/work")
            with open("state/last-run.json", "a") as fh:
                fh.write("x")
            open("README.txt").read()  # read only: nothing to mount
        """,
}


def test_flask_instance_uploads_sqlite_logs_and_constant_writes(run_analyzer: Any) -> None:
    result = run_analyzer(python_writes, CODE_WRITES)
    assert _volumes(result) == {
        "app/static/uploads": ("uploads", "pvc", 10),
        "logs": ("logs", "emptyDir", 11),
        "/var/log/shop": ("logs", "emptyDir", 12),
        "instance": ("sqlite", "pvc", 17),  # the instance folder holds the database: a claim
        "exports": ("scratch", "emptyDir", 20),
        "/srv/shop/work": ("temp", "emptyDir", 22),  # tempfile scratch, even under /srv
        "state": ("scratch", "emptyDir", 23),
    }


def test_a_path_that_would_hide_code_or_the_app_dir_is_a_warning(run_analyzer: Any) -> None:
    result = run_analyzer(python_writes, {
        "report.py": 'open("report.log", "a")\nopen("reports/out.txt", "w")\n',
        "reports/__init__.py": "", "reports/render.py": "",
    })
    assert result.of(V) == []
    messages = sorted(w.message for w in result.warnings)
    assert "writes 'report.log' in the app directory" in messages[0]
    assert "reports/, which holds reports/__init__.py" in messages[1]


def test_a_log_file_an_env_var_can_move_goes_to_stdout(tree: Any) -> None:
    settings = DJANGO_SETTINGS.replace('BASE_DIR / "logs" / "debug.log"',
                                       'os.environ.get("DJANGO_LOG_FILE", BASE_DIR / "logs" / "debug.log")')
    model = analyze(tree({"library/settings.py": settings, "manage.py": "import django\n",
                          "Procfile": "web: gunicorn library.wsgi\n", "requirements.txt": "Django==4.2.16\n"}))
    files = {f.path: f.content for f in generate_from_model(model, GenerateSettings())}
    [config] = docs(files["deploy/k8s/base/configmap.yaml"])
    assert config["data"]["DJANGO_LOG_FILE"] == "/dev/stdout"
    assert "file logging goes to stdout instead of logs/debug.log" in files["deploy/k8s/base/configmap.yaml"]
    [web] = docs(files["deploy/k8s/base/deployment-web.yaml"])
    mounts = {m["mountPath"] for m in web["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]}
    assert "/app/logs" not in mounts  # redirected, so no volume
    assert {"/var/log/library", "/app/var", "/app/media"} <= mounts  # the rotating handler cannot be


def test_volumes_in_every_pod_and_claims_only_for_data(tree: Any) -> None:
    model = analyze(tree({"library/settings.py": DJANGO_SETTINGS, "manage.py": "import django\n",
                          "Procfile": "release: python manage.py migrate\nweb: gunicorn library.wsgi\n",
                          "requirements.txt": "Django==4.2.16\n", "crontab": "0 1 * * * python manage.py check\n"}))
    files = {f.path: f.content for f in generate_from_model(model, GenerateSettings())}
    claims = {d["metadata"]["name"]: d["spec"]["accessModes"] for n, t in files.items() if "/pvc-" in n
              for d in docs(t)}
    assert claims == {"repo-sqlite": ["ReadWriteOnce"], "repo-media": ["ReadWriteMany"]}
    assert "SQLite allows one writer" in files["deploy/k8s/base/pvc-sqlite.yaml"]
    for name in ("job-release.yaml", "deployment-web.yaml", "cronjob-check.yaml"):
        matches = [n for n in files if n.endswith(name)] or pytest.fail(f"{name} not in {sorted(files)}")
        [obj] = docs(files[matches[0]])
        pod = obj["spec"]["template"]["spec"] if obj["kind"] != "CronJob" else \
            obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["repo-logs"]["emptyDir"] is not None and volumes["repo-sqlite"]["persistentVolumeClaim"]
        mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
        assert {"/tmp", "/app/logs", "/var/log/library", "/app/var", "/app/media"} <= mounts
    assert "SQLite allows one writer" in files["MIGRATION.md"]


def test_sqlite_in_the_app_directory_is_an_open_question(tree: Any) -> None:
    settings = DJANGO_SETTINGS.replace('BASE_DIR / "var" / "library.sqlite3"', 'BASE_DIR / "db.sqlite3"')
    model = analyze(tree({"library/settings.py": settings, "manage.py": "import django\n",
                          "Procfile": "web: gunicorn library.wsgi\n", "requirements.txt": "Django==4.2.16\n"}))
    files = {f.path: f.content for f in generate_from_model(model, GenerateSettings())}
    assert not any("pvc-sqlite" in n for n in files)
    assert "SQLite database 'db.sqlite3'" in files["MIGRATION.md"] and "read-only in the pod" in files["MIGRATION.md"]
