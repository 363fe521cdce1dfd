"""What a command line means: parsed once, asked of the provider that owns its program.

Every analyzer that meets a command (Procfile, systemd ExecStart, supervisor, fabfile, shell scripts)
asks this module, so one ``gunicorn`` command is understood the same way everywhere and processes found
in different files merge under the same canonical name (``web``, ``worker`` ...). The knowledge of
each language's programs lives in its provider (``analyzers/providers/<lang>``: servers, step rules,
runners, interpreter and host paths); the rules here are the runtime-neutral ones: wrappers such as
``sudo``/``nohup``/``env``, container CLIs, host daemons. Commands are tokenised with :mod:`shlex`,
never run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from analyzers.deploy import docker_cli
from analyzers.lib.argv import basename as basename
from analyzers.lib.argv import parse_bind as parse_bind
from analyzers.lib.argv import positional as positional

# split and join moved to migrator.commands (the planner and generators need them); re-exported for readers
from migrator.commands import CommandMeaning, ParsedCommand, StepKind
from migrator.commands import join as join
from migrator.commands import split as split
from migrator.model import Confidence, Source

if TYPE_CHECKING:
    from analyzers.providers.markers import Marker
    from analyzers.providers.protocol import Provider, ServerSpec, StepRule

# Words that only wrap the real program, whatever the language.
_WRAPPERS = {"exec", "nohup", "setsid", "chpst", "setuidgid", "dumb-init", "tini", "--", "time", "nice"}


@cache
def _providers() -> tuple[Provider, ...]:
    # the registry imports the readers, which import this module: read it once it exists
    from analyzers.registry import PROVIDERS

    return PROVIDERS


@cache
def _markers() -> tuple[Marker, ...]:
    from analyzers.providers.markers import ALL

    return ALL


@cache
def _step_rules() -> tuple[StepRule, ...]:
    from analyzers.registry import step_rules

    return step_rules()


def core_argv(argv: Sequence[str]) -> list[str]:
    """Strip what only wraps the real program: env assignments, exec/nohup, sudo -u, container CLIs, and
    each provider's runners (``uv run --extra dev``, ``poetry run``)."""
    return list(_core(argv)[0])


def _core(argv: Sequence[str]) -> tuple[tuple[str, ...], str | None, tuple[str, ...]]:
    out = list(argv)
    runner: str | None = None
    notes: list[str] = []
    changed = True
    while out and changed:
        changed = False
        head = out[0]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", head) or head in _WRAPPERS or basename(head) in _WRAPPERS:
            out.pop(0)
            changed = True
        elif docker_cli.is_tool(out) and (inner := docker_cli.inner_argv(out)):
            out = inner  # docker exec/run, compose run/exec: the command inside the container is the command
            changed = True
        elif basename(head) == "env":
            out.pop(0)
            while out and (out[0].startswith("-") or "=" in out[0]):
                out.pop(0)
            changed = True
        elif basename(head) == "sudo":
            out.pop(0)
            while out and out[0].startswith("-"):
                opt = out.pop(0)
                if opt in ("-u", "-g", "-H", "-C") and opt != "-H" and out:
                    out.pop(0)
            changed = True
        else:
            for p in _providers():
                unwrapped = p.unwrap(out)
                if unwrapped is not None:
                    # uv/poetry/pipenv/pdm/hatch/rye run [options] cmd: the options are the runner's, not cmd's
                    out, runner = list(unwrapped[0]), unwrapped[1]
                    notes += [unwrapped[2]] if unwrapped[2] else []
                    changed = True
                    break
    return tuple(out), runner, tuple(notes)


def parse_command(text: str, source: Source | None = None, *, cwd: str | None = None, user: str | None = None,
                  env: Sequence[tuple[str, str]] = (), hosts: Sequence[str] | None = None,
                  background: bool = False, origin: str = "") -> ParsedCommand:
    """``text`` split once into a :class:`ParsedCommand`, its core program found (the one place a
    command line is tokenised: every rule reads the value)."""
    return parse_argv(text, split(text), source, cwd=cwd, user=user, env=env, hosts=hosts, background=background,
                      origin=origin)


def words(text: str, file: str, line: int | None, analyzer: str) -> tuple[str, ...]:
    """The words of a command written at ``file:line`` (a package.json script, a hook, a unit's ExecStart=
    read by another reader too): parsed into a ParsedCommand with that source, never split on the side."""
    return parse_command(text, Source(file, line, analyzer, Confidence.DECLARED)).argv


def parse_argv(text: str, argv: Sequence[str], source: Source | None = None, *, cwd: str | None = None,
               user: str | None = None, env: Sequence[tuple[str, str]] = (), hosts: Sequence[str] | None = None,
               background: bool = False, origin: str = "") -> ParsedCommand:
    """A :class:`ParsedCommand` from words a reader already split (a unit file's ``ExecStart=`` parts, a
    crontab line's pieces): ``text`` is how they were written."""
    core, runner, notes = _core(argv)
    return ParsedCommand(text, tuple(argv), core, source, cwd=cwd, user=user, env=tuple(env),
                         hosts=tuple(hosts) if hosts is not None else None, background=background, runner=runner,
                         origin=origin, notes=notes)


def program(argv: Sequence[str]) -> tuple[str, list[str]]:
    """(program name, its arguments), seeing through interpreters (``python -m x``, ``python manage.py``)."""
    core = core_argv(argv)
    if not core:
        return "", []
    for p in _providers():
        through = p.program(core)
        if through is not None:
            return through[0], list(through[1])
    return basename(core[0]), core[1:]


@lru_cache(maxsize=16384)
def meaning(cmd: ParsedCommand) -> CommandMeaning:
    """What ``cmd`` means: the first provider that claims its program, else the generic rules; the
    container command and the one-off step kind always filled in. Memoised: a reader, the shell walker
    and the planner may all ask about the same value."""
    found = next((m for p in _providers() if (m := p.classify(cmd)) is not None), None) or CommandMeaning(None)
    step = step_of(cmd)
    return replace(found, container=_container(cmd), step=step[0] if step else None,
                   step_reason=step[1] if step else None)


def classify(command: str) -> CommandMeaning:
    """Understand one command line (a long-running process or a one-off step)."""
    return meaning(parse_command(command))


def server(m: CommandMeaning) -> ServerSpec | None:
    """The owning provider's table entry for the server ``m`` runs (gunicorn's defaults ...)."""
    provider = next((p for p in _providers() if m.provider == p.NAME), None)
    return provider.SERVERS.get(m.server) if provider is not None and m.server else None


def step_of(cmd: ParsedCommand) -> tuple[StepKind, str] | None:
    """(release|build|host, reason) for a deploy-time command, or None when it is none of these."""
    text = " ".join(cmd.core) or cmd.text
    for rule in _step_rules():
        if rule.pattern.search(text):
            return rule.kind, rule.reason
    hosted = host_only(list(cmd.core))
    if hosted is not None:
        return StepKind.HOST, hosted.reason
    return None


def step_kind(command: str) -> tuple[str, str] | None:
    """('release'|'build'|'host', reason) for a deploy-time command, or None when it is none of these."""
    found = step_of(parse_command(command))
    return (found[0].value, found[1]) if found else None


# Host daemons: programs the legacy hosts ran beside the app, which are not workloads of the app image.
# program -> (what replaces it, backing service kind or None).
_PROXY = "reverse proxy ({}): the Ingress replaces it; its config gives the Ingress and web-process facts"
HOST_PROGRAMS: dict[str, tuple[str, str | None]] = {
    **{p: (_PROXY, None) for p in ("caddy", "nginx", "openresty", "apache2", "httpd", "apachectl", "apache2ctl",
                                   "haproxy", "varnishd", "traefik", "envoy", "stunnel", "stunnel4", "hitch",
                                   "lighttpd", "h2o")},
    "certbot": ("TLS certificates ({}): the Ingress's certificate management (e.g. cert-manager) replaces it", None),
    **{p: ("cron daemon ({}): the schedules become CronJobs", None) for p in ("cron", "crond", "supercronic")},
    **{p: ("process manager ({}): Kubernetes runs the processes", None) for p in ("supervisord", "circusd")},
    **{p: ("host daemon ({}): not part of the app", None)
       for p in ("sshd", "rsyslogd", "syslog-ng", "ntpd", "chronyd", "postfix", "fail2ban-server")},
    **{p: ("backing service ({}): a managed service or its own workload, not the app image", kind)
       for p, kind in (("redis-server", "redis"), ("postgres", "postgres"), ("postmaster", "postgres"),
                       ("mysqld", "mysql"), ("mysqld_safe", "mysql"), ("mariadbd", "mysql"), ("mongod", "mongodb"),
                       ("memcached", "memcached"), ("rabbitmq-server", "rabbitmq"),
                       ("elasticsearch", "elasticsearch"))},
}


@dataclass(frozen=True)
class HostOnly:
    """A command that is not a workload of the app image, and why."""

    reason: str
    program: str
    service: str | None = None  # the backing service it is, if one


def host_only(argv: str | Sequence[str]) -> HostOnly | None:
    """Why ``argv`` (a command line or argv) is no workload of the app image: a host daemon (caddy, nginx,
    haproxy, cron ...) or a container CLI with nothing to read through (``docker compose up``); else None."""
    core = core_argv(split(argv) if isinstance(argv, str) else list(argv))
    if not core:
        return None
    reason = docker_cli.host_reason(core)
    if reason is not None:
        return HostOnly(reason, basename(core[0]))
    prog = basename(core[0])
    if prog in HOST_PROGRAMS:
        why, service = HOST_PROGRAMS[prog]
        return HostOnly(why.format(prog), prog, service)
    return None


def _container(cmd: ParsedCommand) -> tuple[str, ...]:
    argv = list(cmd.core)
    while argv and argv[-1] == "&":  # started in the background on the host; PID 1 in the container
        argv.pop()
    if not argv:
        return ()
    head = argv[0]
    for p in _providers():
        name = p.host_program(head)
        if name is not None:
            argv[0] = name
            break
    else:
        if "/" in head and any(basename(head) in m.program_names for m in _markers()):
            argv[0] = basename(head)
    return tuple(argv)


def container_command(command: str) -> str:
    """The command as it runs in the image: wrappers stripped, host virtualenv paths dropped.

    ``sudo -u app /srv/app/venv/bin/python manage.py migrate`` -> ``python manage.py migrate``.
    """
    argv = _container(parse_command(command))
    return join(argv) if argv else command.strip()
