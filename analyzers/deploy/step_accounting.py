"""The last bucket of a deploy command: what no rule classifies is reported for review, never dropped.

:func:`analyzers.deploy.deploy_commands.interpret` puts each command of a deploy script (Fabric
``run``/``sudo``/``local``, shell scripts, Makefile recipes, systemd ``ExecStartPre=``) in one bucket:
a process, a release step, a build step, a host step the container replaces, or, when no rule knows
the command, an "unclassified: review" step with its file and line. ``run("python -m ledger.cli")``
between ``pip install`` and the restart may be a data migration (a release step) or a report nobody
needs any more: only a person can tell, so the report says so and counts it.

One family of words gets no bucket because it is the script's own language, like ``if`` or ``cd``:
the shell's control builtins (``set -e``, ``exit 1``, ``sleep 2``, ``trap``, ``wait``, ``echo``) and a
bare shell that reads the heredoc or string the walker already read (``ssh host bash <<EOF``). A
program that only reads the host (``hostname``, ``grep -q``, ``$(cat app.pid)``) is a host step with
nothing to migrate; ``cat``/``tee`` fed a heredoc write a file on the host (the walker says which).
"""

from __future__ import annotations

import re

from analyzers import base
from analyzers.base import Src
from analyzers.commands import basename
from migrator.commands import CommandMeaning
from migrator.model import Finding
from migrator.secrets import scrub

REASON = "unclassified: review (a release step, a build step, or only for the old hosts?)"
# Builtins that steer or pace the script itself and change nothing outside it.
SCRIPT_CONTROL = frozenset({
    "set", "true", "false", ":", "exit", "return", "shift", "sleep", "wait", "trap", "test", "[", "[[", "read",
    "break", "continue", "unset", "umask", "shopt", "hash", "alias", "unalias", "getopts", "let", "((", "builtin",
    "readarray", "mapfile", "logger", "disown", "jobs", "times", "ulimit", "echo", "printf",
    # reserved words: a line the parsers could not read is split line by line, leaving these behind
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do", "done", "in", "{", "}",
    "function", "select", "!",
})
# A program name as written in a script; anything else is a fragment of a line no parser could read
# (reported as a warning already), not a command.
_PROGRAM = re.compile(r"^[A-Za-z0-9_.~/$+-][\w.~/${}:@%+-]*$")
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash"})
# Programs that only read the host's state: a host step with nothing to migrate.
READS_ONLY = frozenset({
    "date", "hostname", "whoami", "id", "uname", "pwd", "ls", "head", "tail", "grep", "egrep", "fgrep", "wc",
    "which", "stat", "df", "du", "ps", "pgrep", "free", "uptime", "printenv", "md5sum", "sha1sum", "sha256sum",
    "readlink", "realpath", "dirname", "basename", "nproc", "getent", "lsb_release", "cat", "diff", "cmp",
})
READS_ONLY_REASON = "reads the host's state and changes nothing: nothing to migrate"
HEREDOC_WRITE_REASON = "writes a file on the host from a heredoc: the image or a ConfigMap carries it"


def is_script_control(core: list[str] | tuple[str, ...]) -> bool:
    """True for the shell's own control words, and for a bare shell (``bash``, ``sh -s``) whose input
    the walker reads itself."""
    if not core:
        return True
    prog = basename(core[0])
    if prog in SCRIPT_CONTROL or not _PROGRAM.match(core[0]) or core[0] in ("$@", "$*", "${@}", "${*}"):
        return True  # exec "$@": a wrapper runs the command it was given, which is classified where it is written
    return prog in _SHELLS and all(a.startswith("-") and "c" not in a.lstrip("-") for a in core[1:])


def last_bucket(command: str, core: list[str] | tuple[str, ...], src: Src, info: CommandMeaning) -> list[Finding]:
    """What :func:`analyzers.commands.step_kind` left: nothing for the script's own control words, a
    host step for a program that only reads the host, else "unclassified: review"."""
    if is_script_control(core):
        return []
    if basename(core[0]) in READS_ONLY:
        return [base.host_step(command, src, READS_ONLY_REASON)]
    return [unclassified(command, src, info)]


def unclassified(command: str, src: Src, info: CommandMeaning) -> Finding:
    """The "unclassified: review" finding for ``command``; a long-running program started in the
    foreground says which, since it may be a process nobody declared."""
    reason = REASON
    if info.role is not None and info.server:
        reason = (f"unclassified: review ({info.server} started in the foreground here: if production "
                  "runs it, declare it as a process in migrate.toml)")
    # the command is the subject's key too, which some renderings print as is
    return base.unclassified_step(scrub(command), src, reason)
