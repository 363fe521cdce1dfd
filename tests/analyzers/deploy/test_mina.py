"""Tests for analyzers/deploy/mina.py: Mina 1.x and 0.x deploy scripts."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import mina
from migrator.model import Kind

MINA1 = """\
    require 'mina/rails'
    require 'mina/git'
    require 'mina/rbenv'

    set :application_name, 'invoicer'
    set :domain, 'billing1.example.net'
    set :deploy_to, '/home/deploy/apps/invoicer'
    set :repository, 'git@git.example.net:billing/invoicer.git'
    set :branch, 'master'
    set :keep_releases, 3
    set :rails_env, 'production'
    set :shared_dirs, fetch(:shared_dirs, []).push('log', 'tmp/pids', 'public/system')
    set :shared_files, fetch(:shared_files, []).push('config/database.yml', 'config/master.key')

    task :remote_environment do
      invoke :'rbenv:load'
    end

    task :deploy do
      deploy do
        invoke :'git:clone'
        invoke :'deploy:link_shared_paths'
        invoke :'bundle:install'
        invoke :'rails:db_migrate'
        invoke :'rails:assets_precompile'
        invoke :'deploy:cleanup'

        on :launch do
          in_path(fetch(:current_path)) do
            command %{mkdir -p tmp/}
            command %{sudo systemctl restart unicorn_#{fetch(:application_name)}}
          end
          invoke :'delayed_job:restart'
        end
      end
    end

    namespace :delayed_job do
      task :restart do
        command %{sudo /usr/bin/monit restart -g delayed_job_invoicer}
      end
    end
    """

MINA0 = """\
    require 'mina/bundler'
    require 'mina/rails'
    set :domain, 'legacy.example.net'
    set :deploy_to, '/var/www/legacy'
    set :shared_paths, ['config/database.yml', 'log', '.env']

    task :deploy => :environment do
      deploy do
        invoke :'git:clone'
        invoke :'rails:db_migrate'
        to :launch do
          queue "touch #{deploy_to}/current/tmp/restart.txt"
          queue! %[cd #{deploy_to}/current && bundle exec rake cache:warm]
        end
      end
    end
    task :environment do
    end
    """


def test_mina1_deploy_in_order_with_recipes_and_launch(run_analyzer: Any) -> None:
    result = run_analyzer(mina, {"config/deploy.rb": MINA1})
    migrate = result.one(Kind.RELEASE_STEP, "rake db:migrate")
    assert migrate.source.line == 24 and migrate.fields["env"] == "RAILS_ENV=production"
    assert migrate.fields["deploy_phase"] == "build" and migrate.fields["cwd"] == "/home/deploy/apps/invoicer/current"
    restart = result.one(Kind.HOST_STEP, "sudo systemctl restart unicorn_invoicer")
    assert restart.source.line == 31 and restart.fields["deploy_phase"] == "launch"
    assert restart.fields["cwd"] == "/home/deploy/apps/invoicer/current"
    monit = next(f for f in result.findings if "monit" in str(f.fields.get("command")))
    assert monit.source.line == 40 and monit.fields["task"] == "delayed_job:restart"
    commands = [str(f.fields.get("command")) for f in result.findings if "command" in f.fields]
    assert commands.index("rake db:migrate") < commands.index("sudo systemctl restart unicorn_invoicer")
    assert next(f for f in result.of(Kind.RUNTIME) if "legacy_app_dir" in f.fields).fields["legacy_app_dir"] == \
        "/home/deploy/apps/invoicer/current"
    assert result.one(Kind.VOLUME, "config/database.yml").fields["storage"] == "secret"
    assert result.one(Kind.ENV, "RAILS_MASTER_KEY").fields["secret"] is True
    assert result.one(Kind.VOLUME, "log").fields["storage"] == "emptyDir"
    assert result.one(Kind.VOLUME, "public/system").fields["purpose"] == "uploads"


def test_mina0_shared_paths_and_queue(run_analyzer: Any) -> None:
    result = run_analyzer(mina, {"config/deploy.rb": MINA0, ".env.example": "SECRET_KEY_BASE=\nAPP_HOST=x\n"})
    assert result.one(Kind.RELEASE_STEP, "rake db:migrate").source.line == 10
    touch = result.one(Kind.HOST_STEP, "touch /var/www/legacy/current/tmp/restart.txt")
    assert touch.fields["deploy_phase"] == "launch"
    warm = result.one(Kind.UNCLASSIFIED, "bundle exec rake cache:warm")
    assert warm.fields["cwd"] == "/var/www/legacy/current" and warm.source.line == 13
    assert result.one(Kind.VOLUME, "config/database.yml").source.line == 5
    assert result.one(Kind.VOLUME, "log").fields["purpose"] == "logs"
    assert {"SECRET_KEY_BASE", "APP_HOST"} <= set(result.keys(Kind.ENV))


def test_not_mina(run_analyzer: Any) -> None:
    assert run_analyzer(mina, {"config/deploy.rb": 'lock "3.17"\nset :application, "x"\n'}).items == []
    assert run_analyzer(mina, {"app.py": "x = 1\n"}).items == []


def test_unparsable_deploy_rb_warns(run_analyzer: Any) -> None:
    result = run_analyzer(mina, {"config/deploy.rb": "require 'mina/rails'\ntask :deploy do\n  deploy do\n(((\n"})
    assert any("syntax error" in w.message for w in result.warnings)
