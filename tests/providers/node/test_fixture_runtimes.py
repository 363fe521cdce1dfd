"""The three Node fixtures' runtime facts, with their files and lines, as their READMEs describe them: the
contract the image plan reads from ``model.primary.subject``."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from migrator.model import AppModel, Confidence, Kind
from migrator.planner import analyze
from tests.conftest import fixture_path


@cache
def model(name: str) -> AppModel:
    return analyze(fixture_path(name))


def fact(m: AppModel, name: str) -> tuple[Any, str, int | None, Confidence]:
    """(value, file, line, confidence) of the primary runtime's ``name``."""
    assert m.primary is not None
    found = m.primary.subject.facts[name]
    src = found.candidates[0].source
    return found.value, src.file, src.line, src.confidence


def candidates(m: AppModel, name: str) -> list[tuple[Any, str, int | None, str]]:
    assert m.primary is not None
    return [(c.value, c.source.file, c.source.line, c.source.confidence.label)
            for c in m.primary.subject.facts[name].candidates]


def runtime_conflicts(m: AppModel) -> list[str]:
    return [c.field for c in m.conflicts if c.kind is Kind.RUNTIME]


def test_pm2_ops_api() -> None:
    m = model("pm2-ops-api")
    assert m.primary is not None and m.primary.language == "node" and m.primary.supported
    assert fact(m, "language")[0] == "node"
    assert fact(m, "version") == ("18", ".nvmrc", 1, Confidence.DECLARED)
    # engines.node 18.x agrees (and NodeSource's setup_18.x in provision.sh): candidates, no conflict
    assert ("18", "package.json", 8, "declared") in candidates(m, "version")
    assert ("18", "deploy/provision.sh", 5, "inferred") in candidates(m, "version")
    assert "version_full" not in m.primary.subject.facts
    assert fact(m, "package_manager") == ("npm", "package-lock.json", 1, Confidence.DECLARED)
    assert fact(m, "lockfile") == ("package-lock.json", "package-lock.json", 1, Confidence.DECLARED)
    assert fact(m, "lockfile_version")[0] == "3"
    assert "yarn_flavor" not in m.primary.subject.facts and "package_manager_version" not in m.primary.subject.facts
    assert fact(m, "framework") == ("express", "package.json", 22, Confidence.INFERRED)
    assert fact(m, "app_root")[0] == "." and "workspace" not in m.primary.subject.facts
    assert "workspace_manifests" not in m.primary.subject.facts
    assert fact(m, "start_script") == ("node server.js", "package.json", 11, Confidence.DECLARED)
    assert runtime_conflicts(m) == []
    # bcrypt compiles: the build stage needs node-gyp's tools
    for name in ("python3", "make", "g++"):
        pkg = next(s for s in m.of(Kind.SYSTEM_PACKAGE) if s.key == name)
        src = pkg.facts["stage"].candidates[0].source
        assert (pkg.get("stage"), src.file, src.line) == ("build", "package.json", 20)
    # the nightly report runs the script itself, never npm as PID 1
    nightly = next(s for s in m.of(Kind.SCHEDULE) if s.key == "report-nightly")
    assert nightly.get("command") == "node scripts/nightly-report.js"
    assert "package.json:14" in nightly.facts["command"].reason
    # PM2 declares the processes: no Heroku default web process from package.json
    assert not any(c.source.analyzer == "node_packaging" for p in m.processes for f in p.facts.values()
                   for c in f.candidates)


def test_nest_media_queue() -> None:
    m = model("nest-media-queue")
    assert m.primary is not None and m.primary.language == "node"
    assert fact(m, "version") == ("20", ".node-version", 1, Confidence.DECLARED)
    assert fact(m, "version_full")[0] == "20.11.1"
    # engines >=18 is a range the pin satisfies (on its own it would give the highest LTS it allows, 24): a
    # losing candidate, kept, and no conflict
    assert ("24", "package.json", 8, "heuristic") in candidates(m, "version")
    assert runtime_conflicts(m) == []
    assert fact(m, "package_manager")[0] == "npm" and fact(m, "lockfile")[0] == "package-lock.json"
    assert fact(m, "framework") == ("nestjs", "package.json", 21, Confidence.INFERRED)
    assert fact(m, "start_script") == ("node dist/main", "package.json", 13, Confidence.DECLARED)
    build = next(s for s in m.of(Kind.BUILD_STEP) if s.key == "npm run build")
    assert build.get("runs") == "tsc -p tsconfig.build.json"
    assert ("package.json", 12) in [(c.source.file, c.source.line) for c in build.facts["command"].candidates]
    # @nestjs/core's install script is a banner, msgpackr-extract picks a prebuilt binary: nothing compiles
    assert not [s for s in m.of(Kind.SYSTEM_PACKAGE) if s.get("stage") == "build"]
    api = m.process("media-api")
    assert api is not None and api.get("command") == "node dist/main.js" and api.get("role") == "web"
    assert api.meaning is not None and api.meaning.provider == "node"
    worker = m.process("media-worker")
    assert worker is not None and worker.get("command") == "node dist/worker.js" and worker.get("role") == "worker"
    assert set(m.primary.processes) == {"media-api", "media-worker"}


def test_workspaces_monorepo() -> None:
    m = model("workspaces-monorepo")
    assert m.primary is not None and m.primary.language == "node"
    assert fact(m, "version") == ("22", "package.json", 11, Confidence.DECLARED)
    assert "version_full" not in m.primary.subject.facts
    assert fact(m, "lockfile") == ("package-lock.json", "package-lock.json", 1, Confidence.DECLARED)
    # the Procfile names the workspace: apps/api is the app, declared
    assert fact(m, "app_root") == ("apps/api", "Procfile", 1, Confidence.DECLARED)
    assert fact(m, "workspace")[0] == "@acme/api"
    # npm ci at the root needs the root's and the four workspaces' manifests
    assert fact(m, "workspace_manifests") == (
        ("package.json", "apps/api/package.json", "apps/web/package.json", "packages/shared/package.json",
         "tools/seed/package.json"), "package.json", 6, Confidence.DECLARED)
    assert fact(m, "framework") == ("fastify", "apps/api/package.json", 13, Confidence.INFERRED)
    assert fact(m, "start_script") == ("node src/index.js", "apps/api/package.json", 7, Confidence.DECLARED)
    # Heroku runs heroku-postbuild instead of build
    assert [s.key for s in m.of(Kind.BUILD_STEP)] == ["npm run heroku-postbuild"]
    step = m.of(Kind.BUILD_STEP)[0]
    assert step.get("runs") == "npm run build -w apps/web"
    assert (step.facts["command"].candidates[0].source.file, step.facts["command"].candidates[0].source.line) == \
        ("package.json", 16)
    # esbuild's install script only picks its binary from npm: nothing compiles
    assert m.of(Kind.SYSTEM_PACKAGE) == ()
    web = m.web_process
    assert web is not None and web.get("command") == "node apps/api/src/index.js"
    assert "npm start -w apps/api" in web.facts["command"].reason
    assert runtime_conflicts(m) == []


@pytest.mark.parametrize("name", ["pm2-ops-api", "nest-media-queue", "workspaces-monorepo"])
def test_the_contract_fields_carry_their_sources(name: str) -> None:
    m = model(name)
    assert m.primary is not None
    for field in ("language", "version", "package_manager", "lockfile", "framework", "app_root", "start_script"):
        assert field in m.primary.subject.facts, field
        src = m.primary.subject.facts[field].candidates[0].source
        # app.json's heroku/nodejs buildpack says node too (workspaces-monorepo)
        assert src.file and src.analyzer in ("node_version", "node_packaging", "app_json"), (field, src)
