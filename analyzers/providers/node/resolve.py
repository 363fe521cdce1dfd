"""``npm start``, ``npm run report:nightly``, ``npm start -w apps/api``, ``yarn workspace @acme/api start``:
the command the container runs instead, which is the package.json script's own text (npm and yarn do not
pass SIGTERM on to their child, so they must not be PID 1).

The script is found through :mod:`.scripts` in the root package or the workspace the command names, and
followed when it is itself a script command (the root ``start`` that runs ``npm start -w apps/api``). A
workspace's script ran in its directory: its relative file arguments are made relative to the repo root,
where the image's working directory is (``node src/index.js`` in apps/api -> ``node apps/api/src/index.js``;
``process.cwd()`` is then the root: the note says so). A script that is a shell pipeline, sets variables,
or has a ``pre``/``post`` hook is left to npm: running its text alone would not do the same.
"""

from __future__ import annotations

from analyzers.commands import parse_command
from analyzers.providers.node.apppkg import the_app
from analyzers.providers.node.scripts import ScriptRef, hooks, resolve, script_ref
from migrator.commands import ParsedCommand, join
from migrator.model import Confidence, Source
from migrator.repo import RepoView

_MAX_HOPS = 4  # a script that runs a script that runs a script ...
_SHELL = ("&&", "||", ";", "|", ">", "<", "$(", "`")


def resolve_command(repo: RepoView, cmd: ParsedCommand) -> tuple[str, str] | None:
    """(the command the script runs, why) for a package-manager script command; None otherwise."""
    ref = script_ref(cmd.core)
    if ref is None:
        return None
    app = the_app(repo)
    if app is None:
        return None
    packages = app.workspaces.packages if app.workspaces else ()
    steps: list[str] = []
    for _ in range(_MAX_HOPS):
        found = resolve(ref, app.root, packages)
        if found is None:
            return None
        pkg, entry = found.package, found.script
        text = entry.value.strip()
        if any(op in text for op in _SHELL) or any(h is not None for h in hooks(pkg, entry.name)):
            return None
        argv = parse_command(text, Source(pkg.file, entry.line, "node_packaging", Confidence.DECLARED)).argv
        if not argv or "=" in argv[0]:
            return None
        steps.append(f"{pkg.file}:{entry.line} scripts.{entry.name} is `{text}`")
        inner = script_ref(argv)
        if inner is not None:
            ref = inner if inner.workspace or pkg.dir == "." else ScriptRef(
                inner.manager, inner.script, pkg.dir, inner.dir, inner.args)
            continue
        words = [*argv, *ref.args]
        cwd_note = ""
        if pkg.dir != ".":
            words = [words[0], *(f"{pkg.dir}/{w}" if not w.startswith("-") and repo.exists(f"{pkg.dir}/{w}") else w
                                 for w in words[1:])]
            cwd_note = f"; npm ran it in {pkg.dir}, the image runs it from the root (process.cwd() is the root)"
        return join(words), (f"`{cmd.text.strip()}` runs {'; '.join(steps)}: the container runs that itself "
                             f"(npm and yarn do not pass SIGTERM on){cwd_note}")
    return None
