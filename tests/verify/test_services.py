"""Which backing services start, how their URLs reach the app, and the fake Secret values."""

from __future__ import annotations

from typing import Any

from migrator.verify import services as svc


def _cm(**data: str) -> dict[str, Any]:
    return {"kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": data}


def _deploy(env: list[dict[str, Any]], env_from: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    container = {"name": "web", "image": "app", "env": env, "envFrom": env_from or []}
    spec = {"template": {"spec": {"containers": [container]}}}
    return {"kind": "Deployment", "metadata": {"name": "web"}, "spec": spec}


def test_database_url_and_broker_start_postgres_and_redis() -> None:
    objs = [_cm(DATABASE_URL="", CELERY_BROKER_URL="")]
    assert [s.kind for s in svc.needed(objs)] == ["postgres", "redis"]


def test_django_split_settings_imply_postgres() -> None:
    assert [s.kind for s in svc.needed([_cm(DB_HOST="localhost", DB_NAME="shop")])] == ["postgres"]


def test_nothing_needed_without_hints() -> None:
    assert svc.needed([_cm(APP_ENV="production", PORT="8000")]) == []


def test_analysed_services_are_started_and_unknown_ones_reported() -> None:
    assert [s.kind for s in svc.needed([], ["postgresql", "redis"])] == ["postgres", "redis"]
    assert svc.unsupported(["postgres", "rabbitmq", "memcached"]) == ["memcached", "rabbitmq"]


def test_wiring_covers_urls_and_split_names() -> None:
    names = ["DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DB_HOST", "DB_PORT",
             "DB_USER", "DB_PASSWORD", "DB_NAME", "POSTGRES_DB", "PGHOST", "REDIS_HOST", "APP_ENV"]
    wired = svc.wiring(names, [svc.POSTGRES, svc.REDIS])
    assert wired["DATABASE_URL"] == "postgresql://verify:verify-fake-password@verify-postgres:5432/verify"
    assert wired["REDIS_URL"] == wired["CELERY_BROKER_URL"] == wired["CELERY_RESULT_BACKEND"] == \
        "redis://verify-redis:6379/0"
    assert (wired["DB_HOST"], wired["DB_PORT"], wired["DB_USER"], wired["DB_NAME"]) == \
        ("verify-postgres", "5432", "verify", "verify")
    assert wired["DB_PASSWORD"] == "verify-fake-password"
    assert wired["POSTGRES_DB"] == "verify" and wired["PGHOST"] == "verify-postgres"
    assert wired["REDIS_HOST"] == "verify-redis"
    assert "APP_ENV" not in wired


def test_wiring_needs_the_service_started() -> None:
    assert svc.wiring(["DATABASE_URL", "REDIS_URL"], [svc.REDIS]) == {"REDIS_URL": "redis://verify-redis:6379/0"}


def test_every_secret_key_gets_a_fake_value_and_referenced_secrets_exist() -> None:
    secret = {"kind": "Secret", "metadata": {"name": "app-secrets"},
              "stringData": {"SECRET_KEY": "", "DATABASE_URL": ""}, "data": {"API_TOKEN": "Y2hhbmdlbWU="}}
    deploy = _deploy(
        [{"name": "STRIPE_KEY", "valueFrom": {"secretKeyRef": {"name": "external", "key": "stripe"}}}],
        [{"secretRef": {"name": "other"}}],
    )
    out = svc.fake_secrets([secret, deploy], {"DATABASE_URL": "postgresql://x"})
    assert out["app-secrets"] == {
        "SECRET_KEY": "fake-secret-key-for-migrate-verify-only",
        "DATABASE_URL": "postgresql://x",
        "API_TOKEN": "fake-api-token-for-migrate-verify-only",
    }
    assert out["external"] == {"stripe": "fake-stripe-for-migrate-verify-only"}
    assert out["other"] == {}


def test_configmap_values_point_at_the_throwaway_services() -> None:
    out = svc.configmaps([_cm(DB_HOST="db.internal", APP_ENV="prod")], {"DB_HOST": "verify-postgres"})
    assert out == {"cfg": {"DB_HOST": "verify-postgres", "APP_ENV": "prod"}}


def test_secret_manifest_is_base64() -> None:
    assert svc.secret_manifest("s", {"A": "b"})["data"] == {"A": "Yg=="}


def test_empty_allowed_hosts_is_filled_and_reported() -> None:
    notes: list[str] = []
    out = svc.configmaps([_cm(ALLOWED_HOSTS="", DJANGO_DEBUG="False", EMPTY="")], {}, notes)
    assert out == {"cfg": {"ALLOWED_HOSTS": "*", "DJANGO_DEBUG": "False", "EMPTY": ""}}
    assert notes == ["ALLOWED_HOSTS is empty in ConfigMap cfg (set it before deploying); verify used '*'"]
    assert svc.configmaps([_cm(ALLOWED_HOSTS="shop.example.com")], {}) == {"cfg": {"ALLOWED_HOSTS": "shop.example.com"}}
