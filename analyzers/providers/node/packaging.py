"""Which package manager installs a Node package, from what evidence, and its frozen install.

Precedence: ``packageManager`` (corepack, DECLARED, with the exact version) > a lockfile (DECLARED:
``pnpm-lock.yaml``, ``bun.lock``/``bun.lockb``, ``yarn.lock``, ``package-lock.json``,
``npm-shrinkwrap.json``) > ``.yarnrc.yml`` (berry) / ``.yarnrc`` (classic) (INFERRED) > ``engines.<pm>``
(INFERRED) > npm (DEFAULT). Lockfiles of two managers are a conflict (Heroku fails the build on it), never
an error. A lockfile is often larger than what RepoView reads by default (1 MiB): :func:`lock_bytes` reads
up to :data:`LOCK_LIMIT`, and the headers are matched in the first kilobytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzers.providers.node.installs import Installs, installs
from analyzers.providers.node.pkg import Package
from migrator.model import Confidence
from migrator.repo import RepoView, UnreadableFile

_LOCKS = (("pnpm-lock.yaml", "pnpm"), ("bun.lock", "bun"), ("bun.lockb", "bun"), ("yarn.lock", "yarn"),
          ("package-lock.json", "npm"), ("npm-shrinkwrap.json", "npm"))
_HEAD = 4096
LOCK_LIMIT = 64 * 1024 * 1024  # a large monorepo's package-lock.json is tens of MB
_PM_FIELD = re.compile(r"(npm|yarn|pnpm|bun)@(\d[\w.+-]*?)(?:\+[\w.:-]+)?$")
_NPM_LOCK = re.compile(rb'"lockfileVersion"\s*:\s*(\d+)')
_PNPM_LOCK = re.compile(rb"^lockfileVersion:\s*['\"]?([\d.]+)", re.MULTILINE)
_BERRY_LOCK = re.compile(rb"^__metadata:\s*\n\s+version:\s*(\d+)", re.MULTILINE)
_YARNRC = re.compile(r"^(yarnPath|nodeLinker):\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


@dataclass(frozen=True)
class ManagerSignal:
    manager: str  # npm | yarn | pnpm | bun
    what: str  # "packageManager", "lockfile", ".yarnrc.yml", ".yarnrc", "engines.pnpm", "default"
    file: str
    line: int | None
    confidence: Confidence
    version: str | None = None  # packageManager's exact version
    flavor: str | None = None  # yarn: classic | berry
    lock_version: str | None = None  # lockfileVersion, berry __metadata.version, pnpm lockfileVersion


@dataclass(frozen=True)
class ManagerChoice:
    manager: str
    signals: tuple[ManagerSignal, ...]  # the winner first, then the others by precedence
    conflicts: tuple[ManagerSignal, ...]  # lockfiles (or a packageManager) of another manager
    lockfile: str | None
    flavor: str | None  # yarn only
    pnp: bool  # yarn berry Plug'n'Play
    yarn_path: str | None  # a berry release committed in the repo
    installs: Installs

    @property
    def winner(self) -> ManagerSignal:
        return self.signals[0]


def signals(repo: RepoView, pkg: Package | None, root: str = ".") -> list[ManagerSignal]:
    """Every package-manager signal of the package at ``root``, best first."""
    prefix = "" if root in (".", "") else f"{root}/"
    out: list[ManagerSignal] = []
    field = pkg.member("packageManager") if pkg else None
    m = _PM_FIELD.match(getattr(field, "value", "") or "") if field is not None else None
    if pkg is not None and field is not None and m:
        flavor = ("classic" if m.group(2).startswith("1.") else "berry") if m.group(1) == "yarn" else None
        out.append(ManagerSignal(m.group(1), "packageManager", pkg.file, field.line, Confidence.DECLARED,
                                 m.group(2), flavor))
    for name, manager in _LOCKS:
        rel = prefix + name
        if repo.exists(rel):
            out.append(_lock_signal(repo, rel, manager))
    for name, flavor in ((".yarnrc.yml", "berry"), (".yarnrc", "classic")):
        if repo.exists(prefix + name):
            out.append(ManagerSignal("yarn", name, prefix + name, None, Confidence.INFERRED, flavor=flavor))
    for entry in pkg.entries("engines") if pkg else ():
        if entry.name in ("yarn", "pnpm", "bun"):
            out.append(ManagerSignal(entry.name, f"engines.{entry.name}", pkg.file if pkg else "", entry.line,
                                     Confidence.INFERRED))
    return out


def _lock_signal(repo: RepoView, rel: str, manager: str) -> ManagerSignal:
    head = (lock_bytes(repo, rel) or b"")[:_HEAD]
    flavor = version = None
    if manager == "npm":
        m = _NPM_LOCK.search(head)
        version = m.group(1).decode() if m else None
    elif manager == "pnpm":
        m = _PNPM_LOCK.search(head)
        version = m.group(1).decode() if m else None
    elif manager == "yarn":
        m = _BERRY_LOCK.search(head)
        classic = "1" if b"yarn lockfile v1" in head else None
        flavor, version = ("berry", m.group(1).decode()) if m else ("classic", classic)
    return ManagerSignal(manager, "lockfile", rel, 1, Confidence.DECLARED, flavor=flavor, lock_version=version)


def lock_bytes(repo: RepoView, rel: str) -> bytes | None:
    """A lockfile's bytes (up to :data:`LOCK_LIMIT`); None, with a warning, when it cannot be read."""
    try:
        return repo.read_bytes(rel, limit=LOCK_LIMIT)
    except UnreadableFile as exc:
        repo.warn(exc.reason, rel)
        return None


def choose(repo: RepoView, found: list[ManagerSignal], root: str = ".") -> ManagerChoice:
    """The manager that installs the package, its evidence, conflicts and install commands."""
    if not found:
        found = [ManagerSignal("npm", "default", "", None, Confidence.DEFAULT)]
    winner = found[0]  # signals() lists them in precedence order
    locks = [s for s in found if s.what == "lockfile"]
    conflicts = tuple(s for s in found if s.what in ("lockfile", "packageManager") and s.manager != winner.manager)
    own_lock = next((s for s in locks if s.manager == winner.manager), None)
    flavors = [s.flavor for s in found if s.manager == "yarn" and s.flavor]
    flavor = flavors[0] if winner.manager == "yarn" and flavors else None
    prefix = "" if root in (".", "") else f"{root}/"
    berryrc = prefix + ".yarnrc.yml"
    yarnrc = repo.read_text(berryrc) if flavor == "berry" and repo.exists(berryrc) else None
    options = dict(_YARNRC.findall(yarnrc or ""))
    pnp = flavor == "berry" and (options.get("nodeLinker", "pnp") == "pnp" or repo.exists(prefix + ".pnp.cjs"))
    yarn_path = options.get("yarnPath")
    plan = installs(winner.manager, lock=own_lock is not None, flavor=flavor, pnp=pnp,
                    version=winner.version, yarn_path=yarn_path)
    ordered = (winner, *(s for s in found if s is not winner))
    return ManagerChoice(winner.manager, ordered, conflicts, own_lock.file if own_lock else None, flavor, pnp,
                         yarn_path, plan)


def manager_of(repo: RepoView, pkg: Package | None, root: str = ".") -> ManagerChoice:
    """:func:`signals` then :func:`choose`."""
    return choose(repo, signals(repo, pkg, root), root)
