"""Static evaluation of module-level settings in config modules (gunicorn.conf.py and the like).

Understands what config files are made of: literals, lists/tuples, string concatenation,
f-strings, ``%`` and ``.format``, ``int()``/``str()``, names assigned earlier in the module, and
environment reads (``os.environ.get("PORT", "8000")``, ``os.getenv``, ``os.environ["X"]``, ``x or
"d"``). An env read evaluates to its default and is recorded in ``Val.env``; an env read without a
default shows as ``${NAME}`` inside strings. Anything else (calls, arithmetic on unknowns) is not
evaluated: the value is None and ``Val.expr`` keeps the source text. Nothing is ever executed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

EnvRead = tuple[str, "str | None"]


@dataclass(frozen=True)
class Val:
    """A statically known value (None when unknown), the env vars it reads, its text and line."""

    value: Any
    env: tuple[EnvRead, ...] = ()
    expr: str = ""
    line: int = 0


def module_values(tree: ast.Module) -> dict[str, Val]:
    """``{name: Val}`` for every simple module-level assignment (the last one wins, as at run time)."""
    names: dict[str, Val] = {}
    for stmt in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        if value is None:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                names[target.id] = evaluate(value, names, stmt.lineno)
    return names


def evaluate(node: ast.expr, names: dict[str, Val], line: int = 0) -> Val:
    """The Val of one expression, given the module's earlier names."""
    value, env = _eval(node, names)
    return Val(value, tuple(dict.fromkeys(env)), ast.unparse(node), line or getattr(node, "lineno", 0))



def _eval(node: ast.expr, names: dict[str, Val]) -> tuple[Any, list[EnvRead]]:
    """(value or None, env reads); value None means "not statically known"."""
    if isinstance(node, ast.Constant):
        return node.value, []
    if isinstance(node, ast.Name):
        known = names.get(node.id)
        return (known.value, list(known.env)) if known else (None, [])
    if isinstance(node, (ast.List, ast.Tuple)):
        parts = [_eval(e, names) for e in node.elts]
        env = [r for _, e in parts for r in e]
        values = tuple(v for v, _ in parts)
        return (values if all(v is not None for v in values) else None), env
    if isinstance(node, ast.JoinedStr):
        return _fstring(node, names)
    env_read = _env_read(node, names)
    if env_read is not None:
        name, default = env_read
        return default, [(name, None if default is None else str(default))]
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        env_all: list[EnvRead] = []
        for operand in node.values:
            v, e = _eval(operand, names)
            env_all.extend(e)
            if v:
                return v, env_all
        return None, env_all
    if isinstance(node, ast.BinOp):
        return _binop(node, names)
    if isinstance(node, ast.Call):
        return _call(node, names)
    return None, []


def _fstring(node: ast.JoinedStr, names: dict[str, Val]) -> tuple[Any, list[EnvRead]]:
    out: list[str] = []
    env: list[EnvRead] = []
    for part in node.values:
        if isinstance(part, ast.Constant):
            out.append(str(part.value))
            continue
        if not isinstance(part, ast.FormattedValue):
            return None, env
        v, e = _eval(part.value, names)
        env.extend(e)
        if v is None:
            if not e:
                return None, env
            out.append("${" + e[0][0] + "}")
        else:
            out.append(str(v))
    return "".join(out), env


def _binop(node: ast.BinOp, names: dict[str, Val]) -> tuple[Any, list[EnvRead]]:
    left, le = _eval(node.left, names)
    right, re_ = _eval(node.right, names)
    env = le + re_
    if left is None or right is None:
        if isinstance(node.op, ast.Add) and isinstance(left, str) and re_:
            return left + "${" + re_[0][0] + "}", env
        return None, env
    try:
        if isinstance(node.op, ast.Add) and type(left) is type(right) and isinstance(left, (str, int)):
            return left + right, env
        if isinstance(node.op, ast.Mult) and isinstance(left, int) and isinstance(right, int):
            return left * right, env
        if isinstance(node.op, ast.Mod) and isinstance(left, str):
            return left % right, env
    except (TypeError, ValueError):
        return None, env
    return None, env


def _call(node: ast.Call, names: dict[str, Val]) -> tuple[Any, list[EnvRead]]:
    func = node.func
    args = [_eval(a, names) for a in node.args]
    env = [r for _, e in args for r in e]
    if isinstance(func, ast.Name) and func.id in ("int", "str") and len(args) == 1:
        value = args[0][0]
        if value is None:
            return None, env
        try:
            return (int(value) if func.id == "int" else str(value)), env
        except (TypeError, ValueError):
            return None, env
    if isinstance(func, ast.Attribute) and func.attr == "format":
        template, te = _eval(func.value, names)
        values = [v for v, _ in args]
        if isinstance(template, str) and all(v is not None for v in values) and not node.keywords:
            try:
                return template.format(*values), te + env
            except (IndexError, KeyError, ValueError):
                return None, te + env
    return None, env


def _env_read(node: ast.expr, names: dict[str, Val]) -> tuple[str, Any] | None:
    """(name, default or None) for ``os.environ.get/os.getenv/os.environ[...]/environ.get``."""
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        key, _ = _eval(node.slice, names)
        return (key, None) if isinstance(key, str) else None
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    is_get = isinstance(func, ast.Attribute) and (
        (func.attr == "get" and _is_environ(func.value)) or (func.attr == "getenv" and _is_os(func.value))
    )
    is_get = is_get or (isinstance(func, ast.Name) and func.id == "getenv")
    if not is_get:
        return None
    key, _ = _eval(node.args[0], names)
    if not isinstance(key, str):
        return None
    default: Any = None
    if len(node.args) > 1:
        default, _ = _eval(node.args[1], names)
    return key, default


def _is_environ(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "environ"
    return isinstance(node, ast.Attribute) and node.attr == "environ" and _is_os(node.value)


def _is_os(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "os"


def as_int(value: object) -> int | None:
    """An int from an int or a digit string; None for anything else (bools included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value.strip())
    return None
