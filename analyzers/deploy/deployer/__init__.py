"""Deployer (deployer.org) deploy configurations: ``deploy.php`` (Deployer 6 and 7) and ``deploy.yaml`` /
``deploy.yml`` (Deployer 7's YAML recipes). Read, never run.

``deploy.php`` is read through tree-sitter-php (:mod:`.phpread`), the YAML through ruamel.yaml
(:mod:`.yamlread`); both fill one :class:`~.model.Config`: the recipes required (``recipe/laravel.php``:
:mod:`.recipes` knows the ``deploy`` list and the commands of each major version's recipes), settings,
hosts (``host()``, ``inventory('hosts.yml')``), tasks and hooks. The stage the report uses is chosen as
Capistrano's is (production first; the report says which and why), its host's settings win. The
``deploy`` task is walked in order (:mod:`.walk`): each command is handed to the shared deploy-command
placement (:class:`analyzers.deploy.capistrano.emit.Emitter`), so the providers say what it means
(``php artisan migrate --force`` is a release step because the PHP provider's step rules say so). The
settings become the app dir, revision history, linked files and dirs, writable dirs and replicas hints
(:mod:`.settings`). No secret value leaves: literals that are secrets are reported where they are and cut
out of every finding.

The major version: ``deployer/deployer`` in composer.json/composer.lock, else Deployer 7's API (``import()``,
``->setHostname()``, ``->setLabels()``, ``deploy.yaml``) or Deployer 6's (``->hostname()``, ``->stage()``,
``->roles()``, ``inventory()``); 7 when nothing says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from analyzers import base
from analyzers.base import Item, Src
from analyzers.deploy.capistrano import choose_stage
from analyzers.deploy.capistrano.emit import Emitter, dedupe
from analyzers.deploy.deployer import recipes, settings, yamlread
from analyzers.deploy.deployer.model import NAME as NAME
from analyzers.deploy.deployer.model import Config, Host, Setting
from analyzers.deploy.deployer.phpread import Reader
from analyzers.deploy.deployer.phpvalues import known
from analyzers.deploy.deployer.values import Vars
from analyzers.deploy.deployer.walk import Walker
from migrator.repo import RepoView

FILES = ("deploy.php", "deploy.yaml", "deploy.yml")
_DEPLOYER_PHP = re.compile(r"namespace\s+Deployer\b|\bDeployer\\|recipe/\w+\.php|\bdep\s+deploy\b")
_V7 = re.compile(r"\bimport\s*\(|->\s*set(Hostname|RemoteUser|Labels|DeployPath)\s*\(|->\s*select\s*\(|"
                 r"release_or_current_path|deploy:publish")
_V6 = re.compile(r"->\s*(hostname|user|stage|roles|identityFile)\s*\(|\binventory\s*\(|->\s*onStage\s*\(|"
                 r"->\s*setPrivate\s*\(|\bserver\s*\(")
_MANUAL = ("run by hand (dep {task}), not by every deploy: review whether it belongs in the release Job, the image "
           "build, or nowhere")


def deploy_file(repo: RepoView) -> str | None:
    for rel in FILES:
        if not repo.exists(rel):
            continue
        text = repo.read_text(rel) or ""
        if rel.endswith(".php") and not _DEPLOYER_PHP.search(text):
            continue
        if not rel.endswith(".php") and not re.search(r"^(import|tasks|hosts|config):", text, re.M):
            continue
        return rel
    return None


def version(repo: RepoView, rel: str) -> tuple[int, str]:
    """Deployer's major version and why."""
    for name in ("composer.json", "composer.lock"):
        found = _composer_version(repo, name)
        if found is not None:
            return found, f"deployer/deployer {found}.x in {name}"
    if not rel.endswith(".php"):
        return 7, f"{rel}: YAML recipes are Deployer 7's"
    text = repo.read_text(rel) or ""
    if _V7.search(text):
        return 7, f"{rel} uses Deployer 7's API"
    if _V6.search(text):
        return 6, f"{rel} uses Deployer 6's API (->hostname(), ->stage(), inventory() ...)"
    return 7, "no version named; Deployer 7 assumed"


def _composer_version(repo: RepoView, rel: str) -> int | None:
    try:
        data = json.loads(repo.read_text(rel) or "null")
    except (ValueError, RecursionError):  # not JSON, or nested past the decoder's stack
        return None
    if not isinstance(data, dict):
        return None
    if rel == "composer.lock":
        for pkg in [*data.get("packages", []), *data.get("packages-dev", [])]:
            if isinstance(pkg, dict) and pkg.get("name") == "deployer/deployer":
                m = re.match(r"v?(\d+)", str(pkg.get("version", "")))
                return int(m.group(1)) if m else None
        return None
    for section in ("require-dev", "require"):
        constraint = (data.get(section) or {}).get("deployer/deployer") if isinstance(data.get(section), dict) else None
        if isinstance(constraint, str):
            m = re.search(r"(\d+)", constraint)
            return int(m.group(1)) if m else None
    return None


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings from the repo's Deployer configuration (empty when there is none)."""
    rel = deploy_file(repo)
    if rel is None:
        return
    config = Config(rel)
    major, why_version = version(repo, rel)
    config.version = major
    reader = Reader(repo, config)
    if rel.endswith(".php"):
        reader.read(rel)
    else:
        yamlread.read(repo, rel, config, reader)
    for path, line in config.inventories:
        if repo.exists(path):
            yamlread.read(repo, path, config, reader, hosts_only=True)
        else:
            config.items.append(base.warning(Src(NAME, rel, line), f"host inventory {path} is not in the repo; "
                                             "its hosts are not known"))
    yield from _deploy(repo, config, major, why_version)


def _deploy(repo: RepoView, config: Config, major: int, why_version: str) -> Iterator[Item]:
    anchor = Src(NAME, config.file, 1)
    stage, why = choose_stage(sorted({h.stage for h in config.hosts if h.stage}))
    host = _primary(config.hosts, stage)
    layers = [Setting("set", k, v, config.file, 1) for k, v in recipes.defaults(major).items()]
    items: list[Item] = list(config.items)
    for name, line in config.recipes:
        found = recipes.recipe(name, major)
        if found is not None:
            layers += [Setting("set", k, v, config.file, line) for k, v in found.settings.items()]
        elif name not in recipes.CONTRIB and name != "common":
            items.append(base.warning(Src(NAME, config.file, line), f"Deployer {major} recipe {name!r} is not known: "
                                      "the tasks it adds are not analyzed (the repo's own tasks are)"))
    v = Vars([*layers, *config.settings], host)
    emitter = Emitter(repo, secret_values=set(config.secret_values), manual=_MANUAL)
    walker = Walker(config, v, major, emitter, anchor)
    try:
        walker.flow()
        walker.by_hand()
    except RecursionError:
        items.append(base.warning(anchor, "tasks nested too deeply to follow; deploy flow only partly analyzed"))
    items += emitter.out
    items.append(base.runtime(Src(NAME, host.file, host.line) if host else anchor, base.D,
                              deploy_tool=f"deployer {major}", deploy_tool_version_reason=why_version,
                              deploy_stage=stage, deploy_stage_reason=why if stage else None,
                              application=known(v.render(v.get("application")) if v.has("application") else None),
                              branch=_known(v, "branch"), repo_url=_known(v, "repository")))
    items += settings.app_dir(v, anchor)
    items += settings.shared(repo, v, anchor)
    items += settings.writable(v, anchor)
    items += settings.replicas(config.hosts, stage, emitter.process_roles)
    yield from dedupe([emitter.clean(i) for i in items])


def _known(v: Vars, key: str) -> str | None:
    value: Any = v.get(key)
    return known(v.render(value)) if value is not None else None


def _primary(hosts: list[Host], stage: str | None) -> Host | None:
    """The host whose settings the report uses: the chosen stage's (a web host first), else production's."""
    remote = [h for h in hosts if not h.local] or hosts
    if stage is not None:
        of_stage = [h for h in remote if h.stage == stage]
        return next((h for h in of_stage if {"web", "app"} & set(h.roles)), of_stage[0] if of_stage else None)
    by_name = {h.name: h for h in remote}
    for name in ("production", "prod", "live"):
        if name in by_name:
            return by_name[name]
    return remote[0] if remote else None
