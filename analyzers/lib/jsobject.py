"""A static evaluator of JavaScript/TypeScript literal values on tree-sitter trees; nothing is executed.

It reads what config files hold: objects, arrays, strings (template literals whose substitutions are
known), numbers, booleans, null/undefined, unary ``- + !``, ``+ - * /`` on known numbers and strings,
same-file ``const``/``let``/``var`` bindings that are never reassigned (and their members), spreads of
known objects and arrays, ``process.env.X || 'd'`` (``??``, ``Number(...)``, ``parseInt(...)``) as an
:class:`EnvRef`, ``path.join``/``path.resolve`` of ``__dirname`` as a repo-relative path, ``require`` of a
JSON file (through the caller's loader), ``define*Config({...})`` helpers, and a function's returned
value (``module.exports = (env) => ({...})``, the parameters unknown). Anything else is an
:class:`Unknown` with its line and a reason; the evaluator never raises on odd input.

:func:`module_exports` gives what a module exports: ``module.exports = X`` (then ``module.exports.k =`` and
``exports.k =`` on top), or ``export default X``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzers.lib import jscalls, jsops, treesitter
from analyzers.lib.jsvalue import EnvRef, JsArray, JsObject, JsScalar, JsValue, Unknown

JsonLoader = Callable[[str], "JsValue | None"]  # repo-relative path -> its value (None: unreadable)
MAX_DEPTH = 64  # nesting past this is Unknown: configs are shallow, and recursion must stay bounded
_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression",
                       "type_assertion"})
_HANDLERS = {**jsops.HANDLERS, **jscalls.HANDLERS}
_REASSIGN = """
(assignment_expression left: (identifier) @name)
(augmented_assignment_expression left: (identifier) @name)
(update_expression argument: (identifier) @name)
"""


class Evaluator:
    """Evaluates expressions of one parsed file (``data`` as parsed, ``rel`` its repo path)."""

    def __init__(self, grammar: str, tree: Any, data: bytes, rel: str = "",
                 load_json: JsonLoader | None = None) -> None:
        self.data, self.rel, self.load_json = data, rel, load_json
        self.root = tree.root_node if hasattr(tree, "root_node") else tree
        found = treesitter.matches(grammar, self.root, _REASSIGN)
        self.reassigned = {self.text(n) for m in found for n in m.captures.get("name", ())}
        self.scopes: list[dict[str, Any]] = [declarations(self.root, data)]
        self.active: set[int] = set()  # declarator nodes being evaluated: a cycle is Unknown, not a recursion

    def text(self, node: Any) -> str:
        return treesitter.text(node, self.data)

    def unknown(self, node: Any, reason: str) -> Unknown:
        return Unknown(treesitter.line(node), reason)

    def value(self, node: Any, depth: int = 0) -> JsValue:
        """The value of expression ``node``."""
        if depth > MAX_DEPTH:
            return self.unknown(node, "nested too deeply")
        while node.type in _WRAPPERS and node.named_children:
            node = node.named_children[0]
        handler = _HANDLERS.get(node.type)
        return handler(self, node, depth + 1) if handler else self.unknown(node, f"a {node.type.replace('_', ' ')}")

    def binding(self, node: Any, name: str, depth: int) -> JsValue:
        """The value bound to identifier ``name`` (``node`` is where it is used)."""
        if name == "undefined":
            return JsScalar(None, treesitter.line(node))
        if name == "__dirname":
            return JsScalar(jscalls.dirname(self.rel), treesitter.line(node))
        for scope in reversed(self.scopes):
            if name not in scope:
                continue
            target = scope[name]
            if target is None:
                return self.unknown(node, f"{name} is a parameter")
            if name in self.reassigned:
                return self.unknown(node, f"{name} is reassigned")
            if id(target) in self.active:
                return self.unknown(node, f"{name} refers to itself")
            self.active.add(id(target))
            try:
                return self.value(target, depth)
            finally:
                self.active.discard(id(target))
        return self.unknown(node, f"{name} is not a constant of this file")


def declarations(block: Any, data: bytes) -> dict[str, Any]:
    """``{name: value node}`` for the ``const``/``let``/``var`` declarations directly in ``block`` (also
    ``export const``); a name declared twice is left out."""
    out: dict[str, Any] = {}
    twice: set[str] = set()
    for stmt in block.named_children:
        decl = stmt.child_by_field_name("declaration") if stmt.type == "export_statement" else stmt
        if decl is None or decl.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for d in decl.named_children:
            name, value = d.child_by_field_name("name"), d.child_by_field_name("value")
            if d.type != "variable_declarator" or name is None or name.type != "identifier" or value is None:
                continue
            key = treesitter.text(name, data)
            if key in out:
                twice.add(key)
            out[key] = value
    return {k: v for k, v in out.items() if k not in twice}


def module_exports(rel: str, data: bytes, load_json: JsonLoader | None = None) -> JsValue | None:
    """What the JS/TS file ``rel`` exports, or None when it exports nothing we can see. A file that cannot
    be parsed (too large, too slow, not JS/TS) gives an :class:`Unknown` at line 1. Raises
    :class:`treesitter.Unavailable` when the grammar is not installed."""
    grammar = treesitter.grammar_for(rel)
    tree = treesitter.parse(grammar, data) if grammar else None
    if tree is None:
        return Unknown(1, "not parsed: not JavaScript/TypeScript, too large or too slow", rel)
    ev = Evaluator(grammar or "", tree, data, rel, load_json)
    result: JsValue | None = None
    extra: dict[str, JsValue] = {}
    replaced = False  # after `module.exports = X`, `exports.k = v` no longer reaches what is exported
    for stmt in ev.root.named_children:
        if stmt.type == "export_statement" and stmt.child_by_field_name("value") is not None:
            result, extra = ev.value(stmt.child_by_field_name("value")), {}
            continue
        expr = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_children else None
        if expr is None or expr.type != "assignment_expression":
            continue
        target = jscalls.member_path(ev, expr.child_by_field_name("left")) or []
        right = expr.child_by_field_name("right")
        if target == ["module", "exports"]:
            result, extra, replaced = ev.value(right), {}, True
        elif len(target) == 3 and target[:2] == ["module", "exports"] or (
                len(target) == 2 and target[0] == "exports" and not replaced):
            extra[target[-1]] = ev.value(right)
    if extra:
        base = result if isinstance(result, JsObject) else JsObject((), 1)
        entries = tuple((k, v) for k, v in base.entries if k not in extra) + tuple(extra.items())
        result = JsObject(entries, base.line, base.file, base.unknown)
    return result


__all__ = ["EnvRef", "Evaluator", "JsArray", "JsObject", "JsScalar", "JsValue", "Unknown", "declarations",
           "module_exports"]
