"""Background job workers of a Ruby app, from its gems and their config files (never run):

- Sidekiq (gem ``sidekiq``): each ``config/sidekiq.yml`` (``config/sidekiq*.yml``) is a worker
  ``bundle exec sidekiq -C <file>``, with its ``:concurrency:`` (the production section's over the top
  level's; an ERB ``ENV.fetch`` default counts) and ``:queues:`` (weights kept) in a note; without a config
  file, ``bundle exec sidekiq`` when the code has jobs for it (``include Sidekiq::Worker``/``Job``, or
  ``queue_adapter = :sidekiq``);
- Resque (gem ``resque``): ``bundle exec rake resque:work QUEUE=*`` (rake reads ``NAME=value`` arguments
  into ENV) when a rake file loads ``resque/tasks``;
- Delayed Job (``delayed_job_active_record``, ``delayed_job``): ``bundle exec rake jobs:work``;
- GoodJob (``good_job``): ``bundle exec good_job start``, unless ``execution_mode = :async`` (or
  ``:inline``) runs jobs inside the web process: then a warning and no worker;
- Solid Queue (``solid_queue`` with ``config/queue.yml``): ``bin/jobs`` (Rails 8's binstub) or
  ``bundle exec rake solid_queue:start``, unless Puma runs it (``plugin :solid_queue``): then a warning.

A worker proposed here is INFERRED when a config file says how it runs (Sidekiq's, Solid Queue's) and
HEURISTIC otherwise: a Procfile, unit, supervisor program or Capistrano declaration of the same command
wins (the planner keeps the declared process and lists this one as its twin). The key is ``worker``; when
several kinds of worker exist, each is named for its library (``sidekiq``, ``resque`` ...).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.commands import meaning, parse_command
from analyzers.providers.ruby.app_rb import ErbYaml, as_int, bundle, get, key_line, load_erb_yaml
from migrator.model import Confidence
from migrator.repo import RepoView

if TYPE_CHECKING:
    from analyzers.providers.ruby.gemfile import Bundle as _Bundle

NAME = "ruby_workers"

_SIDEKIQ_CONFIG = re.compile(r"^config/sidekiq[A-Za-z0-9_.-]*\.ya?ml$")
_SIDEKIQ_CODE = re.compile(r"include\s+Sidekiq::(Worker|Job)\b|queue_adapter\s*=\s*:sidekiq")
_GOOD_JOB_MODE = re.compile(r"good_job\.execution_mode\s*=\s*:(\w+)|execution_mode:\s*:(\w+)")
_FETCH_DEFAULT = re.compile(r"""ENV\.fetch\(\s*["'](\w+)["']\s*(?:,\s*(\d+)\s*\)|\)\s*\{\s*(\d+)\s*\})""")


@dataclass(frozen=True)
class _Worker:
    library: str
    command: str
    src: Src
    confidence: Confidence
    note: str | None = None
    stem: str = ""
    # Sidekiq's :timeout: (seconds it waits for running jobs after SIGTERM) and its line: the pod must wait
    stop_timeout: tuple[int, int | None] | None = None


def analyze(repo: RepoView) -> Iterator[Item]:
    found = bundle(repo)
    if found is None:
        return
    workers: list[_Worker] = []
    items: list[Item] = []
    for reader in (_sidekiq, _resque, _delayed_job, _good_job, _solid_queue):
        for got in reader(repo, found):
            if isinstance(got, _Worker):
                workers.append(got)
            else:
                items.append(got)
    yield from items
    libraries = {w.library for w in workers}
    for w in workers:
        cmd = parse_command(w.command, w.src(w.confidence))
        info = meaning(cmd)
        # the name the providers give the command (as a Procfile or unit of it is keyed), else "worker"
        key = ((info.name or "worker") if len(libraries) == 1 else w.library) + (f"-{w.stem}" if w.stem else "")
        yield base.stating(base.process(key, w.src, w.confidence, role="worker", command=w.command,
                                        app_server=info.server or w.library, note=w.note), cmd, info)
        if w.stop_timeout is not None:
            yield base.process(key, w.src.at(w.stop_timeout[1]), w.confidence, stop_timeout=w.stop_timeout[0])


def _gem(found: _Bundle, analyzer: str, *names: str) -> Src | None:
    for name in names:
        where = found.where(name) if found.has(name) else None
        if where is not None:
            return Src(analyzer, *where)
    return None


def _grep(repo: RepoView, pattern: re.Pattern[str], prefixes: tuple[str, ...]) -> tuple[str, int] | None:
    for rel in repo.files():
        if not rel.startswith(prefixes) or not rel.endswith((".rb", ".rake")) or rel.startswith("vendor/"):
            continue
        for number, line in enumerate(repo.lines(rel), 1):
            if pattern.search(line) and not line.lstrip().startswith("#"):
                return rel, number
    return None


def _sidekiq(repo: RepoView, found: _Bundle) -> Iterator[_Worker | Item]:
    gem = _gem(found, NAME, "sidekiq")
    if gem is None:
        return
    configs = sorted(r for r in repo.files() if _SIDEKIQ_CONFIG.match(r))
    configs.sort(key=lambda r: posixpath.basename(r) not in ("sidekiq.yml", "sidekiq.yaml"))
    for index, rel in enumerate(configs):
        loaded = load_erb_yaml(repo.read_text(rel) or "")
        src = Src(NAME, rel, 1)
        if loaded.error is not None:
            yield base.warning(src.at(loaded.error[0]), f"sidekiq config {loaded.error[1]}")
            continue
        if not isinstance(loaded.data, dict):
            continue
        note, line = _sidekiq_note(loaded)
        stem = "" if index == 0 else posixpath.splitext(posixpath.basename(rel))[0].removeprefix("sidekiq").strip("_-.")
        timeout = get(loaded.data, "timeout")
        seconds = as_int(timeout[1]) if timeout and isinstance(timeout[1], (int, str)) else None
        yield _Worker("sidekiq", f"bundle exec sidekiq -C {rel}", src.at(line), I, note,
                      stem or ("" if index == 0 else str(index + 1)),
                      (seconds, key_line(loaded.data, timeout[0])) if timeout and seconds is not None else None)
    if configs:
        return
    code = _grep(repo, _SIDEKIQ_CODE, ("app/", "config/", "lib/"))
    if code is not None:
        yield _Worker("sidekiq", "bundle exec sidekiq", Src(NAME, *code), H, "Sidekiq jobs in the code, no config file")


def _sidekiq_note(loaded: ErbYaml) -> tuple[str, int | None]:
    data = loaded.data
    parts: list[str] = []
    first_line = None
    production = get(data, "production")
    for scope in (production[1] if production else None, data):
        found = get(scope, "concurrency")
        if found is None:
            continue
        key, value = found
        first_line = first_line or key_line(scope, key)
        number = as_int(value) if isinstance(value, (int, str)) else None
        if number is None:
            m = next((_FETCH_DEFAULT.search(c) for c in loaded.erb_codes(value)), None)
            number = int(m.group(2) or m.group(3)) if m else None
            env = f" (${m.group(1)})" if m else ""
        else:
            env = ""
        if number is not None:
            parts.append(f"concurrency {number}{env}")
        break
    for scope in (production[1] if production else None, data):
        found = get(scope, "queues")
        if found is None or not isinstance(found[1], list):
            continue
        first_line = first_line or key_line(scope, found[0])
        queues = []
        for q in found[1]:
            if isinstance(q, list) and len(q) == 2:
                queues.append(f"{q[0]} (weight {q[1]})")
            elif isinstance(q, str):
                queues.append(q)
        if queues:
            parts.append("queues " + ", ".join(queues))
        break
    return "sidekiq: " + ("; ".join(parts) if parts else "its config file's defaults"), first_line


def _resque(repo: RepoView, found: _Bundle) -> Iterator[_Worker | Item]:
    gem = _gem(found, NAME, "resque")
    if gem is None:
        return
    tasks = _grep(repo, re.compile(r"""require\s*\(?\s*["']resque/tasks["']"""), ("lib/", "Rakefile"))
    if tasks is None:
        yield base.warning(gem, "gem resque without a rake file that loads resque/tasks: no worker proposed "
                                "(rake resque:work would not exist)")
        return
    yield _Worker("resque", "bundle exec rake resque:work QUEUE=*", Src(NAME, *tasks), H,
                  "resque worker of every queue (QUEUE=*): narrow it to the queues the old hosts ran")


def _delayed_job(repo: RepoView, found: _Bundle) -> Iterator[_Worker | Item]:
    gem = _gem(found, NAME, "delayed_job_active_record", "delayed_job_mongoid", "delayed_job")
    if gem is not None:
        yield _Worker("delayed_job", "bundle exec rake jobs:work", gem, H, "Delayed Job worker")


def _good_job(repo: RepoView, found: _Bundle) -> Iterator[_Worker | Item]:
    gem = _gem(found, NAME, "good_job")
    if gem is None:
        return
    for rel in ("config/environments/production.rb", "config/application.rb", "config/initializers/good_job.rb"):
        for number, line in enumerate(repo.lines(rel) if repo.exists(rel) else [], 1):
            m = _GOOD_JOB_MODE.search(line)
            mode = (m.group(1) or m.group(2)) if m and not line.lstrip().startswith("#") else None
            if mode in ("async", "inline"):
                yield base.warning(Src(NAME, rel, number), f"GoodJob runs jobs in-process (execution_mode :{mode}): "
                                                           "the web pods run them, no worker Deployment; every web "
                                                           "replica is also a job runner")
                return
    yield _Worker("good_job", "bundle exec good_job start", gem, H, "GoodJob worker (external execution mode)")


def _solid_queue(repo: RepoView, found: _Bundle) -> Iterator[_Worker | Item]:
    gem = _gem(found, NAME, "solid_queue")
    if gem is None:
        return
    config = next((r for r in ("config/queue.yml", "config/solid_queue.yml") if repo.exists(r)), None)
    puma = _grep(repo, re.compile(r"plugin\s*\(?\s*:solid_queue"), ("config/puma",))
    if puma is not None:
        yield base.warning(Src(NAME, *puma), "Solid Queue runs inside Puma (plugin :solid_queue): the web pods run "
                                             "the jobs; no worker Deployment")
        return
    command = "bin/jobs" if repo.exists("bin/jobs") else "bundle exec rake solid_queue:start"
    src = Src(NAME, config, 1) if config else gem
    yield _Worker("solid_queue", command, src, I if config else H, "Solid Queue supervisor (workers and dispatchers)")
