"""Which deploy file declares the process that runs a given JS file, under which process key: so the
code's facts (role, port, signals, singleton) attach to that process instead of a second one.

Read here (with the readers' own key rules, never a second notion of a key): PM2 apps (their name),
systemd units (:func:`analyzers.deploy.systemd.service_key`), supervisor programs (the command's canonical
name, else the program name, as :mod:`analyzers.deploy.supervisor` keys them; included files are not
followed) and Procfile entries (the process type; a package script such as ``npm start -w apps/api``
is followed to the ``node X`` it runs). A command names a
file relative to its working directory or by an absolute host path: it matches an entry whose path
is a suffix of it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from analyzers.commands import core_argv, meaning, parse_command, split, words
from analyzers.deploy import supervisor, systemd
from analyzers.lib.unitfile import read_unit
from analyzers.providers.node.appfiles import node_script
from analyzers.providers.node.pkg import Package, root_package
from analyzers.providers.node.scripts import resolve, script_ref
from migrator.model import Confidence, Source
from migrator.repo import RepoView

_ANALYZER = "node_code"  # these declarations are read for node_code (the source of the commands it parses)

_NODE = ("node", "nodejs")
_KEY = re.compile(r"[^a-z0-9-]+")
_ENV_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|[^,]*)")


@dataclass(frozen=True)
class Declared:
    """A process a deploy file declares: the script it runs (as written, relative to its working
    directory when it is under it), its key, and the env it sets there (name -> value, file, line)."""

    script: str
    key: str
    env: tuple[tuple[str, str, str, int], ...] = ()

    def env_value(self, name: str) -> tuple[str, str, int] | None:
        return next(((v, f, n) for k, v, f, n in self.env if k == name), None)


def declared_processes(repo: RepoView, workspaces: Sequence[Package] = ()) -> list[Declared]:
    return list(_systemd(repo)) + list(_supervisor(repo)) + list(_procfile(repo, workspaces))


def declaring(runs: str, declared: Sequence[Declared]) -> Declared | None:
    """The declared process that runs file ``runs`` (repo-relative), if one does."""
    stem = runs.removesuffix(".js")
    for d in declared:
        path = posixpath.normpath(d.script).removesuffix(".js")
        if path == stem or path.endswith("/" + stem):
            return d
    return None


def _script(argv: Sequence[str]) -> str | None:
    """The file ``node [options] file`` runs."""
    core = core_argv(argv)
    if not core or posixpath.basename(core[0]) not in _NODE:
        return None
    found = node_script(core[1:])
    return found[0] if found else None


def _systemd(repo: RepoView) -> Iterator[Declared]:
    for rel in systemd.unit_files(repo):
        if not rel.endswith(".service"):
            continue
        unit, _ = read_unit(repo, rel)
        entry = unit.last("Service", "ExecStart")
        script = (_script(words(systemd.exec_command(entry.value), entry.file or rel, entry.line, _ANALYZER))
                  if entry is not None else None)
        if script is None:
            continue
        workdir = unit.last("Service", "WorkingDirectory")
        where = workdir.value.lstrip("-") if workdir is not None else ""
        if where and script.startswith(where.rstrip("/") + "/"):
            script = script[len(where.rstrip("/")) + 1:]
        env = []
        for assignment in unit.values("Service", "Environment"):
            for token in split(assignment.value):
                name, eq, value = token.partition("=")
                if eq:
                    env.append((name, value, assignment.file or rel, assignment.line))
        yield Declared(script, systemd.service_key(unit), tuple(env))


def _supervisor(repo: RepoView) -> Iterator[Declared]:
    for rel in supervisor.config_files(repo):
        sections, _ = supervisor.parse_ini(repo.lines(rel))
        for section in sections:
            kind, _, name = section.name.partition(":")
            command = section.options.get("command")
            if kind not in ("program", "fcgi-program") or not name.strip() or command is None:
                continue
            parsed = parse_command(command.value, Source(rel, command.line, _ANALYZER, Confidence.DECLARED))
            script = _script(parsed.argv)
            if script is None:
                continue
            directory = section.options.get("directory")
            where = directory.value.rstrip("/") if directory is not None else ""
            if where and script.startswith(where + "/"):
                script = script[len(where) + 1:]
            program = name.strip()
            key = meaning(parsed).name or _KEY.sub("-", program.lower()).strip("-") or program
            environment = section.options.get("environment")
            pairs = _ENV_PAIR.findall(environment.value) if environment is not None else []
            env = tuple((n, v.strip("'\""), rel, environment.line) for n, v in pairs if environment is not None)
            yield Declared(script, key, env)


def _procfile(repo: RepoView, workspaces: Sequence[Package]) -> Iterator[Declared]:
    root = root_package(repo)
    for number, line in enumerate((repo.read_text("Procfile") or "").splitlines(), 1):
        ptype, sep, command = line.partition(":")
        if not sep or line.lstrip().startswith("#"):
            continue
        argv = words(command.strip(), "Procfile", number, _ANALYZER)
        script = _script(argv)
        ref = script_ref(core_argv(argv)) if script is None else None
        found = resolve(ref, root, workspaces) if ref is not None else None
        if found is not None:
            inner = _script(words(found.script.value, found.package.file, found.script.line, _ANALYZER))
            base = "" if found.package.dir == "." else found.package.dir + "/"
            script = base + inner if inner else None
        if script:
            yield Declared(script, ptype.strip())
