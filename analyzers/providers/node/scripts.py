"""``npm start``, ``npm run X -w apps/api``, ``yarn workspace @acme/api start``, ``pnpm --filter api X``:
which package.json script a command runs, and what that script's text is (with its line).

:func:`script_ref` reads an argv (already split once by the caller); :func:`resolve` finds the script in
the root package or in the workspace the command names. Build scripts follow Heroku's order:
``heroku-prebuild``, then ``heroku-build`` or ``build``, then ``heroku-postbuild``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from analyzers.providers.node.pkg import Entry, Package

_MANAGERS = frozenset({"npm", "yarn", "yarnpkg", "pnpm", "bun"})
_RUN = frozenset({"run", "run-script", "rum", "urn"})  # npm's aliases of run
_BUILTIN_SCRIPTS = frozenset({"start", "test", "stop", "restart"})  # `npm start` needs no `run`
# subcommands that are not scripts (a `yarn X` with one of these is the manager's own command)
_COMMANDS = frozenset({"install", "i", "ci", "add", "remove", "rm", "uninstall", "update", "up", "upgrade", "prune",
                       "rebuild", "exec", "dlx", "x", "create", "init", "publish", "pack", "link", "unlink", "audit",
                       "outdated", "cache", "config", "set", "version", "info", "view", "why", "list", "ls",
                       "workspaces", "global", "login", "logout", "import", "patch", "fetch", "store", "deploy"})
_VALUE_OPTIONS = {"-w": "workspace", "--workspace": "workspace", "--prefix": "dir", "-C": "dir", "--dir": "dir",
                  "--cwd": "dir", "--filter": "filter", "-F": "filter"}
BUILD_ORDER = ("heroku-prebuild", "heroku-build", "build", "heroku-postbuild")


@dataclass(frozen=True)
class ScriptRef:
    """A command that runs a package.json script."""

    manager: str
    script: str
    workspace: str | None = None  # -w/--workspace X, `yarn workspace X`, --filter X: a dir or a package name
    dir: str | None = None  # --prefix/-C/--dir/--cwd
    args: tuple[str, ...] = ()  # after `--`, passed to the script


@dataclass(frozen=True)
class Resolved:
    package: Package
    script: Entry  # its name, its text, its line in package.json


def script_ref(argv: Sequence[str]) -> ScriptRef | None:
    """The script ``argv`` runs, or None when it is not a package-manager script command."""
    if not argv or posixpath.basename(argv[0]) not in _MANAGERS:
        return None
    manager = "yarn" if posixpath.basename(argv[0]) == "yarnpkg" else posixpath.basename(argv[0])
    opts: dict[str, str] = {}
    words: list[str] = []
    args: tuple[str, ...] = ()
    i = 1
    while i < len(argv):
        word = argv[i]
        if word == "--":
            args = tuple(argv[i + 1:])
            break
        name, eq, value = word.partition("=")
        if name in _VALUE_OPTIONS:
            if not eq and i + 1 < len(argv):
                value, i = argv[i + 1], i + 1
            opts[_VALUE_OPTIONS[name]] = value
        elif not word.startswith("-"):
            words.append(word)
        i += 1
    if manager == "yarn" and len(words) >= 3 and words[0] == "workspace":
        opts["workspace"], words = words[1], words[2:]
    if not words:
        return None
    if words[0] in _RUN and len(words) >= 2:
        script, extra = words[1], words[2:]
    elif words[0] in _BUILTIN_SCRIPTS or (manager != "npm" and words[0] not in _COMMANDS | _RUN):
        script, extra = words[0], words[1:]  # `yarn build`, `pnpm dev`, `bun start`
    else:
        return None
    if manager == "npm" and extra and not args:
        return None  # npm passes extra words to the script only after `--`; `npm start foo` is odd: leave it
    workspace = opts.get("workspace") or opts.get("filter")
    return ScriptRef(manager, script, workspace, opts.get("dir"), args or tuple(extra))


def resolve(ref: ScriptRef, root: Package | None, workspaces: Sequence[Package] = (),
            cwd: str | None = None) -> Resolved | None:
    """The package and script ``ref`` runs: in the named workspace (by directory or package name), in the
    ``--prefix`` or ``cwd`` package, else in the root package."""
    pkg = root
    target = ref.workspace or ref.dir or cwd
    if target:
        wanted = posixpath.normpath(target)
        pkg = next((p for p in (*workspaces, *((root,) if root else ()))
                    if p.dir == wanted or p.name == target or (p.name or "").split("/")[-1] == target), None)
    entry = pkg.script(ref.script) if pkg else None
    return Resolved(pkg, entry) if pkg and entry else None


def build_scripts(pkg: Package) -> tuple[Entry, ...]:
    """The scripts a build runs, in Heroku's order (``heroku-build`` replaces ``build``)."""
    names = {e.name: e for e in pkg.scripts}
    order = [n for n in BUILD_ORDER if n in names and not (n == "build" and "heroku-build" in names)]
    return tuple(names[n] for n in order)


def hooks(pkg: Package, script: str) -> tuple[Entry | None, Entry | None]:
    """``pre<script>`` and ``post<script>``, which npm runs around ``script``."""
    return pkg.script(f"pre{script}"), pkg.script(f"post{script}")
