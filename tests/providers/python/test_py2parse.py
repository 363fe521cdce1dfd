"""py2parse: Python 2 source becomes a stdlib ast tree with the original line numbers."""

from __future__ import annotations

import ast
import textwrap

import pytest

from analyzers.providers.python.py2parse import NotPython2, convert


def py2(source: str) -> ast.Module:
    text = textwrap.dedent(source).lstrip("\n")
    with pytest.raises(SyntaxError):
        ast.parse(text)  # every case here is one Python 3 refuses
    return convert(text, "legacy.py").tree


def calls(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, source) of every call, sorted by line."""
    return sorted((n.lineno, ast.unparse(n)) for n in ast.walk(tree) if isinstance(n, ast.Call))


def constructs(source: str) -> list[tuple[str, int]]:
    converted = convert(textwrap.dedent(source).lstrip("\n"), "legacy.py")
    return [(c.construct, c.line) for c in converted.constructs]


def test_print_statements_become_calls_on_their_own_lines() -> None:
    tree = py2("""
        import sys
        print "starting"
        print "a", "b",
        print >>sys.stderr, "to stderr", \\
            "continued"
        print >>sys.stderr
        print
        run("after")
    """)
    assert calls(tree) == [
        (2, "print('starting')"),
        (3, "print('a', 'b', end=' ')"),
        (4, "print('to stderr', 'continued', file=sys.stderr)"),
        (6, "print(file=sys.stderr)"),
        (8, "run('after')"),
    ]


def test_except_comma_raise_comma_exec_and_backticks() -> None:
    tree = py2("""
        try:
            run("git pull")
        except IOError, e:
            raise SystemExit, "abort: %s" % `e`
        except (ValueError, KeyError), (code, text):
            raise ValueError, text, None
        exec "x = 1" in globals(), {}
        exec code
    """)
    handlers = [n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)]
    assert [(h.lineno, h.name) for h in handlers] == [(3, "e"), (5, "_py2_exc")]
    assert calls(tree) == [
        (2, "run('git pull')"),
        (4, "SystemExit('abort: %s' % repr(e))"),
        (4, "repr(e)"),
        (6, "ValueError(text)"),
        (6, "ValueError(text).with_traceback(None)"),
        (7, "exec('x = 1', globals(), {})"),
        (7, "globals()"),
        (8, "exec(code)"),
    ]


def test_literals_octal_long_ur_strings_and_not_equal() -> None:
    tree = py2("""
        MODE = 0755
        BIG = 10L
        MASK = 0xFFL
        ZERO = 00
        PATTERN = ur'^\\d+$'
        if MODE <> 0644:
            pass
    """)
    values = {n.targets[0].id: n.value.value for n in tree.body if isinstance(n, ast.Assign)}  # type: ignore[attr-defined]
    assert values == {"MODE": 0o755, "BIG": 10, "MASK": 255, "ZERO": 0, "PATTERN": r"^\d+$"}
    compare = tree.body[-1].test  # type: ignore[attr-defined]
    assert isinstance(compare.ops[0], ast.NotEq) and compare.lineno == 6


def test_byte_strings_keep_python_2_meaning_of_backslash_u() -> None:
    tree = py2(r"""
        print 'C:\users\new'
        print u'caf\u00e9'
        print b'caf\xc3\xa9'
    """)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes))]
    assert strings == ["C:\\users\new", "café", b"caf\xc3\xa9"]


def test_unicode_literals_future_makes_plain_strings_unicode() -> None:
    tree = py2(r"""
        from __future__ import unicode_literals
        print 'caf\u00e9'
    """)
    assert [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)] == ["café"]


def test_tuple_parameters_and_unparenthesized_comprehension_tuples() -> None:
    tree = py2("""
        def pair((a, b), c=1):
            return a + b + c
        swap = lambda (k, v): (v, k)
        items = [x for x in 1, 2]
        def later():
            return "line 6"
    """)
    funcs = {n.name: n.lineno for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert funcs == {"pair": 1, "later": 5}
    assert [a.arg for a in tree.body[0].args.args] == ["_py2_args1", "c"]  # type: ignore[attr-defined]
    comp = next(n for n in ast.walk(tree) if isinstance(n, ast.ListComp))
    assert isinstance(comp.generators[0].iter, ast.Tuple)


def test_tabs_mixed_with_spaces_read_as_python_2_did() -> None:
    source = "def deploy():\n    if True:\n\trun('tab')\n        run('spaces')\n    return '''\n\tkept\n'''\n"
    with pytest.raises(TabError):
        ast.parse(source)
    converted = convert(source, "fabfile.py", tab_error_line=3)
    assert calls(converted.tree) == [(3, "run('tab')"), (4, "run('spaces')")]
    docstring = converted.tree.body[0].body[1].value  # type: ignore[attr-defined]
    assert docstring.value == "\n\tkept\n"  # a tab inside a string is data, not indentation
    assert ("tabs and spaces mixed in indentation", 3) in [(c.construct, c.line) for c in converted.constructs]


def test_print_function_future_and_py3_names_still_parse() -> None:
    tree = py2("""
        from __future__ import print_function
        import sys
        print("x", file=sys.stderr)
        def call(async=False):
            except_ = 1
        try:
            pass
        except OSError, e:
            pass
    """)
    assert calls(tree) == [(3, "print('x', file=sys.stderr)")]
    assert [a.arg for a in tree.body[3].args.args] == ["async_"]  # type: ignore[attr-defined]


def test_every_rewrite_is_recorded_with_its_line() -> None:
    found = constructs("""
        print "a"
        try:
            pass
        except E, e:
            raise E, "b"
        x = `1` if 1 <> 2 else 0777 + 1L
        exec "y"
        z = ur"x"
        def f((a, b)): pass
    """)
    assert found == [
        ("print statement", 1), ("except E, e", 4), ("raise E, V", 5), ("0777 octal literal", 6),
        ("10L long literal", 6), ("<> operator", 6), ("backtick repr", 6), ("exec statement", 7),
        ("ur'' string", 8), ("tuple parameter", 9),
    ]


def test_python_3_only_and_broken_sources_are_not_python_2() -> None:
    with pytest.raises(NotPython2) as broken:
        convert("def f(:\n    pass\n", "broken.py")
    assert broken.value.line == 1
    with pytest.raises(NotPython2):
        convert("match x:\n    case 1:\n        pass\n", "new.py")


def test_lines_of_a_realistic_fabfile_match_the_original() -> None:
    source = textwrap.dedent("""
        from fabric.api import env, run, sudo, cd, task

        env.hosts = ['web1.example.com',
                     'web2.example.com']

        @task
        def deploy():
            print "Deploying to %(host)s" % env
            with cd('/srv/app'):
                try:
                    run('git pull')
                except Exception, e:
                    print >>sys.stderr, 'pull failed: %s' % e
                    raise
                sudo('supervisorctl restart app')
    """).lstrip("\n")
    tree = convert(source, "fabfile.py").tree
    lines = source.splitlines()
    for line, text in calls(tree):
        name = text.split("(", 1)[0]
        assert name in lines[line - 1], (line, text)
