"""Tests for analyzers/deploy/envoy.py: Laravel Envoy task files (Envoy.blade.php, Envoy.php)."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import envoy
from migrator.model import Kind

SLACK = "https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/abcdefghijklmnopqrstuvwx"
DISCORD = "https://discord.com/api/webhooks/123456789012345678/abcdefABCDEF_ghijklmnop-qrstuvWXYZ0123456789abcdefghij"
DB_PW = "Pr0dDbPassw0rd!"

ENVOY = """\
    @servers(['web' => ['deploy@web1.example.com', 'deploy@web2'], 'worker' => 'deploy@wk1', 'local' => '::1'])

    @setup
        $repository = 'git@github.com:acme/shop.git';
        $app_dir = '/var/www/shop';
        $releases_dir = $app_dir . '/releases';
        $release = date('YmdHis');
        $new_release_dir = $releases_dir . '/' . $release;
        $slack = 'https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/abcdefghijklmnopqrstuvwx';
        $db_password = 'Pr0dDbPassw0rd!';
    @endsetup

    @story('deploy')
        clone_repository
        run_composer
        update_symlinks
        migrate
        restart_workers
    @endstory

    @task('clone_repository', ['on' => 'web'])
        echo 'Cloning repository'
        [ -d {{ $releases_dir }} ] || mkdir {{ $releases_dir }}
        git clone --depth 1 {{ $repository }} {{ $new_release_dir }}
    @endtask

    @task('run_composer', ['on' => 'web'])
        cd {{ $new_release_dir }}
        composer install --prefer-dist --no-scripts -q -o
        @if ($assets)
        npm ci && npm run production
        @else
        echo "no assets"
        @endif
    @endtask

    @task('update_symlinks', ['on' => 'web', 'parallel' => true])
        ln -nfs {{ $app_dir }}/storage {{ $new_release_dir }}/storage
        ln -nfs {{ $new_release_dir }} {{ $app_dir }}/current
    @endtask

    @task('migrate', ['on' => 'web', 'confirm' => true])
        cd {{ $app_dir }}/current
        php artisan migrate --force
        mysql -uroot -p{{ $db_password }} -e 'select 1'
    @endtask

    @task('restart_workers', ['on' => 'worker'])
        cd {{ $app_dir }}/current
        php artisan queue:restart
        nohup php artisan queue:work --tries=3 > /dev/null 2>&1 &
    @endtask

    @task('seed', ['on' => 'web'])
        cd {{ $app_dir }}/current && php artisan db:seed --force
    @endtask

    @finished
        @slack($slack, '#deployments', "Deployed {{ $release }}")
    @endfinished

    @error
        @discord('https://discord.com/api/webhooks/123456789012345678/abcdefABCDEF_ghijklmnop-qrstuvWXYZ0123456789abcdefghij')
    @enderror
    """


def test_story_runs_tasks_in_order_with_setup_values(run_analyzer: Any) -> None:
    result = run_analyzer(envoy, {"Envoy.blade.php": ENVOY})
    migrate = result.one(Kind.RELEASE_STEP, "php artisan migrate --force")
    assert (migrate.source.file, migrate.source.line) == ("Envoy.blade.php", 44)
    assert migrate.fields["cwd"] == "/var/www/shop/current" and migrate.fields["roles"] == "web"
    assert migrate.fields["task"] == "migrate" and migrate.fields["deploy_phase"] == "deploy"
    composer = next(f for f in result.of(Kind.HOST_STEP) if f.key.startswith("composer install"))
    assert composer.source.line == 29 and composer.fields["task"] == "run_composer"
    clone = next(f for f in result.of(Kind.HOST_STEP) if f.key.startswith("git clone"))
    assert clone.key == "git clone --depth 1 git@github.com:acme/shop.git /var/www/shop/releases/${release}"
    assert clone.source.line == 24
    link = next(f for f in result.of(Kind.HOST_STEP) if f.key.endswith("/var/www/shop/current"))
    assert link.fields["parallel"] is True and link.source.line == 39
    steps = [f.source.line for f in result.findings if f.kind in (Kind.RELEASE_STEP, Kind.BUILD_STEP, Kind.HOST_STEP)
             and "task" in f.fields]
    assert steps == sorted(steps)  # the story's order (here also the file's)
    restart = result.one(Kind.HOST_STEP, "php artisan queue:restart")
    assert restart.fields["roles"] == "worker" and restart.source.line == 50


def test_if_branches_are_read_and_conditional(run_analyzer: Any) -> None:
    result = run_analyzer(envoy, {"Envoy.blade.php": ENVOY})
    build = result.one(Kind.BUILD_STEP, "npm run production")
    assert build.source.line == 31 and build.fields["condition"] == "@if ($assets)"
    assert "condition" not in next(f for f in result.of(Kind.HOST_STEP) if f.key.startswith("composer")).fields


def test_task_outside_the_story_is_run_by_hand(run_analyzer: Any) -> None:
    result = run_analyzer(envoy, {"Envoy.blade.php": ENVOY})
    seed = result.one(Kind.UNCLASSIFIED, "php artisan db:seed --force")
    assert seed.source.line == 55 and "envoy run seed" in seed.fields["reason"]
    assert not result.of(Kind.RELEASE_STEP, "php artisan db:seed --force")


def test_servers_become_replicas_per_role(run_analyzer: Any) -> None:
    result = run_analyzer(envoy, {"Envoy.blade.php": ENVOY})
    hints = {f.key: f for f in result.of(Kind.PROCESS) if "replicas" in f.fields}
    assert hints["web"].fields["replicas"] == 2 and hints["web"].source.line == 1
    assert hints["worker"].fields["replicas"] == 1  # the queue worker started on the worker role's host
    worker = next(f for f in result.of(Kind.PROCESS, "worker") if "command" in f.fields)
    assert worker.fields["command"] == "php artisan queue:work --tries=3" and worker.source.line == 51


def test_notifications_and_secrets_reported_where_never_what(run_analyzer: Any) -> None:
    result = run_analyzer(envoy, {"Envoy.blade.php": ENVOY})
    assert {(s.name, s.line, s.kind) for s in result.secrets} >= {
        ("$slack", 9, "slack_webhook"), ("$db_password", 10, "password"), ("@discord webhook", 63, "discord_webhook")}
    slack = result.one(Kind.HOST_STEP, "@slack")
    assert slack.source.line == 59 and slack.fields["hook"] == "@finished"
    mysql = next(f for f in result.findings if f.key.startswith("mysql "))
    assert "${db_password}" in mysql.key  # the secret is never substituted into the command
    text = repr(result.items)
    for secret in (SLACK, DISCORD, DB_PW, "abcdefghijklmnopqrstuvwx"):
        assert secret not in text


def test_envoy_php_without_story_runs_the_deploy_task(run_analyzer: Any) -> None:
    text = """\
        @servers([
            'web' => 'deploy@app.example.com',
            'local' => '127.0.0.1',
        ])
        @setup
            $path = getenv('APP_PATH');
        @endsetup
        @task('deploy', ['on' => 'web'])
            cd {{ $path }}
            git pull origin {{ $branch ?? 'master' }}
            php artisan migrate --force
        @endtask
        @task('assets', ['on' => 'local'])
            npm run production
        @endtask
        """
    result = run_analyzer(envoy, {"Envoy.php": text})
    migrate = result.one(Kind.RELEASE_STEP, "php artisan migrate --force")
    assert migrate.fields["cwd"] == "${APP_PATH}" and migrate.source.line == 11
    pull = next(f for f in result.of(Kind.HOST_STEP) if f.key.startswith("git pull"))
    assert pull.key == "git pull origin master"
    assets = result.one(Kind.UNCLASSIFIED, "npm run production")
    assert assets.fields["runs_on"] == "local" and "envoy run assets" in assets.fields["reason"]
    web = next(f for f in result.of(Kind.PROCESS, "web") if "replicas" in f.fields)
    assert web.fields["replicas"] == 1


def test_import_reads_another_envoy_file(run_analyzer: Any) -> None:
    main = """\
        @import('deploy/Envoy.blade.php')
        @story('deploy')
            migrate
            missing
        @endstory
        """
    other = """\
        @task('migrate')
            php /srv/app/current/artisan migrate --force
        @endtask
        """
    result = run_analyzer(envoy, {"Envoy.blade.php": main, "deploy/Envoy.blade.php": other})
    migrate = result.one(Kind.RELEASE_STEP, "php /srv/app/current/artisan migrate --force")
    assert (migrate.source.file, migrate.source.line) == ("deploy/Envoy.blade.php", 2)
    assert any("'missing'" in w.message and w.line == 2 for w in result.warnings)


def test_no_envoy_file(run_analyzer: Any) -> None:
    assert run_analyzer(envoy, {"deploy.sh": "echo hi\n"}).items == []
