"""A line-aware parser for systemd unit files (``*.service``, ``*.timer``, ``*.socket``) and drop-ins.

configparser would lose line numbers and gets systemd's dialect wrong, so this reads the format itself:
``[Section]`` headers, ``Key=Value`` assignments, ``#``/``;`` comment lines (skipped even inside a
continued value, as systemd does), lines ending in ``\\`` continued on the next line, and repeated
keys kept in order (an empty assignment resets the list). Template variants are read as they are:
``{{ var }}`` stays one word, ``{% ... %}`` / ``{# ... #}`` lines are skipped. Each entry keeps the
file and line where it starts, so a finding can point at the directive that says it. What the keys
mean is the systemd analyzer's business, not this module's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analyzers.deploy.hostcfg import collapse_jinja, strip_template
from migrator.repo import RepoView

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Entry:
    """One ``Key=Value`` assignment; ``line`` is where it starts (continuations are joined)."""

    section: str
    key: str
    value: str
    line: int
    file: str = ""


@dataclass
class Unit:
    """A parsed unit file: its entries, then those of its drop-ins, in the order systemd applies them."""

    rel: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The unit name (``web.service``), without any template suffix."""
        return strip_template(self.rel).rsplit("/", 1)[-1]

    @property
    def stem(self) -> str:
        return self.name.rsplit(".", 1)[0]

    @property
    def type(self) -> str:
        return self.name.rsplit(".", 1)[1]

    def values(self, section: str, key: str) -> list[Entry]:
        """Every assignment of ``key`` in order; an empty assignment resets the list, as in systemd."""
        out: list[Entry] = []
        for e in self.entries:
            if e.section == section and e.key == key:
                out = [] if e.value == "" else [*out, e]
        return out

    def last(self, section: str, *keys: str) -> Entry | None:
        """The effective assignment of the first of ``keys`` that is set (aliases, newest name first)."""
        for key in keys:
            found = self.values(section, key)
            if found:
                return found[-1]
        return None


def parse_unit(lines: list[str], rel: str = "") -> tuple[list[Entry], list[tuple[int, str]]]:
    """(entries, problems as (line, message)) for a unit file's lines."""
    entries: list[Entry] = []
    problems: list[tuple[int, str]] = []
    section = ""
    pending: tuple[int, str] | None = None
    for lineno, raw in enumerate(lines, start=1):
        line = collapse_jinja(raw.strip())
        if pending is not None:
            if line.startswith(("#", ";")):
                continue  # systemd skips comment lines inside a continued value
            start, text = pending
            if line.endswith("\\"):
                pending = (start, f"{text} {line[:-1].strip()}".strip())
                continue
            pending = None
            _assign(entries, problems, section, start, f"{text} {line}".strip(), rel)
            continue
        if not line or line.startswith(("#", ";", "{%", "{#")):
            continue
        if line.startswith("["):
            if line.endswith("]"):
                section = line[1:-1].strip()
            else:
                problems.append((lineno, "section header without ']'; ignored"))
            continue
        if line.endswith("\\"):
            pending = (lineno, line[:-1].rstrip())
            continue
        _assign(entries, problems, section, lineno, line, rel)
    if pending is not None:
        _assign(entries, problems, section, pending[0], pending[1], rel)
    return entries, problems


def _assign(entries: list[Entry], problems: list[tuple[int, str]], section: str, line: int, text: str, rel: str
            ) -> None:
    key, eq, value = text.partition("=")
    key = key.strip()
    if not eq or not _KEY.match(key):
        problems.append((line, "not a Key=Value line; ignored"))
    elif not section:
        problems.append((line, f"{key}= outside any [Section]; ignored"))
    else:
        entries.append(Entry(section, key, value.strip(), line, rel))


def read_unit(repo: RepoView, rel: str) -> tuple[Unit, list[tuple[str, int, str]]]:
    """The unit at ``rel`` with its drop-ins applied; problems as (file, line, message), in file order.

    Drop-ins (``web.service.d/*.conf`` next to the unit) apply after the unit, in file name order, as
    systemd does.
    """
    unit = Unit(rel)
    folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
    dropins = sorted(f for f in repo.files() if f.startswith(folder + unit.name + ".d/")
                     and strip_template(f).endswith(".conf"))
    problems: list[tuple[str, int, str]] = []
    for part in [rel, *dropins]:
        entries, found = parse_unit(repo.lines(part), part)
        problems.extend((part, line, message) for line, message in found)
        unit.entries.extend(entries)
    return unit, problems
