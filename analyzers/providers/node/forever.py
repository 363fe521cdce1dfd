"""forever and nodemon: ``forever start`` command lines, forever's JSON configs, ``nodemon.json``.

forever (``forever start -l app.log -a --uid api server.js --port 3000``) ran a node script as a
daemon: the script and its arguments are the process; log, pid and restart options are dropped in a
container. A forever JSON config (``forever start app.json``) holds ``uid``, ``script``, ``sourceDir``,
``args``, ``env``, ``logFile`` ... (an object or an array of them). nodemon is a development watcher: its
config says which command the developers ran (``exec``), which is evidence, not a production process.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from analyzers.lib.jsdata import from_json
from analyzers.lib.jsvalue import JsArray, JsObject, Unknown, as_str
from analyzers.providers.node.configvalues import env_values, unknowns, words
from analyzers.providers.node.facts import EnvValue
from analyzers.providers.node.pkg import Package
from migrator.repo import RepoView

_FOREVER_VALUES = {"-l", "--logFile", "-o", "--outFile", "-e", "--errFile", "-p", "--path", "--pidFile", "-c",
                   "--command", "--sourceDir", "--workingDir", "-u", "--uid", "-m", "--max", "--minUptime",
                   "--spinSleepTime", "--killSignal", "--id", "--watchDirectory", "--plain"}
_NODEMON_VALUES = {"--exec", "-x", "--watch", "-w", "--ext", "-e", "--ignore", "-i", "--delay", "-d", "--config",
                   "--signal", "-s"}
_LOGS = {"-l": "logFile", "--logFile": "logFile", "-o": "outFile", "--outFile": "outFile", "-e": "errFile",
         "--errFile": "errFile", "--pidFile": "pidFile"}


@dataclass(frozen=True)
class ForeverApp:
    """One process forever ran, from a command line or a JSON config."""

    file: str
    line: int
    script: str | None
    args: tuple[str, ...] = ()
    command: str | None = None  # -c / "command": the interpreter (node by default)
    uid: str | None = None
    source_dir: str | None = None
    env: tuple[EnvValue, ...] = ()
    logs: tuple[tuple[str, str], ...] = ()  # dropped: logs go to stdout
    action: str = "start"  # start, stop, restart, list ... (only start describes a process)
    config_file: str | None = None  # `forever start app.json`: the config to read
    unknown: tuple[Unknown, ...] = ()


@dataclass(frozen=True)
class NodemonConfig:
    """nodemon's settings (nodemon.json or package.json ``nodemonConfig``): development evidence."""

    file: str
    line: int
    exec: str | None
    script: str | None
    watch: tuple[str, ...]
    env: tuple[EnvValue, ...]


def _split(argv: Sequence[str], values: set[str]) -> tuple[list[str], dict[str, str]]:
    positional: list[str] = []
    opts: dict[str, str] = {}
    i = 0
    while i < len(argv):
        name, eq, value = argv[i].partition("=")
        if name in values:
            if not eq and i + 1 < len(argv):
                value, i = argv[i + 1], i + 1
            opts[name] = value
        elif not argv[i].startswith("-"):
            positional.extend(argv[i:])  # the script, then its own arguments
            break
        i += 1
    return positional, opts


def forever_command(argv: Sequence[str], file: str = "", line: int = 1) -> ForeverApp | None:
    """``forever [action] [options] script [args]`` (no action means start), or None for another program."""
    if not argv or posixpath.basename(argv[0]) not in ("forever", "forever-service"):
        return None
    rest = list(argv[1:])
    action = rest.pop(0) if rest and rest[0] in ("start", "stop", "restart", "stopall", "restartall", "list",
                                                        "logs", "cleanlogs", "columns", "config") else "start"
    positional, opts = _split(rest, _FOREVER_VALUES)
    script = positional[0] if positional else None
    config = script if script and script.endswith(".json") else None
    logs = tuple((_LOGS[k], v) for k, v in opts.items() if k in _LOGS)
    return ForeverApp(file, line, None if config else script, tuple(positional[1:]), opts.get("-c") or opts.get(
        "--command"), opts.get("--uid") or opts.get("-u"), opts.get("--sourceDir"), (), logs, action, config)


def read_forever_config(repo: RepoView, rel: str) -> list[ForeverApp]:
    """The apps of a forever JSON config (an object or an array of objects)."""
    text = repo.read_text(rel)
    value = from_json(rel, text) if text is not None else None
    if isinstance(value, Unknown):
        return [ForeverApp(rel, value.line, None, unknown=(value,))]
    items = list(value) if isinstance(value, JsArray) else [value] if isinstance(value, JsObject) else []
    out = []
    for item in items:
        if not isinstance(item, JsObject):
            continue
        logs = tuple((k, t) for k in ("logFile", "outFile", "errFile", "pidFile") if (t := as_str(item.get(k))))
        out.append(ForeverApp(rel, item.line, as_str(item.get("script")), words(item.get("args")),
                              as_str(item.get("command")), as_str(item.get("uid")), as_str(item.get("sourceDir")),
                              env_values(item.get("env")), logs, "start", None, unknowns(item)))
    return out


def nodemon_command(argv: Sequence[str]) -> tuple[str | None, str | None, tuple[str, ...]] | None:
    """(script, exec command, script args) of ``nodemon [options] [script [args]]``, or None."""
    if not argv or posixpath.basename(argv[0]) != "nodemon":
        return None
    positional, opts = _split(list(argv[1:]), _NODEMON_VALUES)
    return (positional[0] if positional else None), opts.get("--exec") or opts.get("-x"), tuple(positional[1:])


def read_nodemon(repo: RepoView, pkg: Package | None = None) -> NodemonConfig | None:
    """nodemon.json, else package.json ``nodemonConfig``."""
    value: JsObject | None = None
    file = "nodemon.json"
    if repo.exists("nodemon.json"):
        parsed = from_json(file, repo.read_text(file) or "")
        value = parsed if isinstance(parsed, JsObject) else None
    elif pkg is not None and isinstance(pkg.member("nodemonConfig"), JsObject):
        file, member = pkg.file, pkg.member("nodemonConfig")
        value = member if isinstance(member, JsObject) else None
    if value is None:
        return None
    return NodemonConfig(file, value.line, as_str(value.get("exec")), as_str(value.get("script")),
                         words(value.get("watch")), env_values(value.get("env")))
