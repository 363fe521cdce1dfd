"""JSON and YAML documents as :mod:`analyzers.lib.jsvalue` values, every value with its file and line.

A reader of PM2's ``ecosystem.config.js`` (through :mod:`analyzers.lib.jsobject`) and of ``process.json``
or ``ecosystem.yml`` (through this module) then walks the same values. JSON lines come from
:func:`analyzers.lib.jsonlines.key_lines` (the line of a member's key, or of an array element), YAML lines from
ruamel.yaml's round-trip positions. A document that does not parse is an :class:`Unknown` at the line
of the error; its message names the problem, never the text.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from analyzers.lib.jsonlines import Path, key_lines
from analyzers.lib.jsvalue import JsArray, JsObject, JsScalar, JsValue, Unknown


def from_json(rel: str, text: str) -> JsValue:
    """The value of JSON document ``text`` (repo file ``rel``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Unknown(exc.lineno, f"not valid JSON ({exc.msg})", rel)
    except (ValueError, RecursionError) as exc:
        return Unknown(1, f"not valid JSON ({type(exc).__name__})", rel)
    lines = key_lines(text)
    first = next((i + 1 for i, line in enumerate(text.splitlines()) if line.strip()), 1)

    def convert(value: Any, path: Path, line: int) -> JsValue:
        if isinstance(value, dict):
            return JsObject(tuple((k, convert(v, (*path, k), lines.get((*path, k), line))) for k, v in value.items()),
                            line, rel)
        if isinstance(value, list):
            return JsArray(tuple(convert(v, (*path, i), lines.get((*path, i), line)) for i, v in enumerate(value)),
                           line, rel)
        return JsScalar(value, line, rel)

    return convert(data, (), first)


def from_yaml(rel: str, text: str) -> JsValue:
    """The value of the (first) YAML document ``text`` (repo file ``rel``); anchors and merges resolved."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = YAML(typ="rt", pure=True).load(text)
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        return Unknown(line, f"not valid YAML ({exc.problem})", rel)
    except (YAMLError, ValueError, RecursionError) as exc:
        return Unknown(1, f"not valid YAML ({type(exc).__name__})", rel)
    return _yaml(data, 1, rel, 0)


def _yaml(value: Any, line: int, rel: str, depth: int) -> JsValue:
    if depth > 64:
        return Unknown(line, "nested too deeply", rel)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            items.append((str(k), _yaml(v, _position(value, k, line), rel, depth + 1)))
        return JsObject(tuple(items), line, rel)
    if isinstance(value, list):
        return JsArray(tuple(_yaml(v, _position(value, i, line), rel, depth + 1) for i, v in enumerate(value)),
                       line, rel)
    if isinstance(value, bool) or value is None:
        return JsScalar(value, line, rel)
    if isinstance(value, int):
        return JsScalar(int(value), line, rel)
    if isinstance(value, float):
        return JsScalar(float(value), line, rel)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return JsScalar(value.isoformat(), line, rel)
    return JsScalar(str(value), line, rel)


def _position(container: Any, key: Any, fallback: int) -> int:
    """The 1-based line of ``key`` in a ruamel mapping (or index in a sequence); merged keys have none."""
    lc = getattr(container, "lc", None)
    if lc is None:
        return fallback
    try:
        pos = lc.key(key) if isinstance(container, dict) else lc.item(key)
    except (AttributeError, KeyError, IndexError, TypeError):
        return fallback
    return int(pos[0]) + 1 if pos else fallback
