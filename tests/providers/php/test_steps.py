"""PHP's deploy steps through the registry's rule order: each command gets the kind and the reason the
contract gives it, and the generic rules do not take them first."""

from __future__ import annotations

import pytest

from analyzers.commands import step_kind


@pytest.mark.parametrize(("command", "kind", "why"), [
    ("php artisan migrate --force", "release", "--force"),
    ("cd /var/www/shop/releases/42 && php7.4 artisan migrate --force --no-interaction", "release", "before"),
    ("/usr/bin/php /srv/app/current/artisan migrate --force", "release", "before"),
    ("php bin/console doctrine:migrations:migrate -n --allow-no-migration", "release", "-n"),
    ("vendor/bin/phinx migrate -e production", "release", "phinx"),
    ("npm run production", "build", "Laravel Mix"),
    ("yarn prod", "build", "Laravel Mix"),
    ("npx vite build", "build", "image must contain"),
    ("php artisan storage:link", "build", "symlink"),
    ("composer install --no-dev --optimize-autoloader --no-interaction", "host", "composer.lock"),
    ("/usr/local/bin/composer --working-dir=/var/www/app dump-autoload -o", "host", "composer.lock"),
    ("php artisan config:cache", "host", "config:cache bakes env"),
    ("php artisan route:cache", "host", "container start"),
    ("php artisan optimize", "host", "container start"),
    ("php artisan view:clear", "host", "fresh image"),
    ("php artisan queue:restart", "host", "rollout"),
    ("php artisan horizon:terminate", "host", "rollout"),
    ("sudo systemctl reload php7.4-fpm", "host", "php-fpm"),
    ("sudo service php-fpm restart", "host", "php-fpm"),
    ("/etc/init.d/php7.0-fpm reload", "host", "php-fpm"),
    ("php bin/console cache:clear --env=prod --no-debug", "host", "Symfony"),
    ("php artisan down --retry=60", "host", "maintenance"),
    ("curl -sS https://getcomposer.org/installer | php", "host", "Composer"),
    ("sudo phpenmod imagick", "host", "extensions"),
    ("sudo apachectl graceful", "host", "mod_php"),
    ("apache2ctl -k restart", "host", "rollout"),
])
def test_php_steps(command: str, kind: str, why: str) -> None:
    found = step_kind(command.split("&&")[-1].strip())
    assert found is not None and found[0] == kind, command
    assert why in found[1], found[1]


@pytest.mark.parametrize("command", ["php artisan queue:work", "php artisan schedule:run", "php-fpm7.4 -F",
                                     "php artisan migrate:status"])
def test_processes_and_lookups_are_no_steps(command: str) -> None:
    assert step_kind(command) is None


@pytest.mark.parametrize(("command", "kind"), [
    ("php bin/migrate.php", "release"),
    ("php7.4 /srv/app/current/scripts/db-migrate.php --env=production", "release"),
    ("php -d memory_limit=-1 migrations.php", "release"),
    ("php bin/immigrate.php", None),
    ("php bin/worker.php", None),
])
def test_the_apps_own_migration_script_is_a_release_step(command: str, kind: str | None) -> None:
    found = step_kind(command)
    assert (found[0] if found else None) == kind, found
