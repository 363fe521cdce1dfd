"""PM2 ecosystem files: ``apps[]`` as processes and ``deploy.<env>`` as hosts and hook commands (design §5.9).

JS configs (``ecosystem.config.js|.cjs|.mjs``, ``pm2.config.js``) are read by the static evaluator, never
run; ``ecosystem.json``, ``process.json``, ``pm2.json`` through the JSON reader and ``ecosystem.y(a)ml``
through YAML: all give the same values with lines. What could not be read statically is listed in
``unknown`` for warnings. Values are as PM2 documents them: ``instances`` a number, ``"max"``, ``-1`` or
``0``; ``exec_mode`` fork (default) or cluster; ``max_memory_restart`` ``"300M"``, ``"1G"``, ``"150K"`` or
bytes; ``kill_timeout`` milliseconds; ``env_<name>`` applies with ``--env <name>``.
"""

from __future__ import annotations

import fnmatch
import math
import posixpath
import re
from dataclasses import dataclass

from analyzers.lib.jsdata import from_json, from_yaml
from analyzers.lib.jsobject import module_exports
from analyzers.lib.jsvalue import JsArray, JsObject, JsValue, Unknown, as_bool, as_int, as_str, as_text
from analyzers.providers.node.configvalues import env_values, unknowns, words
from analyzers.providers.node.facts import EnvValue
from migrator.repo import RepoView

FILE_PATTERNS = ("ecosystem*.config.js", "ecosystem*.config.cjs", "ecosystem*.config.mjs", "pm2.config.js",
                 "ecosystem.json", "process.json", "pm2.json", "ecosystem.yml", "ecosystem.yaml")
LOG_KEYS = ("out_file", "error_file", "log_file", "pid_file", "output", "error", "log")
HOOKS = ("pre-setup", "post-setup", "pre-deploy-local", "pre-deploy", "post-deploy")
_MEMORY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)B?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Pm2App:
    file: str
    line: int
    name: str | None
    script: str | None
    args: tuple[str, ...] = ()
    interpreter: str | None = None  # "node" by default; "none" runs the script itself; "python3" ...
    interpreter_args: tuple[str, ...] = ()  # interpreter_args and node_args
    cwd: str | None = None
    instances: int | None = None  # None for "max", -1 and 0 (one per CPU: let the HPA scale instead)
    instances_written: str | None = None
    cluster: bool = False
    memory_mi: int | None = None  # max_memory_restart in MiB (rounded up)
    memory_written: str | None = None
    stop_timeout_s: int | None = None  # kill_timeout, in seconds (rounded up)
    env: tuple[tuple[str, tuple[EnvValue, ...]], ...] = ()  # ("", env), ("production", env_production) ...
    cron_restart: str | None = None
    autorestart: bool | None = None
    watch: bool = False
    wait_ready: bool = False
    listen_timeout_ms: int | None = None
    log_files: tuple[tuple[str, str], ...] = ()  # (key, path): dropped in a container (logs go to stdout)
    unknown: tuple[Unknown, ...] = ()

    def env_for(self, name: str | None) -> tuple[EnvValue, ...]:
        """``env`` overlaid with ``env_<name>`` (what ``pm2 start --env <name>`` runs with)."""
        merged = {v.name: v for v in dict(self.env).get("", ())}
        merged.update({v.name: v for v in dict(self.env).get(name or "", ())} if name else {})
        return tuple(merged.values())


@dataclass(frozen=True)
class Pm2Hook:
    name: str  # post-deploy ...
    command: str  # as written: split it with the shell splitter before classifying
    line: int


@dataclass(frozen=True)
class Pm2Deploy:
    env_name: str  # production, staging ...
    line: int
    user: str | None
    hosts: tuple[str, ...]
    path: str | None  # the app ran from <path>/current
    ref: str | None
    repo: str | None
    hooks: tuple[Pm2Hook, ...]
    env: tuple[EnvValue, ...]


@dataclass(frozen=True)
class Ecosystem:
    file: str
    apps: tuple[Pm2App, ...]
    deploys: tuple[Pm2Deploy, ...]
    unknown: tuple[Unknown, ...] = ()  # the file, or parts of it, could not be read statically


def ecosystem_files(repo: RepoView) -> list[str]:
    return sorted(f for f in repo.files() if any(fnmatch.fnmatchcase(posixpath.basename(f), p) for p in FILE_PATTERNS))


def memory_mi(written: str) -> int | None:
    """``300M`` -> 300, ``1G`` -> 1024, ``150K`` -> 1, ``314572800`` (bytes) -> 300."""
    m = _MEMORY.fullmatch(written)
    if not m:
        return None
    factor = {"": 1 / 2**20, "K": 1 / 1024, "M": 1, "G": 1024}[m.group(2).upper()]
    return max(1, math.ceil(float(m.group(1)) * factor))


def read_ecosystem(repo: RepoView, rel: str) -> Ecosystem | None:
    """The ecosystem file at ``rel`` (None when unreadable)."""
    value: JsValue | None
    if rel.endswith((".js", ".cjs", ".mjs")):
        data = repo.read_bytes(rel)
        value = module_exports(rel, data, lambda r: _json(repo, r)) if data is not None else None
    else:
        text = repo.read_text(rel)
        value = None if text is None else (from_yaml if rel.endswith((".yml", ".yaml")) else from_json)(rel, text)
    if value is None:
        return None
    if isinstance(value, JsArray):  # process.json may be a bare array of apps
        value = JsObject((("apps", value),), value.line, value.file)
    if not isinstance(value, JsObject):
        return Ecosystem(rel, (), (), (value,) if isinstance(value, Unknown) else ())
    apps = value.get("apps")
    items = list(apps) if isinstance(apps, JsArray) else [apps] if isinstance(apps, JsObject) else []
    deploy = value.get("deploy")
    deploys = tuple(_deploy(k, v) for k, v in deploy.entries if isinstance(v, JsObject)) \
        if isinstance(deploy, JsObject) else ()
    return Ecosystem(rel, tuple(_app(rel, a) for a in items if isinstance(a, JsObject)), deploys, unknowns(value))


def _json(repo: RepoView, rel: str) -> JsValue | None:
    text = repo.read_text(rel) if repo.exists(rel) else None
    return from_json(rel, text) if text is not None else None


def _app(rel: str, a: JsObject) -> Pm2App:
    instances = a.get("instances")
    count = as_int(instances)
    mode = (as_str(a.get("exec_mode")) or "fork").lower()
    memory = as_text(a.get("max_memory_restart"))
    kill = as_int(a.get("kill_timeout"))
    interpreter = as_str(a.get("interpreter") or a.get("exec_interpreter"))
    # PM2's determineExecMode: without exec_mode, any `instances` under a node interpreter means cluster
    implied = "exec_mode" not in a and instances is not None and "node" in (interpreter or "node")
    envs = tuple((k[4:] if k.startswith("env_") else "", env_values(v)) for k, v in a.entries
                 if k == "env" or k.startswith("env_"))
    return Pm2App(
        rel, a.line, as_text(a.get("name")), as_str(a.get("script")), words(a.get("args")),
        interpreter, words(a.get("interpreter_args")) + words(a.get("node_args")), as_str(a.get("cwd")),
        count if count is not None and count > 0 else None, as_text(instances), mode.startswith("cluster") or implied,
        memory_mi(memory) if memory else None, memory, math.ceil(kill / 1000) if kill else None, envs,
        as_str(a.get("cron_restart")), as_bool(a.get("autorestart")), as_bool(a.get("watch")) is True,
        as_bool(a.get("wait_ready")) is True, as_int(a.get("listen_timeout")),
        tuple((k, t) for k in LOG_KEYS if (t := as_str(a.get(k))) is not None), unknowns(a))


def _deploy(name: str, d: JsObject) -> Pm2Deploy:
    host = d.get("host")
    hosts = tuple(t for v in host if (t := as_str(v))) if isinstance(host, JsArray) else tuple(
        filter(None, [as_str(host)]))
    hooks = []
    for key in HOOKS:
        value = d.get(key)
        for item in (value if isinstance(value, JsArray) else [value] if value is not None else []):
            command = as_str(item)
            if command:
                hooks.append(Pm2Hook(key, command, item.line))
    return Pm2Deploy(name, d.line, as_str(d.get("user")), hosts, as_str(d.get("path")), as_str(d.get("ref")),
                     as_str(d.get("repo")), tuple(hooks), env_values(d.get("env")))
