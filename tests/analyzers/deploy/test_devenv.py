"""analyzers/deploy/devenv.py: Laravel Sail's published runtime and its compose service are a developer's
environment; the compose, Dockerfile and supervisor readers skip them and say so."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import compose, devenv, dockerfile, supervisor
from migrator.model import Kind

SAIL = {
    "artisan": "#!/usr/bin/env php\n<?php\n",
    "docker/8.1/Dockerfile": "FROM ubuntu:22.04\nRUN apt-get install -y php8.1-cli php8.1-swoole\n"
                             "EXPOSE 8000\nENTRYPOINT [\"start-container\"]\n",
    "docker/8.1/start-container": "#!/usr/bin/env bash\n"
                                  "exec /usr/bin/supervisord -c /etc/supervisor/conf.d/supervisord.conf\n",
    "docker/8.1/supervisord.conf": "[supervisord]\nnodaemon=true\n\n[program:php]\n"
                                   "command=/usr/bin/php -d variables_order=EGPCS /var/www/html/artisan serve "
                                   "--host=0.0.0.0 --port=80\nuser=sail\n",
    "docker-compose.yml": "services:\n  laravel.test:\n    build:\n      context: ./docker/8.1\n"
                          "    image: sail-8.1/app\n    ports:\n      - '${APP_PORT:-80}:80'\n"
                          "  redis:\n    image: 'redis:alpine'\n",
    "deploy/worker.conf": "[program:worker]\ncommand=php /srv/app/current/artisan queue:work\n",
}


def test_sail_runtime_dirs_need_all_three_files(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, SAIL)
    assert devenv.dirs(result.repo) == {"docker/8.1"}


def test_a_repos_own_start_container_script_is_not_sail(run_analyzer: Any) -> None:
    lone = run_analyzer(supervisor, {"bin/start-container": "#!/bin/sh\nexec php -S 0.0.0.0:80\n",
                                     "bin/Dockerfile": "FROM php:8.2-cli\n"})
    assert devenv.dirs(lone.repo) == frozenset()


def test_supervisor_reads_the_production_programs_only(run_analyzer: Any) -> None:
    result = run_analyzer(supervisor, SAIL)
    assert {p.key for p in result.of(Kind.PROCESS)} == {"worker"}
    assert any("Laravel Sail" in w.message and w.file == "docker/8.1/supervisord.conf" for w in result.warnings)


def test_dockerfile_and_compose_skip_sail_but_keep_its_backing_services(run_analyzer: Any) -> None:
    image = run_analyzer(dockerfile, SAIL)
    assert not image.of(Kind.PROCESS) and not image.of(Kind.SYSTEM_PACKAGE)
    services = run_analyzer(compose, SAIL)
    assert not services.of(Kind.PROCESS)
    assert {s.key for s in services.of(Kind.SERVICE)} == {"redis"}
    assert any("laravel.test" in w.message for w in services.warnings)
