"""The ``deploy`` task walked as ``dep deploy`` would run it: each task's ``before`` hooks, then its own
body (the repo's, which replaces a recipe's task of that name) or its group's tasks in order, or what the
recipe's task runs (:func:`analyzers.deploy.deployer.recipes.implied`), then its ``after`` hooks. Every
command goes to the capistrano :class:`~analyzers.deploy.capistrano.emit.Emitter` (the shared placement
of deploy commands: split, ``cd``, classified by the providers), with the task, its roles
(``->onRoles()``, ``->select('role=...')``), local runs and the hook that ran it. ``fail()`` targets run
only when a deploy fails; the repo's tasks no deploy reaches are reported as run by hand.
"""

from __future__ import annotations

from dataclasses import replace

from analyzers import base
from analyzers.base import Src
from analyzers.deploy.capistrano.emit import Emitter
from analyzers.deploy.capistrano.model import Ctx
from analyzers.deploy.deployer import recipes
from analyzers.deploy.deployer.model import NAME, Config, Invoke, Run, Task, Upload
from analyzers.deploy.deployer.values import Vars

_MAX_DEPTH = 40
_UPLOAD = "files copied to the hosts: the image carries the repo's files (a file made outside the repo is a Secret)"


class Walker:
    def __init__(self, config: Config, v: Vars, version: int, emitter: Emitter, anchor: Src) -> None:
        self.config = config
        self.v = v
        self.version = version
        self.emit = emitter
        self.anchor = anchor
        self.stack: list[str] = []
        self.seen: set[str] = set()
        self.groups: dict[str, tuple[str, ...]] = {}
        self.deploy: tuple[str, ...] | None = None
        self.deploy_src = anchor
        for name, line in config.recipes:
            found = recipes.recipe(name, version)
            if found is not None:
                self.groups.update(found.groups)
                if found.deploy is not None:
                    self.deploy, self.deploy_src = found.deploy, Src(NAME, config.file, line)
        common = recipes.recipe("common", version)
        for name, group in (common.groups if common else {}).items():
            self.groups.setdefault(name, group)
        if self.deploy is None and version < 7 and any(n == "common" for n, _ in config.recipes):
            self.deploy = recipes.V6_COMMON

    def flow(self) -> None:
        self.task("deploy", Ctx(phase="deploy"), self.deploy_src)
        for hook in self.config.hooks:
            if hook.when == "fail":
                self.task(hook.target, Ctx(hook=f"when {hook.point} fails"), Src(NAME, hook.file, hook.line))

    def by_hand(self) -> None:
        hooked = {h.target for h in self.config.hooks}
        for name, task in self.config.tasks.items():
            if name not in self.seen and name not in hooked:
                self.task(name, Ctx(), Src(NAME, task.file, task.line))

    def task(self, name: str, ctx: Ctx, via: Src) -> None:
        if name in self.stack or len(self.stack) > _MAX_DEPTH:
            return
        self.seen.add(name)
        self.stack.append(name)
        try:
            for hook in self.config.hooks:
                if hook.when == "before" and hook.point == name:
                    self.task(hook.target, replace(ctx, hook=f"before {name}"), Src(NAME, hook.file, hook.line))
            self._run(name, ctx, via)
            for hook in self.config.hooks:
                if hook.when == "after" and hook.point == name:
                    self.task(hook.target, replace(ctx, hook=f"after {name}"), Src(NAME, hook.file, hook.line))
        finally:
            self.stack.pop()

    def _run(self, name: str, ctx: Ctx, via: Src) -> None:
        task = self.config.tasks.get(name)
        if task is not None:
            self._own(task, ctx)
            return
        if name == "deploy" and self.deploy is not None:
            for member in self.deploy:
                self.task(member, ctx, via)
            return
        if name in self.groups:
            for member in self.groups[name]:
                self.task(member, ctx, via)
            return
        here = replace(ctx, task=name)
        known = {k: self.v.get(k) for k in ("bin/console", "composer_options", "yii_recipe")}
        found = recipes.implied(name, self.version, known)
        if isinstance(found, recipes.Host):
            self.emit.host(found.command, via, found.reason, here)
        elif found is not None:
            self.emit.command(self.v.render(found), via, replace(here, cwd=None), f"deployer task {name}")
        elif name not in recipes.STRUCTURAL and not (name == "deploy:prepare" and self.version < 7) \
                and name != "deploy":
            self.emit.out.append(base.warning(via, f"runs task {name!r}, which neither the repo nor a known Deployer "
                                              "recipe defines: what it does is not known"))

    def _own(self, task: Task, ctx: Ctx) -> None:
        roles = task.roles or _roles(task.select)
        here = replace(ctx, task=task.name, roles=roles or ctx.roles, local=ctx.local or task.local)
        for member in task.group or ():
            line = task.group_lines.get(member, task.line)
            self.task(member, here, Src(NAME, task.file, line))
        for action in task.actions:
            src = Src(NAME, action.file, action.line)
            if isinstance(action, Run):
                at = replace(here, local=here.local or action.local,
                             cwd=self.v.render(action.cwd) if action.cwd else None)
                extra = {"runs_once": True} if task.once else None
                self.emit.command(self.v.render(action.command), src, at, f"deployer task {task.name}", extra=extra)
            elif isinstance(action, Invoke):
                self.task(action.task, here, src)
            elif isinstance(action, Upload):
                self.emit.host(f"upload {self.v.render(action.source)} {self.v.render(action.dest)}", src, _UPLOAD,
                               here)


def _roles(select: str | None) -> tuple[str, ...]:
    """``->select('role=worker')`` (Deployer 7's selector; ``stage=prod`` picks hosts, not roles)."""
    if not select:
        return ()
    out = []
    for part in select.replace("&", ",").split(","):
        key, _, value = part.strip().partition("=")
        if key.strip() in ("role", "roles") and value:
            out.append(value.strip())
    return tuple(out)

