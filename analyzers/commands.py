"""Classify command lines: app servers, task queues, release/build steps and host-only steps.

Every analyzer that meets a command (Procfile, systemd ExecStart, supervisor, fabfile, shell scripts)
asks this module what it is, so one ``gunicorn`` command is understood the same way everywhere and
processes found in different files merge under the same canonical name (``web``, ``worker`` ...).
Commands are tokenised with :mod:`shlex`, never run.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from analyzers import docker_cli
from analyzers.runners import run_wrapper
from migrator.model import ProcessRole

# Default listening ports of app servers when no bind option is given (their documented defaults).
DEFAULT_PORTS = {
    "gunicorn": 8000,
    "uvicorn": 8000,
    "daphne": 8000,
    "hypercorn": 8000,
    "runserver": 8000,
    "waitress": 8080,
    "flask": 5000,
    "uwsgi": None,
}

_WRAPPERS = {"exec", "nohup", "setsid", "ddtrace-run", "chpst", "setuidgid", "dumb-init", "tini", "--", "time", "nice"}
_PY = re.compile(r"^python[0-9.]*$")


@dataclass(frozen=True)
class CommandInfo:
    """What a command line is. ``name`` is the canonical process name used to merge sources."""

    argv: tuple[str, ...]
    role: ProcessRole | None = None
    name: str | None = None
    app_server: str | None = None
    port: int | None = None
    port_declared: bool = False  # True when the port was written on the command line / config
    host: str | None = None
    workers: int | None = None
    threads: int | None = None
    timeout: int | None = None
    config_file: str | None = None
    entrypoint: str | None = None
    dev_server: bool = False
    unix_socket: str | None = None


_Handler = Callable[[tuple[str, ...], list[str]], "CommandInfo"]


def split(command: str) -> list[str]:
    """Tokenise like a POSIX shell would (without expanding anything); tolerant of bad quoting."""
    return list(_split(command))


@functools.lru_cache(maxsize=16384)
def _split(command: str) -> tuple[str, ...]:
    # shlex is slow (~100 us a command) and the same command is split by the analyzer, the planner and
    # the generators: 45,000 splits for a 3,000-line crontab. A pure function of the text, so cached.
    try:
        return tuple(shlex.split(command, comments=False, posix=True))
    except ValueError:
        return tuple(command.split())


def core_argv(argv: list[str]) -> list[str]:
    """Strip what only wraps the real program: env assignments, exec/nohup, sudo -u, project runners
    (``uv run --extra dev``, ``poetry run``: :mod:`analyzers.runners`)."""
    out = list(argv)
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
        elif len(out) > 1 and basename(head) == "newrelic-admin" and out[1] == "run-program":
            del out[:2]
            changed = True
        elif (runner := run_wrapper(out)) is not None:
            # uv/poetry/pipenv/pdm/hatch/rye run [options] cmd: the options are the runner's, not cmd's
            out = list(runner.command)
            changed = True
    return out


def basename(token: str) -> str:
    return token.rsplit("/", 1)[-1]


def program(argv: list[str]) -> tuple[str, list[str]]:
    """(program name, its arguments), seeing through ``python -m x`` and ``python manage.py``."""
    argv = core_argv(argv)
    if not argv:
        return "", []
    prog = basename(argv[0])
    args = argv[1:]
    if _PY.match(prog):
        # skip interpreter options such as -u, -O, -W ignore
        while args and args[0].startswith("-") and args[0] != "-m":
            opt = args.pop(0)
            if opt in ("-W", "-X") and args:
                args.pop(0)
        if args and args[0] == "-m" and len(args) > 1:
            return args[1].split(".")[0], args[2:]
        if args:
            return basename(args[0]), args[1:]
    return prog, args


def _opt(args: list[str], *names: str) -> str | None:
    """Value of the last occurrence of any of ``names`` (``--bind x``, ``--bind=x``, ``-b x``, ``-bx``)."""
    found: str | None = None
    for i, a in enumerate(args):
        for n in names:
            if a == n and i + 1 < len(args):
                found = args[i + 1]
            elif n.startswith("--") and a.startswith(n + "="):
                found = a[len(n) + 1 :]
            elif not n.startswith("--") and len(n) == 2 and a.startswith(n) and len(a) > 2 and not a.startswith("--"):
                found = a[2:]
    return found


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    m = re.match(r"^\s*(\d{1,18})\s*$", text)  # int() refuses 4,300+ digits
    return int(m.group(1)) if m else None


def parse_bind(bind: str) -> tuple[str | None, int | None, str | None]:
    """``0.0.0.0:8000`` / ``:8000`` / ``8000`` / ``unix:/run/x.sock`` -> (host, port, unix socket)."""
    bind = bind.strip().strip("'\"")
    if bind.startswith("unix:"):
        return None, None, bind[5:]
    if bind.startswith("/"):
        return None, None, bind
    # a host alone ("0.0.0.0", daphne's -b) must not read as host "0.0.0." + port 0
    m = re.match(r"^(?:\[?([^\]]*?)\]?:)?(\d{1,5})$", bind)  # a port has at most 5 digits
    if m:
        return (m.group(1) or None), int(m.group(2)), None
    m = re.match(r"^(.*):(\d{1,5})$", bind)
    if m:
        return m.group(1) or None, int(m.group(2)), None
    m = re.match(r"^(.*?):\$\{?[A-Za-z_]", bind)  # 0.0.0.0:$PORT: the port comes from the environment
    if m:
        return m.group(1) or None, None, None
    return bind or None, None, None


def positional(args: list[str], takes_value: set[str] | frozenset[str]) -> list[str]:
    """The arguments that are not options nor the values of the options in ``takes_value``."""
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a.startswith("-"):
            if a in takes_value:
                skip = True
            continue
        out.append(a)
    return out


def classify(command: str) -> CommandInfo:
    """Understand one command line (a long-running process or a one-off step)."""
    argv = tuple(split(command))
    prog, args = program(list(argv))
    handler = _HANDLERS.get(prog)
    if handler is None:
        return CommandInfo(argv)
    return handler(argv, args)


def _gunicorn(argv: tuple[str, ...], args: list[str]) -> CommandInfo:
    bind = _opt(args, "--bind", "-b")
    host, port, sock = parse_bind(bind) if bind else (None, None, None)
    pos = positional(args, {"-b", "--bind", "-w", "--workers", "-c", "--config", "-k", "--worker-class",
                              "--threads", "-t", "--timeout", "--log-level", "--access-logfile",
                              "--error-logfile", "--pid", "-p", "-u", "--user", "-g", "--group", "--chdir",
                              "--max-requests", "--graceful-timeout", "--keep-alive", "-e", "--env",
                              "--name", "-n", "--log-file", "--worker-connections", "--pythonpath"})
    return CommandInfo(
        argv, ProcessRole.WEB, "web", "gunicorn",
        port=port if port is not None else (None if sock else DEFAULT_PORTS["gunicorn"]),
        port_declared=port is not None, host=host,
        workers=_int(_opt(args, "--workers", "-w")), threads=_int(_opt(args, "--threads")),
        timeout=_int(_opt(args, "--timeout", "-t")), config_file=_opt(args, "--config", "-c"),
        entrypoint=pos[0] if pos else None, unix_socket=sock,
    )


def _uwsgi(argv: tuple[str, ...], args: list[str]) -> CommandInfo:
    bind = _opt(args, "--http", "--http-socket", "--socket", "-s")
    host, port, sock = parse_bind(bind) if bind else (None, None, None)
    ini = _opt(args, "--ini") or next((a for a in args if a.endswith(".ini") and not a.startswith("-")), None)
    module = _opt(args, "--module", "-w", "--wsgi-file", "--wsgi")
    return CommandInfo(
        argv, ProcessRole.WEB, "web", "uwsgi", port=port, port_declared=port is not None, host=host,
        workers=_int(_opt(args, "--processes", "-p", "--workers")), threads=_int(_opt(args, "--threads")),
        timeout=_int(_opt(args, "--harakiri")), config_file=ini, entrypoint=module, unix_socket=sock,
    )


def _asgi(server: str) -> _Handler:
    def handler(argv: tuple[str, ...], args: list[str]) -> CommandInfo:
        bind = _opt(args, "--bind", "-b")
        host, port, sock = parse_bind(bind) if bind else (None, None, None)
        p = _int(_opt(args, "--port", "-p"))
        if p is not None:
            port = p
        h = _opt(args, "--host", "-h") if server != "hypercorn" else host
        pos = positional(args, {"--host", "-h", "--port", "-p", "--workers", "-w", "--bind", "-b",
                                  "--log-level", "--root-path", "--proxy-headers", "--env-file",
                                  "--timeout-keep-alive", "-u", "--unix-socket", "--app-dir"})
        return CommandInfo(
            argv, ProcessRole.WEB, "web", server,
            port=port if port is not None else DEFAULT_PORTS[server], port_declared=port is not None,
            host=h or host, workers=_int(_opt(args, "--workers", "-w")), entrypoint=pos[0] if pos else None,
            unix_socket=sock or _opt(args, "--uds", "-u"),
        )

    return handler


def _waitress(argv: tuple[str, ...], args: list[str]) -> CommandInfo:
    listen = _opt(args, "--listen")
    host, port, _ = parse_bind(listen) if listen else (None, None, None)
    p = _int(_opt(args, "--port"))
    port = p if p is not None else port
    pos = positional(args, {"--listen", "--port", "--host", "--threads", "--call"})
    return CommandInfo(argv, ProcessRole.WEB, "web", "waitress",
                       port=port if port is not None else DEFAULT_PORTS["waitress"], port_declared=port is not None,
                       host=host or _opt(args, "--host"), threads=_int(_opt(args, "--threads")),
                       entrypoint=pos[0] if pos else None)


def _manage(argv: tuple[str, ...], args: list[str]) -> CommandInfo:
    sub = next((a for a in args if not a.startswith("-")), "")
    if sub in ("runserver", "runserver_plus"):
        rest = positional(args[args.index(sub) + 1 :], set())
        host, port = None, None
        if rest:
            host, port, _ = parse_bind(rest[0])
        return CommandInfo(argv, ProcessRole.WEB, "web", "runserver",
                           port=port if port is not None else DEFAULT_PORTS["runserver"],
                           port_declared=port is not None, host=host, dev_server=True)
    if sub == "migrate":
        return CommandInfo(argv, ProcessRole.RELEASE, "release")
    if sub in ("celery", "rqworker", "qcluster", "process_tasks"):
        return CommandInfo(argv, ProcessRole.WORKER, "worker")
    return CommandInfo(argv)


def _celery(argv: tuple[str, ...], args: list[str]) -> CommandInfo:
    sub = positional(args, {"-A", "--app", "-b", "--broker", "-l", "--loglevel", "-c", "--concurrency",
                             "-Q", "--queues", "-n", "--hostname", "-S", "--scheduler", "--pidfile",
                             "--logfile", "-s", "--schedule", "--workdir", "-P", "--pool"})
    app = _opt(args, "-A", "--app")
    if "beat" in sub:
        return CommandInfo(argv, ProcessRole.SCHEDULER, "beat", "celery", entrypoint=app)
    if "worker" in sub or "-B" in args:
        queues = _opt(args, "-Q", "--queues")
        name = "worker" if not queues else "worker-" + re.sub(r"[^a-z0-9]+", "-", queues.lower()).strip("-")
        return CommandInfo(argv, ProcessRole.WORKER, name, "celery", workers=_int(_opt(args, "-c", "--concurrency")),
                           entrypoint=app)
    if "flower" in sub:
        return CommandInfo(argv, ProcessRole.WEB, "flower", "flower", port=5555)
    return CommandInfo(argv)


def _rq(argv: tuple[str, ...], args: list[str]) -> CommandInfo:
    if args and args[0] == "worker":
        return CommandInfo(argv, ProcessRole.WORKER, "worker", "rq")
    return CommandInfo(argv)


def _simple(role: ProcessRole, name: str, server: str) -> _Handler:
    def handler(argv: tuple[str, ...], args: list[str]) -> CommandInfo:
        return CommandInfo(argv, role, name, server)

    return handler


def _flask(argv: tuple[str, ...], args: list[str]) -> CommandInfo:
    if "run" in args:
        port = _int(_opt(args, "--port", "-p"))
        return CommandInfo(argv, ProcessRole.WEB, "web", "flask", port=port if port else DEFAULT_PORTS["flask"],
                           port_declared=port is not None, host=_opt(args, "--host", "-h"), dev_server=True)
    if args[:2] == ["db", "upgrade"]:
        return CommandInfo(argv, ProcessRole.RELEASE, "release")
    return CommandInfo(argv)


def _alembic(argv: tuple[str, ...], args: list[str]) -> CommandInfo:
    if "upgrade" in args:
        return CommandInfo(argv, ProcessRole.RELEASE, "release")
    return CommandInfo(argv)


_HANDLERS: dict[str, _Handler] = {
    "gunicorn": _gunicorn,
    "uwsgi": _uwsgi,
    "uvicorn": _asgi("uvicorn"),
    "daphne": _asgi("daphne"),
    "hypercorn": _asgi("hypercorn"),
    "waitress-serve": _waitress,
    "manage.py": _manage,
    "django-admin": _manage,
    "celery": _celery,
    "rq": _rq,
    "rqworker": _simple(ProcessRole.WORKER, "worker", "rq"),
    "rqscheduler": _simple(ProcessRole.SCHEDULER, "rqscheduler", "rq"),
    "dramatiq": _simple(ProcessRole.WORKER, "worker", "dramatiq"),
    "huey_consumer": _simple(ProcessRole.WORKER, "worker", "huey"),
    "flask": _flask,
    "alembic": _alembic,
    "clock.py": _simple(ProcessRole.SCHEDULER, "clock", "clock"),
}

# One-off steps --------------------------------------------------------------------------------

_RELEASE = [
    re.compile(r"\bmanage\.py\s+(migrate|createcachetable|compilemessages_release)\b"),
    re.compile(r"\bdjango-admin\s+migrate\b"),
    re.compile(r"\balembic\b.*\bupgrade\b"),
    re.compile(r"\bflask\s+db\s+upgrade\b"),
    re.compile(r"\b(rake|rails)\s+db:migrate\b"),
    re.compile(r"\bknex\s+migrate:latest\b"),
    re.compile(r"\bnpx\s+(prisma\s+migrate\s+deploy|sequelize(-cli)?\s+db:migrate)\b"),
]
_BUILD = [
    re.compile(r"\bmanage\.py\s+(collectstatic|compilemessages|compress)\b"),
    re.compile(r"\bdjango-admin(\.py)?\s+(collectstatic|compilemessages|compress)\b"),
    re.compile(r"\b(npm|yarn|pnpm)\s+(run\s+)?(build|assets|webpack|compile)\b"),
    re.compile(r"\b(webpack|gulp|grunt)\b(?!-)"),
    re.compile(r"\bflask\s+(assets\s+build|digest\s+compile)\b"),
    re.compile(r"\bpybabel\s+compile\b"),
]
_HOST = [
    (re.compile(r"^\s*git\s+(?:-[Cc]\s+\S+\s+)*(pull|fetch|clone|checkout|reset|submodule)\b"),
     "source checkout: the image carries the code"),
    (re.compile(r"\b(systemctl|service)\s+\S*\s*(restart|reload|start|stop|enable|daemon-reload)\b"),
     "service manager: Kubernetes starts and restarts the workloads"),
    (re.compile(r"(^|\s)/etc/init\.d/\S+\s+(restart|reload|force-reload|start|stop)\b"),
     "service manager: Kubernetes starts and restarts the workloads"),
    (re.compile(r"\b(supervisorctl)\b"), "process manager: Kubernetes runs the processes"),
    (re.compile(r"\b(pip3?|pip-sync|pipenv|poetry|uv)\s+(install|sync)\b"),
     "dependency install: done in the image build"),
    (re.compile(r"\b(virtualenv|python[0-9.]*\s+-m\s+venv|mkvirtualenv)\b"),
     "virtualenv: the image is the environment"),
    (re.compile(r"\b(npm|yarn|pnpm)\s+(install|ci)\b"), "dependency install: done in the image build"),
    (re.compile(r"^\s*(rsync|scp)\b"), "file copy to hosts: the image carries the code"),
    (re.compile(r"\b(nginx|apachectl|apache2ctl)\s+(-s\s+reload|-t|reload|restart)\b"),
     "web server reload: the Ingress replaces it"),
    (re.compile(r"^\s*(chown|chmod|mkdir|ln|rm|mv|cp|touch|tar)\b"),
     "filesystem layout on the host: set up in the image"),
    (re.compile(r"\b(apt-get|apt|yum|dnf|apk)\s+(install|update|upgrade|add)\b"),
     "system packages: installed in the image"),
    (re.compile(r"\b(crontab)\b"), "crontab install: CronJobs replace it"),
    (re.compile(r"\b(kill|pkill|killall)\b"), "process signalling: Kubernetes manages process lifecycles"),
    (re.compile(r"^\s*(systemctl|service|journalctl)\b"),
     "service manager: Kubernetes starts and restarts the workloads"),
    (re.compile(r"^\s*(useradd|adduser|groupadd|addgroup|usermod|userdel|chpasswd)\b"),
     "user accounts on the host: the image creates its own user"),
    (re.compile(r"^\s*(source|\.)\s+\S"),
     "loads a host env file into the deploy shell: the ConfigMap and Secret give the pods their environment"),
    (re.compile(r"^\s*git\s+(?:-[Cc]\s+\S+\s+)*(push|tag|commit|merge|add|stash|status|log|describe|rev-parse|"
                r"archive|remote|show|diff|branch)\b"),
     "version control on the deploying machine: CI builds and tags the image"),
    (re.compile(r"^\s*(chgrp|find|install\s+-d)\b"), "filesystem layout on the host: set up in the image"),
]


def step_kind(command: str) -> tuple[str, str] | None:
    """('release'|'build'|'host', reason) for a deploy-time command, or None when it is none of these."""
    core = core_argv(split(command))
    text = " ".join(core) or command
    for pattern in _RELEASE:
        if pattern.search(text):
            return ("release", "runs once per deploy, before the new version serves")
    for pattern in _BUILD:
        if pattern.search(text):
            return ("build", "produces files the image must contain")
    for pattern, reason in _HOST:
        if pattern.search(text):
            return ("host", reason)
    hosted = host_only(core)
    if hosted is not None:
        return ("host", hosted.reason)
    return None


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


def host_only(argv: str | list[str]) -> HostOnly | None:
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


_VENV_BIN = re.compile(r"(^|/)(\.?venv|env|virtualenv|\.virtualenvs/[^/]+|pyenv/[^/]+)/bin/")
_KNOWN_PROGRAMS = {"gunicorn", "uwsgi", "uvicorn", "daphne", "hypercorn", "celery", "rq", "rqworker", "dramatiq",
                   "waitress-serve", "flask", "alembic", "django-admin", "pip", "pip3", "huey_consumer", "node", "npm"}


def container_command(command: str) -> str:
    """The command as it runs in the image: wrappers stripped, host virtualenv paths dropped.

    ``sudo -u app /srv/app/venv/bin/python manage.py migrate`` -> ``python manage.py migrate``.
    """
    argv = core_argv(split(command))
    while argv and argv[-1] == "&":  # started in the background on the host; PID 1 in the container
        argv.pop()
    if not argv:
        return command.strip()
    head = argv[0]
    if "/" in head and (_VENV_BIN.search(head) or basename(head) in _KNOWN_PROGRAMS or _PY.match(basename(head))):
        argv[0] = basename(head)
    if _PY.match(argv[0]):
        argv[0] = "python"
    return join(argv)


_OPERATORS = {"&&", "||", ";", "|", "&"}  # shlex.split keeps them as tokens: quoting them changes the command
_EXPANDABLE = re.compile(r"^[\w@%+=:,./{}$-]+$")


def join(argv: list[str]) -> str:
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
