"""Capistrano 3 (and 2) deploy configurations: the deploy knowledge of Rails apps deployed to hosts.

Read through tree-sitter-ruby (:mod:`analyzers.lib.rb`), never run. The ``Capfile`` names the plugins
(:mod:`.plugins`: what ``capistrano/rails``, ``bundler``, ``puma``, ``sidekiq``, ``whenever`` ... run and
when) and imports task files; ``config/deploy.rb`` and one stage file (``config/deploy/production.rb``
wins; the report says which and why) set the variables (:mod:`.values`), servers and roles, tasks and
hooks (:mod:`.config`). The deploy flow is walked in order (:mod:`.walk`), every command handed to
:func:`analyzers.deploy.deploy_commands.interpret` (:mod:`.emit`); the variables become the app dir,
linked files and dirs, env vars and secrets (:mod:`.settings`), the plugins' app servers processes with
replicas hints from the hosts of their roles (:mod:`.apps`). Every finding cites its file and line; no
secret value leaves (literals are scrubbed, known secret values cut out).

Detection is cheap: a ``Capfile``, or a ``config/deploy.rb`` that calls ``lock`` or sets Capistrano's
keys and is not Mina's (:mod:`analyzers.deploy.mina` reads that one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.deploy.capistrano import apps, settings
from analyzers.deploy.capistrano.config import Loaded, Reader, stage_files
from analyzers.deploy.capistrano.emit import Emitter, dedupe
from analyzers.deploy.capistrano.model import NAME as NAME
from analyzers.deploy.capistrano.model import Implied, Invoke, Task
from analyzers.deploy.capistrano.plugins import install
from analyzers.deploy.capistrano.values import Vars, known
from analyzers.deploy.capistrano.walk import Walker
from migrator.repo import RepoView

_CAP_KEYS = re.compile(r"^\s*(lock\s|set\s+:(repo_url|deploy_to|linked_files|linked_dirs|keep_releases|application)"
                       r"\b|server\s+['\"]|role\s+:)", re.M)
_MINA = re.compile(r"^\s*require\s+['\"]mina/", re.M)
_CAP2 = re.compile(r"^\s*(load\s+['\"]deploy['\"]|require\s+['\"](capistrano/ext/multistage|bundler/capistrano)"
                   r"['\"])", re.M)
_PREFERRED = ("production", "prod", "live", "main")
DEPLOY_RB = "config/deploy.rb"
_CORE3 = {"deploy:starting": ("deploy:check", "deploy:set_shared_assets"),
          "deploy:updating": ("deploy:new_release_path", "git:create_release", "deploy:set_current_revision",
                              "deploy:symlink:shared"),
          "deploy:publishing": ("deploy:symlink:release",),
          "deploy:finishing": ("deploy:cleanup",),
          "deploy:finished": ("deploy:log_revision",)}


def detect(repo: RepoView) -> bool:
    if repo.exists("Capfile"):
        return True
    if not repo.exists(DEPLOY_RB):
        return False
    text = repo.read_text(DEPLOY_RB) or ""
    return not _MINA.search(text) and bool(_CAP_KEYS.search(text))


def choose_stage(stages: list[str]) -> tuple[str | None, str]:
    """The stage whose values the report uses, and why."""
    if not stages:
        return None, "no stage file: config/deploy.rb alone"
    pick = next((s for p in _PREFERRED for s in stages if s == p), None)
    others = [s for s in stages if s != pick]
    if pick is not None:
        return pick, (f"{pick} is the stage the cluster replaces" + (f" (over {', '.join(others)})" if others else ""))
    if len(stages) == 1:
        return stages[0], f"{stages[0]} is the only stage"
    pick = sorted(stages)[0]
    return pick, f"no production stage; {pick} is the first of {', '.join(sorted(stages))} (set it in migrate.toml)"


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings from the repo's Capistrano configuration (empty when there is none)."""
    if not detect(repo):
        return
    loaded = Loaded()
    reader = Reader(repo, loaded)
    capfile = reader.read("Capfile", ops_of="common") if repo.exists("Capfile") else None
    reader.read(DEPLOY_RB, ops_of="common")
    stages = {f.rsplit("/", 1)[-1].removesuffix(".rb"): f for f in stage_files(repo)}
    stage, why = choose_stage(sorted({*stages, *loaded.stage_bodies}))
    if stage is not None and stage in stages:
        reader.read(stages[stage], ops_of="stage")
    text = (repo.read_text("Capfile") or "") if capfile is not None else ""
    version = 2 if _CAP2.search(text) or (not loaded.locked and _CAP2.search(repo.read_text(DEPLOY_RB) or "")) else 3
    yield from _deploy(repo, loaded, stage, why, version)


def _deploy(repo: RepoView, loaded: Loaded, stage: str | None, why: str, version: int) -> Iterator[Item]:
    v = Vars({"stage": stage} if stage else {})
    ops = [*loaded.ops.get("common", []), *loaded.ops.get("stage", [])]
    servers = [*loaded.servers.get("common", []), *loaded.servers.get("stage", [])]
    for rel, file_ops in loaded.ops.items():
        if rel not in ("common", "stage"):
            ops += file_ops  # an imported file's top-level set: counts like deploy.rb's
    for rel, more in loaded.servers.items():
        if rel not in ("common", "stage"):
            servers += more
    body = loaded.stage_bodies.get(stage or "")
    if body is not None:  # Capistrano 2: task :production do role ...; set ... end
        inner = Loaded()
        Reader(repo, inner)._body(body.rf, body.file, body.node, "", 0, "stage")
        ops += inner.ops.get("stage", [])
        servers += inner.servers.get("stage", [])
    for op in ops:
        v.add(op)
    anchor = Src(NAME, DEPLOY_RB if repo.exists(DEPLOY_RB) else "Capfile")
    db = settings.primary(servers, known(v.get("migration_role")) or "db")
    plugins = install(loaded.requires, v, db.host if db else None, version)
    for name in loaded.cleared:  # the repo replaced a plugin's task: its own body (if any) is what runs
        if name in plugins.tasks:
            plugins.tasks[name].actions.clear()
    tasks = _merge(plugins.tasks, loaded.tasks, version, v, anchor)
    emitter = Emitter(repo)
    items: list[Item] = list(loaded.items)
    items += settings.secrets(ops, repo, emitter.secret_values)
    for key, src in plugins.unknown:
        items.append(base.warning(src, f"Capistrano plugin {key!r} is not known: the tasks it adds are not analyzed"))
    walker = Walker(v, tasks, [*plugins.hooks, *loaded.hooks], loaded.helpers, emitter, bundler=plugins.bundler,
                    version=version)
    try:
        walker.flow()
        walker.by_hand()
    except RecursionError:
        items.append(base.warning(anchor, "tasks nested too deeply to follow; deploy flow only partly analyzed"))
    items += emitter.out
    stage_src = Src(NAME, f"config/deploy/{stage}.rb") if stage and repo.exists(f"config/deploy/{stage}.rb") else anchor
    items.append(base.runtime(stage_src, base.D, deploy_tool=f"capistrano {version}", deploy_stage=stage,
                              deploy_stage_reason=why, application=known(v.get("application")),
                              branch=known(v.get("branch")), repo_url=known(v.get("repo_url") or v.get("repository"))))
    items += settings.app_dir(v, anchor)
    items += settings.linked_files(repo, v, anchor)
    items += settings.linked_dirs(v, anchor)
    items += settings.default_env(v, anchor)
    rails = any(k.startswith(("capistrano/rails", "deploy/assets")) for k in plugins.active)
    items += settings.rails_env(v, rails, next((s for k, s in plugins.active.items() if "rails" in k), anchor))
    items += apps.processes(plugins, v, repo, servers, emitter.process_roles)
    yield from dedupe([emitter.clean(i) for i in items])


def _merge(plugin: dict[str, Task], user: dict[str, Task], version: int, v: Vars, anchor: Src) -> dict[str, Task]:
    """Plugin tasks, then the repo's own bodies appended (Rake appends a redefinition's actions)."""
    out = {name: Task(name, list(t.actions), list(t.deps), t.line) for name, t in plugin.items()}
    if version >= 3:
        # Capistrano 3's own tasks inside the flow points: hooks on them run there (they add no command
        # of their own: checkout, symlinks and cleanup are the image's and the cluster's business)
        for point, inner in _CORE3.items():
            core = out.setdefault(point, Task(point))
            core.actions[:0] = [Invoke(t) for t in inner]
            for name in inner:
                out.setdefault(name, Task(name))
    if version == 2:
        # Capistrano 2's built-in deploy:migrate runs only when a hook or deploy:migrations asks for it
        env = known(v.get("rails_env")) or "production"
        update = out.setdefault("deploy:update_code", Task("deploy:update_code"))
        update.actions.append(Invoke("deploy:finalize_update"))
        out.setdefault("deploy:migrate", Task("deploy:migrate")).actions.append(
            Implied("bundle exec rake db:migrate", anchor, env=(("RAILS_ENV", env),), fields=(("runs_once", True),)))
        out.setdefault("deploy:cleanup", Task("deploy:cleanup")).actions.append(
            Implied("deploy:cleanup", anchor, "old releases pruned on the hosts: the cluster keeps old ReplicaSets"))
    for name, task in user.items():
        mine = out.setdefault(name, Task(name, line=task.line))
        mine.actions += task.actions
        mine.deps += task.deps
        mine.line = mine.line or task.line
    return out
