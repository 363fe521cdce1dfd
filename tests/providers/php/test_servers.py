"""The PHP provider on command lines: web servers become the image's Apache, workers keep their arguments
with the image's php, and host paths and wrappers are seen through."""

from __future__ import annotations

import pytest

from analyzers.commands import parse_command
from analyzers.providers import php
from migrator.model import ProcessRole

WEB, WORKER, SCHEDULER = ProcessRole.WEB, ProcessRole.WORKER, ProcessRole.SCHEDULER


def container(command: str) -> tuple[tuple[str, ...], str | None]:
    from analyzers.commands import meaning

    m = meaning(parse_command(command))
    assert m.provider == "php", command
    return php.container_argv(m, None)


@pytest.mark.parametrize(("command", "role", "name", "server"), [
    ("php-fpm", WEB, "web", "apache"),
    ("/usr/sbin/php-fpm7.4 --nodaemonize --fpm-config /etc/php/7.4/fpm/php-fpm.conf", WEB, "web", "apache"),
    ("php5-fpm -F", WEB, "web", "apache"),
    ("php-cgi -b 127.0.0.1:9000", WEB, "web", "apache"),
    ("/usr/sbin/apache2ctl -D FOREGROUND", WEB, "web", "apache"),
    ("php -S 0.0.0.0:8000 -t public public/router.php", WEB, "web", "apache"),
    ("php artisan serve --host=0.0.0.0", WEB, "web", "apache"),
    ("php bin/console server:run 0.0.0.0:8000", WEB, "web", "apache"),
    ("php artisan queue:listen --tries=3", WORKER, "worker", "laravel-queue"),
    ("php artisan queue:work sqs --queue=high,low", WORKER, "worker-high", "laravel-queue"),
    ("php7.4 /var/www/shop/current/artisan horizon", WORKER, "horizon", "horizon"),
    ("php -d memory_limit=-1 bin/console messenger:consume async failed --time-limit=3600", WORKER, "worker",
     "messenger"),
    ("php /srv/app/bin/queue-consumer.php --channel=mail", WORKER, "worker", "php-worker"),
    ("php artisan schedule:work", SCHEDULER, "scheduler", "laravel-schedule"),
    ("sudo -u www-data php artisan queue:work", WORKER, "worker", "laravel-queue"),
])
def test_classify(command: str, role: ProcessRole, name: str, server: str) -> None:
    m = php.classify(parse_command(command))
    assert m is not None and (m.provider, m.role, m.name, m.server) == ("php", role, name, server)
    assert m.port == (8080 if role is WEB else None)


@pytest.mark.parametrize("command", ["php artisan schedule:run", "php artisan migrate --force", "php -r 'echo 1;'",
                                     "php index.php", "composer install"])
def test_other_php_commands_are_php_but_no_process(command: str) -> None:
    m = php.classify(parse_command(command))
    assert m is not None and m.provider == "php" and m.role is None


@pytest.mark.parametrize("command", ["python manage.py runserver", "apache2ctl graceful", "node server.js",
                                     "phpunit", "bundle exec puma"])
def test_not_php(command: str) -> None:
    assert php.classify(parse_command(command)) is None


def test_every_web_server_runs_as_apache_with_a_note() -> None:
    argv, note = container("php-fpm7.4 -F")
    assert argv == ("apache2-foreground",)
    assert note is not None and "FastCGI" in note and "mod_php" in note and "8080" in note
    argv, note = container("php -S 0.0.0.0:8000 -t public")
    assert argv == ("apache2-foreground",) and note is not None and "development server" in note


def test_a_worker_keeps_its_options_with_the_images_php() -> None:
    argv, note = container("/usr/bin/php7.4 -d memory_limit=512M artisan queue:work --daemon --sleep=3 --tries=3")
    assert argv == ("php", "-d", "memory_limit=512M", "artisan", "queue:work", "--sleep=3", "--tries=3")
    assert note is not None and "--daemon dropped" in note
    # the versioned binary is the image's php already in the meaning (host_program), so no note is needed
    assert container("php8.1 artisan horizon") == (("php", "artisan", "horizon"), None)


def test_host_programs() -> None:
    assert php.host_program("/usr/bin/php7.4") == "php"
    assert php.host_program("php8.1") == "php"
    assert php.host_program("php") is None
    assert php.host_program("/usr/sbin/php-fpm8.1") == "php-fpm"
    assert php.host_program("/usr/local/bin/composer") == "composer"
    assert php.host_program("bin/console") is None


def test_program_sees_through_the_interpreter() -> None:
    assert php.program(["php", "-d", "memory_limit=1G", "artisan", "queue:work"]) == ("artisan", ("queue:work",))
    assert php.program(["php", "-f", "cron.php", "--", "x"]) == ("cron.php", ("--", "x"))
    assert php.program(["ruby", "x.rb"]) is None


def test_composer_exec_is_unwrapped() -> None:
    assert php.unwrap(["composer", "exec", "--verbose", "phinx", "migrate"]) == (
        ("phinx", "migrate"), "composer exec --verbose", None)
    assert php.unwrap(["composer", "install"]) is None


def test_resolve_a_composer_script(tree) -> None:  # type: ignore[no-untyped-def]
    from migrator.repo import RepoView

    repo = RepoView(tree({"composer.json": '{\n  "scripts": {\n    "start": "php -S 0.0.0.0:8080 -t public",\n'
                                           '    "test": ["@php vendor/bin/phpunit", "@php vendor/bin/phpstan"]\n'
                                           '  }\n}\n'}))
    assert php.resolve(repo, parse_command("composer run-script start")) == (
        "php -S 0.0.0.0:8080 -t public", "composer.json's start script (composer.json:3): Composer must not be PID 1")
    assert php.resolve(repo, parse_command("composer start")) is not None
    assert php.resolve(repo, parse_command("composer test")) is None  # two commands: no single program to run
    assert php.resolve(repo, parse_command("npm start")) is None


def test_a_php_worker_runs_under_tini_and_apache_does_not() -> None:
    # php as PID 1 ignores SIGTERM without pcntl handlers: workers run under tini; Apache handles it itself
    from analyzers.commands import meaning
    from generators.image.argv import container_argv

    worker, _ = container_argv(meaning(parse_command("php artisan queue:work")), None)
    assert worker == ("tini", "--", "php", "artisan", "queue:work")
    web, _ = container_argv(meaning(parse_command("php-fpm7.4 -F")), 8080)
    assert web == ("apache2-foreground",)
