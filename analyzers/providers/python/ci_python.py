"""The Python version the repository's CI runs, and the one its lock file records.

Evidence for the base image when no version file says it (the repo's own Dockerfile ``FROM`` is read
by the Dockerfile analyzer):

- GitHub Actions (``.github/workflows/*.yml``: ``python-version:`` of ``actions/setup-python``, its
  matrix lists), GitLab CI (``.gitlab-ci.yml``: ``image: python:3.x``), Travis (``.travis.yml``:
  ``python:``), tox (``tox.ini`` ``envlist = py310, py311``). One version is INFERRED (the CI runs the
  code on it; production may differ); a list (a matrix) gives its **newest** entry at HEURISTIC: every
  listed version is tested, and the newest has the longest support ahead of it.
- Lock files: ``uv.lock`` ``requires-python``, ``poetry.lock`` ``[metadata] python-versions``,
  ``pdm.lock`` ``[metadata] requires_python``: the range the lock was resolved for, so its lowest
  allowed minor (:func:`analyzers.providers.python.python_version.version_from_constraint`) at that rule's confidence.
  (``Pipfile.lock`` ``_meta.requires`` is read by the Pipenv analyzer.)

Every candidate is kept, so ``analyze --explain`` shows which one won and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.providers.python.python_version import split_version, version_from_constraint
from migrator.repo import RepoView

NAME = "ci_python"
_GHA_KEY = re.compile(r"^\s*-?\s*python(?:-version|_version)?\s*:\s*(?P<value>.+?)\s*(#.*)?$")
_IMAGE = re.compile(r"^\s*image\s*:\s*['\"]?(?:[\w.-]+/)*python:(?P<tag>[\w.-]+)")
_TRAVIS = re.compile(r"^\s*python\s*:\s*(?P<value>.*?)\s*(#.*)?$")
_LIST_ITEM = re.compile(r"^\s*-\s*['\"]?(?P<v>[23]\.\d+)")
_TOX = re.compile(r"\bpy(?P<major>[23])(?P<minor>\d{1,2})\b")
_LOCKS = (("uv.lock", "requires-python"), ("poetry.lock", "python-versions"), ("pdm.lock", "requires_python"))


def _versions(text: str) -> list[str]:
    """CPython minors in a YAML scalar or flow list: ``"3.12"``, ``[3.10, "3.11"]`` (not ``${{ ... }}``)."""
    out = []
    for token in re.findall(r"[23]\.\d{1,2}(?:\.\d+)?", text.replace("'", " ").replace('"', " ")):
        found = split_version(token)
        if found:
            out.append(found[0])
    return out


def _key(v: str) -> tuple[int, int]:
    major, minor = v.split(".")
    return int(major), int(minor)


def _emit(versions: list[tuple[str, int]], path: str) -> Iterator[Item]:
    if not versions:
        return
    distinct = sorted({v for v, _ in versions}, key=_key)
    newest = distinct[-1]
    line = next(n for v, n in versions if v == newest)
    confidence = I if len(distinct) == 1 else H
    yield base.runtime(Src(NAME, path, line), confidence, language="python", version=newest)


def _yaml_versions(lines: list[str], key: re.Pattern[str]) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for number, raw in enumerate(lines, start=1):
        m = key.match(raw)
        if not m:
            continue
        value = m.group("value")
        if value.strip() in ("", "|", ">"):
            # a block list on the following lines: "- 3.10"
            for offset, nxt in enumerate(lines[number:number + 12], start=number + 1):
                item = _LIST_ITEM.match(nxt)
                if not item:
                    break
                found += [(v, offset) for v in _versions(item.group("v"))]
            continue
        found += [(v, number) for v in _versions(value)]
    return found


def analyze(repo: RepoView) -> Iterator[Item]:
    """Python versions from CI configuration and lock metadata (see the module docstring)."""
    for path in repo.glob(".github/workflows/*.yml", ".github/workflows/*.yaml"):
        yield from _emit(_yaml_versions(repo.lines(path), _GHA_KEY), path)
    if repo.exists(".gitlab-ci.yml"):
        found = []
        for number, raw in enumerate(repo.lines(".gitlab-ci.yml"), start=1):
            m = _IMAGE.match(raw)
            if m:
                found += [(v, number) for v in _versions(m.group("tag"))]
        yield from _emit(found, ".gitlab-ci.yml")
    if repo.exists(".travis.yml"):
        yield from _emit(_yaml_versions(repo.lines(".travis.yml"), _TRAVIS), ".travis.yml")
    if repo.exists("tox.ini"):
        found = []
        for number, raw in enumerate(repo.lines("tox.ini"), start=1):
            if raw.strip().startswith(("envlist", "env_list")) or found and raw.startswith((" ", "\t")):
                found += [(f"{m.group('major')}.{int(m.group('minor'))}", number) for m in _TOX.finditer(raw)]
        yield from _emit(found, "tox.ini")
    for lock, key in _LOCKS:
        if repo.exists(lock):
            yield from _lock(repo.lines(lock), lock, key)


_MAIN_GROUPS = {"main", "default"}


def _lock(lines: list[str], lock: str, key: str) -> Iterator[Item]:
    """The range the lock was resolved for; and, where the lock records each package's own
    Requires-Python (poetry, pdm), the floor the locked production packages need, when it is higher."""
    table = ""
    own: tuple[str, int] | None = None
    floors: list[tuple[tuple[int, int], int, str]] = []
    package: dict[str, tuple[str, int]] = {}

    def close() -> None:
        spec = package.get(key)
        groups = package.get("groups", package.get("category", ("", 0)))[0]
        if spec and (not groups or set(re.findall(r"[\w-]+", groups)) & _MAIN_GROUPS):
            found = version_from_constraint(spec[0])
            if found:
                floors.append((_key(found[0]), spec[1], package.get("name", ("?", 0))[0]))
        package.clear()

    for number, raw in enumerate(lines, start=1):
        header = re.match(r"^\[\[?([\w.-]+)\]\]?\s*$", raw)
        if header:
            if table == "package":
                close()
            table = header.group(1)
            continue
        m = re.match(r"^(?P<k>[\w-]+)\s*=\s*(?P<v>.*)$", raw)
        if not m:
            continue
        value = m.group("v").strip().strip("'\"")
        if table == "package":
            package.setdefault(m.group("k"), (m.group("v"), number) if m.group("k") == "groups" else (value, number))
        elif m.group("k") == key and table in ("", "metadata") and own is None:
            own = (value, number)
    if table == "package":
        close()
    low: tuple[int, int] | None = None
    if own:
        found = version_from_constraint(own[0])
        if found:
            low = _key(found[0])
            yield base.runtime(Src(NAME, lock, own[1]), found[1], language="python", version=found[0])
    if floors:
        floor, line, name = max(floors)
        if low is None or floor > low:
            version = f"{floor[0]}.{floor[1]}"
            yield base.runtime(Src(NAME, lock, line), I, language="python", version=version)
            yield base.warning(Src(NAME, lock, line), f"the locked {name} needs Python >= {version}: "
                                                      "older Pythons the project allows cannot install the lock")
