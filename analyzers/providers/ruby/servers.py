"""Ruby's app servers, job workers and schedulers on a command line: how each is recognised (role,
canonical process name, port, workers, config file) and how its listen address, daemonizing flags, log
and pid options are rewritten for a container (:class:`ServerSpec`).

Servers: ``puma`` (``-b tcp://..``/``unix://..``, ``-p``, ``-C``, ``-w``, ``-t``, ``-d``, ``--pidfile``),
``unicorn``/``unicorn_rails`` (``-c``, ``-l``, ``-E``, ``-D``), ``thin start`` (``-a``, ``-p``, ``-S``,
``-d``, ``--pid``, ``--log``), ``rails server`` (``-b``, ``-p``, ``-d``, ``-P``), ``rackup`` (``-o``,
``-p``, ``-D``, ``-P``), ``passenger start`` (``--address``, ``--port``, ``--daemonize``), ``falcon serve``
(``--bind``). Workers: sidekiq, delayed_job (``rake jobs:work``, ``bin/delayed_job start``), resque
(``rake resque:work``, ``resque-pool``), good_job, Solid Queue (``bin/jobs``, ``rails solid_queue:start``),
shoryuken, sneakers. Schedulers (singletons): clockwork, ``rake resque:scheduler``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from analyzers.lib.argv import basename, int_value, option, parse_bind, positional
from analyzers.providers.protocol import ServerSpec
from migrator.commands import CommandMeaning
from migrator.model import ProcessRole

ALL = "0.0.0.0"  # noqa: S104 - a pod must listen on every interface for Service and probes
WEB, WORKER, SCHEDULER, RELEASE = ProcessRole.WEB, ProcessRole.WORKER, ProcessRole.SCHEDULER, ProcessRole.RELEASE
_PID = {"--pidfile": None, "-P": None, "--pid": None, "--pid-file": None}

SERVERS: dict[str, ServerSpec] = {s.name: s for s in (
    ServerSpec("puma", WEB, 9292, ("-b", "--bind", "-p", "--port"), ("-b", "tcp://0.0.0.0:{port}"),
               file_options={"--pidfile": None, "-S": None, "--state": None, "--redirect-stdout": None,
                             "--redirect-stderr": None, "--control-url": None, "--control-token": None},
               port_env_default="PORT", workers_env="WEB_CONCURRENCY",
               examples=(("bundle exec puma -C config/puma.rb", "web", 9292),
                         ("puma -b tcp://0.0.0.0:3000 -e production", "web", 3000),
                         ("bundle exec puma -p 8080 --pidfile tmp/pids/puma.pid -d", "web", 8080))),
    ServerSpec("unicorn", WEB, 8080, ("-l", "--listen", "-p", "--port", "-o", "--host"), ("-l", "0.0.0.0:{port}"),
               examples=(("bundle exec unicorn -c config/unicorn.rb -E production -D", "web", 8080),
                         ("unicorn -l 127.0.0.1:5000 config.ru", "web", 5000))),
    ServerSpec("unicorn_rails", WEB, 8080, ("-l", "--listen", "-p", "--port", "-o", "--host"),
               ("-l", "0.0.0.0:{port}"),
               examples=(("bundle exec unicorn_rails -c config/unicorn.rb -E production -D", "web", 8080),)),
    ServerSpec("thin", WEB, 3000, ("-a", "--address", "-p", "--port", "-S", "--socket"),
               ("-a", ALL, "-p", "{port}"), file_options={"-P": None, "--pid": None, "-l": None, "--log": None},
               examples=(("thin start -p 3001 -e production -d --pid tmp/pids/thin.pid --log log/thin.log", "web",
                          3001),)),
    ServerSpec("rails", WEB, 3000, ("-p", "--port", "-b", "--binding"), ("-b", ALL, "-p", "{port}"),
               anchor="server", file_options={"-P": None, "--pid": None}, port_env_default="PORT",
               examples=(("bin/rails server -p 3002 -b 127.0.0.1 -e production", "web", 3002),
                         ("bundle exec rails s -d", "web", 3000))),
    ServerSpec("rackup", WEB, 9292, ("-p", "--port", "-o", "--host"), ("-o", ALL, "-p", "{port}"),
               file_options={"-P": None, "--pid": None},
               examples=(("bundle exec rackup -p 4567 -o 127.0.0.1 config.ru", "web", 4567),)),
    ServerSpec("passenger", WEB, 3000, ("-p", "--port", "-a", "--address", "--socket", "-S"),
               ("--address", ALL, "--port", "{port}"), anchor="start",
               file_options={"--pid-file": None, "--log-file": "/dev/stdout"},
               examples=(("passenger start --port 3003 --daemonize --environment production", "web", 3003),)),
    ServerSpec("falcon", WEB, 9292, ("-b", "--bind"), ("--bind", "http://0.0.0.0:{port}"), anchor="serve",
               examples=(("bundle exec falcon serve --bind http://localhost:9293", "web", 9293),)),
    ServerSpec("sidekiq", WORKER, None, file_options={"-L": None, "--logfile": None, "-P": None, "--pidfile": None},
               examples=(("bundle exec sidekiq -C config/sidekiq.yml -e production -q default", "worker-default",
                          None),
                         ("bundle exec sidekiq -d -L log/sidekiq.log -P tmp/pids/sidekiq.pid", "worker", None))),
    ServerSpec("delayed_job", WORKER, None, examples=(("bundle exec rake jobs:work", "worker", None),
                                                      ("RAILS_ENV=production bin/delayed_job -n 2 start", "worker",
                                                       None))),
    ServerSpec("resque", WORKER, None, examples=(("QUEUE=* bundle exec rake resque:work", "worker", None),)),
    ServerSpec("resque-scheduler", SCHEDULER, None,
               examples=(("bundle exec rake resque:scheduler", "resque-scheduler", None),)),
    ServerSpec("good_job", WORKER, None, examples=(("bundle exec good_job start", "worker", None),)),
    ServerSpec("solid_queue", WORKER, None, examples=(("bin/jobs", "worker", None),
                                                      ("bin/rails solid_queue:start", "worker", None))),
    ServerSpec("shoryuken", WORKER, None, examples=(("bundle exec shoryuken -R -C config/shoryuken.yml", "worker",
                                                     None),)),
    ServerSpec("sneakers", WORKER, None, examples=(("bundle exec rake sneakers:run", "worker", None),)),
    ServerSpec("clockwork", SCHEDULER, None, examples=(("bundle exec clockwork clock.rb", "clock", None),
                                                       ("clockworkd -c lib/clock.rb start", "clock", None))),
)}
# flags that make a server detach (the container runs it in the foreground), by server
DAEMON_FLAGS: dict[str, frozenset[str]] = {
    "puma": frozenset({"-d", "--daemon"}), "unicorn": frozenset({"-D", "--daemonize"}),
    "unicorn_rails": frozenset({"-D", "--daemonize"}), "thin": frozenset({"-d", "--daemonize"}),
    "rails": frozenset({"-d", "--daemon"}), "rackup": frozenset({"-D", "--daemonize"}),
    "passenger": frozenset({"-d", "--daemonize"}), "sidekiq": frozenset({"-d", "--daemon"}),
}

meaning = partial(CommandMeaning, "ruby")
Handler = Callable[[Sequence[str]], CommandMeaning]


def _port_of(args: Sequence[str], *names: str) -> int | None:
    return int_value(option(args, *names))


def _web(server: str, port: int | None, host: str | None, sock: str | None, args: Sequence[str], **kw: Any
         ) -> CommandMeaning:
    spec = SERVERS[server]
    daemon = any(a in DAEMON_FLAGS.get(server, ()) for a in args)
    notes = (f"{server} daemonized on the host ({'/'.join(sorted(DAEMON_FLAGS[server]))}): the container runs it "
             "in the foreground",) if daemon else ()
    return meaning(WEB, "web", server, port=port if port is not None else (None if sock else spec.default_port),
                   port_declared=port is not None, host=host, unix_socket=sock, notes=notes, **kw)


def _puma(args: Sequence[str]) -> CommandMeaning:
    host, port, sock = None, None, None
    bind = option(args, "-b", "--bind")
    if bind:
        host, port, sock = puma_bind(bind)
    p = _port_of(args, "-p", "--port")
    port = p if p is not None else port
    threads = option(args, "-t", "--threads")
    pos = positional(args, {"-b", "--bind", "-p", "--port", "-C", "--config", "-e", "--environment", "-w",
                            "--workers", "-t", "--threads", "--pidfile", "-S", "--state", "--control-url",
                            "--control-token", "--redirect-stdout", "--redirect-stderr", "--dir", "--tag"})
    return _web("puma", port, host, sock, args, workers=int_value(option(args, "-w", "--workers")),
                threads=int_value(threads.split(":")[-1]) if threads else None,
                config_file=option(args, "-C", "--config"), entrypoint=pos[0] if pos else None)


def puma_bind(bind: str) -> tuple[str | None, int | None, str | None]:
    """``tcp://0.0.0.0:3000`` / ``unix:///var/run/puma.sock`` / ``ssl://0.0.0.0:443?key=..`` -> (host, port, socket)."""
    text = bind.strip("'\"")
    if text.startswith("unix://"):
        return None, None, text[len("unix://"):].split("?")[0]
    text = re.sub(r"^(tcp|ssl|http)://", "", text).split("?")[0]
    return parse_bind(text)


def _unicorn(server: str) -> Handler:
    def handler(args: Sequence[str]) -> CommandMeaning:
        host, port, sock = None, None, None
        listen = option(args, "-l", "--listen")
        if listen:
            host, port, sock = parse_bind(listen)
        p = _port_of(args, "-p", "--port")
        port = p if p is not None else port
        return _web(server, port, host or option(args, "-o", "--host"), sock, args,
                    config_file=option(args, "-c", "--config-file"))

    return handler


def _thin(args: Sequence[str]) -> CommandMeaning:
    sock = option(args, "-S", "--socket")
    servers = int_value(option(args, "-s", "--servers"))
    found = _web("thin", _port_of(args, "-p", "--port"), option(args, "-a", "--address"), sock, args,
                 config_file=option(args, "-C", "--config"), workers=servers)
    if servers and servers > 1:  # thin -s 3 runs three servers on consecutive ports: three pods, one port
        found = _with_note(found, f"thin ran {servers} servers on consecutive ports: the pod runs one, replicas scale")
    return found


def _rails(args: Sequence[str]) -> CommandMeaning:
    sub = args[0] if args else ""
    if sub in ("server", "s"):
        rest = args[1:]
        env = option(rest, "-e", "--environment")
        dev = env in (None, "development")
        found = _web("rails", _port_of(rest, "-p", "--port"), option(rest, "-b", "--binding"), None, rest,
                     dev_server=dev)
        return _with_note(found, "rails server without -e production runs the development environment "
                          "(RAILS_ENV in the pod decides)") if env is None else found
    if sub == "solid_queue:start":
        return meaning(WORKER, "worker", "solid_queue")
    if sub in ("runner", "r", "console", "c", "dbconsole", "db", "generate", "g", "new"):
        return meaning()
    return _rake(args)


def _rake(args: Sequence[str]) -> CommandMeaning:
    tasks = [a for a in args if not a.startswith("-") and "=" not in a]
    if any(re.fullmatch(r"db:migrate(:with_data)?|db:prepare|data:migrate", t) for t in tasks):
        return meaning(RELEASE, "release")
    if "jobs:work" in tasks:
        return meaning(WORKER, "worker", "delayed_job")
    if "resque:work" in tasks or "resque:workers" in tasks:
        return meaning(WORKER, "worker", "resque")
    if "resque:scheduler" in tasks:
        return meaning(SCHEDULER, "resque-scheduler", "resque-scheduler")
    if "sneakers:run" in tasks:
        return meaning(WORKER, "worker", "sneakers")
    if "solid_queue:start" in tasks:
        return meaning(WORKER, "worker", "solid_queue")
    return meaning()


def _sidekiq(args: Sequence[str]) -> CommandMeaning:
    queues = [q.split(",")[0] for q in _all(args, "-q", "--queue")]
    name = "worker" if not queues else "worker-" + re.sub(r"[^a-z0-9]+", "-", "-".join(queues).lower()).strip("-")
    found = meaning(WORKER, name, "sidekiq", workers=int_value(option(args, "-c", "--concurrency")),
                    config_file=option(args, "-C", "--config"))
    if any(a in DAEMON_FLAGS["sidekiq"] for a in args):
        found = _with_note(found, "sidekiq -d (removed in sidekiq 6) daemonized it: the container runs it in the "
                           "foreground, logs to stdout")
    return found


def _delayed_job(args: Sequence[str]) -> CommandMeaning:
    action = next((a for a in args if a in ("start", "stop", "restart", "run", "status", "reload", "zap")), "run")
    if action not in ("start", "run", "restart"):
        return meaning()
    workers = int_value(option(args, "-n", "--number_of_workers"))
    note = f"bin/delayed_job {action} forks daemons: the container runs `rake jobs:work` in the foreground"
    return meaning(WORKER, "worker", "delayed_job", workers=workers, daemon=action != "run",
                   notes=(note,) if action != "run" else ())


def _clockwork(daemon: bool) -> Handler:
    def handler(args: Sequence[str]) -> CommandMeaning:
        clock = option(args, "-c", "--clock") if daemon else next((a for a in args if a.endswith(".rb")), None)
        if daemon and not any(a in ("start", "run", "restart") for a in args):
            return meaning()
        note = "clockwork is a scheduler: exactly one replica, or jobs run twice"
        return meaning(SCHEDULER, "clock", "clockwork", entrypoint=clock, daemon=daemon and "run" not in args,
                       notes=(note,))

    return handler


def _passenger(args: Sequence[str]) -> CommandMeaning:
    if not args or args[0] != "start":
        return meaning()
    rest = args[1:]
    return _web("passenger", _port_of(rest, "-p", "--port"), option(rest, "-a", "--address"),
                option(rest, "--socket", "-S"), rest)


def _falcon(args: Sequence[str]) -> CommandMeaning:
    if not args or args[0] not in ("serve", "host", "virtual"):
        return _web("falcon", None, None, None, args) if not args else meaning()
    bind = option(args, "-b", "--bind")
    host, port, sock = puma_bind(bind) if bind else (None, None, None)
    return _web("falcon", port, host, sock, args)


def _all(args: Sequence[str], *names: str) -> list[str]:
    out = []
    for i, a in enumerate(args):
        if a in names and i + 1 < len(args):
            out.append(args[i + 1])
        elif any(a.startswith(n + "=") for n in names if n.startswith("--")):
            out.append(a.split("=", 1)[1])
    return out


def _with_note(m: CommandMeaning, note: str) -> CommandMeaning:
    return replace(m, notes=(*m.notes, note))


def _simple(role: ProcessRole, name: str, server: str) -> Handler:
    def handler(args: Sequence[str]) -> CommandMeaning:
        return meaning(role, name, server)

    return handler


HANDLERS: dict[str, Handler] = {
    "puma": _puma, "unicorn": _unicorn("unicorn"), "unicorn_rails": _unicorn("unicorn_rails"), "thin": _thin,
    "rails": _rails, "rake": _rake, "rackup": lambda args: _web("rackup", _port_of(args, "-p", "--port"),
                                                                 option(args, "-o", "--host"), None, args),
    "passenger": _passenger, "falcon": _falcon, "sidekiq": _sidekiq, "delayed_job": _delayed_job,
    "good_job": lambda args: meaning(WORKER, "worker", "good_job") if not args or args[0] == "start" else meaning(),
    "resque-pool": _simple(WORKER, "worker", "resque"), "shoryuken": _simple(WORKER, "worker", "shoryuken"),
    "clockwork": _clockwork(False), "clockworkd": _clockwork(True),
}
# Programs of Ruby's (binstubs, gems' executables): a host path to one is the bare name in the image.
PROGRAMS = frozenset({"ruby", "bundle", "bundler", "gem", "rake", "rails", "rackup", "puma", "pumactl", "unicorn",
                      "unicorn_rails", "thin", "passenger", "passenger-config", "falcon", "sidekiq", "sidekiqctl",
                      "sidekiqmon", "delayed_job", "good_job", "resque-pool", "shoryuken", "clockwork",
                      "clockworkd", "whenever", "irb", "erb", "rbenv", "rvm", "chruby-exec", "cap", "mina", "foreman"})


def is_bin_jobs(argv0: str) -> bool:
    """Solid Queue's binstub (``bin/jobs``): a bare ``jobs`` is the shell builtin, never it."""
    return argv0 in ("bin/jobs", "./bin/jobs") or argv0.endswith("/bin/jobs")


def name_of(argv0: str) -> str:
    """The program a Ruby binstub or executable path names (``script/delayed_job`` -> ``delayed_job``)."""
    return basename(argv0)
