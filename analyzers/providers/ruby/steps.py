"""Ruby's one-off deploy steps: migrations (release), asset builds (build), and the installs, version
managers, restarts and crontab writes that the image, the rollout and CronJobs replace (host).

Rules match the command's core words: ``bundle exec rake db:migrate`` is matched as ``rake db:migrate``
(the provider's ``unwrap`` strips ``bundle exec``, ``rbenv exec``, ``rvm X do``), ``bin/rails`` and
``bin/rake`` keep their ``bin/`` (the patterns allow it), and rake's own ``RAILS_ENV=production``
arguments may stand between the program and the task. ``order`` is each rule's global position among
every provider's rules (:class:`analyzers.providers.protocol.StepRule`): release 40-49 (40 was the
Ruby marker's), build 80-89, host 41-49, 64-69, 71-79 (before the generic ``rsync``/``touch``/``kill``
rules, so a Passenger restart or a unicorn USR2 gets its own reason) and 101-109 (before ``crontab``).
"""

from __future__ import annotations

import re

from analyzers.providers.protocol import StepRule
from migrator.commands import StepKind

RELEASE_WHY = "runs once per deploy, before the new version serves"
BUILD_WHY = "produces files the image must contain"
_TASK = r"\b(?:rake|rails)\s+(?:\S+\s+)*?"  # rake RAILS_ENV=production db:migrate; bin/rails db:migrate
RESTART_WHY = "restarts the app server on the host ({}): a rollout of the new image replaces it"


def _rule(kind: StepKind, pattern: str, reason: str, order: int) -> StepRule:
    return StepRule(kind, re.compile(pattern), reason, order)


R, B, H = StepKind.RELEASE, StepKind.BUILD, StepKind.HOST
STEP_RULES: tuple[StepRule, ...] = (
    _rule(R, _TASK + r"db:migrate(:with_data)?(?![:\w])", RELEASE_WHY, 40),
    _rule(R, _TASK + r"db:prepare\b", RELEASE_WHY + " (db:prepare also creates and loads the schema into an "
          "empty database, so it is safe on the first deploy)", 41),
    _rule(R, _TASK + r"data:migrate\b", RELEASE_WHY + " (data_migrate's data migrations)", 42),
    _rule(R, _TASK + r"db:seed\b", "runs on every deploy, as the legacy deploy did: the seeds must be idempotent "
          "(find_or_create_by), or run them once by hand", 43),
    _rule(B, _TASK + r"assets:precompile\b", BUILD_WHY + ": compiled assets in public/assets; it must run "
          "without real secrets (SECRET_KEY_BASE_DUMMY=1, no database)", 80),
    _rule(B, _TASK + r"(webpacker:compile|shakapacker:compile|javascript:build|css:build|tailwindcss:build|"
          r"dartsass:build|vite:build)\b", BUILD_WHY + ": node builds the bundles in the build stage only", 81),
    _rule(B, r"(^|\s)bootsnap\s+precompile\b", BUILD_WHY + ": bootsnap's cache of the app and gems (tmp/cache)", 82),
    # host: installs and version managers
    _rule(H, r"(^|\s)bundle(r)?(\s+\S+)*?\s+(install|update|package|cache|clean|check)\b|^bundle$",
          "bundle install: done in the image build, frozen to Gemfile.lock (--deployment, --path, --without and "
          "--binstubs are the legacy host's: BUNDLE_DEPLOYMENT, BUNDLE_PATH and BUNDLE_WITHOUT in the image)", 41),
    _rule(H, r"(^|\s)bundle(r)?\s+config\b", "bundle config: the image sets BUNDLE_* itself", 42),
    _rule(H, r"(^|\s)gem\s+install\s+(\S+\s+)*?bundler\b", "installs bundler on the host: the image installs the "
          "version Gemfile.lock was bundled with", 43),
    _rule(H, r"(^|\s)(rbenv|rvm|ruby-build|ruby-install|chruby|asdf)\s+(install|use|global|local|rehash|"
          r"reinstall|default|alias|plugin)\b", "installs or selects Ruby on the host: the image's ruby base image "
          "pins it", 44),
    _rule(H, r"(^|\s)gem\s+(install|update)\b", "installs a gem on the host: gems come from the Gemfile into the "
          "image", 45),
    _rule(H, _TASK + r"(assets:clean|assets:clobber|tmp:clear|tmp:cache:clear|log:clear|tmp:create)\b",
          "cleans the host's release directory: every image starts clean", 46),
    _rule(H, _TASK + r"(db:schema:load|db:structure:load|db:setup|db:reset|db:create|db:drop)\b",
          "sets the database up from scratch (db:schema:load drops every table first): never a step of every "
          "deploy; on the first deploy run it once by hand, or make db:prepare the release step", 47),
    # host: restarts the rollout replaces (before the generic touch/kill rules)
    _rule(H, r"(^|\s)touch\s+(\S*/)?tmp/restart\.txt\b", RESTART_WHY.format("Passenger's tmp/restart.txt"), 64),
    _rule(H, r"(^|\s)passenger-config\s+restart-app\b", RESTART_WHY.format("passenger-config"), 65),
    _rule(H, r"(^|\s)pumactl\b", RESTART_WHY.format("pumactl"), 71),
    _rule(H, r"(^|\s)sidekiqctl\b|(^|\s)sidekiqmon\b", "controls sidekiq on the host: Kubernetes stops its pods with "
          "SIGTERM (and sidekiq finishes its jobs within the grace period)", 72),
    _rule(H, r"(^|\s)kill\s+(-s\s+)?-?(USR2|HUP|QUIT|TERM|USR1|TTIN|TTOU|WINCH)\b.*(unicorn|puma|thin|sidekiq)",
          RESTART_WHY.format("a signal to the master's pid file"), 73),
    _rule(H, r"(^|\s)(bin/|script/)?delayed_job\s+(\S+\s+)*?(stop|restart|reload|zap|status)\b",
          "controls delayed_job's daemons on the host: Kubernetes runs the worker", 74),
    _rule(H, r"(^|\s)thin\s+(\S+\s+)*?(stop|restart)\b|(^|\s)(unicorn|puma|thin)\S*\s+(stop|restart|upgrade)\b",
          RESTART_WHY.format("the server's own stop/restart"), 75),
    _rule(H, r"(^|\s)whenever\b", "writes the host's crontab from config/schedule.rb: each job is a "
          "CronJob", 101),
    _rule(H, r"(^|\s)(cap|mina)\s", "runs a deploy tool from the host: the image and its rollout replace it", 102),
)
