"""What the Ruby app readers share: a Ruby file parsed once (with the warning a broken or oversized file
earns), a config file's local variables, YAML that holds ERB, the app's own source files and its gems.

Nothing here runs Ruby: :mod:`analyzers.lib.rb` reads the syntax tree. A config file such as
``config/puma.rb`` names its values through locals (``max = ENV.fetch("RAILS_MAX_THREADS") { 5 }``,
``threads max, max``): :class:`Locals` follows top-level assignments, a bounded number of steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analyzers import base
from analyzers.base import Item, Src
from analyzers.lib import yamllines
from analyzers.lib.rb import Call, EnvRef, Interp, RbValue, RubyFile, Unknown, text_of
from migrator.repo import RepoView

if TYPE_CHECKING:
    from analyzers.providers.ruby.gemfile import Bundle

_IDENT = re.compile(r"[a-z_][A-Za-z0-9_]*")
_MAX_HOPS = 8  # a = b, b = c ...: real configs use one or two
# directories that are never the app's own code: vendored gems, caches, tests, the deploy tool's files
_NOT_APP = re.compile(r"(^|/)(vendor|tmp|node_modules|spec|test|tests|features|coverage|log|public|\.bundle)/"
                      r"|^config/deploy(\.rb$|/)|^Capfile$|^config/schedule\.rb$|^db/migrate/")
_APP_DIRS = ("app/", "config/", "lib/")


def read_ruby(repo: RepoView, rel: str, analyzer: str, what: str) -> tuple[RubyFile | None, list[Item]]:
    """``rel`` parsed, and the warnings it earns: not parsed in bounds (nothing read), or syntax errors
    (what parses is still read: tree-sitter recovers around the error)."""
    data = repo.read_bytes(rel)
    if data is None:
        return None, []
    src = Src(analyzer, rel, 1)
    parsed = RubyFile.parse(data)
    if parsed is None:
        return None, [base.warning(src, f"{what} is too large or too slow to parse; not read")]
    if parsed.has_errors:
        line = _first_error_line(parsed)
        return parsed, [base.warning(src.at(line), f"{what} has Ruby syntax errors; what parses around them is read")]
    return parsed, []


def _first_error_line(parsed: RubyFile) -> int | None:
    stack = [parsed.root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return parsed.line(node)
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return None


class Locals:
    """The top-level local variables of a config file (``name = expr``), in source order, so that a call
    argument written as a variable (``threads min, max``) reads as the value assigned to it."""

    def __init__(self, parsed: RubyFile) -> None:
        self.parsed = parsed
        self.values: dict[str, Any] = {}
        for child in parsed.root.children:
            if child.type != "assignment":
                continue
            left, right = child.child_by_field_name("left"), child.child_by_field_name("right")
            if left is not None and right is not None and left.type == "identifier":
                self.values[parsed.text(left)] = right

    def value(self, node: Any) -> RbValue:
        """The value of ``node``, through locals."""
        return self.resolve(self.parsed.value(node))

    def resolve(self, value: RbValue, hops: int = 0) -> RbValue:
        if hops > _MAX_HOPS:
            return value
        if isinstance(value, Unknown) and _IDENT.fullmatch(value.text) and value.text in self.values:
            return self.resolve(self.parsed.value(self.values[value.text]), hops + 1)
        if isinstance(value, EnvRef) and isinstance(value.default, Unknown):
            return EnvRef(value.name, self.resolve(value.default, hops + 1), value.line, value.fetch,
                          value.required, value.check)
        if isinstance(value, Interp):
            return Interp(tuple(p if isinstance(p, str) else self.resolve(p, hops + 1) for p in value.parts))
        return value


def literal_text(value: RbValue) -> str | None:
    """A string, or an interpolated one whose parts are literals or env reads with a literal default
    (``"#{shared_dir}/tmp/pids/puma.pid"`` once ``shared_dir`` is resolved): the text as it runs by default."""
    if isinstance(value, EnvRef):
        return literal_text(value.default)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Interp):
        parts = [literal_text(p) if not isinstance(p, str) else p for p in value.parts]
        return None if any(p is None for p in parts) else "".join(p for p in parts if p is not None)
    return text_of(value)


# -- statements that apply in production ----------------------------------------------------------

_BRANCHES = frozenset({"if", "unless", "if_modifier", "unless_modifier"})
_ENV_TEST = re.compile(r"""(?:ENV(?:\.fetch)?\s*[\[(]\s*["'](?:RAILS_ENV|RACK_ENV|APP_ENV)["'][^=!]*?|Rails\.env\s*)"""
                       r"""(==|!=)\s*["':]?(\w+)""")
_ENV_PREDICATE = re.compile(r"Rails\.env\.(\w+)\?")


def production_calls(parsed: RubyFile, root: Any | None = None, depth: int = 0) -> Iterator[Call]:
    """The top-level calls of ``root`` that run in production: into ``if``/``unless``/``else`` branches
    whose condition tests the environment (``ENV.fetch("RAILS_ENV", "development") == "development"``,
    ``Rails.env.production?``) as production answers it; both branches when the condition is anything else."""
    node = parsed.root if root is None else root
    for child in node.children:
        if child.type in _BRANCHES and depth < 16:
            yield from _branch(parsed, child, depth)
            continue
        call = parsed.call(child)
        if call is not None:
            yield call


def _branch(parsed: RubyFile, node: Any, depth: int) -> Iterator[Call]:
    cond = node.child_by_field_name("condition")
    verdict = production_test(parsed.text(cond)) if cond is not None else None
    if verdict is not None and node.type.startswith("unless"):
        verdict = not verdict
    if node.type.endswith("_modifier"):
        body = node.child_by_field_name("body")
        if verdict is not False and body is not None:
            call = parsed.call(body)
            if call is not None:
                yield call
        return
    consequence = node.child_by_field_name("consequence")
    alternative = node.child_by_field_name("alternative")
    if verdict is not False and consequence is not None:
        yield from production_calls(parsed, consequence, depth + 1)
    if verdict is not True and alternative is not None:
        if alternative.type == "elsif":
            yield from _branch(parsed, alternative, depth + 1)
        else:
            yield from production_calls(parsed, alternative, depth + 1)


def production_test(condition: str) -> bool | None:
    """What an environment test answers in production; None when the condition is not one."""
    m = _ENV_PREDICATE.search(condition)
    if m and condition.strip().startswith(("Rails.env.", "!Rails.env.")):
        answer = m.group(1) == "production"
        return not answer if condition.strip().startswith("!") else answer
    m = _ENV_TEST.search(condition)
    if m is None or re.search(r"&&|\|\||\band\b|\bor\b", condition):
        return None
    same = m.group(2) == "production"
    return same if m.group(1) == "==" else not same


def as_int(value: RbValue) -> int | None:
    """An integer literal, a digit string, or the integer default of an env read."""
    if isinstance(value, EnvRef):
        return as_int(value.default)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def env_of(value: RbValue) -> EnvRef | None:
    return value if isinstance(value, EnvRef) else None


def written(value: RbValue) -> str:
    """How a value reads in a message: its literal, ``ENV.fetch("X") { 5 }`` as ``$X (default 5)``."""
    if isinstance(value, EnvRef):
        return f"${value.name}" + ("" if value.default is None else f" (default {written(value.default)})")
    if isinstance(value, Unknown):
        return value.text
    return repr(value) if isinstance(value, str) else str(value)


# -- YAML with ERB --------------------------------------------------------------------------------

_ERB_TAG = re.compile(r"<%(?!%)(=|-)?(.*?)-?%>", re.S)
PLACEHOLDER = re.compile(r"__erb(\d+)__")


@dataclass(frozen=True)
class ErbYaml:
    """A YAML file whose ERB tags were replaced (``<%= x %>`` by ``__erbN__``, control tags by nothing) so
    that it loads; ``codes[N]`` is tag N's Ruby. Lines are kept: a tag's newlines stay in place."""

    data: Any
    codes: tuple[str, ...]
    error: tuple[int | None, str] | None

    def erb_codes(self, value: object) -> list[str]:
        """The Ruby of each ERB output tag in a loaded string value."""
        return [self.codes[int(m.group(1))] for m in PLACEHOLDER.finditer(value)] if isinstance(value, str) else []


def load_erb_yaml(text: str) -> ErbYaml:
    codes: list[str] = []

    def swap(m: re.Match[str]) -> str:
        newlines = "\n" * m.group(0).count("\n")
        if m.group(1) != "=":
            return newlines  # <% if ... %> / <% end %>: the YAML of every branch stays, as Rails renders one
        codes.append(m.group(2).strip())
        return f"__erb{len(codes) - 1}__{newlines}"

    data, error = load_yaml(_ERB_TAG.sub(swap, text))
    return ErbYaml(data, tuple(codes), error)


def load_yaml(text: str) -> tuple[Any, tuple[int | None, str] | None]:
    """The round-trip YAML (keeps lines), or the error's line and a message."""
    return yamllines.load(text)


def key_line(mapping: Any, key: object) -> int | None:
    """The 1-based line of ``key`` in a ruamel mapping (None when not known)."""
    lc = getattr(mapping, "lc", None)
    try:
        return int(lc.key(key)[0]) + 1 if lc is not None else None
    except (KeyError, TypeError, AttributeError):
        return None


def get(mapping: Any, *names: str) -> tuple[object, object] | None:
    """(the key as written, its value) of the first of ``names`` present, Sidekiq's ``:key`` spelling too."""
    if not isinstance(mapping, dict):
        return None
    for name in names:
        for key in (name, f":{name}"):
            if key in mapping:
                return key, mapping[key]
    return None


# -- files and gems -------------------------------------------------------------------------------


def app_sources(repo: RepoView) -> Iterator[str]:
    """The app's own Ruby: ``app/``, ``config/``, ``lib/`` (``.rb`` and ``.rake``), ``config.ru`` and the
    Ruby files at the root (a Sinatra app); never vendored gems, tests, caches or the deploy tool's files."""
    for rel in repo.files():
        if not rel.endswith((".rb", ".rake", ".ru")) or _NOT_APP.search(rel):
            continue
        if "/" not in rel or rel.startswith(_APP_DIRS):
            yield rel


def bundle(repo: RepoView) -> Bundle | None:
    """The app's Gemfile and Gemfile.lock (:mod:`.gemfile`), or None when there is no Gemfile."""
    if not (repo.exists("Gemfile") or repo.exists("Gemfile.lock") or repo.exists("gems.rb")):
        return None
    from analyzers.providers.ruby import gemfile

    return gemfile.bundle(repo)


def gem_src(analyzer: str, found: Bundle | None, name: str) -> Src | None:
    """Where gem ``name`` is declared (or locked), as a source; None when the app has no such gem."""
    if found is None or not found.has(name):
        return None
    at = found.where(name)
    return Src(analyzer, *at) if at else Src(analyzer, "Gemfile")
