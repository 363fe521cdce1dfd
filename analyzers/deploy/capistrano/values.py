"""Capistrano's (and Mina's) variables, resolved the way ``fetch`` would, without running anything.

``set``/``append``/``remove``/``ask``/``set_if_empty`` are collected in load order (``config/deploy.rb``,
then the stage file: the stage wins) as :class:`Op` values; :meth:`Vars.get` replays a key's ops when it
is first asked for, evaluating each value node with :meth:`Vars.eval`: literals, lambdas (``-> { ... }``,
``lambda { }``, ``proc { }``: their last expression), ``fetch(:x, default)``, ``"#{fetch(:x)}"``
interpolations, ``fetch(:linked_files, []).push(...)``, ``+``, ``||``, ``File.join``, Pathname ``join`` and the
path helpers (``release_path``, ``shared_path`` ...; Capistrano 2's bare variable names too). What cannot be
known statically (an ``ENV`` read, a backtick, a method call) is an :class:`Opaque` value, shown as ``${name}``.
Evaluation is bounded in depth and guarded against cycles (a lambda that fetches itself).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from analyzers.lib import rb
from analyzers.lib.rb import RubyFile

MAX_EVAL_DEPTH = 30
_PATHS = frozenset({"release_path", "current_path", "shared_path", "deploy_path", "releases_path", "repo_path",
                    "deploy_to", "latest_release", "previous_release", "current_release"})
_IDENT = re.compile(r"[^A-Za-z0-9_]+")


@dataclass(frozen=True)
class Opaque:
    """A value known only at deploy time: shown as ``${name}`` in commands and paths."""

    name: str

    def __str__(self) -> str:
        return "${" + self.name + "}"


@dataclass(frozen=True)
class Op:
    """One ``set :key, value`` (``append``, ``remove``, ``ask``, ``set_if_empty``) at ``file:line``."""

    verb: str
    key: str
    rf: RubyFile
    file: str
    line: int
    args: tuple[Any, ...]  # the value nodes after the key
    block: Any | None = None  # ``set :x do ... end``


def render(value: Any) -> str:
    """A value as Ruby's string interpolation would show it (unknown parts as ``${name}``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(render(v) for v in value)
    if isinstance(value, dict):
        return Opaque("hash").__str__()
    return str(value)


def known(value: Any) -> str | None:
    """A string or symbol that holds no unknown part, else None."""
    text = rb.text_of(value) if isinstance(value, rb.Symbol) else value
    return text if isinstance(text, str) and "${" not in text else None


class Vars:
    """The variables of one deploy configuration (deploy.rb + one stage), resolved lazily."""

    def __init__(self, defaults: dict[str, Any] | None = None) -> None:
        self.ops: dict[str, list[Op]] = {}
        self.defaults: dict[str, Any] = dict(defaults or {})
        self._stack: list[tuple[str, int]] = []
        self._cache: dict[tuple[str, int], Any] = {}
        self.scope: dict[str, Any] = {}  # a helper's arguments while the walk is inside it

    def add(self, op: Op) -> None:
        self.ops.setdefault(op.key, []).append(op)
        self._cache.clear()

    def has(self, key: str) -> bool:
        return key in self.ops

    def where(self, key: str) -> Op | None:
        """The last op that wrote ``key`` (the line a finding about it cites)."""
        ops = self.ops.get(key)
        return ops[-1] if ops else None

    def literal_lines(self, key: str) -> dict[str, tuple[str, int]]:
        """Each string literal written into ``key`` -> where it was written (a linked file's own line)."""
        out: dict[str, tuple[str, int]] = {}
        for op in self.ops.get(key, ()):
            for arg in op.args:
                for node in rb.walk(arg):
                    if node.type in ("string", "bare_string", "simple_symbol", "bare_symbol"):
                        value = op.rf.value(node)
                        text = rb.text_of(value)
                        if text is not None:
                            out[text] = (op.file, op.rf.line(node))
        return out

    def get(self, key: str, before: int | None = None) -> Any:
        """The value of ``key`` after all its ops (or the first ``before`` of them)."""
        ops = self.ops.get(key, [])
        upto = len(ops) if before is None else before
        if (key, upto) in self._cache:
            return self._cache[(key, upto)]
        if (key, upto) in self._stack or len(self._stack) > MAX_EVAL_DEPTH:
            return Opaque(key)
        self._stack.append((key, upto))
        scope, self.scope = self.scope, {}  # a variable's value never depends on a helper's arguments
        try:
            value = self._replay(key, ops[:upto])
        finally:
            self._stack.pop()
            self.scope = scope
        self._cache[(key, upto)] = value
        return value

    def _replay(self, key: str, ops: list[Op]) -> Any:
        value: Any = self._default(key)
        for index, op in enumerate(ops):
            values = self._args(op, (key, index))
            if op.block is not None:
                values = [self._body_value(op.block, op.rf, 0, (key, index))]
            if op.verb in ("set", "set!"):
                value = values[0] if values else None
            elif op.verb in ("set_if_empty", "ask"):
                if value is None:
                    value = values[0] if values else None
            elif op.verb == "append":
                value = [*(value if isinstance(value, list) else []), *_flat(values)]
            elif op.verb == "remove" and isinstance(value, list):
                drop = {render(v) for v in _flat(values)}
                value = [v for v in value if render(v) not in drop]
        return value

    def _args(self, op: Op, at: tuple[str, int]) -> list[Any]:
        """The op's values; bare ``key: value`` pairs (``set :ssh_options, forward_agent: true``) are one hash."""
        values: list[Any] = []
        pairs: dict[str, Any] = {}
        for arg in op.args:
            if arg.type == "pair":
                pairs.update(self._pairs([arg], op.rf, 0, at))
            else:
                values.append(self.eval(arg, op.rf, 0, at))
        return [*values, pairs] if pairs else values

    def _pairs(self, nodes: list[Any], rf: RubyFile, depth: int, at: tuple[str, int] | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pair in nodes:
            key_node, val = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if pair.type != "pair" or key_node is None or val is None:
                continue
            key = rf.text(key_node) if key_node.type == "hash_key_symbol" else rb.text_of(rf.value(key_node))
            if key is not None:
                out[key] = self.eval(val, rf, depth + 1, at)
        return out

    def _default(self, key: str) -> Any:
        if key in self.defaults:
            return self.defaults[key]
        if key in _PATHS and key != "deploy_to":
            return self._computed(key)
        return None

    def path(self, name: str) -> str:
        """Capistrano's path helpers. The release being deployed and ``current`` are one directory in the
        image (the app dir), so ``release_path`` is ``<deploy_to>/current`` here."""
        if name in self.ops:
            return render(self.get(name))
        return self._computed(name)

    def _computed(self, name: str) -> str:
        root = render(self.get("deploy_to")) or "/var/www/" + (render(self.get("application")) or "app")
        root = root.rstrip("/") or "/"
        sub = {"shared_path": "shared", "releases_path": "releases", "repo_path": "repo"}.get(name)
        if name in ("deploy_to", "deploy_path"):
            return root
        return posixpath.join(root, sub or "current")

    # evaluation ----------------------------------------------------------------------------------

    def eval(self, node: Any, rf: RubyFile, depth: int = 0, at: tuple[str, int] | None = None) -> Any:
        """The value of expression ``node`` (see the module docstring); ``at`` is the op being replayed,
        so ``fetch`` of its own key reads the value before it."""
        if depth > MAX_EVAL_DEPTH:
            return Opaque("nested")
        kind = node.type
        if kind == "parenthesized_statements":
            inner = [c for c in node.named_children if c.type != "comment"]
            return self.eval(inner[-1], rf, depth + 1, at) if inner else None
        if kind in ("string", "bare_string", "heredoc_body"):
            return self._string(node, rf, depth, at)
        if kind == "lambda":
            block = next((c for c in node.named_children if c.type in ("block", "do_block")), None)
            return self._block_value(block, rf, depth, at)
        if kind in ("array", "string_array", "symbol_array"):
            return [self.eval(c, rf, depth + 1, at) for c in node.named_children if c.type != "comment"]
        if kind == "hash":
            return self._pairs(node.named_children, rf, depth, at)
        if kind == "identifier":
            name = rf.text(node)
            if name in self.scope:
                return self.scope[name]
            if name in self.ops or name in _PATHS:
                return self.get(name) if name in self.ops else self.path(name)
            return Opaque(name)
        if kind == "binary":
            return self._binary(node, rf, depth, at)
        if kind == "subshell":
            return Opaque(_ident(rf.text(node).strip("`")) or "command_output")
        if kind == "call":
            return self._call(node, rf, depth, at)
        value = rf.value(node)
        return self._plain(value)

    def _plain(self, value: Any) -> Any:
        if isinstance(value, rb.EnvRef):
            return Opaque(value.name)
        if isinstance(value, rb.Interp):
            return value.template.replace("#{", "${")
        if isinstance(value, rb.Unknown):
            return Opaque(_ident(value.text) or "value")
        if isinstance(value, rb.RbList):
            return [self._plain(v) for v in value.items]
        if isinstance(value, rb.RbHash):
            return {k: self._plain(v) for k, v in value.items}
        return value

    def _string(self, node: Any, rf: RubyFile, depth: int, at: tuple[str, int] | None) -> Any:
        parts: list[str] = []
        for child in node.named_children:
            if child.type == "interpolation":
                inner = [c for c in child.named_children if c.type != "comment"]
                parts.append(render(self.eval(inner[-1], rf, depth + 1, at)) if inner else "")
            elif child.type == "string_content":
                parts.append(rf.text(child))
            elif child.type == "escape_sequence":
                parts.append(rb._ESCAPES.get(rf.text(child), rf.text(child)[1:]))
        return "".join(parts)

    def _block_value(self, block: Any, rf: RubyFile, depth: int, at: tuple[str, int] | None) -> Any:
        if block is None:
            return None
        body = next((c for c in block.named_children if c.type in ("body_statement", "block_body")), None)
        return self._body_value(body, rf, depth, at)

    def _body_value(self, body: Any, rf: RubyFile, depth: int, at: tuple[str, int] | None) -> Any:
        stmts = [c for c in body.named_children if c.type != "comment"] if body is not None else []
        return self.eval(stmts[-1], rf, depth + 1, at) if stmts else None

    def _binary(self, node: Any, rf: RubyFile, depth: int, at: tuple[str, int] | None) -> Any:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        op = node.child_by_field_name("operator")
        if left is None or right is None or op is None:
            return Opaque("value")
        sign = rf.text(op)
        lval = self.eval(left, rf, depth + 1, at)
        if sign in ("||", "or"):
            # ENV["BRANCH"] || "main": the deploy-time override is unknown, the literal is the value
            return self.eval(right, rf, depth + 1, at) if lval is None or isinstance(lval, Opaque) else lval
        rval = self.eval(right, rf, depth + 1, at)
        if sign == "+" and isinstance(lval, list) and isinstance(rval, list):
            return lval + rval
        if sign == "+" and isinstance(lval, (int, float)) and isinstance(rval, (int, float)):
            return lval + rval
        if sign in ("+", "<<") and not isinstance(lval, list):
            return render(lval) + render(rval)
        if sign == "<<" and isinstance(lval, list):
            return [*lval, rval]
        if sign == "-" and isinstance(lval, list) and isinstance(rval, list):
            return [v for v in lval if v not in rval]
        return Opaque(_ident(rf.text(node)) or "value")

    def _call(self, node: Any, rf: RubyFile, depth: int, at: tuple[str, int] | None) -> Any:
        env = rf.env_ref(node)
        if env is not None:
            # ENV.fetch("BRANCH", "main"): the deploy-time override is unknown, the default is the value
            return self._plain(env.default) if env.default is not None else Opaque(env.name)
        call = rf.call(node)
        if call is None:
            return Opaque("value")
        method = call.method
        if call.receiver is None:
            if method == "fetch" and call.args:
                return self._fetch(call, rf, depth, at)
            if method in ("lambda", "proc") and call.block is not None:
                return self._body_value(call.block, rf, depth, at)
            if method in _PATHS and not call.args:
                return self.path(method)
            if method in self.ops and not call.args:
                return self.get(method)  # Capistrano 2: variables are methods
            if method in ("Integer", "String", "Float") and call.args:
                return self.eval(call.args[0], rf, depth + 1, at)
            return Opaque(_ident(method) or "value")
        receiver = rf.text(call.receiver)
        args = [self.eval(a, rf, depth + 1, at) for a in call.args]
        if receiver in ("File", "::File") and method == "join":
            return posixpath.join(*[render(a) for a in args]) if args else ""
        base = self.eval(call.receiver, rf, depth + 1, at)
        if method in ("push", "concat", "append") and isinstance(base, list):
            return [*base, *(_flat(args) if method == "concat" else args)]
        if method == "join" and isinstance(base, str):
            return posixpath.join(base, *[render(a) for a in args])
        if method == "join" and isinstance(base, list):
            sep = render(args[0]) if args else ""
            return sep.join(render(v) for v in base)
        if method in ("to_s", "to_sym", "freeze", "strip", "to_str", "to_path", "dup", "uniq", "compact"):
            return base
        if method == "to_i" and isinstance(base, str) and base.strip().isdigit():
            return int(base)
        return Opaque(_ident(method) or "value")

    def _fetch(self, call: rb.Call, rf: RubyFile, depth: int, at: tuple[str, int] | None) -> Any:
        key = rb.text_of(rf.value(call.args[0]))
        if key is None:
            return Opaque("fetch")
        value = self.get(key, at[1]) if at is not None and at[0] == key else self.get(key)
        if value is not None:
            return value
        if len(call.args) > 1:
            return self.eval(call.args[1], rf, depth + 1, at)
        if call.block is not None:
            return self._body_value(call.block, rf, depth, at)
        return Opaque(key) if key not in self.ops else None


def _flat(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        out += _flat(v) if isinstance(v, list) else [v]
    return out


def _ident(text: str) -> str:
    return _IDENT.sub("_", text).strip("_")[:40]
