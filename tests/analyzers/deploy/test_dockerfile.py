"""The repo's own Dockerfiles as evidence (analyzers/deploy/dockerfile.py), with file and line for each fact."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import dockerfile
from migrator.model import Confidence, Kind

MULTI_STAGE = """\
ARG PYTHON_VERSION=3.12
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
RUN apt-get update \\
    && apt-get install -y --no-install-recommends \\
        gcc \\
        libpq-dev \\
    && rm -rf /var/lib/apt/lists/*
RUN pip wheel -r requirements.txt -w /wheels

FROM node:20-slim AS assets
RUN apt-get install -y optipng && npm ci && npm run build

FROM python:${PYTHON_VERSION}-slim-bookworm
ENV PYTHONUNBUFFERED=1 \\
    DJANGO_SETTINGS_MODULE=shop.settings \\
    MEDIA_ROOT=/code/media
ENV SECRET_KEY django-insecure-abcdefghijklmnopqrstuvwxyz0123456789
RUN <<EOT
apt-get update
apt-get install -y gettext libpq5
EOT
WORKDIR /code
COPY . .
RUN python manage.py collectstatic --noinput
EXPOSE 8000/tcp
USER shop:shop
VOLUME ["/code/media"]
HEALTHCHECK --interval=30s CMD curl -f http://localhost:8000/healthz/ || exit 1
ENTRYPOINT ["/code/docker/entrypoint.sh"]
CMD ["gunicorn", "shop.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
"""
ENTRYPOINT = """\
#!/bin/sh
set -e
python manage.py migrate --noinput
exec "$@"
"""


def _fields(result: Any, kind: Kind, key: str) -> dict[str, tuple[Any, int | None, Confidence]]:
    return {k: (v, f.source.line, f.source.confidence) for f in result.of(kind, key) for k, v in f.fields.items()}


def test_every_fact_with_its_line(run_analyzer: Any) -> None:
    result = run_analyzer(dockerfile, {"Dockerfile": MULTI_STAGE, "docker/entrypoint.sh": ENTRYPOINT})
    runtime = _fields(result, Kind.RUNTIME, "")
    assert runtime["version"] == ("3.12", 13, Confidence.INFERRED)  # the final stage's FROM, ARG substituted
    packages = {f.key: (f.fields["stage"], f.source.line) for f in result.of(Kind.SYSTEM_PACKAGE)}
    # the build stage's packages are build-stage ones; the node stage's optipng is not the app image's
    assert packages == {"gcc": ("build", 4), "libpq-dev": ("build", 4), "gettext": ("runtime", 20),
                        "libpq5": ("runtime", 20)}
    steps = {(f.kind, f.key): f.source.line for f in result.findings if f.kind in (Kind.BUILD_STEP,
                                                                                  Kind.RELEASE_STEP)}
    assert steps == {(Kind.BUILD_STEP, "npm run build"): 11,
                     (Kind.BUILD_STEP, "python manage.py collectstatic --noinput"): 24}
    env = {f.key: (f.fields.get("default"), f.source.line) for f in result.of(Kind.ENV)}
    assert env == {"DJANGO_SETTINGS_MODULE": ("shop.settings", 14), "MEDIA_ROOT": ("media", 14),
                   "SECRET_KEY": (None, 17)}  # PYTHONUNBUFFERED is image plumbing; /code/media is in the image
    assert [(s.name, s.line) for s in result.secrets] == [("SECRET_KEY", 17)]
    web = _fields(result, Kind.PROCESS, "web")
    assert web["command"] == ("gunicorn shop.wsgi:application --bind 0.0.0.0:8000 --workers 3", 30,
                              Confidence.INFERRED)
    assert web["role"][:2] == ("web", 30)
    assert web["working_dir"][:2] == ("/code", 22)
    assert web["user"][:2] == ("shop", 26)
    assert [(f.key, f.source.line) for f in result.of(Kind.VOLUME)] == [("media", 27)]
    assert [(f.key, f.source.line) for f in result.of(Kind.HEALTH_CHECK)] == [("/healthz/", 28)]
    # the entrypoint script ends in exec "$@": CMD is the process; the script is a *.sh the shell analyzer reads
    assert result.of(Kind.RELEASE_STEP) == []
    assert not result.warnings


def test_entrypoint_script_outside_the_shell_analyzers_reach_is_read(run_analyzer: Any) -> None:
    result = run_analyzer(dockerfile, {
        "Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY start /usr/local/bin/start\n"
                      "ENTRYPOINT [\"start\"]\nCMD [\"celery\", \"-A\", \"proj\", \"worker\"]\n",
        "start": ENTRYPOINT,
    })
    # `start` has no .sh suffix and lives at the root: the shell analyzer does not read it, this one does
    assert [(f.key, f.source.file, f.source.line) for f in result.of(Kind.RELEASE_STEP)] == [
        ("python manage.py migrate --noinput", "start", 3)]
    assert _fields(result, Kind.PROCESS, "worker")["command"][0] == "celery -A proj worker"


def test_shell_form_chain_and_wait_wrapper(run_analyzer: Any) -> None:
    result = run_analyzer(dockerfile, {"Dockerfile": (
        "FROM python:3.10\nWORKDIR /srv/app\nEXPOSE 5000\n"
        "CMD ./wait-for-it.sh db:5432 -- sh -c 'python manage.py migrate && exec gunicorn app:app -b :5000'\n")})
    web = _fields(result, Kind.PROCESS, "web")
    assert web["command"][0] == "gunicorn app:app -b :5000" and web["port"][0] == 5000
    (release,) = result.of(Kind.RELEASE_STEP)
    assert (release.key, release.source.line, release.fields["note"]) == (
        "python manage.py migrate", 4, "run at every container start")


def test_dev_server_is_only_a_hint(run_analyzer: Any) -> None:
    result = run_analyzer(dockerfile, {"docker/dev.Dockerfile": (
        "FROM python:3.12\nCMD python manage.py runserver 0.0.0.0:8000\n")})
    web = _fields(result, Kind.PROCESS, "web")
    assert web["command"][0] == "python manage.py runserver 0.0.0.0:8000"
    assert web["command"][2] is Confidence.HEURISTIC and web["dev_server"][0] is True


def test_private_and_unknown_bases_are_reported_never_used(run_analyzer: Any) -> None:
    result = run_analyzer(dockerfile, {
        "Dockerfile": "FROM registry.corp.example.com/base/python:3.9\nRUN pip install -r requirements.txt\n",
        "Dockerfile.alpine": "FROM corp/django-base:2.4\nRUN apk add --no-cache postgresql-dev\n"
                             "CMD [\"gunicorn\", \"app:app\"]\n",
        "Dockerfile.arg": "ARG BASE\nFROM ${BASE}\nCMD python app.py\n",
    })
    messages = {(w.file, w.line): w.message for w in result.warnings}
    assert "a private or unknown base image (its tag suggests Python 3.9)" in messages[("Dockerfile", 1)]
    assert "does not use it" in messages[("Dockerfile", 1)]
    assert "private or unknown" in messages[("Dockerfile.alpine", 1)]
    assert "apk add: package names of another distribution" in messages[("Dockerfile.alpine", 2)]
    assert "an ARG without a default" in messages[("Dockerfile.arg", 2)]
    (runtime,) = result.of(Kind.RUNTIME)
    assert (runtime.fields["version"], runtime.source.confidence) == ("3.9", Confidence.HEURISTIC)
    assert result.of(Kind.SYSTEM_PACKAGE) == []  # Alpine names would break the Debian-based image


def test_other_images_and_generated_files_are_skipped(run_analyzer: Any) -> None:
    result = run_analyzer(dockerfile, {
        "frontend/Dockerfile": "FROM node:20\nRUN npm ci\nCMD [\"npm\", \"start\"]\n",
        "deploy/image/Dockerfile": "# Generated by `migrate generate`. Edit freely\nFROM python:3.11-slim\n"
                                   "CMD [\"gunicorn\", \"app:app\"]\n",
        "Dockerfile.dockerignore": ".git\n",
        "docs/Dockerfile.md": "# how to build\n",
    })
    assert result.findings == []
    assert [(w.file, w.line) for w in result.warnings] == [("frontend/Dockerfile", 1)]
    assert "not a Python image" in result.warnings[0].message


def test_a_bad_line_is_a_warning_and_the_rest_is_read(run_analyzer: Any) -> None:
    result = run_analyzer(dockerfile, {"Containerfile": "FROM python:3.12-slim\nthis is not docker\nEXPOSE 9000\n"
                                                        "CMD [\"uvicorn\", \"main:app\", \"--port\", \"9000\"]\n"})
    assert [(w.line, w.message) for w in result.warnings] == [(2, "'this' is not a Dockerfile instruction; ignored")]
    assert _fields(result, Kind.PROCESS, "web")["port"][0] == 9000
