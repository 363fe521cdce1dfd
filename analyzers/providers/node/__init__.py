"""The Node.js provider: Node's analyzers, its detection, its servers and step rules, and how its commands
look on a legacy host (nvm paths, ``npx``, ``node_modules/.bin``, pm2 and forever wrapping a script).

The building blocks (pure readers of package.json, lockfiles, version files, JS/TS code and PM2, forever
and nodemon configs over a RepoView) are the other modules of this package; the analyzers that turn them
into findings are :mod:`.runtime_version` (``node_version``) and :mod:`.runtime_packaging`
(``node_packaging``). The code and PM2 analyzers (env reads, ports, routes, workers, schedules; PM2 apps
and deploy hooks) take the ``CODE`` and ``HOST_CONFIG`` slots below when they are merged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from analyzers.base import Analyzer
from analyzers.lib.argv import basename
from analyzers.providers import common
from analyzers.providers.common import LazyAnalyzer
from analyzers.providers.node import (
    commands,
    runtime_packaging,
    runtime_version,
    servers,
    steps,
)
from analyzers.providers.node.detect import detect as detect
from analyzers.providers.node.resolve import resolve_command
from analyzers.providers.protocol import PrunedDirs, ServerSpec, StepRule, Tier
from migrator.commands import CommandMeaning, ParsedCommand
from migrator.repo import RepoView

NAME = "node"
HEROKU_BUILDPACKS: tuple[str, ...] = ("nodejs", "heroku/nodejs", "node")
SOURCE_SUFFIXES: tuple[str, ...] = (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts", ".tsx", ".jsx")
# package-manager caches, framework caches and test output (coverage/ at the root only: a package may
# be named so): never the app's own source. dist/ and build/
# are not here: they may be committed artifacts the app runs (node_modules is in the registry's core set).
PRUNED = PrunedDirs(
    frozenset({".npm", ".pnpm-store", ".turbo", ".nyc_output", ".parcel-cache", ".svelte-kit"}),
    frozenset({"coverage", ".next/cache", ".yarn/cache", ".yarn/unplugged", ".nuxt", ".output/cache"}),
)
ANALYZERS: Mapping[Tier, tuple[Analyzer, ...]] = {
    # PM2 ecosystem apps -> processes and pm2 deploy hooks; forever's JSON configs and nodemon
    Tier.HOST_CONFIG: (LazyAnalyzer("pm2", f"{__name__}.app_pm2"), LazyAnalyzer("forever", f"{__name__}.app_forever")),
    Tier.PACKAGING: (runtime_version, runtime_packaging),
    # env reads, ports, health routes, queue workers, in-process schedules, services, SIGTERM handling
    Tier.CODE: (LazyAnalyzer("node_code", f"{__name__}.app_code"),),
}
SERVERS: Mapping[str, ServerSpec] = servers.SERVERS
# migrations, builds and installs (steps), and the process managers' own chores (commands)
STEP_RULES: tuple[StepRule, ...] = steps.STEP_RULES + commands.STEP_RULES
# node as PID 1 ignores SIGTERM unless the app installs a handler: such a process runs under tini
INIT_PROGRAMS: frozenset[str] = frozenset({"node"})

_NVM_BIN = re.compile(r"(^|/)(\.nvm/versions/node/[^/]+|\.nodenv/versions/[^/]+|n/versions/node/[^/]+|"
                      r"\.volta/tools/image/node/[^/]+|node_modules|\.npm-global|\.yarn)/(\.?bin)/")
_RUNNERS = {("npx",): 1, ("npm", "exec"): 2, ("npm", "x"): 2, ("yarn", "dlx"): 2, ("pnpm", "dlx"): 2,
            ("pnpm", "exec"): 2, ("yarn", "exec"): 2, ("bunx",): 1, ("pnpx",): 1}
_RUNNER_VALUES = frozenset({"-p", "--package", "-c", "--call", "-w", "--workspace"})


def unwrap(argv: Sequence[str]) -> tuple[tuple[str, ...], str, str | None] | None:
    """``npx [--yes] knex migrate:latest`` / ``npm exec -- x`` / ``yarn dlx x`` / ``pnpm dlx x`` -> x, with
    the runner's words (a package that runs through npx must be a dependency: the image installs no more)."""
    if not argv:
        return None
    head = basename(argv[0])
    for words, size in _RUNNERS.items():
        if (head, *argv[1:size]) != words:
            continue
        rest = list(argv[size:])
        used = list(argv[:size])
        while rest and rest[0].startswith("-"):
            opt = rest.pop(0)
            used.append(opt)
            if opt == "--":
                break
            if opt in _RUNNER_VALUES and rest:
                used.append(rest.pop(0))
        if not rest:
            return None
        return tuple(rest), " ".join(used), None
    return None


def program(core: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """(program, arguments) through the interpreter: ``node --max-old-space-size=512 server.js x`` ->
    server.js, ``node -r dotenv/config x.js`` -> x.js; None when ``core`` is not run by node."""
    found = servers.script_of(core)
    if found is None:
        return None
    return basename(found[0]), found[1]


def classify(cmd: ParsedCommand) -> CommandMeaning | None:
    """The meaning of a Node command (a script under node, a package-manager script, a framework CLI, a
    process manager wrapping a script); None when the program is not Node's."""
    return servers.classify(cmd.core)


def host_program(argv0: str) -> str | None:
    """``/usr/bin/node`` and ``~/.nvm/versions/node/v16.20.0/bin/node`` -> ``node``; ``./node_modules/.bin/knex``
    -> ``knex``; ``/usr/local/bin/pm2`` -> ``pm2``; None for anything else."""
    name = basename(argv0)
    if "/" not in argv0:
        return None
    if name in servers.PROGRAMS or _NVM_BIN.search(argv0):
        return "node" if name == "nodejs" else name
    return None


def container_argv(meaning: CommandMeaning, port: int | None) -> tuple[tuple[str, ...], str | None]:
    """(argv, note): a Node command as its container runs it: the script itself rather than the pm2,
    forever or nodemon that launched it, a framework CLI listening on 0.0.0.0:``port``."""
    argv, launched = servers.launched(list(meaning.container))
    spec = SERVERS.get(meaning.server) if meaning.server else None
    argv, listen = common.listen_note(meaning, spec, argv, port)
    notes = [n for n in (launched, listen) if n]
    return tuple(argv), "; ".join(notes) or None


def resolve(repo: RepoView, cmd: ParsedCommand) -> tuple[str, str] | None:
    """``npm start`` -> the script it runs (``node server.js``), and why (:mod:`.resolve`); None when
    ``cmd`` runs no package.json script this repo has."""
    return resolve_command(repo, cmd)
