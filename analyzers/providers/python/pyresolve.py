"""Resolve Python expressions to values statically, for deploy code read through :mod:`ast`.

Fabfiles build their commands with ``%`` formatting, ``.format``, f-strings, ``+`` and
``os.path.join`` over module constants and ``env`` attributes. :class:`Resolver` evaluates exactly
that subset without importing or running anything; whatever it cannot know becomes an
:class:`Unknown`, which renders as a ``${name}`` placeholder so a command is never dropped just
because one part of it is dynamic. Calls are offered to a :class:`Hooks` object first, so the caller
(the Fabric analyzer) can give meaning to ``run(...)``, helpers and connections while evaluation runs.
"""

from __future__ import annotations

import ast
import posixpath
import re
import string
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known statically; ``name`` says where it came from."""

    name: str

    def __str__(self) -> str:
        return "${" + self.name + "}"


class Namespace(dict[str, Any]):
    """An attribute dictionary such as Fabric's ``env``: ``ns.key`` and ``ns['key']`` are the same."""

    def __init__(self, label: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label

    def missing(self, key: str) -> Unknown:
        return Unknown(f"{self.label}.{key}" if self.label else key)


NOT_HANDLED: Any = object()  # a hook's answer when the call is not its business


class Hooks:
    """Call interception; the default handles nothing."""

    def call(self, node: ast.Call, func: str | None, resolver: Resolver) -> Any:
        """Called for a call to a plain or imported name (``func`` is its dotted, alias-expanded name)."""
        return NOT_HANDLED

    def method(self, node: ast.Call, base: Any, attr: str, resolver: Resolver) -> Any:
        """Called for ``<base>.attr(...)`` once ``base`` has been evaluated."""
        return NOT_HANDLED


def text(value: Any) -> str:
    """A value as it would appear inside a string: unknown parts as ``${name}`` placeholders."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return " ".join(text(v) for v in value)
    if value is None:
        return ""
    return str(value)


def label(node: ast.AST) -> str:
    """A short, shell-safe name for an expression (used in placeholders)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{label(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return label(node.func)
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and re.match(r"^\w+$", key.value):
            return f"{label(node.value)}.{key.value}"
        return label(node.value)
    return "expr"


_PATH_FUNCS: dict[str, Callable[..., str]] = {
    "os.path.join": lambda *a: posixpath.join(*a),
    "posixpath.join": lambda *a: posixpath.join(*a),
    "os.path.dirname": posixpath.dirname,
    "os.path.basename": posixpath.basename,
    "os.path.normpath": posixpath.normpath,
    "os.path.abspath": posixpath.normpath,
    "os.path.realpath": posixpath.normpath,
    "os.path.expanduser": lambda p: p,
}
_STR_METHODS = {"strip", "lstrip", "rstrip", "lower", "upper", "replace", "split", "rsplit", "removeprefix",
                "removesuffix", "title", "capitalize"}


class Resolver:
    """Evaluates expressions against ``names`` (a mutable scope); ``aliases`` maps imported names."""

    def __init__(self, names: MutableMapping[str, Any], aliases: Mapping[str, str], hooks: Hooks | None = None):
        self.names = names
        self.aliases = aliases
        self.hooks = hooks or Hooks()

    def with_names(self, names: MutableMapping[str, Any]) -> Resolver:
        return Resolver(names, self.aliases, self.hooks)

    def text(self, node: ast.expr | None) -> str | None:
        return None if node is None else text(self.value(node))

    def value(self, node: ast.expr) -> Any:
        """The value of ``node``: a str/int/list/dict/..., a :class:`Unknown`, or a hook's object."""
        method = getattr(self, "_" + type(node).__name__, None)
        if method is not None:
            return method(node)
        self._visit_children(node)
        return Unknown(label(node))

    def _visit_children(self, node: ast.AST) -> None:
        # Unknown constructs still get their calls evaluated: a run() inside them still runs.
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr) and not isinstance(child, ast.Lambda):
                self.value(child)

    def _Constant(self, node: ast.Constant) -> Any:
        return node.value

    def _Name(self, node: ast.Name) -> Any:
        if node.id in self.names:
            return self.names[node.id]
        return Unknown(self.aliases.get(node.id, node.id))

    def _Attribute(self, node: ast.Attribute) -> Any:
        base = self.value(node.value)
        if isinstance(base, Namespace):
            return base.get(node.attr, base.missing(node.attr))
        if isinstance(base, dict):
            return base.get(node.attr, Unknown(label(node)))
        if isinstance(base, Unknown):
            return Unknown(f"{base.name}.{node.attr}")
        return Unknown(label(node))

    def _Subscript(self, node: ast.Subscript) -> Any:
        base = self.value(node.value)
        key = self.value(node.slice)
        try:
            if isinstance(base, Namespace) and isinstance(key, str):
                return base.get(key, base.missing(key))
            if isinstance(base, (dict, list, tuple, str)) and isinstance(key, (str, int)):
                return base[key]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            pass
        return Unknown(label(node))

    def _List(self, node: ast.List) -> Any:
        return [self.value(e) for e in node.elts]

    def _Tuple(self, node: ast.Tuple) -> Any:
        return tuple(self.value(e) for e in node.elts)

    def _Set(self, node: ast.Set) -> Any:
        return [self.value(e) for e in node.elts]

    def _Dict(self, node: ast.Dict) -> Any:
        out: dict[Any, Any] = {}
        for k, v in zip(node.keys, node.values, strict=False):
            val = self.value(v)
            if k is None:
                if isinstance(val, dict):
                    out.update(val)
                continue
            key = self.value(k)
            if isinstance(key, (str, int)):
                out[key] = val
        return out

    def _JoinedStr(self, node: ast.JoinedStr) -> Any:
        parts: list[str] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                val = self.value(part.value)
                spec = self.text(part.format_spec) or ""
                parts.append(_format_one(val, spec, chr(part.conversion) if part.conversion > 0 else None))
            else:
                parts.append(text(self.value(part)))
        return "".join(parts)

    def _BinOp(self, node: ast.BinOp) -> Any:
        left = self.value(node.left)
        right = self.value(node.right)
        if isinstance(node.op, ast.Add):
            if isinstance(left, list) and isinstance(right, list):
                return left + right
            if isinstance(left, tuple) and isinstance(right, tuple):
                return left + right
            if isinstance(left, (int, float)) and isinstance(right, (int, float)) and not isinstance(left, bool):
                return left + right
            if isinstance(left, (str, Unknown)) or isinstance(right, (str, Unknown)):
                return text(left) + text(right)
        if isinstance(node.op, ast.Mod) and isinstance(left, str):
            return percent(left, right)
        if isinstance(node.op, (ast.Sub, ast.Mult)) and isinstance(left, int) and isinstance(right, int):
            return left - right if isinstance(node.op, ast.Sub) else left * right
        return Unknown(label(node.left) if isinstance(left, Unknown) else "expr")

    def _IfExp(self, node: ast.IfExp) -> Any:
        self.value(node.test)
        body = self.value(node.body)
        self.value(node.orelse)
        return body

    def _Call(self, node: ast.Call) -> Any:
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self.value(func.value)
            handled = self.hooks.method(node, base, func.attr, self)
            if handled is not NOT_HANDLED:
                return handled
            return self._builtin_method(node, base, func.attr)
        name = self.aliases.get(func.id, func.id) if isinstance(func, ast.Name) else None
        handled = self.hooks.call(node, name, self)
        if handled is not NOT_HANDLED:
            return handled
        args, kwargs = self.arguments(node)
        if name == "str" and len(args) == 1:
            return text(args[0])
        if name in _PATH_FUNCS:
            return _path_call(name, args)
        if name is None:
            self.value(func)
        return Unknown(name or label(func))

    def arguments(self, node: ast.Call) -> tuple[list[Any], dict[str, Any]]:
        """Positional and keyword argument values (``*x``/``**x`` expanded when known)."""
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                val = self.value(a.value)
                args.extend(val if isinstance(val, (list, tuple)) else [val])
            else:
                args.append(self.value(a))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            val = self.value(kw.value)
            if kw.arg is not None:
                kwargs[kw.arg] = val
            elif isinstance(val, dict):
                kwargs.update({str(k): v for k, v in val.items()})
        return args, kwargs

    def _builtin_method(self, node: ast.Call, base: Any, attr: str) -> Any:
        args, kwargs = self.arguments(node)
        if isinstance(base, Unknown) and f"{base.name}.{attr}" in _PATH_FUNCS:
            return _path_call(f"{base.name}.{attr}", args)
        if isinstance(base, Unknown) and f"{base.name}.{attr}" in ("os.environ.get", "os.getenv"):
            return Unknown(args[0]) if args and isinstance(args[0], str) else Unknown("environ")
        if isinstance(base, str):
            if attr == "format":
                return str_format(base, args, kwargs)
            if attr == "join" and len(args) == 1 and isinstance(args[0], (list, tuple)):
                return base.join(text(a) for a in args[0])
            if attr in _STR_METHODS and all(isinstance(a, (str, int)) for a in args):
                try:
                    result: Any = getattr(base, attr)(*args)
                    return list(result) if isinstance(result, list) else result
                except (TypeError, ValueError):
                    pass
        if isinstance(base, dict) and attr == "get" and args and isinstance(args[0], str):
            if args[0] in base:
                return base[args[0]]
            if len(args) > 1:
                return args[1]
            return base.missing(args[0]) if isinstance(base, Namespace) else Unknown(args[0])
        return Unknown(f"{base.name}.{attr}" if isinstance(base, Unknown) else label(node.func))


def _path_call(name: str, args: list[Any]) -> Any:
    try:
        return _PATH_FUNCS[name](*[text(a) for a in args])
    except (TypeError, ValueError):
        return Unknown(name)


def _format_one(value: Any, spec: str, conversion: str | None) -> str:
    if isinstance(value, Unknown) or (not spec and conversion is None):
        return text(value)
    try:
        if conversion == "r":
            value = repr(value)
        elif conversion in ("s", "a"):
            value = str(value)
        return format(value, spec)
    except (TypeError, ValueError):
        return text(value)


_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?(?P<spec>[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%]))"
)


def percent(fmt: str, args: Any) -> str:
    """``fmt % args`` where args may hold unknowns (they become ``${name}``)."""
    seq = list(args) if isinstance(args, tuple) else [args]
    index = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal index
        if m.group("conv") == "%":
            return "%"
        key = m.group("key")
        if key is not None:
            if isinstance(args, Namespace):
                val = args.get(key, args.missing(key))
            elif isinstance(args, dict):
                val = args.get(key, Unknown(key))
            else:
                val = Unknown(label_of(args, key))
        else:
            val = seq[index] if index < len(seq) else Unknown("arg")
            index += 1
        if isinstance(val, Unknown):
            return str(val)
        try:
            return ("%" + m.group("spec")) % (val,)
        except (TypeError, ValueError):
            return text(val)

    return _PERCENT.sub(sub, fmt)


def label_of(value: Any, key: str) -> str:
    return f"{value.name}.{key}" if isinstance(value, Unknown) else key


_FIELD_PART = re.compile(r"\.(\w+)|\[([^\]]*)\]")


def str_format(fmt: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``fmt.format(*args, **kwargs)`` where values may be unknown."""
    out: list[str] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return Unknown("format")
    for literal, field, spec, conv in parsed:
        out.append(literal)
        if field is None:
            continue
        first, rest = re.match(r"^([^.\[]*)(.*)$", field).groups()  # type: ignore[union-attr]
        val: Any
        if first == "":
            val = args[auto] if auto < len(args) else Unknown("arg")
            auto += 1
        elif first.isdigit():
            val = args[int(first)] if int(first) < len(args) else Unknown("arg")
        else:
            val = kwargs.get(first, Unknown(first))
        for attr, key in _FIELD_PART.findall(rest):
            name = attr or key
            if isinstance(val, Namespace):
                val = val.get(name, val.missing(name))
            elif isinstance(val, dict):
                val = val.get(name, Unknown(name))
            elif isinstance(val, (list, tuple)) and name.isdigit() and int(name) < len(val):
                val = val[int(name)]
            else:
                val = Unknown(label_of(val, name))
        out.append(_format_one(val, spec or "", conv))
    return "".join(out)
