"""A static reader of Ruby (tree-sitter-ruby): calls, literal values and ENV reads, never run.

Ruby configuration is code (``Gemfile``, ``config/puma.rb``, Capistrano's ``config/deploy.rb``,
whenever's ``config/schedule.rb``), mostly a sequence of method calls with literal arguments:
``set :deploy_to, "/var/www/shop"``, ``port ENV.fetch("PORT") { 3000 }``, ``gem "pg", group: :production``.
:class:`RubyFile` parses one file once and offers those calls (:meth:`RubyFile.calls`, every call in
source order, nested blocks included) and the value of an argument (:meth:`RubyFile.value`): strings,
symbols, numbers, booleans, nil, arrays (``%w[]``, ``%i[]``), hashes, ``ENV[...]``/``ENV.fetch`` reads
(:class:`EnvRef`), interpolated strings (:class:`Interp`); anything else is an :class:`Unknown` that keeps
its source text. Walks are iterative and values are bounded in depth, so a pathological file (10,000
nested arrays) cannot exhaust the stack; :func:`parse` bounds size and time (:mod:`analyzers.lib.treesitter`).

ERB in YAML (``config/database.yml``: ``<%= ENV["DB_HOST"] %>``) is read by :func:`erb_snippets`, which
hands each tag's Ruby to :class:`RubyFile` with its line in the YAML file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

from analyzers.lib import treesitter

GRAMMAR = "ruby"
MAX_DEPTH = 40  # nesting of literal values read; deeper is an Unknown
_STATEMENT_PARENTS = frozenset({"program", "body_statement", "block_body", "then", "else", "do", "begin"})


@dataclass(frozen=True)
class Symbol:
    """A Ruby symbol (``:web``); its name without the colon."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class EnvRef:
    """A read of an environment variable: ``ENV["X"]`` (``fetch`` False), ``ENV.fetch("X", default)`` or
    ``ENV.fetch("X") { default }`` (``fetch`` True; ``required``: no default, a KeyError when unset),
    ``ENV["X"] || default``, ``ENV.key?("X")`` (``check`` True)."""

    name: str
    default: RbValue | None
    line: int
    fetch: bool = False
    required: bool = False
    check: bool = False


@dataclass(frozen=True)
class Interp:
    """A string with ``#{...}`` parts: literal text and the Ruby source of each interpolation, in order.
    ``template`` renders ENV reads as ``${X}`` and other code as ``#{code}``."""

    parts: tuple[str | RbValue, ...]

    @property
    def template(self) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, EnvRef):
                out.append("${" + part.name + "}")
            elif isinstance(part, Unknown):
                out.append("#{" + part.text + "}")
            else:
                out.append(str(part))
        return "".join(out)


@dataclass(frozen=True)
class Unknown:
    """A value that is not a literal (a method call, a variable): its source text and line."""

    text: str
    line: int


RbValue = Union[str, int, float, bool, None, Symbol, EnvRef, Interp, Unknown, "RbList", "RbHash"]


@dataclass(frozen=True)
class RbList:
    items: tuple[RbValue, ...]


@dataclass(frozen=True)
class RbHash:
    """A hash literal, its keys as strings (symbol keys by name), in source order."""

    items: tuple[tuple[str, RbValue], ...]

    def get(self, key: str, default: RbValue = None) -> RbValue:
        for k, v in self.items:
            if k == key:
                return v
        return default


@dataclass(frozen=True)
class Call:
    """One method call: ``recv.method(args, key: value) { block }`` (``recv`` is None for a bare call)."""

    node: Any
    method: str
    receiver: Any | None
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict, compare=False)
    block: Any | None = None  # the block's body node (``do ... end`` or ``{ ... }``), or None
    line: int = 0


class Unavailable(Exception):
    """tree-sitter-ruby cannot be loaded."""


def parse(data: bytes) -> Any | None:
    """The syntax tree of Ruby ``data``, or None when it is too large or took too long to parse. Raises
    :class:`Unavailable` when the grammar is not installed."""
    try:
        return treesitter.parse(GRAMMAR, data)
    except treesitter.Unavailable as exc:
        raise Unavailable(str(exc)) from exc


def walk(root: Any) -> Iterator[Any]:
    """Every node under ``root`` in source order (pre-order), iteratively."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


class RubyFile:
    """One parsed Ruby file (or snippet): its calls and the values of its expressions.

    ``line_offset`` shifts every line (a snippet of ERB starts at its tag's line in the YAML file)."""

    def __init__(self, data: bytes, tree: Any, line_offset: int = 0) -> None:
        self.data = data
        self.tree = tree
        self.line_offset = line_offset

    @classmethod
    def parse(cls, data: bytes | str, line_offset: int = 0) -> RubyFile | None:
        """The parsed file, or None when it cannot be parsed in bounds (see :func:`parse`)."""
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
        tree = parse(raw)
        return None if tree is None else cls(raw, tree, line_offset)

    @property
    def root(self) -> Any:
        return self.tree.root_node

    @property
    def has_errors(self) -> bool:
        return bool(self.root.has_error)

    def text(self, node: Any) -> str:
        return treesitter.text(node, self.data)

    def line(self, node: Any) -> int:
        return treesitter.line(node) + self.line_offset

    # calls ------------------------------------------------------------------------------------------

    def calls(self, root: Any | None = None, names: frozenset[str] | set[str] | None = None) -> Iterator[Call]:
        """Every call under ``root`` (the whole file by default) in source order, blocks included; only
        those whose method is in ``names`` when given. A bare word statement (``preload_app!``) is a call
        with no arguments."""
        for node in walk(root if root is not None else self.root):
            call = self.call(node)
            if call is not None and (names is None or call.method in names):
                yield call

    def top_calls(self, root: Any | None = None) -> Iterator[Call]:
        """The calls that are statements directly in ``root`` (a body), not nested in blocks."""
        node = root if root is not None else self.root
        for child in node.children:
            call = self.call(child)
            if call is not None:
                yield call

    def call(self, node: Any) -> Call | None:
        """``node`` as a :class:`Call`, or None when it is no call."""
        if node.type == "identifier" and node.parent is not None and node.parent.type in _STATEMENT_PARENTS:
            return Call(node, self.text(node), None, (), {}, None, self.line(node))
        if node.type != "call":
            return None
        method = node.child_by_field_name("method")
        if method is None:
            return None
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        arguments = node.child_by_field_name("arguments")
        for arg in arguments.named_children if arguments is not None else ():
            if arg.type == "pair":
                key = self._key(arg.child_by_field_name("key"))
                value = arg.child_by_field_name("value")
                if key is not None and value is not None:
                    kwargs[key] = value
            elif arg.type == "hash" and arg == arguments.named_children[-1]:
                for pair in arg.named_children:  # m(x, {a: 1}) reads like m(x, a: 1)
                    key = self._key(pair.child_by_field_name("key")) if pair.type == "pair" else None
                    value = pair.child_by_field_name("value") if pair.type == "pair" else None
                    if key is not None and value is not None:
                        kwargs[key] = value
            elif arg.type != "comment":
                args.append(arg)
        block = node.child_by_field_name("block")
        body = None
        if block is not None:
            body = next((c for c in block.named_children if c.type in ("body_statement", "block_body")), None)
        return Call(node, self.text(method), node.child_by_field_name("receiver"), tuple(args), kwargs, body,
                    self.line(node))

    def receiver_text(self, call: Call) -> str | None:
        return None if call.receiver is None else self.text(call.receiver)

    def _key(self, node: Any | None) -> str | None:
        if node is None:
            return None
        if node.type == "hash_key_symbol":
            return self.text(node)
        value = self.value(node)
        if isinstance(value, Symbol):
            return value.name
        return value if isinstance(value, str) else None

    def arg(self, call: Call, index: int) -> RbValue:
        """The value of positional argument ``index`` (None when absent)."""
        return self.value(call.args[index]) if index < len(call.args) else None

    def kwarg(self, call: Call, name: str) -> RbValue:
        node = call.kwargs.get(name)
        return None if node is None else self.value(node)

    # values -----------------------------------------------------------------------------------------

    def value(self, node: Any, depth: int = 0) -> RbValue:
        """The literal value of expression ``node`` (see the module docstring)."""
        if depth > MAX_DEPTH:
            return self._unknown(node)
        kind: str = node.type
        if kind == "parenthesized_statements" and node.named_child_count == 1:
            return self.value(node.named_children[0], depth + 1)
        if kind in ("string", "bare_string"):
            return self._string(node, depth)
        if kind in ("simple_symbol", "bare_symbol", "hash_key_symbol"):
            return Symbol(self.text(node).lstrip(":"))
        if kind == "delimited_symbol":
            inner = self._string(node, depth)
            return Symbol(inner) if isinstance(inner, str) else inner
        if kind == "integer":
            try:
                return int(self.text(node).replace("_", ""), 0)
            except ValueError:
                return self._unknown(node)
        if kind == "float":
            try:
                return float(self.text(node).replace("_", ""))
            except ValueError:
                return self._unknown(node)
        if kind in ("true", "false"):
            return kind == "true"
        if kind == "nil":
            return None
        if kind in ("array", "string_array", "symbol_array"):
            return RbList(tuple(self.value(c, depth + 1) for c in node.named_children if c.type != "comment"))
        if kind == "hash":
            pairs = []
            for pair in node.named_children:
                if pair.type != "pair":
                    continue
                key = self._key(pair.child_by_field_name("key"))
                value = pair.child_by_field_name("value")
                if key is not None and value is not None:
                    pairs.append((key, self.value(value, depth + 1)))
            return RbHash(tuple(pairs))
        env = self.env_ref(node, depth)
        if env is not None:
            return env
        if kind == "binary" and self.text(node.child_by_field_name("operator") or node) in ("||", "or"):
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            lval = self.value(left, depth + 1) if left is not None else None
            if isinstance(lval, EnvRef) and not lval.fetch and right is not None:
                return EnvRef(lval.name, self.value(right, depth + 1), lval.line)
        if kind == "call":
            conv = self._conversion(node, depth)
            if conv is not None:
                return conv
        return self._unknown(node)

    def _conversion(self, node: Any, depth: int) -> RbValue | None:
        """``Integer(x)``, ``x.to_i``, ``x.to_s``, ``x.to_sym``, ``x.freeze``: the value of ``x`` (a
        conversion does not change what a literal or an env read is)."""
        method = node.child_by_field_name("method")
        name = self.text(method) if method is not None else ""
        receiver = node.child_by_field_name("receiver")
        if receiver is not None and name in ("to_i", "to_s", "to_sym", "to_f", "freeze", "presence", "strip"):
            inner = self.value(receiver, depth + 1)
            if name == "to_i" and isinstance(inner, str) and inner.strip().lstrip("-").isdigit():
                return int(inner)
            if name == "to_sym" and isinstance(inner, str):
                return Symbol(inner)
            return inner
        arguments = node.child_by_field_name("arguments")
        if receiver is None and name in ("Integer", "Float", "String") and arguments is not None:
            args = [c for c in arguments.named_children if c.type != "comment"]
            if args:
                return self.value(args[0], depth + 1)
        return None

    def _string(self, node: Any, depth: int) -> RbValue:
        parts: list[str | RbValue] = []
        plain = True
        for child in node.named_children:
            if child.type == "string_content":
                parts.append(self.text(child))
            elif child.type == "escape_sequence":
                parts.append(_ESCAPES.get(self.text(child), self.text(child)[1:]))
            elif child.type == "interpolation":
                plain = False
                inner = [c for c in child.named_children if c.type != "comment"]
                parts.append(self.value(inner[0], depth + 1) if len(inner) == 1 else self._unknown(child))
        if plain:
            return "".join(p for p in parts if isinstance(p, str))
        merged: list[str | RbValue] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] = merged[-1] + part
            else:
                merged.append(part)
        return Interp(tuple(merged))

    def _unknown(self, node: Any) -> Unknown:
        text = self.text(node)
        return Unknown(text if len(text) <= 200 else text[:197] + "...", self.line(node))

    # ENV ----------------------------------------------------------------------------------------------

    def env_ref(self, node: Any, depth: int = 0) -> EnvRef | None:
        """``node`` as an env read (``ENV["X"]``, ``ENV.fetch("X", d)``, ``ENV.fetch("X") { d }``,
        ``ENV.key?("X")``), or None."""
        if node.type == "element_reference":
            obj = node.child_by_field_name("object")
            keys = [c for c in node.named_children if c != obj and c.type != "comment"]
            if obj is not None and self._is_env(obj) and len(keys) == 1:
                name = self.value(keys[0], depth + 1)
                if isinstance(name, str):
                    return EnvRef(name, None, self.line(node))
            return None
        if node.type != "call":
            return None
        receiver = node.child_by_field_name("receiver")
        method = node.child_by_field_name("method")
        if receiver is None or method is None or not self._is_env(receiver):
            return None
        verb = self.text(method)
        arguments = node.child_by_field_name("arguments")
        args = [c for c in arguments.named_children if c.type != "comment"] if arguments is not None else []
        if not args:
            return None
        name = self.value(args[0], depth + 1)
        if not isinstance(name, str):
            return None
        if verb in ("key?", "has_key?", "include?", "member?"):
            return EnvRef(name, None, self.line(node), check=True)
        if verb not in ("fetch", "[]"):
            return None
        if verb == "[]":
            return EnvRef(name, None, self.line(node))
        default: RbValue = None
        has_default = len(args) > 1
        if has_default:
            default = self.value(args[1], depth + 1)
        block = node.child_by_field_name("block")
        if block is not None:
            has_default = True
            body = next((c for c in block.named_children if c.type in ("body_statement", "block_body")), None)
            stmts = [c for c in body.named_children if c.type != "comment"] if body is not None else []
            default = self.value(stmts[0], depth + 1) if len(stmts) == 1 else (
                self._unknown(block) if stmts else None)
        return EnvRef(name, default, self.line(node), fetch=True, required=not has_default)

    def _is_env(self, node: Any) -> bool:
        return node.type in ("constant", "scope_resolution") and self.text(node) in ("ENV", "::ENV")

    def env_reads(self, root: Any | None = None) -> Iterator[EnvRef]:
        """Every env read under ``root`` in source order, with the default an ``||`` gives it."""
        for node in walk(root if root is not None else self.root):
            if node.type == "binary":
                continue  # its operands are visited; the || default is attached below
            ref = self.env_ref(node)
            if ref is None:
                continue
            parent = node.parent
            if (parent is not None and parent.type == "binary" and not ref.fetch and not ref.check
                    and parent.child_by_field_name("left") == node):
                op = parent.child_by_field_name("operator")
                right = parent.child_by_field_name("right")
                if op is not None and self.text(op) in ("||", "or") and right is not None:
                    ref = EnvRef(ref.name, self.value(right), ref.line)
            yield ref


_ESCAPES = {"\\n": "\n", "\\t": "\t", "\\\\": "\\", '\\"': '"', "\\'": "'", "\\s": " ", "\\0": "\0"}


def text_of(value: RbValue) -> str | None:
    """The text of a string or a symbol (``:web`` -> ``web``); None for anything else."""
    if isinstance(value, Symbol):
        return value.name
    return value if isinstance(value, str) else None


def texts(value: RbValue) -> list[str]:
    """The strings and symbols of a value: ``%w[a b]`` / ``[:a, "b"]`` -> ``["a", "b"]``, ``"a"`` -> ``["a"]``."""
    if isinstance(value, RbList):
        return [t for t in (text_of(v) for v in value.items) if t is not None]
    one = text_of(value)
    return [] if one is None else [one]


_ERB = re.compile(r"<%(?!%)[=-]?(.*?)-?%>", re.S)


def erb_snippets(text: str) -> Iterator[tuple[int, str]]:
    """(line, Ruby code) of each ``<% %>`` / ``<%= %>`` tag of an ERB template (``<%%`` is a literal)."""
    for m in _ERB.finditer(text):
        code = m.group(1)
        if code.lstrip().startswith("#"):
            continue  # <%# comment %>
        yield text.count("\n", 0, m.start()) + 1, code


def erb_env_reads(text: str) -> Iterator[EnvRef]:
    """The env reads of every ERB tag in ``text`` (a YAML file), at their lines in ``text``."""
    for line, code in erb_snippets(text):
        snippet = RubyFile.parse(code.strip(), line_offset=line - 1)
        if snippet is not None:
            yield from snippet.env_reads()
