"""forever JSON configs and nodemon settings (read by :mod:`.forever`): processes and development evidence.

A forever config is a JSON file ``forever start`` is given (named in a package.json script, or a JSON
file whose name says forever: ``forever.json``, ``forever/production.json``): each app in it is a process
(``node <script> args``, ``command`` as the interpreter, ``uid`` as the user, ``sourceDir`` as the
working directory on the old host, ``env`` as env findings; log and pid files are dropped). ``forever
start`` command lines in shell scripts are the shell analyzer's (through the provider's ``unwrap``).
nodemon (``nodemon.json``, package.json ``nodemonConfig``) is a development watcher: a warning says so,
and nothing it runs becomes a process.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import I, Item, Src
from analyzers.commands import join, meaning, parse_argv, words
from analyzers.providers.node.forever import ForeverApp, forever_command, read_forever_config, read_nodemon
from analyzers.providers.node.pkg import root_package
from migrator.repo import RepoView

NAME = "forever"

_KEY = re.compile(r"[^a-z0-9-]+")


def analyze(repo: RepoView) -> Iterator[Item]:
    pkg = root_package(repo)
    for rel in _configs(repo):
        for app in read_forever_config(repo, rel):
            yield from _app(app)
    nodemon = read_nodemon(repo, pkg)
    if nodemon is not None and (nodemon.exec or nodemon.script or nodemon.watch):
        yield base.warning(Src(NAME, nodemon.file, nodemon.line),
                           "nodemon settings: a development watcher (restart on change); the image runs the app "
                           "once, so nothing here becomes a process")


def _configs(repo: RepoView) -> list[str]:
    """forever configs: named by a ``forever start X.json`` script, or JSON files named after forever."""
    found: set[str] = set()
    pkg = root_package(repo)
    for entry in pkg.scripts if pkg else ():
        parts = list(words(entry.value, pkg.file if pkg else "package.json", entry.line, NAME))
        start = next((i for i, w in enumerate(parts) if posixpath.basename(w) == "forever"), None)
        app = forever_command(parts[start:]) if start is not None else None
        if app is not None and app.config_file and repo.exists(posixpath.normpath(app.config_file)):
            found.add(posixpath.normpath(app.config_file))
    for rel in repo.files():
        name = posixpath.basename(rel)
        if rel.endswith(".json") and "node_modules/" not in rel and (
                name.startswith("forever") or "/forever/" in f"/{rel}" or name.endswith(".forever.json")):
            found.add(rel)
    return sorted(found)


def _app(app: ForeverApp) -> Iterator[Item]:
    src = Src(NAME, app.file, app.line)
    for unknown in app.unknown:
        yield base.warning(src.at(unknown.line), f"forever config not read: {unknown.reason}")
    if not app.script:
        return
    key = _KEY.sub("-", posixpath.splitext(posixpath.basename(app.script))[0].lower()).strip("-") or "app"
    workdir = app.source_dir if app.source_dir and app.source_dir.startswith("/") else None
    script = app.script if workdir or not app.source_dir else posixpath.normpath(
        posixpath.join(posixpath.dirname(app.file), app.source_dir, app.script))
    argv = [app.command or "node", script, *app.args]
    command = join(argv)
    cmd = parse_argv(command, argv, src(), cwd=workdir, user=app.uid)
    info = meaning(cmd)
    yield base.stating(base.process(key, src, base.D, command=command, legacy_name=f"forever {app.file}",
                                    working_dir=workdir, user=app.uid, app_server=info.server), cmd, info)
    yield base.process(key, src, I, role=info.role.value if info.role else "web" if _has_port(app) else "worker")
    for v in app.env:
        at = src.at(v.line)
        if v.hardcoded:
            yield base.hardcoded_secret(at, v.name, v.hardcoded)
        yield base.env_var(v.name, at, base.D, default=v.value, secret=True if v.secret else None,
                           description=f"set by forever {app.file}")
        if v.name == "PORT" and v.value and v.value.isdigit():
            yield base.process(key, at, base.D, port=int(v.value))


def _has_port(app: ForeverApp) -> bool:
    return any(v.name == "PORT" for v in app.env) or any(a in ("--port", "-p") for a in app.args)
