"""Read through the container CLIs a legacy deploy runs on its hosts: docker, docker compose, podman.

``docker exec web python manage.py migrate`` runs ``python manage.py migrate``; in Kubernetes that is a
release step in the app image, not a Job that runs ``docker``. :func:`parse` finds the command run
inside the container (``docker exec``/``run``, ``docker compose run``/``exec``, ``docker-compose``,
``podman``, ``nerdctl``) after the CLI's own options, and says what the rest is (``compose up``: the
compose file's services, which the compose analyzer reads; ``docker build``/``pull``/``login``: host
tooling the image build and Kubernetes replace).
"""

from __future__ import annotations

from dataclasses import dataclass

ENGINES = frozenset({"docker", "podman", "nerdctl"})
COMPOSE_TOOLS = frozenset({"docker-compose", "podman-compose"})
TOOLS = ENGINES | COMPOSE_TOOLS

# Options that take a value, per command; anything else starting with "-" is a flag.
_GLOBAL = {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
           "--url", "--connection", "--root", "--runroot"}
_COMPOSE_GLOBAL = {"-f", "--file", "-p", "--project-name", "--env-file", "--profile", "--project-directory",
                   "--ansi", "--progress", "--parallel"}
_EXEC = {"-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys", "--index"}
_RUN = _EXEC | {
    "-p", "--publish", "-v", "--volume", "--name", "--network", "--net", "-m", "--memory", "--cpus", "--entrypoint",
    "--restart", "-l", "--label", "--mount", "--add-host", "--hostname", "-h", "--dns", "--log-driver", "--log-opt",
    "--link", "--platform", "--pull", "--cap-add", "--cap-drop", "--device", "--tmpfs", "--ulimit", "--shm-size",
    "--stop-signal", "--stop-timeout", "--health-cmd", "--health-interval", "--health-retries", "--health-timeout",
    "--memory-reservation", "--memory-swap", "--cpu-shares", "--cpuset-cpus", "--group-add", "--ip", "--pid",
    "--security-opt", "--sysctl", "--volumes-from", "--label-file", "--expose", "--gpus", "--runtime", "--ipc",
    "--userns", "--uts", "--cidfile", "--attach", "-a", "--network-alias",
}
_RUN_COMMANDS = {"run", "exec", "create"}


@dataclass(frozen=True)
class DockerCommand:
    """One container-CLI command line, read (never run)."""

    tool: str  # docker | docker compose | docker-compose | podman ...
    action: str  # exec | run | up | build | pull | login ... (the subcommand)
    target: str | None = None  # the container, image or compose service
    inner: tuple[str, ...] = ()  # what runs inside the container
    env: tuple[str, ...] = ()  # -e NAME=value words
    detached: bool = False
    compose_files: tuple[str, ...] = ()

    @property
    def compose(self) -> bool:
        return "compose" in self.tool


def basename(token: str) -> str:
    return token.rsplit("/", 1)[-1]


def is_tool(argv: list[str]) -> bool:
    return bool(argv) and basename(argv[0]) in TOOLS


def parse(argv: list[str]) -> DockerCommand | None:
    """The container command ``argv`` is, or None when it is not one (or has no subcommand)."""
    if not is_tool(argv):
        return None
    tool = basename(argv[0])
    rest = _skip(argv[1:], _GLOBAL if tool in ENGINES else _COMPOSE_GLOBAL)
    files: list[str] = []
    if tool in ENGINES and rest and rest[0] == "compose":
        tool = f"{tool} compose"
        rest, files = _compose_globals(rest[1:])
    elif tool in COMPOSE_TOOLS:
        rest, files = _compose_globals(argv[1:])
    if tool in ENGINES and rest[:1] == ["container"]:
        rest = rest[1:]  # `docker container exec` is `docker exec`
    if not rest:
        return None
    action, args = rest[0], rest[1:]
    if action not in _RUN_COMMANDS:
        detached = "-d" in args or "--detach" in args
        return DockerCommand(tool, action, detached=detached, compose_files=tuple(files))
    return _run_like(tool, action, args, files)


def _run_like(tool: str, action: str, args: list[str], files: list[str]) -> DockerCommand:
    takes_value = _RUN if action in ("run", "create") else _EXEC
    env: list[str] = []
    entrypoint: list[str] = []
    detached = False
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        name, eq, inline = a.partition("=")
        value: str | None = inline if eq else None
        if value is None and (name in takes_value or _short_with_value(name, takes_value)):
            value = args[i + 1] if i + 1 < len(args) else ""
            i += 1
        elif value is None and len(name) > 2 and name[1] != "-" and name[:2] in takes_value:
            value = name[2:]  # -eFOO=1
            name = name[:2]
        if name in ("-e", "--env") and value:
            env.append(value)
        elif name == "--entrypoint" and value:
            entrypoint = [value]
        if name in ("-d", "--detach") or (name.startswith("-") and not name.startswith("--") and "d" in name[1:]
                                          and name not in takes_value):
            detached = True
        i += 1
    target = args[i] if i < len(args) else None
    inner = [*entrypoint, *args[i + 1 :]] if target is not None else []
    return DockerCommand(tool, action, target, tuple(inner), tuple(env), detached, tuple(files))


def _short_with_value(flag: str, takes_value: set[str]) -> bool:
    """``-it``/``-dit`` are flags; ``-ue`` ends in an option with a value (the next word)."""
    if flag.startswith("--") or len(flag) < 3 or not flag.startswith("-"):
        return False
    return f"-{flag[-1]}" in takes_value and all(f"-{c}" not in takes_value for c in flag[1:-1])


def _skip(args: list[str], takes_value: set[str]) -> list[str]:
    """``args`` after leading global options."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        name = args[i].partition("=")[0]
        i += 2 if name in takes_value and "=" not in args[i] else 1
    return args[i:]


def _compose_globals(args: list[str]) -> tuple[list[str], list[str]]:
    """(args after compose's global options, the ``-f`` files named)."""
    files: list[str] = []
    i = 0
    while i < len(args) and args[i].startswith("-"):
        name, eq, inline = args[i].partition("=")
        if name in _COMPOSE_GLOBAL:
            value = inline if eq else (args[i + 1] if i + 1 < len(args) else "")
            if name in ("-f", "--file") and value:
                files.append(value)
            i += 1 if eq else 2
        else:
            i += 1
    return args[i:], files


def inner_argv(argv: list[str]) -> list[str] | None:
    """What runs inside the container, when ``argv`` is a container CLI command that runs one."""
    parsed = parse(argv)
    return list(parsed.inner) if parsed is not None and parsed.inner else None


def host_reason(argv: list[str]) -> str | None:
    """Why a container CLI command with no command to read through is host-only, or None."""
    parsed = parse(argv)
    if parsed is None or parsed.inner:
        return None
    if parsed.compose and parsed.action in ("up", "start", "restart", "create"):
        files = ", ".join(parsed.compose_files) or "the compose file"
        return f"{parsed.tool} {parsed.action}: starts the services of {files}, read as the workloads"
    if parsed.action in ("run", "create") and parsed.target:
        return (f"{parsed.tool} {parsed.action} {parsed.target}: the image's own start command (its Dockerfile) "
                "is the process")
    return f"container tooling on the host ({parsed.tool} {parsed.action}): the image build and Kubernetes replace it"
