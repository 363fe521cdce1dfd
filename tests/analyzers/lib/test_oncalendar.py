"""systemd calendar expressions, time spans and intervals -> 5-field cron."""

from __future__ import annotations

import pytest

from analyzers.lib.oncalendar import CalendarError, interval_to_cron, parse_timespan, to_cron


@pytest.mark.parametrize(
    ("expression", "cron"),
    [
        ("minutely", "* * * * *"),
        ("hourly", "0 * * * *"),
        ("daily", "0 0 * * *"),
        ("Daily", "0 0 * * *"),
        ("weekly", "0 0 * * 1"),  # systemd's weekly is Monday midnight, not cron's Sunday
        ("monthly", "0 0 1 * *"),
        ("yearly", "0 0 1 1 *"),
        ("annually", "0 0 1 1 *"),
        ("quarterly", "0 0 1 1,4,7,10 *"),
        ("semiannually", "0 0 1 1,7 *"),
        ("*-*-* 02:30:00", "30 2 * * *"),
        ("*-*-* 2:30", "30 2 * * *"),
        ("Mon..Fri 09:00", "0 9 * * 1-5"),
        ("Mon..Fri *-*-* 09:00:00", "0 9 * * 1-5"),
        ("Sat,Sun *-*-* 03:00", "0 3 * * 0,6"),
        ("Mon,Wed,Fri 1,13:15", "15 1,13 * * 1,3,5"),
        ("Mon..Sun 01:00", "0 1 * * *"),
        ("Sat..Sun 05:00", "0 5 * * 0,6"),
        ("monday 06:00", "0 6 * * 1"),
        ("Mon 06:00", "0 6 * * 1"),
        ("Mon,Tue 06:00", "0 6 * * 1,2"),
        ("*:0/15", "*/15 * * * *"),
        ("*:00/15", "*/15 * * * *"),
        ("*:5/10", "5-59/10 * * * *"),
        ("*-*-* 8..18/2:00", "0 8-18/2 * * *"),
        ("*-*-* 9..17:00", "0 9-17 * * *"),
        ("*-*-* *:30", "30 * * * *"),
        ("*-*-01 04:00:00", "0 4 1 * *"),
        ("*-*-1,15 04:00", "0 4 1,15 * *"),
        ("*-01-01", "0 0 1 1 *"),
        ("12-25 06:00", "0 6 25 12 *"),
        ("*-*-* 00:00:00 UTC", "0 0 * * *"),
        ("Fri", "0 0 * * 5"),
        ("  *-*-*   02:30:00  ", "30 2 * * *"),
    ],
)
def test_calendar_to_cron(expression: str, cron: str) -> None:
    assert to_cron(expression).cron == cron


def test_timezone_is_kept_apart() -> None:
    result = to_cron("Mon *-*-* 00:00:00 Europe/Berlin")
    assert (result.cron, result.timezone) == ("0 0 * * 1", "Europe/Berlin")
    assert to_cron("daily").timezone is None


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("2024-01-01 00:00", "year"),
        ("*-*~1", "end of the month"),
        ("*:*:*", "second"),
        ("*:00:30", "second"),
        ("Foo 01:00", "cannot read"),
        ("*-13-01", "out of range"),
        ("*-*-* 25:00", "out of range"),
        ("*-*-* 12:61", "out of range"),
        ("Fri..Mon 01:00", "backwards"),
        ("*-*-* 17..9:00", "backwards"),
        ("Mon *-*-01 00:00", "both weekday and day of month"),
        ("", "empty"),
        ("*-*-* 1:2:3:4", "cannot read time"),
        ("*:0/x", "repetition"),
    ],
)
def test_not_expressible_or_invalid(expression: str, reason: str) -> None:
    with pytest.raises(CalendarError, match=reason):
        to_cron(expression)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30", 30), ("30s", 30), ("1min 30s", 90), ("1min30s", 90), ("1h30m", 5400), ("2d", 172800),
     ("15min", 900), ("1h", 3600), ("500ms", 0.5), ("5 min", 300), ("1w", 604800), ("2 hours", 7200)],
)
def test_timespan(text: str, seconds: float) -> None:
    assert parse_timespan(text) == seconds


@pytest.mark.parametrize("text", ["", "infinity", "abc", "10 parsecs", "1min garbage"])
def test_timespan_unreadable(text: str) -> None:
    assert parse_timespan(text) is None


@pytest.mark.parametrize(
    ("seconds", "cron", "exact"),
    [
        (60, "* * * * *", True),
        (900, "*/15 * * * *", True),
        (1800, "*/30 * * * *", True),
        (3600, "0 * * * *", True),
        (7200, "0 */2 * * *", True),
        (21600, "0 */6 * * *", True),
        (86400, "0 0 * * *", True),
        (604800, "0 0 * * 0", True),
        (30, "* * * * *", False),  # cron cannot go below a minute
        (420, "*/7 * * * *", False),  # */7 restarts every hour
        (5400, "0 */2 * * *", False),  # 90 minutes: nearest hour step
        (25200, "0 */7 * * *", False),
        (259200, "0 0 */3 * *", False),
    ],
)
def test_interval_to_cron(seconds: float, cron: str, exact: bool) -> None:
    assert interval_to_cron(seconds) == (cron, exact)


def test_a_day_that_never_comes_is_no_schedule() -> None:
    # found by tests/properties: systemd accepts *-02-30 and never fires; a CronJob would never run
    with pytest.raises(CalendarError, match="day 30 never occurs"):
        to_cron("*-02-30")


def test_a_timespan_too_big_for_a_float_is_unreadable() -> None:
    # found by tests/properties: OnUnitActiveSec=999...9 (400 digits) crashed the systemd analyzer
    assert parse_timespan("9" * 400) is None
    assert parse_timespan("9" * 400 + "min") is None


@pytest.mark.parametrize("expression", [f"*-*-{'9' * 5000}", "*-*-\u00b2", "*:0/\u00b2", f"*:0/{'9' * 5000}"])
def test_numbers_int_refuses_are_calendar_errors(expression: str) -> None:
    # found by tests/properties: int() raised ValueError (5,000 digits; '²' passes isdigit() only)
    with pytest.raises(CalendarError):
        to_cron(expression)
