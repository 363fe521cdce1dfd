"""Scheduled jobs of a PHP app, read statically: Laravel's scheduler, Symfony's scheduler and WordPress's
wp-cron.

Laravel (``app/Console/Kernel.php``'s ``schedule(Schedule $schedule)``, Laravel 11's ``routes/console.php``
``Schedule::command(...)`` and ``bootstrap/app.php``'s ``withSchedule(...)``): each entry is a chain such as
``$schedule->command('emails:send')->dailyAt('02:00')->withoutOverlapping()``. Its frequency methods are
applied as Laravel's ``ManagesFrequencies`` applies them (each one splices fields into ``* * * * *``), so
``->weekdays()->hourly()`` is ``0 * * * 1-5``. Each entry is a schedule finding keyed
``schedule-run:<command>`` with the 5-field ``schedule`` (absent, with a note, when cron cannot say it:
``between``, ``when``, ``lastDayOfMonth``, sub-minute frequencies), ``via="schedule:run"``, ``timezone``,
and no ``command``: the entries run inside ``php artisan schedule:run``, which Laravel's docs have the host
run every minute. The deployment gets one ``schedule:run`` CronJob (never one per entry too, which would
run each twice and lose ``withoutOverlapping``'s lock); when no crontab or deploy script of the repo runs
``schedule:run`` (the cron reader makes that CronJob), this analyzer emits it, citing the schedule.

Symfony's scheduler (``#[AsCronTask('0 3 * * *')]``, ``#[AsPeriodicTask('1 hour')]``, Symfony 6.3+) runs
inside ``messenger:consume scheduler_<name>``: each task is reported (via that worker), never a CronJob.
WordPress: ``define('DISABLE_WP_CRON', true)`` in ``wp-config.php`` means a system cron ran
``wp-cron.php``; without one in the repo, a ``wp-cron`` schedule runs it every five minutes.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from analyzers import base
from analyzers.base import D, H, I, Item, Src
from analyzers.commands import meaning, parse_command
from analyzers.deploy.hostcfg import unique
from analyzers.lib import php
from analyzers.lib.cron_schedule import ScheduleError, from_fields
from analyzers.lib.php import Call, Chain, Const, PhpFile, PhpValue
from analyzers.providers.php.app_code import app_sources, peek, read_php
from analyzers.providers.php.frameworks import framework
from migrator.repo import RepoView

NAME = "php_schedules"

LARAVEL_FILES = ("app/Console/Kernel.php", "routes/console.php", "bootstrap/app.php")
SCHEDULE_RUN = "php artisan schedule:run"
_KINDS = ("command", "job", "exec", "call")
_DAYS = {"sundays": "0", "mondays": "1", "tuesdays": "2", "wednesdays": "3", "thursdays": "4", "fridays": "5",
         "saturdays": "6", "weekdays": "1-5", "weekends": "6,0"}
_MINUTES = {"everyMinute": "*", "everyTwoMinutes": "*/2", "everyThreeMinutes": "*/3", "everyFourMinutes": "*/4",
            "everyFiveMinutes": "*/5", "everyTenMinutes": "*/10", "everyFifteenMinutes": "*/15",
            "everyThirtyMinutes": "0,30"}
_HOURS = {"everyTwoHours": "*/2", "everyThreeHours": "*/3", "everyFourHours": "*/4", "everySixHours": "*/6",
          "everyOddHour": "1-23/2"}
# methods that filter when an entry runs beyond what cron says: the entry keeps running via schedule:run
_FILTERS = frozenset({"between", "unlessBetween", "when", "skip", "environments", "lastDayOfMonth"})
_SUB_MINUTE = re.compile(r"^every(Second|TwoSeconds|FiveSeconds|TenSeconds|FifteenSeconds|TwentySeconds|"
                         r"ThirtySeconds)$")
_NOTED = {"withoutOverlapping": "withoutOverlapping (a cache lock: the next run is skipped while one runs)",
          "onOneServer": "onOneServer (a cache lock across servers: redis/memcached/database cache)",
          "runInBackground": "runInBackground (schedule:run does not wait for it)",
          "evenInMaintenanceMode": "evenInMaintenanceMode"}
_OUTPUT = frozenset({"sendOutputTo", "appendOutputTo"})
# files of a repo that run commands on the legacy host: crontabs (deploy/cron/shop, etc/cron.d/app), deploy
# scripts and tool configs; a directory so named counts for every file in it
_RUNNERS = re.compile(r"(^|/)[^/]*(cron|deploy|supervisor|ansible|provision|forge|ebextensions|systemd)[^/]*(/|$)"
                      r"|(^|/)(Envoy\.blade\.php|Procfile|Makefile|Dockerfile[^/]*|docker-compose[^/]*|[^/]*\.sh"
                      r"|[^/]*\.ya?ml|[^/]*\.conf|[^/]*\.ini)$", re.IGNORECASE)
_NOT_RUNNERS = re.compile(r"(^|/)(vendor|node_modules|tests?|storage|var|\.git)/|^config/(packages|routes)/")
_MAX_RUNNER_FILES = 2000


def analyze(repo: RepoView) -> Iterator[Item]:
    try:
        yield from _laravel(repo)
        yield from _symfony(repo)
        yield from _wordpress(repo)
    except php.Unavailable as exc:
        yield base.warning(Src(NAME, "composer.json"), f"the PHP grammar is not installed ({exc}); schedules not read")


# -- Laravel --------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One scheduler entry: what it runs and when."""

    kind: str  # command | job | exec | call
    what: str  # the command with its arguments, the job's class, the shell command, "closure"
    line: int
    fields: list[str] = field(default_factory=lambda: ["*", "*", "*", "*", "*"])
    notes: list[str] = field(default_factory=list)
    unexpressible: list[str] = field(default_factory=list)
    timezone: str | None = None
    log: str | None = None


def _laravel(repo: RepoView) -> Iterator[Item]:
    names: set[str] = set()
    first: Src | None = None
    timezone = _app_timezone(repo)
    for rel in LARAVEL_FILES:
        if not repo.exists(rel):
            continue
        parsed, warnings = read_php(repo, rel, NAME)
        yield from warnings
        if parsed is None:
            continue
        for chain in parsed.chains_on("schedule"):
            if chain.first.lname not in _KINDS:
                continue
            entry = _entry(chain)
            if entry.timezone is None and timezone is not None:
                entry.timezone = timezone[0]
                entry.notes.append(f"in the app's timezone {timezone[0]} ({timezone[1]})")
            src = Src(NAME, rel, entry.line)
            first = first or Src(NAME, rel, _schedule_line(parsed) or entry.line)
            yield from _entry_findings(entry, src, names)
    if first is None:
        return
    runners = _runs(repo, "schedule:run")
    if runners:
        yield base.warning(first, f"the scheduler's entries run inside schedule:run, which {runners[0]} runs every "
                                  "minute: its CronJob runs them all (no CronJob per entry)")
        return
    workers = _runs(repo, "schedule:work")
    if workers:
        yield base.warning(first, f"the scheduler's entries run inside `php artisan schedule:work`, which {workers[0]} "
                                  "runs as a long-lived process (one replica: two would run every entry twice)")
        return
    cmd = parse_command(SCHEDULE_RUN, first(I))
    yield base.stating(base.schedule("schedule-run", first, I, schedule="* * * * *", command=SCHEDULE_RUN,
                                     note=_ONE_CRONJOB), cmd, meaning(cmd))
    yield base.warning(first, "no crontab or deploy script of the repo runs `php artisan schedule:run`: the "
                              f"scheduler's entries need it every minute, so one CronJob runs it. {_ONE_CRONJOB}")


_ONE_CRONJOB = ("One schedule:run CronJob, not one per entry: Laravel decides each minute which entries are due "
                "(their timezone, between/when filters, withoutOverlapping/onOneServer locks); a CronJob per "
                "entry as well would run each twice")


def _app_timezone(repo: RepoView) -> tuple[str, str] | None:
    """(timezone, where) the scheduler reads its entries in: ``config/app.php``'s ``schedule_timezone``, else
    its ``timezone`` (UTC, Laravel's default, is no news)."""
    rel = "config/app.php"
    parsed = PhpFile.parse(peek(repo, rel) or b"") if repo.exists(rel) else None
    returned = parsed.returned() if parsed is not None else None
    if not isinstance(returned, dict):
        return None
    for key in ("schedule_timezone", "timezone"):
        value = returned.get(key)
        line = value.line if isinstance(value, php.EnvRef) else None
        value = value.default if isinstance(value, php.EnvRef) else value
        if isinstance(value, str) and value and value != "UTC":
            return value, f"{rel}{':' + str(line) if line else ''} '{key}'"
    return None


def _schedule_line(parsed: PhpFile) -> int | None:
    """The line of ``function schedule(`` (the Kernel's method), for the schedule:run finding's source."""
    m = re.search(rb"function\s+schedule\s*\(", parsed.data)
    return parsed.data.count(b"\n", 0, m.start()) + 1 if m else None


def _entry(chain: Chain) -> Entry:
    head = chain.first
    entry = Entry(head.lname, _what(head), head.line)
    for link in chain.links[1:]:
        _apply(entry, link)
    return entry


def _what(head: Call) -> str:
    """The entry's command as ``schedule:run`` would run it: ``command('emails:send', ['--force'])`` ->
    ``emails:send --force``; a class (``SendEmails::class``, ``new Heartbeat``) by its short name."""
    first = head.arg(0)
    if head.lname == "call":
        return f"closure@{head.line}"
    text = _text(first)
    if text is None:
        return f"{head.lname}@{head.line}"
    parts = [text]
    extra = head.arg(1)
    if isinstance(extra, list):
        parts += [t for t in (_text(v) for v in extra) if t]
    elif isinstance(extra, dict):
        for key, value in extra.items():
            if value is False or value is None:
                continue  # ['--force' => false]: Laravel leaves the option out
            shown = _text(value) if value is not True else None
            parts.append(str(value) if isinstance(key, int) and shown else f"{key}={shown}" if shown else str(key))
    return " ".join(parts)


def _text(value: PhpValue) -> str | None:
    if isinstance(value, Const):
        return (value.class_name or value.text).rsplit("\\", 1)[-1]
    if isinstance(value, php.Unknown):
        m = re.match(r"new\s+\\?([\w\\]+)", value.text)
        return m.group(1).rsplit("\\", 1)[-1] if m else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _apply(entry: Entry, link: Call) -> None:
    """Splice what ``link`` (a frequency or constraint method) says into ``entry``, as Laravel does."""
    name = link.name
    f = entry.fields
    args = link.args
    if name == "cron" and args and isinstance(args[0], str):
        entry.fields = str(args[0]).split()
    elif name in _MINUTES:
        f[0] = _MINUTES[name]
    elif name in _HOURS:
        f[0], f[1] = "0", _HOURS[name]
    elif name == "hourly":
        f[0] = "0"
    elif name == "hourlyAt":
        f[0] = _numbers(link.arg(0)) or "0"
    elif name == "daily":
        f[0], f[1] = "0", "0"
    elif name in ("dailyAt", "at"):
        f[0], f[1] = _clock(link.arg(0))
    elif name in ("twiceDaily", "twiceDailyAt"):
        first, second = _int(link.arg(0), 1), _int(link.arg(1), 13)
        f[0], f[1] = str(_int(link.arg(2), 0)) if name == "twiceDailyAt" else "0", f"{first},{second}"
    elif name == "weekly":
        f[0], f[1], f[4] = "0", "0", "0"
    elif name == "weeklyOn":
        f[4] = _numbers(link.arg(0)) or "0"
        f[0], f[1] = _clock(link.arg(1, "time") or "0:0")
    elif name == "monthly":
        f[0], f[1], f[2] = "0", "0", "1"
    elif name == "monthlyOn":
        f[2] = str(_int(link.arg(0), 1))
        f[0], f[1] = _clock(link.arg(1, "time") or "0:0")
    elif name == "twiceMonthly":
        f[2] = f"{_int(link.arg(0), 1)},{_int(link.arg(1), 16)}"
        f[0], f[1] = _clock(link.arg(2, "time") or "0:0")
    elif name == "quarterly":
        f[0], f[1], f[2], f[3] = "0", "0", "1", "1-12/3"
    elif name == "quarterlyOn":
        f[2], f[3] = str(_int(link.arg(0), 1)), "1-12/3"
        f[0], f[1] = _clock(link.arg(1, "time") or "0:0")
    elif name == "yearly":
        f[0], f[1], f[2], f[3] = "0", "0", "1", "1"
    elif name == "yearlyOn":
        f[3], f[2] = str(_int(link.arg(0), 1)), str(_int(link.arg(1), 1))
        f[0], f[1] = _clock(link.arg(2, "time") or "0:0")
    elif name in _DAYS:
        f[4] = _DAYS[name]
    elif name == "days":
        f[4] = _numbers(args[0] if len(args) == 1 else list(args)) or f[4]
    elif name == "timezone":
        entry.timezone = _text(link.arg(0)) or None
        if entry.timezone is None:
            entry.unexpressible.append("timezone(...) that is not a literal")
    elif name in _FILTERS or _SUB_MINUTE.match(name):
        entry.unexpressible.append(f"{name}(...)")
    elif name in _NOTED:
        entry.notes.append(_NOTED[name])
    elif name in _OUTPUT:
        entry.log = _text(link.arg(0))
    elif name in ("description", "name"):
        described = _text(link.arg(0))
        if described:
            entry.notes.append(f"described as {described!r}")


def _numbers(value: PhpValue) -> str | None:
    """``17`` -> ``17``, ``[15, 45]`` -> ``15,45``, ``'1,3'`` -> ``1,3``."""
    if isinstance(value, list):
        items = [str(v) for v in value if isinstance(v, int) and not isinstance(v, bool)]
        return ",".join(items) if items else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and re.fullmatch(r"[\d,\-*/]+", value):
        return value
    return None


def _int(value: PhpValue, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return default


def _clock(value: PhpValue) -> tuple[str, str]:
    """(minute, hour) of ``'13:00'``, ``'2:30'``, ``'13'``; ``("*", "*")`` marks a time that is not literal."""
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    m = re.fullmatch(r"\s*(\d{1,2})(?::(\d{1,2}))?\s*", text)
    if not m:
        return "?", "?"
    return str(int(m.group(2) or 0)), str(int(m.group(1)))


def _entry_findings(entry: Entry, src: Src, names: set[str]) -> Iterator[Item]:
    key = unique(f"schedule-run:{entry.what}", names)
    cron: str | None = None
    note_parts = list(entry.notes)
    if "?" in entry.fields:
        entry.unexpressible.append("a time of day that is not a literal")
    if not entry.unexpressible:
        try:
            cron = from_fields(entry.fields).cron
        except ScheduleError as exc:
            note_parts.append(f"its schedule {' '.join(entry.fields)!r} is not valid cron ({exc})")
    else:
        note_parts.append(f"cron cannot say when it runs ({', '.join(entry.unexpressible)}): schedule:run decides")
    note = "runs inside `php artisan schedule:run` (Laravel's scheduler), not as a CronJob of its own"
    if note_parts:
        note += "; " + "; ".join(note_parts)
    yield base.schedule(key, src, D, schedule=cron, via="schedule:run", kind=entry.kind, timezone=entry.timezone,
                        log=entry.log, note=note)


def _runs(repo: RepoView, needle: str) -> list[str]:
    """The repo's crontabs, deploy scripts and tool configs (not the app's code) that mention ``needle``."""
    found = []
    checked = 0
    raw = needle.encode()
    for rel in repo.files():
        if not _RUNNERS.search(rel) or _NOT_RUNNERS.search(rel) or rel.endswith((".md", ".txt", ".rst")):
            continue
        checked += 1
        if checked > _MAX_RUNNER_FILES:
            break
        data = peek(repo, rel, 512 * 1024)
        if data and raw in data:
            found.append(rel)
    return found


# -- Symfony --------------------------------------------------------------------------------------------


def _symfony(repo: RepoView) -> Iterator[Item]:
    names: set[str] = set()
    for rel in app_sources(repo):
        data = peek(repo, rel) if rel.startswith("src/") else None
        if not data or (b"AsCronTask" not in data and b"AsPeriodicTask" not in data):
            continue
        parsed, warnings = read_php(repo, rel, NAME)
        yield from warnings
        for attr in parsed.attributes if parsed is not None else ():
            short = attr.name.rsplit("\\", 1)[-1]
            if short not in ("AsCronTask", "AsPeriodicTask"):
                continue
            src = Src(NAME, rel, attr.line)
            schedule_name = _text(attr.named.get("schedule")) or "default"
            cls = posixpath.splitext(posixpath.basename(rel))[0]
            key = unique(f"symfony-scheduler:{cls}", names)
            via = f"messenger:consume scheduler_{schedule_name}"
            note = (f"runs inside `php bin/console {via}` (Symfony Scheduler), not as a CronJob: that worker must "
                    "run (one replica: each replica would run every task)")
            if short == "AsCronTask":
                expression = _text(attr.arg(0, "expression"))
                cron = _cron_or_none(expression)
                yield base.schedule(key, src, D, schedule=cron, via=via, timezone=_text(attr.named.get("timezone")),
                                    note=note if cron else note + f"; {expression!r} is not 5-field cron")
            else:
                frequency = attr.arg(0, "frequency")
                yield base.schedule(key, src, D, via=via, note=f"{note}; every {_text(frequency) or frequency!r}")


def _cron_or_none(expression: str | None) -> str | None:
    if not expression:
        return None
    macros = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
              "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *"}
    try:
        return from_fields(macros.get(expression, expression).split()).cron
    except ScheduleError:
        return None


# -- WordPress ------------------------------------------------------------------------------------------


def _wordpress(repo: RepoView) -> Iterator[Item]:
    fw = framework(repo)
    if fw is None or fw.name != "wordpress":
        return
    root = "" if fw.document_root in (".", "") else fw.document_root + "/"
    config = next((rel for rel in (f"{root}wp-config.php", "wp-config.php") if repo.exists(rel)), None)
    if config is None:
        return
    parsed, warnings = read_php(repo, config, NAME)
    yield from warnings
    if parsed is None:
        return
    define = next((d for d in parsed.defines if d.name == "DISABLE_WP_CRON"), None)
    if define is None or define.value not in (True, "true", 1):
        src = Src(NAME, config, define.line if define else None)
        yield base.warning(src, "WordPress runs wp-cron on page visits (DISABLE_WP_CRON is not set): its scheduled "
                                "events run only when the site gets traffic; set DISABLE_WP_CRON and run wp-cron.php "
                                "from a CronJob to make them punctual")
        return
    src = Src(NAME, config, define.line)
    runners = _runs(repo, "wp-cron")
    if runners:
        yield base.warning(src, f"DISABLE_WP_CRON: {runners[0]} runs wp-cron; its CronJob runs WordPress's events")
        return
    command = f"php {root}wp-cron.php"
    cmd = parse_command(command, src(H))
    note = ("DISABLE_WP_CRON is true: a system cron ran wp-cron.php on the old host; no crontab in the repo says "
            "how often: every five minutes")
    yield base.stating(base.schedule("wp-cron", src, H, schedule="*/5 * * * *", command=command, note=note),
                       cmd, meaning(cmd))
