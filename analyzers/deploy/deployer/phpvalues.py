"""PHP literals and calls as the deploy readers need them, read through tree-sitter-php, never run.

Deployer's ``deploy.php`` and Envoy's ``@servers``/``@setup`` are PHP whose meaning lies in a few calls
(``set('shared_files', [...])``, ``host('a')->set(...)``, ``task('x', function () {...})``) and literal
values. :class:`PhpFile` parses a text once with :mod:`analyzers.lib.php` (whose literal values it uses)
and adds what a deploy file needs: its statements in order (through namespaces and ``if``/``else``
branches), call chains innermost first, closure bodies, and values with the file's variables filled in
(``"cd $dir"``), ``__DIR__`` as ``''`` (paths relative to the file), Deployer's ``get('x')``/``parse('...')``
as ``{{x}}`` (substituted where the value is used). Anything else (a method call, a constant,
``getenv``) is :class:`Unknown`, shown as ``${name}``. A syntax error is reported with its line by
:meth:`PhpFile.errors`; the statements around it are still read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from analyzers.lib import php as libphp
from analyzers.lib import treesitter

_VARIABLE = re.compile(r"^\{?\$(\w+)\}?$")
_GET = re.compile(r"^(?:\\?Deployer\\)?get\(\s*['\"]([\w/.-]+)['\"]\s*\)$")
MAX_DEPTH = 40


@dataclass(frozen=True)
class Unknown:
    """A value known only when the PHP runs: shown as ``${name}``."""

    name: str

    def __str__(self) -> str:
        return "${" + self.name + "}"


@dataclass(frozen=True)
class Call:
    """A function call (``set('x', 1)``) or one link of a method chain (``->setLabels([...])``)."""

    name: str
    args: tuple[Any, ...]  # argument nodes
    line: int
    node: Any


def render(value: Any) -> str:
    """A value as PHP's string conversion would show it (unknown parts as ``${name}``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, list):
        return " ".join(render(v) for v in value)
    if isinstance(value, dict):
        return " ".join(render(v) for v in value.values())
    return str(value)


def known(value: Any) -> str | None:
    """``value`` as text when nothing in it is unknown."""
    text = render(value) if isinstance(value, (str, int, float, Unknown)) and not isinstance(value, bool) else None
    return None if text is None or "${" in text else text


class PhpFile:
    """One PHP text (a file, or a snippet wrapped in ``<?php``), parsed once."""

    def __init__(self, text: str, first_line: int = 1, *, snippet: bool = False) -> None:
        prefix = "<?php " if snippet else ""
        self.data = (prefix + text).encode("utf-8", "replace")
        self.offset = first_line - 1
        self.php = libphp.PhpFile.parse(self.data)

    @property
    def root(self) -> Any | None:
        return self.php.root if self.php is not None else None

    def line(self, node: Any) -> int:
        return treesitter.line(node) + self.offset

    def text(self, node: Any) -> str:
        return treesitter.text(node, self.data)

    def errors(self) -> list[int]:
        """The lines where the parser met text it could not read (an ERROR or a missing token)."""
        out: list[int] = []
        stack = [self.root] if self.root is not None else []
        while stack:
            node = stack.pop()
            if node.type == "ERROR" or node.is_missing:
                out.append(self.line(node))
                continue
            if node.has_error:
                stack.extend(node.children)
        return sorted(set(out))

    # -- statements and calls --------------------------------------------------------------------

    def statements(self, node: Any | None = None) -> Iterator[Any]:
        """The statements of a block (the file, a function body), entering namespaces, ``if``/``else``
        branches and loops: a deploy file's calls count whichever branch runs."""
        node = self.root if node is None else node
        if node is None:
            return
        for child in node.named_children:
            if child.type in ("compound_statement", "namespace_definition", "declaration_list"):
                yield from self.statements(child)
            elif child.type in ("if_statement", "else_clause", "else_if_clause", "foreach_statement",
                                "for_statement", "while_statement", "try_statement", "catch_clause",
                                "finally_clause", "colon_block"):
                for part in child.named_children:
                    if part.type in ("compound_statement", "else_clause", "else_if_clause", "catch_clause",
                                     "finally_clause", "colon_block", "expression_statement"):
                        yield from self.statements(part) if part.type != "expression_statement" else [part]
            else:
                yield child

    def chain(self, expr: Any) -> list[Call]:
        """``host('a')->set('x', 1)->setLabels([...])`` as its calls, innermost first; [] when ``expr`` is
        no call. ``\\Deployer\\run(...)`` is ``run``."""
        out: list[Call] = []
        node = expr
        for _ in range(MAX_DEPTH):
            if node is None:
                break
            if node.type == "function_call_expression":
                fn = node.child_by_field_name("function")
                name = self.text(fn).rsplit("\\", 1)[-1] if fn is not None else ""
                out.append(Call(name, self._args(node), self.line(node), node))
                break
            if node.type in ("member_call_expression", "nullsafe_member_call_expression"):
                name_node = node.child_by_field_name("name")
                out.append(Call(self.text(name_node) if name_node is not None else "", self._args(node),
                                self.line(name_node if name_node is not None else node), node))
                node = node.child_by_field_name("object")
                continue
            break
        else:
            return []
        return list(reversed(out)) if out and out[-1].node.type == "function_call_expression" else []

    def _args(self, call: Any) -> tuple[Any, ...]:
        args = call.child_by_field_name("arguments")
        if args is None:
            return ()
        out = []
        for arg in args.named_children:
            if arg.type == "argument":
                value = arg.named_children[-1] if arg.named_children else None
                if value is not None:
                    out.append(value)
        return tuple(out)

    def closure_body(self, node: Any) -> Any | None:
        """The body of ``function () {...}`` / ``fn () => ...`` (its statements' parent), or None."""
        if node is None:
            return None
        if node.type == "anonymous_function":
            return node.child_by_field_name("body")
        if node.type == "arrow_function":
            return node.child_by_field_name("body")
        return None

    def assignments(self, node: Any | None = None) -> Iterator[tuple[str, Any, int]]:
        """``$name = <expr>`` statements of a block: (name, value node, line)."""
        for stmt in self.statements(node):
            if stmt.type != "expression_statement" or not stmt.named_children:
                continue
            expr = stmt.named_children[0]
            if expr.type == "assignment_expression":
                left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
                if left is not None and right is not None and left.type == "variable_name":
                    yield self.text(left).lstrip("$"), right, self.line(expr)

    # -- values ----------------------------------------------------------------------------------

    def value(self, node: Any, scope: Mapping[str, Any] | None = None, depth: int = 0) -> Any:
        """The static value of expression ``node`` (see the module docstring): the literal as
        :meth:`analyzers.lib.php.PhpFile.value` reads it, with variables, ``get()`` and constants resolved."""
        scope = scope or {}
        if node is None or self.php is None or depth > MAX_DEPTH:
            return Unknown("value")
        if node.type == "variable_name":
            name = self.text(node).lstrip("$")
            return scope.get(name, Unknown(name))
        if node.type == "binary_expression":
            op = node.child_by_field_name("operator")
            left = self.value(node.child_by_field_name("left"), scope, depth + 1)
            right = self.value(node.child_by_field_name("right"), scope, depth + 1)
            if op is not None and op.type == ".":
                return render(left) + render(right)
            if op is not None and op.type in ("??", "?:", "||", "or"):
                return left if left not in (None, "", False) and not isinstance(left, Unknown) else right
            return Unknown("expression")
        if node.type == "parenthesized_expression" and node.named_children:
            return self.value(node.named_children[0], scope, depth + 1)
        if node.type == "function_call_expression":
            return self._call_value(node, scope, depth)
        if node.type == "heredoc":
            return self._heredoc(node, scope, depth)
        return self._resolve(self.php.value(node), scope, depth)

    def _heredoc(self, node: Any, scope: Mapping[str, Any], depth: int) -> str:
        """A heredoc's lines (a multi-line ``run(<<<EOT ...)``), its closing marker's indentation removed
        (PHP 7.3), interpolations filled in: its body tokens leave the line breaks out, so read the lines."""
        lines = self.text(node).split("\n")[1:]
        indent = len(lines[-1]) - len(lines[-1].lstrip()) if lines else 0
        text = "\n".join(line[indent:] if not line[:indent].strip() else line for line in lines[:-1])
        body = node.child_by_field_name("value")
        for child in body.named_children if body is not None else ():
            if child.type not in ("string_content", "escape_sequence", "text_interpolation", "comment"):
                raw, value = self.text(child), render(self.value(child, scope, depth + 1))
                text = text.replace("{" + raw + "}" if "{" + raw + "}" in text else raw, value, 1)
        return text

    def _resolve(self, value: Any, scope: Mapping[str, Any], depth: int) -> Any:
        """A value of :mod:`analyzers.lib.php` with what this reader knows filled in."""
        if depth > MAX_DEPTH:
            return Unknown("value")
        if isinstance(value, list):
            return [self._resolve(v, scope, depth + 1) for v in value]
        if isinstance(value, dict):
            return {str(k): self._resolve(v, scope, depth + 1) for k, v in value.items()}
        if isinstance(value, libphp.Interp):
            return "".join(render(self._resolve(p, scope, depth + 1)) for p in value.parts)
        if isinstance(value, libphp.Const):
            return "" if value.text in ("__DIR__", "__FILE__") else Unknown(_ident(value.text))
        if isinstance(value, libphp.EnvRef):
            return Unknown(value.name)
        if isinstance(value, libphp.Unknown):
            var = _VARIABLE.match(value.text)
            if var:
                return scope.get(var.group(1), Unknown(var.group(1)))
            get = _GET.match(value.text)
            return "{{" + get.group(1) + "}}" if get else Unknown(_ident(value.text))
        return value

    def _call_value(self, node: Any, scope: Mapping[str, Any], depth: int) -> Any:
        calls = self.chain(node)
        if len(calls) != 1:
            return Unknown("call")
        call = calls[0]
        if call.name == "get" and call.args:  # Deployer: the value of another setting
            key = self.value(call.args[0], scope, depth + 1)
            if isinstance(key, str):
                return "{{" + key + "}}"
        if call.name == "parse" and call.args:
            return self.value(call.args[0], scope, depth + 1)
        if call.name in ("getenv", "env") and call.args:
            key = self.value(call.args[0], scope, depth + 1)
            return Unknown(key if isinstance(key, str) else "env")
        return Unknown(call.name or "call")


def expression(text: str, first_line: int = 1, scope: Mapping[str, Any] | None = None) -> Any:
    """The value of one PHP expression written outside a PHP file (Envoy's ``@servers([...])``), or
    :class:`Unknown` when it does not parse."""
    php = PhpFile(f"$__ = {text}\n;", first_line, snippet=True)
    if php.root is None or php.errors():
        return Unknown("expression")
    found = next(php.assignments(), None)
    return php.value(found[1], scope) if found is not None else Unknown("expression")


def _ident(text: str) -> str:
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in text.strip("$\\"))[:40].strip("_")
    return name or "value"
