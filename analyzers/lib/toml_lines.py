"""Line numbers for TOML keys and array items (tomlkit parses values but has no line API).

:class:`TomlLines` scans the text once: table headers, ``key = value`` lines (dotted keys included)
and the line span of each multi-line value, so an analyzer that read a value with tomlkit can say
where it was written: ``lines.key(("project", "dependencies"))`` or
``lines.item(("project", "dependencies"), "django>=4.2")``. Shared by pyproject and Pipfile.
"""

from __future__ import annotations

import re

_KEY_PART = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*""")
_HEADER = re.compile(r"^\[\[?(?P<inner>[^\[\]]+)\]\]?\s*(#.*)?$")

Path = tuple[str, ...]


def split_key(text: str) -> Path | None:
    """``a."b.c".d`` -> ("a", "b.c", "d"); None when ``text`` is not a TOML key."""
    parts: list[str] = []
    pos = 0
    while True:
        m = _KEY_PART.match(text, pos)
        if not m:
            return None
        raw = m.group(1)
        parts.append(raw[1:-1] if raw[0] in "\"'" else raw)
        pos = m.end()
        if pos == len(text):
            return tuple(parts)
        if text[pos] != ".":
            return None
        pos += 1


def _depth(text: str) -> tuple[int, str | None]:
    """Bracket balance of one line outside strings, and an unclosed triple-quote delimiter if any."""
    depth, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            break
        if text.startswith(('"""', "'''"), i):
            delim = text[i : i + 3]
            end = text.find(delim, i + 3)
            if end < 0:
                return depth, delim
            i = end + 3
            continue
        if ch in "\"'":
            end = i + 1
            while end < n and text[end] != ch:
                end += 2 if ch == '"' and text[end] == "\\" else 1
            i = end + 1
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        i += 1
    return depth, None


def _split_assignment(line: str) -> tuple[str, str] | None:
    """``key = value`` -> (key, value), honouring quoted keys that contain '='."""
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch in "\"'":
            end = line.find(ch, i + 1)
            if end < 0:
                return None
            i = end + 1
            continue
        if ch == "=":
            return line[:i].strip(), line[i + 1 :]
        i += 1
    return None


class TomlLines:
    """Where each table, key and multi-line value of a TOML document is written (1-based lines)."""

    def __init__(self, text: str) -> None:
        self.tables: dict[Path, int] = {}
        self.keys: dict[Path, tuple[int, int]] = {}  # path -> (first line, last line) of the value
        self._lines = text.splitlines()
        self._scan(self._lines)

    def _scan(self, lines: list[str]) -> None:
        table: Path = ()
        open_key: Path | None = None
        depth = 0
        delim: str | None = None
        for number, raw in enumerate(lines, start=1):
            if delim is not None:  # inside a multi-line string: nothing here is structure
                if delim in raw:
                    delim = None
                continue
            if depth > 0 and open_key is not None:
                change, delim = _depth(raw)
                depth += change
                first, _ = self.keys[open_key]
                self.keys[open_key] = (first, number)
                continue
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                continue
            header = _HEADER.match(stripped)
            if header:
                path = split_key(header.group("inner").strip())
                if path is not None:
                    table = path
                    self.tables.setdefault(path, number)
                continue
            assignment = _split_assignment(stripped)
            if assignment is None:
                continue
            key = split_key(assignment[0])
            if key is None:
                continue
            open_key = table + key
            self.keys.setdefault(open_key, (number, number))
            depth, delim = _depth(assignment[1])

    def key(self, path: Path) -> int | None:
        """Line of the key (or table header) at ``path``; for a key inside an inline table, the
        line of the nearest enclosing key that was written out."""
        for end in range(len(path), 0, -1):
            prefix = path[:end]
            if prefix in self.keys:
                return self.keys[prefix][0]
            if prefix in self.tables:
                return self.tables[prefix] if end == len(path) else None
        return None

    def item(self, path: Path, literal: str) -> int | None:
        """Line of the string ``literal`` inside the (multi-line) value at ``path``, else the key's line."""
        span = self.keys.get(path)
        if span is None:
            return self.key(path)
        return self._find(span, literal) or span[0]

    def _find(self, span: tuple[int, int], literal: str) -> int | None:
        for number in range(span[0], span[1] + 1):
            line = self._lines[number - 1]
            if f'"{literal}"' in line or f"'{literal}'" in line:
                return number
        return None
