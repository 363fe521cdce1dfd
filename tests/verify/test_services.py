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


def _wired(names: list[str], objs: list[dict[str, Any]], analysed: tuple[str, ...] = ()) -> dict[str, str]:
    return svc.wiring(names, svc.needed(objs, analysed))


def test_laravel_split_settings_go_to_mysql_when_the_analysis_found_mysql() -> None:
    laravel = ["DB_CONNECTION", "DB_HOST", "DB_PORT", "DB_DATABASE", "DB_USERNAME", "DB_PASSWORD"]
    objs = [_cm(**{n: "" for n in laravel})]
    assert [s.kind for s in svc.needed(objs, ["mysql"])] == ["mysql"]  # not postgres as well
    assert _wired(laravel, objs, ("mysql",)) == {
        "DB_CONNECTION": "mysql", "DB_HOST": "verify-mysql", "DB_PORT": "3306", "DB_DATABASE": "verify",
        "DB_USERNAME": "verify", "DB_PASSWORD": "verify-fake-password"}


def test_wordpress_and_prefixed_names_go_to_mysql() -> None:
    names = ["DB_NAME", "DB_USER", "DB_PASSWORD", "DB_HOST", "WORDPRESS_DB_HOST", "WORDPRESS_DB_NAME",
             "MYSQL_HOST", "MYSQL_PORT", "MYSQL_USER", "MYSQL_PASSWORD", "MYSQL_DATABASE", "MYSQL_ROOT_PASSWORD"]
    wired = _wired(names, [_cm(**{n: "" for n in names})], ("mariadb",))
    assert wired["DB_HOST"] == wired["WORDPRESS_DB_HOST"] == wired["MYSQL_HOST"] == "verify-mysql"
    assert wired["DB_NAME"] == wired["WORDPRESS_DB_NAME"] == wired["MYSQL_DATABASE"] == "verify"
    assert (wired["DB_USER"], wired["MYSQL_PORT"]) == ("verify", "3306")
    assert wired["MYSQL_PASSWORD"] == wired["DB_PASSWORD"] == "verify-fake-password"
    assert "MYSQL_ROOT_PASSWORD" not in wired  # the app is a client: it gets a fake, the service has its own


def test_mysql_names_alone_start_mysql_and_the_url_points_at_it() -> None:
    assert [s.kind for s in svc.needed([_cm(MYSQL_HOST="db", MYSQL_DATABASE="shop")])] == ["mysql"]
    assert [s.kind for s in svc.needed([_cm(DATABASE_URL="", MYSQL_URL="")])] == ["mysql"]
    assert _wired(["DATABASE_URL", "MYSQL_URL"], [_cm(MYSQL_URL="")]) == {
        "DATABASE_URL": "mysql://verify:verify-fake-password@verify-mysql:3306/verify",
        "MYSQL_URL": "mysql://verify:verify-fake-password@verify-mysql:3306/verify"}


def test_config_values_name_the_driver_names_cannot() -> None:
    # DB_CONNECTION=mysql (Laravel), a DATABASE_URL whose scheme is mysql, Django's ENGINE; Secrets never read
    for cm in (_cm(DB_CONNECTION="mysql", DB_HOST="127.0.0.1"), _cm(DATABASE_URL="mysql://app@db/shop"),
               _cm(DATABASE_URL="mysql+pymysql://app@db/shop"), _cm(DB_ENGINE="django.db.backends.mysql", DB_NAME="x")):
        assert [s.kind for s in svc.needed([cm])] == ["mysql"], cm
    assert [s.kind for s in svc.needed([_cm(DB_CONNECTION="pgsql", DB_HOST="127.0.0.1")])] == ["postgres"]
    deploy = _deploy([{"name": "DB_CONNECTION", "value": "mariadb"}, {"name": "DB_HOST", "value": "db"}])
    assert [s.kind for s in svc.needed([deploy])] == ["mysql"]
    secret = {"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"DATABASE_URL": "mysql://a@b/c"}}
    assert [s.kind for s in svc.needed([secret])] == ["postgres"]  # a name alone: the old default


def test_postgres_keeps_the_generic_names_when_both_are_evidenced() -> None:
    names = ["DATABASE_URL", "DB_HOST", "MYSQL_HOST", "DB_CONNECTION"]
    objs = [_cm(**{n: "" for n in names})]
    assert [s.kind for s in svc.needed(objs, ["postgres"])] == ["mysql", "postgres"]
    wired = _wired(names, objs, ("postgres",))
    assert wired == {"DATABASE_URL": "postgresql://verify:verify-fake-password@verify-postgres:5432/verify",
                     "DB_HOST": "verify-postgres", "MYSQL_HOST": "verify-mysql"}
    # a PG* name says postgres even though the analysis found mysql: the generic names stay with it
    assert [s.kind for s in svc.needed([_cm(DB_HOST="", PGHOST="")], ["mysql"])] == ["mysql", "postgres"]
    assert _wired(["DB_HOST"], [_cm(DB_HOST="", PGHOST="")], ("mysql",)) == {"DB_HOST": "verify-postgres"}


def test_mysql_is_started_from_mariadb_with_the_official_contract() -> None:
    assert svc.unsupported(["mysql", "MariaDB"]) == []
    assert (svc.MYSQL.image, svc.MYSQL.host, svc.MYSQL.port) == ("mariadb:10.11", "verify-mysql", 3306)
    assert svc.MYSQL.env["MARIADB_USER"] == svc.USER and svc.MYSQL.env["MARIADB_DATABASE"] == svc.DB
    assert svc.MYSQL.env["MARIADB_PASSWORD"] == svc.PASSWORD and svc.MYSQL.env["MARIADB_ROOT_PASSWORD"]
    assert svc.MYSQL.ready_command == ("healthcheck.sh", "--connect", "--innodb_initialized")
