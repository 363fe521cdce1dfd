"""What one command in an imperative deploy script means for the migration.

Fabric tasks, shell scripts, Makefile recipes and systemd ``ExecStartPre=`` lines all end up as
command strings; :func:`interpret` turns one of them into findings: release / build / host-only steps,
system packages, health checks, env exports, hard-coded secrets, long-running processes started by
hand (``nohup gunicorn ... &``), and what no rule knows as "unclassified: review"
(:mod:`analyzers.step_accounting`). Callers resolve what they can (cwd, variables) before calling.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import DEF, H, I, Item, Src
from analyzers.commands import classify, container_command, core_argv, split, step_kind
from analyzers.step_accounting import last_bucket, unclassified
from migrator.model import Confidence
from migrator.secrets import is_placeholder, value_secret_kind

# Packages that are compilers/headers (build stage) rather than runtime libraries.
_BUILD_PKG = re.compile(r"(-dev(el)?$|^build-essential$|^gcc|^g\+\+|^make$|^cmake$|^pkg-config$|^autoconf|^libtool$)")
# Host daemons: they become separate services or Kubernetes features, not packages of the app.
HOST_DAEMONS = {
    "nginx": None, "apache2": None, "httpd": None, "supervisor": None, "supervisord": None,
    "redis-server": "redis", "redis": "redis", "postgresql": "postgres", "postgresql-server": "postgres",
    "mysql-server": "mysql", "mariadb-server": "mysql", "rabbitmq-server": "rabbitmq",
    "memcached": "memcached", "mongodb": "mongodb", "mongodb-org": "mongodb", "elasticsearch": "elasticsearch",
    "certbot": None, "python3-certbot-nginx": None, "ufw": None, "fail2ban": None, "cron": None,
    "openssh-server": None, "git": None, "python3-pip": None, "python3-venv": None, "python3-virtualenv": None,
    "virtualenv": None, "python-virtualenv": None, "python3": None, "python3-dev": None, "python-dev": None,
    "python3.11": None, "python3.10": None, "python3.9": None, "python3.8": None, "python-pip": None,
}
_INSTALL = re.compile(r"^(apt-get|apt|yum|dnf|apk|zypper)$")
_HEALTH_URL = re.compile(r"https?://(?P<host>[^/:\s'\"]+)(?::(?P<port>\d+))?(?P<path>/[^\s'\"?#]*)?")
_HEALTH_PATH = re.compile(
    r"/(health|healthz|healthcheck|health-check|ping|status|ready|readyz|live|livez|alive|_health|heartbeat)\b"
)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1"}  # noqa: S104 - matched, never bound
_EXPORT = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def interpret(command: str, src: Src, *, background: bool = False) -> Iterator[Item]:
    """Findings for one simple command (no ``&&`` lists: split those first)."""
    command = command.strip()
    if not command:
        return
    argv = split(command)
    core = core_argv(argv)
    if not core:
        # a bare assignment line: FOO=bar
        yield from _assignments(argv, src)
        return
    yield from _assignments([a for a in argv[: len(argv) - len(core)]], src)
    yield from _option_secrets(core, src)
    prog = core[0].rsplit("/", 1)[-1]

    if prog == "export":
        for token in core[1:]:
            m = _EXPORT.match(token)
            if m:
                yield from export(m.group(1), m.group(2), src)
        return
    if prog == "workon" or (prog in ("source", ".") and any(a.endswith("bin/activate") for a in core[1:])):
        # fabfiles wrap every command in prefix("source venv/bin/activate"); the image needs none
        yield base.host_step(command, src, "virtualenv activation: the image is the environment")
        return
    if _INSTALL.match(prog):
        yield from _packages(prog, core[1:], src)
        yield base.host_step(command, src, "system packages: installed in the image")
        return
    if prog in ("curl", "wget", "http") and any(_HEALTH_URL.search(a) for a in core[1:]):
        checks = list(_health(core[1:], src))
        yield from checks
        if not checks:  # a webhook, a download: not a health check, and no rule knows what it is
            yield unclassified(command, src, classify(command))
        return

    info = classify(command)
    if info.role is not None and info.role.value != "release" and (background or _daemonized(core)):
        # a long-running process started by hand on the host
        yield base.process(
            info.name or "web", src, I, role=info.role.value, command=container_command(_foreground(command)),
            port=info.port if info.port_declared else None, app_server=info.app_server,
            legacy_name=src.file,
        )
        if info.port is not None and not info.port_declared:
            yield base.process(info.name or "web", src, DEF, port=info.port)
        return

    kind = step_kind(command)
    if kind is None:
        yield from last_bucket(command, core, src, info)
        return
    what, reason = kind
    clean = container_command(command)
    if what == "release":
        yield base.release_step(clean, src, Confidence.DECLARED)
    elif what == "build":
        yield base.build_step(clean, src, Confidence.DECLARED)
    else:
        yield base.host_step(command, src, reason)
        if prog in ("rsync", "scp"):
            yield from _code_copy(core[1:], src)


def _code_copy(args: list[str], src: Src) -> Iterator[Item]:
    """``rsync -az ./ host:/opt/app/``: the checkout is copied to /opt/app, so that is where the legacy
    app lived; paths under it in commands (``/opt/app/scripts/x.sh``) are paths inside the image."""
    operands = [a for a in args if not a.startswith("-")]
    if len(operands) < 2 or operands[-2].rstrip("/") not in (".", ""):
        return
    host, sep, remote = operands[-1].partition(":")
    remote = remote.rstrip("/")
    if sep and remote.startswith("/") and "$" not in remote and remote.count("/") > 1:
        yield base.runtime(src, I, legacy_app_dir=remote)


# uWSGI's --daemonize/--daemonize2 take a log file argument
_DAEMON_FLAG = re.compile(r"(?<!\S)(--daemon|--detach|-D|--daemonize2?(?:=|\s+)\S+)(?!\S)")


def _foreground(command: str) -> str:
    """Drop daemonizing flags: in a container the process must stay in the foreground as PID 1."""
    return " ".join(_DAEMON_FLAG.sub("", command).split()) if _DAEMON_FLAG.search(command) else command


def _daemonized(core: list[str]) -> bool:
    return any(a in ("--daemon", "-D", "--detach") or a.startswith("--daemonize") for a in core)


def export(name: str, value: str, src: Src) -> Iterator[Item]:
    """An ``export NAME=value`` / ``Environment=NAME=value``: an env var, and a secret when it is one."""
    value = value.strip().strip("'\"")
    secret = base.check_assignment(src, name, value)
    if secret is not None:
        yield secret
    is_ref = value.startswith("$")
    # a secret value (credential URL, token) makes the variable secret even when its name does not say so
    yield base.env_var(name, src, default=None if (is_ref or secret) else value, secret=True if secret else None)


def command_secrets(command: str, src: Src) -> Iterator[Item]:
    """Secrets hard-coded in one long-running or scheduled command line (``PGPASSWORD=x cmd``,
    ``--password=x``, credential URLs), for callers that do not :func:`interpret` the command."""
    argv = split(command)
    core = core_argv(argv)
    yield from _assignments(argv[: len(argv) - len(core)], src)
    if core:
        yield from _option_secrets(core, src)


def _assignments(tokens: list[str], src: Src) -> Iterator[Item]:
    for token in tokens:
        m = _EXPORT.match(token)
        if m:
            found = base.check_assignment(src, m.group(1), m.group(2).strip("'\""))
            if found is not None:
                yield found


_SECRET_OPT = re.compile(
    r"^--(password|passwd|pass|token|secret|api-key|apikey|access-key|secret-key|auth-token)(?:=(.*))?$", re.I
)
_MYSQL = {"mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mysqlshow"}


def _option_secrets(core: list[str], src: Src) -> Iterator[Item]:
    """Secrets written on the command line: ``--password=x``, ``mysql -pXXX``, ``postgres://u:pw@h``."""
    prog = core[0].rsplit("/", 1)[-1]
    if prog == "export":
        return  # NAME=value pairs: export() checks those
    for i, arg in enumerate(core[1:], start=1):
        m = _SECRET_OPT.match(arg)
        value: str | None = None
        if m:
            nxt = core[i + 1] if i + 1 < len(core) else ""
            value = m.group(2) if m.group(2) is not None else ("" if nxt.startswith("-") else nxt)
            name, kind = f"{prog} --{m.group(1).lower()}", "password" if "pass" in m.group(1).lower() else "token"
        elif prog in _MYSQL and arg.startswith("-p") and len(arg) > 2:
            value, name, kind = arg[2:], f"{prog} -p", "password"
        else:
            url_kind = value_secret_kind(arg)
            if url_kind:
                yield base.hardcoded_secret(src, prog, url_kind)
            continue
        if value and not is_placeholder(value):
            yield base.hardcoded_secret(src, name, kind)


def _packages(manager: str, args: list[str], src: Src) -> Iterator[Item]:
    if not args or args[0] not in ("install", "add"):
        return
    for pkg in args[1:]:
        if pkg.startswith("-") or "=" in pkg and pkg.startswith("-"):
            continue
        name = pkg.split("=")[0]
        if not re.match(r"^[a-z0-9][a-z0-9+.\-]*$", name):
            continue
        if name in HOST_DAEMONS:
            svc = HOST_DAEMONS[name]
            if svc:
                yield base.service(svc, src, I, note=f"installed on the host by {manager}")
            continue
        stage = "build" if _BUILD_PKG.search(name) else "runtime"
        yield base.system_package(name, src, base.D, stage=stage, manager=manager)


def _health(args: list[str], src: Src) -> Iterator[Item]:
    for arg in args:
        m = _HEALTH_URL.search(arg)
        if not m:
            continue
        path = m.group("path") or "/"
        local = m.group("host") in _LOCAL_HOSTS
        if not (_HEALTH_PATH.search(path) or local):
            continue
        port = int(m.group("port")) if m.group("port") else None
        conf = I if _HEALTH_PATH.search(path) else H
        yield base.health_check(path, src, conf, port=port if local else None, host=None if local else m.group("host"))
