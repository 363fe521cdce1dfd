"""PHP's web servers, queue workers and schedulers on a command line: how each is recognised and what it becomes
in the container (:class:`ServerSpec`).

Web (server ``apache``, port 8080): php-fpm in every packaged spelling (``php-fpm``, ``php-fpm7.4 -F``,
``/usr/sbin/php-fpm8.1 --nodaemonize``, ``php7.4-fpm``), Apache (``apache2-foreground``, ``apache2ctl -D
FOREGROUND``, ``httpd -DFOREGROUND``), Heroku's ``heroku-php-apache2 public/``, and the development servers
(``php -S 0.0.0.0:8000 -t public``, ``php artisan serve``, ``php bin/console server:run``, ``php spark
serve``). The image is the official ``php:<X.Y>-apache`` (mod_php): every one of them runs as
``apache2-foreground`` listening on 8080. Workers: ``artisan queue:work``/``queue:listen``
(``laravel-queue``), ``artisan horizon`` (``horizon``), ``bin/console messenger:consume`` (``messenger``), and
a PHP script named like a worker (``php worker.php``, ``php bin/queue-consumer.php``: ``php-worker``).
Scheduler: ``artisan schedule:work`` (Laravel 8+: a long-running ``schedule:run`` every minute; a singleton).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analyzers.lib.argv import basename, option
from analyzers.providers.protocol import ServerSpec
from migrator.commands import CommandMeaning
from migrator.model import ProcessRole

WEB, WORKER, SCHEDULER = ProcessRole.WEB, ProcessRole.WORKER, ProcessRole.SCHEDULER
PORT = 8080  # Apache in the image listens here (a non-root user cannot bind 80)
INTERPRETER = re.compile(r"^php(\d+(\.\d+)?)?(-cli)?$")
FPM = re.compile(r"^php(\d+(\.\d+)?)?-(fpm|cgi)(\d+(\.\d+)?)?$")  # php-fpm7.4, php7.4-fpm, php-cgi
APACHE = frozenset({"apache2-foreground", "apache2ctl", "apachectl", "httpd", "apache2"})
# php's options that take a value (php -d memory_limit=512M -c php.ini -f x.php)
VALUE_OPTIONS = frozenset({"-d", "-c", "-z", "-t", "-S", "--define", "--php-ini", "--zend-extension"})
WORKER_WORDS = ("worker", "consumer", "consume", "queue", "daemon", "listener", "jobs", "subscriber")
CONSOLES = ("artisan", "console", "spark")

SERVERS: dict[str, ServerSpec] = {s.name: s for s in (
    ServerSpec("apache", WEB, PORT, examples=(
        ("php-fpm7.4 -F", "web", PORT), ("/usr/sbin/php-fpm8.1 --nodaemonize", "web", PORT),
        ("apache2ctl -D FOREGROUND", "web", PORT), ("httpd -DFOREGROUND", "web", PORT),
        ("apache2-foreground", "web", PORT), ("php artisan serve --port=8000", "web", PORT),
        ("php -S 0.0.0.0:8000 -t public", "web", PORT), ("vendor/bin/heroku-php-apache2 public/", "web", PORT))),
    ServerSpec("laravel-queue", WORKER, None, examples=(
        ("php artisan queue:work redis --queue=emails --tries=3", "worker-emails", None),
        ("/usr/bin/php7.4 /var/www/app/current/artisan queue:work --daemon --sleep=3", "worker", None))),
    ServerSpec("horizon", WORKER, None, examples=(("php artisan horizon", "horizon", None),)),
    ServerSpec("messenger", WORKER, None, examples=(("php bin/console messenger:consume async -vv", "worker", None),)),
    ServerSpec("php-worker", WORKER, None, examples=(("php worker.php", "worker", None),)),
    ServerSpec("laravel-schedule", SCHEDULER, None, examples=(("php artisan schedule:work", "scheduler", None),)),
)}


def meaning(role: ProcessRole | None = None, name: str | None = None, server: str | None = None, *,
            entrypoint: str | None = None, dev: bool = False, notes: Sequence[str] = (),
            host: str | None = None, port: int | None = None) -> CommandMeaning:
    """A PHP command's meaning; a web server always listens on :data:`PORT` in the container."""
    web = role is WEB
    return CommandMeaning("php", role, name, server, port=PORT if web else port, host=host, entrypoint=entrypoint,
                          dev_server=dev, notes=tuple(notes))


def php_args(core: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """(php's own options, the script and its arguments) when ``core`` runs the PHP interpreter; None if not."""
    if not core or not INTERPRETER.match(basename(core[0])):
        return None
    args = list(core[1:])
    options: list[str] = []
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        options.append(opt)
        if opt == "-f" and args:
            break  # php -f script.php args
        if opt in VALUE_OPTIONS and args:
            options.append(args.pop(0))
        if opt in ("-r", "-v", "--version", "-m", "-i", "-a", "-l"):
            return options + args, []  # inline code, a lint or an info flag: no script
    return options, args


def classify_php(core: Sequence[str]) -> CommandMeaning | None:
    """The meaning of a ``php ...`` command line; None when ``core`` is not the interpreter."""
    split = php_args(core)
    if split is None:
        return None
    options, script = split
    if "-S" in options:
        at = options.index("-S")
        bind = options[at + 1] if at + 1 < len(options) else ""
        return meaning(WEB, "web", "apache", dev=True, notes=(f"php -S {bind} is PHP's built-in development "
                                                              "server",))
    if not script:
        return meaning()
    name = basename(script[0])
    args = script[1:]
    if name in CONSOLES or name.endswith(("/artisan", "/console")):
        return console(name, args)
    stem = name.rsplit(".", 1)[0].lower()
    if name.endswith(".php") and any(w in stem for w in WORKER_WORDS):
        return meaning(WORKER, "worker", "php-worker", entrypoint=script[0])
    return meaning(entrypoint=script[0] if name.endswith(".php") else None)


def console(name: str, args: Sequence[str]) -> CommandMeaning:
    """``artisan``/``bin/console``/``spark`` and their subcommand."""
    sub = next((a for a in args if not a.startswith("-")), "")
    rest = list(args[args.index(sub) + 1 :]) if sub else []
    if sub in ("queue:work", "queue:listen"):
        queue = option(rest, "--queue")
        first = queue.split(",")[0].strip() if queue else ""
        key = f"worker-{re.sub(r'[^a-z0-9-]+', '-', first.lower()).strip('-')}" if first else "worker"
        notes = ("queue:listen boots the framework for every job: queue:work is the production form",) \
            if sub == "queue:listen" else ()
        return meaning(WORKER, key, "laravel-queue", notes=notes)
    if sub == "horizon":
        return meaning(WORKER, "horizon", "horizon")
    if sub == "schedule:work":
        return meaning(SCHEDULER, "scheduler", "laravel-schedule")
    if sub in ("messenger:consume", "enqueue:consume", "rabbitmq:consumer", "swarrot:consume"):
        return meaning(WORKER, "worker", "messenger")
    if sub in ("serve", "server:run", "server:start"):
        return meaning(WEB, "web", "apache", dev=True, notes=(f"{name} {sub} is the framework's development server",))
    return meaning()


def classify_program(core: Sequence[str]) -> CommandMeaning | None:
    """php-fpm, Apache and frankenphp (web); None for anything else."""
    head = basename(core[0]) if core else ""
    if FPM.match(head):
        return meaning(WEB, "web", "apache", notes=(f"{head} served PHP over FastCGI",))
    if head in APACHE:
        if head != "apache2-foreground" and not any("FOREGROUND" in a for a in core[1:]):
            return None  # apachectl restart/graceful: a host step, not the server
        return meaning(WEB, "web", "apache")
    if head == "frankenphp" and len(core) > 1 and core[1] in ("run", "php-server"):
        return meaning(WEB, "web", "apache", notes=("frankenphp served the app",))
    if head in ("heroku-php-apache2", "heroku-php-nginx"):  # Heroku's PHP buildpack: [options] [docroot]
        return meaning(WEB, "web", "apache", notes=(f"{head} is the Heroku PHP buildpack's web server",))
    if head in ("spark",) and len(core) > 1 and core[1] == "serve":
        return meaning(WEB, "web", "apache", dev=True, notes=("spark serve is CodeIgniter's development server",))
    return None
