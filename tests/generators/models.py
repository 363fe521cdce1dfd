"""Small planned models for generator tests, built from analyzer findings (no repo on disk)."""

from __future__ import annotations

from typing import Any

from analyzers import base
from analyzers.base import I, Src
from generators.spec import AppSpec, build_spec
from migrator.config import GenerateSettings
from migrator.model import AppModel, Finding
from migrator.planner import plan

WEB_UNIT = Src("systemd", "deploy/systemd/web.service", 9)


def django_findings() -> list[Finding]:
    """A Django shop as the legacy hosts ran it: systemd web, supervisor celery, cron, nginx."""
    return [
        base.runtime(Src("python_version", "runtime.txt", 1), language="python", version="3.12"),
        base.runtime(Src("requirements", "requirements.txt", 1), package_manager="pip",
                     requirements_file="requirements.txt"),
        base.process("web", WEB_UNIT, role="web", command="/srv/app/venv/bin/gunicorn proj.wsgi -b 127.0.0.1:8081",
                     port=8081, user="deploy", memory_limit="1Gi", cpu_limit="1500m", stop_timeout=20,
                     legacy_name="web.service", workdir="/srv/app"),
        base.process("worker", Src("supervisor", "deploy/supervisor/celery.conf", 2), role="worker",
                     command="celery -A proj worker -l info", replicas=3),
        base.process("beat", Src("supervisor", "deploy/supervisor/celery.conf", 10), role="scheduler",
                     command="celery -A proj beat"),
        base.system_package("libpq-dev", Src("requirements", "requirements.txt", 3), I, stage="build"),
        base.system_package("libpq5", Src("requirements", "requirements.txt", 3), I, stage="runtime"),
        base.build_step("python manage.py collectstatic --noinput", Src("fabric", "fabfile.py", 20)),
        base.release_step("python manage.py migrate --noinput", Src("fabric", "fabfile.py", 21)),
        base.host_step("git pull", Src("fabric", "fabfile.py", 18), "source checkout: the image carries the code"),
        base.schedule("clearsessions", Src("cron", "deploy/crontab", 3), schedule="0 3 * * *",
                      command="python manage.py clearsessions"),
        base.env_var("SECRET_KEY", Src("python_code", "proj/settings.py", 5), required=True),
        base.env_var("DATABASE_URL", Src("python_code", "proj/settings.py", 8), required=True),
        base.env_var("DEBUG", Src("python_code", "proj/settings.py", 6), default="false"),
        base.env_var("SENTRY_ENVIRONMENT", Src("python_code", "proj/settings.py", 7)),
        base.health_check("/healthz", Src("python_code", "proj/urls.py", 12), I),
        base.ingress("shop.example.com", Src("nginx", "deploy/nginx/shop.conf", 4), max_body_size="20m", tls=True),
        base.volume("/srv/app/media", Src("nginx", "deploy/nginx/shop.conf", 20), purpose="media"),
    ]


def model(findings: list[Finding] | None = None, name: str = "shop", **extra: Any) -> AppModel:
    return plan(name, django_findings() if findings is None else findings, **extra)


def spec(
    findings: list[Finding] | None = None, settings: GenerateSettings | None = None, name: str = "shop"
) -> AppSpec:
    return build_spec(model(findings, name), settings or GenerateSettings())


def minimal_web(command: str = "gunicorn app:app", **fields: Any) -> list[Finding]:
    return [base.process("web", Src("procfile", "Procfile", 1), role="web", command=command, **fields)]
