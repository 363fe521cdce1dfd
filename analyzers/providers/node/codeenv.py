"""Environment variables read in JS/TS, with their defaults and whether they hold secrets.

Forms: ``process.env.X``, ``process.env['X']``, ``const { A, B = 'd', C: c = 1 } = process.env``, and
reads through an alias (``const env = process.env; env.X``). A default is what the read falls back to:
``process.env.PORT || 3000``, ``?? 'x'``, through ``Number()``/``parseInt()``/``String()``/TS casts, and
same-file constants (``|| DEFAULT_PORT``), evaluated by :mod:`analyzers.lib.jsobject`.
"""

from __future__ import annotations

from typing import Any

from analyzers.lib import treesitter
from analyzers.lib.jsobject import Evaluator
from analyzers.lib.jsvalue import EnvRef, JsScalar, JsValue, as_text
from analyzers.providers.node import queries
from analyzers.providers.node.facts import EnvRead
from migrator.secrets import bears_secret, is_secret_name, secret_kind

_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression",
                       "type_assertion"})
_CONVERSIONS = frozenset({"Number", "parseInt", "parseFloat", "String"})
_MAX_CLIMB = 64


def env_reads(ev: Evaluator, grammar: str) -> tuple[list[EnvRead], bool]:
    """Every env read of the file, in source order, and whether the queries read all of it."""
    found = treesitter.matches(grammar, ev.root, queries.ENV)
    out: list[EnvRead] = []
    aliases: set[str] = set()
    for m in found:
        if m.pattern in (0, 1):
            read, name = m.node("read"), m.node("name")
            out.append(_read(ev, read, ev.text(name), "dot" if m.pattern == 0 else "index"))
        elif m.pattern == 2:
            out.extend(_destructured(ev, m.node("pattern")))
        else:
            aliases.add(ev.text(m.node("alias")))
    complete = found.complete
    if aliases:
        via_alias = treesitter.matches(grammar, ev.root, queries.ALIASED)
        complete = complete and via_alias.complete
        for m in via_alias:
            if ev.text(m.node("obj")) in aliases:
                out.append(_read(ev, m.node("read"), ev.text(m.node("name")), "alias"))
    return sorted(out, key=lambda r: r.line), complete


def make(name: str, line: int, default: JsValue | None, via: str) -> EnvRead:
    """An :class:`EnvRead`, its default kept only when neither the name nor the value says secret."""
    text = as_text(default) if default is not None else None
    if isinstance(default, JsScalar) and isinstance(default.value, bool):
        text = "true" if default.value else "false"
    secret = is_secret_name(name) or (text is not None and bears_secret(text))
    hardcoded = secret_kind(name, text) if text else None
    if secret:
        return EnvRead(name, line, None, None, True, hardcoded, via)
    return EnvRead(name, line, text, default.line if text is not None and default else None, False, None, via)


def _read(ev: Evaluator, node: Any, name: str, via: str) -> EnvRead:
    top = _fallback_expression(ev, node)
    default: JsValue | None = None
    if top is not node:
        value = ev.value(top)
        default = _default_of(value, name) if isinstance(value, EnvRef) else None
        if default is None and top.type == "binary_expression" and top.child_by_field_name("right") is not None:
            right = ev.value(top.child_by_field_name("right"))  # env.X || 'd' through an alias
            default = right if isinstance(right, JsScalar) else None
    return make(name, treesitter.line(node), default, via)


def _fallback_expression(ev: Evaluator, node: Any) -> Any:
    """The widest expression around ``node`` that only converts it or falls back from it."""
    top = node
    # tree-sitter finds a node's parent by walking down from the root: climbing is quadratic in the depth,
    # so it stops after a few dozen wrappers (real fallbacks are a handful deep)
    for _ in range(_MAX_CLIMB):
        parent = top.parent
        if parent is None:
            break
        if parent.type in _WRAPPERS:
            top = parent
        elif parent.type == "arguments" and parent.parent is not None and parent.parent.type == "call_expression" \
                and parent.named_children and parent.named_children[0].id == top.id \
                and ev.text(parent.parent.child_by_field_name("function")) in _CONVERSIONS:
            top = parent.parent
        elif parent.type == "binary_expression" and getattr(parent.child_by_field_name("operator"), "type", "") in (
                "||", "??"):
            top = parent
        else:
            break
    return top


def _default_of(ref: EnvRef, name: str) -> JsValue | None:
    """In a chain ``A || B || 'd'``, the literal that ``name`` finally falls back to."""
    chain: list[EnvRef] = []
    current: JsValue | None = ref
    while isinstance(current, EnvRef):
        chain.append(current)
        current = current.default
    return current if any(r.name == name for r in chain) and isinstance(current, JsScalar) else None


def _destructured(ev: Evaluator, pattern: Any) -> list[EnvRead]:
    out = []
    for child in pattern.named_children:
        key = default = None
        if child.type == "shorthand_property_identifier_pattern":
            key = child
        elif child.type == "object_assignment_pattern":
            key, default = child.child_by_field_name("left"), child.child_by_field_name("right")
        elif child.type == "pair_pattern":
            key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
            if value is not None and value.type == "assignment_pattern":
                default = value.child_by_field_name("right")
        if key is None:
            continue
        name = ev.text(key).strip("'\"")
        value = ev.value(default) if default is not None else None
        out.append(make(name, treesitter.line(key), value if isinstance(value, JsScalar) else None, "destructure"))
    return out
