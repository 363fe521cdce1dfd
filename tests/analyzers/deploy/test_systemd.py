"""systemd units -> processes, schedules, steps, env (analyzers/deploy/systemd.py)."""

from __future__ import annotations

from typing import Any

import pytest

from analyzers.deploy import systemd
from migrator.model import Kind

WEB = """\
[Unit]
Description=Inventory web (gunicorn)
After=network.target

[Service]
Type=notify
User=inventory
Group=inventory
WorkingDirectory=/srv/inventory
Environment=DJANGO_SETTINGS_MODULE=inventory.settings
EnvironmentFile=-/srv/inventory/.env
ExecStartPre=/srv/inventory/venv/bin/python manage.py migrate --noinput
ExecStart=/srv/inventory/venv/bin/gunicorn inventory.wsgi:application \\
    --bind 127.0.0.1:8081 \\
    --workers 3 --timeout 60
ExecReload=/bin/kill -s HUP $MAINPID
Restart=on-failure
MemoryMax=512M
CPUQuota=150%
LimitNOFILE=65536
TimeoutStopSec=1min 30s
NoSuchKey=whatever

[Install]
WantedBy=multi-user.target

[X-Vendor]
Anything=goes
"""


def test_service_process_with_limits_and_lines(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {"deploy/systemd/inventory-web.service": WEB})
    assert result.keys(Kind.PROCESS) == ["web"]
    lines = {name: {f.source.line for f in result.of(Kind.PROCESS, "web") if name in f.fields}
             for name in ("command", "role", "user", "group", "working_dir", "restart", "memory_limit",
                          "cpu_limit", "nofile", "stop_timeout", "port", "workers")}
    assert lines == {"command": {13}, "role": {13}, "user": {7}, "group": {8}, "working_dir": {9},
                     "restart": {17}, "memory_limit": {18}, "cpu_limit": {19}, "nofile": {20},
                     "stop_timeout": {21}, "port": {13}, "workers": {13}}
    value = lambda name: result.field(Kind.PROCESS, "web", name)  # noqa: E731
    assert value("command") == ("gunicorn inventory.wsgi:application --bind 127.0.0.1:8081 --workers 3 --timeout 60")
    assert (value("role"), value("port"), value("workers"), value("timeout")) == ("web", 8081, 3, 60)
    assert (value("legacy_name"), value("app_server"), value("user")) == ("inventory-web.service", "gunicorn",
                                                                           "inventory")
    assert (value("memory_limit"), value("cpu_limit"), value("nofile"), value("stop_timeout")) == (
        "512Mi", "1500m", 65536, 90)
    step = result.one(Kind.RELEASE_STEP)
    assert (step.key, step.source.line) == ("python manage.py migrate --noinput", 12)
    assert result.one(Kind.HOST_STEP).source.line == 16  # ExecReload kill -HUP
    env = result.one(Kind.ENV, "DJANGO_SETTINGS_MODULE")
    assert (env.fields["default"], env.source.line) == ("inventory.settings", 10)
    assert [(w.line, "not in the repository" in w.message) for w in result.warnings] == [(11, True)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512M", "512Mi"), ("1G", "1Gi"), ("1.5G", "1536Mi"), ("2048K", "2Mi"), ("536870912", "512Mi"),
     ("1000", "1000"), ("infinity", None), ("50%", None), ("lots", None)],
)
def test_memory_quantity(text: str, expected: str | None) -> None:
    assert systemd.memory_quantity(text)[0] == expected


@pytest.mark.parametrize(("text", "expected"), [("150%", "1500m"), ("50%", "500m"), ("12.5%", "125m"), ("2", None)])
def test_cpu_quantity(text: str, expected: str | None) -> None:
    assert systemd.cpu_quantity(text)[0] == expected


def test_memory_warnings_and_infinity(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "a.service": "[Service]\nExecStart=/opt/app/bin/serve-things\nMemoryLimit=infinity\nCPUQuota=lots\n",
        "b.service": "[Service]\nExecStart=/usr/bin/node worker.js\nMemoryMax=40%\nTimeoutStopSec=forever\n",
    })
    assert result.keys(Kind.PROCESS) == ["a", "b"]
    assert "memory_limit" not in {k for f in result.findings for k in f.fields}
    assert sorted((w.file, w.line) for w in result.warnings) == [("a.service", 4), ("b.service", 3), ("b.service", 4)]
    # unknown commands: a long-running worker, heuristically; the key is the unit name
    role = [f for f in result.of(Kind.PROCESS, "a") if "role" in f.fields][0]
    assert (role.fields["role"], role.source.confidence.label) == ("worker", "heuristic")
    # a node script named as a worker: the node provider says so, inferred
    role = [f for f in result.of(Kind.PROCESS, "b") if "role" in f.fields][0]
    assert (role.fields["role"], role.source.confidence.label) == ("worker", "inferred")


def test_exec_prefixes_environment_quoting_and_secrets(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "worker.service": """\
            [Service]
            Environment="A=1" "B=two words" C=3
            Environment=DB_PASSWORD=Sup3r-Secret-Unit-Pw PATH=/srv/app/venv/bin:/usr/bin
            Environment=
            Environment=LOG_LEVEL=info
            ExecStart=-@/srv/app/venv/bin/celery celery-worker -A proj worker -Q mail,reports
            """,
    })
    assert result.keys(Kind.PROCESS) == ["worker-mail-reports"]
    assert result.field(Kind.PROCESS, "worker-mail-reports", "command") == "celery -A proj worker -Q mail,reports"
    # Environment= resets the list: only LOG_LEVEL is left
    assert result.keys(Kind.ENV) == ["LOG_LEVEL"]
    assert result.secrets == []


def test_environment_secret_found_and_never_shown(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "web.service": """\
            [Service]
            Environment="A=1" "B=two words" C=3
            Environment=DB_PASSWORD=Sup3r-Secret-Unit-Pw PATH=/srv/app/venv/bin:/usr/bin
            ExecStart=/usr/bin/gunicorn app:app
            """,
    })
    assert result.keys(Kind.ENV) == ["A", "B", "C", "DB_PASSWORD"]
    assert result.field(Kind.ENV, "B", "default") == "two words"
    assert [(s.name, s.line) for s in result.secrets] == [("DB_PASSWORD", 3)]
    assert "default" not in result.one(Kind.ENV, "DB_PASSWORD").fields
    assert "Sup3r-Secret-Unit-Pw" not in repr(result.items)
    # no --bind: gunicorn's documented default port, at default confidence
    port = [f for f in result.of(Kind.PROCESS, "web") if "port" in f.fields]
    assert [(f.fields["port"], f.source.confidence.label) for f in port] == [(8000, "default")]


def test_environment_file_in_repo_names_only(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "deploy/app.service": "[Service]\nEnvironmentFile=/srv/app/deploy/prod.env\nExecStart=/usr/bin/gunicorn a:b\n",
        "deploy/prod.env": "# prod\nexport DEBUG=0\nSECRET_KEY=Sup3r-Secret-EnvFile-Key\nnot a line\n",
    })
    assert result.keys(Kind.ENV) == ["DEBUG", "SECRET_KEY"]
    assert result.one(Kind.ENV, "DEBUG").source.file == "deploy/prod.env"
    assert result.one(Kind.ENV, "DEBUG").source.line == 2
    assert "default" not in result.one(Kind.ENV, "DEBUG").fields
    assert [(s.file, s.line, s.name) for s in result.secrets] == [("deploy/prod.env", 3, "SECRET_KEY")]
    assert [(w.file, w.line) for w in result.warnings] == [("deploy/prod.env", 4)]
    assert "Sup3r-Secret-EnvFile-Key" not in repr(result.items)


def test_environment_file_ambiguous_basename(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "app.service": "[Service]\nEnvironmentFile=/srv/app/.env\nExecStart=/usr/bin/gunicorn a:b\n",
        "staging/.env": "A=1\n",
        "prod/.env": "B=2\n",
    })
    assert result.of(Kind.ENV) == []
    assert [w.line for w in result.warnings] == [2]


def test_timer_with_calendar_runs_the_service(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "deploy/systemd/inventory-cleanup.service": """\
            [Unit]
            Description=Delete expired sessions

            [Service]
            Type=oneshot
            User=inventory
            ExecStart=/srv/inventory/venv/bin/python manage.py clearsessions
            """,
        "deploy/systemd/inventory-cleanup.timer": """\
            [Timer]
            OnCalendar=*-*-* 02:30:00
            OnCalendar=Sat,Sun *-*-* 03:00
            OnCalendar=*-*~1
            Persistent=true
            """,
    })
    assert result.of(Kind.PROCESS) == []
    assert result.keys(Kind.SCHEDULE) == ["clearsessions", "clearsessions-2"]
    assert result.field(Kind.SCHEDULE, "clearsessions", "schedule") == "30 2 * * *"
    assert result.field(Kind.SCHEDULE, "clearsessions-2", "schedule") == "0 3 * * 0,6"
    assert result.field(Kind.SCHEDULE, "clearsessions", "command") == "python manage.py clearsessions"
    assert result.field(Kind.SCHEDULE, "clearsessions", "user") == "inventory"
    where = {(f.source.file.rsplit("/", 1)[-1], f.source.line, next(iter(f.fields)))
             for f in result.of(Kind.SCHEDULE, "clearsessions")}
    assert where == {("inventory-cleanup.timer", 2, "schedule"), ("inventory-cleanup.service", 7, "command"),
                     ("inventory-cleanup.service", 6, "user")}
    assert [(w.line, "end of the month" in w.message) for w in result.warnings] == [(4, True)]


def test_timer_intervals_and_unit_key(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "sync.timer": "[Timer]\nUnit=feeds.service\nOnBootSec=5min\nOnUnitActiveSec=15min\n",
        "feeds.service": "[Service]\nType=oneshot\nExecStart=/usr/bin/python3 -m app.jobs.sync_feeds\n",
        "odd.timer": "[Timer]\nOnUnitActiveSec=90min\n",
        "odd.service": "[Service]\nExecStart=/usr/local/bin/odd-job --fast\n",
        "boot.timer": "[Timer]\nOnBootSec=10min\n",
        "boot.service": "[Service]\nExecStart=/usr/local/bin/warm-cache\n",
        "lost.timer": "[Timer]\nUnit=gone.service\nOnCalendar=daily\n",
    })
    assert result.keys(Kind.SCHEDULE) == ["odd-job", "sync_feeds"]
    assert result.field(Kind.SCHEDULE, "sync_feeds", "schedule") == "*/15 * * * *"
    assert result.field(Kind.SCHEDULE, "sync_feeds", "command") == "python -m app.jobs.sync_feeds"
    assert result.field(Kind.SCHEDULE, "odd-job", "schedule") == "0 */2 * * *"
    messages = {(w.file, w.line): w.message for w in result.warnings}
    assert "no exact cron form" in messages[("odd.timer", 2)]
    assert "once after boot" in messages[("boot.timer", 2)]
    assert "gone.service" in messages[("lost.timer", 2)]
    assert result.of(Kind.PROCESS) == []


def test_oneshot_without_timer(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "migrate.service": "[Service]\nType=oneshot\nExecStart=/srv/app/venv/bin/python manage.py migrate\n",
        "seed.service": "[Service]\nType=oneshot\nExecStart=/srv/app/venv/bin/python manage.py loaddata seed\n",
    })
    assert result.one(Kind.RELEASE_STEP).key == "python manage.py migrate"
    assert result.one(Kind.RELEASE_STEP).source.line == 3
    assert result.field(Kind.PROCESS, "seed", "role") == "oneoff"


def test_socket_gives_the_port(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "gunicorn.socket": "[Socket]\nListenStream=/run/gunicorn.sock\nListenStream=127.0.0.1:8000\n",
        "gunicorn.service": "[Service]\nExecStart=/srv/app/venv/bin/gunicorn --bind unix:/run/gunicorn.sock app:app\n",
        "api.socket": "[Socket]\nService=api-server.service\nListenStream=9000\n",
        "api-server.service": "[Service]\nExecStart=/usr/bin/node api.js\n",
    })
    port = [f for f in result.of(Kind.PROCESS, "web") if "port" in f.fields]
    assert [(f.fields["port"], f.source.file, f.source.line) for f in port] == [(8000, "gunicorn.socket", 3)]
    assert result.field(Kind.PROCESS, "api-server", "port") == 9000


def test_templates_parse_with_placeholders(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "roles/app/templates/web.service.j2": """\
            [Service]
            User={{ app_user }}
            {% if memory_limit %}
            MemoryMax={{ memory_limit }}
            {% endif %}
            ExecStart={{ venv_dir }}/bin/gunicorn {{ wsgi_module }} --bind 0.0.0.0:8000
            """,
    })
    assert result.keys(Kind.PROCESS) == ["web"]
    assert result.field(Kind.PROCESS, "web", "user") == "{{app_user}}"
    # the placeholder stays one word (quoted by the shell-safe join)
    assert result.field(Kind.PROCESS, "web", "command") == "gunicorn '{{wsgi_module}}' --bind 0.0.0.0:8000"
    assert result.field(Kind.PROCESS, "web", "legacy_name") == "web.service"
    assert [f.source.line for f in result.of(Kind.PROCESS, "web") if "command" in f.fields] == [6]
    assert [(w.line, "MemoryMax" in w.message) for w in result.warnings] == [(4, True)]


def test_broken_unit_file_warns_and_goes_on(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "bad.service": "garbage before sections\n[Service\nUser=x\n[Service]\nthis is not an assignment\n"
                       "ExecStart=/usr/bin/gunicorn app:app\n; comment\n# comment\n",
        "empty.service": "[Unit]\nDescription=nothing\n",
        "binary.service": b"\x00\x01\x02",
    })
    assert sorted((w.file, w.line) for w in result.warnings if w.file == "bad.service") == [
        ("bad.service", 1), ("bad.service", 2), ("bad.service", 3), ("bad.service", 5)]
    assert result.field(Kind.PROCESS, "web", "command") == "gunicorn app:app"
    assert any(w.file == "empty.service" and "ExecStart" in w.message for w in result.warnings)


def test_continuation_ends_at_eof_and_skips_comments(run_analyzer: Any) -> None:
    entries, problems = systemd.parse_unit(["[Service]", "ExecStart=/bin/a \\", "# note", "  --b \\", "  --c \\"])
    assert problems == []
    assert entries == [systemd.Entry("Service", "ExecStart", "/bin/a --b --c", 2)]


def test_paths_under_working_directory_become_relative(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "app.service": "[Service]\nWorkingDirectory=/srv/app\n"
                       "ExecStart=/srv/app/venv/bin/gunicorn -c /srv/app/deploy/gunicorn.py app:app\n",
        "tidy.timer": "[Timer]\nOnCalendar=hourly\n",
        "tidy.service": "[Service]\nWorkingDirectory=/srv/app\nExecStart=/srv/app/venv/bin/python /srv/app/tidy.py\n",
    })
    assert result.field(Kind.PROCESS, "web", "command") == "gunicorn -c deploy/gunicorn.py app:app"
    assert result.field(Kind.SCHEDULE, "tidy", "command") == "python tidy.py"
    assert result.field(Kind.SCHEDULE, "tidy", "schedule") == "0 * * * *"


def test_forking_service_runs_in_the_foreground(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "web.service": "[Service]\nType=forking\nPIDFile=/run/g.pid\n"
                       "ExecStart=/srv/app/venv/bin/gunicorn --daemon --pid /run/g.pid app:app\n",
    })
    assert result.field(Kind.PROCESS, "web", "command") == "gunicorn --pid /run/g.pid app:app"
    assert [(w.line, "Type=forking" in w.message) for w in result.warnings] == [(4, True)]


def test_drop_ins_override_the_unit(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "conf.d/web.service": "[Service]\nUser=www\nExecStart=/usr/bin/gunicorn app:app\n",
        "conf.d/web.service.d/10-limits.conf": "[Service]\nMemoryMax=1G\n",
        "conf.d/web.service.d/20-cmd.conf": "[Service]\nExecStart=\nExecStart=/usr/bin/gunicorn -b :9000 app:app\n",
    })
    assert result.field(Kind.PROCESS, "web", "port") == 9000
    memory = [f for f in result.of(Kind.PROCESS, "web") if "memory_limit" in f.fields]
    assert [(f.fields["memory_limit"], f.source.file, f.source.line) for f in memory] == [
        ("1Gi", "conf.d/web.service.d/10-limits.conf", 2)]
    command = [f for f in result.of(Kind.PROCESS, "web") if "command" in f.fields]
    assert [(f.source.file, f.source.line) for f in command] == [("conf.d/web.service.d/20-cmd.conf", 3)]
    assert result.field(Kind.PROCESS, "web", "user") == "www"
    assert result.warnings == []


def test_secrets_on_exec_lines(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "sync.service": "[Service]\nExecStart=/usr/local/bin/sync-daemon --token=Sup3r-Secret-Sync-Tok\n",
    })
    assert [(s.name, s.line, s.kind) for s in result.secrets] == [("sync-daemon --token", 2, "token")]
    assert "Sup3r-Secret" not in repr(result.items)


def test_secrets_in_exec_start_pre_never_reach_steps(run_analyzer: Any) -> None:
    result = run_analyzer(systemd, {
        "web.service": "[Service]\nExecStartPre=/usr/bin/env DB_PASSWORD=Sup3r-Secret-Pre-Pw python manage.py migrate\n"
                       "ExecStart=/usr/bin/gunicorn app:app\n",
    })
    assert [(s.name, s.line) for s in result.secrets] == [("DB_PASSWORD", 2)]
    assert result.one(Kind.RELEASE_STEP).source.line == 2
    assert "Sup3r-Secret" not in repr(result.items)


def test_a_huge_timer_interval_is_a_warning_not_a_crash(run_analyzer: Any) -> None:
    # found by tests/properties: the interval overflowed float and interval_to_cron raised OverflowError
    result = run_analyzer(systemd, {
        "deploy/systemd/sync.service": "[Service]\nExecStart=/srv/app/bin/sync.sh\n",
        "deploy/systemd/sync.timer": f"[Timer]\nOnUnitActiveSec={'9' * 400}\n",
    })
    assert result.of(Kind.SCHEDULE) == []
    assert [(w.file, w.line) for w in result.warnings] == [("deploy/systemd/sync.timer", 2)]


def test_numbers_too_long_for_int_or_float_are_not_crashes(run_analyzer: Any) -> None:
    # found by tests/properties: LimitNOFILE=<5,000 digits> (int() refuses), MemoryMax=/CPUQuota= of 400
    # digits (float infinity, then int() of it) and OnCalendar= days of 5,000 digits raised
    huge = "9" * 5000
    result = run_analyzer(systemd, {
        "deploy/systemd/web.service": f"[Service]\nExecStart=/srv/app/venv/bin/gunicorn app:app\n"
                                      f"LimitNOFILE={huge}\nMemoryMax={'9' * 400}M\nCPUQuota={'9' * 400}%\n"
                                      "LimitNOFILE=\u00b2\n",
        "deploy/systemd/job.service": "[Service]\nExecStart=/srv/app/bin/job.sh\n",
        "deploy/systemd/job.timer": f"[Timer]\nOnCalendar=*-*-{huge} 00:00\n",
    })
    web = result.of(Kind.PROCESS)
    assert web and not any(k in f.fields for f in web for k in ("nofile", "memory_limit", "cpu_limit"))
    assert result.of(Kind.SCHEDULE) == []
    assert ("deploy/systemd/job.timer", 2) in [(w.file, w.line) for w in result.warnings]
