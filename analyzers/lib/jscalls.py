"""The node handlers of :mod:`analyzers.lib.jsobject` for members, calls and functions.

Calls are never run: a handful of pure helpers are known by name (``path.join``, ``path.resolve``,
``Number``, ``parseInt``, ``String``, ``require`` of a JSON file, ``defineConfig``-style identity helpers);
every other call is an :class:`Unknown` that names the callee.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING, Any

from analyzers.lib import treesitter
from analyzers.lib.jsliterals import js_string, number, truthy
from analyzers.lib.jsops import Handler, string
from analyzers.lib.jsvalue import EnvRef, JsArray, JsObject, JsScalar, JsValue, Scalar, Unknown

if TYPE_CHECKING:
    from analyzers.lib.jsobject import Evaluator

_IDENTITY = re.compile(r"define(?:[A-Z]\w*)?Config")  # defineConfig (vite, nuxt 3, vitest), defineNuxtConfig ...
_PATH_FUNCTIONS = {("path", "join"), ("path", "resolve"), ("path", "posix", "join"), ("path", "posix", "resolve")}
_CONVERSIONS = {"Number", "parseInt", "parseFloat", "String", "Boolean"}
_FUNCTIONS = frozenset({"arrow_function", "function_expression", "function"})


def dirname(rel: str) -> str:
    """``__dirname`` of a repo file, repo-relative (``.`` at the root)."""
    return posixpath.dirname(rel) or "."


def member_path(ev: Evaluator, node: Any | None) -> list[str] | None:
    """``["process", "env", "PORT"]`` for ``process.env.PORT`` or ``process.env['PORT']``; None otherwise."""
    if node is None:
        return None
    if node.type == "identifier":
        return [ev.text(node)]
    base = member_path(ev, node.child_by_field_name("object"))
    if base is None:
        return None
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        return [*base, ev.text(prop)] if prop is not None else None
    index = node.child_by_field_name("index")
    if node.type == "subscript_expression" and index is not None and index.type == "string":
        key = string(ev, index, 0)
        return [*base, key.value] if isinstance(key, JsScalar) and isinstance(key.value, str) else None
    return None


def _member(ev: Evaluator, node: Any, depth: int) -> JsValue:
    path = member_path(ev, node)
    if path is not None and len(path) == 3 and path[:2] == ["process", "env"]:
        return EnvRef(path[2], None, treesitter.line(node))
    obj_node = node.child_by_field_name("object")
    key_node = node.child_by_field_name("property" if node.type == "member_expression" else "index")
    if obj_node is None or key_node is None:
        return ev.unknown(node, "a member")
    obj = ev.value(obj_node, depth)
    key = ev.text(key_node) if node.type == "member_expression" else ev.value(key_node, depth)
    if isinstance(key, JsScalar):
        key = js_string(key.value) if key.value is not None else ""
    if isinstance(obj, JsObject) and isinstance(key, str):
        found = obj.get(key)
        if found is not None:
            return found
        return JsScalar(None, treesitter.line(node)) if not obj.unknown else ev.unknown(node, f"member {key}")
    if isinstance(obj, JsArray) and obj.complete and isinstance(key, str):
        if key == "length":
            return JsScalar(len(obj.items), treesitter.line(node))
        if key.isdigit():
            return obj.items[int(key)] if int(key) < len(obj.items) else JsScalar(None, treesitter.line(node))
    if isinstance(obj, Unknown):  # os.cpus().length: say why the object is unknown
        return ev.unknown(node, obj.reason)
    return ev.unknown(node, f"{'.'.join(path) if path else 'a member'} is not a constant")


def _convert(fn: str, value: Scalar) -> Scalar:
    if fn == "String":
        return js_string(value)
    if fn == "Boolean":
        return truthy(value)
    text = js_string(value).strip()
    if fn == "parseInt":
        m = re.match(r"[+-]?\d+", text)
        return int(m.group(0)) if m else None
    return number(text) if text else 0


def _call(ev: Evaluator, node: Any, depth: int) -> JsValue:
    callee = member_path(ev, node.child_by_field_name("function")) or []
    args_node = node.child_by_field_name("arguments")
    args = [a for a in (args_node.named_children if args_node is not None else []) if a.type != "comment"]
    line = treesitter.line(node)
    if callee == ["require"] and args and args[0].type == "string":
        return _require(ev, node, string(ev, args[0], depth))
    if tuple(callee) in _PATH_FUNCTIONS:
        parts = [ev.value(a, depth) for a in args]
        if all(isinstance(p, JsScalar) and isinstance(p.value, str) for p in parts):
            texts = [p.value for p in parts if isinstance(p, JsScalar) and isinstance(p.value, str)]
            return JsScalar(posixpath.normpath(posixpath.join(*texts)) if texts else ".", line)
    elif len(callee) == 1 and _IDENTITY.fullmatch(callee[0]) and args:
        return ev.value(args[0], depth)
    elif len(callee) == 1 and callee[0] in _CONVERSIONS and args:
        inner = ev.value(args[0], depth)
        if isinstance(inner, EnvRef):  # Number(process.env.PORT): still the variable; a string default converts
            default = inner.default
            if isinstance(default, JsScalar) and callee[0] != "String":
                default = JsScalar(_convert(callee[0], default.value), default.line, default.file)
            return EnvRef(inner.name, default, inner.line, inner.file)
        if isinstance(inner, JsScalar):
            return JsScalar(_convert(callee[0], inner.value), line)
    return ev.unknown(node, f"a call of {'.'.join(callee)}" if callee else "a call")


def _require(ev: Evaluator, node: Any, target: JsValue) -> JsValue:
    name = target.value if isinstance(target, JsScalar) and isinstance(target.value, str) else ""
    if name.startswith(".") and name.endswith(".json") and ev.load_json is not None:
        loaded = ev.load_json(posixpath.normpath(posixpath.join(dirname(ev.rel), name)))
        if loaded is not None:
            return loaded
    return ev.unknown(node, f"require of {name or 'a module'}")


def _function(ev: Evaluator, node: Any, depth: int) -> JsValue:
    """What a function returns when that is an expression of constants (its parameters are unknown)."""
    from analyzers.lib.jsobject import declarations

    params: dict[str, Any] = {}
    for field in ("parameters", "parameter"):
        p = node.child_by_field_name(field)
        if p is not None:
            params.update({ev.text(n): None for n in _identifiers(p)})
    body = node.child_by_field_name("body")
    if body is not None and body.type == "statement_block":
        params.update(declarations(body, ev.data))
        returns = [s for s in body.named_children if s.type == "return_statement"]
        body = returns[-1].named_children[0] if returns and returns[-1].named_children else None
    if body is None:
        return ev.unknown(node, "a function without a returned value")
    ev.scopes.append(params)
    try:
        return ev.value(body, depth)
    finally:
        ev.scopes.pop()


def _identifiers(node: Any) -> list[Any]:
    """Every name a parameter list binds (identifiers of patterns, defaults included: over-shadowing is safe)."""
    if node.type in ("identifier", "shorthand_property_identifier_pattern"):
        return [node]
    return [n for c in node.named_children for n in _identifiers(c)]


HANDLERS: dict[str, Handler] = {
    "member_expression": _member, "subscript_expression": _member, "call_expression": _call,
    **{t: _function for t in _FUNCTIONS},
}

__all__ = ["HANDLERS", "Unknown", "dirname", "member_path"]
