"""Bundler's lock file (``Gemfile.lock`` / ``gems.locked``) read line by line: what is locked, at which
line, from which source, for which platforms, and the ``RUBY VERSION`` and ``BUNDLED WITH`` it records.

The format is Bundler's own (``Bundler::LockfileParser``): sections at column 0 (``GEM``, ``GIT``,
``PATH``, ``PLUGIN SOURCE``, ``PLATFORMS``, ``DEPENDENCIES``, ``RUBY VERSION``, ``BUNDLED WITH``,
``CHECKSUMS``), a source's ``specs:`` at four spaces (``nokogiri (1.15.4-x86_64-linux)``) and their
dependencies at six. A line that fits nothing (a merge conflict marker, garbage) is skipped and counted,
never fatal: the Gemfile still says what the app needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SPEC = re.compile(r"^    ([A-Za-z0-9_.\-]+) \(([^)]+)\)\s*$")
_DEP = re.compile(r"^  ([A-Za-z0-9_.\-]+)(!)?(?: \(([^)]*)\))?\s*$")
_RUBY = re.compile(r"^\s+ruby\s+(\d+(?:\.\d+){0,3})(?:p\d+)?")
_BUNDLED = re.compile(r"^\s+(\d+(?:\.\d+){1,3}\S*)\s*$")
_SOURCES = {"GEM": "rubygems", "GIT": "git", "PATH": "path", "PLUGIN SOURCE": "plugin"}
_KNOWN = frozenset({*_SOURCES, "PLATFORMS", "DEPENDENCIES", "RUBY VERSION", "BUNDLED WITH", "CHECKSUMS"})
# The platform part of a locked version: rubygems versions never contain "-", platforms always follow one
_PLATFORM = re.compile(r"^(\d[0-9A-Za-z.]*)(?:-(.+))?$")


@dataclass(frozen=True)
class LockedSpec:
    """One ``specs:`` entry: ``nokogiri (1.15.4-x86_64-linux)``."""

    name: str
    version: str  # "1.15.4"
    platform: str | None  # "x86_64-linux"; None: the ruby (source) platform
    source: str  # "rubygems", "git", "path", "plugin"
    remote: str | None  # the section's remote: (a git URL, a path, the gem server)
    line: int


@dataclass(frozen=True)
class Lock:
    file: str
    specs: tuple[LockedSpec, ...]
    dependencies: dict[str, tuple[str | None, int]] = field(default_factory=dict)  # name -> (requirement, line)
    platforms: tuple[str, ...] = ()
    ruby: tuple[str, int] | None = None  # ("3.1.2", line)
    bundled_with: tuple[str, int] | None = None
    garbage: tuple[int, ...] = ()  # lines that fit no section's grammar
    conflict_markers: tuple[int, ...] = ()  # <<<<<<< / ======= / >>>>>>> lines
    platforms_line: int | None = None  # the PLATFORMS header

    def versions(self) -> dict[str, str]:
        """name -> its locked version (the first spec of each name: platform variants share the version)."""
        out: dict[str, str] = {}
        for spec in self.specs:
            out.setdefault(spec.name, spec.version)
        return out

    def lines(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for spec in self.specs:
            out.setdefault(spec.name, spec.line)
        return out

    def platforms_of(self, name: str) -> tuple[str | None, ...]:
        """The platforms ``name`` is locked for (None: the ruby platform, compiled at install)."""
        return tuple(s.platform for s in self.specs if s.name == name)


def split_version(text: str) -> tuple[str, str | None]:
    """``1.15.4-x86_64-linux`` -> (``1.15.4``, ``x86_64-linux``); ``7.0.4`` -> (``7.0.4``, None)."""
    m = _PLATFORM.match(text.strip())
    if m is None:
        return text.strip(), None
    return m.group(1), m.group(2)


def parse_lock(text: str, file: str = "Gemfile.lock") -> Lock:
    """The lock of ``text`` (never raises: what does not parse is in ``garbage``)."""
    specs: list[LockedSpec] = []
    deps: dict[str, tuple[str | None, int]] = {}
    platforms: list[str] = []
    ruby: tuple[str, int] | None = None
    bundled: tuple[str, int] | None = None
    garbage: list[int] = []
    markers: list[int] = []
    section = ""
    remote: str | None = None
    platforms_line: int | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if line.startswith(("<<<<<<<", "=======", ">>>>>>>", "|||||||")):
            markers.append(number)
            continue
        if not line[0].isspace():
            section, remote = line.strip(), None
            if section == "PLATFORMS":
                platforms_line = number
            if section not in _KNOWN:
                garbage.append(number)
            continue
        if section in _SOURCES:
            if line.startswith("  remote: "):
                remote = line.split(":", 1)[1].strip()
            elif m := _SPEC.match(line):
                version, platform = split_version(m.group(2))
                specs.append(LockedSpec(m.group(1), version, platform, _SOURCES[section], remote, number))
            elif not (line.startswith("      ") or re.match(r"^  [a-z_]+:", line)):
                garbage.append(number)
        elif section == "PLATFORMS":
            platforms.append(line.strip())
        elif section == "DEPENDENCIES":
            if m := _DEP.match(line):
                deps.setdefault(m.group(1), (m.group(3) or None, number))
            else:
                garbage.append(number)
        elif section == "RUBY VERSION":
            if m := _RUBY.match(line):
                ruby = (m.group(1), number)
        elif section == "BUNDLED WITH":
            if m := _BUNDLED.match(line):
                bundled = (m.group(1), number)
        elif section == "CHECKSUMS":
            continue
        else:
            garbage.append(number)
    return Lock(file, tuple(specs), deps, tuple(platforms), ruby, bundled, tuple(garbage), tuple(markers),
                platforms_line)
