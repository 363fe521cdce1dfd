"""pipenv: Pipfile packages, [requires], dev-packages ignored, Pipfile.lock fallback, bad input."""

from __future__ import annotations

import json
from typing import Any

from analyzers.providers.python import pipenv
from migrator.model import Confidence, Kind

PIPFILE = """\
[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
django = "==4.2.7"
celery = {version = "*", extras = ["redis"]}
psycopg2 = "*"
pywin32 = {version = "*", sys_platform = "== 'win32'"}
internal = {git = "https://github.com/org/internal.git", ref = "main"}

[dev-packages]
pymongo = "*"
pytest = "*"

[requires]
python_version = "3.11"
"""


def where(finding: Any) -> tuple[str, int | None]:
    return (finding.source.file, finding.source.line)


def test_pipfile_values_and_lines(run_analyzer: Any) -> None:
    res = run_analyzer(pipenv, {"Pipfile": PIPFILE})
    assert res.field(Kind.RUNTIME, "", "package_manager") == "pipenv"
    version = next(f for f in res.of(Kind.RUNTIME) if "version" in f.fields)
    assert (version.fields["version"], version.fields["version_full"]) == ("3.11", "3.11")
    assert where(version) == ("Pipfile", 18)
    assert version.source.confidence is Confidence.DECLARED
    framework = next(f for f in res.of(Kind.RUNTIME) if "framework" in f.fields)
    assert (framework.fields["framework"], where(framework)) == ("django", ("Pipfile", 7))
    assert res.keys(Kind.SERVICE) == ["postgres", "redis"]  # no mongodb: dev-packages
    assert where(res.one(Kind.SERVICE, "redis")) == ("Pipfile", 8)
    assert where(res.one(Kind.SERVICE, "postgres")) == ("Pipfile", 9)
    assert where(res.one(Kind.SYSTEM_PACKAGE, "git")) == ("Pipfile", 11)
    assert res.field(Kind.SYSTEM_PACKAGE, "libpq-dev", "stage") == "build"
    assert res.warnings == [] and res.secrets == []


def test_full_version_wins_over_short(run_analyzer: Any) -> None:
    pipfile = '[packages]\n\n[requires]\npython_version = "3.11"\npython_full_version = "3.11.4"\n'
    res = run_analyzer(pipenv, {"Pipfile": pipfile})
    version = next(f for f in res.of(Kind.RUNTIME) if "version" in f.fields)
    assert (version.fields["version_full"], version.source.line) == ("3.11.4", 5)


def lock(default: dict[str, Any]) -> str:
    doc = {
        "_meta": {"hash": {"sha256": "x"}, "requires": {"python_version": "3.10"}, "sources": []},
        "default": default,
        "develop": {"pymongo": {"version": "==4.6"}},
    }
    return json.dumps(doc, indent=4)


def test_lock_alone_gives_version_and_packages(run_analyzer: Any) -> None:
    res = run_analyzer(pipenv, {"Pipfile.lock": lock({"flask": {"version": "==3.0"}, "redis": {"version": "==5.0"}})})
    version = next(f for f in res.of(Kind.RUNTIME) if "version" in f.fields)
    assert (version.fields["version"], where(version)) == ("3.10", ("Pipfile.lock", 7))
    assert res.keys(Kind.SERVICE) == ["redis"]
    assert where(res.one(Kind.SERVICE, "redis")) == ("Pipfile.lock", 15)


def test_lock_packages_ignored_when_pipfile_is_readable(run_analyzer: Any) -> None:
    res = run_analyzer(pipenv, {"Pipfile": "[packages]\nflask = '*'\n", "Pipfile.lock": lock({"redis": {}})})
    assert res.keys(Kind.SERVICE) == []
    assert {f.source.file for f in res.of(Kind.RUNTIME) if "version" in f.fields} == {"Pipfile.lock"}


def test_bad_toml_falls_back_to_the_lock(run_analyzer: Any) -> None:
    res = run_analyzer(pipenv, {"Pipfile": "[packages]\ndjango = \n", "Pipfile.lock": lock({"pymysql": {}})})
    assert [(w.file, w.line) for w in res.warnings] == [("Pipfile", 2)]
    assert res.warnings[0].message.startswith("Pipfile is not valid TOML")
    assert res.keys(Kind.SERVICE) == ["mysql"]


def test_bad_json_lock(run_analyzer: Any) -> None:
    res = run_analyzer(pipenv, {"Pipfile.lock": '{\n  "_meta": {\n  oops\n}'})
    assert [(w.file, w.line) for w in res.warnings] == [("Pipfile.lock", 3)]
    assert res.findings == []


def test_credentials_in_source_url(run_analyzer: Any) -> None:
    res = run_analyzer(pipenv, {
        "Pipfile": '[[source]]\nname = "corp"\nurl = "https://me:Sup3rS3cret@pypi.corp.example/simple"\n'
                   '[[source]]\nname = "env"\nurl = "https://${USER}:${PASSWORD}@pypi.corp.example/simple"\n'
                   '[packages]\n',
    })
    assert [(s.file, s.line, s.kind) for s in res.secrets] == [("Pipfile", 3, "credential_url")]
    assert "Sup3rS3cret" not in repr(res.items)


def test_invalid_utf8_pipfile(run_analyzer: Any) -> None:
    res = run_analyzer(pipenv, {"Pipfile": b"[packages]\n# caf\xe9\nredis = '*'\n"})
    assert where(res.one(Kind.SERVICE, "redis")) == ("Pipfile", 3)
    assert [(w.line, w.message) for w in res.warnings] == [(2, "invalid UTF-8; read with replacement characters")]


def test_not_applicable(run_analyzer: Any) -> None:
    assert run_analyzer(pipenv, {"requirements.txt": "flask\n"}).items == []


def test_a_pathologically_nested_lock_is_a_warning_and_the_pipfile_still_counts(run_analyzer: Any) -> None:
    res = run_analyzer(pipenv, {"Pipfile": PIPFILE, "Pipfile.lock": "[" * 100_000})
    assert [(w.file, w.message) for w in res.warnings] == [
        ("Pipfile.lock", "Pipfile.lock is nested too deeply to read; not read")]
    assert res.keys(Kind.SERVICE) == ["postgres", "redis"]  # psycopg2, celery[redis] from the Pipfile
    version = next(f for f in res.of(Kind.RUNTIME) if "version" in f.fields)
    assert (version.fields["version"], where(version)) == ("3.11", ("Pipfile", 18))


def test_a_nested_lock_without_a_pipfile_is_a_warning(run_analyzer: Any) -> None:
    deep = '{"_meta": {"requires": {"python_version": "3.10"}}, "default": {"x": ' + "[" * 50_000 + "}}"
    res = run_analyzer(pipenv, {"Pipfile.lock": deep})
    assert [w.message for w in res.warnings] == ["Pipfile.lock is nested too deeply to read; not read"]
    assert res.findings == []


def test_a_deep_but_readable_lock_is_read(run_analyzer: Any) -> None:
    deep = '{"_meta": {"requires": {"python_version": "3.10"}}, "default": {"redis": {"x": ' + \
        "[" * 500 + "]" * 500 + "}}}"
    res = run_analyzer(pipenv, {"Pipfile.lock": deep})
    assert res.warnings == [] and res.keys(Kind.SERVICE) == ["redis"]
