"""The PHP extensions the app needs, each with the reason it is needed and where that is written.

Sources, each a ``system_package`` finding ``ext-<name>`` with ``php_extension`` and ``reason`` (the
image installs them with the official image's extension installer; a Debian ``php*`` package is never
apt-get'ed):

- composer.json ``require`` ``ext-*`` (DECLARED), and every locked non-dev package's ``ext-*``
  (DECLARED: ``composer install`` refuses the lock without them; the first package is named);
- the Debian/Ubuntu php packages the legacy host installed (``php7.4-gd``, ``php-mysql`` -> pdo_mysql and
  mysqli), named in its deploy files, scripts, provisioning and Dockerfiles (INFERRED: the box had them);
- the database driver the config names: ``DB_CONNECTION=mysql`` in ``.env.example``, Laravel's
  ``config/database.php`` default, Symfony's ``DATABASE_URL`` scheme or Doctrine's ``driver``,
  CodeIgniter's ``dbdriver``; WordPress (wpdb is mysqli); Laravel's phpredis client when the app uses
  Redis and predis is not required (INFERRED);
- opcache, always (a production PHP caches compiled scripts; DEFAULT).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from analyzers import base
from analyzers.base import Item, Src
from analyzers.providers.php.composer import Composer, extensions_required
from analyzers.providers.php.hostfiles import mentions
from migrator.model import Confidence
from migrator.repo import RepoView

_ALIASES = {"zend-opcache": "opcache", "zend_opcache": "opcache", "zend opcache": "opcache", "pdo-mysql": "pdo_mysql",
            "pdo-pgsql": "pdo_pgsql", "pdo-sqlite": "pdo_sqlite", "pecl-redis": "redis"}
# Debian/Ubuntu package suffix (php7.4-<suffix>, php-<suffix>) -> the extensions it provides
DEBIAN = {
    "mysql": ("pdo_mysql", "mysqli"), "mysqlnd": ("pdo_mysql", "mysqli"), "mysqli": ("mysqli",),
    "pgsql": ("pdo_pgsql", "pgsql"), "sqlite3": ("pdo_sqlite",), "sqlite": ("pdo_sqlite",), "sybase": ("pdo_dblib",),
    "odbc": ("pdo_odbc",), "interbase": ("pdo_firebird",),
    **{n: (n,) for n in ("gd", "zip", "intl", "bcmath", "redis", "memcached", "memcache", "imagick", "apcu",
                         "mongodb", "ldap", "soap", "xsl", "gmp", "opcache", "imap", "tidy", "xmlrpc", "bz2",
                         "igbinary", "msgpack", "amqp", "yaml", "curl", "mbstring", "xml", "json", "gettext",
                         "enchant", "pspell", "snmp", "uuid", "ssh2", "grpc", "protobuf", "mailparse", "oauth", "ds",
                         "gnupg", "geoip", "zmq")},
}
DRIVERS = {"mysql": "pdo_mysql", "mariadb": "pdo_mysql", "mysqli": "mysqli", "pgsql": "pdo_pgsql",
           "postgres": "pdo_pgsql", "postgresql": "pdo_pgsql", "postgre": "pgsql", "sqlsrv": "pdo_sqlsrv",
           "sqlite": "pdo_sqlite", "pdo_mysql": "pdo_mysql", "pdo_pgsql": "pdo_pgsql", "pdo_sqlite": "pdo_sqlite",
           "pdo_sqlsrv": "pdo_sqlsrv", "oci8": "oci8"}
ENV_FILES = (".env.example", ".env.dist", ".env", ".env.production", ".env.prod", ".env.sample")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=\s*['\"]?([^'\"#\s]*)")
_LARAVEL_DEFAULT = re.compile(r"""['"]default['"]\s*=>\s*env\(\s*['"]DB_CONNECTION['"]\s*,\s*['"](\w+)['"]""")
_REDIS_CLIENT = re.compile(r"""['"]client['"]\s*=>\s*env\(\s*['"]REDIS_CLIENT['"]\s*,\s*['"](\w+)['"]""")
_DOCTRINE_DRIVER = re.compile(r"""^\s*driver\s*:\s*['"]?(\w+)""")
_CI_DRIVER = re.compile(r"""\[['"]dbdriver['"]\]\s*=\s*['"](\w+)['"]""")
_REDIS_USERS = ("CACHE_DRIVER", "CACHE_STORE", "QUEUE_CONNECTION", "QUEUE_DRIVER", "SESSION_DRIVER",
                "BROADCAST_DRIVER", "BROADCAST_CONNECTION")


def normalise(name: str) -> str:
    """``ext-PDO_MySQL`` -> pdo_mysql, ``zend-opcache`` -> opcache."""
    low = name.strip().lower().removeprefix("ext-")
    return _ALIASES.get(low, low)


def need(name: str, src: Src, confidence: Confidence, reason: str) -> Item:
    ext = normalise(name)
    return base.system_package(f"ext-{ext}", src, confidence, stage="runtime", php_extension=ext, reason=reason)


def findings(repo: RepoView, c: Composer, analyzer: str, framework: str | None) -> Iterator[Item]:
    """Every extension need of the app (see the module docstring)."""
    yield from _composer(c, analyzer)
    yield from _host(repo, analyzer)
    yield from _config(repo, c, analyzer, framework)
    src = Src(analyzer, c.manifest or c.lockfile or "composer.json")
    yield need("opcache", src, Confidence.DEFAULT, "opcache: production PHP caches compiled scripts")


def _composer(c: Composer, analyzer: str) -> Iterator[Item]:
    for ext, entry in extensions_required(c.require).items():
        yield need(ext, Src(analyzer, entry.file, entry.line), Confidence.DECLARED, f"composer.json require ext-{ext}")
    by_ext: dict[str, list[tuple[str, int | None]]] = {}
    for package in c.packages.values():
        if package.dev:
            continue  # composer install --no-dev never installs it
        for ext, entry in extensions_required(package.requires).items():
            by_ext.setdefault(normalise(ext), []).append((package.name, entry.line))
    for ext, users in by_ext.items():
        name, line = users[0]
        more = f" (and {len(users) - 1} more)" if len(users) > 1 else ""
        yield need(ext, Src(analyzer, c.lockfile or "composer.lock", line), Confidence.DECLARED,
                    f"the locked {name} requires ext-{ext}{more}")


def _host(repo: RepoView, analyzer: str) -> Iterator[Item]:
    seen: set[str] = set()
    for m in mentions(repo):
        for ext in DEBIAN.get(m.package or "", ()):
            if ext not in seen:
                seen.add(ext)
                yield need(ext, Src(analyzer, m.file, m.line), Confidence.INFERRED, f"{m.text} in {m.file}")


def env_values(repo: RepoView) -> dict[str, tuple[str, str, int]]:
    """``{name: (value, file, line)}`` of the committed env files' first assignment of each name: for the
    driver names only (the caller reads DB_CONNECTION, REDIS_CLIENT, DATABASE_URL's scheme, never a secret)."""
    out: dict[str, tuple[str, str, int]] = {}
    for rel in ENV_FILES:
        if not repo.exists(rel):
            continue
        for number, line in enumerate(repo.lines(rel), 1):
            if (m := _ENV_LINE.match(line)) and m.group(1) not in out:
                out[m.group(1)] = (m.group(2), rel, number)
    return out


def _first_match(repo: RepoView, files: tuple[str, ...], pattern: re.Pattern[str]) -> tuple[str, str, int] | None:
    for rel in files:
        if not repo.exists(rel):
            continue
        for number, line in enumerate(repo.lines(rel), 1):
            if m := pattern.search(line):
                return m.group(1).lower(), rel, number
    return None


def _config(repo: RepoView, c: Composer, analyzer: str, framework: str | None) -> Iterator[Item]:
    env = env_values(repo)
    driver = _driver(repo, env)
    if driver is not None:
        value, rel, line, why = driver
        ext = DRIVERS.get(value)
        if ext is not None:
            yield need(ext, Src(analyzer, rel, line), Confidence.INFERRED, why)
    if framework == "wordpress" and driver is None:
        rel = next((f for f in ("wp-config.php", "wp-config-sample.php") if repo.exists(f)), "wp-config.php")
        yield need("mysqli", Src(analyzer, rel), Confidence.INFERRED, "WordPress's wpdb connects with mysqli")
    yield from _phpredis(repo, c, env, analyzer)


def _driver(repo: RepoView, env: Mapping[str, tuple[str, str, int]]) -> tuple[str, str, int, str] | None:
    if "DB_CONNECTION" in env and env["DB_CONNECTION"][0]:
        value, rel, line = env["DB_CONNECTION"]
        return value.lower(), rel, line, f"DB_CONNECTION={value}"
    if "DATABASE_URL" in env and "://" in env["DATABASE_URL"][0]:
        value, rel, line = env["DATABASE_URL"]
        scheme = value.split("://", 1)[0].lower()  # the scheme only: the URL may carry a password
        return scheme, rel, line, f"DATABASE_URL={scheme}://..."
    for files, pattern, label in ((("config/database.php",), _LARAVEL_DEFAULT, "config/database.php default"),
                                  (("config/packages/doctrine.yaml", "app/config/config.yml"), _DOCTRINE_DRIVER,
                                   "doctrine driver"),
                                  (("application/config/database.php", "app/Config/Database.php"), _CI_DRIVER,
                                   "dbdriver")):
        found = _first_match(repo, files, pattern)
        if found is not None:
            return found[0], found[1], found[2], f"{label} {found[0]}"
    return None


def _phpredis(repo: RepoView, c: Composer, env: Mapping[str, tuple[str, str, int]], analyzer: str) -> Iterator[Item]:
    if "REDIS_CLIENT" in env:
        value, rel, line = env["REDIS_CLIENT"]
        if value.lower() == "phpredis":
            yield need("redis", Src(analyzer, rel, line), Confidence.INFERRED, "REDIS_CLIENT=phpredis")
        return
    uses = next((k for k in _REDIS_USERS if k in env and env[k][0].lower() == "redis"), None)
    default = _first_match(repo, ("config/database.php",), _REDIS_CLIENT)
    if uses is None or default is None or default[0] != "phpredis" or c.has("predis/predis"):
        return
    yield need("redis", Src(analyzer, default[1], default[2]), Confidence.INFERRED,
                f"{uses}=redis through Laravel's default phpredis client (predis/predis is not required)")
