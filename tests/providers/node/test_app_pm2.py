"""Tests for analyzers/providers/node/app_pm2.py (pm2), app_forever.py (forever) and node/commands.py."""

from __future__ import annotations

import pytest

from analyzers.commands import parse_command, split
from analyzers.providers.node import app_forever, app_pm2
from analyzers.providers.node.commands import STEP_RULES, manager_facts, unwrap_manager
from migrator.commands import StepKind
from migrator.model import Confidence, Kind
from migrator.repo import RepoView
from tests.conftest import Result, fixture_path

P, E = Kind.PROCESS, Kind.ENV
D, H, DEF = Confidence.DECLARED, Confidence.HEURISTIC, Confidence.DEFAULT

ECOSYSTEM = """\
    module.exports = {
      apps: [
        {
          name: 'api',
          script: './server.js',
          args: '--trust-proxy',
          instances: 3,
          exec_mode: 'cluster',
          max_memory_restart: '1G',
          kill_timeout: 2500,
          cron_restart: '0 3 * * *',
          env: { PORT: 3000, NODE_ENV: 'development' },
          env_staging: { PORT: 9090 },
          env_production: { PORT: 8080, API_TOKEN: 'tok_9fK2xLq7Vb3Rz8Wm1Np4' },
        },
        { name: 'jobs', script: 'jobs.py', interpreter: 'python3', interpreter_args: '-u' },
        { name: 'cli', script: 'bin/run', interpreter: 'none', instances: 'max' },
        { name: 'npm-start', script: 'npm', args: 'start' }, { name: 'cleanup', script: 'scripts/clean.sh' },
      ],
      deploy: {
        production: {
          host: ['a.example.com', 'b.example.com', 'c.example.com'],
          path: '/srv/app',
          'post-deploy': 'npm ci && npx knex migrate:latest && pm2 startOrReload ecosystem.config.js --env production',
        },
        staging: { host: 'old.example.com', 'post-deploy': 'npm install' },
      },
    };
    """


def test_ecosystem_apps_are_processes_as_the_container_runs_them(run_analyzer):
    r = run_analyzer(app_pm2, {"ecosystem.config.js": ECOSYSTEM, "server.js": "// no listen here\n"})
    assert r.keys(P) == ["api", "cleanup", "cli", "jobs", "npm-start"]
    assert r.field(P, "npm-start", "command") == "npm start"
    assert r.field(P, "cleanup", "command") == "bash scripts/clean.sh"
    assert r.field(P, "api", "command") == "node server.js --trust-proxy"
    assert r.field(P, "api", "role") == "web"  # PORT in the env it runs with (the code does not listen)
    assert r.field(P, "api", "legacy_name") == "pm2 app api"
    assert not [f for f in r.of(P) if "pm2" in str(f.fields.get("command"))]


def _ports(r: Result, key: str) -> list[tuple[object, int | None, Confidence]]:
    return [(f.fields["port"], f.source.line, f.source.confidence) for f in r.of(P, key) if "port" in f.fields]


def _values(r: Result, key: str, name: str) -> list[tuple[object, int | None, Confidence]]:
    return [(f.fields[name], f.source.line, f.source.confidence) for f in r.of(P, key) if name in f.fields]


def test_ecosystem_fields_translate_to_kubernetes_terms(run_analyzer):
    r = run_analyzer(app_pm2, {"ecosystem.config.js": ECOSYSTEM})
    assert _ports(r, "api") == [(8080, 14, D)]  # env_production: the deploy hook's --env production
    replicas = _values(r, "api", "replicas")
    assert replicas == [(3, 3, D), (3, 21, H)]  # instances, then the hosts hint of deploy.production
    assert _values(r, "api", "memory_limit") == [("1024Mi", 3, D)]
    assert _values(r, "api", "stop_timeout") == [(3, 3, D)]
    assert r.field(P, "jobs", "command") == "python3 -u jobs.py"
    assert r.field(P, "jobs", "role") == "worker"
    assert r.field(P, "cli", "command") == "bin/run"
    assert _values(r, "cli", "replicas") == [(2, 17, DEF)]
    assert [w.line for w in r.warnings if "instances: max" in w.message] == [17]
    assert [w.line for w in r.warnings if "cron_restart" in w.message] == [3]
    assert not r.of(Kind.SCHEDULE)


def test_the_env_the_deploy_runs_with_and_its_secrets(run_analyzer):
    r = run_analyzer(app_pm2, {"ecosystem.config.js": ECOSYSTEM})
    port = [f for f in r.of(E, "PORT")]
    assert [(f.fields["default"], f.source.line, f.fields["description"]) for f in port] == [
        ("8080", 14, "set by pm2 app api env_production")]
    assert r.one(E, "NODE_ENV").fields["default"] == "development"  # env applies under env_production too
    token = r.one(E, "API_TOKEN")
    assert token.fields["secret"] is True and "default" not in token.fields
    assert [(s.file, s.line, s.name) for s in r.secrets] == [("ecosystem.config.js", 14, "API_TOKEN")]
    assert "tok_9fK2" not in repr(r.items)


def test_deploy_hooks_are_steps_classified_by_the_step_rules(run_analyzer):
    r = run_analyzer(app_pm2, {"ecosystem.config.js": ECOSYSTEM})
    [release] = r.of(Kind.RELEASE_STEP)
    assert (release.key, release.source.line) == ("knex migrate:latest", 24)  # npx unwrapped: knex is on PATH
    assert [(f.key, f.source.line) for f in r.of(Kind.HOST_STEP) if f.key == "npm ci"] == [("npm ci", 24)]
    pm2_line = [f for f in r.of(Kind.HOST_STEP) + r.of(Kind.UNCLASSIFIED) if f.key.startswith("pm2 ")]
    assert [f.source.line for f in pm2_line] == [24]  # a host step once the provider adds node/commands' rules
    assert r.field(Kind.RUNTIME, "", "legacy_app_dir") == "/srv/app/current"
    assert [w.line for w in r.warnings if "deploy.staging" in w.message] == [26]
    assert not [f for f in r.findings if f.key == "npm install"]  # the retired section is not migrated


def test_a_worker_is_web_when_its_code_listens_and_json_configs_read_alike(run_analyzer):
    r = run_analyzer(app_pm2, {
        "process.json": '{\n  "apps": [\n    {"name": "Site Web", "script": "app/index.js", "cwd": "/srv/site",'
                        ' "kill_timeout": 1600}\n  ]\n}\n',
        "app/index.js": "require('http').createServer().listen(5000);\n",
    })
    assert r.keys(P) == ["site-web"]
    assert r.field(P, "site-web", "role") == "web"
    assert r.field(P, "site-web", "command") == "node app/index.js"
    assert r.field(P, "site-web", "working_dir") == "/srv/site"
    assert _values(r, "site-web", "stop_timeout") == [(2, 3, D)]
    assert {f.source.file for f in r.of(P, "site-web")} == {"process.json"}


def test_the_role_of_a_typescript_build_output_comes_from_its_source(run_analyzer):
    r = run_analyzer(app_pm2, {
        "ecosystem.config.js": "module.exports = { apps: [{ name: 'api', script: 'dist/main.js' },"
                               " { name: 'gone', script: 'old/server.js' }] };\n",
        "tsconfig.json": '{"compilerOptions": {"outDir": "dist", "rootDir": "src"}}\n',
        "src/main.ts": "const app = await NestFactory.create(AppModule);\nawait app.listen(3000);\n",
    })
    assert [(f.fields["role"], f.source.confidence) for f in r.of(P, "api") if "role" in f.fields] == [
        ("web", Confidence.INFERRED)]
    assert [(f.fields["role"], f.source.confidence) for f in r.of(P, "gone") if "role" in f.fields] == [("worker", H)]


def test_fixture_pm2_ops_api():
    repo = RepoView(fixture_path("pm2-ops-api"))
    r = Result(app_pm2.analyze(repo), repo)
    assert r.keys(P) == ["api", "mailer"]
    assert r.field(P, "api", "command") == "node server.js"
    assert r.field(P, "api", "role") == "web"
    assert [(f.source.file, f.source.line) for f in r.of(P, "api") if "command" in f.fields] == [
        ("ecosystem.config.js", 10)]
    assert _values(r, "api", "replicas") == [(4, 10, D), (2, 50, H)]
    assert _values(r, "api", "memory_limit") == [("300Mi", 10, D)]
    assert _values(r, "api", "stop_timeout") == [(5, 10, D)]
    assert _ports(r, "api") == [(8080, 28, D)]
    assert [w.line for w in r.warnings if "cron_restart" in w.message] == [10]
    assert r.field(P, "mailer", "command") == "node worker.js"
    assert r.field(P, "mailer", "role") == "worker"
    assert _values(r, "mailer", "replicas") == [(1, 31, D)]
    assert _values(r, "mailer", "memory_limit") == [("200Mi", 31, D)]
    # npx unwrapped (knex is on the image's PATH from node_modules/.bin)
    assert [(f.key, f.source.line) for f in r.of(Kind.RELEASE_STEP)] == [("knex migrate:latest --env production", 58)]
    assert ("npm ci --production", 58) in [(f.key, f.source.line) for f in r.of(Kind.HOST_STEP)]
    assert r.field(Kind.RUNTIME, "", "legacy_app_dir") == "/srv/ops-api/current"
    assert not r.of(Kind.SCHEDULE)


def test_forever_configs_are_processes_and_nodemon_is_development(run_analyzer):
    r = run_analyzer(app_forever, {
        "package.json": '{\n  "scripts": {"start": "forever start deploy/app.json"},\n'
                        '  "nodemonConfig": {"watch": ["src"]}\n}\n',
        "deploy/app.json": '{\n  "uid": "site",\n  "script": "server.js",\n  "sourceDir": "/srv/site",\n'
                           '  "args": ["--port", "4000"],\n  "env": {"PORT": "4000", "DB_PASSWORD": "hunter2-real-pw"},'
                           '\n  "logFile": "/var/log/site.log"\n}\n',
    })
    assert r.keys(P) == ["server"]
    assert r.field(P, "server", "command") == "node server.js --port 4000"
    assert r.field(P, "server", "user") == "site"
    assert r.field(P, "server", "working_dir") == "/srv/site"
    assert r.field(P, "server", "role") == "web"
    assert _ports(r, "server") == [(4000, 6, D)]
    assert r.one(E, "DB_PASSWORD").fields["secret"] is True
    assert [(s.file, s.line) for s in r.secrets] == [("deploy/app.json", 6)]
    assert "hunter2" not in repr(r.items)
    assert [(w.file, w.line) for w in r.warnings if "nodemon" in w.message] == [("package.json", 3)]


@pytest.mark.parametrize(("line", "inner", "runner"), [
    ("pm2 start app.js -i 4 --name api -- --port 3000", ("node", "app.js", "--port", "3000"), "pm2 start"),
    ("pm2-runtime server.js", ("node", "server.js"), "pm2-runtime"),
    ("pm2 start run.sh --interpreter bash", ("bash", "run.sh"), "pm2 start"),
    ("forever start -l /var/log/x.log -a --minUptime 5000 server.js --port 80", ("node", "server.js", "--port", "80"),
     "forever start -l /var/log/x.log -a --minUptime 5000"),
    ("nodemon --exec ts-node src/main.ts", ("ts-node", "src/main.ts"), "nodemon --exec ts-node"),
])
def test_process_managers_unwrap_to_the_node_command(line: str, inner: tuple[str, ...], runner: str) -> None:
    found = unwrap_manager(split(line))
    assert found is not None and found[:2] == (inner, runner)


@pytest.mark.parametrize("line", ["pm2 reload ecosystem.config.js --env production", "pm2 start ecosystem.config.js",
                                  "forever stop server.js", "node server.js", "npm start"])
def test_daemon_commands_do_not_unwrap(line: str) -> None:
    assert unwrap_manager(split(line)) is None


def test_pm2_options_are_process_facts() -> None:
    facts, name = manager_facts(parse_command("sudo -u app pm2 start app.js -i 4 --name api "
                                              "--max-memory-restart 300M --kill-timeout 8000"))
    assert name == "api"
    assert [(f.field, f.value) for f in facts] == [("replicas", 4), ("memory_limit", "300Mi"), ("stop_timeout", 8)]


@pytest.mark.parametrize(("line", "host"), [
    ("pm2 reload ecosystem.config.js --env production", True), ("pm2 save", True),
    ("pm2 startup systemd -u deploy --hp /home/deploy", True), ("pm2 start ecosystem.config.js --only api", True),
    ("pm2-runtime start process.json", True), ("forever stopall", True), ("npm install -g pm2@5", True),
    ("pm2 start app.js -i 4", False), ("forever start server.js", False), ("npm install express", False),
])
def test_host_only_pm2_and_forever_commands_are_host_step_rules(line: str, host: bool) -> None:
    matched = [r for r in STEP_RULES if r.pattern.search(line)]
    assert bool(matched) is host
    assert all(r.kind is StepKind.HOST for r in matched)
