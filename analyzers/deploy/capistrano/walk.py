"""The deploy flow, walked: ``cap <stage> deploy`` runs ``deploy:starting`` ... ``deploy:finished`` (Capistrano
2: ``deploy:update_code`` ... ``deploy:restart``); each point runs its ``before`` hooks, its own actions and
its ``after`` hooks, each task once (Rake's rule), prerequisites first. A task body is walked statement by
statement with its context: ``on roles(...)``/``primary(:db)``, ``within`` (cwd), ``with`` (env), ``as``
(user), ``run_locally``; ``execute``/``sudo``/``capture``/``rake``/Capistrano 2's ``run`` are commands,
``upload!`` a file copied to the hosts, ``test`` a condition checked there, ``invoke``/``Rake::Task[...]
.invoke`` and the file's own ``def`` helpers are followed. Tasks no deploy reaches are walked last: a
person runs them by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from analyzers import base
from analyzers.base import Src
from analyzers.deploy.capistrano.config import qualify
from analyzers.deploy.capistrano.emit import Emitter, cd
from analyzers.deploy.capistrano.model import FLOW2, FLOW3, NAME, Body, Ctx, Hook, Implied, Invoke, Task
from analyzers.deploy.capistrano.plugins import BUNDLE_BINS
from analyzers.deploy.capistrano.values import Opaque, Vars, known, render
from analyzers.lib import rb
from analyzers.lib.rb import RubyFile

MAX_DEPTH = 40  # nesting of blocks and invocations followed
_BUDGET = 20000  # statements walked per deploy
_SILENT = frozenset({"info", "debug", "warn", "error", "fatal", "log", "puts", "print", "p", "desc", "set", "append",
                     "remove", "ask", "set_if_empty", "fetch", "raise", "exit", "abort", "sleep", "require",
                     "reenable", "clear", "clear_actions", "logger", "pp", "exit!"})
_COMMANDS = frozenset({"execute", "sudo", "capture", "run", "rake", "stream", "background", "invoke_command"})


class Walker:
    """Walks one deploy configuration's tasks into :class:`Emitter` findings."""

    def __init__(self, v: Vars, tasks: Mapping[str, Task], hooks: list[Hook], helpers: Mapping[str, Body],
                 emitter: Emitter, *, bundler: bool, version: int) -> None:
        self.v = v
        self.tasks = tasks
        self.hooks = hooks
        self.helpers = helpers
        self.emit = emitter
        self.bundler = bundler
        self.version = version
        self.done: set[str] = set()
        self.stack: list[str] = []
        self.budget = _BUDGET

    def flow(self) -> None:
        """``cap <stage> deploy``, in order."""
        base_ctx = Ctx(phase="deploy")
        self._hooks("before", "deploy", base_ctx)
        for point in FLOW3 if self.version >= 3 else FLOW2:
            self.run(point, replace(base_ctx, phase=point))
        self._hooks("after", "deploy", base_ctx)
        self.done.add("deploy")

    def by_hand(self) -> None:
        """Tasks no deploy reaches: those hooked on a rollback or a failure (``deploy:reverted``,
        ``deploy:failed``), then the repo's own tasks a person runs: walked with no flow point."""
        for hook in self.hooks:
            if hook.point not in self.done:
                target = qualify(hook.ns, hook.target, self.tasks) if hook.ns else hook.target
                self.run(target, Ctx(hook=f"{hook.when} {hook.point}"), (hook.file, hook.line))
        for name, task in self.tasks.items():
            if name not in self.done and any(isinstance(a, Body) for a in task.actions):
                self.run(name, Ctx())

    def run(self, name: str, ctx: Ctx, via: tuple[str, int] | None = None) -> None:
        if name in self.done or len(self.stack) >= MAX_DEPTH:
            return
        self.done.add(name)
        task = self.tasks.get(name)
        if task is None and via is not None and not self._hooked(name):
            self.emit.out.append(base.warning(Src(NAME, *via), f"runs task {name!r}, which no file of the repo or "
                                              "known plugin defines: what it does is not known"))
        ctx = replace(ctx, task=name, phase=ctx.phase)
        self.stack.append(name)
        try:
            self._hooks("before", name, ctx)
            for dep in task.deps if task else ():
                self.run(dep, ctx, task.line if task else None)
            for action in task.actions if task else ():
                if isinstance(action, Invoke):
                    self.run(action.task, ctx)
                elif isinstance(action, Implied):
                    self._implied(action, ctx)
                else:
                    roles = action.roles
                    start = replace(ctx, roles=roles, roles_line=action.line) if roles else ctx
                    self._body(action.rf, action.file, action.node, start, action.ns, 0)
            self._hooks("after", name, ctx)
        finally:
            self.stack.pop()

    def _hooked(self, name: str) -> bool:
        return any(h.point == name for h in self.hooks)

    def _hooks(self, when: str, point: str, ctx: Ctx) -> None:
        for hook in self.hooks:
            if hook.when == when and hook.point == point:
                target = qualify(hook.ns, hook.target, self.tasks) if hook.ns else hook.target
                self.run(target, replace(ctx, hook=f"{when} {point}"), (hook.file, hook.line))

    def _implied(self, action: Implied, ctx: Ctx) -> None:
        fields = dict(action.fields)
        if action.host_reason is not None:
            self.emit.host(action.command, action.src, action.host_reason, ctx, **fields)
        else:
            app = replace(ctx, cwd=ctx.cwd or self.v.path("release_path"))
            self.emit.command(action.command, action.src, app, f"{ctx.task} (plugin)", env=action.env, extra=fields)

    # task bodies ---------------------------------------------------------------------------------

    def _body(self, rf: RubyFile, file: str, body: Any, ctx: Ctx, ns: str, depth: int) -> None:
        if body is None:
            return
        if depth > MAX_DEPTH:
            self.emit.out.append(base.warning(Src(NAME, file, rf.line(body)), f"blocks nested more than {MAX_DEPTH} "
                                              "deep; the rest of this task is not read"))
            return
        for child in body.named_children:
            self.budget -= 1
            if self.budget < 0:
                if self.budget == -1:
                    self.emit.out.append(base.warning(Src(NAME, file), f"stopped after {_BUDGET} statements; "
                                                      "the tasks are only partly analyzed"))
                return
            call = rf.call(child) if child.type in ("call", "identifier") else None
            if call is None:
                if child.type not in ("comment", "string", "simple_symbol", "integer"):
                    self._body(rf, file, child, ctx, ns, depth + 1)  # if/unless/case/assignments/begin
                continue
            self._call(rf, file, call, ctx, ns, depth)

    def _call(self, rf: RubyFile, file: str, call: rb.Call, ctx: Ctx, ns: str, depth: int) -> None:
        method = call.method
        src = Src(NAME, file, call.line)
        receiver = rf.text(call.receiver) if call.receiver is not None else None
        if receiver is not None and receiver.startswith(("Rake::Task[", "::Rake::Task[")) and method in (
                "invoke", "execute", "invoke!"):
            keys = call.receiver.named_children if call.receiver is not None else []
            target = rb.text_of(rf.value(keys[-1])) if keys else None
            if target is not None:
                self._invoke(target, ns, ctx, src, depth)
            return
        inner = ctx
        if receiver is None and method == "on" and call.args:
            inner = replace(ctx, roles=self._roles(rf, call), roles_line=call.line, local=False)
        elif receiver is None and method == "run_locally":
            inner = replace(ctx, local=True, roles=None)
        elif receiver is None and method == "within" and call.args:
            inner = replace(ctx, cwd=cd(ctx.cwd, render(self.v.eval(call.args[0], rf))))
        elif receiver is None and method == "with":
            env = self.v.eval(call.args[0], rf) if call.args else {}
            pairs = {k: self.v.eval(n, rf) for k, n in call.kwargs.items()}
            pairs.update(env if isinstance(env, dict) else {})
            for key, val in pairs.items():
                found = base.check_assignment(src, key.upper(), val) if isinstance(val, str) else None
                if found is not None:  # with secret_key_base: "..." hard-codes the secret in the deploy script
                    self.emit.secret_values.add(val)
                    self.emit.out.append(found)
            inner = replace(ctx, env=(*ctx.env, *((k.upper(), render(val)) for k, val in pairs.items())))
        elif receiver is None and method == "as":
            user = self.v.eval(call.args[0], rf) if call.args else self.v.eval(call.kwargs["user"], rf) \
                if "user" in call.kwargs else None
            inner = replace(ctx, user=known(user.get("user") if isinstance(user, dict) else user) or ctx.user)
        elif receiver is None and method in _COMMANDS:
            self._command(rf, call, src, ctx)
            return
        elif receiver is None and method in ("invoke", "invoke!") and call.args:
            target = rb.text_of(rf.arg(call, 0))
            if target is not None:
                self._invoke(target, ns, ctx, src, depth)
            return
        elif receiver is None and method == "test" and call.args:
            command = self._argv(rf, call)
            self.emit.host(f"test {command}", src, "a condition checked on the hosts: it only decides which of the "
                                                   "task's commands run", ctx)
            return
        elif receiver is None and method in ("upload!", "upload", "put", "download!", "download", "top.upload"):
            self._upload(rf, call, src, ctx)
            return
        elif receiver is None and method in self.helpers and method not in self.stack and not call.block:
            helper = self.helpers[method]
            args = [self.v.eval(a, rf) for a in call.args]
            saved = self.v.scope
            self.v.scope = dict(zip(helper.params, args, strict=False))
            self.stack.append(method)
            try:
                self._body(helper.rf, helper.file, helper.node, ctx, ns, depth + 1)
            finally:
                self.stack.pop()
                self.v.scope = saved
            return
        elif method in _SILENT and receiver is None:
            return
        block = call.block
        if block is None and method == "on" and call.args:
            # on roles(:web) { ... }: Ruby binds the braces to roles(); the intent is on's block
            first = rf.call(call.args[0])
            block = first.block if first is not None else None
        if block is not None:
            self._body(rf, file, block, inner, ns, depth + 1)

    def _invoke(self, target: str, ns: str, ctx: Ctx, src: Src, depth: int) -> None:
        name = target.lstrip(":")
        if ":" not in name and ns and f"{ns}:{name}" in self.tasks:
            name = f"{ns}:{name}"
        self.run(name, ctx, (src.file, src.line or 0))

    def _roles(self, rf: RubyFile, call: rb.Call) -> tuple[str, ...] | None:
        first = call.args[0]
        inner = rf.call(first)
        if inner is not None and inner.method in ("roles", "release_roles", "primary") and inner.receiver is None:
            names = [r for a in inner.args for r in _names(self.v.eval(a, rf))]
            return tuple(names) or None
        value = self.v.eval(first, rf)
        if isinstance(value, rb.Symbol) and value.name == "local":
            return None
        return tuple(_names(value)) or None

    def _argv(self, rf: RubyFile, call: rb.Call) -> str:
        values = [self.v.eval(a, rf) for a in call.args]
        words: list[str] = []
        for i, value in enumerate(values):
            if isinstance(value, dict):
                continue  # execute ..., raise_on_non_zero_exit: false
            if i == 0 and isinstance(value, rb.Symbol) and self.bundler and value.name in BUNDLE_BINS:
                words.append(f"bundle exec {value.name}")
            else:
                words.append(render(value))
        return " ".join(w for w in words if w)

    def _command(self, rf: RubyFile, call: rb.Call, src: Src, ctx: Ctx) -> None:
        method = call.method
        if not call.args:
            return
        first = self.v.eval(call.args[0], rf)
        raw = len(call.args) == 1 and isinstance(first, str)
        text = self._argv(rf, call)
        if method == "rake":
            text = ("bundle exec rake " if self.bundler else "rake ") + text
        if method == "sudo":
            text = "sudo " + text
        # SSHKit runs a command given as one string as it is: within/with/as do not apply to it
        run_ctx = replace(ctx, cwd=None, env=(), user=None) if raw and self.version >= 3 and method != "rake" else ctx
        self.emit.command(text, src, run_ctx, f"{method}()")

    def _upload(self, rf: RubyFile, call: rb.Call, src: Src, ctx: Ctx) -> None:
        values = [self.v.eval(a, rf) for a in call.args[:2]]
        local = values[0] if values else None
        remote = render(values[1]) if len(values) > 1 else None
        local_text = render(local) if isinstance(local, str) else "(generated content)"
        if isinstance(local, Opaque) and local.name != "new":  # StringIO.new(...): content made by the task
            local_text = f"({local.name})"
        down = call.method.startswith("download")
        reason = ("file copied from the hosts: nothing to do in the image" if down else
                  "file copied to the hosts: the image or a ConfigMap carries it")
        command = " ".join(p for p in (call.method, local_text, remote) if p)
        self.emit.host(command, src, reason, ctx, local_path=local_text, remote_path=remote,
                       repo_file=self.emit.repo_file(local) if isinstance(local, str) and not down else None)


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    text = value.name if isinstance(value, rb.Symbol) else value if isinstance(value, str) else None
    return [text] if text else []
