"""Tests for analyzers/lib/treesitter.py: lazy grammars and the time and size bounds of a parse."""

from __future__ import annotations

import pytest

from analyzers.lib import treesitter
from tests.conftest import ROOT


def test_a_parse_gives_a_tree():
    tree = treesitter.parse("bash", b'case "$1" in\n  go) git pull ;;\nesac\n')
    assert tree is not None and tree.root_node.type == "program" and not tree.root_node.has_error
    assert tree.root_node.children[0].type == "case_statement"


def test_a_parse_past_its_deadline_is_cancelled_not_crashed():
    # tree-sitter 0.25.2 and 0.26.0 segfault here; the pin (>=0.26.1) is what this guards
    slow = b"echo $(( (( ( { " * 30000
    assert treesitter.parse("bash", slow, deadline=0.0) is None
    assert treesitter.parse("bash", b"git pull\n") is not None  # the parser still works afterwards


def test_input_larger_than_the_bound_is_not_parsed():
    assert treesitter.parse("bash", b"a" * (treesitter.MAX_BYTES + 1)) is None
    assert treesitter.parse("bash", b"a\n" * 1000) is not None


def test_an_unknown_grammar_is_unavailable():
    with pytest.raises(treesitter.Unavailable):
        treesitter.language("cobol")


# -- JavaScript / TypeScript grammars and queries ---------------------------------------------------

ENV_DOT = """
(member_expression
  object: (member_expression object: (identifier) @_p property: (property_identifier) @_e)
  property: (property_identifier) @name
  (#eq? @_p "process") (#eq? @_e "env")) @env
"""
CALLS = """
(call_expression
  function: (member_expression object: (_) @obj property: (property_identifier) @fn)
  arguments: (arguments . (_) @first)
  (#any-of? @fn "listen" "get")) @call
"""


@pytest.mark.parametrize(
    ("rel", "grammar"),
    [("server.js", "javascript"), ("lib/x.MJS", "javascript"), ("a.cjs", "javascript"), ("ui/App.jsx", "javascript"),
     ("src/main.ts", "typescript"), ("x.mts", "typescript"), ("x.cts", "typescript"), ("ui/App.tsx", "tsx"),
     ("types/index.d.ts", None), ("deploy.sh", None), ("package.json", None), ("Makefile", None), (".js", None)],
)
def test_grammar_for_a_file_by_suffix(rel: str, grammar: str | None) -> None:
    assert treesitter.grammar_for(rel) == grammar


@pytest.mark.parametrize("name", ["javascript", "typescript", "tsx"])
def test_each_js_grammar_loads_and_parses(name: str) -> None:
    tree = treesitter.parse(name, b"const port = Number(process.env.PORT) || 3000;\n")
    assert tree is not None and tree.root_node.type == "program" and not tree.root_node.has_error


def test_typescript_and_tsx_are_different_grammars() -> None:
    jsx = b"const el = <App title='x' />;\n"
    ts_tree, tsx_tree = treesitter.parse("typescript", jsx), treesitter.parse("tsx", jsx)
    assert ts_tree is not None and ts_tree.root_node.has_error
    assert tsx_tree is not None and not tsx_tree.root_node.has_error


def test_a_query_is_compiled_once_per_grammar_and_text() -> None:
    assert treesitter.query("javascript", ENV_DOT) is treesitter.query("javascript", ENV_DOT)
    assert treesitter.query("typescript", ENV_DOT) is not treesitter.query("javascript", ENV_DOT)


def test_matches_give_captures_with_lines_and_drop_helper_captures() -> None:
    data = b"// config\nconst a = process.env.DATABASE_URL;\nconst b = other.env.X;\n\nuse(process.env.PORT);\n"
    tree = treesitter.parse("javascript", data)
    found = treesitter.matches("javascript", tree, ENV_DOT)
    assert found.complete
    got = [(treesitter.text(m.node("name"), data), treesitter.line(m.node("env"))) for m in found]
    assert got == [("DATABASE_URL", 2), ("PORT", 5)]
    assert all(set(m.captures) == {"env", "name"} for m in found)  # @_p and @_e are predicate helpers


def test_the_same_query_text_works_on_typescript() -> None:
    data = (b"import express from 'express';\nconst app = express();\n\n"
            b"app.get('/health', h);\napp.listen(port as number);\n")
    for grammar in ("typescript", "tsx"):
        tree = treesitter.parse(grammar, data)
        got = [(treesitter.text(m.node("fn"), data), treesitter.text(m.node("first"), data),
                treesitter.line(m.node("call"))) for m in treesitter.matches(grammar, tree, CALLS)]
        assert got == [("get", "'/health'", 4), ("listen", "port as number", 5)]


def test_matches_inside_nested_code_are_found() -> None:
    data = b"function main() {\n  if (ok) {\n    server.listen(8080);\n  }\n}\nmain();\n"
    tree = treesitter.parse("javascript", data)
    assert [treesitter.line(m.node("call")) for m in treesitter.matches("javascript", tree, CALLS)] == [3]


def test_many_matches_do_not_crash_and_are_bounded() -> None:
    # 0.26.1 crashes with a progress callback here: matches() must not pass one
    data = b"app.get('/x', h);\n" * 3000
    tree = treesitter.parse("javascript", data)
    everything = treesitter.matches("javascript", tree, CALLS)
    assert len(everything) == 3000 and everything.complete
    capped = treesitter.matches("javascript", tree, CALLS, limit=100)
    assert len(capped) == 100 and not capped.complete


def test_a_query_past_its_deadline_stops_and_says_so() -> None:
    data = b"app.get('/a', h);\napp.get('/b', h);\n"
    tree = treesitter.parse("javascript", data)
    late = treesitter.matches("javascript", tree, CALLS, deadline=-1.0)
    assert len(late) == 0 and not late.complete


def test_matches_accept_a_node() -> None:
    data = b"a.listen(1);\nb.listen(2);\n"
    tree = treesitter.parse("javascript", data)
    second = tree.root_node.children[1]
    assert [treesitter.text(m.node("first"), data) for m in treesitter.matches("javascript", second, CALLS)] == ["2"]


def test_a_bad_query_is_an_error_not_a_silent_empty_result() -> None:
    import tree_sitter

    with pytest.raises(tree_sitter.QueryError):
        treesitter.query("javascript", "(no_such_node) @x")


def test_js_grammars_are_imported_only_when_used() -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom analyzers.lib import treesitter\n"
            "treesitter.parse('bash', b'echo hi\\n'); treesitter.grammar_for('server.js')\n"
            "assert 'tree_sitter_javascript' not in sys.modules and 'tree_sitter_typescript' not in sys.modules\n"
            "treesitter.parse('javascript', b'x;')\nassert 'tree_sitter_javascript' in sys.modules\n"
            "assert 'tree_sitter_typescript' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
