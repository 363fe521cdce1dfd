"""Tests for analyzers/providers/node/app_code.py (node_code) and the file choice of appfiles.py."""

from __future__ import annotations

import json

from analyzers.providers.node import app_code
from migrator.model import Confidence, Finding, Kind
from migrator.repo import RepoView
from tests.conftest import Result, fixture_path

P, E = Kind.PROCESS, Kind.ENV
D, I, H, DEF = Confidence.DECLARED, Confidence.INFERRED, Confidence.HEURISTIC, Confidence.DEFAULT  # noqa: E741


def pkg(**fields: object) -> str:
    return json.dumps({"name": "app", **fields}, indent=2) + "\n"


def fixture(name: str) -> Result:
    repo = RepoView(fixture_path(name))
    return Result(app_code.analyze(repo), repo)


def where(findings: list[Finding]) -> list[tuple[str, int | None, Confidence]]:
    return [(f.source.file, f.source.line, f.source.confidence) for f in findings]


EXPRESS = {
    "package.json": pkg(main="server.js", scripts={"start": "node server.js"},
                        dependencies={"express": "^4", "pg": "^8", "ioredis": "^5", "left-pad": "1"}),
    "server.js": """\
        require('dotenv').config();
        const express = require('express');
        const health = require('./routes/health');
        const app = express();
        app.locals.secret = process.env.SESSION_SECRET || 'Qz8-real-looking-S3ss10n-secret-9f2c';
        app.use('/ops', health);
        const port = process.env.PORT || 3000;
        const server = app.listen(port);
        process.on('SIGINT', () => server.close());
        """,
    "routes/health.js": """\
        const router = require('express').Router();
        router.get('/healthz', (req, res) => res.json({ ok: true }));
        module.exports = router;
        """,
    "test/server.test.js": "process.env.TEST_ONLY = '1';\n",
}


def test_express_app_env_port_health_secret_signals_services(run_analyzer):
    r = run_analyzer(app_code, EXPRESS)
    assert r.keys(E) == ["PORT", "SESSION_SECRET"]  # the test file is not the app's
    assert where(r.of(E, "PORT")) == [("server.js", 7, D), ("server.js", 7, H)]
    assert [f.fields.get("default") for f in r.of(E, "PORT")] == [None, "3000"]
    secret = r.one(E, "SESSION_SECRET")
    assert secret.fields["secret"] is True and "default" not in secret.fields
    [found] = r.secrets
    assert (found.file, found.line, found.name, found.fallback) == ("server.js", 5, "SESSION_SECRET", True)
    assert "S3ss10n" not in repr(r.items)

    web = [f for f in r.of(P, "web") if "command" in f.fields]
    assert [(f.fields["command"], f.fields["role"], f.source.confidence) for f in web] == [("node server.js", "web", I)]
    assert r.field(P, "web", "port_env") == "PORT"
    assert [(f.fields["port"], f.source.line, f.source.confidence) for f in r.of(P, "web") if "port" in f.fields] \
        == [(3000, 8, DEF)]
    assert r.field(P, "web", "handles_sigterm") is False

    check = r.one(Kind.HEALTH_CHECK)
    assert (check.key, check.source.file, check.source.line) == ("/ops/healthz", "routes/health.js", 2)

    sigint = [w for w in r.warnings if "SIGINT only" in w.message]
    assert [(w.file, w.line) for w in sigint] == [("server.js", 9)]
    assert [(w.file, w.line) for w in r.warnings if "dotenv" in w.message] == [("server.js", 1)]
    services = r.of(Kind.SERVICE)
    assert [(s.key, s.source.file, s.source.line, s.fields["note"]) for s in services] == [
        ("postgres", "package.json", 9, "depends on pg"), ("redis", "package.json", 10, "depends on ioredis")]


def test_a_literal_loopback_listen_is_declared_and_warned(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(scripts={"start": "node index.js"}),
        "index.js": "const http = require('http');\nhttp.createServer(() => {}).listen(8081, '127.0.0.1');\n",
    })
    ports = [f for f in r.of(P, "web") if "port" in f.fields]
    assert [(f.fields["port"], f.source.line, f.source.confidence) for f in ports] == [(8081, 2, I)]
    [loop] = [w for w in r.warnings if "loopback" in w.message]
    assert (loop.file, loop.line) == ("index.js", 2) and "listen on 0.0.0.0" in loop.message
    assert [(w.file, w.line) for w in r.warnings if "no SIGTERM handler" in w.message] == [("index.js", None)]


def test_a_queue_consumer_with_a_schedule_is_a_singleton_worker_never_a_cronjob(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(scripts={"worker": "node jobs/worker.js --queue mail"},
                            dependencies={"bullmq": "^5", "node-cron": "^3"}),
        "jobs/worker.js": """\
            const { Worker } = require('bullmq');
            const cron = require('node-cron');
            new Worker('mail', async (job) => {}, { concurrency: 4 });
            cron.schedule('*/5 * * * *', () => {});
            process.on('SIGTERM', () => process.exit(0));
            """,
    })
    assert r.keys(P) == ["worker"]
    assert r.field(P, "worker", "command") == "node jobs/worker.js --queue mail"
    assert r.field(P, "worker", "role") == "worker"
    note = [f for f in r.of(P, "worker") if "note" in f.fields]
    assert [(f.fields["note"], f.source.line) for f in note] == [("bullmq consumer of queue 'mail' (concurrency 4)", 3)]
    single = [f for f in r.of(P, "worker") if "replicas" in f.fields]
    assert [(f.fields["replicas"], f.source.file, f.source.line) for f in single] == [(1, "jobs/worker.js", 4)]
    assert [(w.file, w.line) for w in r.warnings if "one replica" in w.message] == [("jobs/worker.js", 4)]
    assert not r.of(Kind.SCHEDULE)
    assert r.field(P, "worker", "handles_sigterm") is True
    assert not [w for w in r.warnings if "SIGTERM" in w.message]
    assert r.keys(Kind.SERVICE) == ["redis"]


def test_a_pm2_app_gets_facts_under_its_name_and_no_second_command(run_analyzer):
    r = run_analyzer(app_code, {
        **EXPRESS,
        "ecosystem.config.js": "module.exports = { apps: [{ name: 'api', script: './server.js' }] };\n",
    })
    assert r.keys(P) == ["api"]
    assert not [f for f in r.of(P) if "command" in f.fields]  # the PM2 analyzer gives the command
    assert r.field(P, "api", "port_env") == "PORT"


def test_pm2_names_are_the_keys_the_pm2_analyzer_uses(run_analyzer):
    r = run_analyzer(app_code, {
        **EXPRESS,
        "process.json": '{"apps": [{"name": "Ops API", "script": "server.js"}]}\n',
    })
    assert r.keys(P) == ["ops-api"]


def test_development_scripts_and_watchers_are_no_processes(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(scripts={"start": "node server.js", "dev": "node dev-server.js",
                                     "serve": "nodemon other.js", "hot": "node --watch hot.js"}),
        **{f: "require('http').createServer().listen(process.env.PORT || 3000);\n"
           for f in ("server.js", "dev-server.js", "other.js", "hot.js")},
    })
    assert r.keys(P) == ["web"]
    assert r.field(P, "web", "command") == "node server.js"


def test_a_script_that_starts_the_app_through_a_process_manager_names_the_entry(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(scripts={"start": "NODE_ENV=production pm2 start lib/boot.js -i 2 --name api"}),
        "lib/boot.js": "require('http').createServer().listen(process.env.PORT || 3000);\n",
    })
    assert [(f.fields["command"], f.source.confidence) for f in r.of(P, "web") if "command" in f.fields] == [
        ("node lib/boot.js", I)]


def test_node_options_and_their_values_are_not_the_script(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(scripts={"start": "node -r dotenv/config --max-old-space-size 512 . --port 80 && true"}),
        "index.js": "require('http').createServer().listen(process.env.PORT || 3000);\n",
    })
    assert r.field(P, "web", "command") == "node -r dotenv/config --max-old-space-size 512 index.js --port 80"


def test_an_entry_known_only_by_its_usual_name_is_heuristic(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(dependencies={"koa": "^2"}),
        "app.js": "const Koa = require('koa');\nnew Koa().listen(3000);\n",
    })
    assert [(f.fields["command"], f.source.confidence) for f in r.of(P, "web") if "command" in f.fields] == [
        ("node app.js", H)]


def test_supervisor_programs_declare_processes_with_their_env(run_analyzer):
    r = run_analyzer(app_code, {
        **EXPRESS,
        "deploy/supervisor/app.conf": "[program:Ops-API]\ncommand=node server.js\ndirectory=/srv/app\n"
                                      "environment=NODE_ENV=production,PORT=\"9000\"\n",
    })
    assert r.keys(P) == ["ops-api"]
    assert [(f.fields["port"], f.source.file, f.source.line) for f in r.of(P, "ops-api") if "port" in f.fields] == [
        (3000, "server.js", 8), (9000, "deploy/supervisor/app.conf", 4)]


def test_a_module_that_an_entry_requires_is_not_a_second_process(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(scripts={"start": "node server.js"}),
        "server.js": "const app = require('./app');\napp.listen(process.env.PORT || 5000);\n",
        "app.js": "const express = require('express');\nmodule.exports = express();\n",
    })
    assert r.keys(P) == ["web"]
    assert r.field(P, "web", "command") == "node server.js"


def test_the_monorepo_app_workspace_and_the_workspace_packages_it_requires(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(workspaces=["apps/*", "packages/*"]),
        "Procfile": "web: npm start -w apps/api\n",
        "apps/api/package.json": pkg(name="@x/api", scripts={"start": "node src/index.js"},
                                     dependencies={"fastify": "^4", "@x/shared": "1", "mongoose": "^8"}),
        "apps/api/src/index.js": """\
            const shared = require('@x/shared');
            const app = require('fastify')();
            app.get('/status', async () => 'ok');
            app.listen({ port: Number(process.env.PORT) || 3000, host: '0.0.0.0' });
            """,
        "apps/web/package.json": pkg(name="@x/web", scripts={"start": "node server.js"}),
        "apps/web/server.js": "require('http').createServer().listen(process.env.WEB_PORT || 8080);\n",
        "packages/shared/package.json": pkg(name="@x/shared", main="lib.js"),
        "packages/shared/lib.js": "module.exports = { greeting: process.env.GREETING || 'hi' };\n",
    })
    assert r.keys(E) == ["GREETING", "PORT"]  # not the other app's WEB_PORT
    assert where(r.of(E, "GREETING")) == [("packages/shared/lib.js", 1, D), ("packages/shared/lib.js", 1, H)]
    # the Procfile's web runs apps/api's start script, node src/index.js: the facts join that process
    assert r.keys(P) == ["web"]
    assert not [f for f in r.of(P) if "command" in f.fields]
    assert r.field(P, "web", "role") == "web"
    assert r.one(Kind.HEALTH_CHECK).key == "/status"
    assert [(s.key, s.source.file, s.source.line) for s in r.of(Kind.SERVICE)] == [
        ("mongodb", "apps/api/package.json", 9)]


def test_an_undeclared_workspace_app_runs_by_its_repo_path(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(workspaces=["apps/*"]),
        "apps/api/package.json": pkg(name="@x/api", scripts={"start": "node src/index.js"},
                                     dependencies={"express": "^4"}),
        "apps/api/src/index.js": "require('express')().listen(process.env.PORT || 3000);\n",
        "apps/cli/package.json": pkg(name="@x/cli", scripts={"start": "node cli.js"}),
        "apps/cli/cli.js": "console.log(process.env.CLI_ONLY);\n",
    })
    assert r.field(P, "web", "command") == "node apps/api/src/index.js"
    assert r.keys(E) == ["PORT"]


def test_a_systemd_unit_declares_the_process_by_an_absolute_path(run_analyzer):
    r = run_analyzer(app_code, {
        **EXPRESS,
        "deploy/app.service": "[Service]\nWorkingDirectory=/srv/app\nExecStart=/usr/bin/node /srv/app/server.js\n",
    })
    assert r.keys(P) == ["app"]
    assert not [f for f in r.of(P) if "command" in f.fields]
    assert [(f.source.file, f.source.line) for f in r.of(P, "app") if "role" in f.fields] == [("server.js", 8)]


def test_a_typescript_entry_runs_as_its_build_output(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(scripts={"start": "node dist/main"}, dependencies={"@nestjs/core": "^10"}),
        "tsconfig.json": '{\n  // comments are allowed\n'
                         '  "compilerOptions": {"outDir": "./dist", "rootDir": "./src"}\n}\n',
        "src/main.ts": """\
            import { NestFactory } from '@nestjs/core';
            async function boot() {
              const app = await NestFactory.create(AppModule);
              app.enableShutdownHooks();
              await app.listen(process.env.PORT ?? 3000);
            }
            """,
        "src/status.controller.ts": """\
            import { Controller, Get } from '@nestjs/common';
            @Controller('status')
            export class StatusController {
              @Get('live')
              live() { return 'ok'; }
            }
            """,
    })
    assert r.field(P, "web", "command") == "node dist/main.js"
    assert r.field(P, "web", "handles_sigterm") is True
    check = r.one(Kind.HEALTH_CHECK)
    assert (check.key, check.source.line, check.fields.get("probe")) == ("/status/live", 4, "liveness")


def test_an_assets_only_package_says_nothing(run_analyzer):
    r = run_analyzer(app_code, {
        "package.json": pkg(scripts={"build": "webpack"}, devDependencies={"webpack": "^5"}),
        "frontend/app.js": "const api = process.env.API_URL || 'http://localhost:8000';\n",
        "manage.py": "import os\n",
    })
    assert r.items == []


def test_without_a_package_json_nothing_is_said(run_analyzer):
    assert run_analyzer(app_code, {"server.js": "require('http').createServer().listen(80);\n"}).items == []


def test_fixture_pm2_ops_api():
    r = fixture("pm2-ops-api")
    assert r.keys(E) == ["DATABASE_URL", "MAILER_POLL_MS", "NODE_ENV", "PORT", "SESSION_SECRET", "SMTP_HOST"]
    assert r.one(E, "SESSION_SECRET").fields["secret"] is True
    assert [(s.file, s.line, s.fallback) for s in r.secrets] == [("server.js", 19, True)]
    assert "Pl4nted" not in repr(r.items)
    check = r.one(Kind.HEALTH_CHECK)
    assert (check.key, check.source.file, check.source.line) == ("/healthz", "routes/health.js", 8)
    # PM2 names both processes: only facts here, under its names
    assert r.keys(P) == ["api", "mailer"]
    assert [(f.fields["port"], f.source.line) for f in r.of(P, "api") if "port" in f.fields] == [(3000, 30)]
    mailer = [f for f in r.of(P, "mailer") if "replicas" in f.fields]
    assert [(f.fields["replicas"], f.source.file, f.source.line) for f in mailer] == [(1, "worker.js", 25)]
    assert not r.of(Kind.SCHEDULE)
    assert [(w.file, w.line) for w in r.warnings if "SIGINT only" in w.message] == [("server.js", 35),
                                                                                    ("worker.js", 33)]
    assert {(s.key, s.source.file) for s in r.of(Kind.SERVICE)} == {("postgres", "package.json"),
                                                                      ("postgres", "knexfile.js")}


def test_fixture_nest_media_queue():
    r = fixture("nest-media-queue")
    assert r.keys(E) == ["HOST", "JWT_SECRET", "LOG_LEVEL", "NODE_ENV", "PORT", "REDIS_URL", "S3_BUCKET"]
    redis = [f.fields["default"] for f in r.of(E, "REDIS_URL") if "default" in f.fields]
    assert redis == ["redis://127.0.0.1:6379"]
    assert r.one(E, "JWT_SECRET").fields["required"] is True
    assert [(s.file, s.line) for s in r.secrets] == [("src/config.ts", 11)]
    assert "Pl4nted" not in repr(r.items)
    # the systemd units run dist/main.js and /opt/media-api/dist/worker.js: facts go to their processes
    assert r.keys(P) == ["media-api", "media-worker"]
    assert not [f for f in r.of(P) if "command" in f.fields]
    assert r.field(P, "media-api", "role") == "web"
    # the unit's Environment= PORT=4000 is what `listen(process.env.PORT ?? 3000)` reads
    assert [(f.fields["port"], f.source.file, f.source.line, f.source.confidence)
            for f in r.of(P, "media-api") if "port" in f.fields] == [
        (3000, "src/main.ts", 8, DEF), (4000, "deploy/systemd/media-api.service", 12, I)]
    assert r.field(P, "media-worker", "role") == "worker"
    note = [f for f in r.of(P, "media-worker") if "note" in f.fields]
    assert [(f.source.file, f.source.line) for f in note] == [("src/jobs/thumbnails.processor.ts", 4)]
    assert [(w.file, w.line) for w in r.warnings if "loopback" in w.message] == [("src/main.ts", 8)]
    assert r.field(P, "media-api", "host_env") == "HOST"
    assert len([w for w in r.warnings if "no SIGTERM handler" in w.message]) == 2
    check = r.one(Kind.HEALTH_CHECK)
    assert (check.key, check.source.file, check.source.line) == ("/health", "src/health.controller.ts", 9)
    assert r.keys(Kind.SERVICE) == ["redis"]


def test_fixture_workspaces_monorepo():
    r = fixture("workspaces-monorepo")
    assert r.keys(E) == ["COOKIE_SECRET", "GREETING", "HOST", "LOG_LEVEL", "PORT", "SESSION_KEY"]
    assert r.one(E, "SESSION_KEY").fields["secret"] is True and r.one(E, "COOKIE_SECRET").fields["secret"] is True
    assert [(s.file, s.line) for s in r.secrets] == [("apps/api/src/config.js", 4)]  # one literal, once
    assert "Pl4nted" not in repr(r.items)
    assert r.keys(P) == ["web"]  # the Procfile's
    assert not [f for f in r.of(P) if "command" in f.fields]
    assert [(f.source.file, f.source.line) for f in r.of(P, "web") if f.fields.get("handles_sigterm")] == [
        ("apps/api/src/index.js", 31)]
    assert not [w for w in r.warnings if "SIGTERM" in w.message or "loopback" in w.message]
    check = r.one(Kind.HEALTH_CHECK)
    assert (check.key, check.source.file, check.source.line) == ("/healthz", "apps/api/src/index.js", 16)


def test_deeply_wrapped_reads_are_read_without_climbing_every_wrapper(run_analyzer):
    deep = 20_000  # climbing each of these would be quadratic in tree-sitter (about 30 s)
    r = run_analyzer(app_code, {
        "package.json": pkg(scripts={"start": "node server.js"}),
        "server.js": "const b = " + "(" * deep + "process.env.B" + ")" * deep + " || 'x';\n"
                     "require('http').createServer().listen(3000);\n",
    })
    assert where(r.of(E, "B")) == [("server.js", 1, D)]
