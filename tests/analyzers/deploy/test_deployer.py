"""Tests for analyzers/deploy/deployer/: Deployer 6 and 7 deploy.php files and a Deployer 7 deploy.yaml."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import deployer
from migrator.model import Kind

MAIL_PW = "Sup3rS3cretMailPw!"
DUMP_PW = "Hunter2Secret"
TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
SLACK = "https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/abcdefghijklmnopqrstuvwx"

LARAVEL7 = """\
    <?php
    namespace Deployer;

    require 'recipe/laravel.php';
    require 'contrib/npm.php';

    set('application', 'shop');
    set('repository', 'git@github.com:acme/shop.git');
    set('keep_releases', 5);
    set('mail_password', 'Sup3rS3cretMailPw!');

    add('shared_files', ['config/oauth-private.key']);
    add('shared_dirs', [
        'public/uploads',
    ]);
    add('writable_dirs', ['public/uploads']);

    host('shop1.example.com')
        ->setRemoteUser('deploy')
        ->setLabels(['stage' => 'production', 'role' => 'web'])
        ->set('deploy_path', '/var/www/shop');
    host('shop2.example.com')
        ->setRemoteUser('deploy')
        ->setLabels(['stage' => 'production', 'role' => 'web'])
        ->set('deploy_path', '/var/www/shop');
    host('worker1.example.com')
        ->setLabels(['stage' => 'production', 'role' => 'worker'])
        ->set('deploy_path', '/var/www/shop');
    host('staging.example.com')
        ->setLabels(['stage' => 'staging'])
        ->set('deploy_path', '/var/www/shop-staging');

    task('build:assets', function () {
        cd('{{release_path}}');
        run('npm run production');
    });

    task('horizon:terminate', function () {
        run('{{bin/php}} {{release_path}}/artisan horizon:terminate');
    })->select('role=worker');

    task('db:backup', function () {
        run('mysqldump -uroot -pHunter2Secret shop > /tmp/backup.sql');
    });

    after('deploy:vendors', 'npm:install');
    after('npm:install', 'build:assets');
    after('deploy:symlink', 'artisan:queue:restart');
    after('deploy:publish', 'horizon:terminate');
    after('deploy:failed', 'deploy:unlock');
    """

LARAVEL6 = """\
    <?php
    namespace Deployer;

    require 'recipe/laravel.php';

    set('application', 'blog');
    set('repository', 'https://deploy:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/blog.git');
    set('git_tty', true);
    add('shared_files', []);
    add('writable_dirs', []);

    host('blog.example.com')
        ->stage('production')
        ->roles('app')
        ->user('deploy')
        ->set('deploy_path', '/home/deploy/blog');
    host('blog-staging.example.com')
        ->stage('staging')
        ->set('deploy_path', '/home/deploy/blog-staging');

    task('build', function () {
        run('cd {{release_path}} && build');
    });

    after('deploy:failed', 'deploy:unlock');
    before('deploy:symlink', 'artisan:migrate');
    """

COMMON7 = """\
    <?php
    namespace Deployer;

    require 'recipe/common.php';

    set('repository', 'git@example.com:acme/legacy.git');
    set('shared_files', ['config/parameters.php']);
    set('shared_dirs', ['var/log', 'web/uploads']);
    set('writable_dirs', ['var/cache', 'var/log']);

    host('app1.example.com')
        ->setHostname('10.0.0.5')
        ->setLabels(['stage' => 'prod', 'role' => 'web'])
        ->setDeployPath('/srv/legacy');
    localhost()->set('deploy_path', '/tmp/legacy');

    desc('Build assets');
    task('deploy:assets', function () {
        within('{{release_path}}', function () {
            run('yarn install --frozen-lockfile');
            run('yarn run build');
        });
    })->once();

    task('php-fpm:restart', function () {
        if (get('reload_only')) {
            run('sudo systemctl reload php7.4-fpm');
        } else {
            run('sudo systemctl restart php7.4-fpm');
        }
    });

    task('deploy', [
        'deploy:prepare',
        'deploy:vendors',
        'deploy:assets',
        'deploy:publish',
    ]);
    after('deploy:publish', 'php-fpm:restart');
    """

YAML7 = """\
    import:
      - recipe/laravel.php
      - contrib/npm.php

    config:
      repository: 'git@github.com:acme/shop.git'
      keep_releases: 4
      slack_webhook: 'https://hooks.slack.com/services/T01ABCDEF/B02GHIJKL/abcdefghijklmnopqrstuvwx'
      shared_files:
        - .env
        - auth.json

    hosts:
      prod:
        hostname: shop.example.com
        remote_user: deploy
        deploy_path: /var/www/shop
        labels:
          stage: production

    tasks:
      build:
        - cd: '{{release_path}}'
        - run: 'npm run build'

    after:
      deploy:vendors: npm:install
      npm:install: build
      deploy:failed: deploy:unlock
    """


def _no_secrets(result: Any, *secrets: str) -> None:
    text = repr(result.items)
    for secret in secrets:
        assert secret not in text


def test_deployer7_laravel_recipe_flow_steps_in_order(run_analyzer: Any) -> None:
    result = run_analyzer(deployer, {"deploy.php": LARAVEL7})
    migrate = result.one(Kind.RELEASE_STEP, "php /var/www/shop/current/artisan migrate --force")
    assert (migrate.source.file, migrate.source.line) == ("deploy.php", 4)  # the recipe's require line
    assert migrate.fields["task"] == "artisan:migrate" and migrate.fields["deploy_phase"] == "deploy"
    composer = next(f for f in result.of(Kind.HOST_STEP) if f.key.startswith("composer install"))
    assert composer.key == ("composer install --verbose --prefer-dist --no-progress --no-interaction --no-dev "
                            "--optimize-autoloader")
    assert composer.fields["cwd"] == "/var/www/shop/current"
    assert {f.key.rsplit(" ", 1)[-1] for f in result.of(Kind.HOST_STEP) if "artisan" in f.key} == {
        "config:cache", "route:cache", "view:cache", "event:cache", "queue:restart", "horizon:terminate"}
    link = result.one(Kind.BUILD_STEP, "php /var/www/shop/current/artisan storage:link")
    assert link.source.line == 4
    assets = result.one(Kind.BUILD_STEP, "npm run production")
    assert assets.source.line == 35 and assets.fields["hook"] == "after npm:install"
    assert assets.fields["cwd"] == "/var/www/shop/current" and assets.fields["task"] == "build:assets"
    npm = result.one(Kind.HOST_STEP, "npm ci")
    assert npm.source.line == 46 and npm.fields["hook"] == "after deploy:vendors"
    restart = result.one(Kind.HOST_STEP, "php /var/www/shop/current/artisan queue:restart")
    assert restart.source.line == 48 and restart.fields["hook"] == "after deploy:symlink"
    horizon = result.one(Kind.HOST_STEP, "php /var/www/shop/current/artisan horizon:terminate")
    assert horizon.fields["roles"] == "worker" and horizon.source.line == 39
    steps = [f for f in result.findings if f.kind in (Kind.RELEASE_STEP, Kind.BUILD_STEP, Kind.HOST_STEP)]
    order = [f.key.rsplit(" ", 1)[-1] for f in steps]
    assert order.index("ci") < order.index("production") < order.index("storage:link") < order.index("--force")


def test_deployer7_settings_hosts_and_volumes(run_analyzer: Any) -> None:
    result = run_analyzer(deployer, {"deploy.php": LARAVEL7, ".env.example": "APP_KEY=\nDB_PASSWORD=\nDB_HOST=db\n"})
    facts = {k: (v, f.source.line) for f in result.of(Kind.RUNTIME) for k, v in f.fields.items()}
    assert facts["deploy_tool"] == ("deployer 7", 18)
    assert facts["deploy_stage"][0] == "production" and "over staging" in facts["deploy_stage_reason"][0]
    assert facts["legacy_app_dir"] == ("/var/www/shop/current", 18)
    assert facts["keep_releases"] == (5, 9)
    assert facts["application"][0] == "shop" and facts["repo_url"][0] == "git@github.com:acme/shop.git"
    volumes = {v.key: v for v in result.of(Kind.VOLUME)}
    key = volumes["config/oauth-private.key"]
    assert (key.fields["storage"], key.fields["purpose"], key.source.line) == ("secret", "linked_file", 12)
    assert key.fields["linked_from"] == "/var/www/shop/shared/config/oauth-private.key"
    assert volumes["storage"].source.line == 4 and "storage" not in volumes["storage"].fields  # a claim
    assert volumes["public/uploads"].fields["purpose"] == "uploads" and volumes["public/uploads"].source.line == 14
    cache = volumes["bootstrap/cache"]
    assert (cache.fields["storage"], cache.source.line) == ("emptyDir", 4)
    assert not any(k.startswith("storage/") for k in volumes)  # inside the shared storage claim
    env = {e.key: e for e in result.of(Kind.ENV)}
    assert env["DB_PASSWORD"].fields["secret"] is True and env["DB_HOST"].source.line == 4
    web = result.one(Kind.PROCESS, "web")
    assert web.fields["replicas"] == 2 and "role web" in web.fields["replicas_hint_from"]


def test_deployer7_manual_task_and_secrets_never_copied(run_analyzer: Any) -> None:
    result = run_analyzer(deployer, {"deploy.php": LARAVEL7})
    backup = next(f for f in result.of(Kind.UNCLASSIFIED) if f.key.startswith("mysqldump"))
    assert "dep db:backup" in backup.fields["reason"] and backup.source.line == 43
    assert {(s.name, s.line) for s in result.secrets} >= {("mail_password", 10), ("mysqldump -p", 43)}
    _no_secrets(result, MAIL_PW, DUMP_PW)


def test_deployer6_laravel_recipe_and_hooks(run_analyzer: Any) -> None:
    result = run_analyzer(deployer, {"deploy.php": LARAVEL6})
    runtime = next(f for f in result.of(Kind.RUNTIME) if "deploy_tool" in f.fields)
    assert runtime.fields["deploy_tool"] == "deployer 6" and "->stage()" in runtime.fields["deploy_tool_version_reason"]
    assert runtime.fields["deploy_stage"] == "production" and runtime.source.line == 12
    composer = next(f for f in result.of(Kind.HOST_STEP) if f.key.startswith("composer install"))
    assert composer.fields["cwd"] == "/home/deploy/blog/current"
    migrate = result.one(Kind.RELEASE_STEP, "php /home/deploy/blog/current/artisan migrate --force")
    assert migrate.source.line == 26 and migrate.fields["hook"] == "before deploy:symlink"
    artisan = {f.key.rsplit(" ", 1)[-1] for f in result.findings if "artisan" in f.key}
    assert artisan == {"storage:link", "view:cache", "config:cache", "--force"}  # Deployer 6's list: no route:cache
    build = result.one(Kind.UNCLASSIFIED, "build")
    assert build.source.line == 22 and "dep build" in build.fields["reason"]
    web = result.one(Kind.PROCESS, "web")
    assert web.fields["replicas"] == 1 and web.source.line == 12
    _no_secrets(result, TOKEN)


def test_common_recipe_with_custom_tasks(run_analyzer: Any) -> None:
    composer_json = '{"require-dev": {"deployer/deployer": "^7.3"}}'
    result = run_analyzer(deployer, {"deploy.php": COMMON7, "composer.json": composer_json})
    runtime = next(f for f in result.of(Kind.RUNTIME) if "deploy_tool" in f.fields)
    assert runtime.fields["deploy_tool_version_reason"] == "deployer/deployer 7.x in composer.json"
    composer = next(f for f in result.of(Kind.HOST_STEP) if f.key.startswith("composer install"))
    assert composer.source.line == 35 and composer.fields["cwd"] == "/srv/legacy/current"  # its line in the group
    build = result.one(Kind.BUILD_STEP, "yarn run build")
    assert build.source.line == 21 and build.fields["cwd"] == "/srv/legacy/current"
    assert build.fields["runs_once"] is True and build.fields["task"] == "deploy:assets"
    restarts = {f.key: f for f in result.of(Kind.HOST_STEP) if "systemctl" in f.key}
    assert {k: f.source.line for k, f in restarts.items()} == {"sudo systemctl reload php7.4-fpm": 27,
                                                                "sudo systemctl restart php7.4-fpm": 29}
    assert all(f.fields["hook"] == "after deploy:publish" for f in restarts.values())
    volumes = {v.key: v for v in result.of(Kind.VOLUME)}
    assert volumes["config/parameters.php"].fields["storage"] == "secret"
    assert (volumes["var/log"].fields["purpose"], volumes["var/log"].fields["storage"]) == ("logs", "emptyDir")
    assert volumes["web/uploads"].fields["purpose"] == "uploads"
    assert volumes["var/cache"].fields["storage"] == "emptyDir" and volumes["var/cache"].source.line == 9
    assert sum(1 for v in result.of(Kind.VOLUME) if v.key == "var/log") == 1  # shared wins over writable
    app_dir = next(f for f in result.of(Kind.RUNTIME) if "legacy_app_dir" in f.fields)
    assert app_dir.fields["legacy_app_dir"] == "/srv/legacy/current"  # not localhost's /tmp/legacy
    assert not result.warnings


def test_deploy_yaml_recipes_hooks_and_secrets(run_analyzer: Any) -> None:
    result = run_analyzer(deployer, {"deploy.yaml": YAML7})
    migrate = result.one(Kind.RELEASE_STEP, "php /var/www/shop/current/artisan migrate --force")
    assert (migrate.source.file, migrate.source.line) == ("deploy.yaml", 2)
    build = result.one(Kind.BUILD_STEP, "npm run build")
    assert build.source.line == 24 and build.fields["cwd"] == "/var/www/shop/current"
    assert build.fields["hook"] == "after npm:install"
    facts = {k: (v, f.source.line) for f in result.of(Kind.RUNTIME) for k, v in f.fields.items()}
    assert facts["keep_releases"] == (4, 7) and facts["deploy_tool"][0] == "deployer 7"
    assert facts["legacy_app_dir"][0] == "/var/www/shop/current"
    auth = result.one(Kind.VOLUME, "auth.json")
    assert auth.fields["storage"] == "secret" and auth.source.line == 11
    assert [(s.name, s.line, s.kind) for s in result.secrets] == [("slack_webhook", 8, "slack_webhook")]
    _no_secrets(result, SLACK, "abcdefghijklmnopqrstuvwx")


def test_unparsable_deploy_php_warns_and_reads_the_rest(run_analyzer: Any) -> None:
    broken = LARAVEL7.replace("    task('db:backup', function () {", "    task('db:backup', function ( {")
    result = run_analyzer(deployer, {"deploy.php": broken})
    assert any(w.file == "deploy.php" and w.line and 40 <= w.line <= 45 and "syntax" in w.message
               for w in result.warnings)
    assert result.one(Kind.RELEASE_STEP, "php /var/www/shop/current/artisan migrate --force")
    _no_secrets(result, MAIL_PW, DUMP_PW)


def test_unknown_recipe_and_task_are_reported(run_analyzer: Any) -> None:
    php = """\
        <?php
        namespace Deployer;
        require 'recipe/magento2.php';
        host('m2.example.com')->set('deploy_path', '/var/www/m2');
        task('deploy', ['deploy:prepare', 'magento:compile', 'deploy:publish']);
        """
    result = run_analyzer(deployer, {"deploy.php": php})
    messages = {(w.line, w.message.split(":")[0]) for w in result.warnings}
    assert (3, "Deployer 7 recipe 'magento2' is not known") in messages
    assert any(w.line == 5 and "'magento:compile'" in w.message for w in result.warnings)


def test_not_a_deployer_file(run_analyzer: Any) -> None:
    assert run_analyzer(deployer, {"deploy.php": "<?php\necho 'deploy me';\n"}).items == []
    assert run_analyzer(deployer, {"deploy.yaml": "steps:\n  - build\n"}).items == []


def test_drupal8_recipe_settings_render_their_placeholders(run_analyzer: Any) -> None:
    php = """\
        <?php
        namespace Deployer;
        import('recipe/drupal8.php');
        set('drupal_site', 'shop');
        host('d8.example.com')->setDeployPath('/var/www/d8');
        """
    result = run_analyzer(deployer, {"deploy.php": php})
    volumes = {v.key: v for v in result.of(Kind.VOLUME)}
    assert volumes["sites/shop/settings.php"].fields["storage"] == "secret"
    assert volumes["sites/shop/settings.php"].source.line == 3  # the recipe's import
    assert volumes["sites/shop/files"].fields["purpose"] == "uploads"  # Drupal's public files
    assert "sites/default/files" not in volumes
    assert not result.of(Kind.RELEASE_STEP) and not result.warnings


def test_deployer6_inventory_hosts_give_replicas_per_role(run_analyzer: Any) -> None:
    php = """\
        <?php
        namespace Deployer;
        require 'recipe/common.php';
        inventory('hosts.yml');
        inventory('missing.yml');
        task('queue:work', function () {
            run('nohup php {{release_path}}/artisan queue:work --daemon > /dev/null 2>&1 &');
        })->onRoles('worker');
        after('deploy:symlink', 'queue:work');
        """
    hosts = """\
        web1.example.com:
          stage: production
          roles: [web]
          deploy_path: /srv/app
        web2.example.com:
          stage: production
          roles: [web]
          deploy_path: /srv/app
        jobs.example.com:
          stage: production
          roles: worker
          deploy_path: /srv/app
        """
    result = run_analyzer(deployer, {"deploy.php": php, "hosts.yml": hosts})
    hints = {f.key: f for f in result.of(Kind.PROCESS) if "replicas" in f.fields}
    assert hints["web"].fields["replicas"] == 2 and hints["web"].source.file == "hosts.yml"
    worker = next(f for f in result.of(Kind.PROCESS, "worker") if "command" in f.fields)
    assert worker.fields["roles"] == "worker" and worker.source.line == 7
    assert hints["worker"].fields["replicas"] == 1 and hints["worker"].source.line == 9
    assert any(w.line == 5 and "missing.yml" in w.message for w in result.warnings)
    runtime = next(f for f in result.of(Kind.RUNTIME) if "deploy_tool" in f.fields)
    assert runtime.fields["deploy_tool"] == "deployer 6"


def test_configuring_a_recipe_task_keeps_what_it_runs(run_analyzer: Any) -> None:
    php = """\
        <?php
        namespace Deployer;
        require 'recipe/laravel.php';
        host('a.example.com')->set('deploy_path', '/srv/a');
        task('artisan:migrate')->once();
        """
    result = run_analyzer(deployer, {"deploy.php": php})
    assert result.one(Kind.RELEASE_STEP, "php /srv/a/current/artisan migrate --force").source.line == 3


def test_host_binary_closures_give_the_images_programs(run_analyzer: Any) -> None:
    # the legacy box picked its PHP by a closure (two PHPs installed); the image has one `php`
    text = ("<?php\nnamespace Deployer;\nrequire 'recipe/laravel.php';\n"
            "set('bin/php', function () {\n    return '/usr/bin/php8.1';\n});\n"
            "set('bin/composer', function () { return locateBinaryPath('composer'); });\n"
            "host('web1.example.com')->set('deploy_path', '/var/www/shop');\n")
    result = run_analyzer(deployer, {"deploy.php": text})
    keys = [f.key for f in result.findings]
    assert "php /var/www/shop/current/artisan storage:link" in keys
    assert not [k for k in keys if "${bin_" in k or "php8.1" in k]
    assert any(k.startswith("composer install") for k in keys)


def test_a_composer_json_nested_past_the_decoder_does_not_stop_the_reader(run_analyzer: Any) -> None:
    result = run_analyzer(deployer, {"composer.json": '{"x": ' + "[" * 5000 + "]" * 5000 + "}",
                                     "deploy.php": "<?php\nnamespace Deployer;\nrequire 'recipe/laravel.php';\n"
                                                   "host('web1')->set('deploy_path', '/var/www/app');\n"})
    assert any(f.key.startswith("composer install") for f in result.findings)
