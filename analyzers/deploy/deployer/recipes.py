"""What Deployer's recipes do, per major version: the ``deploy`` task's list, the settings a recipe sets,
and what each of its tasks runs on the hosts. Read from the recipes themselves (deployphp/deployer,
never run here):

- Deployer 7 ``recipe/common.php``: ``deploy:prepare`` = info, setup, lock, release, update_code, shared,
  writable; ``deploy:publish`` = symlink, unlock, cleanup, success; ``deploy`` = prepare, publish.
  ``recipe/deploy/vendors.php``: ``cd {{release_or_current_path}} && {{bin/composer}} {{composer_action}}
  {{composer_options}}``, options ``--verbose --prefer-dist --no-progress --no-interaction --no-dev
  --optimize-autoloader``.
- Deployer 7 ``recipe/laravel.php``: shared_dirs ``storage``, shared_files ``.env``, the writable dirs
  below; every ``artisan:*`` task is ``artisan('<command>')`` = ``{{bin/php}}
  {{release_or_current_path}}/artisan <command>`` (``migrate --force``, ``db:seed --force`` ...);
  ``deploy`` = prepare, vendors, storage:link, config:cache, route:cache, view:cache, event:cache, migrate,
  publish.
- Deployer 7 ``recipe/symfony.php``: shared ``var/log`` and ``.env.local``, writable ``var`` ...; ``bin/console``
  = ``{{bin/php}} {{release_or_current_path}}/bin/console``; ``deploy:cache:clear`` runs ``cache:clear`` only
  when composer_options has ``--no-scripts`` (else composer's scripts do it); ``deploy`` = prepare, vendors,
  cache:clear, publish; ``database:migrate`` (not in the flow) = ``doctrine:migrations:migrate
  --allow-no-migration``.
- Deployer 7 ``recipe/wordpress.php``: shared ``wp-config.php`` and ``wp-content/uploads``; ``deploy`` =
  prepare, publish. ``recipe/drupal8.php``: shared ``sites/{{drupal_site}}/files``, ``settings.php`` and
  ``services.yml`` (drupal_site ``default``); prepare, publish. ``recipe/composer.php`` and
  ``recipe/codeigniter.php`` (shared and writable ``application/cache``, ``application/logs``): prepare,
  vendors, publish. ``recipe/yii.php`` (shared and writable ``runtime``): prepare, vendors, ``deploy:migrate``
  (``cd {{release_or_current_path}} && {{bin/php}} yii migrate --interactive=0``), publish.
- Deployer 6 ``recipe/laravel.php`` ``deploy`` (as Deployer 6 projects copy it): info, prepare, lock,
  release, update_code, shared, vendors, writable, artisan:storage:link, artisan:view:cache,
  artisan:config:cache, symlink, unlock, cleanup; artisan tasks run ``{{bin/php}} {{release_path}}/artisan``.
- Deployer 6 ``recipe/common.php``: no ``deploy`` list of its own; ``dep init`` writes (and its docs show)
  info, prepare, lock, release, update_code, shared, writable, vendors, clear_paths, symlink, unlock,
  cleanup, success. ``deploy:vendors``: ``cd {{release_path}} && {{env_vars}} {{bin/composer}}
  {{composer_options}}``, options ``{{composer_action}} --verbose --prefer-dist --no-progress
  --no-interaction --no-dev --optimize-autoloader``.
- contrib ``npm:install`` (``cd {{release_path}} && {{bin/npm}} ci``), ``yarn:install`` (``{{bin/yarn}}``),
  ``php-fpm:reload`` (``sudo systemctl reload php{{php_fpm_version}}-fpm``), ``cachetool:clear:*``.

Recipes not listed here (magento2, typo3, Deployer 6's symfony4 ...) are reported as not known: the repo's own tasks are
still read, the recipe's are not guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analyzers.deploy.deployer.values import IMAGE_BINARIES

# ``require 'recipe/laravel.php'``, ``import('contrib/npm.php')``, ``'vendor/deployer/deployer/recipe/x.php'``
RECIPE_PATH = re.compile(r"(?:^|/)(recipe|contrib)/([\w./-]+?)\.php$")

# Tasks that move code and links on the hosts: the image and the cluster do their job (the settings they
# read, shared and writable dirs, keep_releases, become volumes and the revision history instead).
STRUCTURAL = frozenset({
    "deploy:info", "deploy:setup", "deploy:lock", "deploy:unlock", "deploy:release", "deploy:update_code",
    "deploy:shared", "deploy:writable", "deploy:symlink", "deploy:cleanup", "cleanup", "deploy:success",
    "success", "deploy:clear_paths", "deploy:copy_dirs", "deploy:failed", "deploy:check_remote",
    "deploy:env", "deploy:log_revision",
})
NOTIFY = ("slack:", "discord:", "telegram:", "ms-teams:", "mattermost:", "rocketchat:", "chat:", "hipchat:",
          "workplace:", "yammer:", "chatwork:", "ntfy:", "sentry:", "newrelic:", "bugsnag:", "rollbar:",
          "raygun:", "grafana:", "cimonitor:")
_V7_PREPARE = ("deploy:info", "deploy:setup", "deploy:lock", "deploy:release", "deploy:update_code",
               "deploy:shared", "deploy:writable")
_V7_PUBLISH = ("deploy:symlink", "deploy:unlock", "deploy:cleanup", "deploy:success")
V6_COMMON = ("deploy:info", "deploy:prepare", "deploy:lock", "deploy:release", "deploy:update_code",
              "deploy:shared", "deploy:writable", "deploy:vendors", "deploy:clear_paths", "deploy:symlink",
              "deploy:unlock", "cleanup", "success")
_LARAVEL_WRITABLE = ["bootstrap/cache", "storage", "storage/app", "storage/app/public", "storage/framework",
                     "storage/framework/cache", "storage/framework/cache/data", "storage/framework/sessions",
                     "storage/framework/views", "storage/logs"]
# artisan tasks whose command is not their name (laravel.php: artisan('migrate --force', ...))
_ARTISAN_ARGS = {"migrate": "migrate --force", "db:seed": "db:seed --force", "migrate:fresh": "migrate:fresh --force",
                 "migrate:rollback": "migrate:rollback --force", "horizon:clear": "horizon:clear --force",
                 "octane": "octane:start"}
_OPCACHE = "OPcache/APCu reset on the hosts (cachetool): a new pod starts with empty caches"


@dataclass(frozen=True)
class Host:
    """A recipe task that only does something on the hosts: reported as a host step with its reason."""

    command: str
    reason: str


@dataclass(frozen=True)
class Recipe:
    deploy: tuple[str, ...] | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)


_COMMON7 = Recipe(("deploy:prepare", "deploy:publish"),
                  {"composer_action": "install",
                   "composer_options": "--verbose --prefer-dist --no-progress --no-interaction --no-dev "
                                       "--optimize-autoloader"},
                  {"deploy:prepare": _V7_PREPARE, "deploy:publish": _V7_PUBLISH})
_COMMON6 = Recipe(None, {"composer_action": "install",
                         "composer_options": "{{composer_action}} --verbose --prefer-dist --no-progress "
                                             "--no-interaction --no-dev --optimize-autoloader",
                         "env_vars": ""})

RECIPES: dict[tuple[str, int], Recipe] = {
    ("common", 7): _COMMON7,
    ("common", 6): _COMMON6,
    ("composer", 7): Recipe(("deploy:prepare", "deploy:vendors", "deploy:publish")),
    ("laravel", 7): Recipe(("deploy:prepare", "deploy:vendors", "artisan:storage:link", "artisan:config:cache",
                            "artisan:route:cache", "artisan:view:cache", "artisan:event:cache", "artisan:migrate",
                            "deploy:publish"),
                           {"shared_dirs": ["storage"], "shared_files": [".env"], "writable_dirs": _LARAVEL_WRITABLE}),
    ("laravel", 6): Recipe(("deploy:info", "deploy:prepare", "deploy:lock", "deploy:release", "deploy:update_code",
                            "deploy:shared", "deploy:vendors", "deploy:writable", "artisan:storage:link",
                            "artisan:view:cache", "artisan:config:cache", "deploy:symlink", "deploy:unlock",
                            "cleanup"),
                           {"shared_dirs": ["storage"], "shared_files": [".env"],
                            "writable_dirs": [d for d in _LARAVEL_WRITABLE if d != "storage/framework/cache/data"]}),
    ("symfony", 7): Recipe(("deploy:prepare", "deploy:vendors", "deploy:cache:clear", "deploy:publish"),
                           {"shared_dirs": ["var/log"], "shared_files": [".env.local"],
                            "writable_dirs": ["var", "var/cache", "var/log", "var/sessions"],
                            "bin/console": "{{bin/php}} {{release_or_current_path}}/bin/console",
                            "console_options": "--no-interaction"}),
    ("drupal8", 7): Recipe(("deploy:prepare", "deploy:publish"),
                           {"drupal_site": "default", "shared_dirs": ["sites/{{drupal_site}}/files"],
                            "shared_files": ["sites/{{drupal_site}}/settings.php",
                                             "sites/{{drupal_site}}/services.yml"],
                            "writable_dirs": ["sites/{{drupal_site}}/files"]}),
    ("codeigniter", 7): Recipe(("deploy:prepare", "deploy:vendors", "deploy:publish"),
                               {"shared_dirs": ["application/cache", "application/logs"],
                                "writable_dirs": ["application/cache", "application/logs"]}),
    ("yii", 7): Recipe(("deploy:prepare", "deploy:vendors", "deploy:migrate", "deploy:publish"),
                       {"shared_dirs": ["runtime"], "writable_dirs": ["runtime"], "yii_recipe": True}),
    ("wordpress", 7): Recipe(("deploy:prepare", "deploy:publish"),
                             {"shared_files": ["wp-config.php"], "shared_dirs": ["wp-content/uploads"],
                              "writable_dirs": ["wp-content/uploads"]}),
}
# contrib recipes: no deploy list, no settings that matter here; their tasks are in :func:`implied`
CONTRIB = frozenset({"npm", "yarn", "php-fpm", "cachetool", "slack", "discord", "telegram", "ms-teams",
                     "mattermost", "rocketchat", "sentry", "newrelic", "bugsnag", "rollbar", "crontab", "rsync"})


def recipe(name: str, version: int) -> Recipe | None:
    """The recipe ``name`` (``laravel``, ``contrib/npm`` -> ``npm``) of Deployer ``version``."""
    return RECIPES.get((name, version))


def implied(task: str, version: int, settings: dict[str, Any]) -> str | Host | None:
    """What a recipe task runs: a command (``{{...}}`` placeholders unrendered), a host-only step, or None
    when no known recipe defines it (or it is one of :data:`STRUCTURAL`, which run nothing the cluster needs)."""
    here = "{{release_or_current_path}}" if version >= 7 else "{{release_path}}"
    if task == "deploy:vendors":
        if version >= 7:
            return f"cd {here} && {{{{bin/composer}}}} {{{{composer_action}}}} {{{{composer_options}}}}"
        return "cd {{release_path}} && {{env_vars}} {{bin/composer}} {{composer_options}}"
    if task.startswith("artisan:"):
        command = task.removeprefix("artisan:")
        return f"{{{{bin/php}}}} {here}/artisan {_ARTISAN_ARGS.get(command, command)}"
    if task == "deploy:cache:clear" and "bin/console" in settings:
        if "--no-scripts" not in str(settings.get("composer_options", "")):
            return None  # composer's own scripts clear and warm the cache (symfony.php)
        return "{{bin/console}} cache:clear {{console_options}}"
    if task == "database:migrate" and "bin/console" in settings:
        return (f"cd {here} && {{{{bin/console}}}} doctrine:migrations:migrate --allow-no-migration "
                "{{console_options}}")
    if task == "deploy:migrate" and settings.get("yii_recipe"):
        return f"cd {here} && {{{{bin/php}}}} yii migrate --interactive=0"
    if task == "npm:install":
        return "cd {{release_path}} && {{bin/npm}} ci"
    if task == "yarn:install":
        return "cd {{release_path}} && {{bin/yarn}}"
    if task == "php-fpm:reload":
        return "sudo systemctl reload {{php_fpm_service}}"
    if task.startswith("cachetool:clear:"):
        return Host(f"cachetool {task.rsplit(':', 1)[-1]}", _OPCACHE)
    if task.startswith(NOTIFY):
        return Host(task, "deploy notification: the CI/CD pipeline that rolls out the image notifies instead")
    if task == "crontab:sync":
        return Host(task, "crontab installed on the hosts: the CronJobs read from the crontab replace it")
    return None


def defaults(version: int) -> dict[str, Any]:
    """The placeholders every recipe resolves (the binaries by their image names; the release and current
    paths are the app dir, filled in by the reader)."""
    out: dict[str, Any] = {**IMAGE_BINARIES, "php_fpm_service": "php{{php_fpm_version}}-fpm"}
    out.update((RECIPES[("common", version if version in (6, 7) else 7)]).settings)
    return out
