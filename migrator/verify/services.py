"""Throwaway backing services (PostgreSQL, MySQL/MariaDB, Redis) and the env values that point the app at them.

Which services to start comes from the analysis (``services`` findings) and from the env names the
manifests use (``DATABASE_URL`` means a database, ``MYSQL_HOST`` a MySQL one, ``CELERY_BROKER_URL`` a
broker). Their URLs are wired into every name the app reads; every other Secret key gets a clearly fake
value so pods can start. Nothing here is a real credential: the values say ``verify`` and ``fake`` on purpose.

The generic database names (``DATABASE_URL``, Laravel's and WordPress' ``DB_HOST``/``DB_DATABASE``/...,
Django's ``DB_NAME``) say nothing about which database: they go to PostgreSQL, as they always have,
unless MySQL is the only database evidenced (the analysis found mysql/mariadb, a ``MYSQL_*`` name, or a
ConfigMap says ``DB_CONNECTION=mysql`` or holds a ``mysql://`` URL) and nothing evidences PostgreSQL.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from migrator.verify.manifests import Manifest, containers

USER, PASSWORD, DB = "verify", "verify-fake-password", "verify"

_PG_URL = {"DATABASE_URL", "POSTGRES_URL", "POSTGRESQL_URL", "DB_URL", "SQLALCHEMY_DATABASE_URI", "PG_URL"}
_REDIS_URL = {"REDIS_URL", "REDIS_URI", "CACHE_URL", "RQ_REDIS_URL", "REDIS_TLS_URL"}
_BROKER_URL = {"CELERY_BROKER_URL", "BROKER_URL", "CELERY_RESULT_BACKEND", "RESULT_BACKEND"}
# Django/12-factor style split settings: suffix -> value, for each prefix.
_PG_PREFIXES = ("DB_", "DATABASE_", "POSTGRES_", "POSTGRESQL_", "PG")
_REDIS_PREFIXES = ("REDIS_",)
# names and prefixes that say which database, as opposed to the generic DB_*/DATABASE_* and URL names
_GENERIC_PREFIXES = ("DB_", "DATABASE_")
_GENERIC_URL = {"DATABASE_URL", "DB_URL", "SQLALCHEMY_DATABASE_URI"}
_MYSQL_URL = {"MYSQL_URL", "MYSQL_DATABASE_URL", "MARIADB_URL", "CLEARDB_DATABASE_URL", "JAWSDB_URL",
              "JAWSDB_MARIA_URL"}
_PG_OWN_PREFIXES = ("POSTGRES_", "POSTGRESQL_", "PG")
_MYSQL_OWN_PREFIXES = ("MYSQL_", "MARIADB_", "WORDPRESS_DB_")  # WORDPRESS_DB_*: the official wordpress image's
_SPLIT_PARTS = {"HOST": "host", "HOSTNAME": "host", "PORT": "port", "USER": "user", "USERNAME": "user",
                "PASSWORD": "password", "PASS": "password", "PWD": "password", "NAME": "db", "DB": "db",
                "DATABASE": "db"}
# values of a ConfigMap or container env that name the driver (Laravel's DB_CONNECTION) or carry a URL
_DRIVER_NAMES = ("DB_CONNECTION", "DB_DRIVER", "DATABASE_DRIVER", "DATABASE_ENGINE", "DB_ENGINE")
_MYSQL_WORDS = ("mysql", "mariadb", "mysqli", "pdo_mysql", "mysql2")
_PG_WORDS = ("pgsql", "postgres", "postgresql", "postgis", "pdo_pgsql")


@dataclass(frozen=True)
class BackingService:
    """A throwaway service container: reachable as ``host:port`` from the app's containers."""

    kind: str
    host: str
    image: str
    port: int
    env: Mapping[str, str] = field(default_factory=dict)
    ready_command: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        if self.kind == "postgres":
            return f"postgresql://{USER}:{PASSWORD}@{self.host}:{self.port}/{DB}"
        if self.kind == "mysql":
            return f"mysql://{USER}:{PASSWORD}@{self.host}:{self.port}/{DB}"
        return f"redis://{self.host}:{self.port}/0"


POSTGRES = BackingService(
    "postgres", "verify-postgres", "postgres:15", 5432,
    {"POSTGRES_USER": USER, "POSTGRES_PASSWORD": PASSWORD, "POSTGRES_DB": DB},
    ("pg_isready", "-h", "127.0.0.1", "-U", USER, "-d", DB),
)
# the official image's contract: the user is granted all on the database; healthcheck.sh --connect answers
# over TCP only once the entrypoint's init-time server (socket only) has given way to the real one
MYSQL = BackingService(
    "mysql", "verify-mysql", "mariadb:10.11", 3306,
    {"MARIADB_ROOT_PASSWORD": "verify-fake-root-password", "MARIADB_DATABASE": DB, "MARIADB_USER": USER,
     "MARIADB_PASSWORD": PASSWORD},
    ("healthcheck.sh", "--connect", "--innodb_initialized"),
)
REDIS = BackingService("redis", "verify-redis", "redis:7", 6379, {}, ("redis-cli", "ping"))
_KINDS = {"postgres": POSTGRES, "postgresql": POSTGRES, "mysql": MYSQL, "mariadb": MYSQL, "redis": REDIS}


def env_names(objects: Iterable[Manifest]) -> set[str]:
    """Every env name the manifests define or reference (ConfigMap/Secret keys, container env)."""
    names: set[str] = set()
    for obj in objects:
        if obj.get("kind") in ("ConfigMap", "Secret"):
            names.update((obj.get("data") or {}).keys())
            names.update((obj.get("stringData") or {}).keys())
        for c in containers(obj):
            names.update(e.get("name", "") for e in c.get("env") or [])
    return names - {""}


def needed(objects: Iterable[Manifest], analysed: Iterable[str] = ()) -> list[BackingService]:
    """The services to start: those the analysis found plus those the env names (and driver values) imply."""
    objects = list(objects)
    names = env_names(objects)
    kinds = {k.lower() for k in analysed} | _declared(objects)
    if names & _MYSQL_URL or any(_split(n, _MYSQL_OWN_PREFIXES) for n in names):
        kinds.add("mysql")
    generic = bool(names & _GENERIC_URL) or any(_split(n, _GENERIC_PREFIXES) for n in names)
    own_pg = bool(names & (_PG_URL - _GENERIC_URL)) or any(_split(n, _PG_OWN_PREFIXES) for n in names)
    if own_pg or (generic and not kinds & {"mysql", "mariadb"}):
        kinds.add("postgres")
    if names & (_REDIS_URL | _BROKER_URL) or any(n.startswith("REDIS_") for n in names):
        kinds.add("redis")
    found = {_KINDS[k].kind: _KINDS[k] for k in kinds if k in _KINDS}
    return [found[k] for k in sorted(found)]


def unsupported(analysed: Iterable[str]) -> list[str]:
    """Analysed service kinds verify cannot start (reported as a note)."""
    return sorted({k for k in analysed if k.lower() not in _KINDS})


def _declared(objects: Iterable[Manifest]) -> set[str]:
    """Databases that literal config values name: ``DB_CONNECTION=mysql`` (Laravel), ``pgsql``, or a database
    URL name whose value's scheme is mysql/postgres, in a ConfigMap or a container's env (Secrets are not read)."""
    out: set[str] = set()
    for name, value in _literal_env(objects):
        v = value.strip().lower()
        if name in _DRIVER_NAMES:
            word = v
        elif name in _PG_URL | _MYSQL_URL and "://" in v:
            word = v.split("://", 1)[0].split("+", 1)[0]  # mysql+pymysql://
        else:
            continue
        if word in _MYSQL_WORDS or word.endswith(".mysql"):  # django.db.backends.mysql
            out.add("mysql")
        elif word in _PG_WORDS or word.endswith((".postgresql", ".postgis")):
            out.add("postgres")
    return out


def _literal_env(objects: Iterable[Manifest]) -> Iterable[tuple[str, str]]:
    for obj in objects:
        if obj.get("kind") == "ConfigMap":
            yield from ((k, str(v)) for k, v in (obj.get("data") or {}).items() if v is not None)
        for c in containers(obj):
            yield from ((e["name"], str(e["value"])) for e in c.get("env") or [] if e.get("name") and e.get("value"))


def _split(name: str, prefixes: Iterable[str]) -> str | None:
    """The part (host, port, user, password, db) a split setting like ``DB_HOST`` names, for those prefixes."""
    for prefix in prefixes:
        if name.startswith(prefix):
            return _SPLIT_PARTS.get(name[len(prefix):])
    return None


def _pg_split(name: str) -> str | None:
    return _split(name, _PG_PREFIXES)


def wiring(names: Iterable[str], services: Iterable[BackingService]) -> dict[str, str]:
    """Values for every env name that should point at a started service.

    The generic database names (``DATABASE_URL``, ``DB_HOST``, ...) go to PostgreSQL when it runs, else to
    MySQL (then ``DB_CONNECTION`` says ``mysql`` too, for Laravel); ``MYSQL_*`` names always go to MySQL.
    """
    by_kind = {s.kind: s for s in services}
    out: dict[str, str] = {}
    pg, mysql, redis = by_kind.get("postgres"), by_kind.get("mysql"), by_kind.get("redis")
    generic_to_mysql = mysql is not None and pg is None
    for name in names:
        if pg and name in _PG_URL:
            out[name] = pg.url
        elif mysql and (name in _MYSQL_URL or (generic_to_mysql and name in _GENERIC_URL)):
            out[name] = mysql.url
        elif redis and name in _REDIS_URL | _BROKER_URL:
            out[name] = redis.url
        elif mysql and (part := _split(name, _MYSQL_OWN_PREFIXES + (_GENERIC_PREFIXES if generic_to_mysql else ()))):
            out[name] = _parts(mysql)[part]
        elif generic_to_mysql and name == "DB_CONNECTION":
            out[name] = "mysql"
        elif pg and (part := _pg_split(name)):
            out[name] = _parts(pg)[part]
        elif redis and name.startswith("REDIS_") and name[6:] in ("HOST", "PORT", "PASSWORD"):
            out[name] = {"HOST": redis.host, "PORT": str(redis.port), "PASSWORD": ""}[name[6:]]
    return out


def _parts(service: BackingService) -> dict[str, str]:
    return {"host": service.host, "port": str(service.port), "user": USER, "password": PASSWORD, "db": DB}


def fake_value(key: str) -> str:
    """A value no one could mistake for a real secret, still long enough for frameworks that check."""
    return f"fake-{key.lower().replace('_', '-')}-for-migrate-verify-only"


def secret_refs(objects: Iterable[Manifest]) -> dict[str, set[str]]:
    """Secret name -> keys that pod templates read through ``secretKeyRef`` (``envFrom`` reads all)."""
    refs: dict[str, set[str]] = {}
    for obj in objects:
        for c in containers(obj):
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref and ref.get("name"):
                    refs.setdefault(ref["name"], set()).add(ref.get("key", e.get("name", "")))
            for src in c.get("envFrom") or []:
                if (src.get("secretRef") or {}).get("name"):
                    refs.setdefault(src["secretRef"]["name"], set())
    return refs


def fake_secrets(objects: list[Manifest], wired: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Every Secret the pods need, name -> {key: value}: wired service URLs, else a fake value.

    Secrets the manifests reference but do not define are included too (an operator creates those
    in production; for verification they must exist).
    """
    out: dict[str, dict[str, str]] = {}
    for obj in objects:
        if obj.get("kind") == "Secret":
            present = [*(obj.get("data") or {}), *(obj.get("stringData") or {})]
            out[obj["metadata"]["name"]] = {k: wired.get(k, fake_value(k)) for k in present}
    for name, keys in secret_refs(objects).items():
        values = out.setdefault(name, {})
        for key in keys:
            values.setdefault(key, wired.get(key, fake_value(key)))
    return out


def blank_fallback(name: str) -> str | None:
    """A verify-time value for a required setting the manifests leave empty (a TODO for the operator).

    Only host allow-lists: an empty ``ALLOWED_HOSTS`` makes Django answer 400 to every request, so
    the health check could never pass; ``*`` lets it answer (reported as a note, never generated).
    """
    return "*" if name.upper().endswith("ALLOWED_HOSTS") else None


def configmaps(objects: list[Manifest], wired: Mapping[str, str],
               notes: list[str] | None = None) -> dict[str, dict[str, str]]:
    """ConfigMap name -> data: service keys pointed at the throwaway services, empty host lists filled."""
    out: dict[str, dict[str, str]] = {}
    for o in (o for o in objects if o.get("kind") == "ConfigMap"):
        data: dict[str, str] = {}
        for k, v in (o.get("data") or {}).items():
            data[k] = wired.get(k, "" if v is None else str(v))
            if not data[k] and (fill := blank_fallback(k)) is not None:
                data[k] = fill
                if notes is not None:
                    notes.append(f"{k} is empty in ConfigMap {o['metadata']['name']} (set it before deploying); "
                                 f"verify used {fill!r}")
        out[o["metadata"]["name"]] = data
    return out


def secret_manifest(name: str, values: Mapping[str, str]) -> dict[str, Any]:
    """A Secret object carrying ``values`` (base64, as the API stores them)."""
    data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque", "data": data}
