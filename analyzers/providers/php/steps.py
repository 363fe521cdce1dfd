"""PHP's one-off deploy steps: migrations (release), asset builds and the storage symlink (build), and the
installs, caches, restarts and fpm reloads that the image, its start and the rollout replace (host).

Rules match the command's core words joined by spaces (``sudo -u www-data php7.4 artisan migrate --force``
is matched as ``php7.4 artisan migrate --force``; ``/var/www/app/current/artisan`` too: the patterns allow
a path before ``artisan``/``console``). ``order`` is each rule's global position among every provider's
rules (:class:`analyzers.providers.protocol.StepRule`): release 64-69 (after node's), build 21-29 (before
the generic webpack/gulp rule) and 90-95, host 1-9 (before the generic ``systemctl``/``service`` rule, so
a php-fpm reload gets its own reason) and 31-39 (before the installers of other runtimes), 66-69 and
76-79 (before ``rsync`` and the generic file rules) and 103-109.
"""

from __future__ import annotations

import re

from analyzers.providers.protocol import StepRule
from migrator.commands import StepKind

RELEASE_WHY = "runs once per deploy, before the new version serves"
BUILD_WHY = "produces files the image must contain"
START_WHY = ("runs at container start (config:cache bakes env): the cached config holds the values of the "
             "environment it ran in, so it runs where the real environment is, never at build")
ROLLOUT_WHY = "{}: a rollout of the new image replaces it"
_ARTISAN = r"(^|[\s/])artisan\s+(?:-\S+\s+)*"  # php artisan, /var/www/app/current/artisan, artisan --env=x
_CONSOLE = r"(^|[\s/])(bin|app)/console\s+(?:-\S+\s+)*"


def _rule(kind: StepKind, pattern: str, reason: str, order: int) -> StepRule:
    return StepRule(kind, re.compile(pattern), reason, order)


R, B, H = StepKind.RELEASE, StepKind.BUILD, StepKind.HOST
STEP_RULES: tuple[StepRule, ...] = (
    _rule(R, _ARTISAN + r"migrate(?![:\w-])", RELEASE_WHY + " (--force: artisan asks for confirmation in "
          "production otherwise)", 64),
    _rule(R, _CONSOLE + r"doctrine:migrations:migrate\b", RELEASE_WHY + " (-n: no confirmation prompt)", 65),
    _rule(R, _CONSOLE + r"doctrine:schema:update\b.*--force", RELEASE_WHY + " (doctrine:schema:update --force "
          "alters tables from the mappings, without migrations: review it)", 66),
    _rule(R, r"(^|[\s/])(phinx|vendor/bin/phinx)\s+migrate\b", RELEASE_WHY + " (phinx)", 67),
    _rule(R, r"(^|[\s/])wp\s+core\s+update-db\b", RELEASE_WHY + " (WordPress's database upgrade)", 68),
    # the app's own migration script (php bin/migrate.php, php scripts/db-migrate.php): its name says what it is
    _rule(R, r"(^|[\s/])php[\d.]*\s+(?:-[dc]\s+\S+\s+|-\S+\s+)*(?:\S*/)?(?:db[-_]?)?"
          r"migrat(?:e|ion|ions)(?:[-_]\w+)?\.php(\s|$)",
          RELEASE_WHY + " (the app's own migration script, by its name: check it is safe to run on every deploy)",
          79),
    _rule(B, r"\b(npm|yarn|pnpm)\s+(run\s+)?(production|prod)\b", BUILD_WHY + ": Laravel Mix's production "
          "build runs in a node build stage; the image keeps its output (public/js, public/css, mix-manifest.json)",
          21),
    _rule(B, _ARTISAN + r"storage:link\b", BUILD_WHY + ": the public/storage symlink is made in the image "
          "(storage/app/public is the writable volume it points into)", 90),
    _rule(H, r"(^|[\s/])(systemctl|service)\s+(\S+\s+)?(reload|restart|start|stop)\s+php\S*-fpm\S*|"
          r"(^|[\s/])(systemctl|service)\s+php\S*-fpm\S*\s+(reload|restart|start|stop)\b|"
          r"(^|[\s/])/etc/init\.d/php\S*-fpm\S*\s+(reload|restart|start|stop)\b|(^|[\s/])kill\s+-USR2\b.*fpm",
          ROLLOUT_WHY.format("reloads php-fpm on the host (to drop its opcache of the old release)"), 5),
    _rule(H, r"(^|[\s/])(systemctl|service)\s+(\S+\s+)?(reload|restart)\s+(apache2|httpd)\b|"
          r"(^|[\s/])(systemctl|service)\s+(apache2|httpd)\s+(reload|restart)\b",
          ROLLOUT_WHY.format("reloads Apache on the host"), 6),
    _rule(H, r"(^|[\s/])(apachectl|apache2ctl|httpd)\s+(-k\s+)?(graceful|restart|graceful-stop|configtest|-t)\b",
          ROLLOUT_WHY.format("restarts or checks the host's Apache (with mod_php, the app's server)"), 7),
    _rule(H, r"(^|[\s/])composer(\.phar)?\s+(\S+\s+)*?(install|update|dump-autoload|dumpautoload|require|"
          r"run-script\s+post-\S+|self-update|clear-cache|global\s+require)\b",
          "composer install: done in the image build from composer.lock (--no-dev --optimize-autoloader "
          "--no-interaction); the scripts that need the code run after it is copied in", 31),
    _rule(H, r"(curl|wget)\s.*getcomposer\.org|composer-setup\.php", "installs Composer on the host: the image "
          "build brings its own", 32),
    _rule(H, _ARTISAN + r"(config:cache|route:cache|view:cache|event:cache|optimize|icons:cache|filament:cache)"
          r"(?![:\w-])", START_WHY, 66),
    _rule(H, _ARTISAN + r"(config:clear|route:clear|view:clear|event:clear|cache:clear|optimize:clear|"
          r"clear-compiled|opcache:clear)\b", "clears the host's caches of the previous release: every container "
          "starts from a fresh image", 67),
    _rule(H, _ARTISAN + r"(queue:restart|horizon:terminate|horizon:pause|horizon:continue|octane:reload)\b",
          ROLLOUT_WHY.format("tells the host's workers to restart on the new code"), 68),
    _rule(H, _ARTISAN + r"(down|up)\b", "maintenance mode on the host: a rolling update keeps serving, and a "
          "release Job runs before the new pods", 69),
    _rule(H, _CONSOLE + r"(cache:clear|cache:warmup|assets:install)\b", "Symfony's cache and assets of the host's "
          "release: the image builds its own (cache:warmup and assets:install need no database)", 76),
    _rule(H, r"(^|[\s/])(cachetool|opcache-reset)\b|opcache_reset", ROLLOUT_WHY.format("resets the host's opcache"),
          77),
    _rule(H, r"(^|[\s/])(wp\s+(cache\s+flush|plugin\s+(install|activate|update)|core\s+(download|update)\b))",
          "WP-CLI on the host: plugins and core are the image's (commit them or install them in the build)", 78),
    _rule(H, r"(^|[\s/])(phpenmod|phpdismod|php\S*-fpm\S*\s+-t)\b", "configures the host's PHP: the image "
          "enables its extensions and its php.ini", 103),
    _rule(H, r"(^|[\s/])(dep|envoy)\s+(deploy|run|rollback)\b", "runs a deploy tool from the host (Deployer, "
          "Envoy): the image and its rollout replace it", 104),
)
