"""node/pkg.py, node/scripts.py, node/workspaces.py and node/frameworks.py."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from analyzers.lib.jsvalue import Unknown
from analyzers.providers.node.frameworks import frameworks
from analyzers.providers.node.pkg import Package, read_package, root_package
from analyzers.providers.node.scripts import ScriptRef, build_scripts, hooks, resolve, script_ref
from analyzers.providers.node.workspaces import Hint, app_package, workspaces
from migrator.model import Confidence
from migrator.repo import RepoView

Tree = Callable[[dict[str, str | bytes]], Path]

ROOT = textwrap.dedent("""
    {
      "name": "acme",
      "private": true,
      "workspaces": [
        "apps/*",
        "packages/*",
        "!packages/legacy"
      ],
      "scripts": {
        "start": "npm start -w apps/api",
        "heroku-postbuild": "npm run build -w apps/web"
      }
    }
    """).lstrip("\n")
API = ('{\n  "name": "@acme/api",\n  "scripts": {\n    "start": "node src/index.js"\n  },\n'
       '  "dependencies": {\n    "fastify": "^4.26.0"\n  }\n}\n')
WEB = ('{"name": "@acme/web", "scripts": {"build": "esbuild src/main.js --bundle --outdir=dist"},'
       ' "dependencies": {"react": "^18"}}')
SHARED = '{"name": "@acme/shared", "main": "index.js"}'
LEGACY = '{"name": "@acme/legacy", "scripts": {"start": "node old.js"}, "dependencies": {"express": "^3"}}'


def monorepo(tree: Tree, **extra: str) -> RepoView:
    files: dict[str, str | bytes] = {"package.json": ROOT, "apps/api/package.json": API, "apps/web/package.json": WEB,
                                     "packages/shared/package.json": SHARED, "packages/legacy/package.json": LEGACY,
                                     "tools/lint/package.json": '{"devDependencies": {"eslint": "^8"}}'}
    files.update(extra)
    return RepoView(tree(files))


def test_package_members_keep_their_lines(tree: Tree) -> None:
    repo = monorepo(tree)
    api = read_package(repo, "apps/api/package.json")
    assert isinstance(api, Package) and (api.name, api.dir) == ("@acme/api", "apps/api")
    start = api.script("start")
    assert start is not None and (start.value, start.line) == ("node src/index.js", 4)
    dep = api.depends_on("fastify")
    assert dep is not None and (dep.value, dep.line) == ("^4.26.0", 7)


def test_invalid_package_json_is_unknown_with_its_line(tree: Tree) -> None:
    repo = RepoView(tree({"package.json": '{\n  "name": "x",\n  "scripts": {\n}\n'}))
    bad = read_package(repo, "package.json")
    assert isinstance(bad, Unknown) and bad.line == 5 and root_package(repo) is None


@pytest.mark.parametrize(("argv", "ref"), [
    ("npm start", ScriptRef("npm", "start")),
    ("npm run build", ScriptRef("npm", "build")),
    ("npm run-script report:nightly", ScriptRef("npm", "report:nightly")),
    ("npm start -w apps/api", ScriptRef("npm", "start", "apps/api")),
    ("npm run migrate --workspace=apps/api -- --env production",
     ScriptRef("npm", "migrate", "apps/api", None, ("--env", "production"))),
    ("npm --prefix /srv/app run start", ScriptRef("npm", "start", None, "/srv/app")),
    ("yarn build", ScriptRef("yarn", "build")),
    ("yarn run start", ScriptRef("yarn", "start")),
    ("yarnpkg workspace @acme/api start", ScriptRef("yarn", "start", "@acme/api")),
    ("pnpm --filter api start", ScriptRef("pnpm", "start", "api")),
    ("pnpm -C apps/api dev", ScriptRef("pnpm", "dev", None, "apps/api")),
    ("bun run start", ScriptRef("bun", "start")),
    ("/usr/bin/npm run worker", ScriptRef("npm", "worker")),
])
def test_script_refs(argv: str, ref: ScriptRef) -> None:
    assert script_ref(argv.split()) == ref


@pytest.mark.parametrize("argv", ["npm ci", "npm install --production", "yarn install", "yarn add x", "pnpm exec tsc",
                                  "node server.js", "npm", "npx knex migrate:latest", "yarn workspaces focus"])
def test_not_script_refs(argv: str) -> None:
    assert script_ref(argv.split()) is None


def test_resolve_in_a_workspace_by_dir_or_name(tree: Tree) -> None:
    repo = monorepo(tree)
    root = root_package(repo)
    assert root is not None
    ws = workspaces(repo, root)
    assert ws is not None
    for argv in ("npm start -w apps/api", "yarn workspace @acme/api start", "pnpm --filter api start"):
        ref = script_ref(argv.split())
        assert ref is not None
        found = resolve(ref, root, ws.packages)
        assert found is not None and found.package.dir == "apps/api"
        assert (found.script.value, found.script.line) == ("node src/index.js", 4)
    root_start = resolve(ScriptRef("npm", "start"), root, ws.packages)
    assert root_start is not None and (root_start.package.dir, root_start.script.line) == (".", 10)
    assert resolve(ScriptRef("npm", "nope"), root, ws.packages) is None


def test_build_scripts_in_herokus_order(tree: Tree) -> None:
    repo = RepoView(tree({"package.json": '{"scripts": {"build": "tsc", "heroku-postbuild": "x", '
                                           '"heroku-prebuild": "y",'
                                           ' "prebuild": "rimraf dist", "postbuild": "cp a b"}}'}))
    pkg = root_package(repo)
    assert pkg is not None
    assert [e.name for e in build_scripts(pkg)] == ["heroku-prebuild", "build", "heroku-postbuild"]
    pre, post = hooks(pkg, "build")
    assert pre is not None and post is not None and (pre.value, post.value) == ("rimraf dist", "cp a b")
    heroku = RepoView(tree({"package.json": '{"scripts": {"build": "tsc", "heroku-build": "tsc -p prod"}}'}))
    pkg = root_package(heroku)
    assert pkg is not None and [e.name for e in build_scripts(pkg)] == ["heroku-build"]


def test_workspace_globs_with_negation(tree: Tree) -> None:
    repo = monorepo(tree)
    root = root_package(repo)
    assert root is not None
    ws = workspaces(repo, root)
    assert ws is not None and ws.file == "package.json"
    assert [(g.value, g.line) for g in ws.globs] == [("apps/*", 5), ("packages/*", 6), ("!packages/legacy", 7)]
    assert [p.dir for p in ws.packages] == ["apps/api", "apps/web", "packages/shared"]  # tools/ is not a workspace


def test_pnpm_workspace_yaml(tree: Tree) -> None:
    repo = RepoView(tree({"package.json": '{"name": "r"}', "pnpm-workspace.yaml": "packages:\n  - 'services/**'\n",
                          "services/a/package.json": "{}", "services/b/c/package.json": "{}"}))
    root = root_package(repo)
    assert root is not None
    ws = workspaces(repo, root)
    assert ws is not None and ws.file == "pnpm-workspace.yaml" and [g.line for g in ws.globs] == [2]
    assert [p.dir for p in ws.packages] == ["services/a", "services/b/c"]


@pytest.mark.parametrize(("hint", "app"), [
    (Hint(("npm", "start", "-w", "apps/api"), "npm start -w apps/api", "Procfile", 1), "apps/api"),
    (Hint(("node", "apps/api/src/index.js"), "node apps/api/src/index.js", "deploy/api.service", 9), "apps/api"),
    (Hint(("node", "src/index.js"), "cd apps/api && node src/index.js", "deploy.sh", 3), "apps/api"),
    (Hint(("node", "src/index.js"), "node src/index.js", "ecosystem.config.js", 4, "apps/api"), "apps/api"),
])
def test_the_app_is_the_workspace_a_process_runs(tree: Tree, hint: Hint, app: str) -> None:
    repo = monorepo(tree)
    root = root_package(repo)
    assert root is not None
    ws = workspaces(repo, root)
    assert ws is not None
    choice = app_package(ws, root, [hint])
    assert choice.package is not None and choice.package.dir == app
    assert (choice.file, choice.line, choice.confidence) == (hint.file, hint.line, Confidence.DECLARED)


def test_the_app_by_framework_then_root_start_then_no_guess(tree: Tree) -> None:
    repo = monorepo(tree)
    root = root_package(repo)
    assert root is not None
    ws = workspaces(repo, root)
    assert ws is not None
    by_framework = app_package(ws, root)
    assert by_framework.package is not None and by_framework.package.dir == "apps/api"
    assert (by_framework.confidence, by_framework.file, by_framework.line) == (Confidence.INFERRED,
                                                                              "apps/api/package.json", 4)
    admin = '{"scripts": {"start": "node a.js"}, "dependencies": {"koa": "2"}}'
    two = monorepo(tree, **{"apps/admin/package.json": admin})
    root = root_package(two)
    assert root is not None
    ws = workspaces(two, root)
    assert ws is not None
    by_start = app_package(ws, root)
    assert by_start.package is not None and by_start.package.dir == "apps/api"
    assert (by_start.confidence, by_start.line) == (Confidence.INFERRED, 10)


def test_no_guess_between_two_servers(tree: Tree) -> None:
    a = '{"scripts": {"start": "node a"}, "dependencies": {"express": "4"}}'
    b = '{"scripts": {"start": "node b"}, "dependencies": {"koa": "2"}}'
    no_start = RepoView(tree({"package.json": '{"workspaces": ["apps/*"]}', "apps/a/package.json": a,
                              "apps/b/package.json": b}))
    root = root_package(no_start)
    assert root is not None
    ws = workspaces(no_start, root)
    assert ws is not None
    none = app_package(ws, root)
    assert none.package is None and none.candidates == ("apps/a", "apps/b")


@pytest.mark.parametrize(("deps", "names"), [
    ('{"@nestjs/core": "^10", "express": "^4"}', ["nestjs", "express"]),
    ('{"nuxt": "^2.15.8"}', ["nuxt2"]), ('{"nuxt": "^3.10.0"}', ["nuxt"]), ('{"next": "14.1.0"}', ["next"]),
    ('{"fastify": "^4"}', ["fastify"]), ('{"@hapi/hapi": "^21"}', ["hapi"]), ('{"koa": "^2"}', ["koa"]),
    ('{"sails": "^1.5"}', ["sails"]), ('{"lodash": "^4"}', []),
])
def test_frameworks_from_dependencies(tree: Tree, deps: str, names: list[str]) -> None:
    repo = RepoView(tree({"package.json": f'{{"dependencies": {deps}}}'}))
    pkg = root_package(repo)
    assert pkg is not None
    hits = frameworks(pkg)
    assert [h.framework.name for h in hits] == names
    assert all(h.dependency.line == 1 and h.file == "package.json" for h in hits)


def test_framework_facts() -> None:
    from analyzers.providers.node.frameworks import BY_NAME

    assert (BY_NAME["sails"].default_port, BY_NAME["fastify"].binds_loopback, BY_NAME["nuxt2"].binds_loopback) == (
        1337, True, True)
    assert BY_NAME["next"].listen_add == ("-H", "0.0.0.0", "-p", "{port}")  # noqa: S104
    assert BY_NAME["hapi"].default_port is None and BY_NAME["express"].default_port == 3000
