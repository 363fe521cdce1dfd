"""Resolved values and where they came from: the small vocabulary every generator shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migrator.model import Subject
from migrator.names import dns_label
from migrator.textsafe import inline

APP_DIR = "/app"  # where the code lives in the image


def origin(subject: Subject | None, name: str) -> str | None:
    """``file:line (confidence)`` of the winning value of ``subject.name``, or None."""
    fact = subject.facts.get(name) if subject is not None else None
    if fact is None:
        return None
    # origins go into comments (YAML, Dockerfile, MIGRATION.md): one line, no control characters
    return inline(f"{fact.source.where()} ({fact.source.confidence.label})")


@dataclass(frozen=True)
class Value:
    """A resolved value and where it came from."""

    value: Any
    origin: str


def slug(text: str, fallback: str = "app", limit: int = 40) -> str:
    """A DNS-1035 label of at most ``limit`` characters (:func:`migrator.names.dns_label`): the app name
    takes 40 and a process 20, so ``<app>-<process>`` fits a Service's 63."""
    return dns_label(text, fallback, limit)


def bounded_int(value: object, low: int, high: int) -> int | None:
    """An int within [low, high] (bool and strings such as "$PORT" are not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and low <= value <= high else None
