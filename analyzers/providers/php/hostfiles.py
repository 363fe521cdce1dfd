"""Where the legacy host names its PHP: Debian/Ubuntu package names (``php7.4-fpm``, ``php-mysql``,
``php8.1-redis``), versioned binaries and paths (``/usr/bin/php7.4``, ``php-fpm8.1``, ``/etc/php/7.4/``,
``/run/php/php7.4-fpm.sock``) and a ``FROM php:7.4-fpm`` in the deploy files, scripts, unit files,
provisioning (Ansible, Vagrant), nginx/supervisor configs and Dockerfiles of the repository.

Laravel Sail's published runtime (a directory with ``start-container``) is skipped: a development image that
installs every extension. These are the legacy box's facts, read as text (a mention in a comment is a mention:
the file is about the host): the version candidates of :mod:`.version` and the extension evidence of
:mod:`.extensions`. PHP sources are not read (``php7.4-`` in a PHP string is no host fact) except Deployer's
and Envoy's deploy files, which are.
"""

from __future__ import annotations

import posixpath
import re
import weakref
from dataclasses import dataclass

from analyzers.deploy import devenv
from migrator.repo import RepoView

_SUFFIXES = (".sh", ".bash", ".conf", ".service", ".socket", ".yml", ".yaml", ".ini", ".j2", ".cfg", ".cron",
             ".pp", ".tf", ".toml", ".env", ".mk", ".rb", ".json")
_NAMES = ("Dockerfile", "Containerfile", "Makefile", "Vagrantfile", "Procfile", "crontab", "deploy.php",
          "Envoy.blade.php", "hosts", "inventory", "provision", "bootstrap", "setup", "install")
_DIRS = {"deploy", "deployment", "ops", "scripts", "script", "bin", "etc", "provisioning", "ansible", "roles", "tasks",
         "docker", "nginx", "supervisor", "systemd", "cron", "puppet", "chef", "infra", ".deploy", ".github", "config"}
_SKIP = ("composer.json", "composer.lock", "package.json", "package-lock.json")
MAX_FILES = 400
# php7.4-gd, php-mysql, php8.1-fpm (not php-cs-fixer: a word before or after the name is no package)
PACKAGE = re.compile(r"(?<![\w/.-])php(\d\.\d)?-([a-z][a-z0-9]*)(?![\w-])")
_VERSIONED = (
    re.compile(r"(?<![\w.-])php(?:-fpm)?(\d\.\d)(?:-fpm)?(?![\d.]*\d)"),  # /usr/bin/php7.4, php-fpm8.1, php7.4-fpm
    re.compile(r"/etc/php/(\d\.\d)/"),  # /etc/php/7.4/fpm/pool.d/www.conf
    re.compile(r"\blibapache2-mod-php(\d\.\d)\b"),  # Apache's mod_php of that PHP
    re.compile(r"\bFROM\s+(?:\S+/)?php:(\d\.\d)", re.IGNORECASE),  # a Dockerfile's official image
)


@dataclass(frozen=True)
class Mention:
    file: str
    line: int
    text: str  # the matched words: "php7.4-fpm", "/etc/php/7.4/"
    version: str | None  # "7.4" when the mention names one
    package: str | None  # the Debian package's suffix: "gd", "mysql", "fpm"


def host_files(repo: RepoView) -> list[str]:
    """The files that describe the legacy host (see the module docstring), shallowest first."""
    out: list[str] = []
    # Laravel Sail's runtime (docker/8.0/: Dockerfile, start-container, supervisord.conf) is a development
    # image that installs every extension any app might want: no fact about the legacy host
    sail = sail_dirs(repo)
    for rel in repo.files():
        base = posixpath.basename(rel)
        dirs = set(rel.split("/")[:-1])
        if base in _SKIP or rel.startswith(("vendor/", "node_modules/")) or posixpath.dirname(rel) in sail:
            continue
        php_source = base.endswith((".php", ".phtml", ".inc"))
        if base in _NAMES or base.startswith(("Dockerfile", "docker-compose")) or (
                not php_source and (base.endswith(_SUFFIXES) or (dirs & _DIRS and "." not in base))):
            out.append(rel)
    return sorted(out, key=lambda f: (f.count("/"), f))[:MAX_FILES]


def sail_dirs(repo: RepoView) -> frozenset[str]:
    """Directories holding Laravel Sail's published runtime (:func:`analyzers.deploy.devenv.dirs`)."""
    return devenv.dirs(repo)


_CACHE: weakref.WeakKeyDictionary[RepoView, tuple[Mention, ...]] = weakref.WeakKeyDictionary()


def mentions(repo: RepoView) -> tuple[Mention, ...]:
    """Every PHP package, versioned binary or path the host files name, in file and line order (read once
    per repo: the version and the extension readers both ask)."""
    cached = _CACHE.get(repo)
    if cached is None:
        cached = _CACHE[repo] = tuple(_mentions(repo))
    return cached


def _mentions(repo: RepoView) -> list[Mention]:
    found: list[Mention] = []
    for rel in host_files(repo):
        for number, line in enumerate(repo.lines(rel), 1):
            if "php" not in line.lower():
                continue
            spans: list[tuple[int, int]] = []
            for m in PACKAGE.finditer(line):
                spans.append(m.span())
                found.append(Mention(rel, number, m.group(0), m.group(1), m.group(2)))
            for pattern in _VERSIONED:
                for m in pattern.finditer(line):
                    if any(a <= m.start() < b for a, b in spans):
                        continue  # php7.4-fpm: already a package mention with its version
                    found.append(Mention(rel, number, m.group(0), m.group(1), None))
    return found
