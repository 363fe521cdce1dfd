"""Crontabs -> schedules, env and secrets (analyzers/deploy/cron.py)."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import cron
from migrator.model import Kind


def test_cron_d_format_with_user_column(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "deploy/cron.d/reports": """\
            # m h dom mon dow user command
            PATH=/usr/local/bin:/usr/bin:/bin
            0 3 * * * reports cd /srv/r && /srv/r/venv/bin/flask --app reports.web purge >> /var/log/r/purge.log 2>&1
            """,
    })
    job = result.one(Kind.SCHEDULE, "purge")
    assert dict(job.fields) == {
        "schedule": "0 3 * * *",
        "command": "flask --app reports.web purge",
        "user": "reports",
        "log": "/var/log/r/purge.log",
    }
    assert (job.source.file, job.source.line) == ("deploy/cron.d/reports", 3)
    assert result.of(Kind.ENV) == []  # PATH configures cron, not the app
    assert result.warnings == []


def test_user_crontab_has_no_user_column(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "crontab": """\
            # nightly jobs
            30 2 * * * cd /srv/app && /srv/app/venv/bin/python manage.py clearsessions
            */15 * * * * /srv/app/venv/bin/python manage.py send_reminders > /dev/null 2>&1
            """,
    })
    assert result.keys(Kind.SCHEDULE) == ["clearsessions", "send_reminders"]
    clear = result.one(Kind.SCHEDULE, "clearsessions")
    assert clear.fields["schedule"] == "30 2 * * *"
    assert clear.fields["command"] == "python manage.py clearsessions"
    assert "user" not in clear.fields
    assert clear.source.line == 2
    remind = result.one(Kind.SCHEDULE, "send_reminders")
    assert remind.source.line == 3
    assert "log" not in remind.fields  # /dev/null is not a log


def test_user_column_guessed_when_location_says_nothing(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "deploy/cron/inventory": "*/15 * * * * inventory cd /srv/inv && venv/bin/python manage.py send_reminders\n",
        "ops/app.cron": "0 1 * * * root /usr/local/bin/backup.sh\n5 1 * * * python3 /srv/app/report.py\n",
    })
    assert result.field(Kind.SCHEDULE, "send_reminders", "user") == "inventory"
    assert result.field(Kind.SCHEDULE, "send_reminders", "command") == "python manage.py send_reminders"
    assert result.field(Kind.SCHEDULE, "backup", "user") == "root"
    report = result.one(Kind.SCHEDULE, "report")
    assert "user" not in report.fields
    assert report.fields["command"] == "python /srv/app/report.py"
    assert (report.source.file, report.source.line) == ("ops/app.cron", 2)


def test_macros_and_reboot(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "crontab.txt": """\
            @daily python manage.py clearsessions
            @hourly python manage.py a
            @weekly python manage.py b
            @monthly python manage.py c
            @yearly python manage.py d
            @annually python manage.py e
            @midnight python manage.py f
            @reboot /srv/app/start.sh
            @fortnightly python manage.py g
            """,
    })
    expected = {"clearsessions": "0 0 * * *", "a": "0 * * * *", "b": "0 0 * * 0", "c": "0 0 1 * *",
                "d": "0 0 1 1 *", "e": "0 0 1 1 *", "f": "0 0 * * *"}
    assert {k: result.field(Kind.SCHEDULE, k, "schedule") for k in expected} == expected
    assert set(result.keys(Kind.SCHEDULE)) == set(expected)
    lines = {w.line: w.message for w in result.warnings}
    assert "@reboot" in lines[8]
    assert "unknown cron macro" in lines[9]


def test_garbage_lines_warn_and_the_rest_goes_on(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "etc/cron.d/app": """\
            this is not a cron line
            61
            * * * * *
            0 4 * * * app python manage.py nightly
            x y z w v app cmd
            """,
    })
    assert [w.line for w in result.warnings] == [1, 2, 3, 5]
    assert all(w.file == "etc/cron.d/app" for w in result.warnings)
    assert result.keys(Kind.SCHEDULE) == ["nightly"]
    assert result.one(Kind.SCHEDULE, "nightly").source.line == 4


def test_percent_and_escaped_percent(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "crontab": """\
            0 0 * * * /usr/local/bin/rotate.sh --stamp $(date +\\%Y\\%m\\%d)
            0 1 * * * mail -s hi ops%line one%line two
            """,
    })
    rotate = result.one(Kind.SCHEDULE, "rotate")
    assert "%Y%m%d" in rotate.fields["command"]
    assert result.field(Kind.SCHEDULE, "mail", "command") == "mail -s hi ops"
    assert [(w.line, "stdin" in w.message) for w in result.warnings] == [(2, True)]


def test_env_lines_and_secrets_never_leak(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "crontab": """\
            MAILTO=ops@example.com
            SHELL=/bin/bash
            CRON_TZ=Europe/Berlin
            DJANGO_SETTINGS_MODULE=app.settings
            FOO = bar
            DB_PASSWORD=Sup3r-Secret-Cron-Pw
            API_TOKEN="${API_TOKEN}"
            0 5 * * * python manage.py report
            """,
    })
    assert result.keys(Kind.ENV) == ["API_TOKEN", "DB_PASSWORD", "DJANGO_SETTINGS_MODULE", "FOO"]
    assert result.field(Kind.ENV, "FOO", "default") == "bar"
    assert result.field(Kind.ENV, "DJANGO_SETTINGS_MODULE", "default") == "app.settings"
    assert result.field(Kind.ENV, "DB_PASSWORD", "secret") is True
    assert "default" not in result.one(Kind.ENV, "DB_PASSWORD").fields
    assert [(s.name, s.line, s.kind) for s in result.secrets] == [("DB_PASSWORD", 6, "password")]
    assert result.field(Kind.SCHEDULE, "report", "timezone") == "Europe/Berlin"
    assert "Sup3r-Secret-Cron-Pw" not in repr(result.items)


def test_names_are_deduplicated_and_wrappers_stripped(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "crontab": """\
            0 1 * * * python manage.py clearsessions
            0 2 * * * python manage.py clearsessions --verbosity 2
            0 3 * * * source /srv/app/venv/bin/activate && flock -n /tmp/x.lock python scripts/backup.py
            0 4 * * * pg_dump app | gzip > /backups/app.gz
            0 5 * * * curl -fsS "http://localhost:8000/cron/ping/?key=1" >/dev/null 2>&1
            """,
    })
    assert result.keys(Kind.SCHEDULE) == ["backup", "clearsessions", "clearsessions-2", "pg_dump", "ping"]
    assert result.one(Kind.SCHEDULE, "clearsessions-2").source.line == 2
    assert result.field(Kind.SCHEDULE, "backup", "command") == "python scripts/backup.py"
    assert result.field(Kind.SCHEDULE, "pg_dump", "command") == "sh -c 'pg_dump app | gzip > /backups/app.gz'"
    assert result.field(Kind.SCHEDULE, "ping", "command") == "curl -fsS 'http://localhost:8000/cron/ping/?key=1'"


def test_templates_and_unrelated_files(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "deploy/templates/app.crontab.j2": """\
            {% if cron_enabled %}
            0 6 * * * {{ venv }}/bin/python manage.py digest
            {% endif %}
            """,
        "README.md": "0 6 * * * not a crontab\n",
        "deploy/cron.d/README.md": "# what these jobs do\nnot cron\n",
    })
    assert result.keys(Kind.SCHEDULE) == ["digest"]
    assert result.one(Kind.SCHEDULE, "digest").source.line == 2
    assert result.warnings == []


def test_no_crontab_means_nothing(run_analyzer: Any) -> None:
    assert run_analyzer(cron, {"app.py": "print(1)\n"}).items == []


def test_credential_url_value_makes_the_variable_secret(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {"crontab": "DATABASE_URL=postgres://app:Sup3r-Secret-Url-Pw@db/app\n"})
    assert [(s.name, s.line, s.kind) for s in result.secrets] == [("DATABASE_URL", 1, "credential_url")]
    assert result.field(Kind.ENV, "DATABASE_URL", "secret") is True
    assert "Sup3r-Secret-Url-Pw" not in repr(result.items)


def test_cd_target_makes_paths_relative(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {"crontab": "0 1 * * * cd /srv/app && /srv/app/venv/bin/python /srv/app/bin/job.py\n"})
    assert result.field(Kind.SCHEDULE, "job", "command") == "python bin/job.py"


def test_secrets_on_job_command_lines(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "crontab": "0 2 * * * PGPASSWORD=Sup3r-Secret-Pg-Pw pg_dump -h db app | gzip > /b/app.gz\n"
                   "0 3 * * * /usr/bin/mysqldump -u root -pSup3r-Secret-My-Pw app > /b/my.sql\n",
    })
    assert sorted((s.name, s.line) for s in result.secrets) == [("PGPASSWORD", 1), ("mysqldump -p", 2)]
    assert "Sup3r-Secret" not in repr(result.findings + result.warnings + result.secrets)


def test_invalid_schedules_warn_with_file_and_line_and_make_no_job(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "crontab": """\
            # stale entries nobody dared to delete
            99 99 99 99 99 /srv/app/bin/never.sh
            */0 * * * * /srv/app/bin/step0.sh
            60 24 32 13 8 /srv/app/bin/overflow.sh
            0 3 * * xyz /srv/app/bin/baddow.sh
            0 0 30 2 * /srv/app/bin/feb30.sh
            15 4 * * mon-fri /srv/app/bin/weekdays.sh
            """,
    })
    assert result.keys(Kind.SCHEDULE) == ["weekdays"]
    assert result.field(Kind.SCHEDULE, "weekdays", "schedule") == "15 4 * * mon-fri"
    warnings = {w.line: w.message for w in result.warnings}
    assert sorted(warnings) == [2, 3, 4, 5, 6]
    assert all(w.file == "crontab" for w in result.warnings)
    assert "minute 99 is out of range 0-59" in warnings[2]
    assert "step 0" in warnings[3]
    assert "'60 24 32 13 8'" in warnings[4] and "minute 60" in warnings[4]
    assert "'xyz' is not a valid day of week" in warnings[5]
    assert "never occurs" in warnings[6]
    assert all("no CronJob made" in m for m in warnings.values())


def test_six_fields_with_seconds_vs_a_user_column(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        # node-cron style seconds in a user crontab; a seconds-precise job cannot be a CronJob
        "ops/node.cron": """\
            0 */5 * * * * /six/field/sync.sh
            30 0 3 * * * /six/field/nightly.sh
            */10 * * * * * /six/field/poll.sh
            0 3 * * * /five/field/report.sh
            """,
        # system format: the sixth field is the user, even when the seconds form is used as well
        "etc/cron.d/app": """\
            0 3 * * * www-data /srv/app/bin/cleanup.sh
            0 0 4 * * * root /srv/app/bin/backup.sh
            """,
    })
    assert result.field(Kind.SCHEDULE, "sync", "schedule") == "*/5 * * * *"
    assert result.field(Kind.SCHEDULE, "nightly", "schedule") == "0 3 * * *"
    assert result.one(Kind.SCHEDULE, "nightly").source.line == 2
    assert result.field(Kind.SCHEDULE, "report", "schedule") == "0 3 * * *"
    assert result.field(Kind.SCHEDULE, "cleanup", "user") == "www-data"
    assert result.field(Kind.SCHEDULE, "backup", "schedule") == "0 4 * * *"
    assert result.field(Kind.SCHEDULE, "backup", "user") == "root"
    assert "poll" not in result.keys(Kind.SCHEDULE)
    commands = [f.fields["command"] for f in result.of(Kind.SCHEDULE)]
    assert not any(str(c).lstrip("'\"").startswith(("*", "0 ")) for c in commands), commands
    warnings = {(w.file, w.line): w.message for w in result.warnings}
    assert "second 30" in warnings[("ops/node.cron", 2)]
    assert "several times a minute" in warnings[("ops/node.cron", 3)]
    assert set(warnings) == {("ops/node.cron", 2), ("ops/node.cron", 3)}


def test_quartz_lines_and_sunday_as_seven(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "deploy/cron/quartz.crontab": """\
            0 15 10 ? * 2-6 /srv/app/bin/weekday_report.sh
            0 0 12 * * ? 2031 /srv/app/bin/once.sh
            0 0 6 * * 7 /srv/app/bin/sunday.sh
            """,
        "crontab": "0 5 * * 5-7 /srv/app/bin/weekend.sh\n",
    })
    assert result.field(Kind.SCHEDULE, "weekday_report", "schedule") == "15 10 * * 1-5"  # Quartz: 1 = Sunday
    assert result.field(Kind.SCHEDULE, "sunday", "schedule") == "0 6 * * 0"
    assert result.field(Kind.SCHEDULE, "weekend", "schedule") == "0 5 * * 0,5-6"
    assert "once" not in result.keys(Kind.SCHEDULE)
    assert [(w.line, "year field" in w.message) for w in result.warnings] == [(2, True)]


def test_php_and_other_three_letter_commands_are_not_time_fields(run_analyzer: Any) -> None:
    result = run_analyzer(cron, {
        "crontab": "* * * * * php /srv/app/artisan schedule:run\n0 3 * * mon env APP_ENV=prod /srv/app/job.sh\n",
    })
    assert result.field(Kind.SCHEDULE, "schedule-run", "schedule") == "* * * * *"
    assert result.field(Kind.SCHEDULE, "job", "schedule") == "0 3 * * mon"
    assert result.warnings == []


def test_a_macro_mixed_with_time_fields_is_a_warning_not_a_job(run_analyzer: Any) -> None:
    # found by tests/properties: "@daily *-*-99 ..." became a CronJob whose command started with "*"
    res = run_analyzer(cron, {"crontab": "@daily * * * * /srv/app/bin/cleanup\n@hourly /srv/app/bin/ping\n"})
    assert [s.fields["command"] for s in res.of(Kind.SCHEDULE)] == ["/srv/app/bin/ping"]
    assert [(w.file, w.line) for w in res.warnings if "macro replaces" in w.message] == [("crontab", 1)]


def test_a_time_field_after_the_user_column_is_a_warning_not_a_job(run_analyzer: Any) -> None:
    # found by tests/properties: a system-format file ("# m h dom mon dow user command") whose user is
    # followed by one more time field; cron would glob a program named "*-*-..." in the user's home
    text = ("# m h dom mon dow user command\n@daily deploy *-*-01 /srv/app/bin/rotate\n"
            "0 3 * * * www-data * /srv/app/bin/sweep\n@hourly deploy LANG=C.UTF-8 */2 /srv/app/bin/x\n"
            "15 * * * * www-data /srv/app/bin/ping\n")
    res = run_analyzer(cron, {"etc/cron.d/app": text})
    assert [s.fields["command"] for s in res.of(Kind.SCHEDULE)] == ["/srv/app/bin/ping"]
    assert [w.line for w in res.warnings if "a time field, not a program" in w.message] == [2, 3, 4]
