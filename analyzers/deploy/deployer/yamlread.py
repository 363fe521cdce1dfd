"""Deployer 7's YAML recipes (``deploy.yaml``/``deploy.yml``) and host inventories (``inventory('hosts.yml')``,
``import('hosts.yml')``) into the same :class:`~analyzers.deploy.deployer.model.Config` as ``deploy.php``.

Keys: ``import`` (recipes, or repo files read in turn), ``config`` (``set``), ``hosts`` (name -> its
settings, ``labels``, ``remote_user``, ``hostname``, ``deploy_path``; Deployer 6's inventory: ``stage``,
``roles``, ``user``), ``tasks`` (name -> a list of task names: a group; or of steps ``run``, ``run_locally``,
``cd``, ``upload``, ``once``, ``select``, ``desc``), ``before``/``after``/``fail`` (point -> task or list).
Read through ruamel.yaml, keeping lines.
"""

from __future__ import annotations

import posixpath
from typing import Any

from analyzers import base
from analyzers.base import Src
from analyzers.deploy.compose_fields import item_line, line_of
from analyzers.deploy.deployer.model import NAME, Config, Hook, Host, Run, Setting, Task, Upload
from analyzers.deploy.deployer.recipes import RECIPE_PATH
from analyzers.lib import yamllines
from migrator.repo import RepoView, normalize
from migrator.secrets import value_secret_kind

_HOST_KEYS = {"user": "remote_user", "remote_user": "remote_user", "hostname": "hostname", "port": "port",
              "deploy_path": "deploy_path", "branch": "branch"}


def load(text: str) -> tuple[Any, tuple[int | None, str] | None]:
    return yamllines.load(text)


def read(repo: RepoView, rel: str, config: Config, reader: Any | None = None, *, hosts_only: bool = False) -> None:
    """Fill ``config`` from the YAML file ``rel``; ``reader`` (a PHP reader) reads imported PHP files."""
    data, error = load(repo.read_text(rel) or "")
    if error is not None:
        config.items.append(base.warning(Src(NAME, rel, error[0]), error[1]))
        return
    if not isinstance(data, dict):
        return
    hosts = data.get("hosts")
    if isinstance(hosts, dict):
        _hosts(rel, hosts, config)
    elif hosts_only:  # a Deployer 6 inventory: the hosts are the top-level keys
        _hosts(rel, data, config)
    if hosts_only:
        return
    imports = data.get("import")
    for index, path in enumerate(imports if isinstance(imports, list) else [imports] if imports else []):
        line = item_line(imports, index, line_of(data, "import")) if isinstance(imports, list) else \
            line_of(data, "import")
        _import(repo, rel, str(path), line or 1, config, reader)
    settings = data.get("config")
    if isinstance(settings, dict):
        for key, value in settings.items():
            line = line_of(settings, key) or 1
            lines = tuple((str(v), item_line(value, i, line) or line) for i, v in enumerate(value)) \
                if isinstance(value, list) else ()
            config.settings.append(Setting("set", str(key), _plain(value), rel, line, lines))
            _secrets(rel, str(key), value, line, config)
    tasks = data.get("tasks")
    if isinstance(tasks, dict):
        for name, steps in tasks.items():
            config.tasks[str(name)] = _task(rel, str(name), steps, line_of(tasks, name) or 1)
    for when in ("before", "after", "fail"):
        hooks = data.get(when)
        if not isinstance(hooks, dict):
            continue
        for point, targets in hooks.items():
            for target in targets if isinstance(targets, list) else [targets]:
                config.hooks.append(Hook(when, str(point), str(target), rel, line_of(hooks, point) or 1))


def _import(repo: RepoView, rel: str, path: str, line: int, config: Config, reader: Any | None) -> None:
    local = normalize(posixpath.join(posixpath.dirname(rel), path))
    m = RECIPE_PATH.search(path)
    if m and not repo.exists(local):
        config.recipes.append((m.group(2).rsplit("/", 1)[-1], line))
    elif repo.exists(local) and local.endswith((".yml", ".yaml")):
        read(repo, local, config, reader)
    elif repo.exists(local) and reader is not None:
        reader.read(local)


def _hosts(rel: str, hosts: dict[Any, Any], config: Config) -> None:
    for name, spec in hosts.items():
        if str(name).startswith("."):  # a YAML anchor's holder (.base: &base)
            continue
        host = Host(str(name), rel, line_of(hosts, name) or 1, local=str(name) in ("localhost", "127.0.0.1"))
        if isinstance(spec, dict):
            for key, value in spec.items():
                key = str(key)
                if key == "labels" and isinstance(value, dict):
                    host.labels.update({str(k): str(v) for k, v in value.items()})
                    role = value.get("role") or value.get("roles")
                    if role:
                        host.roles = tuple(str(r) for r in (role if isinstance(role, list) else [role]))
                elif key == "stage":
                    host.labels["stage"] = str(value)
                elif key == "roles":
                    host.roles = tuple(str(r) for r in (value if isinstance(value, list) else [value]))
                elif key == "local":
                    host.local = bool(value)
                else:
                    host.settings[_HOST_KEYS.get(key, key)] = _plain(value)
                    _secrets(rel, key, value, line_of(spec, key) or host.line, config)
        config.hosts.append(host)


def _task(rel: str, name: str, steps: Any, line: int) -> Task:
    task = Task(name, rel, line)
    if isinstance(steps, str):
        task.group = [steps]
        return task
    if not isinstance(steps, list):
        return task
    if all(isinstance(s, str) for s in steps):
        task.group = [str(s) for s in steps]
        task.group_lines = {str(s): item_line(steps, i, line) or line for i, s in enumerate(steps)}
        return task
    cwd: str | None = None
    for index, step in enumerate(steps):
        at = item_line(steps, index, line) or line
        if isinstance(step, str):  # a task name among steps: it runs there
            task.group = [*(task.group or []), step]
            task.group_lines[step] = at
            continue
        if not isinstance(step, dict):
            continue
        for key, value in step.items():
            if key == "cd":
                cwd = str(value)
            elif key in ("run", "run_locally", "runLocally"):
                task.actions.append(Run(str(value), rel, at, key != "run", cwd))
            elif key == "upload" and isinstance(value, dict):
                task.actions.append(Upload(str(value.get("src", "")), str(value.get("dest", "")), rel, at))
            elif key == "once":
                task.once = bool(value)
            elif key == "select":
                task.select = str(value)
    return task


def _secrets(rel: str, key: str, value: Any, line: int, config: Config) -> None:
    if not isinstance(value, str) or not value:
        return
    secret = base.check_assignment(Src(NAME, rel, line), key, value)
    kind = secret.kind if secret is not None else value_secret_kind(value)
    if kind is not None:
        config.items.append(base.hardcoded_secret(Src(NAME, rel, line), key, kind))
        config.secret_values.add(value)


def _plain(value: Any) -> Any:
    """A ruamel value as plain Python (CommentedMap -> dict, CommentedSeq -> list, ScalarString -> str)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
