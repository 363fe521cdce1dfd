"""Cron schedule validation (analyzers/lib/cron_schedule.py)."""

from __future__ import annotations

import pytest

from analyzers.lib.cron_schedule import Schedule, ScheduleError, from_fields, looks_like_field, time_field_count


@pytest.mark.parametrize(("text", "expected"), [
    ("*/15 * * * *", "*/15 * * * *"),
    ("0 9-17/2 1,15 jan-mar,DEC mon-fri", "0 9-17/2 1,15 jan-mar,DEC mon-fri"),
    ("5/15 * * * *", "5/15 * * * *"),  # robfig: 5-59/15
    ("0 0 * * 7", "0 0 * * 0"),  # Vixie's second Sunday; Kubernetes rejects 7
    ("0 0 * * 1-7", "0 0 * * 0-6"),  # restricted stays restricted (it ORs with the day of month)
    ("0 0 1 * 6,7", "0 0 1 * 0,6"),
    ("0 0 ? * mon", "0 0 * * mon"),
    ("0 0 29 2 *", "0 0 29 2 *"),  # leap years
])
def test_valid_five_field_schedules(text: str, expected: str) -> None:
    assert from_fields(text.split()).cron == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("99 99 99 99 99", "minute 99 is out of range 0-59"),
    ("*/0 * * * *", "step 0 in the minute field"),
    ("60 24 32 13 8", "minute 60 is out of range"),
    ("0 24 * * *", "hour 24 is out of range 0-23"),
    ("0 0 0 * *", "day of month 0 is out of range 1-31"),
    ("0 0 * 13 *", "month 13 is out of range 1-12"),
    ("0 0 * * 8", "day of week 8 is out of range 0-7"),
    ("0 0 * * mon-", "a value is missing in the day of week field"),
    ("10-5 * * * *", "range '10-5' runs backwards"),
    ("*/x * * * *", "step 'x' in the minute field is not a number"),
    ("1,,2 * * * *", "a value is missing"),
    ("0 0 L * *", "'L' is not a valid day of month"),
    ("0 0 * * 5#3", "'5#3' is not a valid day of week"),
    ("? * * * *", "'?' is only allowed in the day fields"),
    ("0 0 31 4,6,9,11 *", "day 31 never occurs"),
    ("0 0 30 feb *", "day 30 never occurs"),
    ("9" * 5000 + " * * * *", "out of range"),  # no int() of 5,000 digits
    ("0 0 * * * *", None),  # six fields are valid (seconds first): checked below
])
def test_invalid_schedules_say_why(text: str, reason: str | None) -> None:
    if reason is None:
        assert from_fields(text.split()).cron == "0 * * * *"
        return
    with pytest.raises(ScheduleError, match=reason.replace("?", r"\?")):
        from_fields(text.split())


def _cron(text: str) -> Schedule:
    return from_fields(text.split())


def test_seconds_and_years() -> None:
    assert _cron("0 */5 * * * *").cron == "*/5 * * * *"
    late = _cron("30 0 3 * * *")
    assert (late.cron, late.note) == ("0 3 * * *", "ran at second 30 of the minute; the CronJob runs at second 0")
    assert _cron("0 0 12 ? * 2-6 *").cron == "0 12 * * 1-5"  # Quartz: 1 is Sunday
    with pytest.raises(ScheduleError, match="several times a minute"):
        _cron("*/10 * * * * *")
    with pytest.raises(ScheduleError, match="second 61 is out of range"):
        _cron("61 * * * * *")
    with pytest.raises(ScheduleError, match="year field '2031'"):
        _cron("0 0 12 * * ? 2031")


@pytest.mark.parametrize(("line", "count"), [
    ("0 3 * * * root /usr/bin/backup", 5),
    ("0 3 * * * php artisan run", 5),
    ("0 0 3 * * * /six/field/job", 6),
    ("0 0 3 * * mon /six/field/job", 6),
    ("0 3 * * mon mon-check --all", 5),  # the fifth is already the day of week
    ("0 0 12 ? * 2-6 2031 /quartz/job", 7),
    ("0 3 * * *", 5),
])
def test_time_field_count(line: str, count: int) -> None:
    assert time_field_count(line.split()) == count


@pytest.mark.parametrize(("token", "expected"), [
    ("*/5", True), ("1-5,7", True), ("jan", True), ("MON-FRI", True), ("?", True),
    ("php", False), ("cd", False), ("/usr/bin/x", False), ("FOO", False),
])
def test_looks_like_field(token: str, expected: bool) -> None:
    assert looks_like_field(token) is expected
