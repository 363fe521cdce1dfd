"""What one Python dependency tells us: framework, task queue, app server, backing services, system packages.

Shared by every Python packaging analyzer (requirements, Pipfile, pyproject, setup.py/cfg), so
``psycopg2`` means the same thing wherever it is declared. This is a data table plus one function.

Pinned files (``pip freeze``, lock files) also list transitive dependencies: ``starlette`` comes with
``fastapi``, ``uvicorn`` is often only gunicorn's worker class, ``aiohttp``/``tornado`` come with many
SDKs, ``kombu``/``amqp`` come with every Celery install whatever its broker. So an entry can name the
``siblings`` that explain it away; when one of them is declared next to it, its runtime claim drops to
HEURISTIC instead of contradicting the real framework at INFERRED, and its mere guesses (kombu ->
RabbitMQ) are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from analyzers import base
from analyzers.base import H, I, Src
from analyzers.providers.python import native_deps
from migrator.model import Confidence, Finding

# Any web framework explains away these two, which are usually only transitive dependencies.
_ANY_FRAMEWORK = frozenset(
    {"django", "flask", "fastapi", "starlette", "pyramid", "bottle", "falcon", "sanic", "quart", "aiohttp", "tornado"}
)
@dataclass(frozen=True)
class Dep:
    """What a dependency implies. ``field``/``value`` is a runtime claim (framework=django ...)."""

    field: str | None = None
    value: str | None = None
    services: tuple[tuple[str, Confidence], ...] = ()
    # Declared together with one of these, the dependency is probably transitive: its runtime claim
    # drops to HEURISTIC and its HEURISTIC service guesses are dropped.
    siblings: frozenset[str] = frozenset()
    extras: tuple[tuple[str, str], ...] = ()  # (extra, service) e.g. celery[redis] -> redis


def _fw(name: str, siblings: frozenset[str] = frozenset()) -> Dep:
    return Dep("framework", name, siblings=siblings)


def _svc(kind: str, confidence: Confidence = I) -> Dep:
    return Dep(services=((kind, confidence),))


_QUEUES = frozenset({"celery", "dramatiq", "kombu"})
_QUEUE_EXTRAS = (("redis", "redis"), ("rabbitmq", "rabbitmq"), ("librabbitmq", "rabbitmq"), ("amqp", "rabbitmq"),
                 ("pymemcache", "memcached"), ("memcache", "memcached"), ("mongodb", "mongodb"))

DEPENDENCIES: dict[str, Dep] = {
    # web frameworks
    "django": _fw("django"),
    "flask": _fw("flask", frozenset({"quart"})),  # Quart >= 0.19 depends on Flask
    "fastapi": _fw("fastapi"),
    "starlette": _fw("starlette", frozenset({"fastapi"})),
    "aiohttp": _fw("aiohttp", _ANY_FRAMEWORK - {"aiohttp"}),
    "tornado": _fw("tornado", _ANY_FRAMEWORK - {"tornado"}),
    "pyramid": _fw("pyramid"),
    "bottle": _fw("bottle"),
    "falcon": _fw("falcon"),
    "sanic": _fw("sanic"),
    "quart": _fw("quart"),
    # task queues
    "celery": Dep("task_queue", "celery", extras=_QUEUE_EXTRAS),
    "rq": Dep("task_queue", "rq", services=(("redis", I),)),  # RQ only speaks Redis
    "dramatiq": Dep("task_queue", "dramatiq", extras=_QUEUE_EXTRAS),
    "huey": Dep("task_queue", "huey", services=(("redis", H),)),  # RedisHuey is the usual, not the only, choice
    # app servers
    "gunicorn": Dep("app_server", "gunicorn"),
    "uwsgi": Dep("app_server", "uwsgi"),
    "pyuwsgi": Dep("app_server", "uwsgi"),
    "uvicorn": Dep("app_server", "uvicorn", siblings=frozenset({"gunicorn"})),  # gunicorn -k UvicornWorker
    "daphne": Dep("app_server", "daphne"),
    "waitress": Dep("app_server", "waitress"),
    "hypercorn": Dep("app_server", "hypercorn"),
    # backing services
    "psycopg": _svc("postgres"),
    "psycopg-binary": _svc("postgres"),
    "psycopg2": _svc("postgres"),
    "psycopg2-binary": _svc("postgres"),
    "asyncpg": _svc("postgres"),
    "pg8000": _svc("postgres"),
    "aiopg": _svc("postgres"),
    "mysqlclient": _svc("mysql"),
    "pymysql": _svc("mysql"),
    "mysql-connector-python": _svc("mysql"),
    "aiomysql": _svc("mysql"),
    "redis": _svc("redis"),
    "django-redis": _svc("redis"),
    "hiredis": _svc("redis"),
    "channels-redis": _svc("redis"),
    "django-rq": _svc("redis"),
    "pika": _svc("rabbitmq"),
    "aio-pika": _svc("rabbitmq"),
    "librabbitmq": _svc("rabbitmq"),
    # Celery's transport layer (and its AMQP client) come with every Celery install, whatever the broker:
    # alone they hint at RabbitMQ, next to a task queue they say nothing.
    "kombu": Dep(services=(("rabbitmq", H),), siblings=_QUEUES),
    "amqp": Dep(services=(("rabbitmq", H),), siblings=_QUEUES),
    "pymemcache": _svc("memcached"),
    "python-memcached": _svc("memcached"),
    "pylibmc": _svc("memcached"),
    "pymongo": _svc("mongodb"),
    "motor": _svc("mongodb"),
    "mongoengine": _svc("mongodb"),
    "elasticsearch": _svc("elasticsearch"),
    "elasticsearch-dsl": _svc("elasticsearch"),
    "psycopg-c": _svc("postgres"),
}


# Heuristic Python floors of popular pins (their releases' Requires-Python), for repos whose only version
# evidence is a pinned requirement: (distribution, first release, lowest Python it supports), newest first.
# Lower confidence (HEURISTIC) than a lock's own metadata, which analyzers.providers.python.ci_python reads.
PYTHON_FLOORS: dict[str, tuple[tuple[str, str], ...]] = {
    "django": (("6.0", "3.12"), ("5.0", "3.10"), ("4.0", "3.8"), ("3.0", "3.6"), ("2.0", "3.4")),
    "numpy": (("2.3", "3.11"), ("2.1", "3.10"), ("1.25", "3.9"), ("1.22", "3.8")),
    "pandas": (("2.1", "3.9"), ("1.4", "3.8")),
}


def _floor(name: str, pin: str) -> str | None:
    key = tuple(int(p) for p in re.findall(r"\d+", pin)[:3])
    for first, python in PYTHON_FLOORS.get(name, ()):
        if key >= tuple(int(p) for p in first.split(".")):
            return python
    return None


def normalize(name: str) -> str:
    """PEP 503 normalised project name: ``Django_Redis`` -> ``django-redis``."""
    return re.sub(r"[-_.]+", "-", name).lower().strip()


def dependency_findings(
    name: str,
    src: Src,
    *,
    extras: Collection[str] = (),
    siblings: Collection[str] = (),
    cap: Confidence | None = None,
    pin: str | None = None,
) -> Iterator[Finding]:
    """Findings implied by depending on ``name`` (with ``extras``, at exact version ``pin``), declared at ``src``.

    ``siblings`` are the other names declared in the same file (normalised), used to tell a direct
    dependency from a transitive one; ``cap`` lowers every claim (optional extras, non-main groups).
    System packages come from :mod:`analyzers.providers.python.native_deps` (see :func:`system_packages`).
    """
    dep_name = normalize(name)
    yield from system_packages(dep_name, src, extras=tuple(normalize(e) for e in extras), pin=pin, cap=cap)
    floor = _floor(dep_name, pin) if pin else None
    if floor and cap is None:
        yield base.runtime(src, H, language="python", version=floor)
    dep = DEPENDENCIES.get(dep_name)
    if dep is None:
        return

    def conf(c: Confidence) -> Confidence:
        return min(c, cap) if cap is not None else c

    note = f"depends on {dep_name}"
    explained = bool((dep.siblings - {dep_name}) & {normalize(s) for s in siblings})
    if dep.field and dep.value:
        fields: dict[str, str] = {"language": "python", dep.field: dep.value}
        yield base.runtime(src, conf(H if explained else I), **fields)
    wanted = {normalize(e) for e in extras}
    services = list(dep.services) + [(svc, I) for extra, svc in dep.extras if extra in wanted]
    best: dict[str, Confidence] = {}
    for kind, confidence in services:
        if explained and confidence <= H:
            continue  # a guess that the sibling explains away (kombu next to celery): no claim at all
        best[kind] = max(best.get(kind, confidence), H if explained else confidence)
    for kind, confidence in best.items():
        yield base.service(kind, src, conf(confidence), note=note)


def system_packages(
    name: str, src: Src, *, extras: tuple[str, ...] = (), pin: str | None = None, cap: Confidence | None = None
) -> Iterator[Finding]:
    """The build and runtime packages of one dependency (normalised ``name``).

    A need on every Python is INFERRED; a need on some Pythons only (no wheel there) is HEURISTIC and
    carries ``compiles_on`` (those Python minors), so the generator keeps it only for a matching image.
    """
    for need in native_deps.need(name, extras, pin):
        confidence = I if need.pythons is None else H
        if cap is not None:
            confidence = min(confidence, cap)
        only = need.pythons
        for package in need.build:
            yield base.system_package(package, src, confidence, stage="build", note=need.why, compiles_on=only)
        for package in need.runtime:
            yield base.system_package(package, src, confidence, stage="runtime", note=need.why, compiles_on=only)
