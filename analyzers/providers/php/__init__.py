"""The PHP provider: PHP's analyzers, its detection, its servers and step rules, and how its commands look
on a legacy host (``/usr/bin/php7.4``, ``php-fpm8.1``, ``sudo -u www-data php artisan ...``,
``composer run-script``).

The building blocks are pure readers over a RepoView: :mod:`.composer` (composer.json and composer.lock
with their lines), :mod:`.version`, :mod:`.frameworks`, :mod:`.extensions`, :mod:`.hostfiles` (what the
legacy host's files name); the analyzers that turn them into findings are :mod:`.runtime_version`
(``php_version``), :mod:`.runtime_packaging` (``php_packaging``) and :mod:`.server_config`
(``php_server_config``: nginx, Apache, php-fpm pools, php.ini).

The Kubernetes shape (PHP-CONTRACT): one image per app FROM the official ``php:<X.Y>-apache`` (mod_php,
Apache prefork), so every web command (php-fpm behind nginx, Apache, ``php -S``, ``artisan serve``) runs
as ``apache2-foreground`` on 8080; workers and schedulers run ``php ...`` in the same image.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from analyzers.base import Analyzer
from analyzers.lib.argv import basename
from analyzers.providers.common import LazyAnalyzer
from analyzers.providers.php import servers, steps
from analyzers.providers.php.detect import detect as detect
from analyzers.providers.protocol import PrunedDirs, ServerSpec, StepRule, Tier
from migrator.commands import CommandMeaning, ParsedCommand
from migrator.repo import RepoView

NAME = "php"
HEROKU_BUILDPACKS: tuple[str, ...] = ("php", "heroku/php")
SOURCE_SUFFIXES: tuple[str, ...] = (".php", ".phtml", ".inc")
# Uploads, caches, logs and compiled views: never the app's own source. vendor/ itself is not here: a
# pruned path hides a whole tree from every provider, and Ruby reads vendor/cache (its .gem files) and Go
# its vendor/; Composer's own bookkeeping is pruned, and the PHP readers skip vendor/ themselves.
PRUNED = PrunedDirs(frozenset(), frozenset({
    "vendor/composer", "vendor/bin", "wp-content/uploads", "wp-content/cache", "wp-content/upgrade",
    "web/app/uploads", "storage/framework", "storage/logs", "bootstrap/cache", "var/cache", "var/log",
    "var/sessions", "app/cache", "app/logs", "writable/cache", "writable/logs", "writable/session",
    "application/cache", "application/logs",
}))
ANALYZERS: Mapping[Tier, tuple[Analyzer, ...]] = {
    # nginx sites that fastcgi_pass to php, Apache vhosts and .htaccess, php-fpm pools, php.ini/.user.ini
    Tier.SERVER_CONFIG: (LazyAnalyzer("php_server_config", f"{__name__}.server_config"),),
    # Laravel's Kernel schedules (one schedule:run CronJob), Symfony's scheduler, wp-cron
    Tier.HOST_CONFIG: (LazyAnalyzer("php_schedules", f"{__name__}.app_schedules"),),
    Tier.PACKAGING: (LazyAnalyzer("php_version", f"{__name__}.runtime_version"),
                     LazyAnalyzer("php_packaging", f"{__name__}.runtime_packaging")),
    # env reads (getenv, $_ENV, env(), %env()%, WordPress constants), services, health routes, writable dirs
    Tier.CODE: (LazyAnalyzer("php_code", f"{__name__}.app_code"),),
}
SERVERS: Mapping[str, ServerSpec] = servers.SERVERS
STEP_RULES: tuple[StepRule, ...] = steps.STEP_RULES
# The php CLI as PID 1 ignores SIGTERM (the kernel gives PID 1 no default action) unless the code installs
# a handler through pcntl (Laravel's queue:work and Symfony's messenger:consume do, when ext-pcntl is
# loaded: the official image does not load it by default): a worker runs under tini, which forwards the
# signal. Apache (apache2-foreground) handles SIGTERM itself: no init.
INIT_PROGRAMS: frozenset[str] = frozenset({"php"})

_HOST_PATH = re.compile(r"(^|/)(usr/(local/)?s?bin|opt/[^/]+/bin|opt/remi/[^/]+/root/usr/s?bin|usr/lib/cgi-bin)/")
_DROPPED = frozenset({"--daemon"})  # queue:work --daemon (Laravel 5.x): the default since 5.3, gone in 6


def unwrap(argv: Sequence[str]) -> tuple[tuple[str, ...], str, str | None] | None:
    """``composer exec -- x`` / ``composer exec x`` -> x (Composer puts vendor/bin on the PATH)."""
    if len(argv) > 2 and basename(argv[0]) in ("composer", "composer.phar") and argv[1] == "exec":
        rest = list(argv[2:])
        used = [argv[0], "exec"]
        while rest and rest[0].startswith("-"):
            used.append(rest.pop(0))
        return (tuple(rest), " ".join(used), None) if rest else None
    return None


def program(core: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """(program, arguments) through the interpreter: ``php -d memory_limit=1G artisan queue:work`` -> artisan;
    None when ``core`` does not start with a PHP interpreter."""
    split = servers.php_args(core)
    if split is None:
        return None
    _, script = split
    return (basename(script[0]), tuple(script[1:])) if script else ("php", ())


def classify(cmd: ParsedCommand) -> CommandMeaning | None:
    """The meaning of a PHP web server, worker or scheduler; a bare ``CommandMeaning("php")`` for any other
    PHP command (artisan, bin/console, composer); None when the program is not PHP's."""
    if not cmd.core:
        return None
    found = servers.classify_php(cmd.core) or servers.classify_program(cmd.core)
    if found is not None:
        return found
    head = basename(cmd.core[0])
    if head in ("artisan", "composer", "composer.phar", "spark") or cmd.core[0].endswith(("bin/console",
                                                                                          "app/console")):
        return servers.console(head, cmd.core[1:]) if head != "composer" else servers.meaning()
    return None


def host_program(argv0: str) -> str | None:
    """``/usr/bin/php7.4``, ``php8.1`` -> ``php``; ``/usr/local/bin/composer`` -> ``composer``;
    ``/usr/sbin/php-fpm8.1`` -> ``php-fpm``; None for anything else (``bin/console`` stays the app's)."""
    name = basename(argv0)
    if servers.INTERPRETER.match(name):
        return "php" if name != "php" or "/" in argv0 else None
    fpm = servers.FPM.match(name)
    if fpm is not None:
        bare = f"php-{fpm.group(3)}"
        return bare if name != bare or "/" in argv0 else None
    if "/" in argv0 and name in ("composer", "composer.phar") and _HOST_PATH.search(argv0):
        return "composer"
    return None


def container_argv(meaning: CommandMeaning, port: int | None) -> tuple[tuple[str, ...], str | None]:
    """(argv, note): a PHP command as its container runs it. Every web server is the image's Apache
    (``apache2-foreground``, on 8080 whatever ``port`` the legacy server had); a worker keeps its arguments
    and php's ``-d`` options, with ``php`` as the program and ``--daemon`` dropped."""
    argv = list(meaning.container)
    if meaning.server == "apache":
        return ("apache2-foreground",), _web_note(meaning, argv)
    notes: list[str] = []
    if argv and servers.INTERPRETER.match(basename(argv[0])) and argv[0] != "php":
        notes.append(f"{argv[0]} is the image's php")
        argv[0] = "php"
    kept = [a for a in argv if a not in _DROPPED]
    if kept != argv:
        notes.append("--daemon dropped (queue:work always runs as a daemon since Laravel 5.3)")
    return tuple(kept), "; ".join(notes) or None


def _web_note(meaning: CommandMeaning, argv: list[str]) -> str:
    legacy = " ".join(argv) or "the web server"
    head = basename(argv[0]) if argv else ""
    if servers.FPM.match(head):
        return (f"{legacy} served PHP over FastCGI behind a web server: the image is php's Apache with mod_php, "
                "one process serving HTTP on 8080 with the code inside it (no nginx and php-fpm pair sharing "
                "a code volume); the nginx/fpm settings are mapped into Apache's and php.ini (MIGRATION.md)")
    if meaning.dev_server:
        return (f"{legacy} is a development server: the container runs Apache with mod_php on 8080 instead "
                "(apache2-foreground, the php image's own command)")
    return f"{legacy}: Apache in the foreground on 8080, as the php image's apache2-foreground runs it"


def resolve(repo: RepoView, cmd: ParsedCommand) -> tuple[str, str] | None:
    """``composer run-script start`` / ``composer start`` -> the command of composer.json's ``start`` script,
    when it is one plain command (Composer must not be PID 1); else None."""
    core = cmd.core
    if not core or basename(core[0]) not in ("composer", "composer.phar") or len(core) < 2:
        return None
    name = core[2] if core[1] in ("run-script", "run") and len(core) > 2 else core[1]
    if name.startswith("-") or not repo.exists("composer.json"):
        return None
    from analyzers.providers.php.composer import composer  # read only when a command names composer

    commands = composer(repo).scripts.get(name, ())
    if len(commands) != 1 or commands[0].value.startswith("@") or "::" in commands[0].value:
        return None
    entry = commands[0]
    return entry.value, f"composer.json's {name} script ({entry.file}:{entry.line}): Composer must not be PID 1"
