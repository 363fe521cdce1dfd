"""Cron schedule text -> a validated 5-field schedule a Kubernetes CronJob accepts, or the reason not.

A crontab line starts with its time fields. Vixie cron and cronie take five (minute, hour, day of
month, month, day of week) with ``*``, lists, ranges, steps and the names ``jan``..``dec`` and
``sun``..``sat``; node-cron and Quartz put a seconds field first (Quartz also a year last and ``?``
for "no specific day"). Kubernetes parses the five-field form (robfig/cron), which has no seconds,
no year and no day of week 7, so :func:`from_fields` validates every field, drops what a CronJob can
express without it (seconds ``0``, year ``*``), rewrites day of week 7 as 0, and raises
:class:`ScheduleError` with the reason for everything else: a CronJob must never run at a time the
legacy cron did not (or be rejected by the API server when applied).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MONTHS = {name: i for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
DAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True)
class _Field:
    name: str
    lo: int
    hi: int
    names: dict[str, int]


_FIELDS = (
    _Field("minute", 0, 59, {}),
    _Field("hour", 0, 23, {}),
    _Field("day of month", 1, 31, {}),
    _Field("month", 1, 12, MONTHS),
    _Field("day of week", 0, 7, DAYS),  # 7 is Sunday too in Vixie cron, not in Kubernetes
)
_SECONDS = _Field("second", 0, 59, {})
# Quartz numbers the days of the week 1-7 from Sunday (its lines are the ones with a '?').
_QUARTZ_DAYS = _Field("day of week", 1, 7, {name: i + 1 for name, i in DAYS.items()})
# What a time field can look like (numbers, names, * ? , - /); anything else is a command word.
_NUMERIC = re.compile(r"^[0-9*?][0-9*?,/\-]*$")
_NAMED = re.compile(r"^[A-Za-z]{3}(?:[,\-][A-Za-z0-9]{1,3})*(?:/\d+)?$")


class ScheduleError(ValueError):
    """The schedule is invalid, or a CronJob cannot run it; the message says why."""


@dataclass(frozen=True)
class Schedule:
    """A 5-field schedule for a CronJob, and a note when the legacy one said more (seconds)."""

    cron: str
    note: str | None = None


def time_field_count(tokens: Sequence[str]) -> int:
    """How many leading ``tokens`` are time fields: 5, 6 (seconds first) or 7 (and a year last).

    The sixth token counts only when it is numeric or a day-of-week expression while the fifth is
    not one already (``0 3 * * mon mon-check`` is five fields and a command).
    """
    if len(tokens) < 6 or not _looks_like_time(tokens[5], DAYS):
        return 5
    if not _NUMERIC.match(tokens[4]) and _looks_like_time(tokens[4], DAYS):
        return 5  # the fifth is already the day of week
    if len(tokens) >= 7 and _NUMERIC.match(tokens[6]):
        return 7
    return 6


def looks_like_field(token: str) -> bool:
    """True when ``token`` could be one of the five time fields (numbers, ``*``, or month/day names)."""
    return bool(_NUMERIC.match(token)) or _looks_like_time(token, {**MONTHS, **DAYS})


def _looks_like_time(token: str, names: dict[str, int]) -> bool:
    if _NUMERIC.match(token):
        return True
    if not _NAMED.match(token):
        return False
    words = re.findall(r"[A-Za-z]+", token)
    return all(w.lower() in names for w in words)


def from_fields(tokens: Sequence[str]) -> Schedule:
    """Validate 5, 6 (seconds first) or 7 (seconds, ..., year) time fields; see the module docstring."""
    note = None
    if len(tokens) in (6, 7):
        seconds = tokens[0]
        if len(tokens) == 7 and tokens[6] not in ("*", "?"):
            raise ScheduleError(f"the year field {tokens[6]!r} (Quartz) cannot be expressed in a CronJob")
        if not seconds.isascii() or not seconds.isdigit():
            _values(seconds, _SECONDS)  # a bad seconds field is reported as such
            raise ScheduleError(f"runs several times a minute (seconds field {seconds!r}); a CronJob runs at "
                                "most once a minute: run it as a worker process instead")
        second = _number(seconds, _SECONDS)
        if second:
            note = f"ran at second {second} of the minute; the CronJob runs at second 0"
        if "?" in (tokens[3], tokens[5]) and re.search(r"\d", tokens[5].split("/")[0]):
            days = sorted(v - 1 for v in _values(tokens[5], _QUARTZ_DAYS))
            tokens = [*tokens[1:5], _compress(days)]
        else:
            tokens = tokens[1:6]
    if len(tokens) != 5:
        raise ScheduleError(f"expected five time fields, got {len(tokens)}")
    fields = [_normal(text, spec) for text, spec in zip(tokens, _FIELDS, strict=True)]
    _check_days_exist(tokens)
    return Schedule(" ".join(fields), note)


def _normal(text: str, spec: _Field) -> str:
    values = _values(text, spec)
    if spec is _FIELDS[4] and 7 in values and not text.startswith(("*", "?")):
        # Kubernetes knows only 0 for Sunday: list the days (never "*": a restricted day of week
        # ORs with the day of month, an unrestricted one does not).
        return _compress(sorted({0 if v == 7 else v for v in values}))
    return "*" if text == "?" else text.replace("?", "*")


def _values(text: str, spec: _Field) -> set[int]:
    """Every value ``text`` selects in ``spec``'s field; ScheduleError when any part is invalid."""
    if not text:
        raise ScheduleError(f"the {spec.name} field is empty")
    out: set[int] = set()
    for part in text.split(","):
        rng, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isascii() or not step_text.isdigit():
                raise ScheduleError(f"step {step_text!r} in the {spec.name} field is not a number")
            step = int(step_text) if len(step_text) <= 4 else 10_000
            if step == 0:
                raise ScheduleError(f"step 0 in the {spec.name} field ({part!r}) never advances")
        if rng in ("*", "?"):
            if rng == "?" and spec.name not in ("day of month", "day of week"):
                raise ScheduleError(f"'?' is only allowed in the day fields, not the {spec.name} field")
            start, end = spec.lo, (6 if spec is _FIELDS[4] else spec.hi)
        elif "-" in rng:
            a_text, _, b_text = rng.partition("-")
            start, end = _number(a_text, spec), _number(b_text, spec)
            if start > end:
                raise ScheduleError(f"range {rng!r} runs backwards in the {spec.name} field")
        else:
            start = _number(rng, spec)
            end = spec.hi if slash else start  # robfig reads "5/15" as "5-max/15"
        out.update(range(start, end + 1, step))
    return out


def _number(text: str, spec: _Field) -> int:
    name = text.lower()
    if name in spec.names:
        return spec.names[name]
    if not text.isascii() or not text.isdigit():
        raise ScheduleError(f"{text!r} is not a valid {spec.name}" if text else f"a value is missing in the "
                            f"{spec.name} field")
    value = int(text) if len(text) <= 4 else spec.hi + 1  # no int() of 5,000 digits
    if not spec.lo <= value <= spec.hi:
        raise ScheduleError(f"{spec.name} {text[:12]} is out of range {spec.lo}-{spec.hi}")
    return value


def _check_days_exist(tokens: Sequence[str]) -> None:
    """A day of month no selected month has (``0 0 30 2 *``) never runs; cron would never run it either."""
    dom, month, dow = tokens[2], tokens[3], tokens[4]
    if dom.startswith(("*", "?")) or not dow.startswith(("*", "?")):
        return  # a restricted day of week ORs with the day of month
    first_day = min(_values(dom, _FIELDS[2]))
    if all(_DAYS_IN_MONTH[m - 1] < first_day for m in _values(month, _FIELDS[3])):
        raise ScheduleError(f"day {first_day} never occurs in the month(s) {month!r}: it would never run")


def _compress(values: list[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``0-2,5``."""
    parts: list[str] = []
    start = prev = values[0]
    for v in [*values[1:], None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if v is not None:
            start = prev = v
    return ",".join(parts)
