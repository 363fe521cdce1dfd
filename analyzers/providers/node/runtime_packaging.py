"""``node_packaging``: what the image plan needs of the app's package.json and its install.

Findings, each with its file and line: ``language`` (the package.json), ``package_manager`` (with
``package_manager_version`` from ``packageManager``, ``lockfile``, ``lockfile_version``, ``yarn_flavor``;
another manager's lockfile is a candidate of its own, so the planner reports the conflict), ``framework``
(the app package's dependency, INFERRED: the code confirms it), ``app_root`` and ``workspace`` (a
monorepo's app package) with ``workspace_manifests`` (the root's and every workspace's package.json: one
install at the root needs them all), ``start_script``; the build steps package.json runs in Heroku's order; the
Debian packages native modules need (:mod:`.native`); and, when no deploy file declares a process,
Heroku's default web process: ``scripts.start``, else ``node server.js`` (DEFAULT).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.commands import meaning, parse_command
from analyzers.providers.node import frameworks, native, packaging, pm2, scripts
from analyzers.providers.node.apppkg import App, the_app
from analyzers.providers.node.pkg import Package
from migrator.model import Confidence
from migrator.repo import RepoView

NAME = "node_packaging"
# Files that declare the app's processes: when one exists, Heroku's default web process is not inferred.
_DECLARING = ("Procfile", "*.service", "supervisord.conf", "*.supervisor.conf", "*supervisor/*.conf",
              "*supervisor.d/*.conf", "Dockerfile", "docker-compose*.yml", "docker-compose*.yaml", "compose.yml",
              "compose.yaml", *pm2.FILE_PATTERNS)


def analyze(repo: RepoView) -> Iterator[Item]:
    app = the_app(repo)
    if app is None:
        return
    root = app.root
    yield base.runtime(Src(NAME, root.file), Confidence.DECLARED, language="node")
    yield from _manager(repo, app)
    yield from _app_facts(app)
    yield from _build_steps(app)
    yield from _native(repo, app)
    yield from _default_web(repo, app)


def _manager(repo: RepoView, app: App) -> Iterator[Item]:
    choice = packaging.manager_of(repo, app.root, ".")
    win = choice.winner
    lock = next((s for s in choice.signals if s.what == "lockfile" and s.file == choice.lockfile), None)
    yield base.runtime(Src(NAME, win.file or app.root.file, win.line), win.confidence, language="node",
                       package_manager=choice.manager, package_manager_version=win.version,
                       yarn_flavor=choice.flavor)
    if lock is not None:
        yield base.runtime(Src(NAME, lock.file, lock.line), Confidence.DECLARED, language="node",
                           lockfile=lock.file, lockfile_version=lock.lock_version)
    for other in choice.conflicts:
        # INFERRED at most: still a conflict in the report, and the precedence's winner stays the winner
        confidence = min(other.confidence, Confidence.INFERRED)
        yield base.runtime(Src(NAME, other.file, other.line), confidence, language="node",
                           package_manager=other.manager)


def _app_facts(app: App) -> Iterator[Item]:
    pkg = app.package
    hits = frameworks.frameworks(pkg)
    if hits:
        hit = hits[0]  # most specific first: nest before the express it runs on
        yield base.runtime(Src(NAME, hit.file, hit.dependency.line), Confidence.INFERRED, language="node",
                           framework=hit.framework.name)
    ws = app.workspaces
    if ws is not None:  # one install at the root needs every workspace's manifest (npm ci refuses otherwise)
        manifests = (app.root.file, *(p.file for p in ws.packages))
        yield base.runtime(Src(NAME, ws.file, ws.globs[0].line), Confidence.DECLARED, language="node",
                           workspace_manifests=manifests)
    if app.choice is None:
        yield base.runtime(Src(NAME, pkg.file), Confidence.DECLARED, language="node", app_root=".")
    elif app.choice.package is not None:
        src = Src(NAME, app.choice.file or pkg.file, app.choice.line)
        yield base.runtime(src, app.choice.confidence or Confidence.INFERRED, language="node", app_root=pkg.dir,
                           workspace=pkg.name, app_root_reason=app.choice.reason)
    else:
        yield base.warning(Src(NAME, ws.file if ws else app.root.file, ws.globs[0].line if ws else None),
                           "no workspace is clearly the app (" + ", ".join(app.choice.candidates or ("none",))
                           + "): name it with a process command (npm start -w DIR) or migrate.toml")
    start = pkg.script("start")
    if start is not None:
        yield base.runtime(Src(NAME, pkg.file, start.line), Confidence.DECLARED, language="node",
                           start_script=start.value)


def _build_steps(app: App) -> Iterator[Item]:
    """The root's build scripts (Heroku builds at the root), else the app workspace's own ``build``."""
    manager = _run_word(app)
    names = {e.name for e in app.root.scripts}
    # Heroku runs heroku-postbuild *instead of* build when both exist
    entries = [e for e in scripts.build_scripts(app.root)
               if not (e.name == "build" and "heroku-postbuild" in names)]
    workspace = ""
    if not entries and app.package is not app.root:
        entries = list(scripts.build_scripts(app.package))
        workspace = f" -w {app.package.dir}" if manager == "npm" else ""
    for entry in entries:
        command = f"{manager} run {entry.name}{workspace}"
        if manager == "yarn" and workspace == "" and app.package is not app.root and entry in app.package.scripts:
            command = f"yarn workspace {app.package.name} run {entry.name}"
        src = Src(NAME, app.package.file if entry not in app.root.scripts else app.root.file, entry.line)
        yield base.build_step(command, src, Confidence.DECLARED, runs=entry.value)


def _run_word(app: App) -> str:
    return "npm" if not app.root.member("packageManager") else str(
        getattr(app.root.member("packageManager"), "value", "npm")).split("@")[0] or "npm"


def _native(repo: RepoView, app: App) -> Iterator[Item]:
    choice = packaging.manager_of(repo, app.root, ".")
    lock_text = None
    if choice.lockfile and not choice.lockfile.endswith(".lockb"):
        data = packaging.lock_bytes(repo, choice.lockfile)
        lock_text = data.decode("utf-8", "replace") if data is not None else None
    seen: set[tuple[str, str]] = set()
    for pkg in app.packages:
        needs = native.native_needs(pkg, choice.lockfile, lock_text if pkg is app.root else None, repo.files())
        for need in needs:
            if need.package in {p for p, _ in seen}:
                continue
            for stage, names in (("build", need.build), ("runtime", need.runtime)):
                for name in names:
                    seen.add((need.package, name))
                    yield base.system_package(name, Src(NAME, need.file, need.line), need.confidence, stage=stage,
                                              reason=f"native module {need.package}", note=need.note)


def _default_web(repo: RepoView, app: App) -> Iterator[Item]:
    """Heroku's rule, when no deploy file declares a process: ``scripts.start``, else ``node server.js``."""
    if any(fnmatch.fnmatchcase(posixpath.basename(f), p) or fnmatch.fnmatchcase(f, p)
           for f in repo.files() for p in _DECLARING):
        return
    pkg: Package = app.package
    start = pkg.script("start")
    prefix = "" if pkg.dir == "." else f"{pkg.dir}/"
    if start is not None:
        text, src = start.value, Src(NAME, pkg.file, start.line)
        why = "Heroku's default: the web process runs scripts.start"
    elif repo.exists(prefix + "server.js"):
        text, src = "node server.js", Src(NAME, prefix + "server.js")
        why = "Heroku's default: no start script, so the web process is node server.js"
    else:
        return
    parsed = parse_command(text, src(Confidence.DEFAULT), cwd=None if pkg.dir == "." else pkg.dir)
    found = base.process("web", src, Confidence.DEFAULT, role="web", command=text, reason=why)
    yield base.stating(found, parsed, meaning(parsed))
