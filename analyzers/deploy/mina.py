"""Mina deploy scripts (``config/deploy.rb`` requiring ``mina/...``), read through tree-sitter-ruby, never run.

Mina builds one shell script per deploy: ``task :deploy do deploy do ... on :launch do ... end end end``.
The variables are read like Capistrano's (:mod:`analyzers.deploy.capistrano.values`: ``set``, ``fetch``,
lambdas, ``fetch(:shared_dirs, []).push(...)``); ``:deploy_to`` is the legacy app dir (``current``
under it), ``:shared_dirs``/``:shared_files`` (and the old ``:shared_paths``) the directories and files
shared between releases, ``:keep_releases`` the revision history. The ``deploy`` task is walked in
order: ``invoke :'rails:db_migrate'`` and the other recipes of Mina's plugins become the commands those
recipes run, ``command``/``queue``/``queue!`` bodies (inside ``in_path``) go through
:func:`analyzers.deploy.deploy_commands.interpret`, ``on :launch`` (old ``to :launch``) runs after the
release is linked; the repo's own tasks are followed through ``invoke``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from analyzers import base
from analyzers.base import Item, Src
from analyzers.deploy.capistrano import settings
from analyzers.deploy.capistrano.config import Loaded, Reader
from analyzers.deploy.capistrano.emit import Emitter, cd, dedupe
from analyzers.deploy.capistrano.model import Body, Ctx
from analyzers.deploy.capistrano.values import Vars, known, render
from analyzers.lib import rb
from analyzers.lib.rb import RubyFile
from migrator.repo import RepoView

NAME = "mina"
DEPLOY_RB = "config/deploy.rb"
_MINA = re.compile(r"^\s*require\s+['\"]mina/", re.M)
_MAX_DEPTH = 40
_RESTART = "app server restart on the hosts: a new image rolls out the Deployment instead"
# What ``invoke :'x'`` of a Mina recipe runs on the host (mina 1.x's recipes; mina-puma, mina-unicorn ...).
_RECIPES: dict[str, tuple[str, str | None]] = {
    "git:clone": ("git clone {repository} --branch {branch} .", None),
    "git:ensure_pushed": ("git fetch {repository} {branch}", None),
    "deploy:link_shared_paths": ("ln -s {shared_path}/<shared_dirs and shared_files> .", None),
    "bundle:install": ("bundle install --without development test --path vendor/bundle --deployment", None),
    "rails:db_migrate": ("bundle exec rake db:migrate", None),
    "rails:db_create": ("bundle exec rake db:create", None),
    "rails:db_schema_load": ("bundle exec rake db:schema:load", None),
    "rails:assets_precompile": ("bundle exec rake assets:precompile", None),
    "deploy:cleanup": ("deploy:cleanup", "old releases pruned on the hosts: the cluster keeps old ReplicaSets"),
    "rbenv:load": ("rbenv:load", "ruby version manager on the hosts: the image's ruby is the version (rbenv)"),
    "rvm:use": ("rvm:use", "ruby version manager on the hosts: the image's ruby is the version (rvm)"),
    "chruby": ("chruby", "ruby version manager on the hosts: the image's ruby is the version (chruby)"),
    "puma:start": ("bundle exec puma -C config/puma.rb --daemon", None),
    "puma:restart": ("bundle exec pumactl restart", _RESTART),
    "puma:phased_restart": ("bundle exec pumactl phased-restart", _RESTART),
    "puma:stop": ("bundle exec pumactl stop", _RESTART),
    "unicorn:restart": ("kill -s USR2 $(cat tmp/pids/unicorn.pid)", _RESTART),
    "sidekiq:restart": ("bundle exec sidekiqctl restart", _RESTART),
    "sidekiq:quiet": ("bundle exec sidekiqctl quiet", _RESTART),
    "whenever:update": ("bundle exec whenever --update-crontab", "crontab install on the hosts: the CronJobs read "
                        "from config/schedule.rb replace it"),
    "whenever:write": ("bundle exec whenever --write-crontab", "crontab install on the hosts: the CronJobs read "
                       "from config/schedule.rb replace it"),
}
_RAKE_ENV = ("rails:db_migrate", "rails:db_create", "rails:db_schema_load", "rails:assets_precompile")


def detect(repo: RepoView) -> bool:
    return repo.exists(DEPLOY_RB) and bool(_MINA.search(repo.read_text(DEPLOY_RB) or ""))


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings from the repo's Mina deploy script (empty when there is none)."""
    if not detect(repo):
        return
    loaded = Loaded()
    reader = Reader(repo, loaded)
    reader.read(DEPLOY_RB, ops_of="common")
    v = Vars({"shared_dirs": None, "shared_files": None})
    for ops in loaded.ops.values():
        for op in ops:
            v.add(op)
    anchor = Src(NAME, DEPLOY_RB)
    emitter = Emitter(repo)
    items: list[Item] = list(loaded.items)
    items += settings.secrets([op for ops in loaded.ops.values() for op in ops], repo, emitter.secret_values)
    walk = _Walk(v, loaded, emitter)
    try:
        walk.task("deploy", Ctx(phase="build"), None)
    except RecursionError:
        items.append(base.warning(anchor, "tasks nested too deeply to follow; deploy only partly analyzed"))
    items += emitter.out
    items.append(base.runtime(anchor, base.D, deploy_tool="mina", application=known(
        v.get("application_name") or v.get("application")), branch=known(v.get("branch")),
        repo_url=known(v.get("repository"))))
    items += settings.app_dir(v, anchor)
    shared = "shared_paths" if v.has("shared_paths") and not (v.has("shared_dirs") or v.has("shared_files")) else None
    if shared:  # mina 0.x: one list; a name with an extension is a file
        items += settings.linked_files(repo, v, anchor, shared, only=_is_file)
        items += settings.linked_dirs(v, anchor, shared, only=lambda p: not _is_file(p))
    items += settings.linked_files(repo, v, anchor, "shared_files")
    items += settings.linked_dirs(v, anchor, "shared_dirs")
    items += settings.rails_env(v, any(r.startswith("mina/rails") for r, _, _ in loaded.requires), anchor)
    yield from dedupe([emitter.clean(i) for i in items])


def _is_file(path: str) -> bool:
    """Mina 0.x's one ``shared_paths`` list: a name with an extension is a file (``config/database.yml``)."""
    return "." in path.rsplit("/", 1)[-1].lstrip(".") or path.rsplit("/", 1)[-1].startswith(".env")


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [i for v in value for i in _flat(v)]
    return [] if value is None else [value]


class _Walk:
    def __init__(self, v: Vars, loaded: Loaded, emitter: Emitter) -> None:
        self.v = v
        self.loaded = loaded
        self.emit = emitter
        self.stack: list[str] = []

    def task(self, name: str, ctx: Ctx, via: Src | None) -> None:
        name = name.lstrip(":")
        task = self.loaded.tasks.get(name)
        if name in self.stack or len(self.stack) > _MAX_DEPTH:
            return
        if task is None:
            self._recipe(name, ctx, via)
            return
        self.stack.append(name)
        try:
            for dep in task.deps:
                self.task(dep, ctx, via)
            for action in task.actions:
                if isinstance(action, Body):
                    self._body(action.rf, action.file, action.node, replace(ctx, task=name), 0)
        finally:
            self.stack.pop()

    def _recipe(self, name: str, ctx: Ctx, via: Src | None) -> None:
        recipe = _RECIPES.get(name)
        if via is None:
            return
        if recipe is None:
            self.emit.out.append(base.warning(via, f"invokes {name!r}, which neither the repo nor a known Mina recipe "
                                              "defines: what it does is not known"))
            return
        command, reason = recipe
        command = command.format(repository=known(self.v.get("repository")) or "${repository}",
                                 branch=known(self.v.get("branch")) or "${branch}",
                                 shared_path=self.v.path("shared_path"))
        here = replace(ctx, task=name, cwd=ctx.cwd or self.v.path("release_path"))
        if reason is not None:
            self.emit.host(command, via, reason, here)
            return
        env = (("RAILS_ENV", render(self.v.get("rails_env")) or "production"),) if name in _RAKE_ENV else ()
        self.emit.command(command, via, here, f"invoke {name}", env=env)

    def _body(self, rf: RubyFile, file: str, body: Any, ctx: Ctx, depth: int) -> None:
        if body is None:
            return
        if depth > _MAX_DEPTH:
            self.emit.out.append(base.warning(Src(NAME, file, rf.line(body)), "blocks nested too deeply; the rest of "
                                              "this task is not read"))
            return
        for child in body.named_children:
            call = rf.call(child) if child.type in ("call", "identifier") else None
            if call is None:
                if child.type not in ("comment", "string", "simple_symbol", "integer"):
                    self._body(rf, file, child, ctx, depth + 1)
                continue
            self._call(rf, file, call, ctx, depth)

    def _call(self, rf: RubyFile, file: str, call: rb.Call, ctx: Ctx, depth: int) -> None:
        src = Src(NAME, file, call.line)
        method = call.method
        inner = ctx
        if method in ("command", "queue", "queue!") and call.args:
            self.emit.command(render(self.v.eval(call.args[0], rf)), src, ctx, f"{method}()")
            return
        if method == "invoke" and call.args:
            target = rb.text_of(rf.value(call.args[0]))
            if target is not None:
                self.task(target, ctx, src)
            return
        if method == "in_path" and call.args:
            inner = replace(ctx, cwd=cd(ctx.cwd, render(self.v.eval(call.args[0], rf))))
        elif method in ("on", "to") and call.args:
            stage = rb.text_of(rf.value(call.args[0]))
            inner = replace(ctx, phase=stage or ctx.phase)
        elif method == "run" and call.args:
            where = rb.text_of(rf.value(call.args[0]))
            inner = replace(ctx, local=where == "local")
        elif method == "deploy":
            inner = replace(ctx, phase="build")
        elif method in ("comment", "say", "desc", "set", "fetch", "puts", "print_status"):
            return
        if call.block is not None:
            self._body(rf, file, call.block, inner, depth + 1)
