"""What Deployer's settings say about the app in Kubernetes, emitted as Capistrano's equivalents are
(:mod:`analyzers.deploy.capistrano.settings`): ``deploy_path`` -> ``legacy_app_dir`` (``<deploy_path>/current``,
so ``/var/www/shop/current/artisan`` maps into the image), ``keep_releases`` -> the revision history,
``shared_files`` -> linked files (a ``.env`` as the env vars its template names, else a file mounted from
a Secret), ``shared_dirs`` -> linked dirs (emptyDirs for logs and scratch, claims for data), ``writable_dirs``
-> emptyDirs the app writes (unless a shared dir already covers them), and the hosts of the chosen stage
-> replicas hints per role (HEURISTIC: the cluster's load decides).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from analyzers import base
from analyzers.base import H, Item, Src
from analyzers.deploy.capistrano import settings as cap
from analyzers.deploy.deployer.model import NAME, Host
from analyzers.deploy.deployer.phpvalues import Unknown
from analyzers.deploy.deployer.values import Vars
from migrator.repo import RepoView

_LOGS = re.compile(r"(^|/)(log|logs)(/|$)")
_CACHE = re.compile(r"(^|/)(cache|sessions|views|tmp)(/|$)")


def _src(where: tuple[str, int] | None, fallback: Src) -> Src:
    return Src(NAME, where[0], where[1]) if where is not None else fallback


def app_dir(v: Vars, anchor: Src) -> Iterator[Item]:
    root = v.deploy_path()
    if root.startswith("/") and "${" not in root:
        yield base.runtime(_src(v.where("deploy_path"), anchor), base.D,
                           legacy_app_dir=posixpath.join(root.rstrip("/"), "current"))
    elif v.has("deploy_path"):
        yield base.warning(_src(v.where("deploy_path"), anchor), f"deploy_path {root!r} is not an absolute path "
                           "known before the deploy runs; commands keep it as written")
    keep = v.get("keep_releases")
    if isinstance(keep, int) and not isinstance(keep, bool) and keep > 0:
        yield base.runtime(_src(v.where("keep_releases"), anchor), base.D, keep_releases=keep)


def _paths(v: Vars, key: str, anchor: Src) -> Iterator[tuple[str | None, str, Src]]:
    """(path relative to the app dir or None, as written, where) for each item of list setting ``key``."""
    value = v.get(key)
    items = value if isinstance(value, list) else [] if value is None else [value]
    for item in items:
        text = v.render(item) if not isinstance(item, Unknown) else str(item)
        src = _src(v.item_line(key, item) if isinstance(item, str) else None, _src(v.where(key), anchor))
        yield _relative(text, v), text, src


def _relative(text: str, v: Vars) -> str | None:
    if not text or "${" in text:
        return None
    for root in (v.app_dir(), v.deploy_path().rstrip("/") + "/shared"):
        if text.startswith(root + "/"):
            text = text[len(root) + 1:]
    text = text.removeprefix("./").rstrip("/")
    return None if text.startswith(("/", "../")) or not text else text


def shared(repo: RepoView, v: Vars, anchor: Src) -> Iterator[Item]:
    shared_path = v.deploy_path().rstrip("/") + "/shared"
    for path, text, src in _paths(v, "shared_files", anchor):
        if path is None:
            yield base.warning(src, f"shared file {text!r} is not known before the deploy runs; not mapped")
        else:
            yield from cap.linked_file(repo, path, src, "shared_files", shared_path)
    for path, text, src in _paths(v, "shared_dirs", anchor):
        if path is None:
            yield base.warning(src, f"shared dir {text!r} is not known before the deploy runs; not mapped")
            continue
        found = cap.linked_dir(path, src, "shared_dirs", shared_path)
        if found is not None:
            yield found


def writable(v: Vars, anchor: Src) -> Iterator[Item]:
    """``writable_dirs``: the app writes there at run time; the image's code is read-only, so each is an
    emptyDir, unless it is (or is inside) a shared dir: that volume already holds it."""
    dirs = [p for p, _, _ in _paths(v, "shared_dirs", anchor) if p]
    for path, _text, src in _paths(v, "writable_dirs", anchor):
        if path is None or any(path == d or path.startswith(d + "/") for d in dirs):
            continue
        purpose = "logs" if _LOGS.search(path) else "cache" if _CACHE.search(path) else "scratch"
        yield base.volume(path, src, base.D, purpose=purpose, storage="emptyDir", relative_to="repo",
                          written_by="writable_dirs: the app writes here at run time (the image's code is read-only)")


def replicas(hosts: list[Host], stage: str | None, process_roles: dict[str, tuple[tuple[str, ...], str, int]],
             ) -> Iterator[Item]:
    """Hosts of the chosen stage per role: the web's replicas (hosts in role web/app, or every host when no
    host has a role), and those of each process started on a role's hosts."""
    mine = [h for h in hosts if not h.local and (stage is None or h.stage in (stage, None))]
    if stage is not None and any(h.stage == stage for h in mine):
        mine = [h for h in mine if h.stage == stage]
    if not mine:
        return
    with_roles = any(h.roles for h in mine)
    web = [h for h in mine if set(h.roles) & {"web", "app", "www", "frontend"}] if with_roles else mine
    if web:
        yield _hint("web", web, "web, app" if with_roles else None, stage, role="web")
    for key, (roles, _file, _line) in process_roles.items():
        found = [h for h in mine if set(h.roles) & set(roles)]
        if found and key != "web":
            yield _hint(key, found, ", ".join(roles), stage)


def _hint(key: str, hosts: list[Host], roles: str | None, stage: str | None, **fields: Any) -> Item:
    n = len(hosts)
    where = f"{n} host{'s' if n != 1 else ''}" + (f" in role {roles}" if roles else "") + \
        (f" of stage {stage}" if stage else "")
    return base.process(key, Src(NAME, hosts[0].file, hosts[0].line), H, replicas=n, replicas_hint_from=where,
                        **fields)
