"""Which node an app runs: every source of a version, with its file, line and confidence, and the rule.

Sources, best first at equal confidence: ``.node-version``, ``.nvmrc``, ``.tool-versions`` (DECLARED),
``volta.node`` and an exact ``engines.node`` (DECLARED), a range ``engines.node`` (INFERRED: the highest
LTS line it allows), app.json ``env.NODE_VERSION`` and deploy evidence (``nvm use 16``, NodeSource's
``setup_16.x``, ``~/.nvm/versions/node/v16.20.0/bin/node``: INFERRED), and the default 22 (DEFAULT).
A candidate whose major the winner contradicts (another pin, or a range that excludes it) is a conflict.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from analyzers.lib.jsdata import from_json
from analyzers.lib.jsvalue import JsObject, as_text
from analyzers.providers.node import semver
from analyzers.providers.node.pkg import Package
from migrator.model import Confidence
from migrator.repo import RepoView

DEFAULT_MAJOR = 22  # the documented default when nothing says (Railpack defaults to 22 too)
# Each line's end of life (nodejs.org release schedule); only dates before today count.
END_OF_LIFE = {8: "2019-12-31", 10: "2021-04-30", 11: "2019-06-01", 12: "2022-04-30", 13: "2020-06-01",
               14: "2023-04-30", 15: "2021-06-01", 16: "2023-09-11", 17: "2022-06-01", 18: "2025-04-30",
               19: "2023-06-01", 20: "2026-04-30", 21: "2024-06-01", 22: "2027-04-30", 23: "2025-06-01"}
_ORIGINS = (".node-version", ".nvmrc", ".tool-versions", "volta.node", "engines.node", "app.json", "deploy", "default")
_COMMAND_PATTERNS = (
    re.compile(r"\bnvm\s+(?:install|use|alias\s+default)\s+(?:--\S+\s+)*v?(\d+(?:\.\d+){0,2}|lts/\w+)"),
    re.compile(r"\bnodenv\s+(?:install|global|local)\s+(?:-\S+\s+)*(\d+(?:\.\d+){0,2})"),
    re.compile(r"(?:^|[;&|]\s*|sudo\s+)n\s+(?:install\s+)?v?(\d+(?:\.\d+){0,2}|lts)\b"),
    re.compile(r"nodesource\.com/setup_(\d+)\.x"),
    re.compile(r"/(?:\.nvm/versions/node|n/versions/node|\.nodenv/versions)/v?(\d+(?:\.\d+){0,2})/"),
    re.compile(r"\bnodejs=(\d+)[.*]"),
)


@dataclass(frozen=True)
class VersionCandidate:
    """One source's claim. ``major`` is None for what names no line (``lts/*`` resolves to the default)."""

    spec: str  # as written: "20.11.1", "lts/iron", ">=14"
    major: int | None
    exact: bool  # pins one major; a range is not exact
    file: str
    line: int | None
    confidence: Confidence
    origin: str  # one of _ORIGINS


@dataclass(frozen=True)
class VersionChoice:
    winner: VersionCandidate
    losers: tuple[VersionCandidate, ...]
    conflicts: tuple[VersionCandidate, ...]  # losers that contradict the winner's major


def candidate(spec: str, file: str, line: int | None, origin: str, declared: bool = True) -> VersionCandidate | None:
    """A candidate from one version text; None when it is empty or names nothing (``system``, ``node``)."""
    text = spec.strip()
    exact = semver.exact_major(text)
    if exact is not None:
        return VersionCandidate(text, exact, True, file, line, Confidence.DECLARED if declared else Confidence.INFERRED,
                                origin)
    if text.lower() in ("lts/*", "lts", "--lts"):
        return VersionCandidate(text, DEFAULT_MAJOR, False, file, line, Confidence.INFERRED, origin)
    best = semver.highest(text) if text.lower() not in ("node", "system", "latest", "stable", "current") else None
    return VersionCandidate(text, best, False, file, line, Confidence.INFERRED, origin) if best else None


def version_files(repo: RepoView, root: str = ".") -> list[VersionCandidate]:
    """``.node-version``, ``.nvmrc`` (first non-comment line) and ``.tool-versions`` (``nodejs X``/``node X``)."""
    out: list[VersionCandidate] = []
    prefix = "" if root in (".", "") else f"{root}/"
    for name in (".node-version", ".nvmrc", ".tool-versions"):
        rel = prefix + name
        if not repo.exists(rel):
            continue
        for number, raw in enumerate(repo.lines(rel), 1):
            text = raw.split("#", 1)[0].strip()
            if name == ".tool-versions":
                words = text.split()
                text = words[1] if len(words) >= 2 and words[0] in ("nodejs", "node") else ""
            found = candidate(text, rel, number, name) if text else None
            if found:
                out.append(found)
                break
    return out


def package_versions(pkg: Package) -> list[VersionCandidate]:
    """``volta.node`` and ``engines.node`` of one package.json."""
    out = []
    for origin, (table, key) in (("volta.node", ("volta", "node")), ("engines.node", ("engines", "node"))):
        entry = pkg.entry(table, key)
        found = candidate(entry.value, pkg.file, entry.line, origin) if entry else None
        if found:
            out.append(found)
    return out


def app_json_version(repo: RepoView) -> VersionCandidate | None:
    """app.json ``env.NODE_VERSION`` (a string or ``{"value": ...}``), INFERRED: Heroku itself reads engines."""
    text = repo.read_text("app.json") if repo.exists("app.json") else None
    data = from_json("app.json", text) if text is not None else None
    env = data.get("env") if isinstance(data, JsObject) else None
    value = env.get("NODE_VERSION") if isinstance(env, JsObject) else None
    if isinstance(value, JsObject):
        value = value.get("value")
    spec = as_text(value)
    return candidate(spec, "app.json", value.line, "app.json", declared=False) if spec and value else None


def command_versions(text: str, file: str, line: int | None) -> list[VersionCandidate]:
    """Versions a deploy command installs or runs (nvm, nodenv, n, NodeSource, an nvm path, apt ``nodejs=16.*``)."""
    out = []
    for pattern in _COMMAND_PATTERNS:
        for m in pattern.finditer(text):
            found = candidate(m.group(1), file, line, "deploy", declared=False)
            if found:
                out.append(found)
    return out


def choose(candidates: Iterable[VersionCandidate]) -> VersionChoice:
    """The winner (highest confidence, then the origin order above, then file and line) and the conflicts."""
    ranked = sorted(candidates, key=lambda c: (-c.confidence, _ORIGINS.index(c.origin), c.file, c.line or 0))
    if not ranked:
        ranked = [VersionCandidate(str(DEFAULT_MAJOR), DEFAULT_MAJOR, False, "", None, Confidence.DEFAULT, "default")]
    winner, losers = ranked[0], tuple(ranked[1:])
    major = winner.major or DEFAULT_MAJOR
    conflicts = tuple(c for c in losers if c.confidence >= Confidence.INFERRED and (
        (c.exact and c.major != major) or (not c.exact and c.major is not None and not semver.satisfies(c.spec, major)
                                           and c.spec.lower() not in ("lts/*", "lts", "--lts"))))
    return VersionChoice(winner, losers, conflicts)


def end_of_life(major: int, today: datetime.date | None = None) -> str | None:
    """The date node ``major`` reached its end of life, if that is in the past."""
    date = END_OF_LIFE.get(major)
    if date is None:
        return "before 2019" if major < min(END_OF_LIFE) else None
    return date if datetime.date.fromisoformat(date) < (today or datetime.date.today()) else None


__all__ = ["DEFAULT_MAJOR", "VersionCandidate", "VersionChoice", "app_json_version", "candidate",
           "choose", "command_versions", "end_of_life", "package_versions", "version_files"]
