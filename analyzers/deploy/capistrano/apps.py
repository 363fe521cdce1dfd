"""The processes Capistrano's app-server plugins run on the hosts, as the image runs them: capistrano3-puma's
web server (``bundle exec puma -C config/puma.rb``: the hosts' ``<shared>/puma.rb`` is written from the
plugin's template, the repo's own config is what the image has), capistrano-sidekiq's workers
(``:sidekiq_config``, ``:sidekiq_processes`` per host, ``:sidekiq_roles``), capistrano3-unicorn; and the
replicas each role's hosts hint at (HEURISTIC: the cluster's load decides).
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzers import base
from analyzers.base import I, Item, Src
from analyzers.commands import meaning
from analyzers.deploy.capistrano.model import NAME, Server
from analyzers.deploy.capistrano.plugins import Installed
from analyzers.deploy.capistrano.settings import replicas_hint
from analyzers.deploy.capistrano.values import Vars, known, render
from analyzers.deploy.deploy_commands import parse_at
from migrator.model import Finding
from migrator.repo import RepoView

_WEB_PLUGINS = ("capistrano/puma", "capistrano3/unicorn", "capistrano/unicorn_nginx", "capistrano/passenger",
                "capistrano/rails", "capistrano/rails/migrations", "capistrano/rails/assets", "deploy/assets")


def _in_release(path: str | None, v: Vars, repo: RepoView) -> str | None:
    """``path`` relative to the app dir when it is a file of the release (so of the repo)."""
    if not path:
        return None
    for root in (v.path("release_path"), v.path("current_path")):
        if path.startswith(root + "/"):
            path = path[len(root) + 1:]
    return path if not path.startswith("/") and "${" not in path and repo.exists(path) else None


def _process(command: str, src: Src, v: Vars, role: str, default_key: str, origin: str, **fields: object) -> Finding:
    parsed = parse_at(command, src, cwd=v.path("current_path"), origin=origin)
    info = meaning(parsed)
    found = base.process(info.name or default_key, src, I, role=role, command=info.text or command,
                         app_server=info.server, **fields)  # type: ignore[arg-type]
    return base.stating(found, parsed, info)


def processes(p: Installed, v: Vars, repo: RepoView, servers: list[Server],
              process_roles: dict[str, tuple[tuple[str, ...], str, int]]) -> Iterator[Item]:
    web_key: str | None = None
    if "capistrano/puma" in p.active:
        src = p.active["capistrano/puma"]
        conf = _in_release(known(v.get("puma_conf")), v, repo) or ("config/puma.rb" if repo.exists("config/puma.rb")
                                                                    else None)
        command = f"bundle exec puma -C {conf}" if conf else "bundle exec puma"
        found = _process(command, src, v, "web", "web", "capistrano/puma",
                         note="capistrano3-puma starts it on the hosts with <shared>/puma.rb, written from the "
                              "plugin's template; the image runs the repo's config")
        web_key = found.key
        yield found
        if known(v.get("puma_bind")):
            yield base.warning(src, f"puma_bind is {render(v.get('puma_bind'))!r} on the hosts (behind nginx); the "
                                    "pod listens on a TCP port instead")
    for plugin in ("capistrano3/unicorn", "capistrano/unicorn_nginx"):
        if plugin in p.active:
            src = p.active[plugin]
            env = render(v.get("rails_env")) or render(v.get("stage")) or "production"
            conf = _in_release(known(v.get("unicorn_config_path")), v, repo)
            conf = conf or next((c for c in (f"config/unicorn/{env}.rb", "config/unicorn.rb") if repo.exists(c)), None)
            command = "bundle exec unicorn" + (f" -c {conf}" if conf else "") + f" -E {env}"
            found = _process(command, src, v, "web", "web", plugin)
            web_key = found.key
            yield found
    if "capistrano/sidekiq" in p.active:
        yield from _sidekiq(p.active["capistrano/sidekiq"], v, repo, servers)
    web_role = any("web" in s.roles for s in servers)  # hosts in role web serve the app: Capistrano's convention
    if web_key is None and (any(k in p.active for k in _WEB_PLUGINS) or "web" in process_roles or web_role):
        web_key = "web"
    if web_key is not None and web_key not in process_roles:
        roles = tuple(render(r) for r in _list(v.get("puma_role") if "capistrano/puma" in p.active else None)) \
            or ("web", "app")
        yield from replicas_hint(web_key, servers, roles, role="web")
    for key, (roles, _file, _line) in process_roles.items():
        yield from replicas_hint(key, servers, roles)


def _sidekiq(src: Src, v: Vars, repo: RepoView, servers: list[Server]) -> Iterator[Item]:
    conf = known(v.get("sidekiq_config"))
    conf = _in_release(conf, v, repo) or conf if conf else None
    command = "bundle exec sidekiq" + (f" -C {conf}" if conf else "")
    per_host = v.get("sidekiq_processes")
    count = per_host if isinstance(per_host, int) and not isinstance(per_host, bool) and per_host > 0 else 1
    found = _process(command, src, v, "worker", "worker", "capistrano/sidekiq",
                     note="capistrano-sidekiq starts it on the hosts of its roles")
    yield found
    roles = tuple(render(r) for r in _list(v.get("sidekiq_roles") or v.get("sidekiq_role"))) or ("app",)
    hinted = list(replicas_hint(found.key, servers, roles, count))
    yield from hinted
    if not hinted and count > 1:
        where = v.where("sidekiq_processes")
        at = Src(NAME, where.file, where.line) if where else src
        yield base.process(found.key, at, base.D, replicas=count, replicas_hint_from=f"sidekiq_processes {count}")


def _list(value: object) -> list[object]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]
