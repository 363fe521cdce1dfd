"""node_version and node_packaging: findings with lines and confidences, conflicts through the planner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analyzers.providers.node import runtime_packaging, runtime_version
from migrator.model import Confidence, Kind
from migrator.planner import analyze

Tree = Callable[[dict[str, str | bytes]], Path]


def pkg(**fields: object) -> str:
    return json.dumps(fields, indent=2) + "\n"


def runtime(result: Any, name: str) -> list[tuple[Any, str, int | None, Confidence]]:
    return [(f.fields[name], f.source.file, f.source.line, f.source.confidence)
            for f in result.of(Kind.RUNTIME) if name in f.fields]


def test_a_pin_against_a_range_that_excludes_it_is_a_conflict(tree: Tree) -> None:
    model = analyze(tree({".nvmrc": "16\n", "package.json": pkg(engines={"node": ">=18"}),
                          "server.js": ""}))
    assert model.runtime.get("version") == "16"
    conflict = next(c for c in model.conflicts if c.kind is Kind.RUNTIME and c.field == "version")
    assert [(c.value, c.source.file, c.source.line) for c in conflict.candidates] == [
        ("16", ".nvmrc", 1), ("24", "package.json", 3)]


def test_nothing_pinned_is_the_default_major(run_analyzer: Any) -> None:
    result = run_analyzer(runtime_version, {"package.json": pkg(name="x")})
    assert runtime(result, "version") == [("22", "package.json", None, Confidence.DEFAULT)]
    assert not runtime(result, "version_full")


def test_an_exact_pin_gives_version_full(run_analyzer: Any) -> None:
    result = run_analyzer(runtime_version, {"package.json": pkg(volta={"node": "18.19.0"})})
    assert runtime(result, "version") == [("18", "package.json", 3, Confidence.DECLARED)]
    assert runtime(result, "version_full") == [("18.19.0", "package.json", 3, Confidence.DECLARED)]


def test_no_package_json_and_no_version_file_says_nothing(run_analyzer: Any) -> None:
    assert run_analyzer(runtime_version, {"app.py": ""}).items == []
    assert run_analyzer(runtime_packaging, {"app.py": ""}).items == []


def test_yarn_berry_with_package_manager(run_analyzer: Any) -> None:
    result = run_analyzer(runtime_packaging, {
        "package.json": pkg(packageManager="yarn@4.1.0", scripts={"start": "node index.js"}),
        "yarn.lock": "__metadata:\n  version: 8\n", ".yarnrc.yml": "nodeLinker: node-modules\n"})
    assert runtime(result, "package_manager") == [("yarn", "package.json", 2, Confidence.DECLARED)]
    assert runtime(result, "package_manager_version") == [("4.1.0", "package.json", 2, Confidence.DECLARED)]
    assert runtime(result, "yarn_flavor") == [("berry", "package.json", 2, Confidence.DECLARED)]
    assert runtime(result, "lockfile") == [("yarn.lock", "yarn.lock", 1, Confidence.DECLARED)]
    assert runtime(result, "start_script") == [("node index.js", "package.json", 4, Confidence.DECLARED)]


def test_two_managers_lockfiles_are_a_conflict(tree: Tree) -> None:
    model = analyze(tree({"package.json": pkg(scripts={"start": "node index.js"}), "index.js": "",
                          "package-lock.json": '{"lockfileVersion": 3}\n', "yarn.lock": "# yarn lockfile v1\n"}))
    assert model.runtime.get("package_manager") == "yarn"  # yarn.lock comes first in the lock precedence
    conflict = next(c for c in model.conflicts if c.kind is Kind.RUNTIME and c.field == "package_manager")
    assert {c.value for c in conflict.candidates} == {"yarn", "npm"}


def test_build_scripts_in_herokus_order(run_analyzer: Any) -> None:
    result = run_analyzer(runtime_packaging, {"package.json": pkg(scripts={
        "heroku-prebuild": "echo pre", "build": "webpack", "postinstall": "echo", "start": "node s.js"})})
    steps = [(f.key, f.fields["runs"], f.source.line) for f in result.of(Kind.BUILD_STEP)]
    assert steps == [("npm run heroku-prebuild", "echo pre", 3), ("npm run build", "webpack", 4)]


def test_a_monorepo_without_a_clear_app_warns(run_analyzer: Any) -> None:
    result = run_analyzer(runtime_packaging, {
        "package.json": pkg(workspaces=["apps/*"]),
        "apps/a/package.json": pkg(name="a", scripts={"start": "node a.js"}, dependencies={"express": "^4"}),
        "apps/b/package.json": pkg(name="b", scripts={"start": "node b.js"}, dependencies={"koa": "^2"})})
    assert not runtime(result, "app_root")
    assert [(w.file, w.line) for w in result.warnings] == [("package.json", 3)]
    assert "apps/a, apps/b" in result.warnings[0].message


def test_native_modules_need_build_tools_and_runtime_libraries(run_analyzer: Any) -> None:
    result = run_analyzer(runtime_packaging, {"package.json": pkg(dependencies={"sharp": "^0.32.0"})})
    stages = {(f.key, f.fields["stage"], f.source.line) for f in result.of(Kind.SYSTEM_PACKAGE)}
    assert ("libvips-dev", "build", 3) in stages and ("libvips42", "runtime", 3) in stages
    assert ("g++", "build", 3) in stages
