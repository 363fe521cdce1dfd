"""The Python version: ``runtime.txt``, ``.python-version`` (pyenv) and ``.tool-versions`` (asdf).

Each is an explicit declaration (DECLARED), normalised to ``major.minor`` in ``version`` with the
full string kept in ``version_full``. A Python 2 interpreter named where the legacy host ran the app
(``ExecStart=/usr/bin/python2.7``, ``command=python2 worker.py``, ``virtualenv -p python2.7`` in a
deploy script or a fabfile's commands, which run on the servers) is a HEURISTIC hint for 2.7: the
host's choice, weaker than anything the app's own files say (a ``#!/usr/bin/env python2`` script is
weighed with the app's code, by :mod:`analyzers.providers.python.py2evidence`).

The shared helpers also turn a *constraint* (``requires-python``, Poetry's ``python = "^3.11"``,
``python_requires``) into a version, by one documented rule: the **lowest minor the constraint
allows** - the one the authors claim to support and most likely test on; a newer one is a guess.
(For ``>=2.7`` that is 2.7, at HEURISTIC: preferring "the lowest Python 3" would pick 3.0, which no
image has.) A constraint that allows exactly one minor gives it at INFERRED; a wider range gives the
lowest at HEURISTIC; a constraint without a lower bound (``<3.13``) gives nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from analyzers import base
from analyzers.base import H, I, Item, Src
from migrator.model import Confidence
from migrator.repo import RepoView
from migrator.secrets import scrub

NAME = "python_version"

_VERSION = re.compile(
    r"^(?:c?python-?)?(?P<major>[23])\.(?P<minor>\d{1,2})(?P<rest>(\.\d+)?([a-z]+\d*)?(-dev)?)$", re.IGNORECASE
)
_CLAUSE = re.compile(r"^(?P<op>~=|===|==|!=|<=|>=|<|>|\^|~)?\s*(?P<ver>\d+(\.\d+){0,2})(?P<star>\.\*)?$")
_CLASSIFIER = re.compile(r"^Programming Language :: Python :: ([23])\b")
_LOWER = {"~=", "===", "==", ">=", ">", "^", "~", ""}
# Every CPython minor a constraint could pick, oldest first.
_CANDIDATES = [(2, m) for m in range(8)] + [(3, m) for m in range(31)]

Version = tuple[int, int, int]

# A Python 2 interpreter as a command word or path (not a directory: /usr/lib/python2.7/ says nothing
# about what ran the app; not a package name such as python2-dev).
PY2_INTERPRETER = re.compile(r"(?<![\w.-])python2(?:\.7)?(?![\w./-])")
_DEPLOY_SUFFIXES = (".service", ".conf", ".ini", ".sh", ".bash", ".cron")
_DEPLOY_NAMES = {"Procfile", "Makefile", "crontab", "fabfile.py", "Vagrantfile"}


def split_version(text: str) -> tuple[str, str] | None:
    """``python-3.11.4`` -> ("3.11", "3.11.4"); None when ``text`` is not a CPython version."""
    m = _VERSION.match(text.strip())
    if not m:
        return None
    short = f"{m.group('major')}.{int(m.group('minor'))}"
    return short, short + m.group("rest")


def _pad(text: str) -> Version:
    parts = [int(p) for p in text.split(".")] + [0, 0]
    return parts[0], parts[1], parts[2]


def _clause(text: str) -> tuple[Callable[[Version], bool], bool] | None:
    """One constraint clause as a predicate, and whether it bounds the version from below."""
    m = _CLAUSE.match(text.strip())
    if not m:
        return None
    op, raw, star = m.group("op") or "", m.group("ver"), bool(m.group("star"))
    v, n = _pad(raw), raw.count(".") + 1
    lower = op in _LOWER
    if op in ("", "==", "===", "!=") and (star or op == ""):
        # ``3.11.*`` and Poetry's bare ``3.11`` both mean that whole release
        same: Callable[[Version], bool] = lambda x: x[:n] == v[:n]  # noqa: E731
        return ((lambda x: not same(x)) if op == "!=" else same), lower
    if op in ("==", "==="):
        return (lambda x: x == v), lower
    if op == "!=":
        return (lambda x: x != v), lower
    if op == ">=":
        return (lambda x: x >= v), lower
    if op == ">":
        return (lambda x: x > v), lower
    if op == "<=":
        return (lambda x: x <= v), lower
    if op == "<":
        return (lambda x: x < v), lower
    if op == "~=":  # compatible release: the last given part may grow
        keep = max(n - 1, 1)
        return (lambda x: x >= v and x[:keep] == v[:keep]), lower
    if op == "^":  # Poetry caret: up to the next major (or minor, for 0.x)
        upper = (v[0] + 1, 0, 0) if v[0] > 0 else (0, v[1] + 1, 0)
        return (lambda x: v <= x < upper), lower
    upper = (v[0], v[1] + 1, 0) if n > 1 else (v[0] + 1, 0, 0)  # Poetry tilde
    return (lambda x: v <= x < upper), lower


def version_from_constraint(spec: str) -> tuple[str, Confidence] | None:
    """The lowest CPython minor ``spec`` allows (see the module docstring), with its confidence."""
    allowed: set[tuple[int, int]] = set()
    for alternative in spec.split("||"):  # Poetry allows "^3.8 || ^3.10"
        text = re.sub(r"(~=|===|==|!=|<=|>=|<|>|\^|~)\s+", r"\1", alternative.strip())
        parsed = [_clause(c) for c in re.split(r"[,\s]+", text) if c not in ("", "*")]
        if not parsed or any(p is None for p in parsed) or not any(p[1] for p in parsed if p):
            continue
        tests = [p[0] for p in parsed if p]
        allowed.update(c for c in _CANDIDATES if any(all(t((*c, patch)) for t in tests) for patch in range(40)))
    if not allowed:
        return None
    best = min(allowed)
    return f"{best[0]}.{best[1]}", I if len(allowed) == 1 else H


def python2_only_classifiers(classifiers: list[str]) -> bool:
    """Trove classifiers that name Python 2 (``Programming Language :: Python :: 2.7``) and no Python 3."""
    majors = {m.group(1) for c in classifiers if (m := _CLASSIFIER.match(c.strip()))}
    return "2" in majors and "3" not in majors


def _first_version(lines: list[str], path: str, tool: str) -> Iterator[Item]:
    """The first version in a pyenv/asdf-style list; later ones are fallbacks the image does not need."""
    for number, raw in enumerate(lines, start=1):
        words = raw.split("#", 1)[0].split()
        if tool == "asdf":
            if not words or words[0] != "python":
                continue
            words = words[1:]
        if not words:
            continue
        src = Src(NAME, path, number)
        if words[0] == "system":
            continue  # "use whatever the host has": not a declaration
        found = split_version(words[0])
        if found is None:
            shown = scrub(words[0])[:40]
            yield base.warning(src, f"{shown!r} is not a CPython version (pypy, conda or a virtualenv name?)")
            continue
        yield base.runtime(src, language="python", version=found[0], version_full=found[1])
        return


def analyze(repo: RepoView) -> Iterator[Item]:
    """DECLARED Python versions from the version files at the repository root."""
    if repo.exists("runtime.txt"):
        for number, raw in enumerate(repo.lines("runtime.txt"), start=1):
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            found = split_version(text)
            src = Src(NAME, "runtime.txt", number)
            if found is None:
                yield base.warning(src, f"runtime.txt: {scrub(text)[:40]!r} is not a python-X.Y.Z version")
            else:
                yield base.runtime(src, language="python", version=found[0], version_full=found[1])
            break
    if repo.exists(".python-version"):
        yield from _first_version(repo.lines(".python-version"), ".python-version", "pyenv")
    if repo.exists(".tool-versions"):
        yield from _first_version(repo.lines(".tool-versions"), ".tool-versions", "asdf")
    yield from _interpreter_hints(repo)


def _interpreter_hints(repo: RepoView) -> Iterator[Item]:
    """HEURISTIC 2.7 for each deploy file or script that names a Python 2 interpreter (first line only)."""
    for rel in repo.files():
        name = rel.rsplit("/", 1)[-1]
        if not (name in _DEPLOY_NAMES or name.endswith(_DEPLOY_SUFFIXES) or rel.startswith("fabfile/")):
            continue  # the shebangs of the app's .py scripts are weighed by python_code (py2evidence)
        for number, line in enumerate((repo.read_text(rel) or "").splitlines(), start=1):
            comment = line.lstrip().startswith(("#", ";")) and not (number == 1 and line.startswith("#!"))
            if not comment and PY2_INTERPRETER.search(line):
                yield base.runtime(Src(NAME, rel, number), H, language="python", version="2.7")
                break
