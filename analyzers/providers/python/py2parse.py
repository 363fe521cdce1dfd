"""Python 2 source to a stdlib :mod:`ast` tree, line for line, without running anything.

Why this shape: every analyzer reads :mod:`ast` trees, so a Python 2 file should become one too, with
the same line numbers, and no analyzer should need a second code path. ``ast`` of Python 3.10-3.13
rejects ``print "x"``, ``except E, e`` and the rest; lib2to3, which could read them, is deprecated
since 3.11 and gone in 3.13. fissix is its maintained fork on PyPI (pure Python, works on 3.8-3.13).
Of it only the pgen2 parser is used, with the grammar generated in-process from its ``Grammar.txt``:
``fissix.pygram`` and the 2to3 fixers would write a pickled grammar cache under the user's home at
import time. (tree-sitter-python is error-tolerant but has a Python 3 grammar: it would parse
``print "x"`` as an error node, and its tree is not an ``ast`` tree either.)

The concrete tree is printed back as Python 3 source with the Python 2 constructs rewritten *in
place* - ``print a, b`` -> ``print(a, b)``, ``except E, e`` -> ``except E as e``, backticks ->
``repr()``, ``exec s in g`` -> ``exec(s, g)``, ``0777`` -> ``0o777``, ``10L`` -> ``10``, ``ur''`` ->
``r''``, ``<>`` -> ``!=``, ``raise E, V, T`` -> ``raise E(V).with_traceback(T)``, tuple parameters ->
plain names, tab indentation expanded as Python 2 did - keeping every newline of the original, so
each node of the ``ast.parse`` result keeps the line it had in the Python 2 file (columns may move).
Each rewrite is recorded as a :class:`Py2Syntax`: evidence that the file is Python 2 only.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Names that became keywords in Python 3.7 (valid identifiers in Python 2 and in 3.6).
_NEW_KEYWORDS = {"async": "async_", "await": "await_"}
_OCTAL = re.compile(r"0+([0-7]+)[lL]?")
_LONG = re.compile(r"(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[1-9][0-9]*|0+)[lL]")
_STRING_PREFIX = re.compile(r"[a-zA-Z]*")
# A Python 2 byte string treats \N, \u and \U as two plain characters; Python 3 str would not.
_UNICODE_ESCAPE = re.compile(r"\\(\\|[NuU])")
_UNICODE_LITERALS = re.compile(r"^\s*from\s+__future__\s+import\s+[^#\n]*\bunicode_literals\b", re.M)


@dataclass(frozen=True)
class Py2Syntax:
    """One Python-2-only construct found in a file (what and where): evidence of the app's version."""

    construct: str  # "print statement", "except E, e", ...
    line: int


@dataclass(frozen=True)
class Converted:
    """A Python 2 file as an ``ast`` tree with its original line numbers, and what was rewritten."""

    tree: ast.Module
    constructs: tuple[Py2Syntax, ...]


class NotPython2(Exception):
    """The source is not valid Python 2 either (message and line of the Python 2 parser's complaint)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def convert(text: str, rel: str, *, tab_error_line: int | None = None) -> Converted:
    """Parse ``text`` as Python 2 and return it as a stdlib ``ast`` tree (see the module docstring).

    ``tab_error_line``: where Python 3 refused the file's tab/space indentation, recorded as evidence.
    Raises :class:`NotPython2` when the text does not parse as Python 2 (nor as Python 2 with the
    ``print`` function), or its rewrite does not parse as Python 3.
    """
    source = text.removeprefix("\ufeff")
    if not source.endswith("\n"):
        source += "\n"  # the pgen2 tokenizer needs the last line terminated
    cst, error = None, NotPython2("not Python 2", None)
    for grammar in _grammars():
        try:
            cst = _driver(grammar).parse_string(source)
            break
        except Exception as exc:  # pgen2 raises ParseError, TokenError, IndentationError, ValueError ...
            error = _not_python2(exc)
    if cst is None:
        raise error
    writer = _Writer(_symbols(), unicode_literals=bool(_UNICODE_LITERALS.search(source)))
    try:
        python3 = writer.source(cst)
        tree = ast.parse(python3, filename=rel)
    except SyntaxError as exc:
        raise NotPython2(f"Python 2 source could not be read ({exc.msg})", exc.lineno) from exc
    except (RecursionError, ValueError, MemoryError) as exc:
        raise NotPython2(f"Python 2 source cannot be read ({type(exc).__name__})", None) from exc
    found = writer.found
    if tab_error_line is not None:
        found.append(Py2Syntax("tabs and spaces mixed in indentation", tab_error_line))
    return Converted(tree, tuple(sorted(set(found), key=lambda s: (s.line, s.construct))))


def _not_python2(exc: Exception) -> NotPython2:
    context = getattr(exc, "context", None)  # ParseError: (prefix, (line, column))
    line = None
    if isinstance(context, tuple) and len(context) == 2 and isinstance(context[1], tuple):
        line = context[1][0]
    elif len(exc.args) > 1 and isinstance(exc.args[1], tuple):  # TokenError: (msg, (line, column))
        line = exc.args[1][0]
    line = getattr(exc, "lineno", None) or line
    return NotPython2(f"not Python 2 either ({type(exc).__name__})", line)


# -- the fissix parser, built once per process ---------------------------------------------------


@functools.cache
def _grammars() -> tuple[Any, ...]:
    """Python 2 grammar; then without the print statement (``from __future__ import print_function``);
    then without the exec statement too (Python 3 code that names an attribute ``exec``)."""
    import fissix
    from fissix.pgen2 import pgen

    full = pgen.generate_grammar(str(Path(fissix.__file__).parent / "Grammar.txt"))
    no_print = full.copy()
    del no_print.keywords["print"]
    no_exec = no_print.copy()
    del no_exec.keywords["exec"]
    return full, no_print, no_exec


def _driver(grammar: Any) -> Any:
    from fissix import pytree
    from fissix.pgen2 import driver

    return driver.Driver(grammar, convert=pytree.convert)


@functools.cache
def _symbols() -> dict[int, str]:
    return dict(_grammars()[0].number2symbol)


# -- printing the concrete tree back as Python 3 --------------------------------------------------


class _Writer:
    """Prints a fissix tree as Python 3 text, rewriting Python 2 constructs without adding or losing a
    newline (text that is dropped leaves backslash continuations behind)."""

    def __init__(self, symbols: dict[int, str], *, unicode_literals: bool) -> None:
        from fissix.pgen2 import token

        self.symbols = symbols
        self.token = token
        self.unicode_literals = unicode_literals
        self.found: list[Py2Syntax] = []
        self.string_lines: set[int] = set()  # lines that begin inside a multi-line string
        self.tuple_args = 0

    def source(self, root: Any) -> str:
        text = self.emit(root)
        if "\t" in text:
            text = self._expand_indent_tabs(text)
        return text

    def note(self, construct: str, node: Any) -> None:
        self.found.append(Py2Syntax(construct, _line(node)))

    # nodes

    def emit(self, node: Any) -> str:
        if not node.children and node.type < 256:
            return self.leaf(node)
        kind = self.symbols.get(node.type, "")
        children = node.children
        first = children[0] if children else None
        if kind == "print_stmt" and _is(first, "print"):
            return self.print_stmt(node)
        if kind == "exec_stmt":
            self.note("exec statement", node)
            parts = [self.leaf(c) if _is(c, "exec") else
                     (c.prefix + "," if _is(c, "in") else self.emit(c)) for c in children]
            return parts[0] + "(" + "".join(parts[1:]) + ")"
        if kind == "except_clause" and len(children) == 4 and _is(children[2], ","):
            return self.except_clause(node)
        if kind == "raise_stmt" and len(children) >= 4 and _is(children[2], ","):
            return self.raise_stmt(node)
        if kind == "atom" and _is(first, "`"):
            self.note("backtick repr", node)
            inner = "".join(self.emit(c) for c in children[1:-1])
            return _prefix(first) + "repr(" + inner + _prefix(children[-1]) + ")"
        if kind in ("tfpdef", "vfpdef") and _is(first, "("):
            self.note("tuple parameter", node)
            self.tuple_args += 1
            return _prefix(first) + f"_py2_args{self.tuple_args}" + _keep_lines(_body(node))
        if kind == "testlist_safe":  # [x for x in 1, 2]: Python 3 needs the tuple in parentheses
            return self._parenthesize("".join(self.emit(c) for c in children))
        return "".join(self.emit(c) for c in children)

    def print_stmt(self, node: Any) -> str:
        self.note("print statement", node)
        keyword, args = node.children[0], list(node.children[1:])
        dest, dropped = "", ""
        if args and _is(args[0], ">>"):  # print >>sys.stderr, "x"
            target = self.emit(args[1])
            dest = target.strip()
            dropped = _prefix(args[0]) + target[: len(target) - len(target.lstrip())]
            dropped += _prefix(args[2]) if len(args) > 2 else ""
            args = args[3:]
        body = "".join(self.emit(c) for c in args)
        trailing = bool(args) and _is(args[-1], ",")
        if trailing:
            body = body[: body.rstrip().rfind(",")]
        extra = ([' end=" "'] if trailing else []) + ([f" file={dest}"] if dest else [])
        sep = "," if body.strip() and extra else ""
        return self.leaf(keyword) + _keep_lines(dropped) + "(" + body + sep + ",".join(extra) + ")"

    def except_clause(self, node: Any) -> str:
        self.note("except E, e", node)
        keyword, exc_type, comma, target = node.children
        # except E, (a, b): / except E, self.error: -- Python 3 binds a plain name only
        name = self.emit(target) if _leaf_name(target) else _prefix(target) + "_py2_exc" + _keep_lines(_body(target))
        return self.emit(keyword) + self.emit(exc_type) + _prefix(comma) + " as" + name

    def raise_stmt(self, node: Any) -> str:
        self.note("raise E, V", node)
        children = node.children
        out = self.emit(children[0]) + self.emit(children[1])
        out += _prefix(children[2]) + "(" + self.emit(children[3]) + ")"
        if len(children) >= 6:
            out += _prefix(children[4]) + ".with_traceback(" + self.emit(children[5]) + ")"
        return out

    # leaves

    def leaf(self, node: Any) -> str:
        kind, value, prefix = node.type, str(node.value), _prefix(node)
        tok = self.token
        if kind == tok.NUMBER:
            value = self.number(node)
        elif kind == tok.STRING:
            value = self.string(node)
        elif kind == tok.NOTEQUAL and value == "<>":
            self.note("<> operator", node)
            value = "!="
        elif kind == tok.NAME and value in _NEW_KEYWORDS:
            value = _NEW_KEYWORDS[value]  # a keyword since 3.7, not Python 2 evidence
        return prefix + value

    def number(self, node: Any) -> str:
        value: str = node.value
        octal = _OCTAL.fullmatch(value)
        if octal and int(octal.group(1), 8):  # "00" is valid Python 3
            self.note("0777 octal literal", node)
            return "0o" + octal.group(1)
        long = _LONG.fullmatch(value)
        if long:
            self.note("10L long literal", node)
            return long.group(1)
        return value

    def string(self, node: Any) -> str:
        value: str = node.value
        letters = _STRING_PREFIX.match(value)
        prefix = letters.group(0) if letters else ""
        body = value[len(prefix):]
        lower = prefix.lower()
        if "\n" in body:
            start = _line(node)
            self.string_lines.update(range(start + 1, start + body.count("\n") + 1))
        if "u" in lower and "r" in lower:
            self.note("ur'' string", node)
            prefix = prefix.replace("u", "").replace("U", "")
        elif "b" in lower and not body.isascii():
            prefix = prefix.replace("b", "").replace("B", "")  # Python 2 allowed non-ASCII bytes literals
        elif not lower and not self.unicode_literals:
            body = _UNICODE_ESCAPE.sub(lambda m: m.group(0) if m.group(1) == "\\" else "\\" + m.group(0), body)
        return prefix + body

    # text

    def _parenthesize(self, text: str) -> str:
        stripped = text.lstrip(" \t")
        return text[: len(text) - len(stripped)] + "(" + stripped + ")"

    def _expand_indent_tabs(self, text: str) -> str:
        """Python 2 read a tab in indentation as "up to the next multiple of 8"; Python 3 refuses a mix."""
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if index + 1 in self.string_lines or "\t" not in line:
                continue
            code = line.lstrip(" \t")
            indent = line[: len(line) - len(code)]
            if "\t" in indent:
                lines[index] = indent.expandtabs(8) + code
        return "\n".join(lines)


def _is(node: Any, value: str) -> bool:
    return node is not None and not node.children and getattr(node, "value", None) == value


def _leaf_name(node: Any) -> bool:
    return not node.children and isinstance(getattr(node, "value", None), str) and node.value.isidentifier()


def _prefix(node: Any) -> str:
    """The whitespace and comments before a node."""
    return str(node.prefix)


def _body(node: Any) -> str:
    """A node's source text without the whitespace and comments before it."""
    return str(node)[len(_prefix(node)):]


def _keep_lines(dropped: str) -> str:
    """Backslash continuations for the newlines of dropped text (valid between any two tokens)."""
    return " \\\n" * dropped.count("\n")


def _line(node: Any) -> int:
    while node.children:
        node = node.children[0]
    return int(node.lineno)
