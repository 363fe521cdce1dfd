"""Any crontab gives findings or warnings, never an exception or a hang; every schedule it makes is
valid five-field cron and no command starts with a time field (analyzers/deploy/cron.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analyzers.deploy import cron
from analyzers.lib.cron_schedule import ScheduleError, from_fields
from tests.properties import harness
from tests.properties.strategies import COMMANDS, content, document, fragment, words

FIELD_TOKENS = ("*", "*/5", "*/0", "0", "7", "59", "60", "99", "1-5", "5-1", "1,2,,3", "mon", "MON-FRI", "jan",
                "jan-dec", "sun,7", "?", "L", "5#3", "-", "/", "*/", "9" * 30, "1-5/2", "5/15", "0-0", "@", "H")
time_field = st.one_of(st.sampled_from(FIELD_TOKENS), st.integers(-5, 10**12).map(str), fragment)
entry = st.tuples(st.lists(time_field, min_size=4, max_size=8).map(" ".join), words(
    ("root", "www-data", "app", *COMMANDS, "%", "\\%", ">>", "/var/log/x.log"))).map(" ".join)
macro = st.tuples(st.sampled_from(("@daily", "@reboot", "@hourly", "@weird", "@", "@yearly")),
                  words(COMMANDS)).map(" ".join)
assignment = st.tuples(st.sampled_from(("MAILTO", "CRON_TZ", "PATH", "DB_PASSWORD", "X", "5", "")),
                       st.sampled_from(("=", " = ", "=\"")), fragment).map("".join)
line = st.one_of(entry, entry, macro, assignment, st.just("# m h dom mon dow user command"), fragment)
crontab = document(line)
NAMES = ("crontab", "deploy/cron.d/app", "etc/crontab", "ops/jobs.cron", "deploy/cron/app.crontab.j2")


@harness.PROPERTIES
@given(text=content(crontab), name=st.sampled_from(NAMES))
def test_any_crontab_gives_items_and_only_valid_schedules(text: str | bytes, name: str) -> None:
    items = harness.run(cron, {name: text})
    for job in harness.schedules(items):
        schedule = job.fields.get("schedule")
        assert isinstance(schedule, str)
        try:
            assert from_fields(schedule.split()).cron == schedule
        except ScheduleError as exc:  # pragma: no cover - the failure message is the point
            raise AssertionError(f"{schedule!r} became a CronJob: {exc}") from exc
        command = str(job.fields.get("command", ""))
        assert not command.lstrip("'\"").startswith("*"), command


@harness.PROPERTIES
@given(fields=st.lists(time_field, min_size=0, max_size=8))
def test_from_fields_raises_only_schedule_error(fields: list[str]) -> None:
    try:
        result = from_fields(fields)
    except ScheduleError:
        return
    assert from_fields(result.cron.split()).cron == result.cron  # normal form is a fixed point
