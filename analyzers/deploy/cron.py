"""Crontabs: user crontabs and ``/etc/cron.d`` files -> schedules (CronJobs), env, secrets.

Choices:

* format: ``/etc/cron.d`` files (and ``/etc/crontab``) carry a user column after the five time
  fields, user crontabs do not. The location decides (``cron.d/``, ``etc/crontab``, a header comment
  naming ``/etc/cron.d`` or a ``user`` column); otherwise a line is read as system format only when
  its 6th field looks like a user (a well-known account, or a name followed by a command);
* every schedule is validated (:mod:`analyzers.lib.cron_schedule`: ranges, steps, names, lists) before it
  becomes one; an invalid one is a warning with file and line and no CronJob. Six time fields mean a
  seconds field first (node-cron, Quartz): seconds ``0`` is dropped, several runs a minute are refused.
  A user column is never read as a time field, so commands never start with ``*``;
* ``@daily`` & co. become their 5-field equivalents; ``@reboot`` is not a schedule (a warning);
* ``NAME=value`` lines are the jobs' environment: ``MAILTO``/``PATH``/``SHELL``/``HOME`` configure
  cron itself, ``CRON_TZ`` becomes the schedules' timezone, everything else is app env (secret
  values become SecretFindings, never defaults);
* the command is what runs in the container: ``cd /srv/app &&``, virtualenv activation and
  ``flock`` wrappers go, output redirections go into a ``log`` field, text after an unescaped ``%``
  (cron feeds it as stdin) is dropped with a warning;
* the schedule's name is derived from the command (``manage.py clearsessions`` -> ``clearsessions``)
  and made unique with ``-2``, ``-3`` ... suffixes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import D, Item, Src
from analyzers.commands import host_only, meaning
from analyzers.deploy.deploy_commands import command_secrets, export, parse_at
from analyzers.deploy.hostcfg import clean_command, collapse_jinja, schedule_name, strip_template, unique
from analyzers.lib.cron_schedule import Schedule, ScheduleError, from_fields, looks_like_field, time_field_count
from migrator.repo import RepoView
from migrator.secrets import lift_secrets, scrub

NAME = "cron"

MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
# Variables that configure cron itself rather than the app.
CRON_VARS = {"MAILTO", "PATH", "SHELL", "HOME", "LOGNAME", "MAILFROM", "RANDOM_DELAY", "CONTENT_TYPE",
             "CONTENT_TRANSFER_ENCODING"}
_KNOWN_USERS = {"root", "www-data", "nobody", "deploy", "app", "ubuntu", "admin", "apache", "nginx", "www",
                "postgres", "web", "django", "rails", "node"}
_COMMAND_WORDS = {"cd", "python", "python3", "bash", "sh", "php", "node", "ruby", "perl", "curl", "wget", "find",
                  "flock", "test", "run-parts", "nice", "ionice", "timeout", "env", "source", ".", "echo", "docker",
                  "sudo", "exec", "rm", "[", "/usr/bin/env", "make", "npm", "rake", "bundle", "celery",
                  "pg_dump", "mysqldump", "certbot", "logrotate", "gzip", "tar"}
_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_USER = re.compile(r"^[a-z_][a-z0-9_.-]*\$?$")


def cron_files(repo: RepoView) -> list[str]:
    """Crontab-like files in the repo (including template variants)."""
    out = []
    for rel in repo.files():
        path = strip_template(rel)
        base_name = path.rsplit("/", 1)[-1]
        parent = path.rsplit("/", 2)[-2] if path.count("/") >= 1 else ""
        if base_name.lower().startswith("readme") or base_name.endswith((".md", ".rst", ".example", ".sample")):
            continue  # notes next to the crontabs, not crontabs
        if (
            base_name in ("crontab", "crontab.txt")
            or base_name.endswith((".cron", ".crontab"))
            or parent == "cron.d"
            or "/deploy/cron/" in f"/{path}"
        ):
            out.append(rel)
    return out


def analyze(repo: RepoView) -> Iterator[Item]:
    """Schedules, env and secrets from every crontab in the repo."""
    names: set[str] = set()
    for rel in cron_files(repo):
        yield from parse(repo, rel, names)


def _system_format(rel: str, lines: list[str]) -> bool | None:
    """True/False when the location or a header says which format; None when each line must decide."""
    path = "/" + strip_template(rel)
    if "/cron.d/" in path or path.endswith("/etc/crontab"):
        return True
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("#"):
            continue
        if "cron.d" in stripped or re.search(r"\bdow\s+user\b|\buser\s+command\b", stripped):
            return True
    return None


def parse(repo: RepoView, rel: str, names: set[str]) -> Iterator[Item]:
    """Findings for one crontab; ``names`` holds schedule names already taken."""
    lines = repo.lines(rel)
    system = _system_format(rel, lines)
    timezone: str | None = None
    for lineno, raw in enumerate(lines, start=1):
        src = Src(NAME, rel, lineno)
        line = collapse_jinja(raw.strip())
        if not line or line.startswith("#") or line.startswith(("{%", "{#")):
            continue
        assign = _ASSIGN.match(line)
        tokens = line.split()
        if assign and not line.startswith("@") and (
                not looks_like_field(tokens[0]) or (len(tokens) > 1 and tokens[1].startswith("="))):
            name, value = assign.group(1), assign.group(2).strip()
            if name == "CRON_TZ":
                timezone = value.strip("'\"") or None
            elif name not in CRON_VARS:
                yield from export(name, value, src)
            continue
        parsed = _split_entry(line, system)
        if isinstance(parsed, str):
            yield base.warning(src, parsed)
            continue
        when, user, command = parsed
        if when.note:
            yield base.warning(src, when.note)
        yield from _job(when.cron, user, command, src, names, timezone)


_ENV_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _split_entry(line: str, system: bool | None) -> tuple[Schedule, str | None, str] | str:
    """(validated schedule, user, command) or the reason the line is not (or cannot be) a CronJob."""
    if line.startswith("@"):
        macro, _, rest = line.partition(" ")
        macro = macro.lower()
        if macro == "@reboot":
            return "@reboot job runs once at boot; not a schedule (run it as an init step if it matters)"
        if macro not in MACROS:
            return f"unknown cron macro {macro!r}; line ignored"
        when, rest_tokens = Schedule(MACROS[macro]), rest.split(None, 1)
        if rest_tokens and rest_tokens[0].startswith("*"):
            # "@daily * * * * cmd" or "@daily */5 cmd": a macro mixed with time fields; cron would run a
            # program called "*": the line is a mistake, not a job
            return (f"{macro} followed by a time field {rest_tokens[0]!r}: a macro replaces all five fields; "
                    "line ignored")
    else:
        tokens = line.split()
        if len(tokens) < 6 or not looks_like_field(tokens[0]):
            return "not a cron entry (expected five time fields and a command); line ignored"
        count = time_field_count(tokens)
        if len(tokens) <= count:
            return "cron entry has no command; line ignored"
        try:
            when = from_fields(tokens[:count])
        except ScheduleError as exc:
            return f"invalid cron schedule {' '.join(tokens[:count])!r}: {exc}; no CronJob made"
        rest_tokens = line.split(None, count)[count].split(None, 1)
    if not rest_tokens:
        return "cron entry has no command; line ignored"
    user: str | None = None
    if len(rest_tokens) == 2 and _is_user(rest_tokens[0], rest_tokens[1], system):
        user, command = rest_tokens[0], rest_tokens[1]
    else:
        command = " ".join(rest_tokens)
    program = next((w for w in command.split() if not _ENV_PREFIX.match(w)), "")
    if program.lstrip("'\"").startswith("*"):
        # a time field too many ("@daily user * cmd", six fields in a user crontab, after env
        # assignments or not): cron would glob a program called "*..."; the line is a mistake, not a job
        return f"the command starts with {program[:40]!r}, a time field, not a program; line ignored"
    return when, user, command


def _is_user(token: str, after: str, system: bool | None) -> bool:
    if system is not None:
        return system
    if token in _KNOWN_USERS:
        return True
    nxt = after.split(None, 1)[0]
    return bool(_USER.match(token)) and token not in _COMMAND_WORDS and (nxt.startswith("/") or nxt in _COMMAND_WORDS)


def _job(when: str, user: str | None, command: str, src: Src, names: set[str], tz: str | None) -> Iterator[Item]:
    command, stdin = _percent(command)
    if stdin:
        yield base.warning(src, "text after '%' is passed to the job on stdin by cron; it is dropped")
    for part in re.split(r"&&|\|\||[;|]", command):
        yield from command_secrets(part, src)
    cmd, log = clean_command(command, src(), user=user)
    if cmd is None:
        yield base.warning(src, "cron entry has no command left after removing cd/redirections; ignored")
        return
    hosted = host_only(cmd.core)
    if hosted is not None:  # certbot renew, docker compose up ...: nothing for a CronJob of the app image
        yield base.host_step(scrub(cmd.text), src, f"scheduled on the host: {hosted.reason}")
        return
    run = meaning(cmd)
    container = lift_secrets(run.text or cmd.text)
    # (the lifted text when a secret was lifted out: no name is ever made of a secret)
    words = run.container if container == run.text else parse_at(container, src).core
    name = unique(schedule_name(words, "job"), names)
    yield base.stating(base.schedule(name, src, D, schedule=when, command=container, user=user, log=log,
                                     timezone=tz), cmd, run)


def _percent(command: str) -> tuple[str, bool]:
    """Cron turns the first unescaped ``%`` into a newline (the rest is stdin) and ``\\%`` into ``%``."""
    m = re.search(r"(?<!\\)%", command)
    head = command if m is None else command[: m.start()]
    return head.replace("\\%", "%").strip(), m is not None
