"""What the Fabric walk passes around: the constants, the values (function references, host specs,
connections, context changes, frames) and the small pure helpers on them.

``NAME`` is the analyzer's name (reports print it): every module of the package cites it as the source.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from analyzers.pyresolve import Unknown, text

NAME = "fabric"

_REPO = "/__repo__"  # what __file__ resolves under, so paths built from it map back to repo files
_BUDGET = 20000  # statements walked per file: helpers shared by many tasks must not explode the walk


# -- values the walk passes around ----------------------------------------------------------------


class _OutOfBudget(Exception):
    """The walk visited more statements than :data:`_BUDGET`."""


@dataclass(frozen=True)
class FuncRef:
    """A module-level function used as a value (``execute(deploy)``, ``pre=[build]``)."""

    name: str


@dataclass(frozen=True)
class HostSpec:
    """The hosts a task targets, and where they were declared."""

    count: int
    where: str
    line: int | None
    web_role: bool = False
    file: str | None = None  # set when declared in another module of a fabfile package

    @property
    def hint(self) -> str:
        return f"{self.count} host{'s' if self.count != 1 else ''} in {self.where}"


@dataclass(frozen=True)
class Conn:
    """A Fabric 2 Connection/Group or an Invoke Context (``local``: commands run on the local machine)."""

    hosts: HostSpec | None = None
    user: str | None = None
    local: bool = False


@dataclass(frozen=True)
class CtxChange:
    """What a context manager changes: ``cd``, ``prefix``, ``settings(user=...)``, ``shell_env`` ..."""

    cwd: str | None = None
    lcwd: str | None = None
    prefixes: tuple[str, ...] = ()
    user: str | None = None
    sudo_user: str | None = None
    hosts: HostSpec | None = None


@dataclass(frozen=True)
class Ctx:
    """The context a command runs in."""

    cwd: str | None = None
    lcwd: str | None = None
    prefixes: tuple[str, ...] = ()
    user: str | None = None
    sudo_user: str | None = None
    hosts: HostSpec | None = None

    def apply(self, change: CtxChange) -> Ctx:
        return replace(
            self,
            cwd=_cd(self.cwd, change.cwd),
            lcwd=_cd(self.lcwd, change.lcwd),
            prefixes=self.prefixes + change.prefixes,
            user=change.user or self.user,
            sudo_user=change.sudo_user or self.sudo_user,
            hosts=change.hosts or self.hosts,
        )


@dataclass
class Frame:
    """One function activation: what it returned first, and the context at its first ``yield``."""

    returned: Any = None
    has_returned: bool = False
    yielded: Ctx | None = None


def _cd(cwd: str | None, path: str | None) -> str | None:
    if path is None:
        return cwd
    if cwd is None or path.startswith(("/", "~", "$")):
        return path
    return posixpath.normpath(posixpath.join(cwd, path))


def _string(value: Any) -> str | None:
    """A fully known string (no placeholders), else None."""
    if isinstance(value, str) and "${" not in value:
        return value
    return None


def _named(value: Any, name: str) -> Any:
    """An unknown value bound to a name is best shown by that name: ``${release}``."""
    return Unknown(name) if isinstance(value, Unknown) else value


def _string_or_text(value: Any) -> str | None:
    return None if value is None else text(value)


def _flatten(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out += _flatten(v)
        elif v is not None:
            out.append(v)
    return out


def _changes(value: Any) -> list[CtxChange | Ctx]:
    if isinstance(value, (CtxChange, Ctx)):
        return [value]
    if isinstance(value, (list, tuple)):
        return [c for v in value for c in _changes(v)]
    return []


def _merge(a: CtxChange, b: CtxChange) -> CtxChange:
    return CtxChange(
        cwd=_cd(a.cwd, b.cwd), lcwd=_cd(a.lcwd, b.lcwd), prefixes=a.prefixes + b.prefixes,
        user=b.user or a.user, sudo_user=b.sudo_user or a.sudo_user, hosts=b.hosts or a.hosts,
    )
