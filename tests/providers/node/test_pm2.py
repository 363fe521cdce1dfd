"""node/pm2.py, node/pm2cli.py, node/forever.py: PM2/forever/nodemon configs and command lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from analyzers.providers.node.facts import EnvValue
from analyzers.providers.node.forever import forever_command, nodemon_command, read_forever_config, read_nodemon
from analyzers.providers.node.pkg import root_package
from analyzers.providers.node.pm2 import Pm2Hook, ecosystem_files, memory_mi, read_ecosystem
from analyzers.providers.node.pm2cli import pm2_command
from migrator.repo import RepoView

Tree = Callable[[dict[str, str | bytes]], Path]

ECOSYSTEM = """\
// PM2 config for ops-api (2019). `pm2 reload ecosystem.config.js --env production`
const path = require('path');
const common = { kill_timeout: 5000, merge_logs: true };

module.exports = {
  apps: [
    {
      ...common,
      name: 'api',
      script: './server.js',
      instances: 4,
      exec_mode: 'cluster',
      max_memory_restart: '300M',
      cron_restart: '0 4 * * *',
      out_file: '/var/log/ops-api/out.log',
      error_file: path.join(__dirname, 'logs', 'err.log'),
      env: { PORT: 3000, NODE_ENV: 'development' },
      env_production: {
        NODE_ENV: 'production',
        PORT: 8080,
        SESSION_SECRET: 'pm2-planted-not-real-9f8e7d',
      },
    },
    {
      name: 'mailer',
      script: 'worker.js',
      args: '--queue mail --verbose',
      max_memory_restart: '200M',
      instances: os.cpus().length,
      autorestart: true,
    },
  ],
  deploy: {
    production: {
      user: 'deploy',
      host: ['ops1.example.com', 'ops2.example.com'],
      ref: 'origin/master',
      repo: 'git@example.com:acme/ops-api.git',
      path: '/srv/ops-api',
      'post-deploy': 'npm ci --production && npx knex migrate:latest --env production'
        + ' && pm2 reload ecosystem.config.js --env production',
      env: { NODE_ENV: 'production' },
    },
  },
};
"""


def test_ecosystem_apps_with_values_and_lines(tree: Tree) -> None:
    repo = RepoView(tree({"ecosystem.config.js": ECOSYSTEM, "server.js": "", "worker.js": ""}))
    assert ecosystem_files(repo) == ["ecosystem.config.js"]
    eco = read_ecosystem(repo, "ecosystem.config.js")
    assert eco is not None and eco.file == "ecosystem.config.js"
    api, mailer = eco.apps
    assert (api.name, api.line, api.script, api.instances, api.cluster) == ("api", 7, "./server.js", 4, True)
    assert (api.memory_mi, api.memory_written, api.stop_timeout_s, api.cron_restart) == (300, "300M", 5, "0 4 * * *")
    assert api.log_files == (("out_file", "/var/log/ops-api/out.log"), ("error_file", "logs/err.log"))
    assert dict(api.env)[""] == (EnvValue("PORT", "3000", 17), EnvValue("NODE_ENV", "development", 17))
    production = api.env_for("production")
    assert production == (EnvValue("PORT", "8080", 20), EnvValue("NODE_ENV", "production", 19),
                          EnvValue("SESSION_SECRET", None, 21, True, "secret"))
    assert "pm2-planted" not in repr(eco)
    assert (mailer.name, mailer.args, mailer.memory_mi, mailer.autorestart) == (
        "mailer", ("--queue", "mail", "--verbose"), 200, True)
    assert mailer.instances is None and [u.line for u in mailer.unknown] == [29]  # os.cpus(): unknown, with its line


def test_ecosystem_deploy_section(tree: Tree) -> None:
    repo = RepoView(tree({"ecosystem.config.js": ECOSYSTEM}))
    eco = read_ecosystem(repo, "ecosystem.config.js")
    assert eco is not None
    (prod,) = eco.deploys
    assert (prod.env_name, prod.line, prod.user, prod.path, prod.ref) == (
        "production", 34, "deploy", "/srv/ops-api", "origin/master")
    assert prod.hosts == ("ops1.example.com", "ops2.example.com")
    assert prod.hooks == (Pm2Hook("post-deploy", "npm ci --production && npx knex migrate:latest --env production && "
                                                 "pm2 reload ecosystem.config.js --env production", 40),)
    assert prod.env == (EnvValue("NODE_ENV", "production", 42),)


def test_process_json_and_yaml_ecosystems(tree: Tree) -> None:
    repo = RepoView(tree({
        "process.json": '{\n  "apps": [{\n    "name": "web",\n    "script": "app.js",\n    "instances": "max",\n'
                        '    "exec_mode": "cluster_mode",\n    "max_memory_restart": "1G"\n  }]\n}\n',
        "ecosystem.yml": "apps:\n  - name: jobs\n    script: jobs.js\n    instances: 2\n    kill_timeout: 1600\n",
        "pm2.json": "[{\"name\": \"bare\", \"script\": \"bare.js\"}]\n",
    }))
    assert ecosystem_files(repo) == ["ecosystem.yml", "pm2.json", "process.json"]
    web = read_ecosystem(repo, "process.json")
    assert web is not None
    (app,) = web.apps
    assert (app.line, app.instances, app.instances_written, app.cluster, app.memory_mi) == (2, None, "max", True, 1024)
    jobs = read_ecosystem(repo, "ecosystem.yml")
    assert jobs is not None
    (app,) = jobs.apps
    assert (app.name, app.line, app.instances, app.cluster, app.stop_timeout_s) == ("jobs", 2, 2, True, 2)
    bare = read_ecosystem(repo, "pm2.json")
    assert bare is not None and [a.name for a in bare.apps] == ["bare"]


def test_an_unreadable_ecosystem_is_unknown_not_an_error(tree: Tree) -> None:
    repo = RepoView(tree({"process.json": '{"apps": [\n', "ecosystem.config.js": "module.exports = build();\n"}))
    broken = read_ecosystem(repo, "process.json")
    assert broken is not None and broken.apps == () and broken.unknown[0].reason.startswith("not valid JSON")
    built = read_ecosystem(repo, "ecosystem.config.js")
    assert built is not None and built.apps == () and built.unknown[0].reason == "a call of build"


@pytest.mark.parametrize(("written", "mi"), [("300M", 300), ("1G", 1024), ("150K", 1), ("314572800", 300),
                                             ("1.5G", 1536), ("512MB", 512), ("lots", None)])
def test_memory(written: str, mi: int | None) -> None:
    assert memory_mi(written) == mi


def test_pm2_command_lines() -> None:
    argv = ["pm2", "reload", "ecosystem.config.js", "--env", "production", "--only", "api,mailer"]
    reload = pm2_command(argv, "deploy.sh", 9)
    assert reload is not None and (reload.action, reload.target, reload.config_file, reload.env_name, reload.only) == (
        "reload", "ecosystem.config.js", True, "production", ("api", "mailer"))
    assert reload.app is None and not reload.host_only
    start = pm2_command(["pm2", "start", "app.js", "-i", "4", "--name", "api", "--max-memory-restart", "300M",
                         "--cron-restart", "0 3 * * *", "--no-autorestart", "--", "--port", "3000"], "deploy.sh", 3)
    assert start is not None and start.app is not None
    app = start.app
    assert (app.name, app.script, app.args, app.instances, app.cluster, app.memory_mi, app.cron_restart) == (
        "api", "app.js", ("--port", "3000"), 4, True, 300, "0 3 * * *")
    assert (app.autorestart, app.file, app.line) == (False, "deploy.sh", 3)
    save = pm2_command(["/usr/bin/pm2", "save"])
    assert save is not None and save.host_only
    runtime = pm2_command(["pm2-runtime", "ecosystem.config.js", "--env", "production"])
    assert runtime is not None and (runtime.action, runtime.runtime, runtime.config_file) == ("start", True, True)
    assert pm2_command(["node", "app.js"]) is None


def test_forever_command_lines_and_config(tree: Tree) -> None:
    start = forever_command(["forever", "start", "-l", "/var/log/api.log", "-a", "--uid", "api", "--minUptime",
                             "1000", "server.js", "--port", "3000"], "deploy.sh", 12)
    assert start is not None
    assert (start.action, start.script, start.args, start.uid, start.logs, start.line) == (
        "start", "server.js", ("--port", "3000"), "api", (("logFile", "/var/log/api.log"),), 12)
    stop = forever_command(["forever", "stopall"])
    assert stop is not None and stop.action == "stopall" and stop.script is None
    config = forever_command(["forever", "start", "forever/production.json"])
    assert config is not None and (config.script, config.config_file) == (None, "forever/production.json")
    repo = RepoView(tree({"forever/production.json": '[\n  {\n    "uid": "api",\n    "script": "server.js",\n'
                                                     '    "sourceDir": "/srv/api",\n    "env": {"PORT": 3000},\n'
                                                     '    "logFile": "/var/log/api.log"\n  }\n]\n'}))
    (app,) = read_forever_config(repo, "forever/production.json")
    assert (app.line, app.uid, app.script, app.source_dir, app.env, app.logs) == (
        2, "api", "server.js", "/srv/api", (EnvValue("PORT", "3000", 6),), (("logFile", "/var/log/api.log"),))


def test_nodemon(tree: Tree) -> None:
    assert nodemon_command(["nodemon", "--watch", "src", "-e", "js,json", "server.js", "--inspect"]) == (
        "server.js", None, ("--inspect",))
    assert nodemon_command(["nodemon", "--exec", "ts-node src/main.ts"]) == (None, "ts-node src/main.ts", ())
    text = ('{\n  "watch": ["src"],\n  "exec": "node -r dotenv/config src/index.js",\n'
            '  "env": {"NODE_ENV": "development", "API_TOKEN": "dev-token-abc123"}\n}\n')
    repo = RepoView(tree({"nodemon.json": text}))
    config = read_nodemon(repo)
    assert config is not None and (config.exec, config.watch) == ("node -r dotenv/config src/index.js", ("src",))
    assert config.env == (EnvValue("NODE_ENV", "development", 4),
                          EnvValue("API_TOKEN", None, 4, True, "token"))


def test_nodemon_config_in_package_json(tree: Tree) -> None:
    in_pkg = RepoView(tree({"package.json": '{"nodemonConfig": {"script": "app.js"}}'}))
    config = read_nodemon(in_pkg, root_package(in_pkg))
    assert config is not None and (config.file, config.script) == ("package.json", "app.js")
