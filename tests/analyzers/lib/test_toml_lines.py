"""toml_lines: where TOML keys, tables and array items are written."""

from __future__ import annotations

from analyzers.lib.toml_lines import TomlLines, split_key

DOC = '''\
[project]
name = "app"
dependencies = [
  "django>=4.2",
  'celery[redis]>=5',  # broker
]
optional-dependencies.dev = ["pytest"]

[tool.poetry.dependencies]
python = "^3.11"
celery = {version = "^5", extras = ["redis"]}
"odd.key" = "1"
description = """
[not.a.table]
fake = 1
"""

[[tool.mypy.overrides]]
module = "x"
'''


def test_split_key() -> None:
    assert split_key('a."b.c".d') == ("a", "b.c", "d")
    assert split_key("a . b") == ("a", "b")
    assert split_key("a b") is None


def test_tables_and_keys() -> None:
    lines = TomlLines(DOC)
    assert lines.key(("project",)) == 1
    assert lines.key(("project", "dependencies")) == 3
    assert lines.key(("project", "optional-dependencies", "dev")) == 7
    assert lines.key(("tool", "poetry", "dependencies")) == 9
    assert lines.key(("tool", "poetry", "dependencies", "python")) == 10
    assert lines.key(("tool", "poetry", "dependencies", "odd.key")) == 12
    assert lines.key(("tool", "mypy", "overrides", "module")) == 19


def test_key_inside_inline_table_is_the_enclosing_line() -> None:
    assert TomlLines(DOC).key(("tool", "poetry", "dependencies", "celery", "extras")) == 11


def test_multiline_strings_hide_structure() -> None:
    lines = TomlLines(DOC)
    assert lines.key(("not", "a", "table")) is None
    assert lines.key(("tool", "poetry", "dependencies", "fake")) is None


def test_array_items() -> None:
    lines = TomlLines(DOC)
    assert lines.item(("project", "dependencies"), "django>=4.2") == 4
    assert lines.item(("project", "dependencies"), "celery[redis]>=5") == 5
    assert lines.item(("project", "dependencies"), "missing") == 3
    assert lines.item(("project", "optional-dependencies", "dev"), "pytest") == 7


def test_missing_key_and_garbage() -> None:
    lines = TomlLines("this is [ not toml\n= = =\n[ok]\n")
    assert lines.key(("nothing",)) is None
    assert lines.key(("ok",)) == 3
