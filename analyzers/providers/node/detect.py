"""Is there any Node in the repository? package.json files, lockfiles and version files as evidence, and
what the root manifest alone suggests Node is there for.

Source files alone are no evidence: ``.js`` files are what a Django or Flask app's static directory is
made of. A package.json whose scripts and dependencies are only bundlers (webpack next to Django) says
ASSETS; only linters and test runners says TOOLING; a start script, a server framework, workspaces or
any other runtime library say APP (``main`` does not: npm init writes one into every package.json). The
primary-runtime rule (:mod:`migrator.runtimes`) still decides by what runs.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from analyzers.providers.node.frameworks import SERVER_PACKAGES
from analyzers.providers.node.pkg import Package, read_package
from analyzers.providers.protocol import Detection, Evidence, RoleHint
from migrator.model import Confidence
from migrator.repo import RepoView

NAME = "node"
_MAX_DEPTH = 1  # the root and one directory down (an app kept in app/ or src/), never vendored trees
LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb")
VERSION_FILES = (".nvmrc", ".node-version")
_ASSET_TOOLS = ("webpack", "gulp", "grunt", "rollup", "parcel", "esbuild", "vite", "sass", "node-sass", "less",
                "postcss", "autoprefixer", "tailwindcss", "babel", "@babel/", "browserify", "uglify", "terser",
                "css-loader", "style-loader", "file-loader", "mini-css-extract-plugin", "stylus", "bower", "cssnano",
                "svgo", "imagemin", "typescript", "ts-loader", "@vitejs/", "laravel-mix", "cross-env", "npm-run-all",
                "concurrently", "rimraf", "copyfiles")
_TOOLING = ("eslint", "prettier", "jest", "mocha", "chai", "jasmine", "karma", "stylelint", "husky", "lint-staged",
            "jshint", "jscs", "standard", "xo", "ava", "tap", "cypress", "playwright", "@playwright/", "vitest",
            "@commitlint/", "commitizen", "@types/", "markdownlint", "sinon", "nyc", "c8", "puppeteer")
_ASSET_SCRIPTS = ("build", "watch", "dev", "assets", "compile", "css", "js", "bundle", "webpack", "gulp", "sass")
_TOOL_SCRIPTS = ("lint", "test", "format", "fmt", "prettier", "eslint", "check", "prepare", "precommit", "coverage",
                 "typecheck", "e2e", "cy")


def detect(repo: RepoView) -> Detection | None:
    """The evidence for Node in ``repo``, or None."""
    manifests = sorted((f for f in repo.named("package.json") if f.count("/") <= _MAX_DEPTH),
                       key=lambda f: (f.count("/"), f))
    evidence = [Evidence(rel, None, rel, Confidence.DECLARED) for rel in manifests]
    evidence += list(_other_files(repo))
    if not evidence:
        return None
    evidence.sort(key=lambda e: (-e.confidence, e.file.count("/"), e.file))
    roots = tuple(dict.fromkeys(posixpath.dirname(f) or "." for f in manifests)) or (".",)
    root = read_package(repo, manifests[0]) if manifests else None
    hint = role_hint(root) if isinstance(root, Package) else RoleHint.APP
    return Detection(NAME, tuple(evidence), roots, hint)


def _other_files(repo: RepoView) -> Iterator[Evidence]:
    for rel in (*LOCKFILES, *VERSION_FILES):
        if repo.exists(rel):
            yield Evidence(rel, None, rel, Confidence.DECLARED)
    if repo.exists(".tool-versions"):
        for number, line in enumerate(repo.lines(".tool-versions"), 1):
            if line.split()[:1] in (["nodejs"], ["node"]):
                yield Evidence(".tool-versions", number, "nodejs in .tool-versions", Confidence.DECLARED)


def _is(name: str, table: tuple[str, ...]) -> bool:
    return any(name == t or (t.endswith("/") and name.startswith(t)) or name.startswith(t + "-") for t in table)


def role_hint(pkg: Package) -> RoleHint:
    """APP, ASSETS (bundlers only) or TOOLING (linters and test runners only), from one package.json."""
    deps = [d.name for d in (*pkg.dependencies, *pkg.dev_dependencies)]
    scripts = [s.name for s in pkg.scripts]
    if (pkg.script("start") or pkg.workspace_globs or any(d in SERVER_PACKAGES for d in deps)
            or not (deps or scripts)):
        return RoleHint.APP
    if any(not _is(d, _ASSET_TOOLS) and not _is(d, _TOOLING) for d in deps):
        return RoleHint.APP  # a runtime library: it is for something that runs
    if any(_is(d, _ASSET_TOOLS) for d in deps) or any(s.split(":")[0] in _ASSET_SCRIPTS for s in scripts):
        return RoleHint.ASSETS
    if all(s.split(":")[0] in _TOOL_SCRIPTS for s in scripts):
        return RoleHint.TOOLING
    return RoleHint.APP
