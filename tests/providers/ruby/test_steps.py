"""Ruby's step rules: release, build and host commands as deploy scripts write them, each with its reason."""

from __future__ import annotations

import pytest

from analyzers.commands import parse_command, step_of
from migrator.commands import StepKind

R, B, H = StepKind.RELEASE, StepKind.BUILD, StepKind.HOST


@pytest.mark.parametrize(("command", "kind", "why"), [
    ("RAILS_ENV=production bundle exec rake db:migrate", R, "once per deploy"),
    ("bundle exec rake RAILS_ENV=production db:migrate", R, "once per deploy"),
    ("bin/rails db:migrate", R, "once per deploy"),
    ("~/.rbenv/shims/bundle exec rails db:migrate:with_data", R, "once per deploy"),
    ("bundle exec rails db:prepare", R, "first deploy"),
    ("bundle exec rake data:migrate", R, "data_migrate"),
    ("bundle exec rake db:seed", R, "idempotent"),
    ("RAILS_ENV=production bundle exec rake assets:precompile", B, "SECRET_KEY_BASE_DUMMY"),
    ("bin/rails webpacker:compile", B, "node"),
    ("bundle exec rails javascript:build", B, "node"), ("bin/rails css:build", B, "node"),
    ("bundle exec bootsnap precompile --gemfile app/ lib/", B, "bootsnap"),
    ("bundle install --deployment --path vendor/bundle --without development test --quiet", H, "frozen"),
    ("bundle --without development:test", H, "frozen"), ("bundle", H, "frozen"),
    ("/usr/local/bin/bundle config set --local deployment true", H, "BUNDLE_"),
    ("gem install bundler -v 1.17.3 --no-document", H, "bundled with"),
    ("gem install foreman", H, "gems come from the Gemfile"),
    ("rbenv install 2.7.8", H, "ruby base image"), ("rvm install ruby-2.6.6", H, "ruby base image"),
    ("rvm use 2.6.6 --default", H, "ruby base image"),
    ("bundle exec whenever --update-crontab shop --set environment=production", H, "CronJob"),
    ("bundle exec whenever -w", H, "CronJob"),
    ("touch tmp/restart.txt", H, "Passenger"), ("touch /var/www/shop/current/tmp/restart.txt", H, "Passenger"),
    ("passenger-config restart-app /var/www/shop", H, "rollout"),
    ("bundle exec pumactl -S tmp/pids/puma.state phased-restart", H, "pumactl"),
    ("kill -USR2 `cat tmp/pids/unicorn.pid`", H, "signal"), ("kill -s HUP $(cat /var/run/unicorn.pid)", H, "signal"),
    ("bundle exec sidekiqctl stop tmp/pids/sidekiq.pid 60", H, "SIGTERM"),
    ("RAILS_ENV=production script/delayed_job stop", H, "delayed_job"),
    ("bundle exec thin stop -C config/thin.yml", H, "stop/restart"),
    ("bundle exec rake assets:clean", H, "starts clean"), ("bin/rails tmp:clear log:clear", H, "starts clean"),
    ("bundle exec rake db:schema:load", H, "drops every table"), ("bin/rails db:setup", H, "never a step"),
])
def test_step_rules(command: str, kind: StepKind, why: str) -> None:
    found = step_of(parse_command(command))
    assert found is not None, command
    assert found[0] is kind and why in found[1], (command, found)


@pytest.mark.parametrize("command", ["bundle exec rake db:migrate:status", "bundle exec rails db:rollback",
                                     "bundle exec puma -C config/puma.rb", "bundle exec sidekiq", "bin/rails console",
                                     "bundle exec rake routes"])
def test_not_steps(command: str) -> None:
    assert step_of(parse_command(command)) is None
