"""Throwaway backing services (PostgreSQL, Redis) and the env values that point the app at them.

Which services to start comes from the analysis (``services`` findings) and from the env names the
manifests use (``DATABASE_URL`` means a database, ``CELERY_BROKER_URL`` a broker). Their URLs are
wired into every name the app reads; every other Secret key gets a clearly fake value so pods can
start. Nothing here is a real credential: the values say ``verify`` and ``fake`` on purpose.
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
        return f"redis://{self.host}:{self.port}/0"


POSTGRES = BackingService(
    "postgres", "verify-postgres", "postgres:15", 5432,
    {"POSTGRES_USER": USER, "POSTGRES_PASSWORD": PASSWORD, "POSTGRES_DB": DB},
    ("pg_isready", "-h", "127.0.0.1", "-U", USER, "-d", DB),
)
REDIS = BackingService("redis", "verify-redis", "redis:7", 6379, {}, ("redis-cli", "ping"))
_KINDS = {"postgres": POSTGRES, "postgresql": POSTGRES, "redis": REDIS}


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
    """The services to start: those the analysis found plus those the env names imply."""
    objects = list(objects)
    names = env_names(objects)
    kinds = {k.lower() for k in analysed}
    if names & _PG_URL or any(_pg_split(n) for n in names):
        kinds.add("postgres")
    if names & (_REDIS_URL | _BROKER_URL) or any(n.startswith("REDIS_") for n in names):
        kinds.add("redis")
    found = {_KINDS[k].kind: _KINDS[k] for k in kinds if k in _KINDS}
    return [found[k] for k in sorted(found)]


def unsupported(analysed: Iterable[str]) -> list[str]:
    """Analysed service kinds verify cannot start (reported as a note)."""
    return sorted({k for k in analysed if k.lower() not in _KINDS})


def _pg_split(name: str) -> str | None:
    for prefix in _PG_PREFIXES:
        if name.startswith(prefix):
            suffix = name[len(prefix):]
            return {"HOST": "host", "HOSTNAME": "host", "PORT": "port", "USER": "user", "USERNAME": "user",
                    "PASSWORD": "password", "PASS": "password", "NAME": "db", "DB": "db", "DATABASE": "db"}.get(suffix)
    return None


def wiring(names: Iterable[str], services: Iterable[BackingService]) -> dict[str, str]:
    """Values for every env name that should point at a started service."""
    by_kind = {s.kind: s for s in services}
    out: dict[str, str] = {}
    pg, redis = by_kind.get("postgres"), by_kind.get("redis")
    for name in names:
        if pg and name in _PG_URL:
            out[name] = pg.url
        elif redis and name in _REDIS_URL | _BROKER_URL:
            out[name] = redis.url
        elif pg and (part := _pg_split(name)):
            out[name] = {"host": pg.host, "port": str(pg.port), "user": USER, "password": PASSWORD, "db": DB}[part]
        elif redis and name.startswith("REDIS_") and name[6:] in ("HOST", "PORT", "PASSWORD"):
            out[name] = {"HOST": redis.host, "PORT": str(redis.port), "PASSWORD": ""}[name[6:]]
    return out


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
