"""The argv a container runs for a process, a schedule or a step, read from the model's meaning.

The provider that owns the command rewrites what is its own (a Python server's listen address, log
and pid options: ``Provider.container_argv``); what is left is runtime-neutral: ``$VAR`` references need
a shell, because an exec-form CMD and a Kubernetes ``command`` do not expand them, so such commands
run through ``sh -c 'exec ...'`` (``exec`` keeps the program PID 1, so it gets the signals). A program
the provider lists in ``INIT_PROGRAMS`` (node: as PID 1 it ignores SIGTERM unless the app handles it)
runs under ``tini``, which forwards the signals; the image planner installs tini when a command uses it.
"""

from __future__ import annotations

import shlex

from analyzers import registry
from analyzers.lib.argv import basename
from migrator.commands import CommandMeaning


def container_argv(meaning: CommandMeaning | None, port: int | None, *, handles_sigterm: bool = False
                   ) -> tuple[tuple[str, ...], str | None]:
    """(argv, note): the command as the container runs it; ``note`` says what was rewritten and why.
    ``handles_sigterm``: the process's code installs a SIGTERM handler (then it needs no init)."""
    if meaning is None:
        return (), None
    provider = registry.provider(meaning.provider) if meaning.provider else None
    argv, note = provider.container_argv(meaning, port) if provider is not None else (meaning.container, None)
    init = INIT if (provider is not None and not handles_sigterm and argv
                    and basename(argv[0]) in provider.INIT_PROGRAMS) else ()
    if list(argv[:2]) in (["sh", "-c"], ["bash", "-c"]):
        return (*init, *argv), note
    if any("$" in a for a in argv):
        return (*init, "sh", "-c", "exec " + " ".join(_shell_word(a) for a in argv)), note
    return (*init, *argv), note


INIT = ("tini", "--")  # Debian's tini: reaps children and forwards SIGTERM to the program


def uses_init(argv: tuple[str, ...]) -> bool:
    return argv[: len(INIT)] == INIT


def _shell_word(token: str) -> str:
    """Quote for sh, but keep ``$VAR`` expandable (double quotes) where the token references one."""
    if "$" not in token:
        return shlex.quote(token)
    if all(c.isalnum() or c in "$_{}:/.=-@," for c in token):
        return token
    return '"' + token.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'
