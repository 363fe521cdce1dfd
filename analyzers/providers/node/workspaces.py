"""Monorepos: the workspace packages (package.json ``workspaces``, pnpm-workspace.yaml ``packages``) and
which one is the app to deploy (design §5.4).

The app package is, in order: the workspace a process command runs (``npm start -w apps/api``, ``yarn
workspace @acme/api start``, ``cd apps/api && node server.js``, ``node apps/api/src/index.js``, a pm2
``cwd``: DECLARED); the only workspace with a server framework dependency and a ``start`` script
(INFERRED); the workspace the root ``scripts.start`` runs (INFERRED); otherwise no guess, and the
candidates are listed for a warning.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass

from analyzers.lib.jsdata import from_yaml
from analyzers.lib.jsvalue import JsArray, JsObject, as_str
from analyzers.providers.node.frameworks import SERVER_PACKAGES
from analyzers.providers.node.pkg import Entry, Package, read_package
from analyzers.providers.node.scripts import resolve, script_ref
from migrator.model import Confidence
from migrator.repo import RepoView

_CD = re.compile(r"^\s*cd\s+(\S+)\s*(?:&&|;)")


@dataclass(frozen=True)
class Workspaces:
    globs: tuple[Entry, ...]  # as written, with their lines
    file: str  # package.json or pnpm-workspace.yaml
    packages: tuple[Package, ...]  # the matching packages, by directory


@dataclass(frozen=True)
class Hint:
    """A process command from a deploy file (Procfile, unit, pm2 app), split once by the caller."""

    argv: tuple[str, ...]
    text: str
    file: str
    line: int | None
    cwd: str | None = None  # repo-relative, when the deploy file says where it runs


@dataclass(frozen=True)
class AppChoice:
    package: Package | None
    reason: str
    file: str | None
    line: int | None
    confidence: Confidence | None
    candidates: tuple[str, ...]  # workspace dirs that could be the app (for the warning when none was chosen)


def workspaces(repo: RepoView, root: Package) -> Workspaces | None:
    """The root's workspaces (package.json first, then pnpm-workspace.yaml), or None for a single package."""
    globs, file = root.workspace_globs, root.file
    if not globs and repo.exists("pnpm-workspace.yaml"):
        text = repo.read_text("pnpm-workspace.yaml") or ""
        doc = from_yaml("pnpm-workspace.yaml", text)
        listed = doc.get("packages") if isinstance(doc, JsObject) else None
        if isinstance(listed, JsArray):
            globs = tuple(Entry("packages", s, v.line) for v in listed if (s := as_str(v)) is not None)
            file = "pnpm-workspace.yaml"
    if not globs:
        return None
    include = [g.value.rstrip("/") for g in globs if not g.value.startswith("!")]
    exclude = [g.value[1:].rstrip("/") for g in globs if g.value.startswith("!")]
    found = []
    for rel in repo.named("package.json"):
        d = posixpath.dirname(rel)
        if d and any(_match(d, g) for g in include) and not any(_match(d, g) for g in exclude):
            pkg = read_package(repo, rel)
            if isinstance(pkg, Package):
                found.append(pkg)
    return Workspaces(globs, file, tuple(sorted(found, key=lambda p: p.dir)))


def _match(d: str, glob: str) -> bool:
    glob = posixpath.normpath(glob)
    if "**" in glob:  # apps/** : any depth below apps
        return fnmatch.fnmatchcase(d, glob.replace("**", "*"))
    return d.count("/") == glob.count("/") and fnmatch.fnmatchcase(d, glob)


def app_package(ws: Workspaces, root: Package, hints: Sequence[Hint] = ()) -> AppChoice:
    """Which workspace package is the app (see the module docstring for the rules)."""
    for hint in hints:
        pkg = _targeted(ws, root, hint)
        if pkg is not None:
            return AppChoice(pkg, f"{hint.file}:{hint.line} runs it", hint.file, hint.line, Confidence.DECLARED,
                             ())
    servers = [p for p in ws.packages if p.script("start") and any(d.name in SERVER_PACKAGES for d in p.dependencies)]
    if len(servers) == 1:
        return AppChoice(servers[0], "the only workspace with a server framework and a start script",
                         servers[0].file, servers[0].line("scripts", "start"), Confidence.INFERRED, ())
    start = root.script("start")
    if start is not None:
        pkg = _targeted(ws, root, Hint(tuple(start.value.split()), start.value, root.file, start.line))
        if pkg is not None:
            return AppChoice(pkg, "the root scripts.start runs it", root.file, start.line, Confidence.INFERRED, ())
    candidates = tuple(p.dir for p in (servers or [p for p in ws.packages if p.script("start")]))
    return AppChoice(None, "no process names a workspace and no single one is a server", None, None, None, candidates)


def _targeted(ws: Workspaces, root: Package, hint: Hint) -> Package | None:
    """The workspace a command runs in or names, if any."""
    by_dir = {p.dir: p for p in ws.packages}
    ref = script_ref(hint.argv)
    if ref is not None and (ref.workspace or ref.dir):
        found = resolve(ref, root, ws.packages)
        if found is not None and found.package.dir in by_dir:
            return found.package
    m = _CD.match(hint.text)
    for place in (hint.cwd, m.group(1) if m else None):
        if place:
            inside = _within(posixpath.normpath(place.rstrip("/")), by_dir)
            if inside is not None:
                return inside
    for word in hint.argv[1:]:
        if not word.startswith("-") and "/" in word:  # node apps/api/src/index.js
            inside = _within(posixpath.dirname(posixpath.normpath(word)), by_dir)
            if inside is not None:
                return inside
    return None


def _within(path: str, by_dir: dict[str, Package]) -> Package | None:
    while path and path != ".":
        if path in by_dir:
            return by_dir[path]
        path = posixpath.dirname(path)
    return None
