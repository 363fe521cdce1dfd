"""Python's app servers, task queues and management commands: how each is recognised on a command line
(its role, canonical process name, port, workers ...), and how its listen address, log and pid options
are rewritten for a container (:class:`ServerSpec`).

Every reader that meets a command asks the provider, so one ``gunicorn`` command is understood the same
way in a Procfile, a unit file or a fabfile, and the processes found there merge under one name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial

from analyzers.lib.argv import int_value, option, parse_bind, positional
from analyzers.providers.protocol import ServerSpec
from migrator.commands import CommandMeaning
from migrator.model import ProcessRole

ALL = "0.0.0.0"  # noqa: S104 - a pod must listen on every interface for Service and probes
WEB, WORKER, SCHEDULER, RELEASE = ProcessRole.WEB, ProcessRole.WORKER, ProcessRole.SCHEDULER, ProcessRole.RELEASE

SERVERS: dict[str, ServerSpec] = {s.name: s for s in (
    ServerSpec("gunicorn", WEB, 8000, ("--bind", "-b"), ("--bind", "0.0.0.0:{port}"),
               file_options={"--access-logfile": "-", "--error-logfile": "-", "--log-file": "-", "--pid": None,
                             "-p": None},
               port_env_default="PORT", workers_env="WEB_CONCURRENCY",
               examples=(("gunicorn app:app", "web", 8000), ("gunicorn -b 127.0.0.1:9000 app:app", "web", 9000))),
    ServerSpec("uvicorn", WEB, 8000, ("--host", "--port", "--uds", "--fd"), ("--host", ALL, "--port", "{port}"),
               examples=(("uvicorn main:app --port 8001", "web", 8001),)),
    ServerSpec("daphne", WEB, 8000, ("--bind", "-b", "--port", "-p", "--unix-socket", "-u"),
               ("-b", ALL, "-p", "{port}"), file_options={"--access-log": None},
               examples=(("daphne -b 127.0.0.1 -p 8001 proj.asgi:application", "web", 8001),)),
    ServerSpec("hypercorn", WEB, 8000, ("--bind", "-b"), ("--bind", "0.0.0.0:{port}"),
               examples=(("hypercorn app:app", "web", 8000),)),
    ServerSpec("waitress", WEB, 8080, ("--listen", "--host", "--port", "--unix-socket"),
               ("--listen=0.0.0.0:{port}",), anchor="waitress-serve",
               examples=(("waitress-serve --port 8081 app:app", "web", 8081),)),
    ServerSpec("flask", WEB, 5000, ("--host", "-h", "--port", "-p"), ("--host", ALL, "--port", "{port}"),
               anchor="run", examples=(("flask run --port 5001", "web", 5001),)),
    ServerSpec("runserver", WEB, 8000, listen_positional=True, anchor="runserver",
               examples=(("python manage.py runserver 127.0.0.1:8002", "web", 8002),)),
    # an ini file may bind the same port on 127.0.0.1 (its sockets add up, never replace): SO_REUSEPORT
    # lets both bind, and the pod's traffic reaches the 0.0.0.0 socket
    ServerSpec("uwsgi", WEB, None, ("--http", "--http-socket", "--socket", "-s"),
               ("--http-socket", "0.0.0.0:{port}", "--reuse-port"),
               file_options={"--logto": None, "--logto2": None, "--pidfile": None, "--pidfile2": None,
                             "--daemonize": None},
               examples=(("uwsgi --http 127.0.0.1:9090 --module app:app", "web", 9090),)),
    ServerSpec("celery", WORKER, None, file_options={"--logfile": None, "-f": None, "--pidfile": None},
               examples=(("celery -A proj worker -Q emails", "worker-emails", None),)),
    ServerSpec("flower", WEB, None),  # 5555 comes from the command's own meaning
    ServerSpec("rq", WORKER, None),
    ServerSpec("dramatiq", WORKER, None),
    ServerSpec("huey", WORKER, None),
    ServerSpec("clock", SCHEDULER, None),
)}
# Default listening ports of app servers when no bind option is given (their documented defaults).
DEFAULT_PORTS: dict[str, int | None] = {name: s.default_port for name, s in SERVERS.items() if s.role is WEB}

Handler = Callable[[Sequence[str]], CommandMeaning]


meaning = partial(CommandMeaning, "python")  # the python provider's meanings: role, name, server, then fields


def _gunicorn(args: Sequence[str]) -> CommandMeaning:
    bind = option(args, "--bind", "-b")
    host, port, sock = parse_bind(bind) if bind else (None, None, None)
    pos = positional(args, {"-b", "--bind", "-w", "--workers", "-c", "--config", "-k", "--worker-class",
                            "--threads", "-t", "--timeout", "--log-level", "--access-logfile",
                            "--error-logfile", "--pid", "-p", "-u", "--user", "-g", "--group", "--chdir",
                            "--max-requests", "--graceful-timeout", "--keep-alive", "-e", "--env",
                            "--name", "-n", "--log-file", "--worker-connections", "--pythonpath"})
    return meaning(
        WEB, "web", "gunicorn",
        port=port if port is not None else (None if sock else DEFAULT_PORTS["gunicorn"]),
        port_declared=port is not None, host=host,
        workers=int_value(option(args, "--workers", "-w")), threads=int_value(option(args, "--threads")),
        timeout=int_value(option(args, "--timeout", "-t")), config_file=option(args, "--config", "-c"),
        entrypoint=pos[0] if pos else None, unix_socket=sock,
    )


def _uwsgi(args: Sequence[str]) -> CommandMeaning:
    bind = option(args, "--http", "--http-socket", "--socket", "-s")
    host, port, sock = parse_bind(bind) if bind else (None, None, None)
    ini = option(args, "--ini") or next((a for a in args if a.endswith(".ini") and not a.startswith("-")), None)
    module = option(args, "--module", "-w", "--wsgi-file", "--wsgi")
    return meaning(
        WEB, "web", "uwsgi", port=port, port_declared=port is not None, host=host,
        workers=int_value(option(args, "--processes", "-p", "--workers")),
        threads=int_value(option(args, "--threads")), timeout=int_value(option(args, "--harakiri")),
        config_file=ini, entrypoint=module, unix_socket=sock,
    )


def _asgi(server: str) -> Handler:
    def handler(args: Sequence[str]) -> CommandMeaning:
        bind = option(args, "--bind", "-b")
        host, port, sock = parse_bind(bind) if bind else (None, None, None)
        p = int_value(option(args, "--port", "-p"))
        if p is not None:
            port = p
        h = option(args, "--host", "-h") if server != "hypercorn" else host
        pos = positional(args, {"--host", "-h", "--port", "-p", "--workers", "-w", "--bind", "-b",
                                "--log-level", "--root-path", "--proxy-headers", "--env-file",
                                "--timeout-keep-alive", "-u", "--unix-socket", "--app-dir"})
        return meaning(
            WEB, "web", server,
            port=port if port is not None else DEFAULT_PORTS[server], port_declared=port is not None,
            host=h or host, workers=int_value(option(args, "--workers", "-w")), entrypoint=pos[0] if pos else None,
            unix_socket=sock or option(args, "--uds", "-u"),
        )

    return handler


def _waitress(args: Sequence[str]) -> CommandMeaning:
    listen = option(args, "--listen")
    host, port, _ = parse_bind(listen) if listen else (None, None, None)
    p = int_value(option(args, "--port"))
    port = p if p is not None else port
    pos = positional(args, {"--listen", "--port", "--host", "--threads", "--call"})
    return meaning(WEB, "web", "waitress",
                   port=port if port is not None else DEFAULT_PORTS["waitress"], port_declared=port is not None,
                   host=host or option(args, "--host"), threads=int_value(option(args, "--threads")),
                   entrypoint=pos[0] if pos else None)


def _manage(args: Sequence[str]) -> CommandMeaning:
    sub = next((a for a in args if not a.startswith("-")), "")
    if sub in ("runserver", "runserver_plus"):
        rest = positional(args[list(args).index(sub) + 1 :], set())
        host, port = None, None
        if rest:
            host, port, _ = parse_bind(rest[0])
        return meaning(WEB, "web", "runserver",
                       port=port if port is not None else DEFAULT_PORTS["runserver"],
                       port_declared=port is not None, host=host, dev_server=True)
    if sub == "migrate":
        return meaning(RELEASE, "release")
    if sub in ("celery", "rqworker", "qcluster", "process_tasks"):
        return meaning(WORKER, "worker")
    return meaning()


def _celery(args: Sequence[str]) -> CommandMeaning:
    sub = positional(args, {"-A", "--app", "-b", "--broker", "-l", "--loglevel", "-c", "--concurrency",
                            "-Q", "--queues", "-n", "--hostname", "-S", "--scheduler", "--pidfile",
                            "--logfile", "-s", "--schedule", "--workdir", "-P", "--pool"})
    app = option(args, "-A", "--app")
    if "beat" in sub:
        return meaning(SCHEDULER, "beat", "celery", entrypoint=app)
    if "worker" in sub or "-B" in args:
        queues = option(args, "-Q", "--queues")
        name = "worker" if not queues else "worker-" + re.sub(r"[^a-z0-9]+", "-", queues.lower()).strip("-")
        return meaning(WORKER, name, "celery", workers=int_value(option(args, "-c", "--concurrency")), entrypoint=app)
    if "flower" in sub:
        return meaning(WEB, "flower", "flower", port=5555)
    return meaning()


def _rq(args: Sequence[str]) -> CommandMeaning:
    return meaning(WORKER, "worker", "rq") if args and args[0] == "worker" else meaning()


def _simple(role: ProcessRole, name: str, server: str) -> Handler:
    def handler(args: Sequence[str]) -> CommandMeaning:
        return meaning(role, name, server)

    return handler


def _flask(args: Sequence[str]) -> CommandMeaning:
    if "run" in args:
        port = int_value(option(args, "--port", "-p"))
        return meaning(WEB, "web", "flask", port=port if port else DEFAULT_PORTS["flask"],
                       port_declared=port is not None, host=option(args, "--host", "-h"), dev_server=True)
    if list(args[:2]) == ["db", "upgrade"]:
        return meaning(RELEASE, "release")
    return meaning()


def _alembic(args: Sequence[str]) -> CommandMeaning:
    return meaning(RELEASE, "release") if "upgrade" in args else meaning()


HANDLERS: dict[str, Handler] = {
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
    "rqworker": _simple(WORKER, "worker", "rq"),
    "rqscheduler": _simple(SCHEDULER, "rqscheduler", "rq"),
    "dramatiq": _simple(WORKER, "worker", "dramatiq"),
    "huey_consumer": _simple(WORKER, "worker", "huey"),
    "flask": _flask,
    "alembic": _alembic,
    "clock.py": _simple(SCHEDULER, "clock", "clock"),
}
