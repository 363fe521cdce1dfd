"""A static reader of PHP (tree-sitter-php): calls, call chains, literal values and env reads, never run.

PHP configuration is code: Laravel's ``config/*.php`` return arrays of ``env('DB_HOST', '127.0.0.1')``,
its scheduler is a chain of method calls (``$schedule->command('emails:send')->dailyAt('02:00')``),
WordPress's ``wp-config.php`` is a list of ``define('DB_NAME', 'wp')``. :class:`PhpFile` parses one file
once and walks its tree once, collecting in source order:

- :attr:`PhpFile.calls`: function calls (``getenv('X')``, ``storage_path('logs')``) as :class:`Call`;
- :attr:`PhpFile.chains`: method and static call chains as :class:`Chain`, one per outermost call:
  ``$schedule->command('x')->daily()`` is receiver ``$schedule`` and links ``command``, ``daily``;
  ``Route::get('/health', ...)`` is receiver ``Route``, ``static`` and one link ``get``;
- :attr:`PhpFile.defines`: ``define('NAME', value)`` constants as :class:`Define`;
- :attr:`PhpFile.env_reads`: ``getenv('X')``, ``env('X', default)`` (Laravel), ``$_ENV['X']``,
  ``$_SERVER['X']``, with the default a ``??`` or ``?:`` gives, and ``%env(X)%`` inside any string
  (Symfony) as :class:`EnvRef`;
- :attr:`PhpFile.attributes` (``#[Route('/health')]``, ``#[AsCronTask('0 * * * *')]``) as :class:`Attribute`
  (with the declaration and class they are on) and :attr:`PhpFile.annotations` (docblock
  ``@Route("/health")``) as :class:`Annotation`;
- :attr:`PhpFile.includes`: ``require``/``include`` (``_once``) of another file as :class:`Include`;
- :attr:`PhpFile.creations` (``new PDO(...)``, ``new StreamHandler($path)``) as :class:`Call`, the string
  literals values are compared with (:attr:`PhpFile.compared`: ``$path === '/healthz'``, ``case '/healthz':``)
  and the ``use`` imports (:attr:`PhpFile.uses`, :meth:`PhpFile.resolve`).

Argument values are Python values where they are literal (:meth:`PhpFile.value`): strings, ints, floats,
bools, null (None), arrays (a ``list`` when no element has a key, else a ``dict``), class constants and
bare constants as :class:`Const` (``Foo::class``, ``__DIR__``), env reads as :class:`EnvRef`, strings with
``$var``/``{$expr}`` parts and concatenations with non-literal parts as :class:`Interp` (their text kept);
anything else is an :class:`Unknown` that keeps (a bounded prefix of) its source text.

Bounds: :func:`analyzers.lib.treesitter.parse` refuses files over its ``MAX_BYTES`` and cancels a slow
parse; the walk is iterative and visits each named node once (a chain is read from its outermost call, each link
once); values are bounded in depth; at most :data:`MAX_ITEMS` calls, chains and reads are kept per file
(:attr:`PhpFile.truncated` says so). Syntax errors do not stop the walk: an ``ERROR`` node is not read as
anything, but the well-formed statements tree-sitter recovered inside it are. Templates (HTML with
``<?php ?>`` islands) parse with the same grammar; their HTML is text nodes, skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

from analyzers.lib import treesitter

GRAMMAR = "php"
MAX_DEPTH = 40  # nesting of literal values read; deeper is an Unknown
MAX_ITEMS = 20000  # calls + chains + env reads kept per file
_UNKNOWN_TEXT = 200  # bytes of source an Unknown keeps

_FUNCTION_CALL = "function_call_expression"
_MEMBER_CALLS = frozenset({"member_call_expression", "nullsafe_member_call_expression"})
_CALLS = _MEMBER_CALLS | {"scoped_call_expression"}
_ENV_ARRAYS = frozenset({"_ENV", "_SERVER"})
_ENV_FUNCTIONS = frozenset({"getenv", "env"})
_STRINGS = frozenset({"string", "encapsed_string", "heredoc", "nowdoc"})
_INCLUDES = frozenset({"include_expression", "include_once_expression", "require_expression",
                       "require_once_expression"})


@dataclass(frozen=True)
class Const:
    """A constant, by its source text: ``Foo::class``, ``Foo::BAR``, ``PHP_EOL``, ``__DIR__``."""

    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def class_name(self) -> str | None:
        """``App\\Jobs\\Heartbeat`` for ``App\\Jobs\\Heartbeat::class``; None for other constants."""
        return self.text[: -len("::class")].lstrip("\\") if self.text.endswith("::class") else None


@dataclass(frozen=True)
class Unknown:
    """A value that is not a literal (a call, a variable, a closure): its source text (a bounded prefix)
    and line."""

    text: str
    line: int


@dataclass(frozen=True)
class EnvRef:
    """A read of an environment variable. ``source`` is how: ``getenv``, ``env`` (Laravel's helper),
    ``$_ENV``, ``$_SERVER`` or ``%env%`` (Symfony's ``%env(int:PORT)%``: ``processors`` keeps
    ``("int",)``). ``has_default`` is True when a default is given (``env('X', null)`` has one: None),
    ``check`` when the code only tests for it (``isset($_ENV['X'])``)."""

    name: str
    default: PhpValue
    line: int
    source: str
    has_default: bool = False
    check: bool = False
    processors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Interp:
    """A string with interpolated parts (``"{$base}/logs"``) or a concatenation with non-literal parts
    (``__DIR__ . '/cache'``): its parts in order, literal text as ``str``, others as values."""

    parts: tuple[PhpValue, ...]

    @property
    def text(self) -> str:
        """The parts as one text, literal text as is, other parts as ``{source}``."""
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, EnvRef):
                out.append("${" + part.name + "}")
            elif isinstance(part, (Const, Unknown)):
                out.append("{" + part.text + "}")
            else:
                out.append("{" + str(part) + "}")
        return "".join(out)

    def __str__(self) -> str:
        return self.text

    @property
    def literal_prefix(self) -> str:
        """The literal text before the first non-literal part (``'/var/log/' . $name`` -> ``/var/log/``)."""
        out = []
        for part in self.parts:
            if not isinstance(part, str):
                break
            out.append(part)
        return "".join(out)


PhpValue = Union[str, int, float, bool, None, Const, EnvRef, Interp, Unknown, "list[PhpValue]", "dict[Any, PhpValue]"]


@dataclass(frozen=True)
class Call:
    """One call: a function call, one link of a chain (a method), or an attribute. ``name`` as written,
    without a leading backslash (``\\getenv`` -> ``getenv``); ``args`` the positional values, ``named``
    the PHP 8 named arguments (``name: 'health'``)."""

    name: str
    args: tuple[PhpValue, ...]
    line: int
    named: dict[str, PhpValue] = field(default_factory=dict)
    node: Any = field(default=None, compare=False, repr=False)

    @property
    def lname(self) -> str:
        """The name in lower case (PHP function and method names are case-insensitive)."""
        return self.name.lower()

    def arg(self, index: int, name: str | None = None) -> PhpValue:
        """Positional argument ``index``, or named argument ``name``, or None."""
        if index < len(self.args):
            return self.args[index]
        return self.named.get(name) if name is not None else None


@dataclass(frozen=True)
class Chain:
    """A chain of method calls on one receiver, outermost call last: ``$schedule->command('x')->daily()``
    is receiver ``$schedule`` with links ``(command, daily)``. ``static`` is True when the first link is a
    static call (``Schedule::command(...)``, ``Route::get(...)``); ``receiver`` is then the class as written
    without a leading backslash. ``line`` is the line of the first link."""

    receiver: str
    static: bool
    links: tuple[Call, ...]
    line: int
    node: Any = field(default=None, compare=False, repr=False)
    # the nearest chain this one is written inside (an argument or a closure of it: Route::prefix('ops')
    # ->group(function () { Route::get(...); })), or None
    outer: Chain | None = field(default=None, compare=False, repr=False)

    @property
    def methods(self) -> list[str]:
        return [link.name for link in self.links]

    @property
    def first(self) -> Call:
        return self.links[0]

    def link(self, name: str) -> Call | None:
        """The first link named ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((link for link in self.links if link.lname == wanted), None)

    @property
    def receiver_name(self) -> str:
        """The receiver's last name: ``$schedule`` -> ``schedule``, ``Illuminate\\Support\\Facades\\Route`` ->
        ``Route``, ``$this->app`` -> ``app``."""
        return re.split(r"->|::|\\", self.receiver)[-1].lstrip("$")


@dataclass(frozen=True)
class Define:
    """``define('NAME', value)``: the constant's name, its value (see :meth:`PhpFile.value`) and line."""

    name: str
    value: PhpValue
    line: int


@dataclass(frozen=True)
class Include:
    """``require_once __DIR__ . '/config.php'``: how (``require_once``, ``include`` ...), the path's value
    (see :meth:`PhpFile.value`) and line."""

    how: str
    value: PhpValue
    line: int


@dataclass(frozen=True)
class Annotation:
    """A docblock annotation ``@Route("/health", name="health")``: its name, its first string argument
    (or None) and the raw text between its parentheses."""

    name: str
    first: str | None
    text: str
    line: int


@dataclass(frozen=True)
class Attribute(Call):
    """A PHP 8 attribute (``#[Route('/health')]``): a call, and the declaration it is written on
    (``target``: a class, method or function node) and the class around it (``scope``, or None)."""

    target: Any = field(default=None, compare=False, repr=False)
    scope: Any = field(default=None, compare=False, repr=False)


class Unavailable(Exception):
    """tree-sitter-php cannot be loaded."""


def parse(data: bytes) -> Any | None:
    """The syntax tree of PHP ``data`` (a script or a template), or None when it is too large or took too
    long to parse. Raises :class:`Unavailable` when the grammar is not installed."""
    try:
        return treesitter.parse(GRAMMAR, data)
    except treesitter.Unavailable as exc:
        raise Unavailable(str(exc)) from exc


_ENV_PLACEHOLDER = re.compile(r"%env\(((?:[\w.\-]+:)*)([A-Za-z_][A-Za-z0-9_]*)\)%")


def env_placeholders(text: str, line: int = 1) -> Iterator[EnvRef]:
    """The Symfony ``%env(...)%`` placeholders of ``text`` (a string, or a whole YAML file whose first
    line is ``line``): ``%env(int:default:port_param:PORT)%`` is ``PORT`` with processors
    ``("int", "default", "port_param")``."""
    for m in _ENV_PLACEHOLDER.finditer(text):
        processors = tuple(p for p in m.group(1).split(":") if p)
        yield EnvRef(m.group(2), None, line + text.count("\n", 0, m.start()), "%env%", processors=processors)


_ANNOTATION = re.compile(r"@([A-Z][\w\\]*)\s*\(")
_FIRST_STRING = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)')""")


class PhpFile:
    """One parsed PHP file: what its single walk found (see the module docstring)."""

    def __init__(self, data: bytes, tree: Any) -> None:
        self.data = data
        self.tree = tree
        self.calls: list[Call] = []
        self.chains: list[Chain] = []
        self.defines: list[Define] = []
        self.env_reads: list[EnvRef] = []
        self.attributes: list[Attribute] = []
        self.creations: list[Call] = []  # new PDO('mysql:...'), new StreamHandler($path): the class as the name
        self.compared: list[tuple[str, int]] = []  # '/healthz' in $path === '/healthz', case '/healthz':
        self.uses: dict[str, str] = {}  # class imports: alias -> fully qualified name (use Predis\Client as Redis)
        self.annotations: list[Annotation] = []
        self.includes: list[Include] = []  # require/include of another file, in source order
        self.truncated = False
        self._index()

    @classmethod
    def parse(cls, data: bytes | str) -> PhpFile | None:
        """The parsed file, or None when it cannot be parsed in bounds (see :func:`parse`)."""
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
        tree = parse(raw)
        return None if tree is None else cls(raw, tree)

    @property
    def root(self) -> Any:
        return self.tree.root_node

    @property
    def has_errors(self) -> bool:
        return bool(self.root.has_error)

    def text(self, node: Any) -> str:
        return treesitter.text(node, self.data)

    def line(self, node: Any) -> int:
        return treesitter.line(node)

    def chains_on(self, *receivers: str) -> Iterator[Chain]:
        """The chains whose receiver's last name is one of ``receivers`` (``"schedule"`` matches
        ``$schedule`` and ``Schedule::``; case-insensitive)."""
        wanted = {r.lower().lstrip("$") for r in receivers}
        for chain in self.chains:
            if chain.receiver_name.lower() in wanted:
                yield chain

    def function_calls(self, *names: str) -> Iterator[Call]:
        """The function calls named one of ``names`` (case-insensitive, namespace prefix ignored)."""
        wanted = {n.lower() for n in names}
        for call in self.calls:
            if call.lname.rsplit("\\", 1)[-1] in wanted:
                yield call

    def returned(self) -> PhpValue:
        """The value of the file's top-level ``return`` (``config/*.php`` return an array), or None."""
        for node in self.root.named_children:
            if node.type == "return_statement":
                expr = next((c for c in node.named_children if c.type != "comment"), None)
                return None if expr is None else self.value(expr)
        return None

    # the walk ---------------------------------------------------------------------------------------

    def _index(self) -> None:
        """One pre-order walk. Each entry carries its parent's entry, the nearest enclosing chain and class:
        tree-sitter's ``Node.parent`` walks down from the root each time (quadratic in a deep tree), so the
        walk never asks for it."""
        items = 0
        stack: list[_Entry] = [(self.root, None, None, None)]
        while stack:
            entry = stack.pop()
            node, up, outer, cls = entry
            kind = node.type
            if node.is_missing:
                continue
            if kind == "text":  # HTML around <?php ?> islands
                continue
            if kind == "comment":
                self._annotations(node)
                continue
            if items >= MAX_ITEMS:
                self.truncated = True
                break
            parent = up[0] if up is not None else None
            if kind == "ERROR":  # read nothing from it, but from the statements recovered inside it
                pass
            elif kind == _FUNCTION_CALL:
                items += self._function_call(node, parent)
            elif kind in _CALLS and not _is_inner_link(node, parent):
                chain = self._chain(node, outer)
                if chain is not None:
                    self.chains.append(chain)
                    outer = chain
                    items += 1
            elif kind == "subscript_expression":
                ref = self._superglobal(node, check=_in_isset(entry, self.data))
                if ref is not None:
                    self.env_reads.append(self._with_default(node, parent, ref))
                    items += 1
            elif kind in ("string_content", "nowdoc_string") and b"%env(" in self.data[node.start_byte:node.end_byte]:
                found = list(env_placeholders(self.text(node), self.line(node)))
                self.env_reads.extend(found)
                items += len(found)
            elif kind == "attribute":
                attr = self._attribute(entry)
                if attr is not None:
                    self.attributes.append(attr)
            elif kind == "class_declaration":
                cls = node
            elif kind == "object_creation_expression":
                created = self._creation(node)
                if created is not None:
                    self.creations.append(created)
                    items += 1
            elif kind in ("binary_expression", "case_statement"):
                self._compared(node)
            elif kind == "namespace_use_clause":
                self._use(node, parent)
            elif kind in _INCLUDES and node.named_children:
                how = kind.removesuffix("_expression")
                self.includes.append(Include(how, self.value(node.named_children[0]), self.line(node)))
                items += 1
            # anonymous tokens ("(", "=>", ";") hold nothing to read: operators are read through their fields
            stack.extend((child, entry, outer, cls) for child in reversed(node.named_children))

    def _function_call(self, node: Any, parent: Any | None) -> int:
        call = self._call(node, node.child_by_field_name("function"))
        if call is None:
            return 0
        self.calls.append(call)
        short = call.lname.rsplit("\\", 1)[-1]
        if short in _ENV_FUNCTIONS:
            ref = self._env_call(call, short)
            if ref is not None:
                self.env_reads.append(self._with_default(node, parent, ref))
                return 2
        elif short == "define" and isinstance(call.arg(0), str):
            self.defines.append(Define(str(call.arg(0)), call.arg(1), call.line))
        return 1

    def _chain(self, node: Any, outer: Chain | None) -> Chain | None:
        links: list[Call] = []
        current = node
        static = False
        receiver = ""
        while True:
            kind = current.type
            if kind in _MEMBER_CALLS:
                link = self._call(current, current.child_by_field_name("name"))
                obj = current.child_by_field_name("object")
            elif kind == "scoped_call_expression":
                link = self._call(current, current.child_by_field_name("name"))
                obj = current.child_by_field_name("scope")
            else:
                receiver = self.text(current).lstrip("\\")
                break
            if link is None or obj is None:
                return None
            links.append(link)
            if kind == "scoped_call_expression":
                static = True
                receiver = self.text(obj).lstrip("\\")
                break
            current = obj
        links.reverse()
        return Chain(receiver, static, tuple(links), links[0].line, node, outer)

    def _creation(self, node: Any) -> Call | None:
        """``new Foo(args)`` as a call named ``Foo`` (an anonymous class is none)."""
        name = next((c for c in node.named_children if c.type in ("name", "qualified_name")), None)
        if name is None:
            return None
        arguments = next((c for c in node.named_children if c.type == "arguments"), None)
        args, named = self._arguments(arguments)
        return Call(self.text(name).lstrip("\\"), args, self.line(node), named, node)

    def resolve(self, name: str) -> str:
        r"""The fully qualified class ``name`` stands for through the file's ``use`` imports (``Redis`` after
        ``use Predis\Client as Redis`` is ``Predis\Client``); as written (without a leading ``\``) otherwise."""
        if name.startswith("\\"):
            return name[1:]
        head, _, rest = name.partition("\\")
        full = self.uses.get(head)
        if full is None:
            return name
        return f"{full}\\{rest}" if rest else full

    def _use(self, node: Any, parent: Any | None) -> None:
        kinds = {c.type for c in node.children} | ({c.type for c in parent.children} if parent is not None else set())
        if "function" in kinds or "const" in kinds:
            return  # use function Foo\bar; use const Foo\BAR
        names = [c for c in node.named_children if c.type in ("qualified_name", "name")]
        if not names:
            return
        full = self.text(names[0]).lstrip("\\")
        alias = self.text(names[1]) if len(names) > 1 else full.rsplit("\\", 1)[-1]
        self.uses[alias] = full

    def _compared(self, node: Any) -> None:
        """The string literal a value is compared with (``===``/``==``) or a ``case`` label is."""
        if node.type == "case_statement":
            sides = [c for c in node.named_children[:1] if c.type in _STRINGS]
        else:
            op = node.child_by_field_name("operator")
            if op is None or op.type not in ("==", "==="):
                return
            sides = [c for c in (node.child_by_field_name("left"), node.child_by_field_name("right"))
                     if c is not None and c.type in _STRINGS]
        for side in sides:
            value = self.value(side)
            if isinstance(value, str):
                self.compared.append((value, self.line(side)))

    def _call(self, node: Any, name_node: Any | None) -> Call | None:
        if name_node is None:
            return None
        args, named = self._arguments(node.child_by_field_name("arguments"))
        return Call(self.text(name_node).lstrip("\\"), args, self.line(node), named, node)

    def _arguments(self, arguments: Any | None) -> tuple[tuple[PhpValue, ...], dict[str, PhpValue]]:
        args: list[PhpValue] = []
        named: dict[str, PhpValue] = {}
        for arg in arguments.named_children if arguments is not None else ():
            if arg.type != "argument":
                continue
            name = arg.child_by_field_name("name")
            expr = next((c for c in arg.named_children if c != name and c.type != "comment"), None)
            if expr is None:
                continue
            value = self.value(expr)
            if name is not None:
                named[self.text(name)] = value
            else:
                args.append(value)
        return tuple(args), named

    def _attribute(self, entry: _Entry) -> Attribute | None:
        node = entry[0]
        name = next((c for c in node.named_children if c.type in ("name", "qualified_name")), None)
        if name is None:
            return None
        args, named = self._arguments(node.child_by_field_name("parameters"))
        target = _ancestor(entry, 3)  # attribute -> attribute_group -> attribute_list -> the declaration
        return Attribute(self.text(name).lstrip("\\"), args, self.line(node), named, node, target, entry[3])

    def _annotations(self, node: Any) -> None:
        raw = self.data[node.start_byte:node.end_byte]
        if not raw.startswith(b"/**") or b"@" not in raw:
            return
        text = raw.decode("utf-8", "replace")
        for m in _ANNOTATION.finditer(text):
            inner = _balanced(text, m.end())
            first = _FIRST_STRING.match(inner)
            value = None if first is None else (first.group(1) if first.group(1) is not None else first.group(2))
            line = self.line(node) + text.count("\n", 0, m.start())
            self.annotations.append(Annotation(m.group(1), value, inner, line))

    # env reads ----------------------------------------------------------------------------------------

    def _env_call(self, call: Call, short: str) -> EnvRef | None:
        name = call.arg(0, "varname" if short == "getenv" else "key")
        if not isinstance(name, str):
            return None
        if short == "env":
            has_default = len(call.args) > 1 or "default" in call.named
            return EnvRef(name, call.arg(1, "default"), call.line, "env", has_default=has_default)
        return EnvRef(name, None, call.line, "getenv")

    def _superglobal(self, node: Any, depth: int = 0, check: bool = False) -> EnvRef | None:
        """``$_ENV['X']`` / ``$_SERVER['X']`` as an env read, or None."""
        children = node.named_children
        if len(children) != 2 or children[0].type != "variable_name":
            return None
        array = self.text(children[0]).lstrip("$")
        if array not in _ENV_ARRAYS:
            return None
        name = self.value(children[1], depth + 1)
        if not isinstance(name, str):
            return None
        return EnvRef(name, None, self.line(node), "$" + array, check=check)

    def _with_default(self, node: Any, parent: Any | None, ref: EnvRef, depth: int = 0) -> EnvRef:
        """``ref`` with the default ``node ?? default`` or ``node ?: default`` gives it (``parent``: the
        node around ``node``)."""
        if ref.has_default or ref.check or parent is None:
            return ref
        other = None
        if parent.type == "binary_expression" and parent.child_by_field_name("left") == node:
            op = parent.child_by_field_name("operator")
            if op is not None and op.type in ("??", "?:"):
                other = parent.child_by_field_name("right")
        elif (parent.type == "conditional_expression" and parent.child_by_field_name("condition") == node
              and parent.child_by_field_name("body") is None):
            other = parent.child_by_field_name("alternative")
        if other is None:
            return ref
        default = self.value(other, depth + 1)
        if isinstance(default, EnvRef):  # $_SERVER['X'] ?? $_ENV['X'] ?? 'dev': the last literal
            default = default.default
        return EnvRef(ref.name, default, ref.line, ref.source, has_default=True, processors=ref.processors)

    # values -----------------------------------------------------------------------------------------

    def value(self, node: Any, depth: int = 0) -> PhpValue:
        """The literal value of expression ``node`` (see the module docstring)."""
        if depth > MAX_DEPTH:
            return self._unknown(node)
        kind: str = node.type
        if kind in _STRINGS:
            return self._string(node, depth)
        if kind == "integer":
            return self._integer(node)
        if kind == "float":
            try:
                return float(self.text(node).replace("_", ""))
            except ValueError:
                return self._unknown(node)
        if kind == "boolean":
            return self.text(node).lower() == "true"
        if kind == "null":
            return None
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return self.value(node.named_children[0], depth + 1)
        if kind == "cast_expression":
            inner = node.child_by_field_name("value")
            return self._unknown(node) if inner is None else self.value(inner, depth + 1)
        if kind == "unary_op_expression":
            operand = node.child_by_field_name("argument")
            op = node.child_by_field_name("operator")
            inner = self.value(operand, depth + 1) if operand is not None else None
            if op is not None and op.type in ("-", "+") and isinstance(inner, (int, float)) \
                    and not isinstance(inner, bool):
                return -inner if op.type == "-" else inner
            return self._unknown(node)
        if kind == "array_creation_expression":
            return self._array(node, depth)
        if kind in ("class_constant_access_expression", "name", "qualified_name"):
            return Const(self.text(node))
        if kind == "binary_expression":
            return self._binary(node, depth)
        if kind == "conditional_expression" and node.child_by_field_name("body") is None:
            return self._short_ternary(node, depth)
        if kind == _FUNCTION_CALL:
            function = node.child_by_field_name("function")
            short = self.text(function).lstrip("\\").lower() if function is not None else ""
            if short in _ENV_FUNCTIONS:
                args, named = self._arguments(node.child_by_field_name("arguments"))
                ref = self._env_call(Call(short, args, self.line(node), named), short)
                if ref is not None:
                    return ref  # a ?? / ?: default is read by the binary expression around it
        if kind == "subscript_expression":
            ref = self._superglobal(node, depth)
            if ref is not None:
                return ref
        return self._unknown(node)

    def _integer(self, node: Any) -> PhpValue:
        text = self.text(node).replace("_", "").lower()
        try:
            if len(text) > 1 and text[0] == "0" and text[1].isdigit():
                return int(text, 8)  # 0755
            return int(text, 0)
        except ValueError:
            return self._unknown(node)

    def _binary(self, node: Any, depth: int) -> PhpValue:
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op is None or left is None or right is None:
            return self._unknown(node)
        if op.type == ".":
            parts: list[PhpValue] = []
            for side in (self.value(left, depth + 1), self.value(right, depth + 1)):
                parts.extend(side.parts if isinstance(side, Interp) else [side])
            return _joined(parts)
        lval = self.value(left, depth + 1)
        if op.type in ("??", "?:") and isinstance(lval, EnvRef) and not lval.has_default:
            default = self.value(right, depth + 1)
            if isinstance(default, EnvRef):
                default = default.default
            return EnvRef(lval.name, default, lval.line, lval.source, has_default=True)
        return self._unknown(node)

    def _short_ternary(self, node: Any, depth: int) -> PhpValue:
        """``getenv('X') ?: 'd'``: the env read with its default; anything else is an Unknown."""
        condition = node.child_by_field_name("condition")
        other = node.child_by_field_name("alternative")
        lval = self.value(condition, depth + 1) if condition is not None else None
        if isinstance(lval, EnvRef) and not lval.has_default and other is not None:
            default = self.value(other, depth + 1)
            if isinstance(default, EnvRef):
                default = default.default
            return EnvRef(lval.name, default, lval.line, lval.source, has_default=True)
        return self._unknown(node)

    def _array(self, node: Any, depth: int) -> PhpValue:
        items: list[tuple[PhpValue, PhpValue]] = []
        keyed = False
        for element in node.named_children:
            if element.type != "array_element_initializer":
                continue
            parts = [c for c in element.named_children if c.type != "comment"]
            if len(parts) == 2:
                keyed = True
                key = self.value(parts[0], depth + 1)
                items.append((key, self.value(parts[1], depth + 1)))
            elif len(parts) == 1 and parts[0].type != "variadic_unpacking":
                items.append((None, self.value(parts[0], depth + 1)))
            else:
                items.append((None, self._unknown(element)))
        if not keyed:
            return [v for _, v in items]
        out: dict[Any, PhpValue] = {}
        next_index = 0
        for key, value in items:
            if key is None:
                key = next_index
            elif not isinstance(key, (str, int)) or isinstance(key, bool):
                key = str(key)
            if isinstance(key, int):
                next_index = max(next_index, key + 1)
            out[key] = value
        return out

    def _string(self, node: Any, depth: int) -> PhpValue:
        kind = node.type
        body: Any = node
        if kind in ("heredoc", "nowdoc"):
            body = node.child_by_field_name("value")
            if body is None:
                return ""
        parts: list[PhpValue] = []
        for child in body.named_children:
            ckind = child.type
            if ckind in ("string_content", "nowdoc_string"):
                parts.append(self.text(child))
            elif ckind == "escape_sequence":
                parts.append(self._escape(self.text(child), single=kind == "string"))
            elif ckind == "text_interpolation" or ckind == "comment":
                continue
            else:
                parts.append(self._interpolated(child, depth))
        if kind in ("heredoc", "nowdoc") and parts and isinstance(parts[-1], str):
            parts[-1] = parts[-1].rstrip("\n")  # the newline before the closing marker is not content
        return _joined(parts)

    def _interpolated(self, node: Any, depth: int) -> PhpValue:
        """An interpolated part of a double-quoted string: its env read (``{$_ENV['X']}``) or Unknown."""
        if node.type == "subscript_expression":
            ref = self._superglobal(node, depth)
            if ref is not None:
                return ref
        return self._unknown(node)

    @staticmethod
    def _escape(text: str, single: bool) -> str:
        if single:
            return text[1:] if text in ("\\'", "\\\\") else text
        if text in _ESCAPES:
            return _ESCAPES[text]
        try:
            if text[1:2] == "x":
                return chr(int(text[2:], 16))
            if text[1:2] == "u":
                return chr(int(text[3:-1], 16))
            if text[1:2].isdigit():
                return chr(int(text[1:], 8))
        except ValueError:
            pass
        return text

    def _unknown(self, node: Any) -> Unknown:
        end = min(node.end_byte, node.start_byte + _UNKNOWN_TEXT)
        text = self.data[node.start_byte:end].decode("utf-8", "replace")
        return Unknown(text + ("..." if end < node.end_byte else ""), self.line(node))


# A walk entry: (node, its parent's entry, the nearest enclosing chain, the nearest enclosing class node)
_Entry = tuple[Any, Any, "Chain | None", Any]


def _ancestor(entry: _Entry, levels: int) -> Any | None:
    """The node ``levels`` above ``entry``'s, or None."""
    up: _Entry | None = entry
    for _ in range(levels):
        up = up[1] if up is not None else None
    return up[0] if up is not None else None


def _is_inner_link(node: Any, parent: Any | None) -> bool:
    """True when ``node`` is the object of a further method call (its chain is read from the outer)."""
    return parent is not None and parent.type in _MEMBER_CALLS and parent.child_by_field_name("object") == node


def _in_isset(entry: _Entry, data: bytes) -> bool:
    """True when ``entry``'s node is an argument of ``isset(...)`` / ``empty(...)``."""
    arg = _ancestor(entry, 1)
    call = _ancestor(entry, 3) if arg is not None and arg.type == "argument" else None
    if call is None or call.type != _FUNCTION_CALL:
        return False
    function = call.child_by_field_name("function")
    return function is not None and data[function.start_byte:function.end_byte].lower() in (b"isset", b"empty")


_ESCAPES = {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\v": "\v", "\\e": "\x1b", "\\f": "\f",
            "\\\\": "\\", '\\"': '"', "\\$": "$", "\\0": "\0"}


def _joined(parts: list[PhpValue]) -> PhpValue:
    """Adjacent literal texts merged: a ``str`` when every part is literal text, else an :class:`Interp`."""
    merged: list[PhpValue] = []
    for part in parts:
        if isinstance(part, (int, float)) and not isinstance(part, bool):
            part = str(part)
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        else:
            merged.append(part)
    if not merged:
        return ""
    if len(merged) == 1 and isinstance(merged[0], str):
        return merged[0]
    return Interp(tuple(merged))


def closing_paren(text: str, start: int = 0, depth: int = 0, limit: int | None = None) -> int | None:
    """The index of the parenthesis that brings ``depth`` (the open ones before ``start``) back to zero,
    skipping quoted strings (a backslash escapes a quote); None when it does not close within ``limit``."""
    quote = ""
    end = len(text) if limit is None else min(len(text), start + limit)
    for k in range(start, end):
        ch = text[k]
        if quote:
            quote = "" if ch == quote and text[k - 1] != "\\" else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return k
    return None


def _balanced(text: str, start: int) -> str:
    """The text from ``start`` up to the parenthesis that closes the one before it (or 2000 characters)."""
    end = closing_paren(text, start, 1, 2000)
    return text[start:end] if end is not None else text[start:start + 2000]


def text_of(value: PhpValue) -> str | None:
    """The text of a literal string or a constant (``Foo::class`` -> ``Foo::class``); None for anything
    else (an :class:`Interp` is not literal: use its ``text`` explicitly)."""
    if isinstance(value, Const):
        return value.text
    return value if isinstance(value, str) else None


def is_literal(value: PhpValue) -> bool:
    """True for a value with no env read, interpolation or unknown part (a default safe to report)."""
    if isinstance(value, (EnvRef, Interp, Unknown, Const)):
        return False
    if isinstance(value, list):
        return all(is_literal(v) for v in value)
    if isinstance(value, dict):
        return all(is_literal(v) for v in value.values())
    return True
