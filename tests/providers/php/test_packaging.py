"""php_packaging: Composer facts, scripts that need the code, vendor/, the framework's facts, extension needs
with their reasons, and Apache as the default web process."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from analyzers.providers.php import runtime_packaging
from analyzers.providers.php.runtime_packaging import content_hash
from migrator.model import Confidence, Kind

Run = Callable[[Any, dict[str, str | bytes]], Any]

LARAVEL5_JSON = """\
{
    "name": "laravel/laravel",
    "require": {
        "php": ">=7.0.0",
        "ext-gd": "*",
        "laravel/framework": "5.5.*",
        "predis/predis": "^1.1"
    },
    "autoload": {"psr-4": {"App\\\\": "app/"}},
    "scripts": {
        "post-root-package-install": ["@php -r \\"file_exists('.env') || copy('.env.example', '.env');\\""],
        "post-autoload-dump": [
            "Illuminate\\\\Foundation\\\\ComposerScripts::postAutoloadDump",
            "@php artisan package:discover"
        ]
    }
}
"""
LOCK = json.dumps({"content-hash": "x", "packages": [
    {"name": "laravel/framework", "version": "v5.5.50", "require": {"php": ">=7.0", "ext-mbstring": "*",
                                                                    "ext-openssl": "*"}},
    {"name": "intervention/image", "version": "2.5.1", "require": {"ext-fileinfo": "*"}},
    {"name": "league/flysystem", "version": "1.0.70", "require": {"ext-fileinfo": "*"}},
], "packages-dev": [{"name": "mockery/mockery", "version": "1.3.1", "require": {"ext-pcntl": "*"}}]}, indent=4)


def fields(result: Any, name: str) -> list[tuple[Any, str, int | None]]:
    return [(f.fields[name], f.source.file, f.source.line) for f in result.of(Kind.RUNTIME) if name in f.fields]


def extensions(result: Any) -> dict[str, tuple[str, str, int | None, Confidence]]:
    return {f.fields["php_extension"]: (f.fields["reason"], f.source.file, f.source.line, f.source.confidence)
            for f in result.of(Kind.SYSTEM_PACKAGE)}


def test_a_laravel_5_app(run_analyzer: Run) -> None:
    result = run_analyzer(runtime_packaging, {
        "composer.json": LARAVEL5_JSON, "composer.lock": LOCK, "artisan": "<?php\n", "public/index.php": "<?php\n",
        ".env.example": "APP_ENV=local\nDB_CONNECTION=pgsql\nDB_PASSWORD=secret\nQUEUE_DRIVER=redis\n",
        "deploy/setup.sh": "sudo apt-get install -y php7.1-fpm php7.1-bcmath php7.1-mysql php-cs-fixer\n"})
    assert fields(result, "package_manager") == [("composer", "composer.json", None)]
    assert fields(result, "lockfile") == [("composer.lock", "composer.lock", None)]
    assert fields(result, "composer_scripts") == [(("post-autoload-dump",), "composer.json", 13)]
    # package:discover boots the app: the install runs --no-scripts before the code, the scripts after it
    assert fields(result, "scripts_need_code") == [(True, "composer.json", 14)]
    assert fields(result, "framework") == [("laravel", "composer.json", 6)]
    assert fields(result, "framework_version") == [("5.5.50", "composer.json", 6)]
    assert fields(result, "document_root") == [("public", "composer.json", 6)]
    exts = extensions(result)
    assert exts["gd"] == ("composer.json require ext-gd", "composer.json", 5, Confidence.DECLARED)
    assert exts["fileinfo"][0] == "the locked intervention/image requires ext-fileinfo (and 1 more)"
    assert exts["fileinfo"][1] == "composer.lock"
    assert "pcntl" not in exts  # only mockery (require-dev) needs it: --no-dev never installs it
    assert exts["pdo_pgsql"] == ("DB_CONNECTION=pgsql", ".env.example", 2, Confidence.INFERRED)
    assert exts["bcmath"] == ("php7.1-bcmath in deploy/setup.sh", "deploy/setup.sh", 1, Confidence.INFERRED)
    assert exts["mysqli"][0] == "php7.1-mysql in deploy/setup.sh" and "pdo_mysql" in exts
    assert exts["opcache"][3] is Confidence.DEFAULT
    assert not [k for k in exts if k in ("fpm", "cs")]  # php7.1-fpm and php-cs-fixer are no extensions
    assert "redis" not in exts  # predis/predis is the Redis client, not phpredis
    assert any("content-hash" in w.message and "not up to date" in w.message for w in result.warnings)
    [web] = result.of(Kind.PROCESS, "web")[:1]
    assert (web.fields["command"], web.source.confidence) == ("apache2-foreground", Confidence.DEFAULT)
    assert web.meaning is not None and web.meaning.server == "apache"


def test_the_content_hash_is_composers() -> None:
    # checked against Composer 2.5's Locker::getContentHash for the same text (php -r ...)
    text = ('{\n    "name": "acme/shop",\n    "description": "Shop — ünïcode",\n    "require": {"php": "^7.3|^8.0", '
            '"laravel/framework": "^8.12", "ext-gd": "*"},\n    "require-dev": {},\n    "repositories": [{"type": '
            '"vcs", "url": "https://github.com/acme/x.git"}],\n    "extra": {"laravel": {"dont-discover": []}, "n": '
            '1.5, "b": true},\n    "config": {"platform": {"php": "7.4.33"}, "sort-packages": true},\n    '
            '"minimum-stability": "dev", "prefer-stable": true\n}\n')
    assert content_hash(text) == "19cbed196d2fc5b904a5a0b1912da0b0"
    assert content_hash("{not json") is None


def test_no_lock_is_a_warning(run_analyzer: Run) -> None:
    result = run_analyzer(runtime_packaging, {"composer.json": '{"require": {"slim/slim": "^3.0"}}',
                                              "public/index.php": "<?php\n"})
    assert any(w.message.startswith("no composer.lock") for w in result.warnings)
    assert fields(result, "framework") == [("slim", "composer.json", 1)]


def test_composer_1_lock_is_not_verified(run_analyzer: Run) -> None:
    result = run_analyzer(runtime_packaging, {"composer.json": "{}", "composer.lock": '{"hash": "abc", "packages": []}',
                                              "index.php": "<?php\n"})
    assert any("not verified" in w.message for w in result.warnings)


def test_symfony_flex_scripts_need_the_code(run_analyzer: Run) -> None:
    manifest = json.dumps({"require": {"symfony/framework-bundle": "4.4.*"}, "scripts": {
        "auto-scripts": {"cache:clear": "symfony-cmd", "assets:install %PUBLIC_DIR%": "symfony-cmd"},
        "post-install-cmd": ["@auto-scripts"], "post-update-cmd": ["@auto-scripts"]}}, indent=4)
    result = run_analyzer(runtime_packaging, {"composer.json": manifest, "bin/console": "", "public/index.php": ""})
    assert fields(result, "composer_scripts")[0][0] == ("post-install-cmd",)
    assert fields(result, "scripts_need_code")[0][0] is True


def test_vendor_only_callbacks_need_no_code(run_analyzer: Run) -> None:
    manifest = json.dumps({"autoload": {"psr-4": {"Shop\\": "src/"}}, "scripts": {
        "post-autoload-dump": ["Vendor\\Tool\\Installer::dump"]}})
    result = run_analyzer(runtime_packaging, {"composer.json": manifest, "index.php": ""})
    assert fields(result, "scripts_need_code")[0][0] is False


def test_a_committed_vendor(run_analyzer: Run) -> None:
    files: dict[str, str | bytes] = {"composer.json": "{}", "composer.lock": '{"packages": []}', "index.php": "",
                                     "vendor/autoload.php": "<?php\n"}
    assert fields(run_analyzer(runtime_packaging, files), "vendor_committed") == [(True, "vendor/autoload.php", None)]


def test_an_ignored_vendor_is_not_committed(run_analyzer: Run) -> None:
    files: dict[str, str | bytes] = {"composer.json": "{}", "index.php": "", "vendor/autoload.php": "<?php\n",
                                     ".gitignore": "/vendor/\n.env\n"}
    assert fields(run_analyzer(runtime_packaging, files), "vendor_committed") == []


def test_wordpress_needs_mysqli(run_analyzer: Run) -> None:
    result = run_analyzer(runtime_packaging, {"wp-config.php": "<?php\n", "wp-settings.php": "<?php\n",
                                              "index.php": "<?php\n"})
    assert extensions(result)["mysqli"][:2] == ("WordPress's wpdb connects with mysqli", "wp-config.php")


def test_laravel_phpredis_default(run_analyzer: Run) -> None:
    database = "<?php\nreturn [\n    'redis' => [\n        'client' => env('REDIS_CLIENT', 'phpredis'),\n    ],\n];\n"
    result = run_analyzer(runtime_packaging, {"composer.json": '{"require": {"laravel/framework": "^8.0"}}',
                                              "artisan": "", "config/database.php": database,
                                              ".env.example": "CACHE_DRIVER=redis\n"})
    assert extensions(result)["redis"][:3] == (
        "CACHE_DRIVER=redis through Laravel's default phpredis client (predis/predis is not required)",
        "config/database.php", 4)


def test_a_plain_php_5_app_without_composer(run_analyzer: Run) -> None:
    result = run_analyzer(runtime_packaging, {"index.php": "<?php include 'lib/db.php';\n", "lib/db.php": "<?php\n"})
    assert fields(result, "package_manager") == []
    assert fields(result, "framework") == [("plain", "index.php", None)]
    assert fields(result, "document_root") == [(".", "index.php", None)]
    assert result.of(Kind.PROCESS, "web")[0].fields["command"] == "apache2-foreground"


def test_sails_development_image_is_no_evidence_and_mod_php_names_a_version(run_analyzer: Run) -> None:
    from analyzers.providers.php.hostfiles import mentions

    result = run_analyzer(runtime_packaging, {
        "index.php": "<?php\n", "docker/8.0/start-container": "#!/usr/bin/env bash\n",
        "docker/8.0/supervisord.conf": "[program:php]\ncommand=/usr/bin/php -d variables_order=EGPCS "
                                       "/var/www/html/artisan serve --host=0.0.0.0 --port=80\n",
        "docker/8.0/Dockerfile": "RUN apt-get install -y php8.0-cli php8.0-ldap php8.0-swoole\n",
        "deploy/provision.sh": "apt-get install -y apache2 libapache2-mod-php7.4 php7.4-ldap\n"})
    assert extensions(result)["ldap"][1] == "deploy/provision.sh"
    assert [(m.text, m.version) for m in mentions(result.repo)] == [("php7.4-ldap", "7.4"),
                                                                     ("libapache2-mod-php7.4", "7.4")]
