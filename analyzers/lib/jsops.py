"""The node handlers of :mod:`analyzers.lib.jsobject` for literals and operators (the rest: :mod:`jscalls`).

Each handler takes the evaluator, a tree-sitter node of its type and the depth, and returns a value.
The operators follow JS semantics on known values only: ``'a' + 1`` is ``'a1'``, ``0 || 3000`` is 3000,
``process.env.PORT || 3000`` is an :class:`EnvRef` with default 3000.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from analyzers.lib import treesitter
from analyzers.lib.jsliterals import arithmetic, js_string, number, truthy, unescape
from analyzers.lib.jsvalue import EnvRef, JsArray, JsObject, JsScalar, JsValue, Scalar, Unknown

if TYPE_CHECKING:
    from analyzers.lib.jsobject import Evaluator

Handler = Callable[["Evaluator", Any, int], JsValue]
_SKIP = frozenset({"comment", "html_comment"})


def string(ev: Evaluator, node: Any, depth: int) -> JsValue:
    parts = [ev.text(c) if c.type == "string_fragment" else unescape(ev.text(c))
             for c in node.named_children if c.type in ("string_fragment", "escape_sequence")]
    return JsScalar("".join(parts), treesitter.line(node))


def _template(ev: Evaluator, node: Any, depth: int) -> JsValue:
    parts: list[str] = []
    for c in node.named_children:
        if c.type == "string_fragment":
            parts.append(ev.text(c))
        elif c.type == "escape_sequence":
            parts.append(unescape(ev.text(c)))
        elif c.type == "template_substitution":
            inner = ev.value(c.named_children[0], depth) if c.named_children else ev.unknown(c, "empty")
            if not isinstance(inner, JsScalar):
                return ev.unknown(c, "a template substitution that is not a constant")
            parts.append(js_string(inner.value))
    return JsScalar("".join(parts), treesitter.line(node))


def _number(ev: Evaluator, node: Any, depth: int) -> JsValue:
    value = number(ev.text(node))
    return ev.unknown(node, "a number") if value is None else JsScalar(value, treesitter.line(node))


def _constant(value: Scalar) -> Handler:
    return lambda ev, node, depth: JsScalar(value, treesitter.line(node))


def _identifier(ev: Evaluator, node: Any, depth: int) -> JsValue:
    return ev.binding(node, ev.text(node), depth)


def _key(ev: Evaluator, node: Any, depth: int) -> str | Unknown:
    if node.type in ("property_identifier", "identifier", "private_property_identifier"):
        return ev.text(node)
    value = ev.value(node.named_children[0], depth) if node.type == "computed_property_name" and \
        node.named_children else ev.value(node, depth)
    if isinstance(value, JsScalar) and value.value is not None:
        return js_string(value.value)
    return ev.unknown(node, "a computed key")


def _object(ev: Evaluator, node: Any, depth: int) -> JsValue:
    entries: dict[str, JsValue] = {}  # a later duplicate key overwrites the value and keeps the place, as in JS
    unknown: list[Unknown] = []
    for c in node.named_children:
        if c.type == "pair":
            key, value = c.child_by_field_name("key"), c.child_by_field_name("value")
            k = _key(ev, key, depth) if key is not None else ev.unknown(c, "a pair")
            if isinstance(k, Unknown) or value is None:
                unknown.append(k if isinstance(k, Unknown) else ev.unknown(c, "a pair"))
            else:
                entries[k] = ev.value(value, depth)
        elif c.type == "shorthand_property_identifier":
            entries[ev.text(c)] = ev.binding(c, ev.text(c), depth)
        elif c.type == "spread_element" and c.named_children:
            spread = ev.value(c.named_children[0], depth)
            if isinstance(spread, JsObject):
                entries.update(spread.entries)
                unknown.extend(spread.unknown)
            else:
                unknown.append(spread if isinstance(spread, Unknown) else ev.unknown(c, "a spread of a non-object"))
        elif c.type == "method_definition" and c.child_by_field_name("name") is not None:
            entries[ev.text(c.child_by_field_name("name"))] = ev.unknown(c, "a method")
        elif c.type not in _SKIP:
            unknown.append(ev.unknown(c, f"a {c.type.replace('_', ' ')}"))
    return JsObject(tuple(entries.items()), treesitter.line(node), None, tuple(unknown))


def _array(ev: Evaluator, node: Any, depth: int) -> JsValue:
    items: list[JsValue] = []
    complete = True
    for c in node.named_children:
        if c.type == "spread_element" and c.named_children:
            spread = ev.value(c.named_children[0], depth)
            if isinstance(spread, JsArray):
                items.extend(spread.items)
                complete = complete and spread.complete
            else:
                complete = False
        elif c.type not in _SKIP:
            items.append(ev.value(c, depth))
    return JsArray(tuple(items), treesitter.line(node), None, complete)


def _unary(ev: Evaluator, node: Any, depth: int) -> JsValue:
    op, arg = node.child_by_field_name("operator"), node.child_by_field_name("argument")
    value = ev.value(arg, depth) if arg is not None else None
    if isinstance(value, JsScalar) and op is not None:
        v, line = value.value, treesitter.line(node)
        if op.type == "!":
            return JsScalar(not truthy(v), line)
        if op.type in "-+" and isinstance(v, (int, float)) and not isinstance(v, bool):
            return JsScalar(-v if op.type == "-" else v, line)
    return ev.unknown(node, "an operator on a non-constant")


def with_default(ref: EnvRef, default: JsValue) -> EnvRef:
    """``ref || default``: the default goes to the innermost reference that has none yet."""
    if ref.default is None:
        return EnvRef(ref.name, default, ref.line, ref.file)
    if isinstance(ref.default, EnvRef):
        return EnvRef(ref.name, with_default(ref.default, default), ref.line, ref.file)
    return ref


def _binary(ev: Evaluator, node: Any, depth: int) -> JsValue:
    op_node, left_node, right_node = (node.child_by_field_name(f) for f in ("operator", "left", "right"))
    if op_node is None or left_node is None or right_node is None:
        return ev.unknown(node, "an expression")
    op, left = op_node.type, ev.value(left_node, depth)
    if op in ("||", "??") and isinstance(left, EnvRef):
        return with_default(left, ev.value(right_node, depth))
    if op in ("||", "??", "&&") and isinstance(left, JsScalar):
        keep = truthy(left.value) if op == "||" else (left.value is not None if op == "??" else not truthy(left.value))
        return left if keep else ev.value(right_node, depth)
    right = ev.value(right_node, depth)
    if isinstance(left, JsScalar) and isinstance(right, JsScalar):
        try:
            return JsScalar(arithmetic(op, left.value, right.value), treesitter.line(node))
        except ValueError:
            pass
    return ev.unknown(node, f"a {op} expression of non-constants")


HANDLERS: dict[str, Handler] = {
    "string": string, "template_string": _template, "number": _number, "true": _constant(True),
    "false": _constant(False), "null": _constant(None), "undefined": _constant(None),
    "identifier": _identifier, "object": _object, "array": _array, "unary_expression": _unary,
    "binary_expression": _binary,
}
