"""npm semver ranges at **major** precision: which node majors a range such as ``>=14``, ``^16.14``,
``14 || 16`` or ``16 - 18`` allows, and the single major an exact pin names (``20.11.1``, ``v18``,
``18.x``, ``lts/iron``).

A base image is chosen per major (``node:20-slim``), so minor and patch only matter where they move a
bound across a major (``<18.0.0`` excludes 18, ``<18.1`` does not).
"""

from __future__ import annotations

import re

# LTS codenames (nvm's lts/<name>) -> major
CODENAMES = {"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14, "gallium": 16,
             "hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24}
LTS_MAJORS = tuple(sorted(CODENAMES.values()))
_VERSION = re.compile(r"v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+][0-9A-Za-z.-]*)?")
_COMPARATOR = re.compile(r"(\^|~>?|>=|<=|>|<|=)?\s*(v?[\dxX*][\w.*+-]*)")
_ANY = 10**6


def exact_major(spec: str) -> int | None:
    """The one major an exact pin names: ``20.11.1``, ``v18``, ``18``, ``18.x``, ``=16``, ``lts/iron``;
    None for ranges (``>=14``, ``^16``, ``14 || 16``) and for what names no major (``lts/*``, ``node``)."""
    text = spec.strip().lower()
    if text.startswith("lts/"):
        return CODENAMES.get(text[4:])
    m = _VERSION.fullmatch(text.lstrip("="))
    return int(m.group(1)) if m else None


def allowed(spec: str) -> list[tuple[int, int]]:
    """The majors ``spec`` allows, as inclusive (low, high) intervals; [] when it parses as nothing."""
    out: list[tuple[int, int]] = []
    for alternative in spec.split("||"):
        interval = _alternative(alternative.strip())
        if interval is not None and interval[0] <= interval[1]:
            out.append(interval)
    return out


def satisfies(spec: str, major: int) -> bool:
    return any(lo <= major <= hi for lo, hi in allowed(spec))


def highest(spec: str, candidates: tuple[int, ...] = LTS_MAJORS) -> int | None:
    """The highest of ``candidates`` (the LTS lines, by default) that ``spec`` allows."""
    fitting = [c for c in candidates if satisfies(spec, c)]
    return max(fitting) if fitting else None


def _alternative(text: str) -> tuple[int, int] | None:
    if text in ("", "*", "x", "X", "latest", "lts", "node"):
        return (0, _ANY)
    hyphen = re.fullmatch(r"(\S+)\s+-\s+(\S+)", text)
    if hyphen:
        low, high = _bound(">=", hyphen.group(1)), _bound("<=", hyphen.group(2))
        return (max(low[0], high[0]), min(low[1], high[1])) if low and high else None
    lo, hi = 0, _ANY
    rest = text
    while rest:
        m = _COMPARATOR.match(rest)
        if not m:
            return None
        bound = _bound(m.group(1) or "=", m.group(2))
        if bound is None:
            return None
        lo, hi = max(lo, bound[0]), min(hi, bound[1])
        rest = rest[m.end():].lstrip(", ")
    return (lo, hi)


def _bound(op: str, version: str) -> tuple[int, int] | None:
    m = _VERSION.fullmatch(version)
    if not m:
        return (0, _ANY) if version in ("*", "x", "X") else None
    major = int(m.group(1))
    minor, patch = m.group(2), m.group(3)
    beyond_zero = any(p is not None and p.isdigit() and int(p) > 0 for p in (minor, patch))
    if op in ("^", "~", "~>", "="):
        return (major, major)
    if op == ">=":
        return (major, _ANY)
    if op == ">":
        return (major, _ANY) if minor is not None and minor.isdigit() else (major + 1, _ANY)
    if op == "<=":
        return (0, major)
    return (0, major) if beyond_zero else (0, major - 1)  # "<"
