"""`migrate verify --backend docker` end to end on the PHP fixture that can be installed here:
nginx-fpm-guestbook (plain PHP 8.2 behind nginx and php-fpm on the legacy box, a supervisord worker on a Redis
list, a cron.d prune, a migration script the deploy ran), through `migrate generate`.

packagist is not reachable from this machine: the fixture carries Composer's generated vendor/ (its lock has no
packages), so the image has no Composer at all. What runs here, on the offline stand-ins of php:8.2-apache and
mariadb:10.11 (.ci/build-php-images.sh): the extension install (pdo_mysql, pcntl, opcache, phpredis through
pecl) with the build packages purged, the legacy pool and nginx settings as php.ini and Apache settings, Apache
on 8080 as UID 10001 on a read-only root filesystem with emptyDirs for its run and lock directories, the release
Job (bin/migrate.php) against MariaDB, the web health path answered through Apache, the worker staying up, and
the prune CronJob exiting 0. The composer-based fixtures (Laravel, WordPress, the Envoy app) need packagist:
their verify runs in the repo's GitHub workflow (kind.yml).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migrator import writer
from migrator.generate import generate
from migrator.verify import verify
from tests.conftest import fixture_path

from .test_fixtures_verify import _step, _why

pytestmark = pytest.mark.docker


def test_nginx_fpm_guestbook_builds_boots_and_answers_through_apache(tmp_path: Path) -> None:
    root = tmp_path / "guestbook"
    shutil.copytree(fixture_path("nginx-fpm-guestbook"), root)
    writer.write(generate(root), root)
    dockerfile = (root / "deploy/image/Dockerfile").read_text()
    assert "FROM php:8.2-apache" in dockerfile
    assert "docker-php-ext-install" in dockerfile and "pecl install redis" in dockerfile
    # vendor/ is committed: no Composer in any instruction (comments cite composer.json)
    instructions = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in instructions if "composer" in line.lower()]
    assert not any(t in dockerfile for t in ("pip ", "venv", "python", "NODE_ENV", "bundle "))
    assert "Listen 8080" in dockerfile and "MaxRequestWorkers 8" in dockerfile  # the legacy pool's 8 children
    assert 'CMD ["apache2-foreground"]' in dockerfile and "USER 10001:10001" in dockerfile
    web = (root / "deploy/k8s/base/deployment-web.yaml").read_text()
    assert "mountPath: /var/run/apache2" in web and "mountPath: /var/lock/apache2" in web
    assert "readOnlyRootFilesystem: true" in web and "path: /healthz" in web
    report = verify(root, "docker", settle=8, timeout=420)
    assert report.outcome == "verified", _why(report)
    assert "mysql" in _step(report, "start backing services").detail
    assert _step(report, "health check").detail.endswith(":8080/healthz -> 200")
    assert "worker" in _step(report, "start deployments").detail  # and it stayed up through the settle
    assert _step(report, "release job").status == "ok"
    assert _step(report, "trigger cronjob").status == "ok"
