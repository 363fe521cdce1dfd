"""generators/image/php.py: PHP's build plan, checked by value, by hadolint, by shellcheck and for foreign tokens.

The specs are planned from findings with the PHP runtime's facts put in (as the php provider emits them, see
/work/notes/PHP-CONTRACT.md); the provider's own fixtures are checked end to end in tests/providers. What
matters here is what each combination of lockfile, committed vendor/, extensions, legacy server settings,
cache commands and asset builds makes of the image and of the pods.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from analyzers import base
from analyzers.base import I, Src
from generators.docs import migration_md
from generators.image import dockerfile, php_extensions
from generators.image.base_image import BaseImage, end_of_life
from generators.k8s import k8s_pod
from generators.spec import AppSpec, build_spec
from migrator.config import GenerateSettings
from migrator.model import Finding
from tests.generators.image.test_dockerfile import hadolint
from tests.generators.models import minimal_web, model, spec
from tests.providers.runtimes import RUNTIME_TOKENS

COMPOSER = Src("php_packaging", "composer.json", 5)
POOL = Src("php_server_config", "deploy/php-fpm/www.conf", 12)


def php_spec(*extra: Finding, command: str = "apache2-foreground", **facts: Any) -> AppSpec:
    fields = {"language": "php", "version": "8.2", "package_manager": "composer", "lockfile": "composer.lock",
              **facts}
    findings = [base.runtime(COMPOSER, **{k: v for k, v in fields.items() if v is not None}),
                *minimal_web(command, port=8080), *extra]
    return spec(findings, name="shop")


def ext(name: str, reason: str, line: int = 12) -> Finding:
    return base.system_package(f"ext-{name}", Src("php_packaging", "composer.json", line), I, stage="runtime",
                               php_extension=name, reason=reason)


def stages(text: str) -> list[str]:
    return re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]


def foreign(stage_text: str) -> list[str]:
    return [t for lang, tokens in RUNTIME_TOKENS.items() if lang != "php" for t in tokens if t in stage_text]


LARAVEL: dict[str, Any] = dict(
    framework="laravel", document_root="public", front_controller="index.php", console="artisan",
    cache_commands=("config:cache", "route:cache", "view:cache"), composer_scripts=("post-autoload-dump",),
    scripts_need_code=True)


def laravel(*extra: Finding, **facts: Any) -> AppSpec:
    findings = [ext("gd", "composer.json require ext-gd"), ext("redis", "REDIS_CLIENT=phpredis", 20),
                ext("pdo_mysql", "DB_CONNECTION=mysql", 30), ext("mbstring", "composer.json require ext-mbstring"),
                base.system_package("php7.4-gd", Src("shell", "deploy.sh", 4), I, stage="runtime"),
                base.system_package("ghostscript", Src("shell", "deploy.sh", 4), I, stage="runtime"),
                base.build_step("npm run production", Src("deployer", "deploy.php", 30)),
                base.build_step("php artisan storage:link", Src("deployer", "deploy.php", 31)),
                base.env_var("APP_KEY", Src("php_code", "config/app.php", 5), required=True, secret=True),
                base.env_var("APP_ENV", Src("php_code", "config/app.php", 7), default="local"),
                base.health_check("/up", Src("php_code", "routes/web.php", 3), I), *extra]
    return php_spec(*findings, **{**LARAVEL, **facts})


def test_laravel_builds_in_three_stages_and_only_the_app_reaches_the_final_image(tmp_path: Path) -> None:
    s = laravel()
    s = dataclasses.replace(s, files_read=("composer.json", "composer.lock", "package.json", "package-lock.json"))
    text = dockerfile.render(s)
    base_stage, build, final = stages(text)
    assert base_stage.startswith("php:8.2-apache AS base") and build.startswith("base AS build")
    assert final.startswith("base\n")
    # Composer: the lock before the code, the class map after it, in the build stage only
    assert build.index("COPY composer.json composer.lock ./") < build.index("composer install --no-dev") \
        < build.index("COPY . .") < build.index("composer dump-autoload --optimize --no-dev --classmap-authoritative")
    assert "--no-scripts --no-autoloader" in build and "COMPOSER_ALLOW_SUPERUSER=1" in build
    assert "composer" not in final.lower() and "COMPOSER_ALLOW_SUPERUSER" not in base_stage
    # the post-autoload-dump script (package:discover) needs the code: dump-autoload runs it, once
    assert "APP_KEY=build-only-placeholder composer dump-autoload" in build and "run-script" not in build
    # node for the assets in the build stage, node_modules gone in the same layer
    assert "nodejs" in build and build.index("npm ci") < build.index("COPY . .")
    assert "npm run production \\\n && rm -rf node_modules" in build
    # the build gets placeholders for what the app requires only: its env() defaults cover the rest
    assert "RUN APP_KEY=build-only-placeholder npm run production" in build and "APP_ENV=" not in build
    assert "php artisan storage:link" in build
    assert foreign(final) == [] and foreign(base_stage) == []
    assert "COPY --from=build /app /app" in final
    assert "USER 10001:10001" in final and "EXPOSE 8080" in final
    assert final.rstrip().endswith('CMD ["/usr/local/bin/app-start", "apache2-foreground"]')
    assert hadolint(text, tmp_path) == ""


def test_extensions_compile_in_one_layer_and_their_dev_packages_are_purged() -> None:
    text = dockerfile.render(laravel())
    run = next(b for b in text.split("\n# ") if "docker-php-ext-install" in b)
    assert run.count("RUN ") == 1
    assert "apt-get install -y --no-install-recommends libfreetype6-dev libjpeg62-turbo-dev libpng-dev" in run
    assert "docker-php-ext-configure gd --with-freetype --with-jpeg" in run
    assert 'docker-php-ext-install -j "$(nproc)" gd pdo_mysql' in run
    assert "pecl install redis-6.1.0" in run and "docker-php-ext-enable opcache redis" in run
    assert "mbstring" not in run.split("RUN ", 1)[1]  # compiled into the image
    for cleanup in ("apt-mark auto '.*'", "xargs -r dpkg-query --search", "apt-get purge -y --auto-remove",
                    "rm -rf /var/lib/apt/lists/*", "rm -rf /tmp/pear"):
        assert cleanup in run
    # each extension's reason, with where it was found
    assert "#   gd: composer.json require ext-gd (composer.json:12)" in text
    assert "#   redis (PECL): REDIS_CLIENT=phpredis (composer.json:20)" in text
    assert 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]' in text


def test_php_packages_of_the_legacy_box_are_evidence_not_apt_packages() -> None:
    s = laravel()
    assert [p for p, _ in s.runtime_packages] == ["ghostscript"]
    assert ("gd", "composer.json require ext-gd (composer.json:12)") in s.php_extensions
    assert any("`php7.4-gd`" in n and "left out" in n for n in s.notes)
    assert not any("ext-gd" in n for n in s.notes)
    text = dockerfile.render(s)
    assert "php7.4-gd" not in text and "      ext-gd" not in text  # named only as a reason


@pytest.mark.parametrize(("version", "configure", "redis"), [
    ("7.3", "--with-freetype-dir=/usr/include/ --with-jpeg-dir=/usr/include/", "redis-5.3.7"),
    ("8.3", "--with-freetype --with-jpeg", "redis-6.1.0"),
])
def test_extension_builds_follow_the_php_version(version: str, configure: str, redis: str) -> None:
    block = php_extensions.install_block([("gd", "x"), ("redis", "y"), ("zip", "z")], version) or ""
    assert configure in block and f"pecl install {redis}" in block
    assert ("--with-libzip" in block) == (version == "7.3")


def test_only_opcache_needs_no_compiler_and_php_85_has_it_built_in() -> None:
    assert php_extensions.install_block(php_extensions.needed((("opcache", "prod"),), "8.3"), "8.3") \
        .endswith("RUN docker-php-ext-enable opcache")  # type: ignore[union-attr]
    assert php_extensions.needed((("opcache", "prod"), ("json", "c"), ("ext-intl", "i")), "8.5") == [("intl", "i")]


def test_php_ini_and_apache_carry_the_legacy_settings_with_their_origins(tmp_path: Path) -> None:
    text = dockerfile.render(laravel(php_ini=("memory_limit=256M", "upload_max_filesize=64M", "bogus=a'b"),
                                     max_workers=20, request_timeout=90))
    assert 'mv "$PHP_INI_DIR/php.ini-production" "$PHP_INI_DIR/php.ini"' in text
    assert "'memory_limit = 256M'" in text and "'upload_max_filesize = 64M'" in text
    assert "'post_max_size = 64M'" in text and "'max_execution_time = 90'" in text
    assert "bogus" not in text  # a value that is not a plain php.ini value is not written
    assert "'opcache.validate_timestamps = 0'" in text and "'expose_php = Off'" in text
    assert "'; composer.json:5 (declared)'" in text
    assert "immutable in the image" in text
    for line in ("Timeout 90", "LimitRequestBody 67108864", "MaxRequestWorkers 20", "ServerLimit 20",
                 "ServerTokens Prod", "AllowOverride All", "Require all granted", "FallbackResource /index.php"):
        assert f"'{line}'" in text or f"'    {line}'" in text, line
    assert "Listen 8080" in text and "<VirtualHost *:8080>" in text and "a2enmod rewrite headers" in text
    assert "ENV APACHE_DOCUMENT_ROOT=/app/public" in text
    assert hadolint(text, tmp_path) == ""


def test_nginx_body_size_is_the_upload_limit_when_php_ini_has_none() -> None:
    ingress = base.ingress("shop.example.com", Src("nginx", "deploy/nginx/shop.conf", 4), max_body_size="20m")
    text = dockerfile.render(php_spec(ingress, framework="plain", document_root="."))
    assert "'upload_max_filesize = 20M'" in text and "LimitRequestBody 20971520" in text
    assert "'; deploy/nginx/shop.conf:4" in text
    assert "FallbackResource" not in text  # no front controller
    assert "ENV APACHE_DOCUMENT_ROOT=/app\n" in text


def test_cache_commands_run_at_start_through_a_shellcheck_clean_script(tmp_path: Path) -> None:
    s = laravel(base.process("queue", Src("supervisor", "deploy/supervisor/queue.conf", 2), role="worker",
                             command="php artisan queue:work --tries=3"))
    text = dockerfile.render(s)
    block = next(b for b in text.split("\nRUN ") if "/usr/local/bin/app-start" in b and "printf" in b)
    script = "\n".join(re.findall(r"^\s+'(.*)'(?: \\| >)", block, flags=re.MULTILINE))
    assert script.splitlines() == ["#!/bin/sh", "set -eu", "php artisan config:cache", "php artisan route:cache",
                                   "php artisan view:cache", 'exec "$@"']
    if shutil.which("shellcheck"):
        path = tmp_path / "app-start"
        path.write_text(script + "\n")
        assert subprocess.run(["shellcheck", str(path)], capture_output=True, check=False).returncode == 0
    assert "config:cache bakes the environment" in text and "config:cache" not in stages(text)[1]
    by_role = {p.role: p.argv for p in s.processes}
    assert by_role["web"] == ("/usr/local/bin/app-start", "apache2-foreground")
    assert by_role["worker"][0] == "/usr/local/bin/app-start" and "queue:work" in by_role["worker"]
    plain = php_spec(framework="plain")
    assert plain.processes[0].argv == ("apache2-foreground",)
    assert "app-start" not in dockerfile.render(plain)


def test_committed_vendor_means_no_composer_and_one_stage(tmp_path: Path) -> None:
    s = php_spec(framework="plain", document_root=".", vendor_committed=True, lockfile=None)
    text = dockerfile.render(s)
    assert len(stages(text)) == 1 and "composer install" not in text and "composer:2" not in text
    assert "vendor/ is committed" in text and "COPY . ." in text
    assert "vendor" not in dockerfile.dockerignore(s).splitlines()
    assert hadolint(text, tmp_path) == ""


def test_no_lock_warns_and_installs_from_composer_json_only(tmp_path: Path) -> None:
    text = dockerfile.render(php_spec(framework="slim", document_root="public", lockfile=None))
    assert "# no composer.lock: the package versions are resolved at build time" in text
    assert "COPY composer.json ./" in text and "COPY composer.json composer.lock" not in text
    assert "--no-scripts" in text.split("dump-autoload", 1)[1].split("\n", 1)[0]  # no scripts: none run
    assert hadolint(text, tmp_path) == ""


def test_health_check_goes_through_apache_with_php() -> None:
    text = dockerfile.render(laravel())
    assert '"php", "-r"' in text and 'http://127.0.0.1:8080/up' in text
    assert "file_get_contents" in text and "health check /up through Apache: routes/web.php:3" in text
    tcp = dockerfile.render(php_spec(framework="plain"))
    assert 'fsockopen(\\"127.0.0.1\\", 8080)' in tcp


def test_the_pods_mount_emptydirs_where_apache_and_laravel_write() -> None:
    s = laravel()
    scratch = {v.mount_path: v for v in s.volumes if v.storage == "emptyDir"}
    for path in ("/var/run/apache2", "/var/lock/apache2", "/app/storage/framework/views", "/app/storage/logs",
                 "/app/bootstrap/cache"):
        assert path in scratch, path
    c = k8s_pod.container(s, "web", s.web.argv, s.web.resources, process=s.web)  # type: ignore[union-attr]
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert {"/tmp", "/var/run/apache2", "/var/lock/apache2", "/app/bootstrap/cache"} <= mounts
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    pod = k8s_pod.pod_spec(s, [c])
    assert {v["name"] for v in pod["volumes"]} >= {"shop-apache-run", "shop-apache-lock", "shop-laravel-bootstrap"}
    # an app volume at a path wins over the image's emptyDir there
    claimed = laravel(base.volume("storage/logs", Src("deployer", "deploy.php", 12), purpose="logs"))
    assert [v.storage for v in claimed.volumes if v.mount_path == "/app/storage/logs"] == ["pvc"]
    # the Dockerfile makes the same directories the app user's
    text = dockerfile.render(s)
    assert "chown -R 10001:10001 /var/run/apache2 /var/lock/apache2 /app/storage/framework/cache" in text


def test_web_memory_is_the_worker_pool_bounded() -> None:
    s = laravel(php_ini=("memory_limit=128M",), max_workers=8)
    r = s.web.resources  # type: ignore[union-attr]
    assert (r.memory_limit, r.memory_request) == ("1088Mi", "1088Mi")
    assert "8 Apache workers" in r.origins["memory_limit"] and "memory_limit 128M" in r.origins["memory_limit"]
    big = laravel(php_ini=("memory_limit=512M",), max_workers=50).web.resources  # type: ignore[union-attr]
    assert big.memory_limit == "2048Mi" and "bounded to 256Mi..2048Mi" in big.origins["memory_limit"]
    legacy = laravel(base.process("web", Src("systemd", "web.service", 3), role="web", memory_limit="768Mi"))
    assert legacy.web.resources.memory_limit == "768Mi"  # type: ignore[union-attr]


def test_php_end_of_life() -> None:
    assert "8.1 reached its end of life on 2025-12-31" in (end_of_life(BaseImage("php:8.1-apache", "php", "8.1", ""))
                                                            or "")
    assert end_of_life(BaseImage("php:8.2-apache", "php", "8.2", "")) is None  # ends 2026-12-31
    assert end_of_life(BaseImage("php:8.3-apache", "php", "8.3", "")) is None
    text = dockerfile.render(php_spec(version="7.4", framework="plain"))
    assert text.startswith("# Generated") and "FROM php:7.4-apache" in text and "end of life: PHP 7.4" in text


def test_dockerignore_keeps_env_files_caches_and_uploads_out() -> None:
    lines = dockerfile.dockerignore(laravel()).splitlines()
    for line in ("vendor", "node_modules", ".env", "storage/logs/*", "storage/framework/views/*",
                 "bootstrap/cache/*.php", "wp-content/uploads", ".phpunit.result.cache"):
        assert line in lines, line
    assert "tests" not in lines


def test_apache_listens_on_8080_whatever_the_legacy_port_unless_migrate_toml_says() -> None:
    s = spec([base.runtime(COMPOSER, language="php", version="8.2", framework="plain"),
              *minimal_web("apache2-foreground", port=80)], name="shop")
    assert s.port == 8080 and "legacy port 80" in s.web.port.origin  # type: ignore[union-attr]
    assert "Listen 8080" in dockerfile.render(s)
    chosen = spec([base.runtime(COMPOSER, language="php", version="8.2"), *minimal_web("apache2-foreground", port=80)],
                  GenerateSettings(port=9000), name="shop")
    assert chosen.port == 9000 and "Listen 9000" in dockerfile.render(chosen)


def test_extensions_without_a_known_build_are_said_not_installed() -> None:
    s = php_spec(ext("xdebug", "composer.json require-dev"), ext("swoole", "composer.json require ext-swoole"),
                 ext("igbinary", "php8.1-igbinary in deploy.sh"), framework="plain")
    text = dockerfile.render(s)
    assert "pecl install igbinary-3.2.16" in text and "pecl install xdebug" not in text
    assert "# not installed: swoole" in text and "# not installed: xdebug" in text
    assert any("`swoole`" in n and "not installed" in n for n in s.notes)


def test_migration_md_explains_the_shape_the_cache_commands_and_one_schedule_run_cronjob() -> None:
    findings = [base.runtime(COMPOSER, language="php", version="8.2", **LARAVEL, max_workers=12),
                *minimal_web("apache2-foreground", port=8080), ext("gd", "composer.json require ext-gd"),
                base.schedule("schedule-run", Src("cron", "deploy/crontab", 1), schedule="* * * * *",
                              command="php artisan schedule:run"),
                base.schedule("schedule-run:emails:send", Src("php_schedules", "app/Console/Kernel.php", 18),
                              schedule="0 2 * * *", via="schedule:run")]
    m = model(findings, name="shop")
    s = build_spec(m, GenerateSettings())
    text = migration_md.generate(m, s, []).content
    assert "## PHP: one Apache + mod_php image" in text and "php-fpm and nginx as two containers" in text
    assert "| `pm.max_children` / `MaxRequestWorkers` | MaxRequestWorkers 12 | composer.json:5 (declared) |" in text
    assert "- `gd`: composer.json require ext-gd (composer.json:12)" in text
    assert "not at build: `config:cache` writes the environment" in text
    assert "One schedule:run CronJob runs every Kernel.php entry (1 found)" in text
    assert "- `emails:send`: `0 2 * * *` (app/Console/Kernel.php:18)" in text
    assert [c.name for c in s.schedules] == ["shop-schedule-run"]  # the Kernel entry gets no CronJob of its own


def test_symfony_runs_in_prod_with_an_empty_dotenv(tmp_path: Path) -> None:
    text = dockerfile.render(php_spec(framework="symfony", document_root="public", front_controller="index.php",
                                      console="bin/console", composer_scripts=("post-install-cmd",),
                                      scripts_need_code=True))
    base_stage, build, _ = stages(text)
    assert "APP_ENV=prod" in base_stage and "APP_DEBUG=0" in base_stage
    assert build.index("COPY . .") < build.index("RUN touch .env") < build.index("composer run-script post-install-cmd")
    assert "dump-autoload --optimize --no-dev --classmap-authoritative" in build
    assert ".env" in dockerfile.dockerignore(php_spec(framework="symfony")).splitlines()
    assert hadolint(text, tmp_path) == ""


def test_each_php_ini_line_cites_the_file_the_provider_merged_it_from() -> None:
    text = dockerfile.render(php_spec(framework="plain", php_ini=("memory_limit=128M", "post_max_size=8M"),
                                      php_ini_sources=("memory_limit=128M: deploy/php-fpm/www.conf:19",
                                                       "post_max_size=8M: deploy/nginx/site.conf:9")))
    assert "'; deploy/php-fpm/www.conf:19' \\\n      'memory_limit = 128M'" in text
    assert "'; deploy/nginx/site.conf:9' \\\n      'post_max_size = 8M'" in text


def test_migration_md_says_what_to_do_when_the_pool_memory_is_bounded() -> None:
    findings = [base.runtime(COMPOSER, language="php", version="8.2", framework="plain", max_workers=40,
                             php_ini=("memory_limit=256M",)), *minimal_web("apache2-foreground", port=8080)]
    m = model(findings, name="shop")
    text = migration_md.generate(m, build_spec(m, GenerateSettings()), []).content
    assert "Web pod memory 2048Mi: 40 Apache workers" in text and "lower MaxRequestWorkers" in text
