"""``pm2`` and ``pm2-runtime`` command lines (already split once by the caller) as values.

``pm2 start ecosystem.config.js --env production --only api`` names a config file and the env it runs
with; ``pm2 start app.js -i 4 --name api --max-memory-restart 300M -- --port 3000`` describes one app
itself (an :class:`Pm2App`). ``save``, ``startup``, ``logs`` ... manage the host's daemon only.
"""

from __future__ import annotations

import fnmatch
import math
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from analyzers.providers.node.pm2 import FILE_PATTERNS, Pm2App, memory_mi

STARTS = frozenset({"start", "reload", "restart", "startOrReload", "startOrRestart", "startOrGracefulReload",
                    "gracefulReload"})
_VALUE = {"-i": "instances", "--instances": "instances", "-n": "name", "--name": "name", "--env": "env",
          "--only": "only", "--max-memory-restart": "memory", "--cron": "cron", "--cron-restart": "cron",
          "--interpreter": "interpreter", "--node-args": "node_args", "--interpreter-args": "node_args",
          "--cwd": "cwd", "-o": "out_file", "--output": "out_file", "-e": "error_file", "--error": "error_file",
          "-l": "log_file", "--log": "log_file", "-p": "pid_file", "--pid": "pid_file", "--kill-timeout": "kill",
          "--listen-timeout": "listen", "--watch": None, "-x": None, "--no-autorestart": None, "--wait-ready": None,
          "--merge-logs": None, "--time": None, "--no-daemon": None, "--attach": None, "--update-env": None}
_FLAGS = frozenset({k for k, v in _VALUE.items() if v is None})


@dataclass(frozen=True)
class Pm2Command:
    action: str  # start, reload, ...; save, startup, logs, delete ... (host-only)
    runtime: bool  # pm2-runtime (the container-era launcher: still one process per pod here)
    target: str | None  # an ecosystem file, a script, an app name, "all"
    config_file: bool
    env_name: str | None = None
    only: tuple[str, ...] = ()
    app: Pm2App | None = None  # the app a script target describes

    @property
    def host_only(self) -> bool:
        """Manages the host's pm2 daemon (save, startup, logs, delete ...): nothing to migrate."""
        return not self.runtime and self.action not in STARTS


def is_config(target: str) -> bool:
    name = posixpath.basename(target)
    return any(fnmatch.fnmatchcase(name, p) for p in FILE_PATTERNS) or name.endswith((".json", ".yml", ".yaml",
                                                                                      ".config.js"))


def pm2_command(argv: Sequence[str], file: str = "", line: int = 1) -> Pm2Command | None:
    """The pm2 command of ``argv`` (``pm2``/``pm2-runtime`` as argv[0], any path), or None."""
    if not argv or posixpath.basename(argv[0]) not in ("pm2", "pm2-runtime", "pm2-docker"):
        return None
    runtime = posixpath.basename(argv[0]) != "pm2"
    opts: dict[str, str] = {}
    flags: set[str] = set()
    positional: list[str] = []
    rest: tuple[str, ...] = ()
    i = 1
    while i < len(argv):
        word = argv[i]
        name, eq, value = word.partition("=")
        if word == "--":
            rest = tuple(argv[i + 1:])
            break
        if name in _FLAGS:
            flags.add(name)
        elif name in _VALUE:
            if not eq and i + 1 < len(argv):
                value, i = argv[i + 1], i + 1
            opts[_VALUE[name] or name] = value
        elif not word.startswith("-"):
            positional.append(word)
        i += 1
    if runtime and (not positional or positional[0] != "start"):
        positional.insert(0, "start")  # pm2-runtime app.js == pm2-runtime start app.js
    action = positional[0] if positional else ""
    target = positional[1] if len(positional) > 1 else None
    config = target is not None and is_config(target)
    only = tuple(o for o in opts.get("only", "").split(",") if o)
    app = None
    if action in STARTS and target and not config:
        count = int(opts["instances"]) if opts.get("instances", "").lstrip("-").isdigit() else None
        kill = int(opts["kill"]) if opts.get("kill", "").isdigit() else None
        app = Pm2App(file, line, opts.get("name"), target, tuple(positional[2:]) + rest, opts.get("interpreter"),
                     tuple(opts.get("node_args", "").split()), opts.get("cwd"),
                     count if count and count > 0 else None, opts.get("instances"), "instances" in opts,
                     memory_mi(opts["memory"]) if "memory" in opts else None, opts.get("memory"),
                     math.ceil(kill / 1000) if kill else None, (), opts.get("cron"),
                     False if "--no-autorestart" in flags else None, "--watch" in flags, "--wait-ready" in flags,
                     int(opts["listen"]) if opts.get("listen", "").isdigit() else None,
                     tuple((k, opts[k]) for k in ("out_file", "error_file", "log_file", "pid_file") if k in opts))
    return Pm2Command(action, runtime, target, config, opts.get("env"), only, app)
