"""systemd time grammar -> cron: ``OnCalendar=`` expressions, time spans and timer intervals.

systemd.time(7) calendar events are ``[WEEKDAYS] [[YEAR-]MONTH-DAY] [HOUR:MINUTE[:SECOND]] [TIMEZONE]``
with ``*``, lists (``a,b``), ranges (``a..b``) and repetitions (``start/step``) in every field, plus
shorthands (``daily``, ``weekly`` ...). Kubernetes CronJobs take 5-field cron, which has no seconds,
no years and no "last day of month": such expressions raise :class:`CalendarError` with the reason,
so the caller can warn instead of guessing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from analyzers.lib.cron_schedule import ScheduleError, from_fields

# systemd.time(7): the shorthands, as systemd itself normalises them.
SHORTHANDS = {
    "minutely": "*-*-* *:*:00",
    "hourly": "*-*-* *:00:00",
    "daily": "*-*-* 00:00:00",
    "weekly": "Mon *-*-* 00:00:00",
    "monthly": "*-*-01 00:00:00",
    "yearly": "*-01-01 00:00:00",
    "annually": "*-01-01 00:00:00",
    "quarterly": "*-01,04,07,10-01 00:00:00",
    "semiannually": "*-01,07-01 00:00:00",
    "semi-annually": "*-01,07-01 00:00:00",
}
_WEEKDAYS = {
    "sun": 0, "sunday": 0, "mon": 1, "monday": 1, "tue": 2, "tuesday": 2, "wed": 3, "wednesday": 3,
    "thu": 4, "thursday": 4, "fri": 5, "friday": 5, "sat": 6, "saturday": 6,
}
# seconds per unit of a systemd time span (systemd.time(7) "PARSING TIME SPANS").
_SPAN_UNITS = {
    "usec": 1e-6, "us": 1e-6, "µs": 1e-6, "msec": 1e-3, "ms": 1e-3,
    "seconds": 1, "second": 1, "sec": 1, "s": 1, "": 1,
    "minutes": 60, "minute": 60, "min": 60, "m": 60,
    "hours": 3600, "hour": 3600, "hr": 3600, "h": 3600,
    "days": 86400, "day": 86400, "d": 86400,
    "weeks": 604800, "week": 604800, "w": 604800,
    "months": 2629800, "month": 2629800, "M": 2629800,
    "years": 31557600, "year": 31557600, "y": 31557600,
}
_SPAN_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-zA-Zµ]*)")


class CalendarError(ValueError):
    """The expression is invalid or has no 5-field cron equivalent; the message says why."""


@dataclass(frozen=True)
class CronSchedule:
    """A 5-field cron schedule, with the IANA timezone the calendar expression named (if any)."""

    cron: str
    timezone: str | None = None


def to_cron(expression: str) -> CronSchedule:
    """Convert one ``OnCalendar=`` expression to cron, or raise :class:`CalendarError`."""
    text = " ".join(expression.split())
    if not text:
        raise CalendarError("empty calendar expression")
    text = SHORTHANDS.get(text.lower(), text)
    tokens = text.split(" ")
    weekday = date = time = zone = None
    for index, token in enumerate(tokens):
        if time is None and date is None and weekday is None and _is_weekday(token):
            weekday = token
        elif ":" in token and time is None:
            time = token
        elif "-" in token and ":" not in token and date is None and time is None and not _is_zone(token):
            date = token
        elif zone is None and _is_zone(token) and index == len(tokens) - 1:
            zone = token
        else:
            raise CalendarError(f"cannot read {token!r} in calendar expression {expression!r}")
    dow = _weekdays(weekday) if weekday else "*"
    dom, month = _date(date or "*-*-*")
    minute, hour = _time(time or "00:00:00")
    if dow != "*" and dom != "*":
        # systemd requires both to match; cron fires when either does.
        raise CalendarError(f"{expression!r} restricts both weekday and day of month; cron would OR them")
    tz = None if zone is None or zone.upper() in ("UTC", "GMT") else zone
    cron = f"{minute} {hour} {dom} {month} {dow}"
    try:
        from_fields(cron.split())  # the same check as every crontab line (*-02-30 never elapses)
    except ScheduleError as exc:
        raise CalendarError(f"{expression!r} gives the cron schedule {cron!r}: {exc}") from exc
    return CronSchedule(cron, tz)


def _is_weekday(token: str) -> bool:
    return all(part.lower() in _WEEKDAYS for part in re.split(r"\.\.|,", token) if part) and token[:1].isalpha()


def _is_zone(token: str) -> bool:
    return token.upper() in ("UTC", "GMT") or bool(re.match(r"^[A-Z][A-Za-z_]+(/[A-Za-z_+\-0-9]+)+$", token))


def _weekdays(token: str) -> str:
    days: set[int] = set()
    for part in token.split(","):
        if not part:
            continue
        if ".." in part:
            lo_name, _, hi_name = part.partition("..")
            lo, hi = _day(lo_name), _day(hi_name)
            # systemd ranges do not wrap; cron's Sunday is 0, so Mon..Sun means 1..6 plus 0.
            hi = 7 if hi == 0 and lo > 0 else hi
            if lo > hi:
                raise CalendarError(f"weekday range {part!r} runs backwards")
            days.update(d % 7 for d in range(lo, hi + 1))
        else:
            days.add(_day(part))
    return _compress(sorted(days), 0, 6)


def _day(name: str) -> int:
    try:
        return _WEEKDAYS[name.lower()]
    except KeyError:
        raise CalendarError(f"unknown weekday {name!r}") from None


def _compress(values: list[int], lo: int, hi: int) -> str:
    """Sorted ints -> cron list with ranges: [1,2,3,5] -> '1-3,5'; the full range -> '*'."""
    if values == list(range(lo, hi + 1)):
        return "*"
    out: list[str] = []
    start = prev = values[0]
    for v in [*values[1:], None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}" if prev > start + 1 else f"{start},{prev}")
        if v is not None:
            start = prev = v
    return ",".join(out)


def _date(token: str) -> tuple[str, str]:
    if "~" in token:
        raise CalendarError(f"{token!r} counts days from the end of the month; cron cannot express that")
    parts = token.split("-")
    if len(parts) == 3:
        year, month, day = parts
        if year != "*":
            raise CalendarError(f"{token!r} names a year; cron schedules repeat every year")
    elif len(parts) == 2:
        month, day = parts
    else:
        raise CalendarError(f"cannot read date {token!r}")
    return _field(day, 1, 31, "day"), _field(month, 1, 12, "month")


def _time(token: str) -> tuple[str, str]:
    parts = token.split(":")
    if len(parts) == 2:
        hour, minute, second = parts[0], parts[1], "00"
    elif len(parts) == 3:
        hour, minute, second = parts
    else:
        raise CalendarError(f"cannot read time {token!r}")
    if not re.match(r"^0+(\.0+)?$", second):
        raise CalendarError(f"{token!r} fires at second {second!r}; cron's smallest unit is the minute")
    return _field(minute, 0, 59, "minute"), _field(hour, 0, 23, "hour")


def _field(text: str, lo: int, hi: int, what: str) -> str:
    """One systemd field (``*``, ``5``, ``1,15``, ``9..17``, ``0/15``, ``8..18/2``) -> cron syntax."""
    items = []
    for item in text.split(","):
        base, _, step = item.partition("/")
        if step and not _is_number(step):
            raise CalendarError(f"bad repetition {item!r} in the {what} field")
        if base == "*":
            a, b = lo, hi
            items.append(f"*/{int(step)}" if step else "*")
            continue
        if ".." in base:
            a_text, _, b_text = base.partition("..")
            a, b = _num(a_text, lo, hi, what), _num(b_text, lo, hi, what)
            if a > b:
                raise CalendarError(f"range {item!r} runs backwards in the {what} field")
            rng = f"{a}-{b}"
        else:
            a = _num(base, lo, hi, what)
            rng = (f"{a}-{hi}" if a != lo else "*") if step else str(a)
        items.append(f"{rng}/{int(step)}" if step else rng)
    if "*" in items:
        return "*"
    return ",".join(items)


def _is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes '²', which int() refuses; 9 digits are plenty."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def _num(text: str, lo: int, hi: int, what: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise CalendarError(f"cannot read {text[:20]!r} in the {what} field")
    value = int(text) if len(text) <= 9 else hi + 1  # never int() of 5,000 digits
    if not lo <= value <= hi:
        raise CalendarError(f"{text[:20]} is out of range for the {what} field ({lo}..{hi})")
    return value


def parse_timespan(text: str) -> float | None:
    """Seconds in a systemd time span (``30``, ``30s``, ``1min 30s``, ``1h30m``, ``2d``); None if unreadable.

    A bare number means seconds, as for ``TimeoutStopSec=`` and the timer ``On*Sec=`` settings.
    """
    text = text.strip()
    if not text or text.lower() == "infinity":
        return None
    total = 0.0
    pos = 0
    for m in _SPAN_PART.finditer(text):
        if text[pos : m.start()].strip():
            return None
        unit = m.group(2)
        factor = _SPAN_UNITS.get(unit, _SPAN_UNITS.get(unit.lower()) if unit != "M" else None)
        if factor is None:
            return None
        total += float(m.group(1)) * factor
        pos = m.end()
    if text[pos:].strip() or pos == 0 or not math.isfinite(total):
        return None  # 400 nines are float infinity: no interval, no timeout
    return total


def interval_to_cron(seconds: float) -> tuple[str, bool]:
    """A fixed interval -> (cron schedule, exact?). Inexact results are the nearest cron can do."""
    minutes = max(1, round(seconds / 60))
    exact = seconds % 60 == 0 and seconds >= 60
    if minutes < 60:
        return ("* * * * *" if minutes == 1 else f"*/{minutes} * * * *"), exact and 60 % minutes == 0
    hours = max(1, round(minutes / 60))
    exact = exact and minutes % 60 == 0
    if hours < 24:
        return ("0 * * * *" if hours == 1 else f"0 */{hours} * * *"), exact and 24 % hours == 0
    days = max(1, round(hours / 24))
    exact = exact and hours % 24 == 0
    if days == 1:
        return "0 0 * * *", exact
    if days == 7:
        return "0 0 * * 0", exact
    # cron's day-of-month steps restart every month, so only approximate longer intervals.
    return (f"0 0 */{days} * *" if days < 31 else "0 0 1 * *"), False
