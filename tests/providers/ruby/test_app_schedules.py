"""Tests for analyzers/providers/ruby/app_schedules.py (ruby_schedules) and whenever_time.py: whenever's
schedule.rb as CronJobs, in-process schedulers reported."""

from __future__ import annotations

import pytest

from analyzers.lib.rb import RbList, RubyFile
from analyzers.providers.ruby import app_schedules, whenever_time
from migrator.model import Confidence, Kind

S, P = Kind.SCHEDULE, Kind.PROCESS
D, I = Confidence.DECLARED, Confidence.INFERRED  # noqa: E741

RAILS = {"Gemfile": "gem 'whenever', require: false\n", "bin/rails": "#!/usr/bin/env ruby\n",
         "config/application.rb": "module Shop; class Application < Rails::Application; end; end\n"}


def _every(time: str, at: str | None = None, hours24: bool = False) -> list[str]:
    parsed = RubyFile.parse(f"every {time}" + (f", at: {at}" if at else "") + " do\nend\n")
    assert parsed is not None
    [call] = list(parsed.top_calls())
    out = []
    for t in whenever_time.times(parsed, call.args[0]):
        out += whenever_time.crons(t, parsed.kwarg(call, "at"), hours24)
    return [whenever_time.macro(c) for c in whenever_time.combine(out)]


@pytest.mark.parametrize(("time", "at", "cron"), [
    ("1.day", "'4:30 am'", ["30 4 * * *"]),
    (":day", "'4:30 am'", ["30 4 * * *"]),
    (":hour", None, ["0 * * * *"]),
    (":hourly", None, ["0 * * * *"]),
    ("10.minutes", None, ["*/10 * * * *"]),
    ("7.minutes", None, ["7,14,21,28,35,42,49,56 * * * *"]),  # whenever's own list, not */7
    ("45.minutes", None, ["45 * * * *"]),  # whenever's quirk: more than half an hour is one minute mark
    ("2.hours", None, ["0 */2 * * *"]),
    ("3.hours", "15", ["15 */3 * * *"]),
    ("1.week", None, ["0 0 1,8,15,22 * *"]),
    ("2.days", "'1:30 am'", ["30 1 */2 * *"]),
    ("1.month", None, ["0 0 1 * *"]),
    ("1.month", "'5:15 pm'", ["15 17 1 * *"]),
    ("1.year", None, ["0 0 1 1 *"]),
    (":sunday", "'12pm'", ["0 12 * * 0"]),
    (":weekday", None, ["0 0 * * 1-5"]),
    ("'weekend'", "'noon'", ["0 12 * * 6,0"]),
    ("'0 3 * * *'", None, ["0 3 * * *"]),
    ("[:monday, :friday]", "'6am'", ["0 6 * * 1,5"]),
    ("1.day", "['1am', '1pm']", ["0 1,13 * * *"]),
    ("1.day", "['4:30 am', '6:15 pm']", ["30 4 * * *", "15 18 * * *"]),
    ("1.day", "'3:00'", ["0 15 * * *"]),  # Chronic: an hour without am/pm is between 6am and 6pm
    ("86400", "'midnight'", ["0 0 * * *"]),
])
def test_whenever_times_as_whenever_writes_them(time, at, cron):
    assert _every(time, at) == cron


def test_hours24_reads_the_hour_as_written():
    assert _every("1.day", "'3:00'", hours24=True) == ["0 3 * * *"]


@pytest.mark.parametrize("time", ["30.seconds", "foo", "'fortnightly'", "2.years"])
def test_times_whenever_refuses(time):
    with pytest.raises(whenever_time.Unsupported):
        _every(time)


def test_at_with_a_macro_is_refused_as_whenever_does():
    with pytest.raises(whenever_time.Unsupported):
        _every(":daily", "'4am'")
    assert whenever_time.ats(RbList(("1am",)), False) == [whenever_time.Clock(1, 0)]


SCHEDULE = """\
    # Learn more: http://github.com/javan/whenever
    set :output, "/var/www/shop/shared/log/cron.log"
    set :environment, "staging"
    env :PATH, ENV["PATH"]
    env "MAILTO", "ops@example.com"
    job_type :awesome, '/usr/local/bin/awesome :task :fun_level'

    every 1.day, at: "4:30 am" do
      rake "shop:purge_abandoned_carts"
    end

    every :hour do
      runner "InventorySync.perform_now"
    end

    every 10.minutes do
      command "curl -fsS -u admin:Zq8xN3vR7pLw2mKd https://shop.example/ping"
      awesome "party", fun_level: "extreme"
    end

    every :sunday, :at => '2am' do
      rake "sitemap:refresh"
    end

    every :reboot do
      command "cd /var/www/shop/current && bin/delayed_job start"
    end

    every 1.day, at: ['4:30 am', '6:15 pm'] do
      rake "reports:mail"
    end

    every 30.seconds do
      rake "too:often"
    end

    # every 1.day, at: "3:00 am" do
    #   rake "db:backup"
    # end
    """


def test_schedule_rb_jobs_are_cronjobs(run_analyzer):
    r = run_analyzer(app_schedules, {**RAILS, "config/schedule.rb": SCHEDULE})
    got = [(s.key, s.fields["schedule"], s.fields["command"], s.source.line, s.source.confidence) for s in r.of(S)]
    assert [g[:2] + g[3:] for g in got] == [
        ("shop-purge-abandoned-carts", "30 4 * * *", 9, D),
        ("inventory-sync-perform-now", "0 * * * *", 13, D),
        (got[2][0], "*/10 * * * *", 17, D),
        ("awesome", "*/10 * * * *", 18, D),
        ("sitemap-refresh", "0 2 * * 0", 22, D),
        ("reports-mail", "30 4 * * *", 30, D),
        ("reports-mail-2", "15 18 * * *", 30, D),
    ]
    commands = {key: command for key, _, command, _, _ in got}
    # whenever's job templates, without their host parts (cd :path &&, RAILS_ENV=, :output)
    assert commands["shop-purge-abandoned-carts"] == "bundle exec rake shop:purge_abandoned_carts --silent"
    assert commands["inventory-sync-perform-now"] == "bin/rails runner 'InventorySync.perform_now'"
    assert commands["awesome"] == "/usr/local/bin/awesome party extreme"
    assert "Zq8xN3vR7pLw2mKd" not in repr(r.items)  # the password in the curl job is lifted, never copied
    assert [(s.file, s.line) for s in r.secrets] == [("config/schedule.rb", 17)]
    assert {s.fields["log"] for s in r.of(S)} == {"/var/www/shop/shared/log/cron.log"}
    warnings = {w.line: w.message for w in r.warnings}
    assert "RAILS_ENV=staging" in warnings[3]
    assert ":reboot" in warnings[25] and "no CronJob" in warnings[25]
    assert "minutes or more" in warnings[33]
    # PATH and MAILTO configure cron on the old host, not the app; the curl password becomes a Secret key
    assert [(e.key, e.fields["secret"]) for e in r.of(Kind.ENV)] == [("CURL_PASSWORD", True)]
    assert "${CURL_PASSWORD}" in next(c for k, c in commands.items() if "curl" in c)


def test_old_rails_runner_and_no_bundler(run_analyzer):
    r = run_analyzer(app_schedules, {
        "script/runner": "#!/usr/bin/env ruby\n",
        "config/schedule.rb": "every 2.hours do\n  runner 'Feed.refresh'\n  rake 'x'\nend\n",
    })
    assert [s.fields["command"] for s in r.of(S)] == ["script/runner 'Feed.refresh'", "rake x --silent"]


def test_garbage_schedule_rb_is_warnings_not_a_crash(run_analyzer):
    garbage = "every every every 1.day do do do\n" + "[" * 10000 + "\n\x00\xff end end\nevery(:hour) { rake }\n"
    r = run_analyzer(app_schedules, {**RAILS, "config/schedule.rb": garbage,
                                     "config/schedule.yml": "a: [\n"})
    assert r.of(S) == []
    assert any(w.file == "config/schedule.rb" for w in r.warnings)
    assert any(w.file == "config/schedule.yml" and "not valid YAML" in w.message for w in r.warnings)


def test_sidekiq_cron_and_sidekiq_scheduler_are_reported_not_cronjobs(run_analyzer):
    r = run_analyzer(app_schedules, {
        "config/schedule.yml": """\
            nightly_digest:
              cron: "0 6 * * *"
              class: "DigestJob"
              queue: mailers
            <% if ENV["BILLING"] %>
            billing_sync:
              cron: "*/15 * * * *"
              class: "BillingSyncJob"
            <% end %>
            """,
        "config/sidekiq.yml": """\
            :concurrency: 5
            :scheduler:
              :schedule:
                refresh_rates:
                  every: '5m'
                  class: RatesJob
                weekly_report:
                  cron: '0 7 * * 1'
                  class: WeeklyReportJob
            """,
    })
    assert r.of(S) == []
    lines = {(w.file, w.line): w.message for w in r.warnings}
    assert "sidekiq-cron job nightly_digest" in lines[("config/schedule.yml", 1)]
    assert "sidekiq-cron job billing_sync" in lines[("config/schedule.yml", 6)]
    assert "once per Sidekiq process" in lines[("config/sidekiq.yml", 4)]
    assert "runs inside Sidekiq, not a CronJob" in lines[("config/sidekiq.yml", 7)]


def test_clockwork_is_a_singleton_clock_process(run_analyzer):
    r = run_analyzer(app_schedules, {"clock.rb": """\
        require 'clockwork'
        require './config/boot'
        require './config/environment'

        module Clockwork
          handler { |job| Rails.logger.info("running #{job}") }
          every(10.minutes, 'feeds.refresh') { FeedRefreshJob.perform_later }
          every(1.day, 'reports.nightly', at: '04:30') { NightlyReportJob.perform_later }
        end
        """})
    clock = r.of(P, "clock")
    assert clock[0].fields["command"] == "bundle exec clockwork clock.rb"
    assert (clock[0].fields["role"], clock[0].fields["replicas"], clock[0].source.line) == ("scheduler", 1, 7)
    assert "singleton" in clock[0].fields
    assert [(w.line, "feeds.refresh" in w.message or "04:30" in w.message) for w in r.warnings] == [
        (7, True), (8, True)]


def test_hand_written_commands_lose_their_host_parts(run_analyzer):
    r = run_analyzer(app_schedules, {**RAILS, "config/schedule.rb": """\
        every 10.minutes do
          command "cd /var/www/shop/current && bin/rails runner 'Order.expire_pending!' >> log/expire.log 2>&1"
        end
        """})
    [job] = r.of(S)
    assert (job.key, job.fields["command"], job.fields["log"]) == (
        "order-expire-pending", "bin/rails runner 'Order.expire_pending!'", "log/expire.log")


def test_sidekiq_cron_file_an_initializer_loads(run_analyzer):
    r = run_analyzer(app_schedules, {
        "config/initializers/sidekiq.rb": """\
            Sidekiq.configure_server do |config|
              schedule_file = "config/sidekiq_cron.yml"
              Sidekiq::Cron::Job.load_from_hash YAML.load_file(Rails.root.join("config/sidekiq_cron.yml"))
            end
            """,
        "config/sidekiq_cron.yml": "purge:\n  cron: '0 4 * * *'\n  class: PurgeJob\n",
    })
    assert [(w.file, w.line) for w in r.warnings if "sidekiq-cron job purge" in w.message] == [
        ("config/sidekiq_cron.yml", 1)]


def test_schedule_yml_of_sidekiq_scheduler(run_analyzer):
    r = run_analyzer(app_schedules, {"Gemfile": 'gem "sidekiq"\ngem "sidekiq-scheduler"\n',
                                     "config/schedule.yml": "ping:\n  every: '1m'\n  class: PingJob\n"})
    assert [(w.line, "once per Sidekiq process" in w.message) for w in r.warnings] == [(1, True)]
