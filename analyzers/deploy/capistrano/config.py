"""Reading Capistrano files (``Capfile``, ``config/deploy.rb``, ``config/deploy/<stage>.rb``, the
``.rake``/``.cap`` task files they import): the top-level DSL calls, never run.

One :class:`Loaded` collects, per file and in load order, the variable ops (``set``, ``append`` ...),
``server``/``role`` declarations, ``namespace``/``task`` definitions (Rake appends a second body to a
task of the same name), ``before``/``after`` hooks (a hook with a block defines its task), ``require``s
(the plugins) and ``import``s (``Dir.glob("lib/capistrano/tasks/*.rake").each { |r| import r }``).
Capistrano 2's forms are read the same way: ``role :web, "h"``, ``server "h", :app, :web``,
``task :x, :roles => :app do``, and stage tasks (``task :production do role ...; set ... end``).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from analyzers import base
from analyzers.base import Item, Src
from analyzers.deploy.capistrano.model import NAME, Body, Hook, Server, Task
from analyzers.deploy.capistrano.values import Op
from analyzers.lib import rb
from analyzers.lib.rb import RubyFile
from migrator.repo import RepoView, normalize

MAX_NEST = 40  # namespace/if nesting followed at the top level of a file
MAX_IMPORTS = 200
_VAR_VERBS = {"set", "set!", "append", "remove", "ask", "set_if_empty", "_cset"}
_PLUGINS_BY_CONST = {"Capistrano::SCM::Git": "capistrano/scm/git", "Capistrano::Puma": "capistrano/puma",
                     "Capistrano::Puma::Systemd": "capistrano/puma", "Capistrano::Puma::Daemon": "capistrano/puma",
                     "Capistrano::Sidekiq": "capistrano/sidekiq", "Capistrano::Sidekiq::Systemd": "capistrano/sidekiq",
                     "Capistrano::SCM::Hg": "capistrano/scm/hg", "Capistrano::SCM::Svn": "capistrano/scm/svn"}
_STAGE_NAMES = ("production", "prod", "live", "staging", "stage", "qa", "demo", "sandbox", "development", "dev")


@dataclass
class Loaded:
    """Everything read from the deploy files, in load order."""

    ops: dict[str, list[Op]] = field(default_factory=dict)  # file -> its variable ops
    servers: dict[str, list[Server]] = field(default_factory=dict)  # file -> its servers
    tasks: dict[str, Task] = field(default_factory=dict)
    hooks: list[Hook] = field(default_factory=list)
    helpers: dict[str, Body] = field(default_factory=dict)  # def name ... end
    requires: list[tuple[str, str, int]] = field(default_factory=list)  # (plugin, file, line)
    stage_bodies: dict[str, Body] = field(default_factory=dict)  # Capistrano 2 stage tasks
    cleared: dict[str, tuple[str, int]] = field(default_factory=dict)  # Rake::Task["x"].clear_actions
    locked: tuple[str, int] | None = None  # lock "3.17.1"
    files: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)  # warnings
    imports: int = 0


class Reader:
    """Reads deploy files into one :class:`Loaded`."""

    def __init__(self, repo: RepoView, loaded: Loaded) -> None:
        self.repo = repo
        self.out = loaded

    def read(self, rel: str, *, ops_of: str | None = None) -> RubyFile | None:
        """Parse ``rel`` (a warning when it cannot be read or parsed) and collect its calls; its variable
        ops are filed under ``ops_of`` (the stage they belong to; the file itself by default)."""
        if rel in self.out.files:
            return None
        text = self.repo.read_text(rel)
        if text is None:
            return None
        self.out.files.append(rel)
        rf = parse(text)
        if rf is None:
            self.out.items.append(base.warning(Src(NAME, rel), "cannot parse Ruby (too large or too slow); "
                                               "file not analyzed"))
            return None
        if rf.has_errors:
            line = _first_error(rf)
            self.out.items.append(base.warning(Src(NAME, rel, line), "Ruby syntax error: what follows it may be "
                                               "read wrongly"))
        try:
            self._body(rf, rel, rf.root, "", 0, ops_of or rel)
        except RecursionError:
            self.out.items.append(base.warning(Src(NAME, rel), "code nested too deeply to follow; file only "
                                               "partly analyzed"))
        return rf

    def _body(self, rf: RubyFile, rel: str, body: Any, ns: str, depth: int, ops_of: str) -> None:
        if body is None:
            return
        if depth > MAX_NEST:
            self.out.items.append(base.warning(Src(NAME, rel, rf.line(body)), "namespaces or conditions nested "
                                               f"more than {MAX_NEST} deep; the rest of this block is not read"))
            return
        for child in body.named_children:
            if child.type in ("if", "unless", "begin", "then", "else", "elsif", "if_modifier", "unless_modifier"):
                # configuration under a condition (``if ENV["CI"]``): read both ways
                self._body(rf, rel, child, ns, depth + 1, ops_of)
                continue
            if child.type == "method":
                name = child.child_by_field_name("name")
                body_node = child.child_by_field_name("body") or next(
                    (c for c in child.named_children if c.type == "body_statement"), None)
                params = child.child_by_field_name("parameters")
                names = tuple(rf.text(p) for p in (params.named_children if params is not None else ())
                              if p.type == "identifier")
                if name is not None and body_node is not None:
                    self.out.helpers.setdefault(rf.text(name), Body(rf, rel, body_node, ns, rf.line(child),
                                                                    params=names))
                continue
            call = rf.call(child)
            if call is not None:
                self._call(rf, rel, call, ns, depth, ops_of)

    def _call(self, rf: RubyFile, rel: str, call: rb.Call, ns: str, depth: int, ops_of: str) -> None:
        method = call.method
        if method in _VAR_VERBS and call.receiver is None and call.args:
            key = rb.text_of(rf.value(call.args[0]))
            if key is not None:
                verb = "set_if_empty" if method == "_cset" else method
                op = Op(verb, key, rf, rel, call.line, raw_args(call)[1:], call.block)
                self.out.ops.setdefault(ops_of, []).append(op)
        elif method == "server" and call.receiver is None:
            self._server(rf, rel, call, ops_of)
        elif method == "role" and call.receiver is None and call.args:
            self._role(rf, rel, call, ops_of)
        elif method == "namespace" and call.args:
            name = rb.text_of(rf.value(call.args[0]))
            if name is not None:
                self._body(rf, rel, call.block, _join(ns, name), depth + 1, ops_of)
        elif method == "task" and call.receiver is None:
            self._task(rf, rel, call, ns, ops_of)
        elif method in ("before", "after") and call.receiver is None and len(call.args) >= 2:
            self._hook(rf, rel, call, ns)
        elif method in ("require", "require_relative") and call.args:
            name = rb.text_of(rf.arg(call, 0))
            if name is not None:
                self.out.requires.append((name, rel, call.line))
        elif method == "install_plugin" and call.args:
            const = rf.text(call.args[0])
            self.out.requires.append((_PLUGINS_BY_CONST.get(const, const), rel, call.line))
        elif method in ("import", "load") and call.args:
            path = rb.text_of(rf.arg(call, 0))
            if path is not None and method == "load" and not path.endswith((".rb", ".rake", ".cap")):
                # Capistrano 2: load 'deploy' (a recipe of the gem), load 'config/deploy' (the repo's deploy.rb)
                if self.repo.exists(normalize(path) + ".rb"):
                    self._import(path + ".rb", rel, call.line)
                else:
                    self.out.requires.append((path, rel, call.line))
            elif path is not None:
                self._import(path, rel, call.line)
        elif method == "each" and call.receiver is not None and call.block is not None:
            self._glob_import(rf, rel, call)
        elif method in ("clear", "clear_actions") and call.receiver is not None \
                and rf.text(call.receiver).lstrip(":").startswith("Rake::Task["):
            keys = call.receiver.named_children
            name = rb.text_of(rf.value(keys[-1])) if keys else None
            if name is not None:
                self.out.cleared[name.lstrip(":")] = (rel, call.line)
        elif method == "lock" and call.args:
            version = rb.text_of(rf.arg(call, 0))
            self.out.locked = (version or rf.text(call.args[0]), call.line)

    def _server(self, rf: RubyFile, rel: str, call: rb.Call, ops_of: str) -> None:
        host = rb.text_of(rf.arg(call, 0))
        if host is None:
            return
        roles = rb.texts(rf.kwarg(call, "roles")) or rb.texts(rf.kwarg(call, "role"))
        roles += [r for a in call.args[1:] for r in rb.texts(rf.value(a))]  # Capistrano 2: server "h", :app, :web
        user = rb.text_of(rf.kwarg(call, "user"))
        if user is None and "@" in host:
            user, host = host.split("@", 1)
        primary = rf.kwarg(call, "primary") is True
        self.out.servers.setdefault(ops_of, []).append(
            Server(host, tuple(dict.fromkeys(roles)), rel, call.line, user, primary))

    def _role(self, rf: RubyFile, rel: str, call: rb.Call, ops_of: str) -> None:
        role = rb.text_of(rf.arg(call, 0))
        if role is None:
            return
        hosts = [h for a in call.args[1:] for h in rb.texts(rf.value(a))]
        primary = rf.kwarg(call, "primary") is True
        user = rb.text_of(rf.kwarg(call, "user"))
        for i, host in enumerate(hosts):
            who = user
            if "@" in host:
                who, host = host.split("@", 1)
            self.out.servers.setdefault(ops_of, []).append(
                Server(host, (role,), rel, call.line, who, primary and i == 0))

    def _task(self, rf: RubyFile, rel: str, call: rb.Call, ns: str, ops_of: str) -> None:
        name: str | None = rb.text_of(rf.arg(call, 0))
        deps: list[str] = []
        if name is None and call.kwargs:
            # task :restart => [:stop, :start]
            first = next(iter(call.kwargs))
            if first not in ("roles", "except", "only", "on_error", "max_hosts", "once", "on_no_matching_servers"):
                name, deps = first, rb.texts(rf.kwarg(call, first))
        if name is None:
            return
        full = _join(ns, name)
        if not ns and name in _STAGE_NAMES and call.block is not None and _configures(rf, call.block):
            self.out.stage_bodies[name] = Body(rf, rel, call.block, ns, call.line)
            return
        task = self.out.tasks.setdefault(full, Task(full, line=(rel, call.line)))
        task.deps += [qualify(ns, d, self.out.tasks) for d in deps]
        roles = tuple(rb.texts(rf.kwarg(call, "roles"))) or None  # Capistrano 2: task :x, :roles => :app
        if call.block is not None:
            task.actions.append(Body(rf, rel, call.block, ns, call.line, roles))

    def _hook(self, rf: RubyFile, rel: str, call: rb.Call, ns: str) -> None:
        point = rb.text_of(rf.arg(call, 0))
        targets = [t for a in call.args[1:] for t in rb.texts(rf.value(a))]
        if point is None or not targets:
            return
        point = qualify(ns, point, self.out.tasks, flow=True)
        for target in targets:
            full = target.lstrip(":")
            if call.block is not None:  # the hook defines its task, in the namespace it is written in
                full = _join(ns, full)
                task = self.out.tasks.setdefault(full, Task(full, line=(rel, call.line)))
                task.actions.append(Body(rf, rel, call.block, ns, call.line))
            self.out.hooks.append(Hook(call.method, point, full, rel, call.line, "" if call.block else ns))

    def _import(self, path: str, rel: str, line: int) -> None:
        target = normalize(path.removeprefix("./"))
        if target.startswith("../") or posixpath.isabs(target):
            self.out.items.append(base.warning(Src(NAME, rel, line), f"imports {path!r}, outside the repository: "
                                               "not read"))
            return
        self._load(target, rel, line)

    def _glob_import(self, rf: RubyFile, rel: str, call: rb.Call) -> None:
        receiver = rf.call(call.receiver)
        if receiver is None or receiver.method not in ("glob", "[]") or receiver.receiver is None:
            return
        if rf.text(receiver.receiver) not in ("Dir", "::Dir"):
            return
        if not any(c.method in ("import", "load") for c in rf.calls(call.block)):
            return
        pattern = rb.text_of(rf.arg(receiver, 0))
        if pattern is None:
            return
        pattern = normalize(pattern.removeprefix("./"))
        for path in sorted(f for f in self.repo.files() if fnmatch.fnmatchcase(f, pattern)):
            self._load(path, rel, call.line)

    def _load(self, target: str, rel: str, line: int) -> None:
        self.out.imports += 1
        if self.out.imports > MAX_IMPORTS:
            return
        if self.repo.exists(target):
            self.read(target, ops_of=None)
        elif not any(c in target for c in "*?["):
            self.out.items.append(base.warning(Src(NAME, rel, line), f"imports {target!r}, which is not in the "
                                               "repository (or cannot be read): its tasks are not known"))


def raw_args(call: rb.Call) -> tuple[Any, ...]:
    """The argument nodes as written: ``set :default_env, { ... }`` keeps its hash (:class:`rb.Call` reads a
    trailing hash as keyword arguments)."""
    arguments = call.node.child_by_field_name("arguments") if call.node.type == "call" else None
    if arguments is None:
        return call.args
    return tuple(c for c in arguments.named_children if c.type not in ("comment", "block_argument"))


def parse(text: str) -> RubyFile | None:
    try:
        return RubyFile.parse(text)
    except rb.Unavailable:
        return None


def _first_error(rf: RubyFile) -> int | None:
    for node in rb.walk(rf.root):
        if node.type == "ERROR" or node.is_missing:
            return rf.line(node)
    return None


def _configures(rf: RubyFile, block: Any) -> bool:
    return any(c.method in ("role", "server", "set") for c in rf.top_calls(block))


def _join(ns: str, name: str) -> str:
    return f"{ns}:{name}" if ns else name


def qualify(ns: str, name: str, tasks: Mapping[str, Task], *, flow: bool = False) -> str:
    """A task name as Rake resolves it inside namespace ``ns``: ``:starting`` in ``namespace :deploy``
    is ``deploy:starting`` (the innermost namespace that has it, else the name as written)."""
    name = name.lstrip(":")
    if ":" in name or not ns:
        return name
    parts = ns.split(":")
    for i in range(len(parts), 0, -1):
        cand = ":".join([*parts[:i], name])
        if cand in tasks or (flow and cand in _FLOW_POINTS):
            return cand
    return name


def stage_files(repo: RepoView) -> Iterator[str]:
    for rel in repo.files():
        if rel.startswith("config/deploy/") and rel.endswith(".rb") and rel.count("/") == 2:
            yield rel


_FLOW_POINTS = frozenset({"deploy:starting", "deploy:started", "deploy:updating", "deploy:updated",
                          "deploy:publishing", "deploy:published", "deploy:finishing", "deploy:finished",
                          "deploy:reverting", "deploy:reverted", "deploy:failed", "deploy:update_code",
                          "deploy:finalize_update", "deploy:create_symlink", "deploy:symlink", "deploy:restart",
                          "deploy:migrate", "deploy:cleanup", "deploy:check", "deploy:setup"})
