"""Tests for analyzers/providers/python/pyconst.py: static evaluation of config-module settings."""

from __future__ import annotations

import ast

from analyzers.providers.python.pyconst import as_int, module_values


def test_pyconst_evaluates_config_idioms():
    tree = ast.parse(
        "import os\n"
        "HOST = '10.0.0.1'\n"
        "a = '%s:%s' % (HOST, os.getenv('PORT', 5000))\n"
        "b = '{}:{}'.format(HOST, 81)\n"
        "c = os.environ.get('X') or 'fallback'\n"
        "d = [HOST, 1]\n"
        "e = compute()\n"
        "f: int = 2 * 3 + 1\n"
    )
    values = module_values(tree)
    assert values["a"].value == "10.0.0.1:5000" and values["a"].env == (("PORT", "5000"),)
    assert values["b"].value == "10.0.0.1:81"
    assert values["c"].value == "fallback" and values["c"].env == (("X", None),)
    assert values["d"].value == ("10.0.0.1", 1)
    assert values["e"].value is None and values["e"].expr == "compute()"
    assert values["f"].value == 7 and values["f"].line == 8


def test_as_int():
    assert [as_int(v) for v in (3, " 4 ", "x", True, 1.5, None)] == [3, 4, None, None, None, None]
