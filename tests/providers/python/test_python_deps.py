"""python_deps: one dependency -> runtime fields, services and system packages, at honest confidence."""

from __future__ import annotations

from analyzers.base import Src
from analyzers.providers.python.python_deps import dependency_findings, normalize
from migrator.model import Confidence, Finding, Kind

SRC = Src("requirements", "requirements.txt", 7)


def found(name: str, **kwargs: object) -> list[Finding]:
    return list(dependency_findings(name, SRC, **kwargs))  # type: ignore[arg-type]


def by_kind(findings: list[Finding], kind: Kind) -> dict[str, Finding]:
    return {f.key: f for f in findings if f.kind is kind}


def test_normalize_is_pep_503() -> None:
    assert normalize("Django_Redis") == "django-redis"
    assert normalize("zope.interface") == "zope-interface"
    assert normalize("psycopg2__binary") == "psycopg2-binary"


def test_framework_is_inferred_runtime_with_file_and_line() -> None:
    (f,) = found("Django")
    assert f.kind is Kind.RUNTIME
    assert dict(f.fields) == {"language": "python", "framework": "django"}
    assert (f.source.file, f.source.line, f.source.confidence) == ("requirements.txt", 7, Confidence.INFERRED)


def test_task_queue_and_app_server() -> None:
    assert dict(found("celery")[0].fields) == {"language": "python", "task_queue": "celery"}
    assert dict(found("gunicorn")[0].fields) == {"language": "python", "app_server": "gunicorn"}


def test_postgres_driver_binary_needs_no_system_packages() -> None:
    findings = found("psycopg2-binary")
    assert [(f.kind, f.key) for f in findings] == [(Kind.SERVICE, "postgres")]
    assert findings[0].source.confidence is Confidence.INFERRED


def test_psycopg2_source_build_needs_libpq_dev_and_runtime_libpq5() -> None:
    pkgs = by_kind(found("psycopg2"), Kind.SYSTEM_PACKAGE)
    assert pkgs["libpq-dev"].fields["stage"] == "build"
    assert pkgs["libpq5"].fields["stage"] == "runtime"
    assert pkgs["build-essential"].fields["stage"] == "build"
    assert all(p.source.confidence is Confidence.INFERRED for p in pkgs.values())


def test_mysqlclient_packages() -> None:
    findings = found("mysqlclient")
    assert "mysql" in by_kind(findings, Kind.SERVICE)
    pkgs = {k: f.fields["stage"] for k, f in by_kind(findings, Kind.SYSTEM_PACKAGE).items()}
    assert pkgs["default-libmysqlclient-dev"] == "build"
    assert pkgs["pkg-config"] == "build"
    assert pkgs["libmariadb3"] == "runtime"


def test_wheels_need_nothing_but_an_old_pin_compiles_where_it_has_no_wheel() -> None:
    assert found("lxml") == [] and found("cryptography") == [] and found("Pillow") == []
    pkgs = by_kind(found("lxml", pin="4.6.3"), Kind.SYSTEM_PACKAGE)
    assert {k: f.fields["stage"] for k, f in pkgs.items()} == {
        "build-essential": "build", "libxml2-dev": "build", "libxslt1-dev": "build", "libxml2": "runtime",
        "libxslt1.1": "runtime"}
    # 4.6.3 has wheels up to cp310: only newer Pythons compile it, so the claim is per-Python and heuristic
    assert pkgs["libxml2-dev"].fields["compiles_on"] == ("3.11", "3.12", "3.13", "3.14")
    assert pkgs["libxml2-dev"].source.confidence is Confidence.HEURISTIC


def test_services_by_driver() -> None:
    expected = {
        "asyncpg": "postgres", "PyMySQL": "mysql", "mysql-connector-python": "mysql", "redis": "redis",
        "django-redis": "redis", "hiredis": "redis", "pika": "rabbitmq", "pymemcache": "memcached",
        "python-memcached": "memcached", "pymongo": "mongodb", "motor": "mongodb", "mongoengine": "mongodb",
        "elasticsearch": "elasticsearch",
    }
    for dep, svc in expected.items():
        services = by_kind(found(dep), Kind.SERVICE)
        assert list(services) == [svc], dep
        assert services[svc].source.confidence is Confidence.INFERRED, dep


def test_kombu_alone_is_only_heuristic_rabbitmq() -> None:
    services = by_kind(found("kombu", siblings={"kombu", "flask"}), Kind.SERVICE)
    assert services["rabbitmq"].source.confidence is Confidence.HEURISTIC


def test_kombu_and_amqp_next_to_celery_say_nothing() -> None:
    assert found("kombu", siblings={"celery", "kombu"}) == []
    assert found("amqp", siblings={"celery", "kombu", "amqp"}) == []
    services = by_kind(found("pika", siblings={"celery"}), Kind.SERVICE)  # a real AMQP client still counts
    assert services["rabbitmq"].source.confidence is Confidence.INFERRED


def test_celery_extras_name_the_broker() -> None:
    findings = found("celery", extras=("redis",))
    services = by_kind(findings, Kind.SERVICE)
    assert list(services) == ["redis"]
    assert services["redis"].source.confidence is Confidence.INFERRED
    assert by_kind(found("celery"), Kind.SERVICE) == {}


def test_rq_means_redis() -> None:
    assert list(by_kind(found("rq"), Kind.SERVICE)) == ["redis"]


def test_transitive_framework_is_heuristic_next_to_its_parent() -> None:
    (starlette,) = found("starlette", siblings={"fastapi", "starlette"})
    assert starlette.source.confidence is Confidence.HEURISTIC
    (alone,) = found("starlette", siblings={"starlette"})
    assert alone.source.confidence is Confidence.INFERRED
    (uvicorn,) = found("uvicorn", siblings={"Gunicorn"})
    assert uvicorn.source.confidence is Confidence.HEURISTIC
    (aiohttp,) = found("aiohttp", siblings={"django"})
    assert aiohttp.source.confidence is Confidence.HEURISTIC


def test_cap_lowers_every_claim() -> None:
    findings = found("psycopg2", cap=Confidence.HEURISTIC)
    assert findings
    assert {f.source.confidence for f in findings} == {Confidence.HEURISTIC}


def test_unknown_dependency_says_nothing() -> None:
    assert found("requests") == []


def test_a_pin_of_a_popular_package_gives_a_heuristic_python_floor() -> None:
    (django6,) = [f for f in found("Django", pin="6.0.1") if "version" in f.fields]
    assert django6.fields["version"] == "3.12" and django6.source.confidence is Confidence.HEURISTIC
    assert [f.fields["version"] for f in found("django", pin="5.2") if "version" in f.fields] == ["3.10"]
    assert [f for f in found("django") if "version" in f.fields] == []  # unpinned says nothing
