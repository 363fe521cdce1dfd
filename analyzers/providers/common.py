"""Defaults and helpers every provider can use (pre-commit's ``lang_base.basic_*``): rewriting an app
server's listen address and its log/pid options for a container, from the provider's server table."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from analyzers.lib.argv import basename
from analyzers.providers.protocol import ServerSpec
from migrator.commands import CommandMeaning

if TYPE_CHECKING:
    from analyzers.base import Analyzer, Item
    from migrator.repo import RepoView

ALL = "0.0.0.0"  # noqa: S104 - a pod must listen on every interface for Service and probes


def listen_note(meaning: CommandMeaning, spec: ServerSpec | None, argv: list[str], port: int | None
                ) -> tuple[list[str], str | None]:
    """``argv`` listening on 0.0.0.0:``port`` when ``spec`` knows how to say so, and the note saying what
    was rewritten (None when the command already listened there)."""
    if port is None or spec is None or not (spec.listen_add or spec.listen_positional):
        return argv, None
    rebound = rewrite_listen(spec, argv, port)
    if sorted(rebound) == sorted(argv):
        return argv, None
    return rebound, f"listens on 0.0.0.0:{port} in the container (legacy: {listen_text(meaning)})"


def file_note(spec: ServerSpec | None, argv: list[str]) -> tuple[list[str], str | None]:
    """``argv`` without the server's log and pid file options (logs go to stdout), and the note."""
    if spec is None or not spec.file_options:
        return argv, None
    argv, moved = strip_file_options(argv, spec.file_options)
    if not moved:
        return argv, None
    return argv, ("no log or pid files on the read-only filesystem, logs go to stdout/stderr "
                  f"(legacy: {', '.join(moved)})")


def strip_file_options(argv: list[str], options: Mapping[str, str | None]) -> tuple[list[str], list[str]]:
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


def listen_text(info: CommandMeaning) -> str:
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


def rewrite_listen(spec: ServerSpec, argv: Sequence[str], port: int) -> list[str]:
    """``argv`` with the listen options of ``spec`` replaced by 0.0.0.0:``port`` (options go after the anchor)."""
    argv = list(argv)
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


class LazyAnalyzer:
    """An analyzer whose module is imported when it first runs. A provider's analyzers run only when its
    ``detect`` found the language, so a repository without it never pays for their import (the Node code
    readers' tree-sitter queries and tables: about 60 ms of every ``migrate analyze`` of a Python repo).
    ``NAME`` must be the module's own (tests check it)."""

    def __init__(self, name: str, module: str) -> None:
        self.NAME = name
        self.module = module

    def analyze(self, repo: RepoView) -> Iterable[Item]:
        loaded: Analyzer = importlib.import_module(self.module)
        return loaded.analyze(repo)

    def __repr__(self) -> str:
        return f"LazyAnalyzer({self.NAME!r}, {self.module!r})"
