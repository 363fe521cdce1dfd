"""Which JS/TS files are the Node app's own, which of them run on their own (entries), and what each entry
requires: the file choice of :mod:`.app_code` (the Node counterpart of python_code's file walk).

The app package is the root package.json, or in a monorepo the workspace :func:`.workspaces.app_package`
picks (a Procfile or PM2 command naming it, else the only server workspace). Its source files are every
JS/TS file under its directory except tests, build output, vendored and front-end asset trees; the
files its entries require (relative paths and workspace packages, found by a cheap scan of ``require``
and ``import`` specifiers, never by running anything) are added even when they live elsewhere. An entry is
a file that starts a process: ``main``, a ``node X`` script, a PM2 app's script, the usual names
(``server.js``, ``src/main.ts`` ...). A TypeScript entry runs as its build output: tsconfig's ``rootDir`` /
``outDir`` map ``src/main.ts`` to ``dist/main.js`` and back.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from analyzers.commands import core_argv, words
from analyzers.lib import treesitter
from analyzers.lib.jsdata import from_json
from analyzers.lib.jsvalue import JsObject, as_str
from analyzers.providers.node import pm2
from analyzers.providers.node.commands import unwrap_manager
from analyzers.providers.node.pkg import Package, root_package
from analyzers.providers.node.workspaces import Hint, app_package, workspaces
from migrator.repo import RepoView

MAX_FILES = 3000  # a bigger app is read in part (its entries and what they require first)
MAX_CLOSURE = 400
SUFFIXES = (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts", ".jsx", ".tsx")
_RESOLVE = ("", ".js", ".ts", ".cjs", ".mjs", ".jsx", ".tsx", "/index.js", "/index.ts")
_SKIP_DIRS = {"node_modules", "bower_components", "test", "tests", "__tests__", "__mocks__", "spec", "e2e",
              "coverage", "docs", "doc", "examples", "example", "fixtures", "public", "static", "assets",
              "vendor", ".next", ".nuxt", ".output", "build", "dist", "out", "tmp", "storybook", ".storybook"}
_ANALYZER = "node_code"  # the analyzer these files are read for (the sources of the commands it parses)
_SKIP_NAME = re.compile(r"(\.(test|spec|stories|d)\.[cm]?[jt]sx?$)|(^(jest|vitest|webpack|rollup|vite|babel|"
                        r"eslint|prettier|karma|gulpfile|gruntfile|playwright|cypress)\b)", re.IGNORECASE)
_DEFAULT_ENTRIES = ("server.js", "app.js", "index.js", "main.js", "src/main.ts", "src/main.js", "src/server.ts",
                    "src/server.js", "src/index.ts", "src/index.js", "src/app.ts", "src/app.js", "bin/www")
_SPEC = re.compile(r"""(?:require\s*\(\s*|\bfrom\s+|\bimport\s*\(?\s*)['"]([^'"\n]+)['"]""")
_RUNNERS = {"node", "nodejs", "ts-node", "ts-node-dev", "tsx", "nodemon", "babel-node", "node-dev"}
# development scripts and watchers: what the developers ran, not a production process
_DEV_SCRIPT = re.compile(r"^(dev|develop|watch|test|debug|lint|storybook|serve:dev|start:dev)\b", re.IGNORECASE)
_WATCHERS = {"nodemon", "ts-node-dev", "node-dev"}
_KEY = re.compile(r"[^a-z0-9-]+")
_OPERATORS = {"&&", "||", ";", "|", "&"}
# node (and ts-node, nodemon) options whose value is the next word: -r dotenv/config is no script
_NODE_VALUE_OPTIONS = {"-r", "--require", "--import", "--loader", "--experimental-loader", "-e", "--eval", "-p",
                       "--print", "--env-file", "--inspect-port", "--title", "--max-old-space-size", "-P", "--project",
                       "-O", "--compiler-options"}


@dataclass(frozen=True)
class Entry:
    """A file that starts a process, where that was said, and the command words that run it."""

    file: str  # the source file (src/main.ts for a `node dist/main.js`)
    runs: str  # the file as the container runs it (dist/main.js), repo-relative
    said_file: str
    said_line: int | None
    script: str | None = None  # the package.json script that runs it (start, worker ...)
    args: tuple[str, ...] = ()
    name: str | None = None  # the PM2 app that runs it (its process name)
    declared: bool = True  # named by a script, main or PM2; False: only a usual file name
    options: tuple[str, ...] = ()  # node's own options in the script (-r ./tracing.js)


@dataclass(frozen=True)
class AppFiles:
    package: Package
    sources: tuple[str, ...]  # the app's JS/TS files, entries first
    entries: tuple[Entry, ...]
    partial: bool  # MAX_FILES cut the list
    packages: dict[str, str]  # workspace package name -> its directory
    workspaces: tuple[Package, ...] = ()


def app_files(repo: RepoView) -> AppFiles | None:
    """The app's package and files; None when the repo has no readable root package.json."""
    root = root_package(repo)
    if root is None:
        return None
    pkg, by_name = root, {}
    ws = workspaces(repo, root)
    members: tuple[Package, ...] = ws.packages if ws is not None else ()
    if ws is not None:
        by_name = {p.name: p.dir for p in ws.packages if p.name}
        choice = app_package(ws, root, _hints(repo))
        pkg = choice.package or root
    out = TsLayout(repo, pkg.dir)
    entries = _entries(repo, pkg, out)
    scope = pkg.dir if ws is not None else "."
    own = [f for f in _sources(repo, scope) if not (ws is not None and pkg is root and _in_workspace(f, by_name))]
    ordered = list(dict.fromkeys([e.file for e in entries] + closure(repo, [e.file for e in entries], by_name) + own))
    return AppFiles(pkg, tuple(ordered[:MAX_FILES]), tuple(entries), len(ordered) > MAX_FILES, by_name, members)


def _in_workspace(rel: str, by_name: dict[str, str]) -> bool:
    return any(rel.startswith(d + "/") for d in by_name.values())


def _hints(repo: RepoView) -> list[Hint]:
    """Process commands that may name the app's workspace: Procfile lines and PM2 apps' scripts and cwd."""
    out = []
    for i, line in enumerate((repo.read_text("Procfile") or "").splitlines(), 1):
        _, sep, command = line.partition(":")
        if sep and command.strip() and not line.lstrip().startswith("#"):
            out.append(Hint(words(command.strip(), "Procfile", i, _ANALYZER), command.strip(), "Procfile", i))
    for rel in pm2.ecosystem_files(repo):
        eco = pm2.read_ecosystem(repo, rel)
        for app in eco.apps if eco else ():
            if app.script:
                out.append(Hint(("node", app.script), f"node {app.script}", rel, app.line, app.cwd))
    return out


def _sources(repo: RepoView, scope: str) -> Iterator[str]:
    prefix = "" if scope in (".", "") else scope.rstrip("/") + "/"
    for rel in repo.files():
        if not rel.endswith(SUFFIXES) or not rel.startswith(prefix):
            continue
        parts = rel[len(prefix):].split("/")
        if _SKIP_DIRS.isdisjoint(parts[:-1]) and not _SKIP_NAME.search(parts[-1]):
            yield rel


def resolve_module(repo: RepoView, module: str) -> str | None:
    """``routes/health`` -> ``routes/health.js``, ``.`` -> ``index.js`` (a file of the repo), or None."""
    candidates = (posixpath.normpath(module + s) for s in _RESOLVE)
    return next((c for c in candidates if c.endswith(SUFFIXES) and repo.exists(c)), None)


def closure(repo: RepoView, starts: Sequence[str], packages: dict[str, str]) -> list[str]:
    """The repo files ``starts`` require, transitively (relative specifiers and workspace packages)."""
    seen: dict[str, None] = {}
    todo = list(starts)
    while todo and len(seen) < MAX_CLOSURE:
        rel = todo.pop(0)
        if rel in seen:
            continue
        seen[rel] = None
        text = repo.read_text(rel) or ""
        for spec in _SPEC.findall(text):
            target = _target(repo, rel, spec, packages)
            if target is not None and target not in seen:
                todo.append(target)
    return list(seen)


def _target(repo: RepoView, rel: str, spec: str, packages: dict[str, str]) -> str | None:
    if spec.startswith("."):
        return resolve_module(repo, posixpath.join(posixpath.dirname(rel), spec))
    name = spec if spec.startswith("@") else spec.split("/")[0]
    if spec.startswith("@"):
        name = "/".join(spec.split("/")[:2])
    directory = packages.get(name)
    if directory is None:
        return None
    found = root_main(repo, directory)
    return found


def root_main(repo: RepoView, directory: str) -> str | None:
    """A workspace package's entry: its ``main``, else ``index.js``."""
    text = repo.read_text(f"{directory}/package.json") or ""
    data = from_json(f"{directory}/package.json", text) if text else None
    main = as_str(data.get("main")) if isinstance(data, JsObject) else None
    return resolve_module(repo, posixpath.join(directory, main or "index"))


class TsLayout:
    """tsconfig's ``rootDir`` -> ``outDir`` mapping of one package (``src/x.ts`` runs as ``dist/x.js``)."""

    def __init__(self, repo: RepoView, pkg_dir: str) -> None:
        self.base = "" if pkg_dir in (".", "") else pkg_dir + "/"
        self.out_dir: str | None = None
        self.root_dir: str | None = None
        for name in ("tsconfig.build.json", "tsconfig.json"):
            options = _compiler_options(repo, self.base + name)
            self.out_dir = self.out_dir or _norm(as_str(options.get("outDir")) if options else None)
            self.root_dir = self.root_dir or _norm(as_str(options.get("rootDir")) if options else None)

    def source_of(self, repo: RepoView, runs: str) -> str | None:
        """The TS source of build output ``runs`` (repo-relative, with or without ``.js``)."""
        if self.out_dir is None:
            return None
        out = self.base + self.out_dir + "/"
        if not runs.startswith(out):
            return None
        stem = runs[len(out):].removesuffix(".js")
        root = self.base + (self.root_dir + "/" if self.root_dir else "")
        return next((root + stem + s for s in (".ts", ".tsx", ".mts") if repo.exists(root + stem + s)), None)

    def output_of(self, source: str) -> str:
        """The file node runs for ``source``: its build output for TypeScript, else itself."""
        if not source.endswith((".ts", ".tsx", ".mts", ".cts")) or self.out_dir is None:
            return source
        rel = source[len(self.base):]
        if self.root_dir and rel.startswith(self.root_dir + "/"):
            rel = rel[len(self.root_dir) + 1:]
        stem = rel.rsplit(".", 1)[0]
        return self.base + self.out_dir + "/" + stem + (".mjs" if source.endswith(".mts") else ".js")


def _compiler_options(repo: RepoView, rel: str) -> JsObject | None:
    text = repo.read_text(rel) if repo.exists(rel) else None
    data = from_json(rel, _strip_comments(text)) if text else None
    options = data.get("compilerOptions") if isinstance(data, JsObject) else None
    return options if isinstance(options, JsObject) else None


def _strip_comments(text: str) -> str:
    """tsconfig allows ``//`` comments (JSONC): drop whole-line ones; line numbers stay."""
    return "\n".join("" if line.lstrip().startswith("//") else line for line in text.splitlines())


def _norm(path: str | None) -> str | None:
    return posixpath.normpath(path).strip("/") if path else None


def _entries(repo: RepoView, pkg: Package, ts: TsLayout) -> list[Entry]:
    base = "" if pkg.dir == "." else pkg.dir + "/"
    found: dict[str, Entry] = {}

    def add(path: str, said_line: int | None, script: str | None = None, args: tuple[str, ...] = (),
            said_file: str = pkg.file, name: str | None = None, declared: bool = True,
            options: tuple[str, ...] = ()) -> None:
        joined = posixpath.normpath(base + path)
        source = resolve_module(repo, joined)
        runs = source
        if source is None:  # node dist/main: the build output does not exist in the repo
            source = ts.source_of(repo, joined) or ts.source_of(repo, joined + ".js")
            runs = joined if joined.endswith((".js", ".mjs", ".cjs")) else joined + ".js"
        elif source.endswith((".ts", ".tsx", ".mts")):
            runs = ts.output_of(source)
        if source is not None and runs is not None and source not in found:
            found[source] = Entry(source, runs, said_file, said_line, script, args, name, declared, options)

    for rel in pm2.ecosystem_files(repo):
        eco = pm2.read_ecosystem(repo, rel)
        for app in eco.apps if eco else ():
            if app.script and (app.interpreter or "node") not in ("none", "bash", "sh", "python", "python3"):
                where = posixpath.join(posixpath.dirname(rel), app.cwd or "", app.script)
                add(posixpath.relpath(posixpath.normpath(where), pkg.dir) if pkg.dir != "." else where,
                    app.line, None, app.args, rel, process_key(app))
    for entry in pkg.scripts:
        argv = list(words(entry.value, pkg.file, entry.line, _ANALYZER))
        if _DEV_SCRIPT.match(entry.name) or "--watch" in argv or not _WATCHERS.isdisjoint(
                posixpath.basename(w) for w in argv):
            continue
        managed = unwrap_manager(core_argv(argv))  # pm2 start server.js -i 4, forever start server.js
        if managed is not None:
            argv = list(managed[0])
        for i, word in enumerate(argv[:-1]):
            if posixpath.basename(word) in _RUNNERS:
                script = node_script(argv[i + 1:])
                if script is not None:
                    options = script[2] if posixpath.basename(word) in ("node", "nodejs") else ()
                    add(script[0], entry.line, entry.name, script[1], options=options)
                break
    main = pkg.main
    if main is not None:
        add(main.value, main.line, None)
    for name in _DEFAULT_ENTRIES:
        if repo.exists(base + name) and treesitter.grammar_for(base + name) is not None:
            add(name, None, declared=False)
    return list(found.values())


def node_script(args: Sequence[str]) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """(script, its arguments, node's options) of ``node``'s arguments (``-r ./tracing server.js --port 80``):
    node's own options (and their values) come before the script; its arguments run to the end of the
    simple command."""
    i = 0
    while i < len(args):
        word = args[i]
        if word in _OPERATORS:
            return None
        if not word.startswith("-"):
            rest = list(args[i + 1:])
            end = next((k for k, w in enumerate(rest) if w in _OPERATORS), len(rest))
            return word, tuple(rest[:end]), tuple(args[:i])
        i += 2 if word in _NODE_VALUE_OPTIONS else 1
    return None


def process_key(app: pm2.Pm2App) -> str:
    """A PM2 app's process key: its name (``api``, ``Site Web`` -> ``site-web``), else its script's stem."""
    name = app.name or posixpath.splitext(posixpath.basename(app.script or "app"))[0]
    return _KEY.sub("-", name.lower()).strip("-") or "app"

