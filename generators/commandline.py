"""Turn a legacy process command into the argv a container runs.

Legacy web servers often listen on 127.0.0.1 or a unix socket behind nginx; in a pod they must listen
on 0.0.0.0 at the port the Service and the probes use. This module rewrites the listen options of the
known app servers and leaves everything else alone. ``$VAR`` references need a shell: exec-form CMD
and Kubernetes ``command`` do not expand them, so such commands run through ``sh -c 'exec ...'``.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from analyzers.commands import basename, classify, container_command, server, split
from analyzers.providers.protocol import ServerSpec
from migrator.commands import CommandMeaning

ALL = "0.0.0.0"  # noqa: S104 - a pod must listen on every interface for Service and probes


def container_argv(command: str, port: int | None) -> tuple[tuple[str, ...], str | None]:
    """(argv, note): the command as the container runs it; ``note`` says what was rewritten and why."""
    text = container_command(command)
    argv = split(text)
    info = classify(text)
    notes: list[str] = []
    spec = server(info)
    if port is not None and spec is not None and (spec.listen_add or spec.listen_positional):
        rebound = _rebind(argv, spec, port)
        if sorted(rebound) != sorted(argv):
            notes.append(f"listens on 0.0.0.0:{port} in the container (legacy: {_listen_text(info)})")
            argv = rebound
    if spec is not None and spec.file_options:
        argv, moved = _no_host_files(argv, spec.file_options)
        if moved:
            notes.append(f"no log or pid files on the read-only filesystem, logs go to stdout/stderr "
                         f"(legacy: {', '.join(moved)})")
    if _celery_beat(info, argv) and not any(_is_schedule_option(a) for a in argv[1:]):
        # beat keeps its schedule state in ./celerybeat-schedule by default: the app dir is read-only
        argv = [*argv, "--schedule", "/tmp/celerybeat-schedule"]  # noqa: S108 - the pod's emptyDir
        notes.append("beat's schedule file moved to /tmp (the root filesystem is read-only)")
    note = "; ".join(notes) or None
    if argv[:2] in (["sh", "-c"], ["bash", "-c"]):
        return tuple(argv), note
    if any("$" in a for a in argv):
        return ("sh", "-c", "exec " + " ".join(_shell_word(a) for a in argv)), note
    return tuple(argv), note


def _no_host_files(argv: list[str], options: Mapping[str, str | None]) -> tuple[list[str], list[str]]:
    """``argv`` without file-writing options (or with them pointed at stdout), and what was moved."""
    out: list[str] = []
    moved: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        name, eq, inline = token.partition("=")
        if name in options and (eq or i + 1 < len(argv)):
            value = inline if eq else argv[i + 1]
            step = 1 if eq else 2
            if value == "-" or value.startswith(("/tmp/", "/dev/std")):  # noqa: S108 - the pod's emptyDir
                out += argv[i : i + step]
            else:
                moved.append(f"{name} {value}")
                replacement = options[name]
                if replacement is not None:
                    out += [name, replacement]
            i += step
            continue
        out.append(token)
        i += 1
    return out, moved


def _celery_beat(info: CommandMeaning, argv: list[str]) -> bool:
    return info.server == "celery" and (info.name == "beat" or "-B" in argv or "--beat" in argv)


def _is_schedule_option(arg: str) -> bool:
    return arg in ("-s", "--schedule") or arg.startswith("--schedule=") or (arg.startswith("-s") and arg[2:3] != "-")


def _listen_text(info: CommandMeaning) -> str:
    sock = info.unix_socket
    if sock:
        return f"unix socket {sock}"
    host, port = info.host, info.port
    if host and "$" in host:
        return host
    return f"{host or 'default host'}:{port}" if port else "default address"


def _anchor_index(argv: list[str], spec: ServerSpec) -> int:
    anchor = spec.anchor or spec.name
    for i, word in enumerate(argv):
        if basename(word) == anchor or (spec.listen_positional and word == f"{anchor}_plus"):
            return i
    return 0


def _rebind(argv: list[str], spec: ServerSpec, port: int) -> list[str]:
    at = _anchor_index(argv, spec)
    head, tail = argv[: at + 1], argv[at + 1 :]
    if spec.listen_positional:
        # the address is the first positional after the anchor (runserver)
        return [*head, f"0.0.0.0:{port}", *(a for a in tail if a.startswith("-"))]
    drop, add = spec.listen_options, spec.listen_add
    kept: list[str] = []
    skip = False
    for token in tail:
        if skip:
            skip = False
            continue
        name = token.split("=", 1)[0]
        if token in drop:
            skip = True
            continue
        if name in drop and "=" in token:
            continue
        if any(len(d) == 2 and token.startswith(d) and len(token) > 2 and not token.startswith("--") for d in drop):
            continue
        kept.append(token)
    return [*head, *(a.format(port=port) for a in add), *kept]


def _shell_word(token: str) -> str:
    """Quote for sh, but keep ``$VAR`` expandable (double quotes) where the token references one."""
    if "$" not in token:
        return shlex.quote(token)
    if all(c.isalnum() or c in "$_{}:/.=-@," for c in token):
        return token
    return '"' + token.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'
