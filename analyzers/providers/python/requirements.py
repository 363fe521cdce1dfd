"""pip requirements files: ``requirements*.txt`` at the top level and ``requirements/*.txt``.

Every line is read the way pip reads it (comments, ``\\`` continuations, ``-r``/``-c`` includes,
``-e``, VCS and URL requirements, extras, environment markers, ``--hash``), never by running pip.
Includes are followed inside the repository only, with cycles guarded; a missing include is a
warning. Which file is *the* production one matters: it is recorded as ``requirements_file``, and
dev/test-only files (by name, or reached only from such files) say nothing about services.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from analyzers import base
from analyzers.base import D, H, I, Item, Src
from analyzers.providers.python.python_deps import dependency_findings, normalize
from migrator.repo import RepoView, join
from migrator.secrets import value_secret_kind

NAME = "requirements"

_DEV = re.compile(
    r"(^|[-_./])(dev|devel|develop|development|tests?|testing|lint|linting|docs?|ci|local|tox|typing|mypy"
    r"|style|qa|checks?|debug|bench|benchmarks?)([-_.]|$)",
    re.IGNORECASE,
)
_PROD = re.compile(r"(^|[-_./])(prod|production|deploy|deployment|live|heroku)([-_.]|$)", re.IGNORECASE)
_BASE = re.compile(r"(^|[-_./])(base|common|main|core|default)([-_.]|$)", re.IGNORECASE)
_COMMENT = re.compile(r"(^|\s)#.*$")
_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(.*)$")
_OP = r"(~=|===|==|!=|<=|>=|<|>)\s*[^,\s()]+\s*"
_SPEC = re.compile(rf"^(\(?\s*{_OP}(,\s*{_OP})*\)?)?$")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?")
_URL = re.compile(r"^(git|hg|svn|bzr)\+|^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Markers that limit a dependency to a non-Linux platform: it is not installed in the image.
_FOREIGN = re.compile(
    r"^\s*(sys_platform|platform_system|os_name)\s*==\s*['\"](win32|cygwin|darwin|windows|nt)['\"]\s*$",
    re.IGNORECASE,
)
_INDEX_OPTS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links")
_INCLUDE_OPTS = {"-r": "r", "--requirement": "r", "-c": "c", "--constraint": "c"}
_EDITABLE_OPTS = ("-e", "--editable")
# Per-requirement options pip accepts after the requirement itself.
_TRAILING_OPTS = re.compile(r"\s--(hash|global-option|install-option|config-settings)(=|\s+)\S+")


@dataclass(frozen=True)
class Requirement:
    """One PEP 508 requirement: normalised name, extras, marker and the URL when it is a direct one."""

    name: str
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    pin: str | None = None  # the exact version of an ``==X`` / ``===X`` specifier


_PIN = re.compile(r"(?:^|[,(\s])={2,3}\s*([0-9][0-9A-Za-z.+!-]*)\s*(?:[,)]|$)")


def parse_requirement(text: str) -> Requirement | None:
    """Parse ``name[extras] specifiers ; marker`` or ``name @ url ; marker``; None when it is not one."""
    m = _NAME.match(text)
    if not m:
        return None
    name, extras_text, rest = m.group(1), m.group(2) or "", m.group(3).strip()
    extras = tuple(normalize(e) for e in extras_text.split(",") if e.strip())
    url = None
    if rest.startswith("@"):
        url, _, marker = rest[1:].strip().partition(" ;")
        url = url.strip()
    else:
        spec, _, marker = rest.partition(";")
        if not _SPEC.match(spec.strip()):
            return None
        pinned = _PIN.search(spec.strip())
        return Requirement(normalize(name), extras, marker.strip() or None, None, pinned.group(1) if pinned else None)
    return Requirement(normalize(name), extras, marker.strip() or None, url)


def is_foreign_platform(marker: str | None) -> bool:
    """True when an environment marker restricts a dependency to Windows or macOS only."""
    return bool(marker) and all(_FOREIGN.match(part) for part in re.split(r"\band\b", marker or ""))


@dataclass
class _Entry:
    line: int
    req: Requirement
    vcs: bool = False


@dataclass
class _File:
    path: str
    entries: list[_Entry] = field(default_factory=list)
    includes: list[tuple[str, int, str]] = field(default_factory=list)  # (target, line, "r"|"c")
    items: list[Item] = field(default_factory=list)  # secrets and warnings found while parsing


def _logical_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Join ``\\`` continuations and drop comments; yield (first physical line, text)."""
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(lines, start=1):
        if not buf:
            start = number
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            buf.append(stripped[:-1])
            continue
        buf.append(stripped)
        text = _COMMENT.sub("", " ".join(buf)).strip()
        buf = []
        if text:
            yield start, text
    if buf:
        text = _COMMENT.sub("", " ".join(buf)).strip()
        if text:
            yield start, text


def _option(text: str, names: Iterable[str]) -> str | None:
    """The argument of option ``-r file`` / ``-rfile`` / ``--requirement=file``; None if not that option."""
    for name in names:
        if text == name:
            return ""
        if text.startswith(name + "=") or text.startswith(name + " ") or text.startswith(name + "\t"):
            return text[len(name) :].lstrip(" \t=").strip()
        if len(name) == 2 and text.startswith(name) and not text.startswith(name + "-"):
            return text[2:].strip()
    return None


def _url_requirement(url: str) -> Requirement | None:
    egg = _EGG.search(url)
    if egg is None:
        return None
    extras = tuple(normalize(e) for e in (egg.group(2) or "").strip("[]").split(",") if e.strip())
    return Requirement(normalize(egg.group(1)), extras, None, url)


def _check_url(url: str, src: Src, what: str) -> Iterator[Item]:
    kind = value_secret_kind(url)
    if kind:
        yield base.hardcoded_secret(src, what, kind)
        yield base.warning(src, f"{what} carries credentials; pass them as a build secret, not in the file")


def parse_file(path: str, lines: list[str]) -> _File:
    """Every requirement, include, secret and problem of one requirements file, with its line."""
    out = _File(path)
    for number, text in _logical_lines(lines):
        src = Src(NAME, path, number)
        text = _TRAILING_OPTS.sub("", " " + text).strip()
        include = [(kind, arg) for opt, kind in _INCLUDE_OPTS.items() if (arg := _option(text, [opt])) is not None]
        if include:
            kind, arg = include[0]
            if arg:
                out.includes.append((arg, number, kind))
            else:
                out.items.append(base.warning(src, f"{text.split()[0]} without a file name; ignored"))
            continue
        index = _option(text, _INDEX_OPTS)
        if index is not None:
            out.items.extend(_check_url(index, src, "package index URL"))
            continue
        editable = _option(text, _EDITABLE_OPTS)
        target = editable if editable is not None else text
        if text.startswith("-") and editable is None:
            continue  # --no-binary, --pre, --trusted-host ...: nothing to learn about the app
        if _URL.match(target):
            out.items.extend(_check_url(target, src, "requirement URL"))
            req = _url_requirement(target)
            if req is None:
                out.items.append(base.warning(src, "URL requirement without #egg=name; its name is unknown"))
            else:
                out.entries.append(_Entry(number, req, vcs=bool(re.match(r"^(git|hg|svn|bzr)\+", target))))
            continue
        if editable is not None or target.startswith((".", "/")) or target.endswith((".whl", ".tar.gz", ".zip")):
            continue  # a local project or archive (``-e .``): the app itself, not a dependency we know
        req = parse_requirement(target)
        if req is None:
            out.items.append(base.warning(src, "cannot parse this requirement line; skipped"))
            continue
        if req.url:
            out.items.extend(_check_url(req.url, src, "requirement URL"))
        vcs = bool(req.url and re.match(r"^(git|hg|svn|bzr)\+", req.url))
        out.entries.append(_Entry(number, req, vcs=vcs))
    return out


def _candidates(repo: RepoView) -> list[str]:
    found = repo.glob("requirements*.txt", "requirements/*.txt")
    return [f for f in found if "/" not in f or (f.startswith("requirements/") and f.count("/") == 1)]


def _is_dev(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].removesuffix(".txt")
    return bool(_DEV.search(name)) and not _PROD.search(name)


def main_file(paths: Iterable[str]) -> str | None:
    """The production requirements file: production-named, else requirements.txt, else base-named."""
    ordered = sorted(p for p in paths if not _is_dev(p))
    for rule in (
        lambda p: bool(_PROD.search(p.rsplit("/", 1)[-1])),
        lambda p: p == "requirements.txt",
        lambda p: bool(_BASE.search(p.rsplit("/", 1)[-1])),
    ):
        chosen = [p for p in ordered if rule(p)]
        if chosen:
            return sorted(chosen, key=lambda p: (p.count("/"), p))[0]
    return ordered[0] if len(ordered) == 1 else None


class _Graph:
    """Parsed files and their includes, followed inside the repo with cycles guarded."""

    def __init__(self, repo: RepoView) -> None:
        self.repo = repo
        self.files: dict[str, _File] = {}
        self.warnings: list[Item] = []
        self._cycles: set[frozenset[str]] = set()

    def load(self, path: str) -> _File | None:
        if path not in self.files:
            if not self.repo.exists(path):
                return None
            self.files[path] = parse_file(path, self.repo.lines(path))
        return self.files[path]

    def closure(self, start: str) -> list[str]:
        """Files reached from ``start`` through ``-r`` (constraints are not dependencies)."""
        seen: list[str] = []
        self._visit(start, seen, [])
        return seen

    def _visit(self, path: str, seen: list[str], stack: list[str]) -> None:
        parsed = self.load(path)
        if parsed is None or path in seen:
            return
        seen.append(path)
        for target, line, kind in parsed.includes:
            src = Src(NAME, path, line)
            resolved = join(path, target)
            if _URL.match(target) or resolved.startswith("../") or target.startswith(("/", "\\")):
                self.warnings.append(base.warning(src, f"include {target} is outside the repository; not followed"))
                continue
            if not self.repo.exists(resolved):
                self.warnings.append(base.warning(src, f"included file {target} not found"))
                continue
            chain = [*stack, path]
            if resolved in chain:
                cycle = frozenset(chain[chain.index(resolved) :])
                if cycle not in self._cycles:  # one warning per cycle, whichever file we started from
                    self._cycles.add(cycle)
                    self.warnings.append(base.warning(src, f"include cycle back to {resolved}; not followed again"))
                continue
            if kind == "r":
                self._visit(resolved, seen, chain)
            else:
                self.load(resolved)  # read for its problems only: a constraint installs nothing


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings from every pip requirements file, production first."""
    candidates = _candidates(repo)
    if not candidates:
        return
    graph = _Graph(repo)
    main = main_file(candidates)
    production = graph.closure(main) if main else []
    dev: list[str] = []
    other: list[str] = []
    # Non-dev files first: a file that a worker file and a dev file both include is not dev-only.
    for path in sorted(candidates, key=_is_dev):
        for reached in graph.closure(path):
            if reached in production or reached in dev or reached in other:
                continue
            (dev if _is_dev(path) or _is_dev(reached) else other).append(reached)
    yield from dict.fromkeys(graph.warnings)  # a file included twice warns once
    if main:
        yield base.runtime(Src(NAME, main), I, language="python", requirements_file=main)
    siblings = {e.req.name for p in production + other for e in graph.files[p].entries}
    for path in production + other + dev:
        yield from _file_findings(graph.files[path], siblings, path in dev)


def _file_findings(parsed: _File, siblings: set[str], dev: bool) -> Iterator[Item]:
    yield from parsed.items
    src = Src(NAME, parsed.path)
    if dev:
        # A dev/test file proves the language, not what production runs.
        yield base.runtime(src, D, language="python")
        return
    yield base.runtime(src, D, language="python", package_manager="pip")
    vcs_line = next((e.line for e in parsed.entries if e.vcs), None)
    if vcs_line is not None:
        yield base.system_package("git", src.at(vcs_line), I, stage="build", note="pip installs from a VCS URL")
    for entry in parsed.entries:
        cap = H if is_foreign_platform(entry.req.marker) else None
        if cap is not None:
            continue  # installed on Windows/macOS only: never in a Linux image
        yield from dependency_findings(entry.req.name, src.at(entry.line), extras=entry.req.extras, siblings=siblings,
                                       pin=entry.req.pin)
