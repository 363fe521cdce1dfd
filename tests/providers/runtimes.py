"""Which runtime each fixture under ``fixtures/`` is an app of: the one table the provider conformance
suite (``tests/providers/test_conformance.py``) reads.

The runtime is the fixture's *primary* runtime as its README describes the app (a Django app with a
webpack build would still be ``python``). A runtime with no registered provider is listed too (rust):
the suite then asserts what migrate does today for it (no Dockerfile, "is not supported yet"). Adding a
fixture means adding its line here; the suite fails on a fixture directory this table does not name.
"""

from __future__ import annotations

from tests.conftest import FIXTURES

FIXTURE_RUNTIMES: dict[str, str] = {
    "compose-django": "python",
    "django-sqlite-systemd": "python",
    "fabric1-py27": "python",
    "fabric1-systemd": "python",
    "fabric2-supervisor": "python",
    "flask-gunicorn": "python",
    "heroku-django": "python",
    "nest-media-queue": "node",  # NestJS API + Bull worker, systemd units, Node 20
    "pipenv-celery": "python",
    "planted-secrets": "python",
    "pm2-ops-api": "node",  # Express under PM2 cluster mode, Node 18
    "poetry-fastapi": "python",
    "rust-ledger": "rust",  # a runtime migrate has no provider for
    "shell-case-deploy": "python",
    "shell-deployed": "python",
    "supervisor-caddy": "python",
    "uv-workspace-app": "python",
    "workspaces-monorepo": "node",  # npm workspaces on Heroku, Node 22
    "wsgiref-dashboard": "python",
}

# Words in a generated Dockerfile that only an image of that runtime has a reason to contain
# (matched case-sensitively, not preceded by a letter, digit or underscore: see test_conformance).
RUNTIME_TOKENS: dict[str, tuple[str, ...]] = {
    "python": ("venv", "pip ", "python -c", "PYTHON", "/opt/venv"),
    "node": ("npm ", "node_modules", "NODE_ENV", "yarn", "pnpm"),
}

# Runtimes whose tools an image of the key runtime may use in a build stage (never in the final stage):
# node-gyp builds native modules with Python, so a node image's build stage may install and point at it.
BUILD_TOOL_RUNTIMES: dict[str, frozenset[str]] = {
    "node": frozenset({"python"}),
}


def fixture_names() -> list[str]:
    """Every fixture directory (a non-empty directory under ``fixtures/``), sorted."""
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and any(p.iterdir()))


def runtime_of(fixture: str) -> str:
    return FIXTURE_RUNTIMES[fixture]
