"""Scheduled jobs of a Ruby app, read statically: whenever's ``config/schedule.rb`` (each job a CronJob),
and the schedulers that run inside a process (sidekiq-cron, sidekiq-scheduler, clockwork: no CronJob).

whenever (its ``lib/whenever/cron.rb`` and ``setup.rb``, emulated, never run): ``every <time>, at: ... do
<jobs> end``. Times: durations (``10.minutes`` -> ``*/10 * * * *``, ``2.hours``, ``1.day``, ``1.week``,
``1.month``, ``1.year``, or seconds), the symbols ``:hour``/``:day``/``:week``/``:month``/``:year`` (the
same durations), ``:hourly``/``:daily``/``:weekly``/``:monthly``/``:yearly``/``:midnight`` (cron's macros),
day names (``:sunday``, ``'monday'``), ``:weekday``/``:weekend`` and raw cron (``'0 3 * * *'``); several
times (an array, ``'monday, friday'``); ``at:`` a time of day (``'4:30 am'``, ``'12pm'``, ``'noon'``,
``'midnight'``; an hour without am/pm is read as Chronic reads it: between 6am and 6pm unless
``set :chronic_options, hours24: true``), an integer (the minute, hour or day whenever takes it as), or
several (whenever combines them: ``at: ['1am', '1pm']`` -> ``0 1,13 * * *``). ``every :reboot`` is no
schedule (a warning). Commands are whenever's job templates without their host parts (``cd :path &&``,
``bash -l -c``, output redirection): ``rake "x"`` -> ``bundle exec rake x --silent``, ``runner "M.m"`` ->
``bin/rails runner 'M.m'`` (``script/rails runner`` or ``script/runner`` in older apps; the environment
comes from the pod's RAILS_ENV), ``script "x"`` -> ``bundle exec script/x``, ``command "..."`` as written,
and ``job_type`` templates with their ``:task`` and options filled in. ``set :output`` is the ``log``
field; ``set :environment`` other than production is a warning. Fields as the cron reader's: ``schedule``,
``command``, ``log``.

In-process schedulers: sidekiq-cron (``config/schedule.yml``, ``Sidekiq::Cron::Job.load_from_hash``)
enqueues each job once however many Sidekiq processes run (a Redis lock): each entry is reported, the
worker can scale. sidekiq-scheduler (``:schedule:`` in ``config/sidekiq.yml``, v5's ``:scheduler:
:schedule:``) pushes ``cron``/``at`` jobs once but ``every``/``interval`` jobs once per Sidekiq process: a
warning per such entry. clockwork (``clock.rb``, ``config/clock.rb``): a process ``clock`` (``bundle exec
clockwork <file>``) that must run as one replica, and each ``every(...)`` reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzers import base
from analyzers.base import D, I, Item, Src
from analyzers.commands import meaning, parse_command
from analyzers.deploy.deploy_commands import command_secrets
from analyzers.deploy.hostcfg import clean_command, schedule_name, unique
from analyzers.lib.cron_schedule import ScheduleError, from_fields
from analyzers.lib.rb import Call, RbHash, RubyFile, Unavailable, text_of, texts
from analyzers.providers.ruby import whenever_time
from analyzers.providers.ruby.app_rb import bundle, get, key_line, load_erb_yaml, read_ruby
from migrator.repo import RepoView
from migrator.secrets import lift_secrets

NAME = "ruby_schedules"

SCHEDULE_RB = "config/schedule.rb"
_TEMPLATES = {
    "command": ":task",
    "rake": ":bundle_command rake :task --silent",
    "script": ":bundle_command script/:task",
    "runner": ":runner_command ':task'",
}
_PLACEHOLDER = re.compile(r":(\w+)")
_HOST_PARTS = re.compile(r"^cd :path\s*&&\s*|:environment_variable=:environment\s*|\s*:output\s*$")
_CLOCK_FILES = ("clock.rb", "config/clock.rb", "lib/clock.rb", "app/clock.rb")


def analyze(repo: RepoView) -> Iterator[Item]:
    try:
        if repo.exists(SCHEDULE_RB):
            yield from _whenever(repo)
        for rel in _CLOCK_FILES:
            if repo.exists(rel):
                yield from _clockwork(repo, rel)
    except Unavailable as exc:
        yield base.warning(Src(NAME, SCHEDULE_RB), f"the Ruby grammar is not installed ({exc}); schedules not read")
    yield from _sidekiq_cron(repo)
    yield from _sidekiq_scheduler(repo)


# -- whenever -------------------------------------------------------------------------------------


class _Settings:
    def __init__(self, repo: RepoView) -> None:
        self.bundle = "bundle exec" if repo.exists("Gemfile") or repo.exists("gems.rb") else ""
        self.runner = ("bin/rails runner" if repo.exists("bin/rails") or repo.exists("config/application.rb")
                       and not repo.exists("script/rails") else "script/rails runner" if repo.exists("script/rails")
                       else "script/runner")
        self.values: dict[str, Any] = {}
        self.templates = dict(_TEMPLATES)
        self.hours24 = False

    def render(self, kind: str, task: str, options: dict[str, str]) -> str:
        template = _HOST_PARTS.sub("", self.templates[kind]).strip()
        known = {"task": task, "bundle_command": self.bundle, "runner_command": self.runner,
                 **{k: v for k, v in self.values.items() if isinstance(v, str)}, **options}
        text = _PLACEHOLDER.sub(lambda m: known.get(m.group(1), m.group(0)), template)
        return " ".join(text.split())


def _whenever(repo: RepoView) -> Iterator[Item]:
    parsed, warnings = read_ruby(repo, SCHEDULE_RB, NAME, "whenever schedule")
    yield from warnings
    if parsed is None:
        return
    settings = _Settings(repo)
    names: set[str] = set()
    for call in parsed.top_calls():
        src = Src(NAME, SCHEDULE_RB, call.line)
        if call.method == "set" and call.args:
            yield from _set(parsed, call, settings, src)
        elif call.method == "job_type" and len(call.args) > 1:
            name, template = text_of(parsed.arg(call, 0)), text_of(parsed.arg(call, 1))
            if name and template:
                settings.templates[name] = template
        elif call.method == "env" and len(call.args) > 1:
            env_name = text_of(parsed.arg(call, 0))
            if env_name and env_name not in ("MAILTO", "PATH", "SHELL", "HOME"):
                yield base.env_var(env_name, src, D, description="set for the jobs in config/schedule.rb")
        elif call.method == "every":
            yield from _every(parsed, call, settings, src, names)


def _set(parsed: RubyFile, call: Call, settings: _Settings, src: Src) -> Iterator[Item]:
    key = text_of(parsed.arg(call, 0))
    value = parsed.arg(call, 1)
    if key is None:
        return
    settings.values[key] = text_of(value) if text_of(value) is not None else value
    if key == "environment" and text_of(value) not in (None, "production"):
        yield base.warning(src, f"whenever runs its jobs with RAILS_ENV={text_of(value)}: the CronJobs run with the "
                                "pods' RAILS_ENV")
    elif key == "chronic_options" and isinstance(value, RbHash):
        settings.hours24 = value.get("hours24") is True
    elif key == "job_template" and text_of(value) not in (None, "", "/bin/bash -l -c ':job'", "bash -l -c ':job'"):
        yield base.warning(src, f"whenever wraps every job in {text_of(value)!r} on the old host; the CronJobs run "
                                "the job itself")


def _every(parsed: RubyFile, call: Call, settings: _Settings, src: Src, names: set[str]) -> Iterator[Item]:
    if not call.args or call.block is None:
        yield base.warning(src, "whenever 'every' without a time or a block; ignored")
        return
    at = parsed.kwarg(call, "at")
    crons: list[str] = []
    try:
        for time in whenever_time.times(parsed, call.args[0]):
            crons += whenever_time.crons(time, at, settings.hours24)
    except whenever_time.Unsupported as exc:
        yield base.warning(src, f"whenever schedule {parsed.text(call.args[0])!r}: {exc}; no CronJob made")
        return
    ambiguous = [a for a in texts(at) if any(isinstance(c, whenever_time.Clock) and c.ambiguous
                                               for c in whenever_time.ats(a, settings.hours24))]
    if ambiguous:
        yield base.warning(src, f"whenever reads at: {', '.join(ambiguous)} as Chronic does, in the afternoon (an hour "
                                "without am/pm between 6am and 6pm): the CronJob keeps that; write am/pm to be sure")
    if "@reboot" in crons:
        yield base.warning(src, "whenever 'every :reboot' runs its jobs when the old host boots: a pod has no boot; "
                                "run them as an init step or at the process's start instead; no CronJob made")
        return
    schedules = []
    for cron in whenever_time.combine(crons):
        try:
            schedules.append(from_fields(whenever_time.macro(cron).split()).cron)
        except ScheduleError as exc:
            yield base.warning(src, f"whenever schedule {cron!r} is not valid cron ({exc}); no CronJob made")
    for job in parsed.top_calls(call.block):
        yield from _job(parsed, job, settings, schedules, names)


def _job(parsed: RubyFile, job: Call, settings: _Settings, schedules: list[str], names: set[str]) -> Iterator[Item]:
    src = Src(NAME, SCHEDULE_RB, job.line)
    if job.method not in settings.templates:
        yield base.warning(src, f"{job.method!r} in an 'every' block is no whenever job type; ignored")
        return
    task = text_of(parsed.arg(job, 0))
    if task is None:
        yield base.warning(src, f"whenever {job.method} job whose task is not a literal; no CronJob made")
        return
    options = {k: t for k, v in job.kwargs.items() if (t := text_of(parsed.value(v))) is not None}
    written = settings.render(job.method, task, options)
    yield from command_secrets(written, src)
    # what the job ran on the old host, without its host parts (cd /var/www/app/current &&, >> log 2>&1)
    cleaned, redirected = clean_command(lift_secrets(written), src(D))
    if cleaned is None:
        yield base.warning(src, f"whenever {job.method} job has no command left after removing cd/redirections")
        return
    # whenever's own templates are kept as they read (runner's quotes); a command written by hand is cleaned
    command = lift_secrets(written) if job.method in ("rake", "runner", "script") else cleaned.text
    output = options.get("output") or settings.values.get("output") or redirected
    log = output if isinstance(output, str) and output != "/dev/null" else None
    name = _job_name(job.method, task, tuple(cleaned.argv))
    for cron in schedules:
        key = unique(name, names)
        cmd = parse_command(command, src(D))
        yield base.stating(base.schedule(key, src, D, schedule=cron, command=command, log=log), cmd, meaning(cmd))


def _job_name(kind: str, task: str, argv: tuple[str, ...]) -> str:
    """``rake "reports:daily"`` -> ``reports-daily``, ``runner "User.cleanup!"`` (or a command that runs
    ``rails runner``) -> ``user-cleanup``, else the command's program or script (as the cron reader names it)."""
    if kind == "rake":
        slug = re.sub(r"[^a-z0-9]+", "-", task.split()[0].lower()).strip("-") if task.split() else ""
        return slug[:40].strip("-") or "rake"
    if kind == "runner":
        return _runner_name(task)
    at = argv.index("runner") if "runner" in argv[:-1] else -1
    if at >= 0 and argv[at - 1 if at else 0].endswith(("rails", "script/rails")):
        return _runner_name(argv[at + 1])
    return schedule_name(list(argv), "job")


def _runner_name(code: str) -> str:
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code)[-2:]
    slug = "-".join(re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", w).lower().replace("_", "-").strip("-") for w in words)
    return slug[:40].strip("-") or "runner"


# -- clockwork ------------------------------------------------------------------------------------


def _clockwork(repo: RepoView, rel: str) -> Iterator[Item]:
    parsed, warnings = read_ruby(repo, rel, NAME, "clockwork file")
    yield from warnings
    if parsed is None:
        return
    everys = [c for c in parsed.calls(names={"every"}) if c.receiver is None and len(c.args) >= 2]
    if not everys or "Clockwork" not in parsed.data.decode("utf-8", "replace"):
        return
    src = Src(NAME, rel, everys[0].line)
    command = f"bundle exec clockwork {rel}"
    cmd = parse_command(command, src(I))
    info = meaning(cmd)
    yield base.stating(base.process(info.name or "clock", src, I, role="scheduler", command=command, replicas=1,
                                    singleton=f"clockwork schedules in {rel}"), cmd, info)
    for call in everys:
        period, job = parsed.text(call.args[0]), text_of(parsed.arg(call, 1))
        at = texts(parsed.kwarg(call, "at"))
        yield base.warning(Src(NAME, rel, call.line),
                           f"clockwork job {job or parsed.text(call.args[1])!r} every {period}"
                           + (f" at {', '.join(at)}" if at else "")
                           + ": runs in the clock process (one replica: two would run every job twice), not a CronJob")


# -- sidekiq-cron and sidekiq-scheduler -----------------------------------------------------------


_LOAD_FILE = re.compile(r"""load_from_hash!?\s*\(?\s*YAML\.(?:load_file|safe_load_file)\(\s*"""
                        r"""(?:Rails\.root\.join\(\s*)?["']([^"']+\.ya?ml)["']""")


def _sidekiq_cron(repo: RepoView) -> Iterator[Item]:
    """sidekiq-cron's schedule: ``config/schedule.yml`` (its default file), or the file an initializer loads
    (``Sidekiq::Cron::Job.load_from_hash YAML.load_file("config/sidekiq_cron.yml")``)."""
    loaded_by = [m.group(1) for rel in repo.files() if rel.startswith("config/initializers/") and rel.endswith(".rb")
                 for m in _LOAD_FILE.finditer(repo.read_text(rel) or "")]
    gems = bundle(repo)
    # config/schedule.yml is sidekiq-scheduler's when only that gem is there (its initializer loads the file)
    scheduler = gems is not None and gems.has("sidekiq-scheduler") and not gems.has("sidekiq-cron")
    for rel in dict.fromkeys(["config/schedule.yml", *(p.removeprefix("./") for p in loaded_by)]):
        if not repo.exists(rel):
            continue
        if scheduler:
            loaded = load_erb_yaml(repo.read_text(rel) or "")
            if isinstance(loaded.data, dict):
                yield from _scheduler_entries(rel, loaded.data)
        else:
            yield from _sidekiq_cron_file(repo, rel)


def _sidekiq_cron_file(repo: RepoView, rel: str) -> Iterator[Item]:
    text = repo.read_text(rel)
    if text is None:
        return
    loaded = load_erb_yaml(text)
    if loaded.error is not None:
        yield base.warning(Src(NAME, rel, loaded.error[0]), f"sidekiq-cron schedule {loaded.error[1]}")
        return
    data = loaded.data
    if not isinstance(data, dict):
        return
    for name, entry in data.items():
        if not isinstance(entry, dict) or "cron" not in entry:
            continue
        src = Src(NAME, rel, key_line(data, name))
        yield base.warning(src, f"sidekiq-cron job {name} (cron {entry.get('cron')!r}, class {entry.get('class')}): "
                                "runs inside Sidekiq, not a CronJob; sidekiq-cron enqueues it once however many "
                                "Sidekiq replicas run")


def _sidekiq_scheduler(repo: RepoView) -> Iterator[Item]:
    for rel in ("config/sidekiq.yml", "config/sidekiq.yaml"):
        text = repo.read_text(rel) if repo.exists(rel) else None
        if text is None:
            continue
        loaded = load_erb_yaml(text)
        scheduler = get(loaded.data, "scheduler")
        found = get(scheduler[1] if scheduler else loaded.data, "schedule")
        if found is not None and isinstance(found[1], dict):
            yield from _scheduler_entries(rel, found[1])


def _scheduler_entries(rel: str, entries: dict[Any, Any]) -> Iterator[Item]:
    """sidekiq-scheduler's entries: ``cron``/``at`` jobs are pushed once, ``every``/``interval`` ones once
    per Sidekiq process."""
    for name, entry in entries.items():
        if isinstance(entry, dict):
            src = Src(NAME, rel, key_line(entries, name))
            kind = next((k for k in ("cron", "at", "every", "interval", "in") if k in entry), None)
            when = entry.get(kind) if kind else None
            if kind in ("every", "interval"):
                yield base.warning(src, f"sidekiq-scheduler job {name} ({kind} {when!r}): runs inside Sidekiq and is "
                                        "pushed once per Sidekiq process: with several worker replicas it runs "
                                        "several times; make it a 'cron' entry (pushed once), or run one replica")
            else:
                yield base.warning(src, f"sidekiq-scheduler job {name} ({kind} {when!r}, class {entry.get('class')}): "
                                        "runs inside Sidekiq, not a CronJob")

