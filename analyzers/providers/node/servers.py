"""Node's servers and launchers on a command line: ``node [options] server.js``, ``ts-node``, ``nodemon``,
``next start -p 3000``, ``nuxt start``, ``sails lift``, ``nest start``, and the process managers that only
wrap a script (``pm2 start app.js -i 4``, ``pm2-runtime``, ``forever start``).

The server table (:data:`SERVERS`) comes from :mod:`.frameworks`: a plain ``node`` process listens where
its code says (``PORT`` by convention); next and nuxt 2 take ``-H``/``-p``, which the container rewrite
sets to 0.0.0.0 and the pod's port. A launcher's meaning is the meaning of the script it runs, with a
note; the container runs the script itself (:func:`launched`), never the daemon.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from analyzers.lib.argv import basename, int_value, option
from analyzers.providers.node.forever import forever_command, nodemon_command
from analyzers.providers.node.frameworks import BY_NAME
from analyzers.providers.node.pm2cli import pm2_command
from analyzers.providers.node.scripts import script_ref
from analyzers.providers.protocol import ServerSpec
from migrator.commands import CommandMeaning
from migrator.model import ProcessRole

WEB = ProcessRole.WEB
NODE_VALUE_OPTIONS = frozenset({"-r", "--require", "--import", "--loader", "--experimental-loader", "-C",
                                "--conditions", "--title", "--env-file", "--input-type", "--stack-size"})
INTERPRETERS = frozenset({"node", "nodejs", "ts-node", "ts-node-dev", "tsx", "babel-node"})
# CLIs of the frameworks in the server table: the program word -> its ServerSpec key
_FRAMEWORK_CLIS = {"next": "next", "nuxt": "nuxt", "sails": "sails"}


def _spec(framework: str) -> ServerSpec:
    fw = BY_NAME[framework]
    name = fw.server
    examples = {"next": (("next start -p 4000", "web", 4000),), "nuxt": (("nuxt start --port 4001", "web", 4001),),
                "sails": (("sails lift --port 1340", "web", 1340),)}.get(name, ())
    # options go after the subcommand: `next start -p 3000` (before it, `next -p 3000 start` ignores them)
    anchor = "lift" if name == "sails" else "start"
    add = fw.listen_add or (fw.listen_options[0], "{port}")  # sails lift --port N (it binds every interface)
    return ServerSpec(name, WEB, fw.default_port, fw.listen_options, add, anchor=anchor, examples=examples)


SERVERS: dict[str, ServerSpec] = {
    # a plain node process: the code's listen() decides (PORT by convention); nothing to rewrite on its argv
    "node": ServerSpec("node", WEB, None, port_env_default="PORT"),
    "next": _spec("next"),
    "nuxt": _spec("nuxt2"),
    "sails": _spec("sails"),
}

meaning = partial(CommandMeaning, "node")


def script_of(core: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """(script, its arguments) of ``node [options] script args`` (also ts-node, tsx, babel-node); None
    when ``core`` is no interpreter or runs no file (``node -e``, a bare ``node``)."""
    if not core or posixpath.basename(core[0]) not in INTERPRETERS:
        return None
    args = list(core[1:])
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt in ("-e", "--eval", "-p", "--print"):
            return None
        if opt in NODE_VALUE_OPTIONS and args:
            args.pop(0)
    return (args[0], tuple(args[1:])) if args else None


_WEB_SCRIPTS = frozenset({"server", "app", "main", "index", "www", "web", "api", "http", "start"})
_WORKER_WORDS = ("worker", "queue", "consumer", "jobs", "processor", "mailer")


def script_role(script: str) -> ProcessRole | None:
    """What a script's name says it is: ``server.js``, ``dist/main.js``, ``bin/www`` serve; ``worker.js``,
    ``queue-consumer.js`` consume; None for any other name (the reader decides)."""
    stem = posixpath.basename(script).split(".")[0].lower()
    if stem in _WEB_SCRIPTS:
        return WEB
    if any(w in stem for w in _WORKER_WORDS):
        return ProcessRole.WORKER
    return None


def classify(core: Sequence[str]) -> CommandMeaning | None:
    """The meaning of a Node command's core words; None when the program is not Node's."""
    if not core:
        return None
    prog, args = posixpath.basename(core[0]), list(core[1:])
    if prog in INTERPRETERS:
        found = script_of(core)
        ts_note = ("ts-node compiles TypeScript when it starts: building with tsc and running node on the output "
                "is faster and needs no devDependencies",) if prog.startswith("ts-node") else ()

        return meaning(script_role(found[0]) if found else None, entrypoint=found[0] if found else None,
                       server="node" if found else None, notes=ts_note)
    if prog in _FRAMEWORK_CLIS:
        return _framework_cli(prog, args)
    if prog == "nest":
        sub = args[0] if args else ""
        if sub == "start":
            watch = "--watch" in args or "-w" in args
            entry = option(args, "--entryFile", "-e") or "dist/main"
            return meaning(script_role(entry), server="node", entrypoint=entry,
                           dev_server=watch, notes=("nest start builds, then runs node dist/main.js: the image "
                                                    "builds once and runs node dist/main.js",))
        return meaning()
    if prog == "nodemon":
        watched = nodemon_command(core)
        script = watched[0] if watched else None
        return meaning(script_role(script) if script else None, server="node" if script else None,
                       entrypoint=script, dev_server=True,
                       notes=("nodemon is a development watcher: the container runs node on the script",))
    if prog in ("pm2", "pm2-runtime", "pm2-docker"):
        return _pm2(core)
    if prog in ("forever", "forever-service"):
        app = forever_command(core)
        if app is not None and app.action == "start" and app.script:
            inner = classify(["node", app.script, *app.args])
            note = "forever ran it as a daemon: the container runs the script itself (no forever, logs to stdout)"
            return replace(inner, daemon=True, notes=(*inner.notes, note)) if inner else None
        return meaning()
    ref = script_ref(core)
    if ref is not None:
        where = f" in workspace {ref.workspace}" if ref.workspace else ""
        name = re.sub(r"[^a-z0-9]+", "-", ref.script.lower()).strip("-") or None
        return meaning(name=name, notes=(f"runs package.json script {ref.script}{where}: the container runs the "
                                         "script's command itself (npm and yarn do not pass SIGTERM on)",))
    if prog in PROGRAMS:
        return meaning()
    return None


def _framework_cli(prog: str, args: list[str]) -> CommandMeaning:
    spec = SERVERS[_FRAMEWORK_CLIS[prog]]
    sub = args[0] if args else ""
    if prog == "sails":
        port = int_value(option(args, "--port"))
        return meaning(WEB, "web", "sails", port=port or spec.default_port, port_declared=port is not None,
                       dev_server=sub != "lift", notes=() if sub == "lift" else (f"sails {sub}",))
    port = int_value(option(args, "-p", "--port"))
    host = option(args, "-H", "--hostname")
    dev = sub in ("dev", "")
    return meaning(WEB, "web", spec.name, port=port or spec.default_port, port_declared=port is not None, host=host,
                   dev_server=dev, notes=(f"{prog} {sub or 'dev'} is the development server",) if dev else ())


def _pm2(core: Sequence[str]) -> CommandMeaning:
    cmd = pm2_command(core)
    if cmd is None or cmd.app is None:
        target = f": the apps of {cmd.target}" if cmd is not None and cmd.config_file else ""
        return meaning(config_file=cmd.target if cmd is not None and cmd.config_file else None,
                       notes=(f"pm2 runs its apps{target}: each becomes a workload",) if target else ())
    app = cmd.app
    inner = classify([app.interpreter or "node", *app.interpreter_args, app.script or "", *app.args]) or meaning()
    note = ("pm2 ran it" + (f" in {app.instances_written} instances" if app.instances_written else "")
            + ": the container runs the script itself, the replicas are pods")
    # ``pm2 start`` returns once its daemon runs the app; pm2-runtime (pm2-docker) stays in the foreground
    daemon = basename(core[0]) == "pm2"
    return replace(inner, name=app.name or inner.name, workers=None, daemon=daemon, notes=(*inner.notes, note))


def launched(argv: Sequence[str]) -> tuple[list[str], str | None]:
    """The argv the container runs for a launcher's command (pm2, pm2-runtime, forever, nodemon): the
    script through node, with the note; ``argv`` itself (and None) for any other command."""
    prog = posixpath.basename(argv[0]) if argv else ""
    if prog in ("pm2", "pm2-runtime", "pm2-docker"):
        cmd = pm2_command(argv)
        if cmd is not None and cmd.app is not None:
            app = cmd.app
            return ([app.interpreter or "node", *app.interpreter_args, app.script or "", *app.args],
                    "pm2's daemon, cluster and log options dropped: the pod runs the script, replicas scale it")
    if prog in ("forever", "forever-service"):
        fapp = forever_command(argv)
        if fapp is not None and fapp.action == "start" and fapp.script:
            return ([fapp.command or "node", fapp.script, *fapp.args],
                    "forever's daemon, log and restart options dropped: the pod runs the script")
    if prog == "nodemon":
        found = nodemon_command(argv)
        if found is not None and found[0] and not found[1]:
            return ["node", found[0], *found[2]], "nodemon (a development watcher) replaced by node"
    return list(argv), None


# Programs of Node's (run from node_modules/.bin, npm or a global install): a host path to one
# (/usr/local/bin/pm2, ./node_modules/.bin/knex) is the bare name in the image.
PROGRAMS = frozenset({"node", "nodejs", "npm", "npx", "yarn", "yarnpkg", "pnpm", "bun", "corepack", "pm2",
                      "pm2-runtime", "pm2-docker", "forever", "nodemon", "ts-node", "ts-node-dev", "tsx", "babel-node",
                      "next", "nuxt", "sails", "nest", "knex", "sequelize", "sequelize-cli", "prisma", "typeorm",
                      "webpack", "gulp", "grunt", "tsc", "esbuild", "vite", "rollup", "lerna", "turbo", "nx"})
