"""systemd units: ``*.service`` -> processes, ``*.timer`` -> schedules, ``*.socket`` -> ports.

Template variants (``web.service.j2``, ``.template``, ``.tmpl``, ``.in``) are read too; ``{{ var }}``
stays as text (a placeholder), ``{% ... %}`` lines are skipped. The parser is line-aware so every
finding points at the directive that says it.

Choices:

* a service's process key is the classifier's canonical name (``gunicorn`` -> ``web``) or else the
  unit name; ``legacy_name`` is the unit file name (``web.service``);
* ``ExecStartPre=``/``ExecReload=`` commands are deploy steps (``manage.py migrate`` there is a
  release step); a ``Type=oneshot`` service that no timer triggers is a release step when its command
  is one, otherwise a ``oneoff`` process;
* a service triggered by a timer is not a process: it is the timer's schedule (command and user from
  the service, schedule from the timer, named like cron jobs after the command);
* limits are translated to Kubernetes terms: ``MemoryMax=512M`` -> ``512Mi``, ``CPUQuota=150%`` ->
  ``1500m``, ``TimeoutStopSec=1min 30s`` -> ``stop_timeout=90``;
* ``EnvironmentFile=`` is read only when it is in the repo (an absolute path maps to a repo file with
  the same basename when exactly one exists): names only, and SecretFindings for secret values.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache

from analyzers import base
from analyzers.base import DEF, D, H, I, Item, Src
from analyzers.commands import host_only, meaning, parse_bind
from analyzers.deploy.deploy_commands import command_secrets, export, interpret, parse_at
from analyzers.deploy.hostcfg import schedule_name, strip_template, unique
from analyzers.lib.oncalendar import CalendarError, interval_to_cron, parse_timespan, to_cron
from analyzers.lib.unitfile import Entry, Unit, read_unit
from analyzers.lib.unitfile import (
    parse_unit as parse_unit,  # re-exported: it lived here, callers use systemd.parse_unit
)
from migrator.commands import ParsedCommand, StepKind
from migrator.repo import RepoView
from migrator.secrets import lift_secrets, scrub

NAME = "systemd"

_UNIT_FILE = re.compile(r"\.(service|timer|socket)$")
_DROPIN_DIR = re.compile(r"\.(service|timer|socket)\.d/")
_MEMORY = re.compile(r"^(\d{1,18}(?:\.\d{1,18})?)\s*([KMGTPE]?)$", re.IGNORECASE)  # float() stays finite
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5, "E": 1024**6}
_CHAIN = re.compile(r"\s*(?:&&|;)\s*")
# Variables that describe the legacy host rather than the app.
_HOST_ENV = {"PATH", "HOME", "VIRTUAL_ENV", "LOGNAME", "USER"}


def unit_files(repo: RepoView) -> list[str]:
    return [rel for rel in repo.files() if _UNIT_FILE.search(strip_template(rel)) and not _DROPIN_DIR.search(rel)]


def analyze(repo: RepoView) -> Iterator[Item]:
    """Processes, schedules, steps, env and secrets from every unit file in the repo."""
    units: list[Unit] = []
    for rel in unit_files(repo):
        unit, problems = read_unit(repo, rel)
        for part, line, message in problems:
            yield base.warning(Src(NAME, part, line), message)
        units.append(unit)
    names: set[str] = set()
    env_files: set[str] = set()
    timer_targets: dict[str, Unit] = {}
    for timer in (u for u in units if u.type == "timer"):
        target = _paired(timer, "Timer", units)
        if target is not None:
            timer_targets[target.rel] = timer
    for unit in units:
        if unit.type == "service":
            trigger = timer_targets.get(unit.rel)
            if trigger is None:
                yield from _service(unit)
            else:
                yield from _scheduled(unit, trigger, names)
            yield from _environment(repo, unit, env_files)
        elif unit.type == "timer" and unit.rel not in {t.rel for t in timer_targets.values()}:
            wanted = _target_name(unit, "Timer")
            entry = unit.last("Timer", "Unit")
            yield base.warning(_src(entry) if entry else Src(NAME, unit.rel),
                               f"timer triggers {wanted}, which is not in the repository; no schedule made")
        elif unit.type == "socket":
            yield from _socket(unit, units)


def _src(entry: Entry) -> Src:
    """Where ``entry`` is written, as this analyzer's evidence."""
    return Src(NAME, entry.file, entry.line)


def _target_name(unit: Unit, section: str) -> str:
    key = "Unit" if section == "Timer" else "Service"
    entry = unit.last(section, key)
    return entry.value if entry else unit.stem + ".service"


def _paired(unit: Unit, section: str, units: list[Unit]) -> Unit | None:
    """The service a timer or socket activates (``Unit=``/``Service=`` or the same name); same dir first."""
    wanted = _target_name(unit, section)
    found = [u for u in units if u.name == wanted]
    folder = unit.rel.rsplit("/", 1)[0] if "/" in unit.rel else ""
    same_dir = [u for u in found if (u.rel.rsplit("/", 1)[0] if "/" in u.rel else "") == folder]
    best = same_dir or found
    return best[0] if best else None


def exec_command(value: str) -> str:
    """An ``Exec*=`` value without systemd's prefixes (``-@:+!``); with ``@`` the argv[0] override goes."""
    m = re.match(r"^([-@:+!]*)(.*)$", value.strip())
    prefixes, command = (m.group(1), m.group(2)) if m else ("", value)
    if "@" in prefixes:
        argv = command.split(None, 2)
        command = " ".join([argv[0], *argv[2:]]) if len(argv) > 1 else command
    return command.strip()


def service_key(unit: Unit) -> str:
    cmd = _exec_start(unit)
    name = meaning(cmd).name if cmd is not None else None
    return name or re.sub(r"[^a-z0-9-]+", "-", unit.stem.lower()).strip("-") or unit.stem


def _exec_start(unit: Unit) -> ParsedCommand | None:
    """The unit's (last) ``ExecStart=``, parsed once with the directory and user it ran with."""
    entry = unit.last("Service", "ExecStart")
    if entry is None:
        return None
    workdir, user = unit.last("Service", "WorkingDirectory"), unit.last("Service", "User")
    return _parsed(entry, workdir.value.lstrip("-") if workdir else None, user.value if user else None)


@lru_cache(maxsize=4096)
def _parsed(entry: Entry, workdir: str | None, user: str | None) -> ParsedCommand:
    # the key and the process (or the timer's schedule) read the same ExecStart=: split it once
    return parse_at(exec_command(entry.value), _src(entry), cwd=workdir, user=user, origin=f"{entry.key}=")


def _service(unit: Unit) -> Iterator[Item]:
    src = Src(NAME, unit.rel)
    execs = unit.values("Service", "ExecStart")
    type_entry = unit.last("Service", "Type")
    oneshot = type_entry is not None and type_entry.value == "oneshot"
    if not execs:
        yield base.warning(src.at(None), f"{unit.name} has no ExecStart=; no process made")
        return
    for pre in unit.values("Service", "ExecStartPre") + unit.values("Service", "ExecReload"):
        for step in _simple_commands(exec_command(pre.value), _src(pre)):
            # interpret reports its secrets and lifts them out of the step's command
            yield from interpret(step, _src(pre))
    entry = execs[-1]
    at = _src(entry)
    cmd = _exec_start(unit)
    assert cmd is not None  # execs is not empty
    command = cmd.text
    yield from command_secrets(command, at)
    info = meaning(cmd)
    key = service_key(unit)
    run = info.in_dir(cmd.cwd)
    hosted = host_only(cmd.core)
    if hosted is not None:
        # caddy/nginx/haproxy, cron, docker compose up ...: not a workload of the app image
        yield base.host_step(scrub(run.text or command), at, f"{unit.name}: {hosted.reason}")
        if hosted.service:
            yield base.service(hosted.service, at, I, note=f"run by systemd as {unit.name}")
        return
    if type_entry is not None and type_entry.value == "forking":
        run = replace(run, container=_foreground(run.container))
        yield base.warning(at, f"{unit.name} is Type=forking: in a container the process must stay in the "
                               "foreground (daemon flags dropped; check the command)")
    clean = lift_secrets(run.text or command)
    if oneshot:
        if info.step is StepKind.RELEASE:
            yield base.stating(base.release_step(clean, at, D, legacy_name=unit.name), cmd, run)
            return
        yield base.stating(base.process(key, at, D, role="oneoff", command=clean, legacy_name=unit.name), cmd, run)
    else:
        if len(execs) > 1:
            yield base.warning(at, f"{unit.name} has {len(execs)} ExecStart= lines; the last one is used")
        role, confidence = (info.role.value, I) if info.role else ("worker", H)
        yield base.stating(base.process(key, at, D, command=clean, legacy_name=unit.name,
                                        app_server=info.server, workers=info.workers, threads=info.threads,
                                        timeout=info.timeout, port=info.port if info.port_declared else None),
                           cmd, run)
        yield base.process(key, at, confidence, role=role)
        if info.port is not None and not info.port_declared:
            yield base.process(key, at, DEF, port=info.port)
    yield from _settings(unit, key)


def _foreground(argv: tuple[str, ...]) -> tuple[str, ...]:
    """Drop daemonizing flags (``--daemon``, ``-D``, ``--detach``): PID 1 of a container must not fork."""
    return tuple(a for a in argv if a not in ("--daemon", "-D", "--detach", "--daemonize"))


def _settings(unit: Unit, key: str) -> Iterator[Item]:
    """User, limits, restart policy ... each with the line that sets it."""
    for name, fld in (("User", "user"), ("Group", "group"), ("WorkingDirectory", "working_dir"),
                      ("Restart", "restart"), ("KillSignal", "stop_signal")):
        entry = unit.last("Service", name)
        if entry is not None:
            yield base.process(key, _src(entry), D, **{fld: entry.value})
    entry = unit.last("Service", "MemoryMax", "MemoryLimit")
    if entry is not None:
        memory, problem = memory_quantity(entry.value)
        yield from _field_or_warning(key, _src(entry), "memory_limit", memory, problem, entry.key)
    entry = unit.last("Service", "CPUQuota")
    if entry is not None:
        cpu, problem = cpu_quantity(entry.value)
        yield from _field_or_warning(key, _src(entry), "cpu_limit", cpu, problem, entry.key)
    entry = unit.last("Service", "LimitNOFILE")
    if entry is not None:
        soft = entry.value.split(":", 1)[0]
        if soft.isascii() and soft.isdigit() and len(soft) <= 18:
            yield base.process(key, _src(entry), D, nofile=int(soft))
    entry = unit.last("Service", "TimeoutStopSec", "TimeoutSec")
    if entry is not None:
        seconds = parse_timespan(entry.value)
        if seconds is not None:
            yield base.process(key, _src(entry), D, stop_timeout=int(round(seconds)))
        elif entry.value.lower() != "infinity":
            yield base.warning(_src(entry), f"{entry.key}= value not understood; ignored")


def _field_or_warning(key: str, src: Src, fld: str, value: str | None, problem: str | None, directive: str
                      ) -> Iterator[Item]:
    if value is not None:
        yield base.process(key, src, D, **{fld: value})
    elif problem:
        yield base.warning(src, f"{directive}=: {problem}")


def memory_quantity(text: str) -> tuple[str | None, str | None]:
    """``512M`` -> ``512Mi`` (systemd's K/M/G are powers of 1024); (None, reason) when not a fixed size."""
    text = text.strip()
    if text.lower() == "infinity":
        return None, None
    if text.endswith("%"):
        return None, "a share of the host's memory is not a fixed limit; ignored"
    m = _MEMORY.match(text)
    if not m:
        return None, "value not understood; ignored"
    size = int(float(m.group(1)) * _UNITS[m.group(2).upper()])
    for suffix, factor in (("Ti", 1024**4), ("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{suffix}", None
    return str(size), None


def cpu_quantity(text: str) -> tuple[str | None, str | None]:
    """``150%`` -> ``1500m`` (100% is one CPU)."""
    m = re.match(r"^(\d{1,9}(?:\.\d{1,9})?)%$", text.strip())
    if not m:
        return None, "value not understood (expected a percentage); ignored"
    return f"{int(round(float(m.group(1)) * 10))}m", None


def _simple_commands(command: str, src: Src) -> list[ParsedCommand]:
    """``/bin/sh -c 'a && b'`` -> [a, b]; anything else is one command."""
    whole = parse_at(command, src)
    argv = whole.argv
    if len(argv) == 3 and argv[0].rsplit("/", 1)[-1] in ("sh", "bash") and argv[1] in ("-c", "-ec", "-xc"):
        return [parse_at(p, src) for p in _CHAIN.split(argv[2]) if p.strip()]
    return [whole]


def _scheduled(service: Unit, timer: Unit, names: set[str]) -> Iterator[Item]:
    """One schedule per OnCalendar= (or the interval) of ``timer``, running ``service``'s ExecStart."""
    exec_entry = service.last("Service", "ExecStart")
    user = service.last("Service", "User")
    if exec_entry is None:
        yield base.warning(Src(NAME, service.rel), f"{service.name} (run by {timer.name}) has no ExecStart=")
        return
    cmd = _exec_start(service)
    assert cmd is not None  # exec_entry is set
    yield from command_secrets(cmd.text, _src(exec_entry))
    run = meaning(cmd).in_dir(cmd.cwd)
    hosted = host_only(cmd.core)
    if hosted is not None:  # certbot renew, docker compose pull ...: no CronJob of the app image
        yield base.host_step(scrub(run.text or cmd.text), _src(exec_entry),
                             f"{service.name} (run by {timer.name}): {hosted.reason}")
        return
    command = lift_secrets(run.text or cmd.text)
    # (the lifted text when a secret was lifted out: no name is ever made of a secret)
    base_name = schedule_name(run.container if command == run.text else parse_at(command, _src(exec_entry)).core,
                              timer.stem)
    when: list[tuple[Src, str, str | None]] = []
    for entry in timer.values("Timer", "OnCalendar"):
        try:
            parsed = to_cron(entry.value)
        except CalendarError as exc:
            yield base.warning(_src(entry), f"OnCalendar={entry.value}: {exc}; no schedule made")
            continue
        when.append((_src(entry), parsed.cron, parsed.timezone))
    interval = timer.last("Timer", "OnUnitActiveSec", "OnUnitInactiveSec")
    if interval is not None:
        seconds = parse_timespan(interval.value)
        if seconds is None or seconds <= 0:
            yield base.warning(_src(interval), f"{interval.key}= value not understood; ignored")
        else:
            cron, exact = interval_to_cron(seconds)
            if not exact:
                yield base.warning(_src(interval),
                                   f"{interval.key}={interval.value} has no exact cron form; using {cron!r}")
            when.append((_src(interval), cron, None))
    boot = timer.last("Timer", "OnBootSec", "OnStartupSec", "OnActiveSec")
    if not when and boot is not None:
        yield base.warning(_src(boot), f"{boot.key}= alone runs {service.name} once after boot; not a schedule")
    for src, cron, tz in when:
        name = unique(base_name, names)
        yield base.schedule(name, src, D, schedule=cron, timezone=tz, legacy_name=timer.name)
        yield base.stating(base.schedule(name, _src(exec_entry), D, command=command), cmd, run)
        if user is not None:
            yield base.schedule(name, _src(user), D, user=user.value)


def _environment(repo: RepoView, unit: Unit, env_files: set[str]) -> Iterator[Item]:
    for entry in unit.values("Service", "Environment"):
        at = _src(entry)
        try:
            tokens = shlex.split(entry.value)
        except ValueError:
            yield base.warning(at, "Environment= has unbalanced quotes; ignored")
            continue
        for token in tokens:
            name, eq, value = token.partition("=")
            if eq and re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name) and name not in _HOST_ENV:
                yield from export(name, value, at)
    for entry in unit.values("Service", "EnvironmentFile"):
        path = entry.value.lstrip("-").strip()
        rel = repo_file(repo, path)
        if rel is None:
            yield base.warning(_src(entry),
                               f"EnvironmentFile {path} is not in the repository; its variables must be provided")
        elif rel not in env_files:
            env_files.add(rel)
            yield from env_file(repo, rel)


def repo_file(repo: RepoView, path: str) -> str | None:
    """The repo file a host path means: itself when relative, else the only file with that basename."""
    if not path:
        return None
    if not path.startswith("/") and repo.exists(path):
        return path
    name = path.rstrip("/").rsplit("/", 1)[-1]
    found = [f for f in repo.files() if f.rsplit("/", 1)[-1] == name]
    if len(found) == 1:
        return found[0]
    # several candidates: the one whose path is the longest tail of the host path, if unique
    tails = [f for f in found if path.endswith("/" + f)]
    return tails[0] if len(tails) == 1 else None


def env_file(repo: RepoView, rel: str) -> Iterator[Item]:
    """Variable names from an env file (``KEY=value``, ``export KEY=value``): never their values."""
    for lineno, raw in enumerate(repo.lines(rel), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
        src = Src(NAME, rel, lineno)
        if not m:
            yield base.warning(src, "not a KEY=value line; ignored")
            continue
        secret = base.check_assignment(src, m.group(1), m.group(2).strip().strip("'\""))
        if secret is not None:
            yield secret
        yield base.env_var(m.group(1), src, secret=True if secret else None)


def _socket(unit: Unit, units: list[Unit]) -> Iterator[Item]:
    service = _paired(unit, "Socket", units)
    for entry in unit.values("Socket", "ListenStream"):
        _, port, sock = parse_bind(entry.value)
        if port is None:
            continue
        if service is None:
            yield base.warning(_src(entry), f"socket listens on {port} for {_target_name(unit, 'Socket')}, "
                               "which is not in the repository")
            continue
        yield base.process(service_key(service), _src(entry), I, port=port, role="web")
        return
