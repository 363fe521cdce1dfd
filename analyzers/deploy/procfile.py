"""The Heroku ``Procfile``: every process type, with its command, role and port.

Only the root ``Procfile`` is authoritative (it is the one Heroku reads); ``Procfile.dev`` and
friends are local-development conveniences and are mentioned in a warning, never turned into
processes.

Choices:

* the process *key* is the Procfile type name (``web``, ``worker``, ``clock`` ...): that is the
  identity Heroku users know; ``legacy_name`` repeats it;
* ``release:`` is Heroku's release phase: a release step, not a process;
* role: ``web`` -> web; ``clock``/``beat``/``scheduler`` -> scheduler; otherwise the classifier's
  role (``celery beat`` is a scheduler whatever the type is called), else worker;
* port: Heroku injects ``$PORT`` and routes only to the ``web`` type. A command that binds
  ``$PORT`` (or a gunicorn without ``--bind``, which reads ``$PORT`` itself) gets ``port_env="PORT"``
  and, because a container needs a number, the server's documented default port (gunicorn 8000,
  waitress 8080 ...; 5000 - the port ``heroku local`` uses - for an unknown server) at DEFAULT
  confidence; the generator sets ``PORT`` to that number. ``${PORT:-8000}`` gives 8000 (inferred).
* commands keep ``$PORT`` and other references as written (only wrappers and host venv paths go).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import DEF, D, H, I, Item, Src
from analyzers.commands import meaning, server
from analyzers.deploy.deploy_commands import command_secrets, parse_at
from migrator.commands import CommandMeaning, ParsedCommand, StepKind
from migrator.model import ProcessRole
from migrator.repo import RepoView
from migrator.secrets import lift_secrets

NAME = "procfile"

# Heroku's own grammar for a Procfile line: a type name, a colon, a command.
_LINE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.*)$")
_SCHEDULER_TYPES = {"clock", "beat", "scheduler", "celerybeat", "cron"}
# $PORT / ${PORT} / ${PORT:-8000} where a port is expected: after host: or a port/bind option.
_PORT_REF = re.compile(
    r"(?:(?:--port|-p|--bind|-b|--listen|--http(?:-socket)?)(?:=|\s+)['\"]?(?:[\w.\[\]-]*:)?|:)"
    r"\$\{?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>\d{1,5}))?\}?"
)
_CHAIN = re.compile(r"\s*(&&|;|\|\|)\s*")
FALLBACK_PORT = 5000  # `heroku local` (and foreman) give the first process PORT=5000


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings for the root Procfile; a note for ignored variants."""
    for variant in repo.glob("Procfile.*"):
        yield base.warning(Src(NAME, variant), "Procfile variant not read: Heroku runs only the root Procfile")
    if repo.exists("Procfile"):
        yield from parse(repo, "Procfile")


def parse(repo: RepoView, rel: str) -> Iterator[Item]:
    """Findings for one Procfile."""
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(repo.lines(rel), start=1):
        src = Src(NAME, rel, lineno)
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            yield base.warning(src, "not a Procfile entry (expected 'type: command'); ignored")
            continue
        ptype, command = m.group(1), m.group(2).strip()
        if not command:
            yield base.warning(src, f"process type {ptype!r} has no command; ignored")
            continue
        if ptype in seen:
            yield base.warning(src, f"process type {ptype!r} declared again (first at line {seen[ptype]}); ignored")
            continue
        seen[ptype] = lineno
        # a secret on the command line is reported, declared as a secret env var and read from it
        yield from command_secrets(command, src)
        command = lift_secrets(command)
        if ptype == "release":
            cmd = parse_at(command, src, origin="Procfile")
            yield base.stating(base.release_step(meaning(cmd).text or command, src, D, legacy_name="release"),
                               cmd, meaning(cmd))
            continue
        yield from _process(ptype, command, src)


def _process(ptype: str, command: str, src: Src) -> Iterator[Item]:
    pieces = _CHAIN.split(command)
    parsed = {i: parse_at(p, src, origin="Procfile") for i, p in enumerate(pieces) if i % 2 == 0 and p}
    parts = [parsed[i] for i in sorted(parsed)]
    # `web: python manage.py migrate && gunicorn ...`: the last part is what keeps running.
    main = parts[-1] if parts else parse_at(command, src, origin="Procfile")
    for step in parts[:-1]:
        if meaning(step).step is StepKind.RELEASE:
            yield base.stating(base.release_step(meaning(step).text, src, I,
                                                 note=f"run before the {ptype} process starts"), step, meaning(step))
    info = meaning(main)
    role = _role(ptype, info)
    found = base.process(
        ptype, src, D, role=role.value, command=_container_chain(pieces, parsed), legacy_name=ptype,
        app_server=info.server, workers=info.workers, threads=info.threads, timeout=info.timeout,
        port=info.port if info.port_declared else None, dev_server=info.dev_server or None,
        config_file=info.config_file,
    )
    # a chain runs under its first command's shell: only a single command's meaning is the process's
    yield base.stating(found, main, info) if len(parts) == 1 else found
    spec = server(info)
    if spec is not None and spec.workers_env and info.workers is None:
        # gunicorn's documented default: workers = $WEB_CONCURRENCY (Heroku sets it per dyno size)
        yield base.process(ptype, src, DEF, workers_env=spec.workers_env)
    if role is not ProcessRole.WEB:
        return
    yield from _port(ptype, main.text, info, src)


def _container_chain(pieces: list[str], parsed: dict[int, ParsedCommand]) -> str:
    """Each command of a ``a && b`` chain as it runs in the image, operators kept."""
    out = [(meaning(parsed[i]).text or p.strip() if i in parsed else p) if i % 2 == 0
           else f" {p} " if p != ";" else "; " for i, p in enumerate(pieces)]
    return "".join(out).strip()


def _role(ptype: str, info: CommandMeaning) -> ProcessRole:
    if ptype == "web":
        return ProcessRole.WEB
    if ptype in _SCHEDULER_TYPES:
        return ProcessRole.SCHEDULER
    if info.role is not None and info.role is not ProcessRole.RELEASE:
        return info.role
    return ProcessRole.WORKER


def _port(ptype: str, command: str, info: CommandMeaning, src: Src) -> Iterator[Item]:
    """Port facts for a web process: literal, $PORT-driven, or the server's default."""
    if info.port_declared:
        return
    ref = _PORT_REF.search(command)
    if ref:
        yield base.process(ptype, src, D, port_env=ref.group("name"))
        if ref.group("default"):
            yield base.process(ptype, src, I, port=int(ref.group("default")))
            return
    elif (spec := server(info)) is not None and spec.port_env_default and info.unix_socket is None:
        # gunicorn binds 0.0.0.0:$PORT by itself when PORT is set (its documented default).
        yield base.process(ptype, src, DEF, port_env=spec.port_env_default)
    elif ptype == "web" and info.server is None:
        # Heroku's contract: the web process must listen on $PORT; an unknown program reads it itself.
        yield base.process(ptype, src, H, port_env="PORT")
    if info.unix_socket is None:
        known = server(info)
        default = (known.default_port if known else None) or FALLBACK_PORT
        yield base.process(ptype, src, DEF, port=default)
