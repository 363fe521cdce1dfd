"""pyproject: PEP 621, Poetry, uv, PDM, Hatch; versions from constraints; groups; scripts; bad TOML."""

from __future__ import annotations

from typing import Any

from analyzers.providers.python import pyproject
from migrator.model import Confidence, Kind

PEP621 = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "shop"
requires-python = ">=3.10,<3.13"
dependencies = [
    "Django>=4.2",
    "psycopg2>=2.9",
    "celery[redis]>=5.3",
    "pywin32; sys_platform == 'win32'",
    "tasks @ git+https://github.com/org/tasks.git",
]

[project.optional-dependencies]
dev = ["pymongo", "pytest"]
search = ["elasticsearch>=8"]

[project.scripts]
shop = "shop.cli:main"
shop-worker = "shop.worker:run"

[tool.ruff]
line-length = 100
"""


def where(finding: Any) -> tuple[str, int | None]:
    return (finding.source.file, finding.source.line)


def runtime_with(res: Any, name: str) -> list[Any]:
    return [f for f in res.of(Kind.RUNTIME) if name in f.fields]


def test_pep621_values_and_lines(run_analyzer: Any) -> None:
    res = run_analyzer(pyproject, {"pyproject.toml": PEP621})
    (manager,) = runtime_with(res, "package_manager")
    assert (manager.fields["package_manager"], manager.source.confidence) == ("pip", Confidence.DEFAULT)
    (backend,) = runtime_with(res, "build_backend")
    assert (backend.fields["build_backend"], where(backend)) == ("hatchling.build", ("pyproject.toml", 3))
    (version,) = runtime_with(res, "version")
    assert (version.fields["version"], where(version), version.source.confidence) == (
        "3.10", ("pyproject.toml", 7), Confidence.HEURISTIC)
    (constraint,) = runtime_with(res, "requires_python")
    assert (constraint.fields["requires_python"], where(constraint)) == (">=3.10,<3.13", ("pyproject.toml", 7))
    assert constraint.source.confidence is Confidence.DECLARED
    (framework,) = runtime_with(res, "framework")
    assert (framework.fields["framework"], where(framework)) == ("django", ("pyproject.toml", 9))
    assert where(res.one(Kind.SERVICE, "postgres")) == ("pyproject.toml", 10)
    assert where(res.one(Kind.SERVICE, "redis")) == ("pyproject.toml", 11)
    assert where(res.one(Kind.SYSTEM_PACKAGE, "git")) == ("pyproject.toml", 13)
    search = res.one(Kind.SERVICE, "elasticsearch")
    assert (where(search), search.source.confidence) == (("pyproject.toml", 18), Confidence.HEURISTIC)
    assert "mongodb" not in res.keys(Kind.SERVICE)  # dev extra
    (scripts,) = runtime_with(res, "console_scripts")
    assert scripts.fields["console_scripts"] == ("shop=shop.cli:main", "shop-worker=shop.worker:run")
    assert where(scripts) == ("pyproject.toml", 20)
    assert res.warnings == []


POETRY = """\
[tool.poetry]
name = "api"
version = "1.0.0"

[tool.poetry.dependencies]
python = "^3.11"
fastapi = "^0.110"
uvicorn = {version = "^0.27", extras = ["standard"]}
asyncpg = "*"
pymemcache = {version = "*", optional = true}
mysqlclient = [
    {version = "^2.2", platform = "linux"},
    {version = "^2.1", platform = "darwin"},
]
pywin32 = {version = "*", platform = "win32"}

[tool.poetry.group.dev.dependencies]
pymongo = "*"

[tool.poetry.group.worker.dependencies]
rq = "*"

[tool.poetry.scripts]
api = "api.main:run"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""


def test_poetry(run_analyzer: Any) -> None:
    res = run_analyzer(pyproject, {"pyproject.toml": POETRY, "poetry.lock": "# lock\n"})
    (manager,) = runtime_with(res, "package_manager")
    assert (manager.fields["package_manager"], where(manager)) == ("poetry", ("poetry.lock", None))
    (version,) = runtime_with(res, "version")
    assert (version.fields["version"], where(version)) == ("3.11", ("pyproject.toml", 6))
    assert {f.fields["framework"]: where(f) for f in runtime_with(res, "framework")} == {
        "fastapi": ("pyproject.toml", 7)}
    (server,) = runtime_with(res, "app_server")
    assert (server.fields["app_server"], where(server)) == ("uvicorn", ("pyproject.toml", 8))
    assert where(res.one(Kind.SERVICE, "postgres")) == ("pyproject.toml", 9)
    assert res.one(Kind.SERVICE, "memcached").source.confidence is Confidence.HEURISTIC  # optional
    assert where(res.one(Kind.SERVICE, "mysql")) == ("pyproject.toml", 11)
    redis = res.one(Kind.SERVICE, "redis")  # rq in a non-dev group: maybe installed
    assert (where(redis), redis.source.confidence) == (("pyproject.toml", 21), Confidence.HEURISTIC)
    assert "mongodb" not in res.keys(Kind.SERVICE)
    (scripts,) = runtime_with(res, "console_scripts")
    assert (scripts.fields["console_scripts"], where(scripts)) == (("api=api.main:run",), ("pyproject.toml", 23))


def test_manager_from_tool_tables_and_backends(run_analyzer: Any) -> None:
    cases = {
        '[project]\nname = "a"\n\n[tool.uv]\ndev-dependencies = ["pytest"]\n': ("uv", 4),
        '[project]\nname = "a"\n[tool.pdm]\ndistribution = false\n': ("pdm", 3),
        '[build-system]\nrequires = ["pdm-backend"]\nbuild-backend = "pdm.backend"\n': ("pdm", 3),
    }
    for text, (manager, line) in cases.items():
        res = run_analyzer(pyproject, {"pyproject.toml": text})
        (found,) = runtime_with(res, "package_manager")
        assert (found.fields["package_manager"], found.source.line) == (manager, line), text


def test_uv_lock_and_dependency_groups(run_analyzer: Any) -> None:
    res = run_analyzer(pyproject, {
        "pyproject.toml": '[project]\nname = "a"\nrequires-python = "==3.12.*"\ndependencies = ["flask"]\n\n'
                          '[dependency-groups]\ndev = ["redis"]\nqueue = ["pika"]\n',
        "uv.lock": "version = 1\n",
        "pdm.lock": "",
    })
    (manager,) = runtime_with(res, "package_manager")
    assert manager.fields["package_manager"] == "uv"
    (version,) = runtime_with(res, "version")
    assert (version.fields["version"], version.source.confidence) == ("3.12", Confidence.INFERRED)
    assert res.keys(Kind.SERVICE) == ["rabbitmq"]
    assert where(res.one(Kind.SERVICE, "rabbitmq")) == ("pyproject.toml", 8)
    assert [w.message for w in res.warnings] == ["several lock files (uv.lock, pdm.lock); using uv.lock"]


def test_tool_config_only_says_nothing(run_analyzer: Any) -> None:
    res = run_analyzer(pyproject, {"pyproject.toml": "[tool.black]\nline-length = 88\n[tool.pytest.ini_options]\n"})
    assert res.items == []


def test_bad_toml_is_a_warning_with_line(run_analyzer: Any) -> None:
    broken = '[project]\nname = "a"\ndependencies = [\n  "flask",\n  oops\n]\n'
    res = run_analyzer(pyproject, {"pyproject.toml": broken})
    assert res.findings == []
    assert [(w.file, w.line) for w in res.warnings] == [("pyproject.toml", 5)]
    assert res.warnings[0].message.startswith("pyproject.toml is not valid TOML")


def test_bad_values_do_not_stop_the_rest(run_analyzer: Any) -> None:
    res = run_analyzer(pyproject, {
        "pyproject.toml": '[project]\nname = "a"\nrequires-python = "<3.13"\n'
                          'dependencies = ["not valid !!", "redis", 3]\n',
    })
    assert where(res.one(Kind.SERVICE, "redis")) == ("pyproject.toml", 4)
    assert sorted((w.line, w.message) for w in res.warnings) == [
        (3, "requires-python '<3.13' has no lower bound to pick a Python version from"),
        (4, "cannot parse dependency 'not valid !!'; skipped"),
    ]


def test_unparsable_dependency_warning_never_shows_a_password(run_analyzer: Any) -> None:
    res = run_analyzer(pyproject, {
        "pyproject.toml": '[project]\nname = "a"\ndependencies = ["https://deploy:Xy9SecretPw@pkgs.example.com/lib.tar.gz"]\n',
    })
    assert [w.line for w in res.warnings] == [3]
    assert "Xy9SecretPw" not in repr(res.warnings)


def test_credentials_in_git_urls(run_analyzer: Any) -> None:
    res = run_analyzer(pyproject, {
        "pyproject.toml": '[project]\nname = "a"\ndependencies = [\n'
                          '  "lib @ git+https://ci:Pa55w0rdX@git.example.com/lib.git",\n]\n',
    })
    assert [(s.line, s.kind) for s in res.secrets] == [(4, "credential_url")]
    assert "Pa55w0rdX" not in repr(res.items)


def test_invalid_utf8(run_analyzer: Any) -> None:
    res = run_analyzer(pyproject, {"pyproject.toml": b'[project]\n# \xff\ndependencies = ["pymongo"]\n'})
    assert where(res.one(Kind.SERVICE, "mongodb")) == ("pyproject.toml", 3)
    assert [(w.line, w.message) for w in res.warnings] == [(2, "invalid UTF-8; read with replacement characters")]
