"""``php_packaging``: what the image plan needs of the app's Composer install, its framework and its
extensions.

Runtime findings (``language="php"``), each at its file and line: ``package_manager="composer"`` (the
manifest), ``lockfile`` (``composer.lock``), ``vendor_committed`` (``vendor/autoload.php`` is in the
repository and not ignored: no ``composer install`` at build), ``composer_scripts`` (the event scripts
``composer install`` runs: ``post-autoload-dump`` ...) and ``scripts_need_code`` (one of them runs the
app: ``@php artisan package:discover``, ``bin/console``, Flex's ``@auto-scripts``, a callback in the
app's own namespace: the image installs ``--no-scripts`` before the code and runs them after it);
``framework``, ``framework_version``, ``document_root``, ``front_controller``, ``console``
(:mod:`.frameworks`). Extensions are ``system_package`` findings (:mod:`.extensions`). Problems with the
manifest or the lock are warnings; so is a lock whose ``content-hash`` is not composer.json's (computed as
Composer 2's ``Locker::getContentHash`` does: checked against Composer 2.5), and a lock without one (a
Composer 1 lock: not verified). Unless a deploy file declares a
web command, the web process is the image's Apache (``apache2-foreground`` on 8080, DEFAULT).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from analyzers import base
from analyzers.base import Item, Src
from analyzers.commands import meaning, parse_command
from analyzers.providers.php import extensions, frameworks
from analyzers.providers.php.composer import INSTALL_EVENTS, MANIFEST, Composer, Entry, composer
from analyzers.providers.php.detect import has_php
from migrator.model import Confidence
from migrator.repo import RepoView, UnreadableFile

NAME = "php_packaging"
_CODE_WORDS = re.compile(r"(^|[\s/@])(artisan|bin/console|app/console|spark|auto-scripts|symfony-cmd)\b")
_CALLBACK = re.compile(r"^\\?([A-Za-z_][\w\\]*)::\w+$")
# composer.json keys Composer 2 hashes into the lock's content-hash (Locker::getContentHash)
_HASHED = ("name", "version", "require", "require-dev", "conflict", "replace", "provide", "minimum-stability",
           "prefer-stable", "repositories", "extra")
WEB_COMMAND = "apache2-foreground"


def analyze(repo: RepoView) -> Iterator[Item]:
    if not has_php(repo):
        return
    c = composer(repo)
    manifest = c.manifest or c.lockfile or "composer.json"
    yield base.runtime(Src(NAME, manifest), Confidence.DECLARED, language="php")
    for file, line, message in c.problems:
        yield base.warning(Src(NAME, file, line), message)
    if c.manifest or c.lockfile:
        yield base.runtime(Src(NAME, manifest), Confidence.DECLARED, language="php", package_manager="composer")
        yield from _lock(repo, c)
        yield from _scripts(repo, c)
    yield from _vendor(repo, c)
    found = frameworks.framework(repo, c)
    if found is not None:
        src = Src(NAME, found.file, found.line)
        yield base.runtime(src, found.confidence, language="php", framework=found.name,
                           framework_version=found.version, console=found.console)
        # the framework's convention: the legacy web server's root (php_server_config) says better
        yield base.runtime(src, min(found.confidence, Confidence.INFERRED), language="php",
                           document_root=found.document_root, front_controller=found.front_controller)
    yield from extensions.findings(repo, c, NAME, found.name if found else None)
    yield from _default_web(repo, found)


def _lock(repo: RepoView, c: Composer) -> Iterator[Item]:
    if c.lockfile:
        yield base.runtime(Src(NAME, c.lockfile), Confidence.DECLARED, language="php", lockfile=c.lockfile)
    elif c.manifest:
        yield base.warning(Src(NAME, c.manifest), "no composer.lock: the image resolves package versions at build "
                           "time (run composer update --lock and commit composer.lock for a reproducible image)")
        return
    if not c.manifest or not c.lockfile:
        return
    text = repo.read_text(MANIFEST)
    computed = content_hash(text) if text is not None else None
    if c.content_hash is None or computed is None:
        yield base.warning(Src(NAME, c.lockfile), "composer.lock has no content-hash to check against composer.json "
                           "(a Composer 1 lock?): whether the lock is up to date is not verified")
    elif computed != c.content_hash.value:
        yield base.warning(Src(NAME, c.lockfile, c.content_hash.line),
                           "composer.lock is not up to date with composer.json (its content-hash is another "
                           "composer.json's): the image installs what the lock says; run composer update --lock "
                           "and commit the lock")


def content_hash(text: str) -> str | None:
    """composer.json's content-hash as Composer 2 computes it (md5 of PHP's ``json_encode`` of the hashed
    keys, sorted); None when the text does not parse."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    relevant: dict[str, Any] = {k: data[k] for k in _HASHED if k in data}
    config = data.get("config")
    if isinstance(config, dict) and "platform" in config:
        relevant["config"] = {"platform": config["platform"]}
    try:
        encoded = json.dumps(_php_arrays(dict(sorted(relevant.items()))), separators=(",", ":"), ensure_ascii=True)
    except RecursionError:  # nested past what json.loads took: no lock hash to compare
        return None
    return hashlib.md5(encoded.replace("/", "\\/").encode(), usedforsecurity=False).hexdigest()


def _php_arrays(value: Any) -> Any:
    """What ``json_decode(..., true)`` then ``json_encode`` makes of a value: an empty object becomes ``[]``."""
    if isinstance(value, dict):
        return [] if not value else {k: _php_arrays(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_php_arrays(v) for v in value]
    return value


def _scripts(repo: RepoView, c: Composer) -> Iterator[Item]:
    events = [e for e in INSTALL_EVENTS if c.commands(e)]
    if not events:
        return
    first = c.commands(events[0])[0]
    yield base.runtime(Src(NAME, first.file, first.line), Confidence.DECLARED, language="php",
                       composer_scripts=tuple(events))
    needing = next((entry for e in events for entry in c.commands(e) if needs_code(repo, c, entry)), None)
    src = Src(NAME, needing.file, needing.line) if needing else Src(NAME, first.file, first.line)
    yield base.runtime(src, Confidence.INFERRED, language="php", scripts_need_code=needing is not None)


def needs_code(repo: RepoView, c: Composer, entry: Entry) -> bool:
    """Whether a script command runs the app's code (so it runs after the code is copied in)."""
    command = entry.value.strip()
    if _CODE_WORDS.search(command):
        return True
    callback = _CALLBACK.match(command)
    if callback is not None:
        cls = callback.group(1).lstrip("\\") + "\\"
        return any(cls.startswith(ns) for ns in c.autoload_namespaces)
    words = command.removeprefix("@php ").split()
    return any(w.endswith(".php") and repo.exists(w.lstrip("./")) for w in words)


def _vendor(repo: RepoView, c: Composer) -> Iterator[Item]:
    try:
        present = repo.read_bytes("vendor/autoload.php", limit=1 << 20) is not None
    except UnreadableFile:
        present = False
    if not present:
        return
    ignored = any(line.strip().rstrip("/") in ("vendor", "/vendor", "vendor/*", "/vendor/*")
                  for line in repo.lines(".gitignore")) if repo.exists(".gitignore") else False
    if ignored:
        return  # installed in this checkout, not committed: the image installs it
    yield base.runtime(Src(NAME, "vendor/autoload.php"), Confidence.DECLARED, language="php", vendor_committed=True)
    if c.lockfile is None:
        yield base.warning(Src(NAME, "vendor/autoload.php"), "vendor/ is committed without composer.lock: the image "
                           "uses the committed vendor/ as it is (no composer install)")


def _default_web(repo: RepoView, found: frameworks.Framework | None) -> Iterator[Item]:
    """The image's Apache as the web process (DEFAULT: any declared web command wins). Unlike Ruby's, it is
    stated even when deploy files declare other processes: a PHP app's web server is the host's php-fpm or
    Apache service, which a Procfile or supervisord.conf next to its queue workers almost never names (and
    Heroku's PHP buildpack runs heroku-php-apache2 when the Procfile has no web)."""
    if found is None:
        return
    src = Src(NAME, found.file, found.line)
    why = (f"no deploy file declares a process: Apache with mod_php serves {found.document_root}/ "
           f"({found.name}) on 8080, as the php image's apache2-foreground runs it")
    parsed = parse_command(WEB_COMMAND, src(Confidence.DEFAULT))
    info = meaning(parsed)
    yield base.stating(base.process("web", src, Confidence.DEFAULT, role="web", command=WEB_COMMAND, reason=why),
                       parsed, info)
    yield base.process("web", src, Confidence.DEFAULT, port=8080)
