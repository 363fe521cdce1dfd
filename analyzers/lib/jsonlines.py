"""Line numbers for JSON values: ``json`` parses, this small scanner says where each key sits.

:func:`key_lines` maps a path (``("env", "SECRET_KEY")``, ``("addons", 0)``) to the 1-based line
where that member's key (or that array element) starts, so findings from JSON files carry real
evidence. It only tracks structure; values come from :func:`json.loads`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

Path = tuple[str | int, ...]


@dataclass
class _Frame:
    path: Path
    is_object: bool
    count: int = 0  # array elements seen so far
    key: str = ""  # the object member being read
    expecting: bool = True  # an array element starts with the next token


def key_lines(text: str) -> dict[Path, int]:
    """``{path: line}`` for every object member and array element in ``text`` (best effort)."""
    out: dict[Path, int] = {}
    stack: list[_Frame] = []
    line, i, n = 1, 0, len(text)
    last_string: tuple[str, int] | None = None
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == '"':
            start_line = line
            _element(stack, out, line)
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\n":
                    line += 1
                j += 2 if text[j] == "\\" else 1
            last_string = (_unescape(text[i + 1 : j]), start_line)
            i = j
        elif ch == ":" and stack and stack[-1].is_object and last_string is not None:
            top = stack[-1]
            top.key = last_string[0]
            out.setdefault((*top.path, top.key), last_string[1])
            last_string = None
        elif ch in "{[":
            _element(stack, out, line)
            if not stack:
                path: Path = ()
            elif stack[-1].is_object:
                path = (*stack[-1].path, stack[-1].key)
            else:
                path = (*stack[-1].path, stack[-1].count - 1)
            stack.append(_Frame(path, ch == "{"))
        elif ch in "}]":
            if stack:
                stack.pop()
        elif ch == ",":
            last_string = None
            if stack and not stack[-1].is_object:
                stack[-1].expecting = True
        elif not ch.isspace():
            _element(stack, out, line)
        i += 1
    return out


def _element(stack: list[_Frame], out: dict[Path, int], line: int) -> None:
    """Record where an array element begins (the first token after '[' or ',')."""
    if not stack or stack[-1].is_object or not stack[-1].expecting:
        return
    top = stack[-1]
    out.setdefault((*top.path, top.count), line)
    top.count += 1
    top.expecting = False


def _unescape(raw: str) -> str:
    try:
        value = json.loads(f'"{raw}"')
    except ValueError:
        return raw
    return value if isinstance(value, str) else raw
