"""Node process managers on a command line (``pm2 start app.js -i 4``, ``forever start server.js``,
``nodemon server.js``): pieces for the provider's ``unwrap``, ``classify`` and ``STEP_RULES``.

A process manager only wraps the node process the container runs itself, so it is unwrapped like a
runner (:func:`unwrap_manager`: ``forever start -l x.log -a server.js --port 3000`` -> ``node server.js
--port 3000``); what its options said about the process (``--name``, ``-i 4``, ``--max-memory-restart
300M``, ``--kill-timeout``) is kept as :class:`ProcessFact` values by :func:`manager_facts`. Commands that
only drive the host's daemon (``pm2 reload``, ``pm2 save``, ``pm2 start ecosystem.config.js``, ``forever
stop``, ``npm install -g pm2``) are host steps (:data:`STEP_RULES`); the PM2 analyzer reads the
ecosystem file's apps themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analyzers.lib.argv import basename
from analyzers.providers.node.forever import forever_command, nodemon_command
from analyzers.providers.node.pm2cli import STARTS, pm2_command
from analyzers.providers.protocol import StepRule
from migrator.commands import ParsedCommand, ProcessFact, StepKind
from migrator.model import Confidence, Source

_HOST_PM = "process manager on the old hosts: Kubernetes runs, restarts and rolls out the processes"
# global positions among every provider's and the generic rules (see analyzers.deploy.generic_steps)
STEP_RULES: tuple[StepRule, ...] = (
    StepRule(StepKind.HOST, re.compile(r"^(pm2|pm2-runtime)\s+(\S+\s+)*?(reload|restart|gracefulReload|startOrReload|"
                                       r"startOrRestart|startOrGracefulReload|save|startup|unstartup|resurrect|"
                                       r"install|update|updatePM2|deploy|delete|del|stop|kill|flush|reloadLogs|"
                                       r"logs|monit|list|ls|status|jlist|ping|describe|show|env|set)\b"), _HOST_PM,
             55),
    StepRule(StepKind.HOST, re.compile(r"^(pm2|pm2-runtime)\s+(\S+\s+)*?start\s+\S*(ecosystem|pm2|process)\S*"
                                       r"\.(config\.)?(js|cjs|mjs|json|ya?ml)\b"),
             "pm2 starts the ecosystem file's apps on the old hosts: each app is a workload now", 56),
    StepRule(StepKind.HOST, re.compile(r"^forever\s+(stop|stopall|restart|restartall|list|logs|cleanlogs|columns|"
                                       r"config)\b"), _HOST_PM, 57),
    StepRule(StepKind.HOST, re.compile(r"^(npm|yarn|pnpm)\s+(install|i|add|global\s+add)\s+(-g\s+|--global\s+)?"
                                       r"(-g\s+|--global\s+)?(pm2|forever|nodemon)(@\S+)?(\s|$)"), _HOST_PM, 58),
)


def unwrap_manager(argv: Sequence[str]) -> tuple[tuple[str, ...], str, str | None] | None:
    """(the node command, the manager's words, a note) when ``argv`` starts a script through pm2,
    pm2-runtime, forever or nodemon; None for anything else (and for config files, read elsewhere)."""
    if not argv:
        return None
    prog = basename(argv[0])
    if prog in ("pm2", "pm2-runtime", "pm2-docker"):
        pm = pm2_command(argv)
        app = pm.app if pm is not None and pm.action in STARTS else None
        if pm is None or app is None or not app.script:
            return None
        interpreter = app.interpreter
        head: tuple[str, ...] = (() if interpreter == "none" else
                                 (basename(interpreter) if interpreter else "node", *app.interpreter_args))
        inner = (*head, app.script, *app.args)
        return inner, _runner(argv, app.script), f"{prog} {pm.action}: the container runs the script itself"
    if prog in ("forever", "forever-service"):
        found = forever_command(argv)
        if found is None or found.action != "start" or not found.script:
            return None
        inner = (found.command or "node", found.script, *found.args)
        return inner, _runner(argv, found.script), "forever start: the container runs the script itself (no log files)"
    if prog == "nodemon":
        parsed = nodemon_command(argv)
        script, exec_cmd, args = parsed if parsed is not None else (None, None, ())
        if not script:
            return None
        inner = (*(exec_cmd.split() if exec_cmd else ["node"]), script, *args)
        return inner, _runner(argv, script), "nodemon is a development watcher: production runs the script once"
    return None


def _runner(argv: Sequence[str], script: str) -> str:
    """The manager's own words: ``argv`` up to the script."""
    cut = next((i for i, w in enumerate(argv) if i > 0 and w == script), len(argv))
    return " ".join(argv[:cut])


def manager_facts(cmd: ParsedCommand) -> tuple[tuple[ProcessFact, ...], str | None]:
    """(facts, process name) a pm2 command line says about the process it starts: ``--name``,
    ``-i N`` (replicas), ``--max-memory-restart`` (memory_limit), ``--kill-timeout`` (stop_timeout)."""
    argv = list(cmd.argv)
    start = next((i for i, w in enumerate(argv) if basename(w) in ("pm2", "pm2-runtime", "pm2-docker")), None)
    pm = pm2_command(argv[start:]) if start is not None else None
    app = pm.app if pm is not None else None
    if app is None:
        return (), None
    src = cmd.source or Source("(command)", None, "node", Confidence.DECLARED)
    facts: list[ProcessFact] = []
    if app.instances is not None:
        facts.append(ProcessFact("replicas", app.instances, src))
    if app.memory_mi is not None:
        facts.append(ProcessFact("memory_limit", f"{app.memory_mi}Mi", src))
    if app.stop_timeout_s is not None:
        facts.append(ProcessFact("stop_timeout", app.stop_timeout_s, src))
    return tuple(facts), app.name
