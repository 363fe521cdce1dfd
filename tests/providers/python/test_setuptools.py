"""setuptools: setup.py through ast (literals, constants, computed values), setup.cfg, bad input."""

from __future__ import annotations

from typing import Any

from analyzers.providers.python import setuptools
from migrator.model import Confidence, Kind

SETUP_PY = '''\
from setuptools import find_packages, setup

REQUIRES = [
    "flask>=3.0",
    "gunicorn",
    "redis[hiredis]>=5",
]
PY = ">=3.9"

setup(
    name="shop",
    packages=find_packages(),
    install_requires=REQUIRES,
    python_requires=PY,
    extras_require={
        "test": ["pymongo"],
        "postgres": ["psycopg2-binary"],
    },
    entry_points={
        "console_scripts": ["shop = shop.cli:main"],
    },
)
'''


def where(finding: Any) -> tuple[str, int | None]:
    return (finding.source.file, finding.source.line)


def runtime_with(res: Any, name: str) -> list[Any]:
    return [f for f in res.of(Kind.RUNTIME) if name in f.fields]


def test_setup_py_literals_through_constants(run_analyzer: Any) -> None:
    res = run_analyzer(setuptools, {"setup.py": SETUP_PY})
    (framework,) = runtime_with(res, "framework")
    assert (framework.fields["framework"], where(framework)) == ("flask", ("setup.py", 4))
    (server,) = runtime_with(res, "app_server")
    assert (server.fields["app_server"], where(server)) == ("gunicorn", ("setup.py", 5))
    assert where(res.one(Kind.SERVICE, "redis")) == ("setup.py", 6)
    (version,) = runtime_with(res, "version")
    assert (version.fields["version"], version.source.confidence, where(version)) == (
        "3.9", Confidence.HEURISTIC, ("setup.py", 14))
    postgres = res.one(Kind.SERVICE, "postgres")
    assert (where(postgres), postgres.source.confidence) == (("setup.py", 17), Confidence.HEURISTIC)
    assert "mongodb" not in res.keys(Kind.SERVICE)  # test extra
    (scripts,) = runtime_with(res, "console_scripts")
    assert (scripts.fields["console_scripts"], where(scripts)) == (("shop=shop.cli:main",), ("setup.py", 20))
    (manager,) = runtime_with(res, "package_manager")
    assert (manager.fields["package_manager"], manager.source.confidence) == ("pip", Confidence.DEFAULT)
    assert res.warnings == []


def test_computed_values_are_warnings_not_guesses(run_analyzer: Any) -> None:
    res = run_analyzer(setuptools, {
        "setup.py": '''\
            import setuptools

            with open("requirements.txt") as f:
                reqs = f.read().splitlines()

            setuptools.setup(
                name="x",
                install_requires=reqs + ["django"],
                python_requires=get_version(),
                entry_points=make_entry_points(),
            )
            ''',
    })
    assert res.findings and not res.keys(Kind.SERVICE)
    assert sorted((w.line, w.message) for w in res.warnings) == [
        (8, "setup.py install_requires is computed; not evaluated"),
        (9, "setup.py python_requires is computed; not evaluated"),
        (10, "setup.py entry_points is computed; not evaluated"),
    ]


def test_setup_py_is_never_executed(run_analyzer: Any, tmp_path: Any) -> None:
    marker = tmp_path / "executed"
    res = run_analyzer(setuptools, {
        "setup.py": f'open({str(marker)!r}, "w").write("x")\n'
                    'from setuptools import setup\nsetup(install_requires=["pymysql"])\n',
    })
    assert not marker.exists()
    assert where(res.one(Kind.SERVICE, "mysql")) == ("setup.py", 3)


def test_setup_py_syntax_error(run_analyzer: Any) -> None:
    res = run_analyzer(setuptools, {"setup.py": "from setuptools import setup\nsetup(\n    name='x',,\n)\n"})
    assert res.findings == []
    assert [(w.file, w.line) for w in res.warnings] == [("setup.py", 3)]
    assert res.warnings[0].message.startswith("setup.py has a syntax error")


def test_setup_py_ini_entry_points_and_string_requires(run_analyzer: Any) -> None:
    res = run_analyzer(setuptools, {
        "setup.py": 'from distutils.core import setup\nsetup(\n'
                    '    install_requires="""\n    celery\n    pika\n    """,\n'
                    '    entry_points="""\n    [console_scripts]\n    worker = app.worker:main\n    """,\n)\n',
    })
    (queue,) = runtime_with(res, "task_queue")
    assert where(queue) == ("setup.py", 4)
    assert where(res.one(Kind.SERVICE, "rabbitmq")) == ("setup.py", 5)
    (scripts,) = runtime_with(res, "console_scripts")
    assert (scripts.fields["console_scripts"], where(scripts)) == (("worker=app.worker:main",), ("setup.py", 9))


SETUP_CFG = """\
[metadata]
name = shop

[options]
packages = find:
python_requires = ~=3.11.0
install_requires =
    django>=4.2  # the web app
    mysqlclient
    pywin32; sys_platform == "win32"

[options.extras_require]
dev =
    pytest
    pymongo
cache =
    pymemcache

[options.entry_points]
console_scripts =
    shop = shop.manage:main

[flake8]
max-line-length = 100
"""


def test_setup_cfg(run_analyzer: Any) -> None:
    res = run_analyzer(setuptools, {"setup.cfg": SETUP_CFG})
    (version,) = runtime_with(res, "version")
    assert (version.fields["version"], version.source.confidence, where(version)) == (
        "3.11", Confidence.INFERRED, ("setup.cfg", 6))
    (constraint,) = runtime_with(res, "requires_python")
    assert (constraint.fields["requires_python"], where(constraint)) == ("~=3.11.0", ("setup.cfg", 6))
    (framework,) = runtime_with(res, "framework")
    assert where(framework) == ("setup.cfg", 8)
    assert where(res.one(Kind.SERVICE, "mysql")) == ("setup.cfg", 9)
    assert res.field(Kind.SYSTEM_PACKAGE, "default-libmysqlclient-dev", "stage") == "build"
    cache = res.one(Kind.SERVICE, "memcached")
    assert (where(cache), cache.source.confidence) == (("setup.cfg", 17), Confidence.HEURISTIC)
    assert "mongodb" not in res.keys(Kind.SERVICE)
    (scripts,) = runtime_with(res, "console_scripts")
    assert (scripts.fields["console_scripts"], where(scripts)) == (("shop=shop.manage:main",), ("setup.cfg", 21))
    assert res.warnings == []


def test_setup_cfg_tool_config_only(run_analyzer: Any) -> None:
    assert run_analyzer(setuptools, {"setup.cfg": "[flake8]\nmax-line-length = 100\n"}).items == []


def test_setup_cfg_unparsable(run_analyzer: Any) -> None:
    res = run_analyzer(setuptools, {"setup.cfg": "[options]\ninstall_requires = redis\nthis line has no equals\n"})
    assert res.findings == []
    assert [(w.file, w.line) for w in res.warnings] == [("setup.cfg", 3)]


def test_invalid_utf8_setup_py(run_analyzer: Any) -> None:
    source = b"# caf\xe9\nfrom setuptools import setup\nsetup(install_requires=['redis'])\n"
    res = run_analyzer(setuptools, {"setup.py": source})
    assert where(res.one(Kind.SERVICE, "redis")) == ("setup.py", 3)
    assert [(w.line, w.message) for w in res.warnings] == [(1, "invalid UTF-8; read with replacement characters")]


def test_no_setup_call(run_analyzer: Any) -> None:
    assert run_analyzer(setuptools, {"setup.py": "print('hello')\n"}).items == []


def test_a_pathologically_nested_setup_py_is_a_warning_and_setup_cfg_still_counts(run_analyzer: Any) -> None:
    res = run_analyzer(setuptools, {
        "setup.py": "from setuptools import setup\nsetup(name='x', version=" + "1+" * 100_000 + "1)\n",
        "setup.cfg": "[options]\ninstall_requires =\n    redis>=5\n",
    })
    assert [(w.file, w.message) for w in res.warnings] == [
        ("setup.py", "setup.py has a syntax error; not analysed: nested too deeply")]
    assert res.keys(Kind.SERVICE) == ["redis"]
