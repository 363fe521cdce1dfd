"""whenever's time arithmetic, emulated: ``every <time>, at: <at>`` -> the cron lines whenever writes
(its ``lib/whenever/cron.rb``: ``parse_time``, ``parse_as_string``, ``comma_separated_timing``, the
``combine`` of ``job_list.rb``), and Chronic's reading of an ``at:`` time of day. A list whenever writes
that equals a step (``0,10,20,30,40,50``) is written as one (``*/10``); whenever's quirks are kept (``every
45.minutes`` is minute 45 of each hour, as on the old host).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from analyzers.deploy.cron import MACROS
from analyzers.lib.rb import EnvRef, Interp, RbList, RbValue, RubyFile, Symbol, Unknown

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800, "fortnight": 1209600,
          "month": 2592000, "year": 31557600}
_SYMBOL_DURATIONS = {"year": "year", "day": "day", "month": "month", "week": "week", "hour": "hour",
                     "minute": "minute"}
KEYWORDS = ("reboot", "yearly", "annually", "monthly", "weekly", "daily", "midnight", "hourly")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_RAW = re.compile(r"^(@(" + "|".join(KEYWORDS) + r")|((\*?[\d/,\-]*)\s){3}(\*?[\d/,\-a-z]*\s)(\*?[\d/,\-a-z]*))$",
                  re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*([ap])?\.?\s*m?\.?$")


class Unsupported(ValueError):
    """A time whenever cannot turn into cron (it raises too), or that this reader cannot evaluate."""


@dataclass(frozen=True)
class Time:
    """What ``every`` is given: seconds, a symbol, a raw cron line or a day-name string."""

    kind: str  # "seconds" | "symbol" | "cron" | "string"
    value: Any


@dataclass(frozen=True)
class Clock:
    """An ``at:`` time of day as Chronic reads it."""

    hour: int
    minute: int
    ambiguous: bool = False  # an hour without am/pm that Chronic moved to the afternoon


def times(parsed: RubyFile, node: Any, depth: int = 0) -> Iterator[Time]:
    """The times of ``every``'s first argument (a list gives several)."""
    if depth > 8:
        raise Unsupported("nested too deeply")
    if node.type == "array":
        for child in node.named_children:
            yield from times(parsed, child, depth + 1)
        return
    seconds = _duration(parsed, node)
    if seconds is not None:
        yield Time("seconds", seconds)
        return
    value = parsed.value(node)
    if isinstance(value, Symbol):
        yield Time("symbol", value.name)
    elif isinstance(value, str):
        if _RAW.match(value.strip()):
            yield Time("cron", value.strip())
        else:
            yield from (Time("string", part.strip()) for part in value.split(",") if part.strip())
    else:
        raise Unsupported("not a literal time")


def _duration(parsed: RubyFile, node: Any) -> int | None:
    if node.type == "integer":
        value = parsed.value(node)
        return value if isinstance(value, int) else None
    if node.type != "call":
        return None
    receiver, method = node.child_by_field_name("receiver"), node.child_by_field_name("method")
    if receiver is None or method is None or receiver.type not in ("integer", "float"):
        return None
    unit = _UNITS.get(parsed.text(method).removesuffix("s"))
    number = parsed.value(receiver)
    if unit is None or not isinstance(number, (int, float)) or isinstance(number, bool):
        return None
    return int(number * unit)


def ats(value: RbValue, hours24: bool) -> list[Clock | int]:
    """The ``at:`` values, each a time of day or an integer (0 when absent); strings split at commas."""
    if value is None:
        return [0]
    if isinstance(value, RbList):
        return [a for item in value.items for a in ats(item, hours24)]
    if isinstance(value, (bool, EnvRef, Interp, Unknown, Symbol)):
        raise Unsupported("the 'at:' time is not a literal")
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        return [clock(part, hours24) for part in value.split(",") if part.strip()]
    raise Unsupported("the 'at:' time is not a literal")


def clock(text: str, hours24: bool = False) -> Clock:
    """Chronic's reading of a time of day: ``4:30 am``, ``12pm``, ``noon``; an hour without am/pm between
    6am and 6pm (its ``ambiguous_time_range`` 6: ``5:00`` is 17:00) unless ``hours24``."""
    t = text.strip().lower()
    if t in ("noon", "midday"):
        return Clock(12, 0)
    if t == "midnight":
        return Clock(0, 0)
    m = _CLOCK.match(t)
    if m is None:
        raise Unsupported(f"the time {text.strip()!r} is not one this reader evaluates")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if hour > 23 or minute > 59:
        raise Unsupported(f"the time {text.strip()!r} is not a time of day")
    if m.group(3):
        if hour > 12 or hour == 0:
            raise Unsupported(f"the time {text.strip()!r} is not a time of day")
        hour = hour % 12 + (12 if m.group(3) == "p" else 0)
    elif not hours24 and 1 <= hour <= 5:
        return Clock(hour + 12, minute, ambiguous=True)
    return Clock(hour, minute)


def crons(time: Time, at: RbValue, hours24: bool = False) -> list[str]:
    """whenever's cron line (time fields only, or a macro) for each ``at:``."""
    return [_cron(time, a) for a in ats(at, hours24)]


def _cron(time: Time, at: Clock | int) -> str:
    if time.kind == "cron":
        return str(time.value)
    if time.kind == "seconds":
        return _parse_time(int(time.value), at)
    if time.kind == "symbol":
        name = str(time.value)
        if name in KEYWORDS:
            if isinstance(at, Clock) or at > 0:
                raise Unsupported(f"whenever refuses an 'at:' with :{name}")
            return "@" + name
        if name in _SYMBOL_DURATIONS:
            return _parse_time(_UNITS[_SYMBOL_DURATIONS[name]], at)
    return _parse_as_string(str(time.value), at)


def _round(x: float) -> int:
    return int(math.floor(x + 0.5))  # Ruby rounds half away from zero


def _parse_time(seconds: int, at: Clock | int) -> str:
    t = ["*"] * 5
    clock_at = at if isinstance(at, Clock) else None
    number = at if isinstance(at, int) else 0
    if seconds < _UNITS["minute"]:
        raise Unsupported("whenever needs minutes or more")
    if seconds < _UNITS["hour"]:
        if clock_at is not None:
            raise Unsupported("a time of day with a minutes interval")
        t[0] = _timing(seconds // 60, 59, number)
    elif seconds < _UNITS["day"]:
        t[0] = str(clock_at.minute if clock_at else _within(number, 0, 59, "minute"))
        t[1] = _timing(_round(seconds / 3600), 23)
    elif seconds < _UNITS["month"]:
        t[0] = str(clock_at.minute if clock_at else 0)
        t[1] = str(clock_at.hour if clock_at else _within(number, 0, 23, "hour"))
        t[2] = _timing(_round(seconds / 86400), 31, 1)
    elif seconds < _UNITS["year"]:
        t[0], t[1] = (str(clock_at.minute), str(clock_at.hour)) if clock_at else ("0", "0")
        t[2] = "1" if clock_at or number == 0 else str(_within(number, 1, 31, "day"))
        t[3] = _timing(_round(seconds / 2592000), 12, 1)
    elif seconds == _UNITS["year"]:
        t[0], t[1] = (str(clock_at.minute), str(clock_at.hour)) if clock_at else ("0", "0")
        t[2] = "1"
        t[3] = "1" if clock_at or number == 0 else str(_within(number, 1, 12, "month"))
    else:
        raise Unsupported("longer than a year")
    return " ".join(t)


def _within(value: int, low: int, high: int, name: str) -> int:
    if not low <= value <= high:
        raise Unsupported(f"{name} must be between {low}-{high}, {value} given")
    return value


def _parse_as_string(text: str, at: Clock | int) -> str:
    minute, hour = (at.minute, at.hour) if isinstance(at, Clock) else (0, 0)
    head = f"{minute} {hour} * *"
    lower = text.lower()
    if "weekday" in lower:
        return f"{head} 1-5"
    if "weekend" in lower:
        return f"{head} 6,0"
    for index, day in enumerate(_DAYS):
        if day in lower:
            return f"{head} {index}"
    raise Unsupported(f"whenever cannot parse {text!r}")


def _timing(frequency: int, top: int, start: int = 0) -> str:
    """whenever's ``comma_separated_timing``, a full step written as ``*/n``."""
    if frequency == 0:
        return str(start)
    if frequency == 1:
        return "*"
    if frequency > math.ceil(top * 0.5):
        return str(frequency)
    original = start
    if not ((top + 1) % frequency == 0 or start > 0):
        start += frequency
    values = list(range(start, top + 1, frequency))
    count = _round(top / frequency) + (1 if original == 0 else 0)
    values = values[:count]
    if values == list(range(original, top + 1, frequency)):
        return f"*/{frequency}"
    return ",".join(str(v) for v in values)


def combine(entries: list[str]) -> list[str]:
    """whenever's ``combine``: lines that differ in one field become one (``0 1 * * *`` and ``0 13 * * *``
    -> ``0 1,13 * * *``); macros are kept apart."""
    macros = [e for e in entries if e.startswith("@")]
    rows = [e.split() for e in entries if not e.startswith("@")]
    for f in range(5):
        i = len(rows) - 1
        while i >= 1:
            if rows[i][f] != "*":
                rest = rows[i][:f] + rows[i][f + 1:]
                for j in range(i - 1, -1, -1):
                    if rows[j][f] != "*" and rows[j][:f] + rows[j][f + 1:] == rest:
                        rows[j][f] += "," + rows[i][f]
                        del rows[i]
                        break
            i -= 1
    return macros + [" ".join(r) for r in rows]


def macro(cron: str) -> str:
    """A cron macro as five fields (``@daily`` -> ``0 0 * * *``)."""
    return MACROS.get(cron, cron)
