"""requirements: pip requirements files, includes, markers, URLs, and which file is production."""

from __future__ import annotations

from typing import Any

from analyzers.providers.python import requirements
from analyzers.providers.python.requirements import main_file, parse_requirement
from migrator.model import Confidence, Kind


def where(finding: Any) -> tuple[str, int | None]:
    return (finding.source.file, finding.source.line)


def test_parse_requirement_forms() -> None:
    r = parse_requirement("Celery[Redis, msgpack] >=5.3,<6 ; python_version >= '3.8'")
    assert r is not None
    assert (r.name, r.extras, r.marker) == ("celery", ("redis", "msgpack"), "python_version >= '3.8'")
    url = parse_requirement("mylib @ https://example.com/mylib-1.0.tar.gz ; sys_platform == 'linux'")
    assert url is not None and url.url == "https://example.com/mylib-1.0.tar.gz" and url.name == "mylib"
    assert parse_requirement("django") is not None
    assert parse_requirement("not a requirement at all") is None


def test_simple_file_values_and_lines(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {
        "requirements.txt": """\
            # web app
            Django==4.2.7
            gunicorn>=21  # server

            psycopg2==2.9.9 \\
                --hash=sha256:abc \\
                --hash=sha256:def
            celery[redis]==5.3.6
            """,
    })
    assert res.field(Kind.RUNTIME, "", "requirements_file") == "requirements.txt"
    assert res.field(Kind.RUNTIME, "", "package_manager") == "pip"
    fw = [f for f in res.of(Kind.RUNTIME) if "framework" in f.fields]
    assert [(f.fields["framework"], where(f)) for f in fw] == [("django", ("requirements.txt", 2))]
    server = next(f for f in res.of(Kind.RUNTIME) if "app_server" in f.fields)
    assert where(server) == ("requirements.txt", 3)
    assert where(res.one(Kind.SERVICE, "postgres")) == ("requirements.txt", 5)
    assert where(res.one(Kind.SERVICE, "redis")) == ("requirements.txt", 8)
    assert res.one(Kind.SERVICE, "redis").source.confidence is Confidence.INFERRED
    assert res.field(Kind.SYSTEM_PACKAGE, "libpq-dev", "stage") == "build"
    assert where(res.one(Kind.SYSTEM_PACKAGE, "libpq5")) == ("requirements.txt", 5)
    assert res.warnings == []


def test_production_file_is_main_and_dev_files_infer_no_services(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {
        "requirements/base.txt": "django==4.2\nredis==5.0\n",
        "requirements/production.txt": "-r base.txt\ngunicorn==21.2\npsycopg2-binary==2.9\n",
        "requirements/local.txt": "-r base.txt\npymongo==4.6\n",
        "requirements/test.txt": "-r local.txt\npytest\n",
    })
    assert res.field(Kind.RUNTIME, "", "requirements_file") == "requirements/production.txt"
    assert res.keys(Kind.SERVICE) == ["postgres", "redis"]  # no mongodb: local.txt is dev-only
    assert where(res.one(Kind.SERVICE, "redis")) == ("requirements/base.txt", 2)
    assert where(res.one(Kind.SERVICE, "postgres")) == ("requirements/production.txt", 3)
    managers = {f.source.file for f in res.of(Kind.RUNTIME) if "package_manager" in f.fields}
    assert managers == {"requirements/base.txt", "requirements/production.txt"}


def test_root_requirements_including_production(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {
        "requirements.txt": "# Heroku\n-r requirements/production.txt\n",
        "requirements/production.txt": "-r ./base.txt\nmysqlclient==2.2\n",
        "requirements/base.txt": "flask\n",
        "requirements-dev.txt": "-r requirements.txt\nredis\n",
    })
    assert res.field(Kind.RUNTIME, "", "requirements_file") == "requirements/production.txt"
    assert res.keys(Kind.SERVICE) == ["mysql"]
    assert where(res.one(Kind.SERVICE, "mysql")) == ("requirements/production.txt", 2)


def test_main_file_choice() -> None:
    assert main_file(["requirements.txt", "requirements-dev.txt"]) == "requirements.txt"
    assert main_file(["requirements.txt", "requirements/prod.txt"]) == "requirements/prod.txt"
    assert main_file(["requirements/base.txt", "requirements/dev.txt"]) == "requirements/base.txt"
    assert main_file(["requirements-test.txt"]) is None


def test_include_cycle_missing_and_outside(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {
        "requirements.txt": "-r requirements/a.txt\n--requirement=missing.txt\n-r ../../etc/passwd\n"
                            "-r /etc/hosts\nflask\n",
        "requirements/a.txt": "-r b.txt\nredis\n",
        "requirements/b.txt": "# loop\n-r a.txt\npymongo\n",
    })
    assert res.keys(Kind.SERVICE) == ["mongodb", "redis"]
    warnings = {(w.file, w.line, w.message) for w in res.warnings}
    assert ("requirements.txt", 2, "included file missing.txt not found") in warnings
    assert ("requirements.txt", 3, "include ../../etc/passwd is outside the repository; not followed") in warnings
    assert ("requirements.txt", 4, "include /etc/hosts is outside the repository; not followed") in warnings
    cycles = [w for w in res.warnings if "cycle" in w.message]
    assert [(w.file, w.line) for w in cycles] == [("requirements/b.txt", 2)]


def test_constraints_install_nothing(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {
        "requirements.txt": "-c constraints.txt\nflask\n",
        "constraints.txt": "redis==5.0\n",
    })
    assert res.keys(Kind.SERVICE) == []
    assert res.warnings == []


def test_vcs_editable_and_url_lines(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {
        "requirements.txt": """\
            -e .
            -e git+https://github.com/org/tasks.git@v1.2#egg=celery[redis]
            git+https://github.com/org/other.git#egg=pymongo
            hiredis @ https://example.com/hiredis-2.0.tar.gz
            https://example.com/archive.zip
            ./vendor/thing
            --index-url https://pypi.org/simple
            --no-binary :all:
            """,
    })
    assert where(res.one(Kind.SERVICE, "redis")) == ("requirements.txt", 2)
    assert where(res.one(Kind.SERVICE, "mongodb")) == ("requirements.txt", 3)
    assert res.field(Kind.SYSTEM_PACKAGE, "git", "stage") == "build"
    assert where(res.one(Kind.SYSTEM_PACKAGE, "git")) == ("requirements.txt", 2)
    unnamed = (5, "URL requirement without #egg=name; its name is unknown")
    assert [(w.line, w.message) for w in res.warnings] == [unnamed]
    assert res.secrets == []


def test_credentials_in_urls_are_secret_findings_without_values(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {
        "requirements.txt": """\
            --extra-index-url https://deploy:s3cr3tPassw0rd@pypi.example.com/simple
            git+https://bot:hunter2token@github.com/org/lib.git#egg=lib
            """,
    })
    assert [(s.file, s.line, s.kind) for s in res.secrets] == [
        ("requirements.txt", 1, "credential_url"),
        ("requirements.txt", 2, "credential_url"),
    ]
    dumped = repr(res.items) + repr(res.warnings)
    assert "s3cr3tPassw0rd" not in dumped and "hunter2token" not in dumped


def test_markers_for_other_platforms_are_skipped(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {
        "requirements.txt": 'pywin32; sys_platform == "win32"\nwaitress ; platform_system == "Windows"\n'
                            'psycopg2-binary; python_version >= "3.8"\n',
    })
    assert not [f for f in res.of(Kind.RUNTIME) if "app_server" in f.fields]
    assert where(res.one(Kind.SERVICE, "postgres")) == ("requirements.txt", 3)


def test_pip_freeze_keeps_the_real_framework(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {
        "requirements.txt": "aiohttp==3.9\nfastapi==0.110\nstarlette==0.36\ngunicorn==21\nuvicorn==0.27\n",
    })
    strong = {(k, f.fields[k]) for f in res.of(Kind.RUNTIME) for k in ("framework", "app_server")
              if k in f.fields and f.source.confidence >= Confidence.INFERRED}
    assert strong == {("framework", "fastapi"), ("app_server", "gunicorn")}


def test_bad_lines_and_invalid_utf8_do_not_stop_the_analysis(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {
        "requirements.txt": b"django==4.2\nthis is !! not valid\n-r\nredis # caf\xe9\n",
    })
    assert where(res.one(Kind.SERVICE, "redis")) == ("requirements.txt", 4)
    messages = {(w.line, w.message) for w in res.warnings}
    assert (2, "cannot parse this requirement line; skipped") in messages
    assert (3, "-r without a file name; ignored") in messages
    assert (4, "invalid UTF-8; read with replacement characters") in messages


def test_no_requirements_files_is_not_applicable(run_analyzer: Any) -> None:
    res = run_analyzer(requirements, {"docs/requirements.txt": "sphinx\n", "app.py": "print(1)\n"})
    assert res.items == []
