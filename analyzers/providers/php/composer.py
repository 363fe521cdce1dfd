"""The app's Composer manifest and lock: ``composer.json`` and ``composer.lock`` read as JSON (never run),
every value with its line (:func:`analyzers.lib.jsonlines.key_lines`), as one :class:`Composer` every PHP
analyzer reads.

``composer.json``: ``require``/``require-dev`` (``php``, ``ext-*`` and packages), ``config.platform``
(what Composer pretends the platform is: ``"php": "7.4.33"``), ``scripts`` (event scripts and named
ones, a string or a list, ``@other`` references), ``autoload`` (PSR-4/PSR-0 namespaces, classmap and
files). ``composer.lock``: ``packages``/``packages-dev`` with their versions and their own ``require``
(the ``ext-*`` they need), ``platform``/``platform-dev`` (the root's ``php`` and ``ext-*`` as locked) and
``platform-overrides`` (composer.json's ``config.platform`` when it locked), and ``content-hash``.
A file that does not parse is a problem the packaging analyzer reports; the other file still reads.

:func:`composer` is cached per RepoView (the version, packaging, framework and extension readers all ask).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analyzers.lib.jsonlines import Path, key_lines
from migrator.repo import RepoView

MANIFEST, LOCKFILE = "composer.json", "composer.lock"
# Events `composer install` fires (pre/post-install-cmd, and the autoload dump it always does); the
# create-project and update events never run in an image build
INSTALL_EVENTS = ("pre-install-cmd", "post-install-cmd", "pre-autoload-dump", "post-autoload-dump")


@dataclass(frozen=True)
class Entry:
    """One value of a manifest with where it is written: ``"ext-gd": "*"`` at composer.json:12."""

    value: str
    file: str
    line: int | None


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str  # "v8.83.27", "2.4.1", "dev-main"
    requires: Mapping[str, Entry]  # its own require: php, ext-*, packages
    line: int | None
    dev: bool  # from packages-dev


@dataclass(frozen=True)
class Composer:
    manifest: str | None  # "composer.json" when it exists and parses
    lockfile: str | None  # "composer.lock" when it exists and parses
    require: Mapping[str, Entry] = field(default_factory=dict)
    require_dev: Mapping[str, Entry] = field(default_factory=dict)
    platform: Mapping[str, Entry] = field(default_factory=dict)  # composer.json config.platform
    scripts: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)  # event or name -> commands
    autoload_namespaces: tuple[str, ...] = ()  # "App\\" (psr-4 and psr-0 of autoload, not autoload-dev)
    packages: Mapping[str, LockedPackage] = field(default_factory=dict)
    lock_platform: Mapping[str, Entry] = field(default_factory=dict)  # lock platform (+ platform-dev)
    lock_overrides: Mapping[str, Entry] = field(default_factory=dict)  # lock platform-overrides
    content_hash: Entry | None = None
    problems: tuple[tuple[str, int | None, str], ...] = ()

    def has(self, name: str) -> bool:
        """Whether package ``name`` is required (require or require-dev) or locked."""
        return name in self.require or name in self.require_dev or name in self.packages

    def locked_version(self, *names: str) -> str | None:
        """The locked version of the first of ``names`` locked, without a leading ``v`` (``v8.83.27`` -> 8.83.27)."""
        for name in names:
            if name in self.packages:
                version = self.packages[name].version
                return version[1:] if version[:1] in "vV" and version[1:2].isdigit() else version
        return None

    def where(self, name: str) -> Entry | None:
        """Where package ``name`` is required (composer.json), else locked (composer.lock)."""
        found = self.require.get(name) or self.require_dev.get(name)
        if found is not None:
            return found
        package = self.packages.get(name)
        if package is not None and self.lockfile:
            return Entry(package.version, self.lockfile, package.line)
        return None

    def commands(self, event: str, seen: frozenset[str] = frozenset()) -> tuple[Entry, ...]:
        """The commands script ``event`` runs, ``@other`` references followed (not ``@php``/``@composer``,
        which are the PHP binary and Composer itself), a cycle cut."""
        out: list[Entry] = []
        for entry in self.scripts.get(event, ()):
            ref = entry.value[1:].split()[0] if entry.value.startswith("@") and entry.value[1:].strip() else ""
            if ref and ref not in ("php", "composer", "putenv") and ref in self.scripts and ref not in seen:
                out += self.commands(ref, seen | {event})
            else:
                out.append(entry)
        return tuple(out)


_CACHE: weakref.WeakKeyDictionary[RepoView, Composer] = weakref.WeakKeyDictionary()


def composer(repo: RepoView) -> Composer:
    """The Composer files at the root of ``repo`` (empty when neither exists), read once per repo."""
    found = _CACHE.get(repo)
    if found is None:
        found = _CACHE[repo] = read_composer(repo)
    return found


def _load(repo: RepoView, rel: str, problems: list[tuple[str, int | None, str]]
          ) -> tuple[dict[str, Any], dict[Path, int]] | None:
    if not repo.exists(rel):
        return None
    text = repo.read_text(rel)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append((rel, exc.lineno, f"{rel} is not valid JSON ({exc.msg}): Composer refuses it"))
        return None
    except (ValueError, RecursionError) as exc:
        problems.append((rel, None, f"{rel} is not valid JSON ({type(exc).__name__})"))
        return None
    if not isinstance(data, dict):
        problems.append((rel, 1, f"{rel} is not a JSON object"))
        return None
    return data, key_lines(text)


def _entries(value: Any, rel: str, lines: Mapping[Path, int], path: Path) -> dict[str, Entry]:
    if not isinstance(value, dict):
        return {}
    return {str(k): Entry(str(v), rel, lines.get((*path, k))) for k, v in value.items()
            if isinstance(v, (str, int, float)) and not isinstance(v, bool)}


def _scripts(value: Any, rel: str, lines: Mapping[Path, int]) -> dict[str, tuple[Entry, ...]]:
    out: dict[str, tuple[Entry, ...]] = {}
    if not isinstance(value, dict):
        return out
    for name, body in value.items():
        if isinstance(body, str):
            out[str(name)] = (Entry(body, rel, lines.get(("scripts", name))),)
        elif isinstance(body, list):
            out[str(name)] = tuple(Entry(c, rel, lines.get(("scripts", name, i), lines.get(("scripts", name))))
                                   for i, c in enumerate(body) if isinstance(c, str))
    return out


def _namespaces(autoload: Any) -> tuple[str, ...]:
    if not isinstance(autoload, dict):
        return ()
    found: list[str] = []
    for kind in ("psr-4", "psr-0"):
        table = autoload.get(kind)
        if isinstance(table, dict):
            found += [str(ns) for ns in table if str(ns)]
    return tuple(dict.fromkeys(found))


def _packages(data: dict[str, Any], rel: str, lines: Mapping[Path, int]) -> dict[str, LockedPackage]:
    out: dict[str, LockedPackage] = {}
    for section, dev in (("packages", False), ("packages-dev", True)):
        listed = data.get(section)
        if not isinstance(listed, list):
            continue
        for i, item in enumerate(listed):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            name = item["name"].lower()
            requires = _entries(item.get("require"), rel, lines, (section, i, "require"))
            out.setdefault(name, LockedPackage(name, str(item.get("version", "")), requires,
                                               lines.get((section, i)), dev))
    return out


def read_composer(repo: RepoView) -> Composer:
    """The root's composer.json and composer.lock, each with its lines (see the module docstring)."""
    problems: list[tuple[str, int | None, str]] = []
    manifest = _load(repo, MANIFEST, problems)
    lock = _load(repo, LOCKFILE, problems)
    fields: dict[str, Any] = {}
    if manifest is not None:
        data, lines = manifest
        config = data.get("config")
        fields.update(
            require={k.lower(): v for k, v in _entries(data.get("require"), MANIFEST, lines, ("require",)).items()},
            require_dev={k.lower(): v for k, v in
                         _entries(data.get("require-dev"), MANIFEST, lines, ("require-dev",)).items()},
            platform=_entries(config.get("platform") if isinstance(config, dict) else None, MANIFEST, lines,
                              ("config", "platform")),
            scripts=_scripts(data.get("scripts"), MANIFEST, lines),
            autoload_namespaces=_namespaces(data.get("autoload")))
    if lock is not None:
        data, lines = lock
        platform = _entries(data.get("platform"), LOCKFILE, lines, ("platform",))
        for k, v in _entries(data.get("platform-dev"), LOCKFILE, lines, ("platform-dev",)).items():
            platform.setdefault(k, v)
        digest = data.get("content-hash")
        fields.update(packages=_packages(data, LOCKFILE, lines), lock_platform=platform,
                      lock_overrides=_entries(data.get("platform-overrides"), LOCKFILE, lines,
                                              ("platform-overrides",)),
                      content_hash=Entry(digest, LOCKFILE, lines.get(("content-hash",)))
                      if isinstance(digest, str) else None)
    return Composer(MANIFEST if manifest is not None else None, LOCKFILE if lock is not None else None,
                    problems=tuple(problems), **fields)


def extensions_required(requires: Mapping[str, Entry]) -> dict[str, Entry]:
    """``{"gd": entry}`` for every ``ext-*`` in a require table (lowercase, ``ext-pdo_mysql`` -> pdo_mysql)."""
    return {k[4:].lower(): v for k, v in requires.items() if k.lower().startswith("ext-") and len(k) > 4}
