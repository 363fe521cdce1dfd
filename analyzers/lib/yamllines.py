"""YAML loaded round-trip (ruamel keeps each key's line) with its problem as (line, message) instead of an
exception: the one loader of the deploy readers and providers that read YAML files of the repo."""

from __future__ import annotations

from typing import Any


def load(text: str, then: str = "not read") -> tuple[Any, tuple[int | None, str] | None]:
    """(data, None), or (None, (the error's 1-based line or None, "not valid YAML (...); <then>"))."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return YAML(typ="rt", pure=True).load(text), None
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        return None, (line, f"not valid YAML ({exc.problem}); {then}")
    except (YAMLError, ValueError, RecursionError) as exc:
        return None, (None, f"not valid YAML ({type(exc).__name__}); {then}")
