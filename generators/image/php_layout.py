"""What a PHP image's shape means outside the Dockerfile: the directories Apache and the framework write
(the pod mounts an ``emptyDir`` at each: its root filesystem is read-only), the start script that runs
the framework's cache commands, and the memory a pool of Apache workers may use.

The image is the official ``php:X.Y-apache`` (mod_php under the prefork MPM: one PHP interpreter per
Apache worker). Read by :mod:`generators.spec` (volumes, the web and worker commands, the web pod's
memory) and :mod:`generators.image.php` (the same directories made writable in the image).
"""

from __future__ import annotations

import re

from generators.values import APP_DIR, origin
from migrator.model import Subject
from migrator.textsafe import inline

# (path, label, what writes there): Apache's pid file and its mutex lock files (the Debian envvars
# APACHE_RUN_DIR and APACHE_LOCK_DIR the official image's apache2-foreground reads)
APACHE_DIRS = (("/var/run/apache2", "apache-run", "Apache's pid file (APACHE_RUN_DIR)"),
               ("/var/lock/apache2", "apache-lock", "Apache's mutex lock files (APACHE_LOCK_DIR)"))
# Framework directories written at run time, relative to the app: caches, compiled views, sessions, logs
_FRAMEWORK_DIRS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "laravel": (("storage/framework/cache", "laravel-cache", "Laravel's file cache"),
                ("storage/framework/sessions", "laravel-sessions", "Laravel's file sessions"),
                ("storage/framework/views", "laravel-views", "Laravel's compiled Blade views (view:cache)"),
                ("storage/logs", "laravel-logs", "Laravel's log files (LOG_CHANNEL=stderr sends them to the pod log)"),
                ("bootstrap/cache", "laravel-bootstrap", "config:cache, route:cache and the package manifest")),
    "symfony": (("var/cache", "symfony-cache", "Symfony's compiled container and caches"),
                ("var/log", "symfony-log", "Symfony's log files")),
}
APACHE_PORT = 8080  # a non-root user cannot bind 80; the Service maps its own port to this one
ENTRYPOINT = "/usr/local/bin/app-start"  # the start script the image writes (cache commands, then exec)
_CACHE_COMMAND = re.compile(r"^[a-z][a-z0-9-]*:[a-z][a-z0-9:-]*$|^optimize$")
DEFAULT_WORKERS = 10  # MaxRequestWorkers without a legacy pool size: a pod-sized pool, scaled with replicas
_DEFAULT_MEMORY = "128M"  # memory_limit of php.ini-production
_APACHE_OVERHEAD_MI = 64  # the Apache parent and shared memory (opcache's 128M segment is shared, counted once)
_MEMORY_BOUNDS_MI = (256, 2048)


def _get(facts: Subject | None, name: str) -> object:
    return facts.get(name) if facts is not None else None


def framework(facts: Subject | None) -> str:
    return str(_get(facts, "framework") or "plain").lower()


def writable_dirs(facts: Subject | None) -> tuple[tuple[str, str, str], ...]:
    """(absolute path, label, what writes there) for every directory the image's processes write."""
    own = tuple((f"{APP_DIR}/{p}", label, why) for p, label, why in _FRAMEWORK_DIRS.get(framework(facts), ()))
    return APACHE_DIRS + own


def cache_commands(facts: Subject | None) -> tuple[str, ...]:
    """The framework's cache commands the legacy deploy ran (``config:cache`` ...), valid names only."""
    value = _get(facts, "cache_commands")
    items = value if isinstance(value, (list, tuple)) else ()
    console = _get(facts, "console") or "artisan"
    if str(console) not in ("artisan", "bin/console"):
        return ()
    return tuple(dict.fromkeys(str(c) for c in items if _CACHE_COMMAND.match(str(c))))


def console(facts: Subject | None) -> str:
    return str(_get(facts, "console") or "artisan")


def ini_settings(facts: Subject | None) -> dict[str, tuple[str, str]]:
    """key -> (value, origin) from the runtime's ``php_ini`` facts: each entry's origin is the candidate
    that first said it (the provider merges the pool, php.ini and nginx settings into one tuple)."""
    fact = facts.facts.get("php_ini") if facts is not None else None
    if fact is None or not isinstance(fact.value, (list, tuple)):
        return {}
    # php_ini_sources: "key=value: file:line" per entry, where the provider merged several files
    said = _get(facts, "php_ini_sources")
    where = {str(s).rsplit(": ", 1)[0]: str(s).rsplit(": ", 1)[1] for s in (said if isinstance(said, (list, tuple))
                                                                           else ()) if ": " in str(s)}
    out: dict[str, tuple[str, str]] = {}
    for entry in fact.value:
        key, sep, value = str(entry).partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_.]*", key) or not re.fullmatch(r"[-A-Za-z0-9_./:, ]+", value):
            continue
        source = next((c.source for c in fact.candidates
                       if isinstance(c.value, (list, tuple)) and entry in c.value), fact.source)
        out.setdefault(key, (value, inline(where.get(str(entry)) or f"{source.where()} ({source.confidence.label})")))
    return out


def workers(facts: Subject | None) -> tuple[int, str]:
    """(MaxRequestWorkers, origin): the legacy pool size, else :data:`DEFAULT_WORKERS`."""
    value = _get(facts, "max_workers")
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000:
        return value, origin(facts, "max_workers") or ""
    return DEFAULT_WORKERS, f"default: {DEFAULT_WORKERS} workers (no legacy pool size found)"


def mebibytes(size: str) -> int | None:
    """A php.ini size (``256M``, ``1G``, ``524288K``, bytes) in MiB; None for -1 (no limit) or junk."""
    m = re.fullmatch(r"(\d+)\s*([KMG]?)", size.strip().upper())
    if not m:
        return None
    n = int(m.group(1))
    return {"": n // (1024 * 1024), "K": n // 1024, "M": n, "G": n * 1024}[m.group(2)] or None


def pool_memory(facts: Subject | None) -> tuple[str, str]:
    """(memory limit, why) of a web pod: MaxRequestWorkers x memory_limit plus Apache's own, bounded.

    memory_limit caps one request; the pool can reach the product only when every worker is at its cap.
    The bounds keep a pod schedulable (a large legacy pool is more pods, not a bigger one: scale replicas)."""
    count, count_origin = workers(facts)
    ini = ini_settings(facts).get("memory_limit")
    per = mebibytes(ini[0]) if ini else None
    per_origin = ini[1] if ini and per else f"default: {_DEFAULT_MEMORY} (php.ini-production)"
    per = per or int(_DEFAULT_MEMORY.rstrip("M"))
    low, high = _MEMORY_BOUNDS_MI
    wanted = count * per + _APACHE_OVERHEAD_MI
    value = min(max(wanted, low), high)
    why = (f"{count} Apache workers ({count_origin}) x memory_limit {per}M ({per_origin}) + "
           f"{_APACHE_OVERHEAD_MI}Mi for Apache = {wanted}Mi")
    if value != wanted:
        why += f", bounded to {low}Mi..{high}Mi"
    return f"{value}Mi", why
