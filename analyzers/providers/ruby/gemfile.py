"""The app's bundle: the gems its ``Gemfile`` declares (parsed with tree-sitter-ruby, never evaluated) and
what ``Gemfile.lock`` locks (:mod:`.lockfile`), as one :class:`Bundle` every Ruby analyzer reads.

The Gemfile is Ruby, but in practice a sequence of DSL calls: ``source``, ``ruby``, ``gem`` (a name,
requirements, ``group:``/``groups:``, ``platforms:``, ``require:``, ``git:``/``github:``/``path:``), and
blocks that apply to the gems inside them (``group :development, :test do``, ``platforms :ruby do``,
``git "..." do``, ``path "..." do``, ``source "..." do``). Old forms read the same (``:group => :test``,
``source :rubygems``). A gem inside a conditional (``if ENV["X"]``) is kept with the condition's text.
``eval_gemfile`` reads the named file too (its gems carry that file); ``gemspec`` adds the gemspec's
runtime and development dependencies. Bundler 2's ``gems.rb``/``gems.locked`` are read when there is no
``Gemfile``. A Gemfile that does not parse is read as far as tree-sitter recovered it, with a problem
the packaging analyzer reports; the lock alone still names the gems.

:func:`bundle` is cached per RepoView (the version, packaging and code analyzers all ask for it).
"""

from __future__ import annotations

import posixpath
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analyzers.lib import rb
from analyzers.lib.rb import Call, RubyFile
from analyzers.providers.ruby.lockfile import Lock, parse_lock
from migrator.repo import RepoView

GEMFILES = ("Gemfile", "gems.rb")
LOCKFILES = {"Gemfile": "Gemfile.lock", "gems.rb": "gems.locked"}
_BLOCKS = frozenset({"group", "platforms", "platform", "git", "path", "github", "source", "install_if"})
_DSL = frozenset({"gem", "ruby", "gemspec", "eval_gemfile", *_BLOCKS})
_MAX_EVAL_DEPTH = 3  # eval_gemfile inside eval_gemfile: bounded, and cycles stop
_MAX_BLOCK_DEPTH = 60  # syntax levels looked up from a gem for its blocks: a real Gemfile nests two or three
_CONDITIONALS = frozenset({"if", "unless", "if_modifier", "unless_modifier", "case", "ternary"})


@dataclass(frozen=True)
class Gem:
    name: str
    requirement: str | None  # "~> 1.1" (joined when several)
    groups: tuple[str, ...]  # ("default",) or ("development", "test")
    file: str  # "Gemfile"
    line: int
    source: str | None = None  # "git", "path", "github" or None (rubygems)
    require: bool = True  # require: false
    platforms: tuple[str, ...] = ()  # ("ruby",), ("jruby",), ("mingw", "x64_mingw"): () means every platform
    condition: str | None = None  # the text of an enclosing ``if``/``unless`` (``if ENV["X"]``)
    location: str | None = None  # the git URL, github slug or path
    force_ruby_platform: bool = False  # force_ruby_platform: true (compiles even where a native gem exists)


@dataclass(frozen=True)
class Bundle:
    gems: Mapping[str, Gem]  # declared in the Gemfile (eval_gemfile/gemspec noted)
    locked: Mapping[str, str]  # name -> locked version, from Gemfile.lock specs (GEM, GIT, PATH sections)
    lock_line: Mapping[str, int]  # name -> its line in Gemfile.lock
    ruby: tuple[str, str, int] | None  # (version, file, line) from Gemfile `ruby` / lock RUBY VERSION
    bundled_with: tuple[str, int] | None  # (version, line)
    platforms: tuple[str, ...]
    gemfile: str | None = None  # "Gemfile" (or "gems.rb"), None when only a lock exists
    lockfile: str | None = None  # "Gemfile.lock"
    lock: Lock | None = None  # every locked spec, with its source, remote and platform
    gemfile_ruby: tuple[str, str, int] | None = None  # the Gemfile's ``ruby`` alone (``file:`` read through)
    lock_ruby: tuple[str, int] | None = None  # the lock's RUBY VERSION alone
    gemspecs: tuple[tuple[str, int], ...] = ()  # (gemspec file, line of the Gemfile's ``gemspec``)
    evaluated: tuple[tuple[str, int], ...] = ()  # (file, line) of each eval_gemfile read
    problems: tuple[tuple[str, int | None, str], ...] = field(default=())  # (file, line, message)

    def has(self, name: str) -> bool:
        """Declared or locked."""
        return name in self.gems or name in self.locked

    def where(self, name: str) -> tuple[str, int] | None:
        """(file, line): the Gemfile line, else the lock line."""
        gem = self.gems.get(name)
        if gem is not None:
            return gem.file, gem.line
        line = self.lock_line.get(name)
        return (self.lockfile or "Gemfile.lock", line) if line is not None else None

    def version(self, name: str) -> str | None:
        """The locked version of ``name``, or None."""
        return self.locked.get(name)


_CACHE: weakref.WeakKeyDictionary[RepoView, dict[str, Bundle]] = weakref.WeakKeyDictionary()


def bundle(repo: RepoView, root: str = ".") -> Bundle:
    """The bundle at ``root`` of ``repo`` (empty when there is no Gemfile nor lock), read once per repo."""
    per_repo = _CACHE.setdefault(repo, {})
    found = per_repo.get(root)
    if found is None:
        found = per_repo[root] = read_bundle(repo, root)
    return found


def _join(root: str, name: str) -> str:
    return name if root in (".", "") else posixpath.normpath(posixpath.join(root, name))


def gemfile_of(repo: RepoView, root: str = ".") -> str | None:
    return next((rel for name in GEMFILES if repo.exists(rel := _join(root, name))), None)


def read_bundle(repo: RepoView, root: str = ".") -> Bundle:
    """The bundle at ``root``, read now (:func:`bundle` caches it)."""
    gemfile = gemfile_of(repo, root)
    lock_name = LOCKFILES[posixpath.basename(gemfile)] if gemfile else "Gemfile.lock"
    lockfile = _join(root, lock_name) if repo.exists(_join(root, lock_name)) else None
    if lockfile is None and gemfile is None and repo.exists(_join(root, "gems.locked")):
        lockfile = _join(root, "gems.locked")
    reader = _Reader(repo, root)
    if gemfile is not None:
        reader.read(gemfile, 0)
    lock = None
    if lockfile is not None:
        text = repo.read_text(lockfile)
        lock = parse_lock(text or "", lockfile)
        if lock.conflict_markers:
            reader.problems.append((lockfile, lock.conflict_markers[0], "merge conflict markers: the lock is "
                                    "broken, bundle install will refuse it"))
        if lock.garbage:
            reader.problems.append((lockfile, lock.garbage[0], f"{len(lock.garbage)} line(s) that are not "
                                    "Bundler's lock format were skipped"))
    lock_ruby = lock.ruby if lock else None
    ruby = reader.ruby or ((lock_ruby[0], lockfile, lock_ruby[1]) if lock_ruby and lockfile else None)
    return Bundle(gems=dict(reader.gems), locked=lock.versions() if lock else {},
                  lock_line=lock.lines() if lock else {}, ruby=ruby,
                  bundled_with=lock.bundled_with if lock else None, platforms=lock.platforms if lock else (),
                  gemfile=gemfile, lockfile=lockfile, lock=lock, gemfile_ruby=reader.ruby, lock_ruby=lock_ruby,
                  gemspecs=tuple(reader.gemspecs), evaluated=tuple(reader.evaluated),
                  problems=tuple(reader.problems))


@dataclass
class _Context:
    groups: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    source: str | None = None
    location: str | None = None
    condition: str | None = None


class _Reader:
    """Reads a Gemfile and what it pulls in (eval_gemfile, gemspec) into gems, keeping the first
    declaration of each name (Bundler refuses a duplicate with different requirements anyway)."""

    def __init__(self, repo: RepoView, root: str) -> None:
        self.repo = repo
        self.root = root
        self.gems: dict[str, Gem] = {}
        self.ruby: tuple[str, str, int] | None = None
        self.gemspecs: list[tuple[str, int]] = []
        self.evaluated: list[tuple[str, int]] = []
        self.problems: list[tuple[str, int | None, str]] = []
        self._seen: set[str] = set()

    def read(self, rel: str, depth: int) -> None:
        if rel in self._seen or depth > _MAX_EVAL_DEPTH:
            return
        self._seen.add(rel)
        data = self.repo.read_bytes(rel)
        if data is None:
            return
        try:
            parsed = RubyFile.parse(data)
        except rb.Unavailable as exc:
            self.problems.append((rel, None, f"tree-sitter-ruby is not installed ({exc}): the Gemfile was not "
                                  "read, only the lock"))
            return
        if parsed is None:
            self.problems.append((rel, None, "too large or too slow to parse: the Gemfile was not read"))
            return
        if parsed.has_errors:
            line = _first_error_line(parsed)
            self.problems.append((rel, line, "Ruby syntax errors: the Gemfile was read as far as it parses"))
        for call in parsed.calls(names=_DSL):
            if call.receiver is not None:
                continue
            self._call(parsed, call, rel, depth)

    def _call(self, f: RubyFile, call: Call, rel: str, depth: int) -> None:
        if call.method == "gem":
            self._gem(f, call, rel, _context(f, call))
        elif call.method == "ruby" and self.ruby is None:
            self._ruby(f, call, rel)
        elif call.method == "eval_gemfile":
            target = rb.text_of(f.arg(call, 0))
            if target:
                path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
                if self.repo.exists(path):
                    self.evaluated.append((path, call.line))
                    self.read(path, depth + 1)
                else:
                    self.problems.append((rel, call.line, f"eval_gemfile {target}: no such file in the repo"))
        elif call.method == "gemspec":
            self._gemspec(f, call, rel)

    def _gem(self, f: RubyFile, call: Call, rel: str, ctx: _Context) -> None:
        name = rb.text_of(f.arg(call, 0))
        if not name or name in self.gems:
            return
        reqs = [t for t in (rb.text_of(f.value(a)) for a in call.args[1:]) if t]
        groups = tuple(rb.texts(f.kwarg(call, "group")) + rb.texts(f.kwarg(call, "groups"))) or ctx.groups
        platforms = tuple(rb.texts(f.kwarg(call, "platforms")) + rb.texts(f.kwarg(call, "platform"))) or ctx.platforms
        source, location = ctx.source, ctx.location
        for key in ("git", "github", "path"):
            value = f.kwarg(call, key)
            if value is not None:
                source, location = key, rb.text_of(value) or (value.template if isinstance(value, rb.Interp) else None)
                break
        require = f.kwarg(call, "require")
        self.gems[name] = Gem(name, ", ".join(reqs) or None, groups or ("default",), rel, call.line, source,
                              require is not False, platforms, ctx.condition, location,
                              f.kwarg(call, "force_ruby_platform") is True)

    def _ruby(self, f: RubyFile, call: Call, rel: str) -> None:
        version = rb.text_of(f.arg(call, 0))
        if version:
            self.ruby = (version, rel, call.line)
            return
        target = rb.text_of(f.kwarg(call, "file"))
        if target:  # ruby file: ".ruby-version" (Bundler 2.4)
            path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
            for number, line in enumerate(self.repo.lines(path) if self.repo.exists(path) else [], 1):
                text = line.split("#", 1)[0].strip().removeprefix("ruby-")
                if text:
                    self.ruby = (text, path, number)
                    return
            self.problems.append((rel, call.line, f"ruby file: {target} names no version"))
        elif call.args:
            self.problems.append((rel, call.line, "ruby version is computed (" + f.text(call.args[0])[:60]
                                  + "): not read"))

    def _gemspec(self, f: RubyFile, call: Call, rel: str) -> None:
        base = _join(posixpath.dirname(rel) or ".", rb.text_of(f.kwarg(call, "path")) or ".")
        named = rb.text_of(f.kwarg(call, "name"))
        specs = sorted(p for p in self.repo.glob("*.gemspec") if posixpath.dirname(p) == ("" if base == "." else base))
        if named:
            specs = [p for p in specs if posixpath.basename(p) == f"{named}.gemspec"]
        dev_group = rb.text_of(f.kwarg(call, "development_group")) or "development"
        for spec in specs:
            self.gemspecs.append((spec, call.line))
            own = posixpath.basename(spec).removesuffix(".gemspec")
            if own not in self.gems:
                self.gems[own] = Gem(own, None, ("default",), rel, call.line, "path", True, (), None,
                                     posixpath.dirname(spec) or ".")
            data = self.repo.read_bytes(spec)
            parsed = RubyFile.parse(data) if data is not None else None
            if parsed is None:
                continue
            for dep in parsed.calls(names={"add_dependency", "add_runtime_dependency", "add_development_dependency"}):
                name = rb.text_of(parsed.arg(dep, 0))
                if not name or name in self.gems:
                    continue
                reqs = [t for t in (rb.text_of(parsed.value(a)) for a in dep.args[1:]) if t]
                group = (dev_group,) if dep.method == "add_development_dependency" else ("default",)
                self.gems[name] = Gem(name, ", ".join(reqs) or None, group, spec, dep.line)


def _context(f: RubyFile, call: Call) -> _Context:
    """What the blocks around ``call`` say about it (innermost wins for source; groups and platforms add)."""
    ctx = _Context()
    node: Any = call.node.parent
    for _ in range(_MAX_BLOCK_DEPTH):
        if node is None:
            break
        if node.type in _CONDITIONALS and ctx.condition is None:
            cond = node.child_by_field_name("condition")
            if cond is not None:
                word = "unless" if node.type.startswith("unless") else "if"
                ctx.condition = f"{word} {f.text(cond)}"[:120]
        if node.type == "call":
            outer = f.call(node)
            if outer is not None and outer.method in _BLOCKS and outer.block is not None and outer.receiver is None:
                _apply(f, outer, ctx)
        node = node.parent
    return ctx


def _apply(f: RubyFile, block: Call, ctx: _Context) -> None:
    values = [t for a in block.args for t in rb.texts(f.value(a))]
    if block.method == "group":
        ctx.groups = (*values, *ctx.groups)
    elif block.method in ("platforms", "platform"):
        ctx.platforms = (*values, *ctx.platforms)
    elif block.method in ("git", "github", "path") and ctx.source is None:
        ctx.source, ctx.location = block.method, values[0] if values else None


def _first_error_line(f: RubyFile) -> int | None:
    for node in rb.walk(f.root):
        if node.type == "ERROR" or node.is_missing:
            return f.line(node)
    return None
