"""What one command in an imperative deploy script means for the migration.

Fabric tasks, shell scripts, Makefile recipes and systemd ``ExecStartPre=`` lines all end up as
command strings; :func:`interpret` turns one of them into findings: release / build / host-only steps,
system packages, health checks, env exports, hard-coded secrets, long-running processes started by
hand (``nohup gunicorn ... &``), and what no rule knows as "unclassified: review"
(:mod:`analyzers.deploy.step_accounting`). Callers resolve what they can (cwd, variables) before calling.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from analyzers import base
from analyzers.base import DEF, H, I, Item, Src
from analyzers.commands import meaning, parse_command
from analyzers.deploy import docker_cli
from analyzers.deploy.step_accounting import last_bucket
from analyzers.lib import debian_names
from migrator.commands import ParsedCommand, StepKind
from migrator.model import Confidence, Finding, Kind, SecretFinding
from migrator.secrets import SecretRef, is_placeholder, lift

# Packages that are compilers/headers (build stage) rather than runtime libraries.
_BUILD_PKG = re.compile(r"(-dev(el)?$|^build-essential$|^gcc|^g\+\+|^make$|^cmake$|^pkg-config$|^pkgconf$|^autoconf"
                        r"|^libtool$|^gfortran$|^swig$)")
_INSTALL = re.compile(r"^(apt-get|apt|yum|dnf|apk|zypper)$")
_HEALTH_URL = re.compile(r"https?://(?P<host>[^/:\s'\"]+)(?::(?P<port>\d{1,5}))?(?P<path>/[^\s'\"?#]*)?")
_HEALTH_PATH = re.compile(
    r"/(health|healthz|healthcheck|health-check|ping|status|ready|readyz|live|livez|alive|_health|heartbeat)\b"
)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1"}  # noqa: S104 - matched, never bound
_EXPORT = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def interpret(command: str | ParsedCommand, src: Src, *, background: bool = False) -> Iterator[Item]:
    """Findings for one simple command (no ``&&`` lists: split those first), given as text or as the
    reader parsed it (then its ``background`` counts too).

    A secret written in the command (``mysql -pX``, ``wget ...?key=X``, ``echo X | sudo -S``) is reported
    where it is and lifted out: the findings' commands read ``${NAME}`` instead, and a command that runs
    in the image declares ``NAME`` as a secret env var, so the value comes from the Secret.
    """
    cmd = parse_at(command, src) if isinstance(command, str) else command
    lifted = lift(cmd.text.strip())
    runs_in_image = False
    reported: set[str] = set()  # export NAME=... reports its own secret
    for item in _interpret(cmd, src, background=background or cmd.background):
        if isinstance(item, Finding) and lifted.refs and isinstance(item.fields.get("command"), str):
            fields = {**item.fields, "command": lift(str(item.fields["command"])).text}
            # the lifted command is another text: the planner understands it anew (the old meaning names the secret)
            item = Finding(item.kind, lift(item.key).text, fields, item.source)
            runs_in_image |= item.kind in RUNS_IN_IMAGE
        elif isinstance(item, SecretFinding):
            reported.add(item.name)
        yield item
    refs = tuple(r for r in lifted.refs if r.label not in reported)
    yield from secret_items(refs, src, declare=runs_in_image)


def parse_at(command: str, src: Src, **context: Any) -> ParsedCommand:
    """``command`` parsed once, at ``src``, with what the reader knew (``cwd=``, ``user=`` ...)."""
    return parse_command(command.strip(), src(), **context)


# Sections whose command runs in the image (a host step only documents what the legacy host did).
RUNS_IN_IMAGE = (Kind.PROCESS, Kind.SCHEDULE, Kind.RELEASE_STEP, Kind.BUILD_STEP)


def secret_items(refs: tuple[SecretRef, ...], src: Src, *, declare: bool = True) -> Iterator[Item]:
    """Each lifted secret: where it is (never what), and, with ``declare``, the secret env var that now
    carries it."""
    for ref in refs:
        yield base.hardcoded_secret(src, ref.label, ref.kind)
        if declare:
            yield base.env_var(ref.name, src, H, secret=True, required=True,
                               description=f"lifted out of a command ({ref.label})")


def _interpret(cmd: ParsedCommand, src: Src, *, background: bool = False) -> Iterator[Item]:
    command = cmd.text.strip()
    if not command:
        return
    argv, core = list(cmd.argv), list(cmd.core)
    if not core:
        return  # a bare assignment line (FOO=bar): its secret, if any, was lifted by interpret
    prog = core[0].rsplit("/", 1)[-1]
    container = _container_cli(argv)
    if container is not None:
        # docker exec/run, compose run/exec: ``core`` is the command inside the container
        background = background or container.detached
        if container.action == "login":
            yield from _registry_login(argv, src)
            return

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
        if checks:
            yield from checks
            return
        # a webhook, a download: not a health check; the step rules may know it (NodeSource's setup script
        # installs node on the host), else it is unclassified like any command no rule knows

    info = meaning(cmd)
    if info.role is not None and info.role.value != "release" and (background or info.daemon or _daemonized(core)):
        # a long-running process started by hand on the host
        run = replace(info, container=foreground(info.container))
        yield base.stating(base.process(
            info.name or "web", src, I, role=info.role.value, command=run.text or command,
            port=info.port if info.port_declared else None, app_server=info.server,
            legacy_name=src.file,
        ), cmd, run)
        if info.port is not None and not info.port_declared:
            yield base.process(info.name or "web", src, DEF, port=info.port)
        return

    if info.step is None:
        yield from last_bucket(command, core, src, info)
        return
    clean = info.text or command
    if info.step is StepKind.RELEASE:
        yield base.stating(base.release_step(clean, src, Confidence.DECLARED), cmd, info)
    elif info.step is StepKind.BUILD:
        yield base.stating(base.build_step(clean, src, Confidence.DECLARED), cmd, info)
    else:
        yield base.stating(base.host_step(command, src, info.step_reason or ""), cmd)
        if prog in ("rsync", "scp"):
            yield from _code_copy(core[1:], src)


def _container_cli(argv: list[str]) -> docker_cli.DockerCommand | None:
    """The docker/compose/podman command in ``argv`` (after sudo, env assignments ...), if it is one."""
    for i, token in enumerate(argv):
        if docker_cli.is_tool(argv[i:]):
            return docker_cli.parse(argv[i:])
        if not (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", token) or token.startswith("-") or token in ("sudo", "exec")):
            return None
    return None


def _registry_login(argv: list[str], src: Src) -> Iterator[Item]:
    """``docker login -u deploy -p <password> registry``: the password is reported, never kept."""
    kept: list[str] = []
    skip = False
    for i, token in enumerate(argv):
        if skip:
            skip = False
            continue
        name, eq, value = token.partition("=")
        if name in ("-p", "--password"):
            secret = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            skip = not eq
            if secret and not secret.startswith("$") and not is_placeholder(secret):
                yield base.hardcoded_secret(src, f"{argv[0].rsplit('/', 1)[-1]} login --password", "password")
            continue
        kept.append(token)
    yield base.host_step(" ".join(kept), src, "registry login on the host: the cluster pulls with an image pull Secret")


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


_DAEMON_WORDS = {"--daemon", "--detach", "-D"}
_DAEMONIZE = re.compile(r"^--daemonize2?(=.*)?$")  # uWSGI's --daemonize/--daemonize2 take a log file argument


def foreground(argv: Sequence[str]) -> tuple[str, ...]:
    """Drop daemonizing flags: in a container the process must stay in the foreground as PID 1."""
    out: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        if word in _DAEMON_WORDS:
            continue
        m = _DAEMONIZE.match(word)
        if m:
            skip = m.group(1) is None  # ``--daemonize /var/log/x.log``: its log file goes too
            continue
        out.append(word)
    return tuple(out)


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
    ``--password=x``, credential URLs ...), for callers that do not :func:`interpret` the command: where
    each one is, and the secret env var that carries it once the caller writes the command with
    :func:`migrator.secrets.lift_secrets`."""
    yield from secret_items(lift(command).refs, src)


def _packages(manager: str, args: list[str], src: Src) -> Iterator[Item]:
    """Packages of one install line, as the image sees them (:func:`debian_names.install_name`): servers
    are backing services, the distribution's Python is left out, other distributions' names are mapped."""
    if not args or args[0] not in ("install", "add"):
        return
    for pkg in args[1:]:
        if pkg.startswith("-"):
            continue
        name = re.split(r"[=:]", pkg, maxsplit=1)[0]  # name=version, name:arch
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9+._\-]*$", name):
            continue
        mapped = debian_names.install_name(name, manager)
        if mapped.service:
            yield base.service(mapped.service, src, I, note=f"installed on the host by {manager}")
        if mapped.package is None:
            if mapped.review:
                yield base.warning(src, f"system package {mapped.note}: left out of the image")
            continue
        note = mapped.note
        stage = "build" if _BUILD_PKG.search(mapped.package) else "runtime"
        yield base.system_package(mapped.package, src, base.D, stage=stage, manager=manager, note=note,
                                  legacy_name=name if name != mapped.package else None)
        for lib in debian_names.runtime_of(mapped.package) if stage == "build" else ():
            yield base.system_package(lib, src, I, stage="runtime", note=f"runtime library of {mapped.package}")


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
