"""Helpers shared by the host-config analyzers (cron, systemd, supervisor, nginx).

These configs were written for one legacy host, so they share the same chores: template variants of
the files (``web.service.j2``) and Jinja placeholders in them, commands wrapped in host-only prefixes
(``cd /srv/app &&``, virtualenv activation, ``flock``, redirections into log files), absolute paths
under the old working directory, host paths that must be found again in the repo, and names for
scheduled jobs derived from their commands. None of it belongs to one analyzer, so it lives here.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from analyzers.commands import core_argv, parse_argv, parse_command, program
from analyzers.commands import positional as plain_args
from migrator.commands import ParsedCommand, join, relativize_words, split

# relativize moved to migrator.commands (the planner needs it); re-exported for the readers
from migrator.commands import relativize as relativize
from migrator.model import Source
from migrator.repo import RepoView

TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".template", ".tmpl", ".in")
_REDIRECT = re.compile(r"^(?P<fd>\d)?(?P<op>&>>?|>>?|<)(?P<target>.*)$")
_CHAIN = re.compile(r"\s*(?:&&|;)\s*")
_JINJA_VAR = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# Options whose value is the next word, so it is not taken for a positional argument.
_VALUE_OPTS = {"--app", "-A", "--settings", "--pythonpath", "-e", "--env-file", "--config", "-c"}


def strip_template(rel: str) -> str:
    """``deploy/web.service.j2`` -> ``deploy/web.service``: the name the file has on the host."""
    for suffix in TEMPLATE_SUFFIXES:
        if rel.endswith(suffix):
            return rel[: -len(suffix)]
    return rel


def collapse_jinja(line: str) -> str:
    """``{{ venv }}/bin/x`` -> ``{{venv}}/bin/x``: a template variable stays one shell word."""
    return _JINJA_VAR.sub(lambda m: "{{" + m.group(1).replace(" ", "") + "}}", line)


def host_glob(repo: RepoView, pattern: str) -> list[str]:
    """Repo files an absolute host glob means: ever shorter tails of it, at the root or one folder down.

    ``/etc/supervisor/conf.d/*.conf`` -> ``etc/supervisor/conf.d/*.conf``, ``supervisor/conf.d/*.conf`` ...
    until one matches; a bare file name (the last part alone) is too vague and is not tried.
    """
    parts = [p for p in pattern.split("/") if p]
    for start in range(len(parts) - 1):
        tail = "/".join(parts[start:])
        matches = repo.glob(tail, "*/" + tail)
        if matches:
            return matches
    return []


def clean_command(command: str, source: Source | None = None, *, user: str | None = None
                  ) -> tuple[ParsedCommand | None, str | None]:
    """Drop host-only prefixes (``cd``, venv activation, ``flock``) and redirections; return (command, log).

    What is left of a chain (``a && b``) or a pipeline runs under ``sh -c`` so it stays one command. Each
    piece is split once; a single command left is parsed from those words, not split again.
    """
    kept: list[tuple[str, list[str] | None]] = []
    log: str | None = None
    workdir: str | None = None
    for part in _CHAIN.split(command.strip()):
        argv = list(parse_command(part, source).argv)  # each piece is a command of its own (cd, flock ...)
        if not argv:
            continue
        if argv[0] in ("cd", "pushd"):
            workdir = argv[1] if len(argv) > 1 else workdir
            continue
        if argv[0] in ("source", ".") and argv[-1].endswith("activate"):
            continue
        if "|" in part:  # a pipeline's redirections are part of its work (pg_dump | gzip > file)
            kept.append((part.strip(), None))
            continue
        argv, found = _redirections(argv)
        log = log or found
        if argv:
            words = _strip_flock(argv)
            moved = relativize_words(words, workdir)
            kept.append((join(moved) if moved != words else shlex.join(words), moved))
    if not kept:
        return None, log
    single = kept[0][1] if len(kept) == 1 else None
    if single is not None:
        return parse_argv(kept[0][0], single, source, cwd=workdir, user=user), log
    return parse_command(shlex.join(["sh", "-c", " && ".join(t for t, _ in kept)]), source, cwd=workdir,
                         user=user), log


def _redirections(argv: list[str]) -> tuple[list[str], str | None]:
    """Remove ``>> file``, ``2>&1``, ``>/dev/null`` ...; the file stdout went to is the job's log."""
    out: list[str] = []
    log: str | None = None
    i = 0
    while i < len(argv):
        m = _REDIRECT.match(argv[i])
        if m is None:
            out.append(argv[i])
            i += 1
            continue
        target = m.group("target")
        if not target and i + 1 < len(argv):
            i += 1
            target = argv[i]
        stdout = m.group("op").startswith("&") or m.group("fd") in (None, "1")
        if stdout and ">" in m.group("op") and not target.startswith("&") and target != "/dev/null":
            log = log or target
        i += 1
    return out, log


def _strip_flock(argv: list[str]) -> list[str]:
    """``flock -n /tmp/x.lock cmd`` -> ``cmd``: a CronJob's concurrencyPolicy does the locking."""
    if not argv or argv[0].rsplit("/", 1)[-1] != "flock":
        return argv
    rest = argv[1:]
    while rest and rest[0].startswith("-"):
        opt = rest.pop(0)
        if opt in ("-w", "--timeout", "-E", "--conflict-exit-code") and rest:
            rest.pop(0)
    return rest[1:] if len(rest) > 1 else argv


def schedule_name(command: str | Sequence[str], fallback: str) -> str:
    """A stable name for a scheduled command (its text, or its words as the image runs them): its
    management command / task / script name."""
    argv = core_argv(split(command) if isinstance(command, str) else command)
    if len(argv) == 3 and argv[0] in ("sh", "bash") and argv[1] == "-c":
        last = [p for p in _CHAIN.split(argv[2]) if p.strip()]
        return schedule_name(last[-1].split("|")[0], fallback) if last else fallback
    module = _python_module(argv)
    if module:
        return _dns(module.rsplit(".", 1)[-1]) or fallback
    prog, args = program(argv)
    positional = plain_args(args, _VALUE_OPTS)
    name = ""
    if prog in ("manage.py", "django-admin", "flask", "rake", "artisan", "console", "invoke", "fab"):
        name = positional[0] if positional else prog
    elif prog in ("php", "node", "ruby", "perl", "bash", "sh") and positional:
        script = positional[0].rsplit("/", 1)[-1]
        name = positional[1] if script in ("artisan", "console") and len(positional) > 1 else script
    elif prog in ("npm", "yarn", "pnpm", "bun") and positional:  # npm run report:nightly -> report-nightly
        name = positional[1] if positional[0] in ("run", "run-script") and len(positional) > 1 else positional[0]
    elif prog in ("curl", "wget") and positional:
        name = positional[-1].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    elif prog:
        name = prog
    return _dns(re.sub(r"\.(py|sh|rb|js|php|pl)$", "", name)) or fallback


def _dns(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")[:52]


def _python_module(argv: list[str]) -> str | None:
    """``python -m pkg.mod`` -> ``pkg.mod``."""
    if argv and re.match(r"^python[0-9.]*$", argv[0].rsplit("/", 1)[-1]) and "-m" in argv:
        i = argv.index("-m")
        return argv[i + 1] if i + 1 < len(argv) else None
    return None


def unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3`` ... when it is taken; records the result.

    The suffixes are handed out in order, so the taken ones are contiguous: gallop to a free suffix and
    bisect back to the lowest one, O(log n) a call. Trying -2, -3 ... one by one made a crontab with
    10,000 entries of one script take 8 s here.
    """
    if name not in taken:
        taken.add(name)
        return name
    low, high = 1, 2  # suffix ``low`` is taken (1: the bare name), ``high`` is the candidate
    while f"{name}-{high}" in taken:
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        if f"{name}-{mid}" in taken:
            low = mid
        else:
            high = mid
    candidate = f"{name}-{high}"
    taken.add(candidate)
    return candidate
