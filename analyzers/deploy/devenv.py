"""Development environments published into a repository: containers for a developer's laptop, never the
production setup the readers look for.

Laravel Sail is the one recognised today: ``php artisan sail:install`` (or ``sail:publish``) writes
``docker-compose.yml`` with an app service built from ``vendor/laravel/sail/runtimes/<php>`` or, once
published, from ``docker/<php>/`` (its ``Dockerfile``, ``start-container``, ``supervisord.conf`` running
``artisan serve`` as the ``sail`` user, and a ``php.ini``), and tags the image ``sail-<php>/app``. Read as
deploy files, those would make ``artisan serve`` on port 80 the web process and Sail's dev packages the
image's. The Dockerfile, supervisor and compose readers skip them (saying so); the compose file's image-only
services (mysql, redis) stay evidence of the backing services the app uses.
"""

from __future__ import annotations

import posixpath
import re
import weakref
from typing import Any

from migrator.repo import RepoView

SAIL = "Laravel Sail's development environment"
_SAIL_IMAGE = re.compile(r"^sail-[\d.]+/app\b")
_SAIL_RUNTIMES = "vendor/laravel/sail/runtimes/"
_CACHE: weakref.WeakKeyDictionary[RepoView, frozenset[str]] = weakref.WeakKeyDictionary()


def dirs(repo: RepoView) -> frozenset[str]:
    """The directories of a published Sail runtime: ``start-container`` beside a Dockerfile and a
    ``supervisord.conf`` (all three: a repo's own ``start-container`` script alone is not Sail's)."""
    found = _CACHE.get(repo)
    if found is None:
        found = frozenset(d for d in (posixpath.dirname(f) for f in repo.named("start-container"))
                          if repo.exists(posixpath.join(d, "Dockerfile"))
                          and repo.exists(posixpath.join(d, "supervisord.conf")))
        _CACHE[repo] = found
    return found


def inside(repo: RepoView, rel: str) -> str | None:
    """Which development environment ``rel`` belongs to, or None."""
    folder = posixpath.dirname(rel)
    if rel.startswith(_SAIL_RUNTIMES) or any(folder == d or folder.startswith(d + "/") for d in dirs(repo) if d):
        return SAIL
    return None


def service(repo: RepoView, compose_file: str, svc: dict[str, Any]) -> str | None:
    """Which development environment a compose service is (its image tag or its build context), or None."""
    image = svc.get("image")
    if image is not None and _SAIL_IMAGE.match(str(image)):
        return SAIL
    build = svc.get("build")
    context = str(build.get("context") or ".") if isinstance(build, dict) else str(build) if build else None
    if context is None:
        return None
    folder = posixpath.dirname(compose_file)
    path = posixpath.normpath(posixpath.join(folder, context)).lstrip("./") if context not in (".", "./") else folder
    if path.startswith(_SAIL_RUNTIMES.rstrip("/")) or path in dirs(repo):
        return SAIL
    return None
