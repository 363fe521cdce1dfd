"""Values read statically from JavaScript (or JSON/YAML) config files, each with the line it came from.

:mod:`analyzers.lib.jsobject` turns a JS expression into one of these; :mod:`analyzers.lib.jsdata` does
the same for JSON and YAML, so a reader of ``ecosystem.config.js`` and of ``process.json`` walks the same
values. Nothing is ever executed: what a static reading cannot know is an explicit :class:`Unknown` with
its line and a short reason (names of functions or identifiers, never a literal's text, so a reason can
go into a warning without leaking a value).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Scalar = str | int | float | bool | None  # None is JS null and undefined


@dataclass(frozen=True)
class Unknown:
    """A value a static reading cannot know: a call, a parameter, a reassigned variable ..."""

    line: int
    reason: str
    file: str | None = None  # None: the file being read


@dataclass(frozen=True)
class JsScalar:
    """A string, number, boolean or null literal (or one computed from literals: ``1024 * 300``)."""

    value: Scalar
    line: int
    file: str | None = None


@dataclass(frozen=True)
class EnvRef:
    """``process.env.NAME``, with the default of ``process.env.NAME || 'd'`` (or ``??``) when there is one."""

    name: str
    default: JsValue | None
    line: int
    file: str | None = None


@dataclass(frozen=True)
class JsArray:
    """An array literal. ``complete`` is False when a spread of something unknown was left out."""

    items: tuple[JsValue, ...]
    line: int
    file: str | None = None
    complete: bool = True

    def __iter__(self) -> Iterator[JsValue]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class JsObject:
    """An object literal, keys in source order (a later duplicate wins, as in JS). ``unknown`` lists what
    could not be merged in: spreads of unknown values, computed keys, methods."""

    entries: tuple[tuple[str, JsValue], ...]
    line: int
    file: str | None = None
    unknown: tuple[Unknown, ...] = ()

    def get(self, key: str) -> JsValue | None:
        for k, v in self.entries:
            if k == key:
                return v
        return None

    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.entries)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self.entries)


JsValue = JsScalar | EnvRef | JsArray | JsObject | Unknown


def as_str(value: JsValue | None) -> str | None:
    """The string of a string literal, else None."""
    return value.value if isinstance(value, JsScalar) and isinstance(value.value, str) else None


def as_text(value: JsValue | None) -> str | None:
    """A string or number literal as text, the way JS would print it (``300`` -> ``"300"``), else None."""
    if not isinstance(value, JsScalar) or value.value is None or isinstance(value.value, bool):
        return None
    return value.value if isinstance(value.value, str) else number_text(value.value)


def as_int(value: JsValue | None) -> int | None:
    """An integer literal, or a string of digits (``instances: "4"``), else None."""
    if isinstance(value, JsScalar):
        v = value.value
        if isinstance(v, int) and not isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            return int(v.strip())
    return None


def as_bool(value: JsValue | None) -> bool | None:
    """A boolean literal (or the strings ``"true"``/``"false"`` that YAML and CLIs give), else None."""
    if isinstance(value, JsScalar):
        if isinstance(value.value, bool):
            return value.value
        if value.value in ("true", "false"):
            return value.value == "true"
    return None


def plain(value: JsValue | None) -> Any:
    """Nested Python values (dict, list, scalars); :class:`Unknown` and :class:`EnvRef` stay as they are."""
    if isinstance(value, JsScalar):
        return value.value
    if isinstance(value, JsArray):
        return [plain(v) for v in value.items]
    if isinstance(value, JsObject):
        return {k: plain(v) for k, v in value.entries}
    return value


def number_text(n: float) -> str:
    """A number as JS prints it: ``3000``, ``2.5``, ``1e+21`` (close enough for config values)."""
    if isinstance(n, int) or (n.is_integer() and abs(n) < 1e21):
        return str(int(n))
    return repr(n)
