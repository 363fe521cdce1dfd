"""Tests for analyzers/providers/ruby/app_workers.py (ruby_workers): job workers from gems and configs."""

from __future__ import annotations

from analyzers.providers.ruby import app_workers
from migrator.model import Confidence, Kind

P = Kind.PROCESS
I, H = Confidence.INFERRED, Confidence.HEURISTIC  # noqa: E741


def gemfile(*gems: str) -> str:
    return 'source "https://rubygems.org"\n' + "".join(f'gem "{g}"\n' for g in gems)


SIDEKIQ_YML = """\
    # Sidekiq 6.5 (capistrano-sidekiq starts one process per worker host with this file)
    :concurrency: <%= ENV.fetch("SIDEKIQ_CONCURRENCY", 10) %>
    :timeout: 25
    :queues:
      - [critical, 6]
      - [default, 3]
      - mailers

    production:
      :concurrency: 20
    """


def test_sidekiq_with_config_is_an_inferred_worker(run_analyzer):
    r = run_analyzer(app_workers, {"Gemfile": gemfile("rails", "sidekiq"), "config/sidekiq.yml": SIDEKIQ_YML})
    [worker] = [p for p in r.of(P) if "command" in p.fields]
    assert worker.key == "worker"
    assert (worker.fields["command"], worker.fields["role"], worker.source.confidence) == (
        "bundle exec sidekiq -C config/sidekiq.yml", "worker", I)
    assert worker.fields["note"] == "sidekiq: concurrency 20; queues critical (weight 6), default (weight 3), mailers"
    assert (worker.source.file, worker.source.line) == ("config/sidekiq.yml", 10)


def test_sidekiq_concurrency_from_erb_default(run_analyzer):
    r = run_analyzer(app_workers, {"Gemfile": gemfile("sidekiq"), "config/sidekiq.yml": """\
        :concurrency: <%= ENV.fetch("SIDEKIQ_CONCURRENCY") { 7 } %>
        :queues: [default]
        """})
    assert r.one(P, "worker").fields["note"] == "sidekiq: concurrency 7 ($SIDEKIQ_CONCURRENCY); queues default"


def test_sidekiq_without_config_or_jobs_is_no_worker(run_analyzer):
    r = run_analyzer(app_workers, {"Gemfile": gemfile("sidekiq"), "lib/x.rb": "puts 1\n"})
    assert r.of(P) == []


def test_sidekiq_without_config_with_jobs_in_the_code(run_analyzer):
    r = run_analyzer(app_workers, {"Gemfile": gemfile("sidekiq"),
                                   "app/workers/hard_worker.rb": "class HardWorker\n  include Sidekiq::Worker\nend\n"})
    [worker] = r.of(P)
    assert (worker.fields["command"], worker.source.confidence, worker.source.line) == (
        "bundle exec sidekiq", H, 2)


def test_several_kinds_of_worker_are_named_for_their_library(run_analyzer):
    r = run_analyzer(app_workers, {
        "Gemfile": gemfile("resque", "delayed_job_active_record"),
        "lib/tasks/resque.rake": "require 'resque/tasks'\ntask 'resque:setup' => :environment\n",
    })
    got = {p.key: p.fields["command"] for p in r.of(P)}
    assert got == {"resque": "bundle exec rake resque:work QUEUE=*", "delayed_job": "bundle exec rake jobs:work"}


def test_resque_without_its_tasks_is_a_warning(run_analyzer):
    r = run_analyzer(app_workers, {"Gemfile": gemfile("resque")})
    assert r.of(P) == [] and any("resque/tasks" in w.message for w in r.warnings)


def test_good_job_async_runs_in_the_web_process(run_analyzer):
    r = run_analyzer(app_workers, {"Gemfile": gemfile("good_job"), "config/application.rb": """\
        module App
          class Application < Rails::Application
            config.good_job.execution_mode = :async
          end
        end
        """})
    assert r.of(P) == []
    assert [(w.file, w.line) for w in r.warnings if "in-process" in w.message] == [("config/application.rb", 3)]


def test_good_job_external_and_solid_queue(run_analyzer):
    r = run_analyzer(app_workers, {"Gemfile": gemfile("good_job", "solid_queue"), "bin/jobs": "#!/usr/bin/env ruby\n",
                                   "config/queue.yml": "default: &default\n  workers:\n    - queues: '*'\n"})
    got = {p.key: (p.fields["command"], p.source.confidence) for p in r.of(P)}
    assert got == {"good_job": ("bundle exec good_job start", H), "solid_queue": ("bin/jobs", I)}


def test_solid_queue_in_puma(run_analyzer):
    r = run_analyzer(app_workers, {"Gemfile": gemfile("solid_queue"), "config/queue.yml": "default: {}\n",
                                   "config/puma.rb": 'plugin :solid_queue if ENV["SOLID_QUEUE_IN_PUMA"]\n'})
    assert r.of(P) == [] and [w.file for w in r.warnings] == ["config/puma.rb"]


def test_sidekiq_shutdown_timeout_is_the_stop_timeout(run_analyzer):
    r = run_analyzer(app_workers, {"Gemfile": gemfile("sidekiq"), "config/sidekiq.yml": SIDEKIQ_YML})
    assert [(f.source.line, f.fields["stop_timeout"]) for f in r.of(P, "worker") if "stop_timeout" in f.fields] == [
        (3, 25)]
