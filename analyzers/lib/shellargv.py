"""What the words of one shell command say about how it runs: wrappers (``sudo -u``, ``nohup``,
``coproc``), the string ``ssh``/``bash -c``/``su -c`` hand to another shell, and ``cd``'s target.

These read argv lists (quotes already removed) and never run anything.
"""

from __future__ import annotations

import posixpath
import re

SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "ash"}
_SSH_VALUE_OPTS = set("bcDEeFIiJLlmOopQRSWw")
ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_DETACH = {"nohup", "setsid", "daemonize", "exec"}
_PASSTHROUGH = {"time", "nice", "ionice", "stdbuf", "env", "timeout", "command"}


def basename(token: str) -> str:
    return token.rsplit("/", 1)[-1]


def unwrap(argv: list[str]) -> tuple[int, str | None, bool]:
    """Index of the real program after wrappers, the user it runs as (sudo -u), and whether a wrapper
    detaches it from the script (nohup, setsid) or the script becomes it (exec)."""
    i, user, detached = 0, None, False
    while i < len(argv):
        a, b = argv[i], basename(argv[i])
        if ASSIGN.match(a):
            i += 1
        elif b in _DETACH:
            detached = True
            i += 1
        elif b in _PASSTHROUGH:
            i += 1
            while i < len(argv) and (argv[i].startswith("-") or ASSIGN.match(argv[i])):
                i += 1
            if b == "timeout" and i < len(argv):
                i += 1
        elif b == "sudo":
            i, user = _sudo(argv, i + 1, user)
        else:
            break
    return i, user, detached


def _sudo(argv: list[str], i: int, user: str | None) -> tuple[int, str | None]:
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        opt = argv[i]
        i += 1
        if opt.startswith("--user="):
            user = opt.split("=", 1)[1]
        elif opt[-1] in "ugCpDhrtU" and not opt.startswith("--") and i < len(argv):
            if opt.endswith("u"):
                user = argv[i]
            i += 1
    if i < len(argv) and argv[i] == "--":
        i += 1
    return i, user


def coproc(argv: list[str]) -> int:
    """How many words of ``coproc [NAME {] cmd`` start the coprocess (0: not a coproc); tree-sitter-bash
    reads ``coproc NAME { cmd; }`` as one command ``coproc NAME { cmd`` and a stray ``}``."""
    if not argv or argv[0] != "coproc":
        return 0
    return 3 if len(argv) > 2 and argv[2] == "{" else 1


def ssh_remote(args: list[str]) -> int | None:
    """Index in ``args`` where ssh's remote command starts (len(args) when none); None without a host."""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if a.startswith("-") and len(a) > 1:
            i += 2 if (len(a) == 2 and a[1] in _SSH_VALUE_OPTS) else 1
            continue
        break
    if i >= len(args):
        return None
    return i + 1


def dash_c(args: list[str], prog: str) -> int | None:
    """Index of the command string given with ``-c`` (``bash -lc "..."``, ``su - app -c "..."``)."""
    for i, a in enumerate(args):
        if a.startswith("--command="):
            return None
        if a == "--command" or (a.startswith("-") and not a.startswith("--") and a.endswith("c")):
            return i + 1 if i + 1 < len(args) else None
        if prog in SHELLS and not a.startswith("-"):
            return None  # bash script.sh: a file, not a command string
    return None


def su_user(args: list[str]) -> str | None:
    """The user of ``su - app -c ...`` / ``su -c ... app`` / ``runuser -l app -c ...``."""
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a in ("-c", "--command", "-s", "--shell", "-g", "--group"):
            skip = True
        elif not a.startswith("-"):
            return a
    return None


def su_login(args: list[str]) -> bool:
    """``su - app`` / ``su -l app``: a login shell, which starts in the user's home directory."""
    return any(a in ("-", "-l", "--login") for a in args)


def chdir(cwd: str | None, target: str | None) -> str | None:
    """The directory after ``cd target`` from ``cwd`` (None: unknown, e.g. ``cd -`` or a relative path
    from an unknown directory). A target still holding ``$VAR`` is kept as written."""
    if target is None or target == "":
        return "~"
    if target == "-":
        return None
    if target.startswith(("/", "~", "$")):
        return posixpath.normpath(target) if target.startswith("/") else target
    if cwd is None:
        return None
    return posixpath.normpath(posixpath.join(cwd, target))
