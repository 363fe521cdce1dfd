"""analyzers/providers/node/__init__.py: detect, unwrap, program, classify, container_argv, host_program,
step rules, and the script resolution the planner asks for (npm start -> what it runs)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from analyzers import registry
from analyzers.commands import container_command, meaning, parse_command, step_kind
from analyzers.providers import node
from analyzers.providers.protocol import RoleHint
from migrator.model import Confidence, Kind, ProcessRole, Source
from migrator.planner import analyze
from migrator.repo import RepoView

Tree = Callable[[dict[str, str | bytes]], Path]


def pkg(**fields: object) -> str:
    return json.dumps(fields, indent=2) + "\n"


def test_detect_reads_manifests_not_stray_javascript(tree: Tree) -> None:
    assert node.detect(RepoView(tree({"static/js/app.js": "console.log(1)\n", "app.py": ""}))) is None
    found = node.detect(RepoView(tree({"package.json": pkg(scripts={"start": "node server.js"}),
                                       "package-lock.json": "{}\n", ".nvmrc": "18\n"})))
    assert found is not None and found.provider == "node" and found.hint is RoleHint.APP
    assert [e.file for e in found.evidence] == [".nvmrc", "package-lock.json", "package.json"]
    assert {e.confidence for e in found.evidence} == {Confidence.DECLARED}


@pytest.mark.parametrize(("manifest", "hint"), [
    (pkg(devDependencies={"webpack": "^5", "webpack-cli": "^5", "sass": "^1"}, scripts={"build": "webpack"}),
     RoleHint.ASSETS),
    (pkg(devDependencies={"eslint": "^8", "jest": "^29", "prettier": "^3"}, scripts={"lint": "eslint .",
                                                                                     "test": "jest"}),
     RoleHint.TOOLING),
    (pkg(dependencies={"express": "^4"}), RoleHint.APP),
    (pkg(main="index.js", devDependencies={"webpack": "^5"}), RoleHint.ASSETS),  # npm init's main says nothing
    (pkg(dependencies={"lodash": "^4"}, devDependencies={"webpack": "^5"}), RoleHint.APP),
])
def test_detect_hints_what_the_manifest_is_for(tree: Tree, manifest: str, hint: RoleHint) -> None:
    found = node.detect(RepoView(tree({"package.json": manifest})))
    assert found is not None and found.hint is hint


def test_a_django_app_with_a_webpack_package_json_stays_python(tree: Tree) -> None:
    root = tree({"manage.py": "import django\n", "requirements.txt": "django\ngunicorn\n",
                 "Procfile": "web: gunicorn proj.wsgi\n",
                 "package.json": pkg(devDependencies={"webpack": "^5"}, scripts={"build": "webpack"}),
                 "package-lock.json": "{}\n"})
    model = analyze(root)
    assert model.primary is not None and model.primary.language == "python"
    assert [(r.language, r.role.value) for r in model.runtimes] == [("python", "primary"), ("node", "evidence")]
    web = model.web_process
    assert web is not None and web.get("command") == "gunicorn proj.wsgi"  # no node default web process


@pytest.mark.parametrize(("argv", "inner", "runner"), [
    ("npx knex migrate:latest", ("knex", "migrate:latest"), "npx"),
    ("npx --yes -p sequelize-cli sequelize db:migrate", ("sequelize", "db:migrate"), "npx --yes -p sequelize-cli"),
    ("npm exec -- prisma migrate deploy", ("prisma", "migrate", "deploy"), "npm exec --"),
    ("yarn dlx nest build", ("nest", "build"), "yarn dlx"),
    ("pnpm dlx tsc", ("tsc",), "pnpm dlx"),
])
def test_unwrap_strips_package_runners(argv: str, inner: tuple[str, ...], runner: str) -> None:
    assert node.unwrap(argv.split()) == (inner, runner, None)


@pytest.mark.parametrize("argv", ["npx", "npm start", "yarn build", "node server.js", ""])
def test_unwrap_leaves_what_is_no_runner(argv: str) -> None:
    assert node.unwrap(argv.split()) is None


@pytest.mark.parametrize(("argv", "expected"), [
    ("node server.js", ("server.js", ())),
    ("node --max-old-space-size=512 dist/main.js --port 3000", ("main.js", ("--port", "3000"))),
    ("node -r dotenv/config x.js", ("x.js", ())),
    ("/usr/bin/nodejs --require ./tracing.js app.js", ("app.js", ())),
    ("ts-node src/main.ts", ("main.ts", ())),
    ("node -e console.log(1)", None),
    ("python app.py", None),
])
def test_program_sees_through_node(argv: str, expected: tuple[str, tuple[str, ...]] | None) -> None:
    assert node.program(argv.split()) == expected


def what(text: str) -> tuple[object, ...]:
    m = meaning(parse_command(text))
    return (m.provider, m.role.value if m.role else None, m.name, m.server, m.entrypoint, m.port, m.dev_server)


@pytest.mark.parametrize(("text", "expected"), [
    ("node server.js", ("node", "web", None, "node", "server.js", None, False)),
    ("node dist/worker.js", ("node", "worker", None, "node", "dist/worker.js", None, False)),
    ("node -r dotenv/config scripts/report.js", ("node", None, None, "node", "scripts/report.js", None, False)),
    ("nodemon server.js", ("node", "web", None, "node", "server.js", None, True)),
    ("next start -p 4000", ("node", "web", "web", "next", None, 4000, False)),
    ("next dev", ("node", "web", "web", "next", None, 3000, True)),
    ("nest start", ("node", "web", None, "node", "dist/main", None, False)),
    ("nest start --watch", ("node", "web", None, "node", "dist/main", None, True)),
    ("sails lift", ("node", "web", "web", "sails", None, 1337, False)),
    ("pm2 start app.js -i 4 --name api", ("node", "web", "api", "node", "app.js", None, False)),
    ("pm2-runtime start worker.js", ("node", "worker", None, "node", "worker.js", None, False)),
    ("forever start -l /var/log/f.log -a server.js", ("node", "web", None, "node", "server.js", None, False)),
    ("npm start", ("node", None, "start", None, None, None, False)),
    ("npm run report:nightly", ("node", None, "report-nightly", None, None, None, False)),
    ("./node_modules/.bin/knex migrate:latest", ("node", None, None, None, None, None, False)),
    ("gunicorn app:app", ("python", "web", "web", "gunicorn", "app:app", 8000, False)),
    ("rsync -az ./ host:/srv", (None, None, None, None, None, None, False)),
])
def test_classify(text: str, expected: tuple[object, ...]) -> None:
    assert what(text) == expected


def test_classify_names_what_an_ecosystem_file_runs() -> None:
    m = meaning(parse_command("pm2-runtime start ecosystem.config.js --env production"))
    assert m.provider == "node" and m.config_file == "ecosystem.config.js" and m.entrypoint is None
    assert any("ecosystem.config.js" in n for n in m.notes)


@pytest.mark.parametrize(("text", "port", "argv", "rewritten"), [
    ("pm2 start app.js -i 4 --name api -- --verbose", None, ("node", "app.js", "--verbose"), True),
    ("pm2-runtime --node-args=--max-old-space-size=300 server.js", None,
     ("node", "--max-old-space-size=300", "server.js"), True),
    ("forever start -l /var/log/f.log -a --minUptime 5000 server.js --port 3000", None,
     ("node", "server.js", "--port", "3000"), True),
    ("nodemon server.js", None, ("node", "server.js"), True),
    ("next start -H 127.0.0.1 -p 3000", 8080, ("next", "start", "-H", "0.0.0.0", "-p", "8080"), True),  # noqa: S104
    ("/home/deploy/.nvm/versions/node/v16.20.0/bin/node server.js", 8080, ("node", "server.js"), False),
    ("node -r dotenv/config server.js", 3000, ("node", "-r", "dotenv/config", "server.js"), False),
])
def test_container_argv(text: str, port: int | None, argv: tuple[str, ...], rewritten: bool) -> None:
    got, note = node.container_argv(meaning(parse_command(text)), port)
    assert got == argv
    assert (note is not None) == rewritten


@pytest.mark.parametrize(("argv0", "expected"), [
    ("/usr/bin/node", "node"), ("/usr/bin/nodejs", "node"),
    ("/home/deploy/.nvm/versions/node/v16.20.0/bin/node", "node"),
    ("~/.nvm/versions/node/v16/bin/node", "node"),
    ("./node_modules/.bin/knex", "knex"), ("/srv/app/current/node_modules/.bin/sequelize", "sequelize"),
    ("/usr/local/bin/pm2", "pm2"), ("/opt/app/bin/serve", None), ("node", None), ("/usr/bin/python3", None),
])
def test_host_program(argv0: str, expected: str | None) -> None:
    assert node.host_program(argv0) == expected


def test_container_command_drops_the_host_node_path() -> None:
    assert container_command("sudo -u deploy /home/deploy/.nvm/versions/node/v18.19.0/bin/node server.js") == \
        "node server.js"
    assert container_command("cd /srv/app && ./node_modules/.bin/knex migrate:latest") != ""


@pytest.mark.parametrize(("text", "kind"), [
    ("npx knex migrate:latest --env production", "release"),
    ("./node_modules/.bin/knex migrate:latest", "release"),
    ("npx sequelize-cli db:migrate", "release"),
    ("npx sequelize db:migrate:undo", None),
    ("npx prisma migrate deploy", "release"),
    ("npm run typeorm migration:run", "release"),
    ("npm run migrate", "release"),
    ("npm run build", "build"), ("yarn build:css", "build"), ("tsc -p tsconfig.build.json", "build"),
    ("nest build", "build"), ("npx webpack --mode production", "build"), ("next build", "build"),
    ("npm ci --production", "host"), ("yarn install --frozen-lockfile", "host"), ("npm install -g pm2@5", "host"),
    ("pm2 reload ecosystem.config.js --env production", "host"), ("pm2 save", "host"),
    ("pm2 startup systemd -u deploy", "host"), ("forever stop server.js", "host"),
    ("curl -fsSL https://deb.nodesource.com/setup_18.x", "host"), ("nvm install 16", "host"),
    ("pm2 start app.js", None), ("echo n 18", None), ("node server.js", None),
])
def test_step_rules(text: str, kind: str | None) -> None:
    found = step_kind(text)
    assert (found[0] if found else None) == kind


def test_the_node_marker_is_gone_and_its_rules_are_the_providers() -> None:
    from analyzers.providers import markers

    assert "node" not in {m.language for m in markers.ALL}
    assert all(r in registry.step_rules() for r in node.STEP_RULES)
    assert registry.provider("node") is node and registry.provider_for_buildpack("heroku/nodejs") == "node"


def test_resolve_follows_scripts_into_workspaces(tree: Tree) -> None:
    repo = RepoView(tree({
        "package.json": pkg(workspaces=["apps/*"], scripts={"start": "npm start -w apps/api",
                                                            "report": "node scripts/report.js",
                                                            "both": "node a.js && node b.js",
                                                            "prejob": "echo", "job": "node job.js",
                                                            "env": "NODE_ENV=production node server.js"}),
        "apps/api/package.json": pkg(name="@acme/api", scripts={"start": "node src/index.js"},
                                     dependencies={"fastify": "^4"}),
        "apps/api/src/index.js": "",
    }))
    def resolved(text: str) -> tuple[str, str] | None:
        return node.resolve(repo, parse_command(text, Source("Procfile", 1, "procfile", Confidence.DECLARED)))

    new, why = resolved("npm start") or ("", "")
    assert new == "node apps/api/src/index.js"
    assert "package.json:" in why and "apps/api/package.json:" in why and "process.cwd()" in why
    assert (resolved("yarn workspace @acme/api start") or ("",))[0] == "node apps/api/src/index.js"
    assert (resolved("npm run report") or ("",))[0] == "node scripts/report.js"
    # what running the text alone would change is left to npm: a chain, a pre hook, variables
    for text in ("npm run both", "npm run job", "npm run env", "npm run missing", "node server.js"):
        assert resolved(text) is None, text


def test_a_procfile_npm_start_runs_the_script_itself(tree: Tree) -> None:
    root = tree({"package.json": pkg(scripts={"start": "node server.js"}, dependencies={"express": "^4"}),
                 "server.js": "", "Procfile": "web: npm start\n"})
    web = analyze(root).web_process
    assert web is not None and web.get("command") == "node server.js"
    assert web.meaning is not None and web.meaning.provider == "node" and web.meaning.entrypoint == "server.js"
    assert "npm and yarn do not pass SIGTERM on" in web.facts["command"].reason


def test_heroku_default_web_process_when_nothing_declares_one(tree: Tree) -> None:
    started = analyze(tree({"package.json": pkg(scripts={"start": "node app.js"}), "app.js": ""}))
    web = started.web_process
    assert web is not None and web.get("command") == "node app.js" and web.get("role") == ProcessRole.WEB.value
    src = web.facts["command"].candidates[0].source
    assert (src.file, src.line, src.confidence, src.analyzer) == ("package.json", 3, Confidence.DEFAULT,
                                                                  "node_packaging")
    assert started.primary is not None and started.primary.language == "node"
    assert started.primary.processes == ("web",)


def test_heroku_default_is_server_js_without_a_start_script(tree: Tree, tmp_path: Path) -> None:
    model = analyze(tree({"package.json": pkg(dependencies={"express": "^4"}), "server.js": ""}))
    web = model.web_process
    assert web is not None and web.get("command") == "node server.js"
    assert web.facts["command"].candidates[0].source.file == "server.js"


@pytest.mark.parametrize("declared", ["Procfile", "ecosystem.config.js", "deploy/supervisor/app.conf", "Dockerfile",
                                      "docker-compose.yml"])
def test_a_process_declaring_file_turns_the_default_off(run_analyzer: Any, declared: str) -> None:
    from analyzers.providers.node import runtime_packaging

    files = {"package.json": pkg(scripts={"start": "node app.js"}), "app.js": ""}
    assert run_analyzer(runtime_packaging, files).of(Kind.PROCESS)
    assert not run_analyzer(runtime_packaging, {**files, declared: ""}).of(Kind.PROCESS)


def test_no_default_web_process_when_a_deploy_file_declares_processes(tree: Tree) -> None:
    model = analyze(tree({"package.json": pkg(scripts={"start": "node app.js"}), "app.js": "",
                          "deploy/api.service": "[Service]\nExecStart=/usr/bin/node app.js\n"}))
    assert [p.key for p in model.processes] == ["api"]
    assert not [s for p in model.processes for f in p.facts.values() for c in f.candidates
                for s in (c.source,) if s.analyzer == "node_packaging"]
    assert model.of(Kind.PROCESS)[0].get("command") == "node app.js"


@pytest.mark.parametrize(("spec", "example"), [(s, e) for s in node.SERVERS.values() for e in s.examples])
def test_server_examples_classify_as_their_table_says(spec: Any, example: tuple[str, str | None, int | None]) -> None:
    text, name, port = example
    m = meaning(parse_command(text))
    assert (m.provider, m.server, m.name, m.port, m.role) == ("node", spec.name, name, port, spec.role)
    argv, note = node.container_argv(m, 8080)
    assert note is not None and "8080" in argv and ("0.0.0.0" in argv or spec.name == "sails"), argv  # noqa: S104


@pytest.mark.parametrize(("text", "daemon"), [
    ("forever start -l /var/log/app.log -a server.js", True),
    ("pm2 start app.js -i 4 --name api", True),
    ("pm2-runtime app.js", False),  # stays in the foreground: what a container would run
    ("node server.js", False),
])
def test_process_managers_that_detach_say_so(text: str, daemon: bool) -> None:
    assert meaning(parse_command(text)).daemon is daemon


def test_an_old_scripts_forever_start_is_the_declared_pm2_app_not_a_second_web(tree: Tree) -> None:
    root = tree({
        "package.json": '{"name": "api", "dependencies": {"express": "^4"}, "scripts": {"start": "node server.js"}}',
        "ecosystem.config.js": "module.exports = { apps: [{ name: 'api', script: 'server.js', "
                               "env: { PORT: 8080 } }] };\n",
        "server.js": "const app = require('express')();\napp.listen(process.env.PORT || 3000);\n",
        "deploy/old-deploy.sh": "#!/bin/sh\nforever stop server.js\nPORT=8080 forever start -a server.js\n",
    })
    model = analyze(root)
    assert [p.key for p in model.processes] == ["api"]
    twin = next(s for s in model.of(Kind.HOST_STEP) if "forever start" in s.key)
    assert "as process api (ecosystem.config.js:1) does now" in twin.get("reason")
    assert twin.facts["command"].source.where() == "deploy/old-deploy.sh:3"


def test_the_lazy_analyzers_are_their_modules() -> None:
    # a Python repo never imports the Node code readers; once they run, each is the module its NAME says
    import importlib

    from analyzers.providers.common import LazyAnalyzer

    lazy = [a for tier in node.ANALYZERS.values() for a in tier if isinstance(a, LazyAnalyzer)]
    assert {a.NAME for a in lazy} == {"pm2", "forever", "node_code"}
    for a in lazy:
        assert importlib.import_module(a.module).NAME == a.NAME
