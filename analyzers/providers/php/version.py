"""Which PHP an app runs: every source of a version with its file, line and confidence, and the rule.

Precedence (:data:`ORIGINS`, first wins): composer.json ``config.platform.php`` (the PHP Composer resolved
the lock for), composer.lock ``platform-overrides.php`` (the same, as locked), ``.php-version`` and
``.tool-versions`` (``php 8.1.27``), all DECLARED; the PHP the legacy host ran, INFERRED: ``php7.4-fpm``,
``/usr/bin/php8.1``, ``/etc/php/7.4/`` in deploy files, unit and pool files, provisioning
(:mod:`.hostfiles`); composer.json ``require.php`` (a constraint such as ``^7.3|^8.0``, ``>=7.4``,
``~8.1.0``): the lowest minor it admits that has an official image (:data:`IMAGE_MINORS`), INFERRED when
it admits one, HEURISTIC when several; with no composer.json, composer.lock ``platform.php`` (the same
constraint, as locked). The locked packages' own ``php`` requirements narrow that choice (a lock with
symfony/console 6 needs PHP 8.0.2 whatever the root says). Every version is compared by ``major.minor``
(the image tag); a candidate whose minor the winner contradicts (another pin, or a constraint that
excludes it) is a conflict.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from analyzers.providers.php.composer import Composer
from migrator.model import Confidence

ORIGINS = ("config.platform", "platform-overrides", ".php-version", ".tool-versions", "deploy", "require",
           "lock platform")
# The minors the official php image is published for and maintained (php:<minor>-apache)
IMAGE_MINORS = ("7.4", "8.0", "8.1", "8.2", "8.3", "8.4")
# Every minor a legacy constraint may admit (5.x and 7.0-7.3 images are unmaintained)
KNOWN_MINORS = ("5.3", "5.4", "5.5", "5.6", "7.0", "7.1", "7.2", "7.3", *IMAGE_MINORS)
DEFAULT = "8.3"
_PLAIN = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+~][\w.+~-]*)?$")
_CLAUSE = re.compile(r"^(>=|<=|!=|==|=|>|<|\^|~)?\s*v?(\d+(?:\.(?:\d+|\*|x))*)(?:[-@][\w.]*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class VersionCandidate:
    spec: str  # as written: "7.4.33", "^7.3|^8.0", "php7.4-fpm"
    version: str  # "7.4": major.minor, the image tag
    full: str | None  # "7.4.33" when the spec names a release
    exact: bool  # names one minor
    file: str
    line: int | None
    confidence: Confidence
    origin: str  # one of ORIGINS
    note: str | None = None  # how a constraint's minor was chosen


@dataclass(frozen=True)
class VersionChoice:
    winner: VersionCandidate
    losers: tuple[VersionCandidate, ...]
    conflicts: tuple[VersionCandidate, ...]


# -- Composer constraints ----------------------------------------------------------------------------------

Release = tuple[int, int, int]


def _parts(text: str) -> list[str]:
    return [p for p in text.split(".") if p]


def _clause_ok(clause: str, v: Release) -> bool | None:
    """Whether release ``v`` meets one Composer clause (``^7.3``, ``>=7.4``, ``7.4.*``, ``~8.1.0``); None when
    the clause does not read."""
    if clause.strip() in ("*", "x"):
        return True
    m = _CLAUSE.match(clause.strip())
    if m is None:
        return None
    op, parts = m.group(1) or "", _parts(m.group(2))
    wild = next((i for i, p in enumerate(parts) if p in ("*", "x", "X")), None)
    nums = [int(p) for p in parts[:wild]] if wild is not None else [int(p) for p in parts]
    if wild is not None:  # 7.4.* -> any 7.4 release
        return _prefix(v, nums)
    low: Release = (*nums, 0, 0, 0)[:3]  # type: ignore[assignment]
    if op == "^":  # ^7.3 -> >=7.3 <8; ^0.3 -> <0.4
        first = next((i for i, n in enumerate(nums) if n), len(nums) - 1)
        return low <= v and _prefix(v, nums[: first + 1])
    if op == "~":  # ~7.4 -> >=7.4 <8; ~7.4.1 -> >=7.4.1 <7.5
        return low <= v and _prefix(v, nums[: max(len(nums) - 1, 1)])
    if op in ("", "=", "=="):  # "7.4" read as any 7.4 release (what a legacy "php": "7.4" meant)
        return _prefix(v, nums)
    return {">=": v >= low, ">": v > low, "<=": v <= low, "<": v < low, "!=": v != low}[op]


def _prefix(v: Release, nums: list[int]) -> bool:
    return list(v[: len(nums)]) == nums


def admits(constraint: str, v: Release) -> bool | None:
    """Whether release ``v`` meets a Composer constraint (``||``/``|`` alternatives of space- or
    comma-separated clauses, ``7.2 - 7.4`` ranges); None when no part of it reads."""
    verdicts: list[bool] = []
    for alternative in re.split(r"\s*\|\|?\s*", constraint.strip()):
        ranged = re.match(r"^(\S+)\s+-\s+(\S+)$", alternative)
        clauses = [f">={ranged.group(1)}", f"<={ranged.group(2)}"] if ranged else \
            [c for c in re.split(r"[\s,]+", alternative) if c]
        results = [_clause_ok(c, v) for c in clauses]
        if results and all(r is not None for r in results):
            verdicts.append(all(bool(r) for r in results))
    return any(verdicts) if verdicts else None


def admits_minor(constraint: str, minor: str) -> bool | None:
    """Whether some release of ``minor`` (``7.4``) meets ``constraint``."""
    major, sub = (int(p) for p in minor.split("."))
    found = [admits(constraint, (major, sub, patch)) for patch in range(0, 60)]
    return None if all(f is None for f in found) else any(bool(f) for f in found)


# -- candidates --------------------------------------------------------------------------------------------


def candidate(spec: str, file: str, line: int | None, origin: str, confidence: Confidence) -> VersionCandidate | None:
    """A candidate from a version as written (``7.4.33``, ``8.1``, ``php-8.2``); None when it names none."""
    text = spec.strip().strip("'\"").removeprefix("php-").removeprefix("php")
    m = _PLAIN.match(text)
    if m is None:
        return None
    full = f"{m.group(1)}.{m.group(2)}.{m.group(3)}" if m.group(3) is not None else None
    return VersionCandidate(spec.strip(), f"{m.group(1)}.{m.group(2)}", full, True, file, line, confidence, origin)


def constraint_candidate(spec: str, file: str, line: int | None, origin: str, c: Composer
                         ) -> VersionCandidate | None:
    """The lowest minor with an official image that ``spec`` and every locked package's ``php`` admit."""
    if admits(spec, (8, 3, 0)) is None and admits(spec, (7, 4, 0)) is None:
        return None
    admitted = [m for m in KNOWN_MINORS if admits_minor(spec, m)]
    if not admitted:
        return None
    locked = lock_requirements(c)
    fits = [m for m in admitted if m in IMAGE_MINORS and all(admits_minor(r, m) is not False for _, r in locked)]
    if fits:
        chosen = fits[0]
        narrowed = [(name, r) for name, r in locked if admits_minor(r, admitted[0]) is False]
        why = f"the lowest minor {spec} admits that has an official image"
        if narrowed:
            why += f" and the locked packages allow ({narrowed[0][0]} requires php {narrowed[0][1]})"
        elif chosen != admitted[0]:
            why += f" ({admitted[0]} is admitted but has no maintained image)"
    else:
        chosen, why = admitted[0], f"the lowest minor {spec} admits (no maintained official image admits it)"
    exact = len(admitted) == 1
    confidence = Confidence.INFERRED if exact else Confidence.HEURISTIC
    return VersionCandidate(spec, chosen, None, exact, file, line, confidence, origin, f"{chosen}: {why}")


def lock_requirements(c: Composer) -> list[tuple[str, str]]:
    """(package, php constraint) of every locked non-dev package that requires one."""
    return [(p.name, p.requires["php"].value) for p in c.packages.values() if not p.dev and "php" in p.requires]


def composer_candidates(c: Composer) -> list[VersionCandidate]:
    out: list[VersionCandidate] = []
    for origin, table in (("config.platform", c.platform), ("platform-overrides", c.lock_overrides)):
        entry = table.get("php")
        found = candidate(entry.value, entry.file, entry.line, origin, Confidence.DECLARED) if entry else None
        out += [found] if found else []
    entry = c.require.get("php")
    origin = "require"
    if entry is None and c.manifest is None:
        entry, origin = c.lock_platform.get("php"), "lock platform"
    if entry is not None:
        pinned = candidate(entry.value, entry.file, entry.line, origin, Confidence.INFERRED)
        found = pinned if pinned is not None and pinned.full else \
            constraint_candidate(entry.value, entry.file, entry.line, origin, c)
        out += [found] if found else []
    return out


def choose(candidates: Iterable[VersionCandidate]) -> VersionChoice | None:
    """The winner (the first origin of :data:`ORIGINS`, then file and line) and the conflicts; None when
    nothing names a version."""
    listed = list(candidates)
    # a version the app's own constraint refuses (.php-version 7.2 beside require php >=7.4) is stale: composer
    # install would refuse that platform, so it ranks after every version the constraint admits
    ranked = sorted(listed, key=lambda c: (refusing(c, listed) is not None, ORIGINS.index(c.origin), c.file,
                                           c.line or 0))
    if not ranked:
        return None
    winner, losers = ranked[0], tuple(ranked[1:])
    conflicts = tuple(c for c in losers if (c.exact and c.version != winner.version) or (
        not c.exact and c.origin in ("require", "lock platform") and admits_minor(c.spec, winner.version) is False))
    return VersionChoice(winner, losers, conflicts)


def refusing(c: VersionCandidate, candidates: Iterable[VersionCandidate]) -> VersionCandidate | None:
    """The composer constraint (``require`` php, the lock's platform) that refuses exact version ``c``, if any."""
    if not c.exact:
        return None
    return next((k for k in candidates if not k.exact and k.origin in ("require", "lock platform")
                 and admits_minor(k.spec, c.version) is False), None)


# When each PHP minor reached its end of life (php.net's supported versions page)
END_OF_LIFE = {"5.3": "2014-08-14", "5.4": "2015-09-03", "5.5": "2016-07-21", "5.6": "2018-12-31",
               "7.0": "2019-01-10", "7.1": "2019-12-01", "7.2": "2020-11-30", "7.3": "2021-12-06",
               "7.4": "2022-11-28", "8.0": "2023-11-26", "8.1": "2025-12-31", "8.2": "2026-12-31",
               "8.3": "2027-12-31", "8.4": "2028-12-31"}


def end_of_life(minor: str, today: datetime.date | None = None) -> str | None:
    """The date PHP ``minor`` reached its end of life, if that is in the past."""
    date = END_OF_LIFE.get(minor)
    if date is None:
        return None
    return date if datetime.date.fromisoformat(date) < (today or datetime.date.today()) else None
