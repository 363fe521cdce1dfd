"""Any systemd unit (service, timer, socket, drop-in) gives findings or warnings, never an exception or
a hang; OnCalendar= either converts to valid cron or says why not (analyzers/deploy/systemd.py, unitfile.py,
oncalendar.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analyzers.deploy import systemd
from analyzers.lib.cron_schedule import from_fields
from analyzers.lib.oncalendar import CalendarError, interval_to_cron, parse_timespan, to_cron
from tests.properties import harness
from tests.properties.strategies import COMMANDS, content, document, fragment, numbered, numeric, words

KEYS = ("ExecStart", "ExecStartPre", "ExecReload", "Environment", "EnvironmentFile", "User", "Group",
        "WorkingDirectory", "OnCalendar", "OnUnitActiveSec", "OnBootSec", "Persistent", "MemoryMax", "MemoryLimit",
        "CPUQuota", "TimeoutStopSec", "Restart", "Requires", "After", "Wants", "ListenStream", "Unit", "Type",
        "Description", "Timezone", "RuntimeMaxSec", "")
CALENDAR = ("daily", "weekly", "Mon..Fri *-*-* 09:00", "*-*-* *:0/15", "Sat,Sun 10:00", "*-*-01 00:00:00",
            "2024-01-01", "*:*:30", "Mon *-*-* 00:00:00 Europe/Berlin", "*-02-30", "9999-99-99 99:99",
            "*-*-* 25:61", "Mon..Sun", "0/0", "1..", "..", "~", "*-*~01", "hourly", "minutely", "quarterly")
SPANS = ("30", "5min", "1h 30m", "2d", "1w", "infinity", "0", "-5", "1.5h", "1e9s", "9" * 400, "5 parsecs")
value = st.one_of(st.sampled_from(CALENDAR + SPANS), numeric, words(COMMANDS, max_size=10), fragment)
assignment = st.tuples(st.sampled_from(KEYS), st.sampled_from(("=", " = ", "=-", "=@", "=!")), value).map("".join)
numbers = numbered("LimitNOFILE={}", "LimitNOFILE={}:{}", "MemoryMax={}M", "MemoryLimit={}", "CPUQuota={}%",
                   "TimeoutStopSec={}", "OnUnitActiveSec={}", "OnCalendar=*-*-{} 00:00",
                   "ExecStart=/srv/app/venv/bin/gunicorn app:app --bind 0.0.0.0:{} --workers {}")
line = st.one_of(assignment, assignment, assignment, numbers,
                 st.sampled_from(("[Unit]", "[Service]", "[Timer]", "[Socket]", "[Install]", "[Service", "[]")),
                 st.just("ExecStart=/srv/app/venv/bin/gunicorn \\"), st.just("# comment"), fragment)
unit = content(document(line))


@harness.PROPERTIES
@given(service=unit, timer=unit, dropin=unit, where=st.sampled_from(("deploy/systemd", "etc/systemd/system", "")))
def test_any_units_give_items(service: str | bytes, timer: str | bytes, dropin: str | bytes, where: str) -> None:
    prefix = f"{where}/" if where else ""
    items = harness.run(systemd, {
        f"{prefix}app.service": service,
        f"{prefix}app.timer": timer,
        f"{prefix}app.service.d/override.conf": dropin,
        f"{prefix}app.socket": timer,
    })
    for job in harness.schedules(items):
        if "schedule" in job.fields:
            assert from_fields(str(job.fields["schedule"]).split()).cron == job.fields["schedule"]


@harness.PROPERTIES
@given(expression=st.one_of(st.sampled_from(CALENDAR), words(CALENDAR, max_size=4), numeric, fragment))
def test_oncalendar_converts_to_valid_cron_or_says_why(expression: str) -> None:
    try:
        result = to_cron(expression)
    except CalendarError:
        return
    assert from_fields(result.cron.split()).cron == result.cron, (expression, result)


@harness.PROPERTIES
@given(span=st.one_of(st.sampled_from(SPANS), fragment, st.floats(allow_nan=True).map(str)))
def test_timespans_and_intervals(span: str) -> None:
    seconds = parse_timespan(span)
    if seconds is not None and seconds > 0:
        cron_text, _exact = interval_to_cron(seconds)
        assert from_fields(cron_text.split()).cron == cron_text
