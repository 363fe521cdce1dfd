"""Helpers shared by the PM2, forever and nodemon readers: env tables and argument lists as written."""

from __future__ import annotations

import shlex

from analyzers.lib.jsvalue import EnvRef, JsArray, JsObject, JsScalar, JsValue, Unknown, as_text
from analyzers.providers.node.facts import EnvValue
from migrator.secrets import bears_secret, is_secret_name, secret_kind


def env_values(table: JsValue | None) -> tuple[EnvValue, ...]:
    """The ``{NAME: value}`` members of an env object; a secret's value is never kept."""
    if not isinstance(table, JsObject):
        return ()
    out = []
    for name, written in table.entries:
        value: JsValue | None = written
        if isinstance(written, EnvRef):  # PORT: process.env.PORT || 3000 -> its default
            value = written.default if isinstance(written.default, JsScalar) else None
        text = as_text(value) if value is not None else None
        if isinstance(value, JsScalar) and isinstance(value.value, bool):
            text = "true" if value.value else "false"
        line = value.line if value is not None else table.line
        secret = is_secret_name(name) or (text is not None and bears_secret(text))
        if secret:
            out.append(EnvValue(name, None, line, True, secret_kind(name, text) if text else None))
        else:
            out.append(EnvValue(name, text, line))
    return tuple(out)


def words(value: JsValue | None) -> tuple[str, ...]:
    """An argument list: an array of strings/numbers, or one string split like a shell would."""
    if isinstance(value, JsArray):
        return tuple(t for v in value if (t := as_text(v)) is not None)
    text = as_text(value)
    if not text:
        return ()
    try:
        return tuple(shlex.split(text))
    except ValueError:  # an unbalanced quote: split on blanks rather than lose the arguments
        return tuple(text.split())


def unknowns(obj: JsObject) -> tuple[Unknown, ...]:
    """Members (and spreads) a static reading could not know, for warnings."""
    found = [v for _, v in obj.entries if isinstance(v, Unknown)]
    return tuple(found) + obj.unknown
