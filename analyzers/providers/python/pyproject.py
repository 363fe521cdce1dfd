"""``pyproject.toml``: PEP 621 ``[project]``, Poetry, uv, PDM and Hatch projects (read with tomlkit).

Reports the package manager (from lock files, then tool tables, then the build backend, else pip),
the Python version from ``requires-python`` / Poetry's ``python`` constraint (lowest allowed minor,
see :mod:`analyzers.providers.python.python_version`), the production dependencies through
:mod:`analyzers.providers.python.python_deps`
and the console scripts. Dev groups never infer anything; other optional groups and extras only at
HEURISTIC (whether the image installs them depends on the install command). A pyproject.toml that
only configures tools (ruff, black, pytest) is not a Python project declaration and says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from analyzers import base
from analyzers.base import DEF, D, H, I, Item, Src
from analyzers.lib.toml_lines import Path, TomlLines
from analyzers.providers.python.pyproject_sources import analyze_sources
from analyzers.providers.python.python_deps import dependency_findings, normalize
from analyzers.providers.python.python_version import version_from_constraint
from analyzers.providers.python.requirements import is_foreign_platform, parse_requirement
from migrator.model import Confidence
from migrator.repo import RepoView
from migrator.secrets import scrub, value_secret_kind

NAME = "pyproject"
FILE = "pyproject.toml"

_DEV_GROUP = re.compile(
    r"^(dev|devel|develop|development|tests?|testing|lint|linting|docs?|typing|types|mypy|style|qa|checks?|ci"
    r"|bench|benchmarks?|coverage|cov|format|fmt|pre-commit|debug|local)([-_].*)?$",
    re.IGNORECASE,
)
_LOCKS = (("poetry.lock", "poetry"), ("uv.lock", "uv"), ("pdm.lock", "pdm"))
_TOOLS = (("poetry", "poetry"), ("uv", "uv"), ("pdm", "pdm"))
_BACKENDS = (("poetry.core", "poetry"), ("poetry.masonry", "poetry"), ("pdm.backend", "pdm"), ("pdm.pep517", "pdm"))
_FOREIGN_PLATFORMS = {"win32", "cygwin", "darwin", "windows"}


def _table(doc: Mapping[str, Any], *path: str) -> dict[str, Any]:
    node: Any = doc
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, dict) else {}


def _manager(repo: RepoView, doc: Mapping[str, Any], lines: TomlLines) -> Iterator[Item]:
    """The package manager: a lock file says it best, then a ``[tool.X]`` table, then the backend."""
    locks = [(lock, manager) for lock, manager in _LOCKS if repo.exists(lock)]
    if len(locks) > 1:
        names = ", ".join(lock for lock, _ in locks)
        yield base.warning(Src(NAME, locks[0][0]), f"several lock files ({names}); using {locks[0][0]}")
    if locks:
        yield base.runtime(Src(NAME, locks[0][0]), I, language="python", package_manager=locks[0][1])
        return
    for tool, manager in _TOOLS:
        if tool in _table(doc, "tool"):
            src = Src(NAME, FILE, lines.key(("tool", tool)))
            yield base.runtime(src, I, language="python", package_manager=manager)
            return
    backend = _table(doc, "build-system").get("build-backend")
    if isinstance(backend, str):
        for prefix, manager in _BACKENDS:
            if backend.startswith(prefix):
                src = Src(NAME, FILE, lines.key(("build-system", "build-backend")))
                yield base.runtime(src, I, language="python", package_manager=manager)
                return
    # pip installs any PEP 517 project; nothing in the repo says so, it is the documented default.
    yield base.runtime(Src(NAME, FILE), DEF, language="python", package_manager="pip")


def _version(spec: Any, src: Src, what: str) -> Iterator[Item]:
    if not isinstance(spec, str):
        return
    yield base.runtime(src, D, language="python", requires_python=spec.strip())
    found = version_from_constraint(spec)  # the lowest allowed minor
    if found is None:
        yield base.warning(src, f"{what} {scrub(spec)[:40]!r} has no lower bound to pick a Python version from")
        return
    yield base.runtime(src, found[1], version=found[0])


def _pep508(items: Any, path: Path, lines: TomlLines, cap: Confidence | None) -> Iterator[Item]:
    """PEP 508 strings (``[project] dependencies``, optional groups, dependency-groups)."""
    if not isinstance(items, list):
        return
    reqs = []
    for text in items:
        if not isinstance(text, str):
            continue  # PEP 735 {include-group = "..."}: the included group is read on its own
        src = Src(NAME, FILE, lines.item(path, text))
        req = parse_requirement(text)
        if req is None:
            yield base.warning(src, f"cannot parse dependency {scrub(text)[:60]!r}; skipped")
            continue
        reqs.append((req, src))
    siblings = {req.name for req, _ in reqs}
    git = False
    for req, src in reqs:
        if is_foreign_platform(req.marker):
            continue
        if req.url:
            kind = value_secret_kind(req.url)
            if kind:
                yield base.hardcoded_secret(src, f"{req.name} URL", kind)
            if req.url.startswith("git+") and not git:
                git = True
                yield base.system_package("git", src, I, stage="build", note="installs a dependency from git")
        yield from dependency_findings(req.name, src, extras=req.extras, siblings=siblings, cap=cap, pin=req.pin)


def _poetry_deps(deps: Any, path: Path, lines: TomlLines, cap: Confidence | None) -> Iterator[Item]:
    """``name = "^1.0"`` / ``{version, extras, git, optional, markers, platform}`` / a list of those."""
    if not isinstance(deps, Mapping):
        return
    siblings = {normalize(str(n)) for n in deps}
    for name, raw in deps.items():
        if str(name).lower() == "python":
            continue
        src = Src(NAME, FILE, lines.key((*path, str(name))))
        specs = raw if isinstance(raw, list) else [raw]
        tables = [s for s in specs if isinstance(s, Mapping)]
        if tables and all(_foreign(t) for t in tables):
            continue
        extras = tuple(str(e) for t in tables for e in (t.get("extras") or []))
        optional = any(t.get("optional") is True for t in tables)  # installed only through an extra
        dep_cap = H if optional else cap
        for t in tables:
            if isinstance(t.get("git"), str):
                kind = value_secret_kind(t["git"])
                if kind:
                    yield base.hardcoded_secret(src, f"{name} git URL", kind)
                note = "installs a dependency from git"
                yield base.system_package("git", src, dep_cap or I, stage="build", note=note)
        yield from dependency_findings(str(name), src, extras=extras, siblings=siblings, cap=dep_cap,
                                       pin=exact_pin(raw if isinstance(raw, str) else tables[0].get("version")
                                                     if len(tables) == 1 else None))


def exact_pin(spec: Any) -> str | None:
    """The version of an exact constraint: Poetry's bare ``"1.2.3"``, or ``"==1.2.3"`` (Poetry, Pipfile)."""
    if not isinstance(spec, str):
        return None
    m = re.fullmatch(r"\s*(?:={2,3})?\s*(\d+(?:\.\d+)*(?:[a-z]+\d*)?(?:\.post\d+)?)\s*", spec)
    return m.group(1) if m else None


def _foreign(spec: Mapping[str, Any]) -> bool:
    platform = spec.get("platform")
    if isinstance(platform, str) and platform.lower() in _FOREIGN_PLATFORMS:
        return True
    markers = spec.get("markers")
    return isinstance(markers, str) and is_foreign_platform(markers)


def _groups(groups: Mapping[str, Any], path: Path, read: Callable[[Any, Path], Iterator[Item]]) -> Iterator[Item]:
    """Named dependency groups: dev-like ones are skipped, the others read with ``read``."""
    for group, value in groups.items():
        if not _DEV_GROUP.match(str(group)):
            yield from read(value, (*path, str(group)))


def _scripts(scripts: Any, path: Path, lines: TomlLines) -> Iterator[Item]:
    if not isinstance(scripts, Mapping) or not scripts:
        return
    entries = []
    for name, target in scripts.items():
        ref = target.get("reference") if isinstance(target, Mapping) else target
        entries.append(f"{name}={ref}")
    yield base.runtime(Src(NAME, FILE, lines.key(path)), D, language="python", console_scripts=tuple(entries))


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings from the top-level pyproject.toml (and the lock files next to it)."""
    if not repo.exists(FILE):
        return
    text = repo.read_text(FILE)
    if text is None:
        return
    # tomlkit is imported where it is used: most repos have no such file, and it costs ~10 ms
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        doc = tomlkit.parse(text).unwrap()
    except ParseError as exc:
        yield base.warning(Src(NAME, FILE, exc.line), f"pyproject.toml is not valid TOML: {exc}")
        return
    lines = TomlLines(text)
    project, tool = _table(doc, "project"), _table(doc, "tool")
    poetry = _table(tool, "poetry")
    declares = project or poetry or _table(doc, "build-system") or any(t in tool for t in ("uv", "pdm", "hatch"))
    if not declares:
        return  # tool configuration only
    yield from _manager(repo, doc, lines)
    yield from analyze_sources(repo, doc, lines)
    backend = _table(doc, "build-system").get("build-backend")
    if isinstance(backend, str):
        src = Src(NAME, FILE, lines.key(("build-system", "build-backend")))
        yield base.runtime(src, D, language="python", build_backend=backend)
    yield from _version(project.get("requires-python"), Src(NAME, FILE, lines.key(("project", "requires-python"))),
                        "requires-python")
    poetry_deps = _table(poetry, "dependencies")
    poetry_python = poetry_deps.get("python")
    yield from _version(poetry_python, Src(NAME, FILE, lines.key(("tool", "poetry", "dependencies", "python"))),
                        "tool.poetry python")

    def pep508(cap: Confidence | None) -> Callable[[Any, Path], Iterator[Item]]:
        return lambda items, path: _pep508(items, path, lines, cap)

    def poetry_group(group: Any, path: Path) -> Iterator[Item]:
        return _poetry_deps(_table(group, "dependencies"), (*path, "dependencies"), lines, H)

    yield from _pep508(project.get("dependencies"), ("project", "dependencies"), lines, None)
    yield from _groups(_table(project, "optional-dependencies"), ("project", "optional-dependencies"), pep508(H))
    yield from _groups(_table(doc, "dependency-groups"), ("dependency-groups",), pep508(H))
    yield from _poetry_deps(poetry_deps, ("tool", "poetry", "dependencies"), lines, None)
    yield from _groups(_table(poetry, "group"), ("tool", "poetry", "group"), poetry_group)
    yield from _scripts(project.get("scripts"), ("project", "scripts"), lines)
    yield from _scripts(poetry.get("scripts"), ("tool", "poetry", "scripts"), lines)
