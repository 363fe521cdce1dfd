"""Where a uv, Poetry or PDM project gets its packages from: path dependencies, git, extra indexes.

What the image build must honour and ``pip install -r exported.txt`` loses:

- **path dependencies inside the repository** (``[tool.uv.sources] x = { path = "libs/x" }``, uv
  workspace members, Poetry ``x = { path = "libs/x" }``, PDM/PEP 621 ``"x @ file:///${PROJECT_ROOT}/libs/x"``):
  reported as ``local_packages`` so the Dockerfile copies them before the install step; one outside the
  repository is a warning (the build context cannot see it);
- **git sources** (``[tool.uv.sources] x = { git = "..." }``): git in the build stage;
- **package indexes** (``[[tool.uv.index]]``, ``[tool.uv] index-url``/``extra-index-url``,
  ``[[tool.poetry.source]]``, ``[[tool.pdm.source]]``): reported as ``package_indexes`` (name, URL
  without credentials) so the Dockerfile can pass their credentials as build secrets; a URL with a
  password in it is a hard-coded secret.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any

from analyzers import base
from analyzers.base import D, I, Item, Src
from analyzers.lib.toml_lines import TomlLines
from migrator.repo import RepoView
from migrator.secrets import value_secret_kind

NAME = "pyproject"
FILE = "pyproject.toml"
_FILE_URL = re.compile(r"@\s*file://(?:/?\$\{PROJECT_ROOT\}|\.)?/?(?P<path>[^\s;]*)")


def _table(node: Any, *path: str) -> dict[str, Any]:
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, dict) else {}


def _inside(repo: RepoView, raw: str) -> str | None:
    """The repo-relative directory ``raw`` names, or None when it leaves the repository."""
    rel = posixpath.normpath(raw.strip().replace("\\", "/"))
    if rel.startswith(("../", "/")) or rel == "..":
        return None
    return rel


def _local(repo: RepoView, raw: str, src: Src, what: str) -> Iterator[tuple[str, Src] | Item]:
    rel = _inside(repo, raw)
    if rel is None:
        yield base.warning(src, f"{what} {raw!r} is outside the repository: the image build cannot copy it")
    elif rel != ".":
        yield rel, src


def _uv(repo: RepoView, doc: Mapping[str, Any], lines: TomlLines) -> Iterator[tuple[str, Src] | Item]:
    uv = _table(doc, "tool", "uv")
    for name, spec in _table(uv, "sources").items():
        src = Src(NAME, FILE, lines.key(("tool", "uv", "sources", str(name))))
        for one in spec if isinstance(spec, list) else [spec]:
            if not isinstance(one, Mapping):
                continue
            if isinstance(one.get("path"), str):
                yield from _local(repo, one["path"], src, f"path dependency {name}")
            if isinstance(one.get("git"), str):
                yield base.system_package("git", src, I, stage="build", note=f"uv installs {name} from git")
    members = _table(uv, "workspace").get("members")
    src = Src(NAME, FILE, lines.key(("tool", "uv", "workspace", "members")))
    for pattern in members if isinstance(members, list) else []:
        if not isinstance(pattern, str):
            continue
        found = [p.rsplit("/", 1)[0] for p in repo.glob(f"{pattern.rstrip('/')}/pyproject.toml")]
        for member in found or ([pattern] if "*" not in pattern else []):
            yield from _local(repo, member, src, "workspace member")


def _poetry(repo: RepoView, doc: Mapping[str, Any], lines: TomlLines) -> Iterator[tuple[str, Src] | Item]:
    poetry = _table(doc, "tool", "poetry")
    tables: list[tuple[tuple[str, ...], dict[str, Any]]] = [(("tool", "poetry", "dependencies"),
                                                             _table(poetry, "dependencies"))]
    for group, value in _table(poetry, "group").items():
        tables.append((("tool", "poetry", "group", str(group), "dependencies"), _table(value, "dependencies")))
    for path, deps in tables:
        for name, spec in deps.items():
            for one in spec if isinstance(spec, list) else [spec]:
                if isinstance(one, Mapping) and isinstance(one.get("path"), str):
                    src = Src(NAME, FILE, lines.key((*path, str(name))))
                    yield from _local(repo, one["path"], src, f"path dependency {name}")


def _pep508(repo: RepoView, doc: Mapping[str, Any], lines: TomlLines) -> Iterator[tuple[str, Src] | Item]:
    deps = _table(doc, "project").get("dependencies")
    for text in deps if isinstance(deps, list) else []:
        m = _FILE_URL.search(text) if isinstance(text, str) else None
        if m:
            src = Src(NAME, FILE, lines.item(("project", "dependencies"), text))
            yield from _local(repo, m.group("path") or ".", src, "path dependency")


def _clean_url(url: str) -> str:
    """The URL without credentials; ``${VAR}`` references (PDM expands them) are kept: they name the
    variables the build must be given."""
    def keep(m: re.Match[str]) -> str:
        return m.group(0) if re.fullmatch(r"\$\{\w+\}(:\$\{\w+\})?", m.group(1)) else "//"

    return re.sub(r"//([^/@\s]+)@", keep, url)


def _indexes(doc: Mapping[str, Any], lines: TomlLines) -> Iterator[tuple[str, str, Src] | Item]:
    tool = _table(doc, "tool")
    for manager, key in (("uv", "index"), ("poetry", "source"), ("pdm", "source")):
        entries = _table(tool, manager).get(key)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and isinstance(entry.get("url"), str):
                src = Src(NAME, FILE, lines.key(("tool", manager, key, "url")))
                yield str(entry.get("name") or manager), entry["url"], src
    uv = _table(tool, "uv")
    for key in ("index-url", "extra-index-url"):
        urls = uv.get(key)
        for url in urls if isinstance(urls, list) else [urls]:
            if isinstance(url, str):
                yield key.removesuffix("-url"), url, Src(NAME, FILE, lines.key(("tool", "uv", key)))


def analyze_sources(repo: RepoView, doc: Mapping[str, Any], lines: TomlLines) -> Iterator[Item]:
    """Findings for the sources of one parsed pyproject.toml (see the module docstring)."""
    local: dict[str, Src] = {}
    for got in (*_uv(repo, doc, lines), *_poetry(repo, doc, lines), *_pep508(repo, doc, lines)):
        if isinstance(got, tuple):
            local.setdefault(got[0], got[1])
        else:
            yield got
    if local:
        first = min(local.values(), key=lambda s: s.line or 0)
        yield base.runtime(first, D, language="python", local_packages=tuple(sorted(local)))
    indexes: dict[str, tuple[str, Src]] = {}
    for found in _indexes(doc, lines):
        if not isinstance(found, tuple):
            yield found
            continue
        name, url, src = found
        kind = value_secret_kind(url)
        if kind:
            yield base.hardcoded_secret(src, f"package index {name} URL", kind)
        indexes.setdefault(name, (_clean_url(url), src))
    if indexes:
        first = min((s for _, s in indexes.values()), key=lambda s: s.line or 0)
        yield base.runtime(first, D, language="python",
                           package_indexes=tuple((n, u) for n, (u, _) in sorted(indexes.items())))
