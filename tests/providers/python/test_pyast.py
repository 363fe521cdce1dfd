"""pyast.parse_source: Python 3 through ast first, Python 2 only as the fallback, errors as values."""

from __future__ import annotations

from typing import Any

import pytest

import analyzers.providers.python.pyast as pyast
from analyzers.providers.python.pyast import parse_source


def test_python_3_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fallback(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the Python 2 parser must not run for Python 3 source")

    monkeypatch.setattr(pyast, "convert", no_fallback)
    parsed = parse_source("import os\nprint(f'{os.sep}')\n", "app.py")
    assert parsed.tree is not None and parsed.py2 == () and parsed.error is None


def test_python_2_falls_back_and_says_what_it_saw() -> None:
    parsed = parse_source("import os\n\nprint 'x'\nDEBUG = os.environ.get('DEBUG')\n", "settings.py")
    assert parsed.tree is not None and parsed.error is None
    assert [(c.construct, c.line) for c in parsed.py2] == [("print statement", 3)]
    assign = parsed.tree.body[-1]
    assert assign.lineno == 4


def test_tab_error_is_python_2_evidence_at_its_line() -> None:
    parsed = parse_source("if True:\n        a = 1\n\tb = 2\n", "legacy.py")
    assert parsed.tree is not None
    assert [(c.construct, c.line) for c in parsed.py2] == [("tabs and spaces mixed in indentation", 3)]


def test_neither_python_3_nor_2_keeps_python_3s_message_and_line() -> None:
    parsed = parse_source("x = 1\ndef f(:\n", "broken.py")
    assert parsed.tree is None and parsed.line == 2
    assert parsed.error == ("Python file cannot be parsed (syntax error: invalid syntax; not Python 2 either); "
                            "file not analyzed")


def test_null_bytes_and_deep_nesting_are_errors_not_crashes() -> None:
    assert parse_source("x = 1\0\n", "nul.py").tree is None
    deep = parse_source("x = " + "(" * 5000 + ")" * 5000 + "\n", "deep.py")
    assert deep.tree is None and deep.reason is not None


def test_parse_keeps_its_tuple_shape() -> None:
    tree, error, line = pyast.parse("print 'legacy'\n", "a.py")
    assert tree is not None and error is None and line is None
