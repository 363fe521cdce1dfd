"""What each Capistrano plugin required in the ``Capfile`` implies: its tasks (the commands they run on the
hosts, each cited at the ``require`` line), the hooks that put them in the deploy flow, and the
processes it starts (Puma's web server, Sidekiq's workers, Unicorn).

The commands are those the plugins' own tasks run (capistrano-rails: ``rake db:migrate`` on the primary
``db`` server after ``deploy:updated``, ``rake assets:precompile``; capistrano-bundler: ``bundle install``
before ``deploy:updated``; capistrano3-puma: ``pumactl ... restart`` after ``deploy:finished``; ...), so the
step rules classify them like any other deploy command. A required plugin this table does not know is a
warning: its tasks are not known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analyzers.base import Src
from analyzers.deploy.capistrano.model import NAME, Hook, Implied, Invoke, Task
from analyzers.deploy.capistrano.values import Vars, known, render

RESTART = "app server restart on the hosts: a new image rolls out the Deployment instead"
_WORKER_RESTART = "worker restart on the hosts: a new image rolls out the worker Deployment instead"
_RUBY_MANAGER = "ruby version manager on the hosts: the image's ruby is the version (see the ruby runtime)"
_NOTIFY = "deploy notification: the CI/CD pipeline that rolls out the image notifies instead"
# Binaries capistrano-bundler runs through ``bundle exec`` when a task says ``execute :rake``.
BUNDLE_BINS = frozenset({"gem", "rake", "rails", "puma", "pumactl", "sidekiq", "sidekiqctl", "unicorn", "thin",
                         "whenever", "rackup", "foreman"})
# Requires that add no deploy step (the core, the multistage loader, consoles, loggers).
_INERT = frozenset({"capistrano/setup", "capistrano/deploy", "capistrano/framework", "capistrano/ext/multistage",
                    "capistrano/rails/console", "capistrano/console", "capistrano/maintenance",
                    "capistrano/bundle_rsync", "capistrano/scm/plugin", "capistrano/rails/collection",
                    "capistrano/rails/db", "capistrano/dsl", "rubygems", "bundler/setup", "capistrano/local_precompile",
                    "capistrano/sshkit", "sshkit/dsl", "capistrano/all", "capistrano/version", "deploy"})


@dataclass
class Installed:
    """The plugins' contribution: tasks, hooks (before the user's, as the Capfile loads first), what
    ``execute :rake`` becomes, and the processes the plugins run."""

    tasks: dict[str, Task] = field(default_factory=dict)
    hooks: list[Hook] = field(default_factory=list)
    active: dict[str, Src] = field(default_factory=dict)  # plugin -> its require line
    bundler: bool = False
    version: int = 3
    unknown: list[tuple[str, Src]] = field(default_factory=list)

    def add(self, name: str, *actions: Implied | Invoke) -> None:
        self.tasks.setdefault(name, Task(name)).actions.extend(actions)

    def hook(self, when: str, point: str, target: str, src: Src) -> None:
        self.hooks.append(Hook(when, point, target, src.file, src.line or 0))


def _rails_env(v: Vars) -> str:
    return render(v.get("rails_env")) or render(v.get("stage")) or "production"


def _rake(command: str, v: Vars, src: Src, **fields: Any) -> Implied:
    return Implied(command, src, env=(("RAILS_ENV", _rails_env(v)),), fields=tuple(fields.items()))


def _roles(value: object, default: str) -> str:
    names = [render(x) for x in value] if isinstance(value, list) else [render(value)] if value else []
    return ",".join(n for n in names if n) or default


def _migrations(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    role = _roles(v.get("migration_role"), "db")
    note = f"Capistrano runs it once per deploy, on the primary server of role {role}" + (
        f" ({primary})" if primary else "")
    p.add("deploy:migrate", _rake("bundle exec rake db:migrate", v, src, runs_once=True, note=note, roles=role))
    p.hook("after", "deploy:updated", "deploy:migrate", src)


def _assets(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    p.add("deploy:assets:precompile", _rake("bundle exec rake assets:precompile", v, src,
                                            roles=_roles(v.get("assets_roles"), "web")))
    p.add("deploy:assets:backup_manifest", Implied(
        "cp public/assets/.sprockets-manifest*.json assets_manifest_backup", src,
        "asset manifest kept across releases on the hosts: each image carries its own assets"))
    p.add("deploy:compile_assets", Invoke("deploy:assets:precompile"), Invoke("deploy:assets:backup_manifest"))
    p.hook("after", "deploy:updated", "deploy:compile_assets", src)
    if v.get("keep_assets") is not None:
        p.add("deploy:cleanup_assets", Implied("bundle exec rake assets:clean", src,
                                               "old compiled assets pruned on the hosts: each image has its own"))
        p.hook("after", "deploy:updated", "deploy:cleanup_assets", src)


def _bundler(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    p.bundler = True
    flags = render(v.get("bundle_flags")) or "--deployment --quiet"
    without = render(v.get("bundle_without")) or "development test"
    p.add("bundler:install", Implied(f"bundle install {flags} --without {without}".replace("  ", " "), src))
    p.hook("before", "deploy:updated", "bundler:install", src)


def _ruby_manager(tool: str) -> Callable[[Installed, Vars, Src, str | None], None]:
    def install(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
        p.add(f"{tool}:map_bins", Implied(f"{tool}:map_bins", src, f"{_RUBY_MANAGER} ({tool})"))
        p.hook("before", "deploy:starting", f"{tool}:map_bins", src)

    return install


def _puma(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    unit = known(v.get("puma_service_unit_name"))
    state = render(v.get("puma_state")) or v.path("shared_path") + "/tmp/pids/puma.state"  # noqa: S108 - on the hosts
    for verb in ("start", "stop", "restart", "phased-restart", "smart_restart", "reload"):
        command = f"systemctl {verb.replace('smart_', '').replace('phased-', '')} {unit}" if unit else \
            f"bundle exec pumactl -S {state} {verb.replace('smart_', '')}"
        p.add(f"puma:{verb}", Implied(command, src, RESTART))
    p.hook("after", "deploy:finished", "puma:smart_restart", src)


def _sidekiq(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    unit = known(v.get("sidekiq_service_unit_name"))
    plain = {"quiet": "bundle exec sidekiqctl quiet", "stop": "bundle exec sidekiqctl stop",
             "start": "bundle exec sidekiq --daemon",
             "restart": "bundle exec sidekiqctl stop; bundle exec sidekiq --daemon"}
    for verb in ("quiet", "stop", "start", "restart"):
        command = f"systemctl {'kill -s TSTP' if verb == 'quiet' else verb} {unit}" if unit else plain[verb]
        p.add(f"sidekiq:{verb}", Implied(command, src, _WORKER_RESTART))
    p.hook("after", "deploy:starting", "sidekiq:quiet", src)
    p.hook("after", "deploy:updated", "sidekiq:stop", src)
    p.hook("after", "deploy:published", "sidekiq:start", src)


def _passenger(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    app = v.path("deploy_to")
    p.add("passenger:restart", Implied(f"passenger-config restart-app {app} --ignore-app-not-running", src, RESTART))
    p.hook("after", "deploy:publishing", "passenger:restart", src)


def _whenever(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    ident = render(v.get("whenever_identifier")) or render(v.get("application")) or "app"
    p.add("whenever:update_crontab", Implied(
        f"bundle exec whenever --update-crontab {ident} --set environment={_rails_env(v)}", src,
        "crontab install on the hosts: the CronJobs read from config/schedule.rb replace it"))
    p.hook("after", "deploy:updated" if p.version >= 3 else "deploy:finalize_update", "whenever:update_crontab", src)


def _node_install(tool: str) -> Callable[[Installed, Vars, Src, str | None], None]:
    def install(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
        flags = render(v.get(f"{tool}_flags")) or "--production --silent --no-progress"
        p.add(f"{tool}:install", Implied(f"{tool} install {flags}", src))
        p.hook("before", "deploy:updated", f"{tool}:install", src)

    return install


def _git(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    url = known(v.get("repo_url")) or known(v.get("repository")) or "${repo_url}"
    p.add("git:clone", Implied(f"git clone --mirror {url} {v.path('repo_path')}", src))
    p.add("git:update", Implied("git remote update --prune", src))
    p.hook("before", "deploy:updating", "git:clone", src)
    p.hook("before", "deploy:updating", "git:update", src)


def _slack(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    p.add("slack:deploy:finished", Implied("slack:deploy:finished", src, _NOTIFY))
    p.hook("after", "deploy:finished", "slack:deploy:finished", src)


def _unicorn(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    p.add("unicorn:reload", Implied("kill -s USR2 $(cat tmp/pids/unicorn.pid)", src, RESTART))


def _cap2_assets(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    p.add("deploy:assets:precompile", _rake("bundle exec rake assets:precompile", v, src))
    p.hook("after", "deploy:update_code", "deploy:assets:precompile", src)


def _cap2_bundler(p: Installed, v: Vars, src: Src, primary: str | None) -> None:
    p.bundler = True
    p.add("bundle:install", Implied("bundle install --deployment --quiet --without development test", src))
    p.hook("after", "deploy:finalize_update", "bundle:install", src)


_Install = Callable[[Installed, Vars, Src, str | None], None]
PLUGINS: dict[str, tuple[_Install, ...]] = {
    "capistrano/rails": (_bundler, _migrations, _assets),
    "capistrano/rails/migrations": (_migrations,),
    "capistrano/rails/assets": (_assets,),
    "capistrano/bundler": (_bundler,),
    "capistrano/rbenv": (_ruby_manager("rbenv"),),
    "capistrano/rvm": (_ruby_manager("rvm"),),
    "capistrano/chruby": (_ruby_manager("chruby"),),
    "capistrano/puma": (_puma,),
    "capistrano/sidekiq": (_sidekiq,),
    "capistrano/passenger": (_passenger,),
    "whenever/capistrano": (_whenever,),
    "capistrano/yarn": (_node_install("yarn"),),
    "capistrano/npm": (_node_install("npm"),),
    "capistrano/scm/git": (_git,),
    "slackistrano": (_slack,),
    "slackistrano/capistrano": (_slack,),
    "capistrano3/unicorn": (_unicorn,),
    "capistrano/unicorn_nginx": (_unicorn,),
    # Capistrano 2
    "bundler/capistrano": (_cap2_bundler,),
    "deploy/assets": (_cap2_assets,),
    "rvm/capistrano": (_ruby_manager("rvm"),),
    "capistrano-rbenv": (_ruby_manager("rbenv"),),
}
# A plugin's sub-requires (``capistrano/puma/workers``) belong to the plugin.
_FAMILY = ("capistrano/puma", "capistrano/sidekiq", "capistrano/rails", "capistrano/passenger")


def install(requires: list[tuple[str, str, int]], v: Vars, primary: str | None, version: int = 3) -> Installed:
    """The plugins of ``requires`` ((name, file, line) in load order) installed against ``v``."""
    p = Installed(version=version)
    done: set[_Install] = set()
    for name, file, line in requires:
        src = Src(NAME, file, line)
        key = name.removesuffix(".rb").lstrip("./")
        family = next((f for f in _FAMILY if key.startswith(f + "/") and key not in PLUGINS), None)
        if key in p.active or (family is not None and family in p.active):
            continue
        steps = PLUGINS.get(key)
        if steps is None and family is not None:
            p.active[key] = src  # capistrano/puma/nginx, capistrano/sidekiq/monit: host config of a known plugin
            continue
        if steps is None:
            if key not in _INERT and "capistrano" in key:
                p.unknown.append((key, src))
            continue
        p.active[key] = src
        for step in steps:
            if step not in done:  # capistrano/rails installs bundler, and so may the Capfile again
                done.add(step)
                step(p, v, src, primary)
    return p
