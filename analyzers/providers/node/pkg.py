"""package.json as a typed value: scripts, dependencies, engines, volta, packageManager, workspaces, main.

Read once through :func:`analyzers.lib.jsdata.from_json`, so every field keeps the line of its key
(``scripts.start`` at ``package.json:7``). A package.json that is not valid JSON gives None and the
reason (with its line) for the caller's warning.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from analyzers.lib.jsdata import from_json
from analyzers.lib.jsvalue import JsArray, JsObject, JsValue, Unknown, as_str
from migrator.repo import RepoView


@dataclass(frozen=True)
class Entry:
    """One ``name: string`` member of package.json (a script, a dependency, an engine) and its line."""

    name: str
    value: str
    line: int


@dataclass(frozen=True)
class Package:
    """One package.json. ``dir`` is the package's directory (``.`` at the root, ``apps/api`` ...)."""

    file: str
    dir: str
    name: str | None
    data: JsObject

    def member(self, *path: str) -> JsValue | None:
        value: JsValue | None = self.data
        for key in path:
            value = value.get(key) if isinstance(value, JsObject) else None
        return value

    def line(self, *path: str) -> int:
        value = self.member(*path)
        return value.line if value is not None else 1

    def entries(self, key: str) -> tuple[Entry, ...]:
        """The string members of object ``key`` (``scripts``, ``dependencies``, ``engines``, ``volta`` ...)."""
        table = self.member(key)
        if not isinstance(table, JsObject):
            return ()
        return tuple(Entry(k, s, v.line) for k, v in table.entries if (s := as_str(v)) is not None)

    def entry(self, key: str, name: str) -> Entry | None:
        return next((e for e in self.entries(key) if e.name == name), None)

    @property
    def scripts(self) -> tuple[Entry, ...]:
        return self.entries("scripts")

    def script(self, name: str) -> Entry | None:
        return self.entry("scripts", name)

    @property
    def dependencies(self) -> tuple[Entry, ...]:
        """``dependencies`` then ``optionalDependencies`` (both are installed in production)."""
        return self.entries("dependencies") + self.entries("optionalDependencies")

    @property
    def dev_dependencies(self) -> tuple[Entry, ...]:
        return self.entries("devDependencies")

    def depends_on(self, name: str, *, dev: bool = False) -> Entry | None:
        """The dependency ``name`` (devDependencies too when ``dev``)."""
        pool = self.dependencies + (self.dev_dependencies if dev else ())
        return next((e for e in pool if e.name == name), None)

    @property
    def main(self) -> Entry | None:
        value = self.member("main")
        text = as_str(value)
        return Entry("main", text, value.line) if text is not None and value is not None else None

    @property
    def workspace_globs(self) -> tuple[Entry, ...]:
        """``workspaces`` as an array, or yarn's ``{packages: [...]}`` form."""
        value = self.member("workspaces")
        if isinstance(value, JsObject):
            value = value.get("packages")
        if not isinstance(value, JsArray):
            return ()
        return tuple(Entry("workspaces", s, v.line) for v in value if (s := as_str(v)) is not None)


def read_package(repo: RepoView, rel: str) -> Package | Unknown | None:
    """The package.json at ``rel``: a :class:`Package`, an :class:`Unknown` (not an object, not valid JSON:
    its reason and line are for a warning), or None when the file is missing or unreadable."""
    text = repo.read_text(rel)
    if text is None:
        return None
    value = from_json(rel, text)
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, JsObject):
        return Unknown(value.line, "package.json is not an object", rel)
    return Package(rel, posixpath.dirname(rel) or ".", as_str(value.get("name")), value)


def root_package(repo: RepoView) -> Package | None:
    """The repo's root package.json, when it is a readable object."""
    found = read_package(repo, "package.json") if repo.exists("package.json") else None
    return found if isinstance(found, Package) else None
