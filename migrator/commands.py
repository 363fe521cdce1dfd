"""Commands as values: what a deploy command is (:class:`ParsedCommand`) and what it means
(:class:`CommandMeaning`), plus the tokenising helpers every stage shares.

A command line met in a Procfile, a unit file, a crontab or a deploy script is split **once** into a
:class:`ParsedCommand` by the analyzer that reads it (``analyzers.commands.parse_command``); the
provider that owns its program (``gunicorn`` belongs to Python) says what it means, as a
:class:`CommandMeaning`. Both travel with the finding to the planner, and the generators read the
meaning from the model instead of classifying the command again.

These types live next to :mod:`migrator.model` (not in the analyzers) because the planner and the
generators read them: nothing here knows any runtime.
"""

from __future__ import annotations

import enum
import functools
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from migrator.model import ProcessRole, Source, Value


def split(command: str) -> list[str]:
    """Tokenise like a POSIX shell would (without expanding anything); tolerant of bad quoting."""
    return list(_split(command))


@functools.lru_cache(maxsize=16384)
def _split(command: str) -> tuple[str, ...]:
    # shlex is slow (~100 us a command); a 3,000-line crontab meets the same texts again (sub-commands of
    # chains, identical jobs), so the pure function of the text is cached
    try:
        return tuple(shlex.split(command, comments=False, posix=True))
    except ValueError:
        return tuple(command.split())


_OPERATORS = {"&&", "||", ";", "|", "&"}  # shlex.split keeps them as tokens: quoting them changes the command
_EXPANDABLE = re.compile(r"^[\w@%+=:,./{}$-]+$")


def join(argv: Sequence[str]) -> str:
    """Like :func:`shlex.join`, but ``$PORT`` / ``${PORT:-8000}`` stay expandable (not single-quoted)."""
    out = []
    for token in argv:
        if token in _OPERATORS or ("$" in token and _EXPANDABLE.match(token)):
            out.append(token)
        elif "$" in token:
            out.append('"' + re.sub(r'(["\\`])', r"\\\1", token) + '"')
        else:
            out.append(shlex.quote(token))
    return " ".join(out)


def relativize(command: str, workdir: str | None) -> str:
    """Host paths under the legacy working directory become relative: in the image the app dir is the workdir.

    ``uwsgi --ini /srv/app/deploy/uwsgi.ini`` run in ``/srv/app`` -> ``uwsgi --ini deploy/uwsgi.ini``.
    """
    root = (workdir or "").rstrip("/")
    if not root.startswith("/") or "{{" in root or "%" in root or root not in command:
        return command  # (no word can be under a root the text does not contain: nothing to split)
    argv = split(command)
    out = relativize_words(argv, workdir)
    return join(out) if out != argv else command


def relativize_words(argv: Sequence[str], workdir: str | None) -> list[str]:
    """:func:`relativize` on words already split (``sh -c '...'`` and template paths are left alone)."""
    root = (workdir or "").rstrip("/")
    if not root.startswith("/") or "{{" in root or "%" in root or (len(argv) == 3 and list(argv[:2]) == ["sh", "-c"]):
        return list(argv)
    return relativize_argv(argv, root)


def relativize_argv(argv: Sequence[str], root: str) -> list[str]:
    """:func:`relativize` on words already split: ``root`` (an absolute dir) and paths below it."""
    out = []
    for token in argv:
        prefix, value = ("", token)
        if token.startswith("-") and "=" in token:
            head, _, value = token.partition("=")
            prefix = head + "="
        if value == root:
            value = "."
        elif value.startswith(root + "/"):
            value = value[len(root) + 1 :]
        out.append(prefix + value)
    return out


@dataclass(frozen=True)
class ParsedCommand:
    """One command as a deploy tool runs it. Split once; every rule reads this value.

    ``core`` is ``argv`` from the real program on: env assignments, ``sudo``, ``nohup``, ``exec``, container
    CLIs (``docker exec app ...``) and project runners (``uv run``) stripped. The context fields are what
    the reader knew about where and how the command ran.
    """

    text: str  # as written (host steps and reports show it)
    argv: tuple[str, ...]  # shell words
    core: tuple[str, ...]
    source: Source | None = None  # where the line was written (None: a command given as text alone)
    cwd: str | None = None  # cd, WorkingDirectory=, fabric cd(), supervisor directory=
    user: str | None = None  # sudo -u, User=, fabric sudo(user=)
    env: tuple[tuple[str, str], ...] = ()  # FOO=bar prefix, env FOO=bar, Environment=
    hosts: tuple[str, ...] | None = None  # fabric roles/hosts, ssh target, loop variable
    background: bool = False  # &, nohup, setsid, --daemon
    runner: str | None = None  # "uv run --extra dev", "poetry run": what wrapped the program
    origin: str = ""  # "ExecStart=", "run()", "Procfile"
    notes: tuple[str, ...] = ()  # what the wrappers implied: "uv run --extra dev: needs extra dev"

    @property
    def program(self) -> str:
        """The basename of the real program (``/srv/app/venv/bin/gunicorn`` -> ``gunicorn``), or ``""``."""
        return self.core[0].rsplit("/", 1)[-1] if self.core else ""

    def with_core(self, core: Sequence[str], *, runner: str | None = None) -> ParsedCommand:
        return replace(self, core=tuple(core), runner=runner if runner is not None else self.runner)


class StepKind(str, enum.Enum):
    """What a one-off deploy command is for."""

    RELEASE = "release"  # once per deploy, before the new version serves (migrations)
    BUILD = "build"  # produces files the image must contain (collectstatic, asset builds)
    HOST = "host"  # legacy host chores the container build replaces (git pull, systemctl restart)


@dataclass(frozen=True)
class ProcessFact:
    """A fact a provider knows about the process a command starts (a port read in the code ...)."""

    field: str
    value: Value
    source: Source


@dataclass(frozen=True)
class CommandMeaning:
    """What one command means, as the provider that owns its program says (``provider=None``: no
    provider claimed it; the generic rules still give steps and host-only reasons).

    ``container`` is the command as it runs in the image: wrappers stripped, host paths of the
    interpreter or of the legacy app dir dropped, daemonizing flags removed.
    """

    provider: str | None
    role: ProcessRole | None = None
    name: str | None = None  # canonical process key: web, worker, beat, worker-emails
    server: str | None = None  # the provider's ServerSpec key: gunicorn, uvicorn, celery ...
    container: tuple[str, ...] = ()
    step: StepKind | None = None  # for one-off commands
    step_reason: str | None = None
    port: int | None = None
    port_declared: bool = False  # written on the command line (or its config), not a server default
    host: str | None = None
    unix_socket: str | None = None
    workers: int | None = None
    threads: int | None = None
    timeout: int | None = None
    config_file: str | None = None
    entrypoint: str | None = None
    dev_server: bool = False
    daemon: bool = False  # the program detaches by itself (forever start, pm2 start): it keeps running
    facts: tuple[ProcessFact, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        """The container command as one shell line."""
        return join(self.container)

    def in_dir(self, workdir: str | None) -> CommandMeaning:
        """The meaning with host paths under ``workdir`` (the legacy app dir) made relative to the image's."""
        moved = tuple(relativize_words(self.container, workdir))
        return self if moved == self.container else replace(self, container=moved)
