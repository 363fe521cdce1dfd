"""Pipenv: ``Pipfile`` (TOML, via tomlkit) and ``Pipfile.lock`` (JSON).

``[packages]`` are the app's direct dependencies; ``[dev-packages]`` never say what production runs,
so they are ignored. ``[requires] python_version`` is a DECLARED version. The lock's ``default``
section lists transitive dependencies too, so it is read for dependencies only when there is no
usable Pipfile; its ``_meta.requires`` version is always reported. Line numbers come from
:mod:`analyzers.lib.toml_lines` and :mod:`analyzers.lib.jsonlines`, since neither parser keeps them. Each file
is read under :func:`analyzers.lib.nesting.guard`: a lock nested too deeply for ``json`` is a warning, and
the Pipfile is still analysed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from analyzers import base
from analyzers.base import I, Item, Src
from analyzers.lib import nesting
from analyzers.lib.jsonlines import key_lines
from analyzers.lib.toml_lines import TomlLines
from analyzers.providers.python.pyproject import exact_pin
from analyzers.providers.python.python_deps import dependency_findings, normalize
from analyzers.providers.python.python_version import split_version
from analyzers.providers.python.requirements import is_foreign_platform
from migrator.repo import RepoView
from migrator.secrets import scrub, value_secret_kind

NAME = "pipenv"


def _marker(spec: Any) -> str | None:
    """A package's environment marker, from ``markers = "..."`` or ``sys_platform = "== 'win32'"``."""
    if not isinstance(spec, Mapping):
        return None
    if isinstance(spec.get("markers"), str):
        return str(spec["markers"])
    for key in ("sys_platform", "platform_system", "os_name"):
        if isinstance(spec.get(key), str):
            return f"{key} {spec[key]}"
    return None


def _extras(spec: Any) -> tuple[str, ...]:
    extras = spec.get("extras") if isinstance(spec, Mapping) else None
    return tuple(str(e) for e in extras) if isinstance(extras, list) else ()


def _packages(packages: Mapping[str, Any], line_of: Any, path: str) -> Iterator[Item]:
    """Findings for one ``name -> spec`` table; ``line_of(name)`` says where each is written."""
    siblings = {normalize(str(n)) for n in packages}
    git_seen = False
    for name, spec in packages.items():
        src = Src(NAME, path, line_of(str(name)))
        if is_foreign_platform(_marker(spec)):
            continue  # Windows/macOS only: never in a Linux image
        url = spec.get("git") if isinstance(spec, Mapping) else None
        if isinstance(url, str):
            kind = value_secret_kind(url)
            if kind:
                yield base.hardcoded_secret(src, f"{name} git URL", kind)
            if not git_seen:
                git_seen = True
                yield base.system_package("git", src, I, stage="build", note="pipenv installs from a git URL")
        version = spec.get("version") if isinstance(spec, Mapping) else spec
        pin = exact_pin(version) if isinstance(version, str) and version.strip().startswith("==") else None
        yield from dependency_findings(str(name), src, extras=_extras(spec), siblings=siblings, pin=pin)


def _version(requires: Any, path: str, line_of: Any) -> Iterator[Item]:
    """``python_full_version`` / ``python_version`` from ``[requires]`` (or the lock's ``_meta.requires``)."""
    if not isinstance(requires, Mapping):
        return
    for key in ("python_full_version", "python_version"):
        value = requires.get(key)
        if not isinstance(value, str):
            continue
        src = Src(NAME, path, line_of(key))
        found = split_version(value)
        if found is None:
            yield base.warning(src, f"{key} {scrub(value)[:20]!r} is not a CPython version")
            continue
        yield base.runtime(src, language="python", version=found[0], version_full=found[1])
        return


def _pipfile(repo: RepoView) -> tuple[list[Item], bool]:
    """Findings from the Pipfile, and whether its packages could be read."""
    text = repo.read_text("Pipfile")
    if text is None:
        return [], False
    # tomlkit is imported where it is used: most repos have no such file, and it costs ~10 ms
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        doc = tomlkit.parse(text).unwrap()
    except ParseError as exc:
        return [base.warning(Src(NAME, "Pipfile", exc.line), f"Pipfile is not valid TOML: {exc}")], False
    lines = TomlLines(text)
    out: list[Item] = [base.runtime(Src(NAME, "Pipfile"), language="python", package_manager="pipenv")]
    out.extend(_version(doc.get("requires"), "Pipfile", lambda k: lines.key(("requires", k))))
    for source in doc.get("source", []) if isinstance(doc.get("source"), list) else []:
        url = source.get("url") if isinstance(source, Mapping) else None
        if isinstance(url, str) and value_secret_kind(url):
            src = Src(NAME, "Pipfile", lines.key(("source", "url")))
            out.append(base.hardcoded_secret(src, "package index URL", str(value_secret_kind(url))))
    packages = doc.get("packages")
    if not isinstance(packages, Mapping):
        return out, False
    out.extend(_packages(packages, lambda n: lines.key(("packages", n)), "Pipfile"))
    return out, True


def _lock(repo: RepoView, read_packages: bool) -> Iterator[Item]:
    text = repo.read_text("Pipfile.lock")
    if text is None:
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        yield base.warning(Src(NAME, "Pipfile.lock", exc.lineno), f"Pipfile.lock is not valid JSON: {exc.msg}")
        return
    except RecursionError:
        yield nesting.too_deep(Src(NAME, "Pipfile.lock"), "Pipfile.lock")
        return
    if not isinstance(doc, dict):
        yield base.warning(Src(NAME, "Pipfile.lock"), "Pipfile.lock is not a JSON object")
        return
    lines = key_lines(text)
    yield base.runtime(Src(NAME, "Pipfile.lock"), language="python", package_manager="pipenv")
    meta = doc.get("_meta")
    requires = meta.get("requires") if isinstance(meta, dict) else None
    yield from _version(requires, "Pipfile.lock", lambda k: lines.get(("_meta", "requires", k)))
    default = doc.get("default")
    if read_packages and isinstance(default, dict):
        yield from _packages(default, lambda n: lines.get(("default", n)), "Pipfile.lock")


def analyze(repo: RepoView) -> Iterator[Item]:
    """Pipenv's package manager, Python version and production dependencies."""
    has_lock = repo.exists("Pipfile.lock")
    pipfile_ok = False
    if repo.exists("Pipfile"):
        try:
            items, pipfile_ok = _pipfile(repo)
        except RecursionError:
            items = [nesting.too_deep(Src(NAME, "Pipfile"), "Pipfile")]
        yield from items
    if has_lock:
        yield from nesting.guard(lambda: _lock(repo, read_packages=not pipfile_ok), Src(NAME, "Pipfile.lock"),
                                 "Pipfile.lock")
