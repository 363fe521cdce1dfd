"""Which deploy file declares the process that runs a given JS file, under which process key: so the
code's facts (role, port, signals, singleton) attach to that process instead of a second one.

Read here (with the readers' own key rules, never a second notion of a key): PM2 apps (their name),
systemd units (:func:`analyzers.systemd.service_key`) and Procfile entries (the process type; a package
script such as ``npm start -w apps/api`` is followed to the ``node X`` it runs). A command names a
file relative to its working directory or by an absolute host path: it matches an entry whose path
is a suffix of it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence

from analyzers import systemd
from analyzers.commands import core_argv, split
from analyzers.providers.node.pkg import Package, root_package
from analyzers.providers.node.scripts import resolve, script_ref
from analyzers.unitfile import read_unit
from migrator.repo import RepoView

_NODE = ("node", "nodejs")


def declared_keys(repo: RepoView, workspaces: Sequence[Package] = ()) -> list[tuple[str, str]]:
    """(the script a declared process runs, as written, joined to its directory; its process key)."""
    return list(_systemd(repo)) + list(_procfile(repo, workspaces))


def key_for(runs: str, declared: Sequence[tuple[str, str]]) -> str | None:
    """The key of the declared process that runs file ``runs`` (repo-relative), if one does."""
    stem = runs.removesuffix(".js")
    for script, key in declared:
        path = posixpath.normpath(script).removesuffix(".js")
        if path == stem or path.endswith("/" + stem):
            return key
    return None


def _script(argv: Sequence[str]) -> str | None:
    """The file ``node [options] file`` runs."""
    core = core_argv(argv)
    if not core or posixpath.basename(core[0]) not in _NODE:
        return None
    return next((w for w in core[1:] if not w.startswith("-")), None)


def _systemd(repo: RepoView) -> Iterator[tuple[str, str]]:
    for rel in systemd.unit_files(repo):
        if not rel.endswith(".service"):
            continue
        unit, _ = read_unit(repo, rel)
        entry = unit.last("Service", "ExecStart")
        script = _script(split(systemd.exec_command(entry.value))) if entry is not None else None
        if script is None:
            continue
        workdir = unit.last("Service", "WorkingDirectory")
        where = workdir.value.lstrip("-") if workdir is not None else ""
        if where and script.startswith(where.rstrip("/") + "/"):
            script = script[len(where.rstrip("/")) + 1:]
        yield script, systemd.service_key(unit)


def _procfile(repo: RepoView, workspaces: Sequence[Package]) -> Iterator[tuple[str, str]]:
    root = root_package(repo)
    for line in (repo.read_text("Procfile") or "").splitlines():
        ptype, sep, command = line.partition(":")
        if not sep or line.lstrip().startswith("#"):
            continue
        argv = split(command.strip())
        script = _script(argv)
        ref = script_ref(core_argv(argv)) if script is None else None
        found = resolve(ref, root, workspaces) if ref is not None else None
        if found is not None:
            inner = _script(split(found.script.value))
            base = "" if found.package.dir == "." else found.package.dir + "/"
            script = base + inner if inner else None
        if script:
            yield script, ptype.strip()
