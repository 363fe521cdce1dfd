"""docker-compose files (analyzers/deploy/compose.py): app services -> processes, image-only services -> services."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import compose
from migrator.model import Confidence, Kind

DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /code
COPY . .
EXPOSE 8000
CMD ["gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8000"]
"""

COMPOSE = """\
x-app: &app
  build:
    context: .
  image: shop:dev
  environment:
    DATABASE_URL: postgres://shop:${DB_PASSWORD:-shop}@db:5432/shop
    REDIS_URL: redis://redis:6379/0
    FEATURE_FLAGS: "${FEATURE_FLAGS:-search,export}"
    PYTHONUNBUFFERED: "1"
    UPSTREAM_TOKEN:
  env_file: .env.docker
  depends_on: [db, redis]

services:
  web:
    <<: *app
    ports:
      - "127.0.0.1:8000:8000"
    volumes:
      - .:/code
      - media:/code/media
      - ./uploads:/code/uploads
      - static:/code/staticfiles
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/healthz"]
    deploy:
      replicas: 2
      resources:
        limits:
          memory: 512M
          cpus: "0.5"
  worker:
    <<: *app
    command: ["celery", "-A", "shop", "worker", "-Q", "mail"]
  scheduler:
    image: shop:dev
    command: python -m shop.clock
    user: shop
  tests:
    <<: *app
    command: pytest -q
  db:
    image: postgis/postgis:15-3.4
    environment:
      - POSTGRES_PASSWORD=Compose-Db-Passw0rd
  cache:
    image: "memcached:1.6-alpine"
  redis:
    image: redis:7
  queue:
    image: rabbitmq:3.12-management
  proxy:
    image: nginx:1.25
    volumes:
      - ./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro
  mail:
    image: axllent/mailpit
volumes:
  media:
  static:
"""


def at(needle: str, text: str = COMPOSE) -> int:
    """The 1-based line of the first line of ``text`` containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_app_services_are_processes_with_lines(run_analyzer: Any) -> None:
    result = run_analyzer(compose, {"docker-compose.yml": COMPOSE, "Dockerfile": DOCKERFILE,
                                    ".env.docker": "SENTRY_DSN=\nSMTP_HOST=mail\n"})
    assert result.keys(Kind.PROCESS) == ["scheduler", "web", "worker-mail"]
    web = {k: (v, f.source.line) for f in result.of(Kind.PROCESS, "web") for k, v in f.fields.items()}
    # no command: the image's CMD (from the Dockerfile the build uses), with compose's facts on top
    assert web["command"][0] == "gunicorn shop.wsgi --bind 0.0.0.0:8000"
    assert web["port"] == (8000, at("127.0.0.1:8000:8000"))
    assert web["depends_on"] == (("db", "redis"), at("depends_on"))  # through the <<: merge: the anchor's line
    assert web["replicas"] == (2, at("replicas"))
    assert web["memory_limit"] == ("512Mi", at("memory:")) and web["cpu_limit"] == ("500m", at("cpus"))
    assert web["legacy_name"][0] == "web (compose service)"
    worker = {k: v for f in result.of(Kind.PROCESS, "worker-mail") for k, v in f.fields.items()}
    assert worker["command"] == "celery -A shop worker -Q mail" and worker["role"] == "worker"
    scheduler = {k: v for f in result.of(Kind.PROCESS, "scheduler") for k, v in f.fields.items()}
    # an unclassified command of a service built from the app image: named and given its role by the service
    assert (scheduler["command"], scheduler["role"], scheduler["user"]) == ("python -m shop.clock", "scheduler", "shop")
    assert any("development tool (pytest)" in w.message for w in result.warnings)


def test_environment_forms_interpolation_and_compose_hosts(run_analyzer: Any) -> None:
    result = run_analyzer(compose, {"docker-compose.yml": COMPOSE, "Dockerfile": DOCKERFILE})
    env = {f.key: (f.fields.get("default"), f.fields.get("secret"), f.source.line, f.source.confidence)
           for f in result.of(Kind.ENV)}
    assert env["FEATURE_FLAGS"] == ("search,export", False, at("FEATURE_FLAGS"), Confidence.HEURISTIC)
    # redis://redis:... is the compose service, not the cluster's
    assert env["REDIS_URL"][:3] == (None, False, at("REDIS_URL"))
    assert env["DATABASE_URL"][:2] == (None, True)
    assert env["UPSTREAM_TOKEN"][:2] == (None, True)
    assert "PYTHONUNBUFFERED" not in env
    note = next(f.fields["note"] for f in result.of(Kind.ENV, "REDIS_URL") if "note" in f.fields)
    assert "compose service 'redis'" in note
    secrets = {(s.name, s.line) for s in result.secrets}
    assert ("DATABASE_URL", at("DATABASE_URL")) in secrets and ("POSTGRES_PASSWORD", at("POSTGRES_PASS")) in secrets
    assert any(".env.docker is not in the repository" in w.message for w in result.warnings)


def test_image_services_proxies_and_unknown_images(run_analyzer: Any) -> None:
    result = run_analyzer(compose, {"docker-compose.yml": COMPOSE, "Dockerfile": DOCKERFILE})
    services = {f.key: (f.fields.get("version"), f.source.line) for f in result.of(Kind.SERVICE)}
    assert services == {"postgres": ("15", at("postgis")), "memcached": ("1.6", at("memcached")),
                        "rabbitmq": ("3.12", at("rabbitmq")), "redis": ("7", at("redis:7"))}
    (proxy,) = result.of(Kind.HOST_STEP)
    assert proxy.source.line == at("nginx:1.25") and "the Ingress replaces it" in proxy.fields["reason"]
    assert any("axllent/mailpit" in w.message and w.line == at("mailpit") for w in result.warnings)


def test_volumes_named_and_upload_binds_not_code_or_static(run_analyzer: Any) -> None:
    result = run_analyzer(compose, {"docker-compose.yml": COMPOSE, "Dockerfile": DOCKERFILE})
    volumes = {f.key: (f.fields.get("purpose"), f.source.line) for f in result.of(Kind.VOLUME)}
    assert volumes == {"media": ("media", at("media:/code/media")), "uploads": ("media", at("./uploads"))}
    assert [(f.key, f.source.line) for f in result.of(Kind.HEALTH_CHECK)] == [("/healthz", at("test:"))]


def test_command_chains_entrypoint_and_dev_files(run_analyzer: Any) -> None:
    result = run_analyzer(compose, {
        "Dockerfile": "FROM python:3.11\nWORKDIR /srv/app\nENTRYPOINT [\"/srv/app/docker/entry.sh\"]\n"
                      "CMD [\"gunicorn\", \"app:app\"]\n",
        "docker/entry.sh": "#!/bin/sh\nexec \"$@\"\n",
        "compose.dev.yaml": """\
            services:
              web:
                build: .
                command: >
                  sh -c "python manage.py migrate &&
                         python manage.py runserver 0.0.0.0:8000"
                ports: ["8000"]
              worker:
                build: .
                entrypoint: ["dockerize", "-wait", "tcp://db:5432", "-timeout", "30s"]
                command: rq worker --url redis://redis:6379
            """,
    })
    web = {k: (v, f.source.confidence) for f in result.of(Kind.PROCESS, "web") for k, v in f.fields.items()}
    assert web["command"] == ("python manage.py runserver 0.0.0.0:8000", Confidence.HEURISTIC)
    assert [(s.key, s.source.line) for s in result.of(Kind.RELEASE_STEP)] == [("python manage.py migrate", 4)]
    worker = {k: v for f in result.of(Kind.PROCESS, "worker") for k, v in f.fields.items()}
    assert worker["command"] == "rq worker --url redis://redis:6379"


def test_non_python_builds_and_broken_files(run_analyzer: Any) -> None:
    result = run_analyzer(compose, {
        "frontend/Dockerfile": "FROM node:20\nCMD [\"npm\", \"start\"]\n",
        "docker-compose.yml": "services:\n  ui:\n    build: ./frontend\n",
        "docker/compose.yaml": "services: [\n",
        "compose.override.yml": "version: '3'\n",
    })
    assert result.findings == []
    messages = sorted((w.file, w.line, w.message.split(":")[0]) for w in result.warnings)
    assert ("docker-compose.yml", 3, "service 'ui' builds frontend/Dockerfile, not a Python image") in messages
    assert any(f == "docker/compose.yaml" and "not valid YAML" in m for f, _, m in messages)
    assert any(f == "compose.override.yml" and m.startswith("no services") for f, _, m in messages)


def test_version_one_format_and_interpolate() -> None:
    assert compose.interpolate("${A:-x}-${B-y}-$$HOME") == "x-y-$HOME"
    assert compose.interpolate("${A}") is None
    assert compose._services({"web": {"build": "."}, "db": {"image": "postgres"}}) is not None
