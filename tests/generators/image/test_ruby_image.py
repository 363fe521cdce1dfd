"""generators/image/ruby.py: Ruby's build plan, checked by value, by hadolint and for foreign tokens.

The specs are Python-planned models with the Ruby runtime's facts put in (the provider's own fixtures are
checked end to end in tests/providers and tests/verify): what matters here is what each combination of
lockfile, vendored gems, native gems, git gems and build steps makes of the image.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from analyzers import base
from analyzers.base import I, Src
from generators.image import dockerfile
from generators.image.base_image import BaseImage, end_of_life
from generators.spec import AppSpec
from migrator.model import Candidate, Confidence, Fact, Kind, Source, Subject
from tests.generators.image.test_dockerfile import hadolint
from tests.generators.models import minimal_web, spec

LOCK = Source("Gemfile.lock", 40, "ruby_packaging", Confidence.DECLARED)
FOREIGN = ("venv", "pip ", "pip3", "python", "PYTHON", "NODE_ENV", "node_modules", "npm ci")


def runtime(**fields: Any) -> Subject:
    facts = {k: Fact(k, v, (Candidate(v, LOCK),), False, "") for k, v in fields.items()}
    return Subject(Kind.RUNTIME, "ruby", facts)


def ruby_spec(*extra: Any, argv: tuple[str, ...] = ("bundle", "exec", "puma", "-C", "config/puma.rb"),
              version: str = "3.3", files: tuple[str, ...] = ("Gemfile", "Gemfile.lock"), **facts: Any) -> AppSpec:
    s = spec([*minimal_web("bundle exec puma -C config/puma.rb", port=3000), *extra])
    fields = {"language": "ruby", "version": version, "package_manager": "bundler", "lockfile": "Gemfile.lock",
              **facts}
    s = dataclasses.replace(s, base=BaseImage(f"ruby:{version}-slim", "ruby", version,
                                              f"ruby {version}: .ruby-version:1"),
                            runtime_subject=runtime(**{k: v for k, v in fields.items() if v is not None}),
                            files_read=files,
                            processes=tuple(dataclasses.replace(p, argv=argv) for p in s.processes))
    return dataclasses.replace(s, web=s.processes[0])


def stages(text: str) -> list[str]:
    return re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]


def test_pure_ruby_gems_install_frozen_before_the_code_in_one_stage(tmp_path: Path) -> None:
    text = dockerfile.render(ruby_spec())
    assert len(stages(text)) == 1
    assert text.index("COPY Gemfile Gemfile.lock ./") < text.index("bundle install --jobs 4") < text.index("COPY . .")
    assert "BUNDLE_DEPLOYMENT=1" in text and "BUNDLE_PATH=/usr/local/bundle" in text
    assert "BUNDLE_WITHOUT=development:test" in text and "RACK_ENV=production" in text
    assert "RAILS_ENV" not in text  # not a Rails app
    assert "--local" not in text and "gem install bundler" not in text
    assert 'CMD ["bundle", "exec", "puma", "-C", "config/puma.rb"]' in text
    assert "USER 10001:10001" in text
    assert '"ruby", "-e"' in text and "TCPSocket.new('127.0.0.1', 3000)" in text
    assert not any(t in text for t in FOREIGN)
    assert hadolint(text, tmp_path) == ""


def test_native_gems_compile_in_a_build_stage_and_only_the_libraries_reach_the_runtime(tmp_path: Path) -> None:
    src = Src("ruby_packaging", "Gemfile.lock", 12)
    pkgs = [base.system_package("build-essential", src, I, stage="build"),
            base.system_package("libpq-dev", src, I, stage="build"),
            base.system_package("libpq5", src, I, stage="runtime")]
    text = dockerfile.render(ruby_spec(*pkgs, bundle_git_gems=("private_gem",)))
    build, runtime_stage = stages(text)
    assert build.startswith("ruby:3.3-slim AS build")
    assert "build-essential" in build and "libpq-dev" in build and "git" in build
    assert "libpq5" in runtime_stage and "libpq-dev" not in runtime_stage and "build-essential" not in runtime_stage
    assert "COPY --from=build /usr/local/bundle /usr/local/bundle" in runtime_stage
    assert "COPY --from=build /app /app" in runtime_stage
    assert "bundler/gems/*/.git" in build  # git gems' checkouts are not shipped
    assert hadolint(text, tmp_path) == ""


def test_vendored_gems_install_locally_and_a_bundler_1_lock_gets_its_bundler(tmp_path: Path) -> None:
    text = dockerfile.render(ruby_spec(bundle_cache="vendor/cache", package_manager_version="1.17.3",
                                       version="2.6", files=("Gemfile", ".ruby-version")))
    assert "COPY vendor/cache vendor/cache/" in text
    assert "COPY .ruby-version Gemfile Gemfile.lock ./" in text
    assert "bundle install --local" in text
    assert "gem install bundler -v 1.17.3 --no-document" in text
    assert "end of life: Ruby 2.6" in text
    assert hadolint(text, tmp_path) == ""


def test_rails_assets_precompile_builds_without_real_secrets(tmp_path: Path) -> None:
    findings = [
        base.build_step("bundle exec rake assets:precompile", Src("capistrano", "Capfile", 9)),
        base.env_var("RAILS_MASTER_KEY", Src("ruby_code", "config/credentials.yml.enc", 1), required=True,
                     secret=True),
        base.env_var("SECRET_KEY_BASE", Src("ruby_code", "config/secrets.yml", 3), required=True, secret=True),
    ]
    new = dockerfile.render(ruby_spec(*findings, framework="rails", framework_version="7.1.3"))
    assert "RAILS_ENV=production" in new
    assert "SECRET_KEY_BASE_DUMMY=1 bundle exec rake assets:precompile" in new
    assert "RAILS_MASTER_KEY=" not in new and "SECRET_KEY_BASE=" not in new.replace("SECRET_KEY_BASE_DUMMY", "")
    old = dockerfile.render(ruby_spec(*findings, framework="rails", framework_version="6.1.7"))
    assert "SECRET_KEY_BASE=assets-precompile-placeholder bundle exec rake assets:precompile" in old
    assert "RAILS_MASTER_KEY=" not in old
    for text in (new, old):
        build, runtime_stage = stages(text)
        assert "assets:precompile" in build and "assets:precompile" not in runtime_stage
        assert hadolint(text, tmp_path) == ""


def test_a_javascript_build_gets_node_in_the_build_stage_only(tmp_path: Path) -> None:
    precompile = base.build_step("bundle exec rake assets:precompile", Src("capistrano", "Capfile", 9))
    script = base.build_step("yarn build", Src("node_packaging", "package.json", 13))
    text = dockerfile.render(ruby_spec(precompile, script, framework="rails", framework_version="7.0.8",
                                       assets_need_node=True, asset_pipeline="jsbundling-rails",
                                       files=("Gemfile", "Gemfile.lock", "package.json", "yarn.lock")))
    build, runtime_stage = stages(text)
    assert "nodejs" in build and "npm" in build
    assert "nodejs" not in runtime_stage and "yarn" not in runtime_stage
    # the JavaScript dependencies install frozen before the code; precompile runs the package's build itself
    assert build.index("COPY package.json yarn.lock ./") < build.index("yarn install --frozen-lockfile") \
        < build.index("COPY . .") < build.index("rake assets:precompile \\\n && rm -rf node_modules")
    assert "yarn build" not in text
    assert hadolint(text, tmp_path) == ""


def test_execjs_needs_node_only_as_a_runtime_at_precompile(tmp_path: Path) -> None:
    precompile = base.build_step("bundle exec rake assets:precompile", Src("mina", "config/deploy.rb", 58))
    text = dockerfile.render(ruby_spec(precompile, framework="rails", framework_version="5.2.8",
                                       assets_need_node=True, asset_pipeline="sass-rails"))
    build, _ = stages(text)
    assert "nodejs" in build and "yarn" not in build and "node_modules" not in build
    assert hadolint(text, tmp_path) == ""


def test_precompile_gets_placeholders_only_for_settings_the_boot_requires() -> None:
    findings = [base.build_step("bundle exec rake assets:precompile", Src("capistrano", "Capfile", 9)),
                base.env_var("WAREHOUSE_API_TOKEN", Src("ruby_code", "config/initializers/w.rb", 2), required=True,
                             secret=True),
                base.env_var("DATABASE_URL", Src("ruby_code", "config/database.yml", 25), required=True, secret=True),
                base.env_var("SHOP_PER_PAGE", Src("ruby_code", "config/initializers/w.rb", 3), default="24")]
    text = dockerfile.render(ruby_spec(*findings, framework="rails", framework_version="7.0.8"))
    run = next(line for line in text.splitlines() if "assets:precompile" in line and line.startswith("RUN"))
    assert "WAREHOUSE_API_TOKEN=build-only-placeholder" in run
    assert "DATABASE_URL" not in run and "SHOP_PER_PAGE" not in run


def test_health_route_check_is_ruby_net_http() -> None:
    s = ruby_spec(base.health_check("/up", Src("ruby_code", "config/routes.rb", 3), I))
    text = dockerfile.render(s)
    assert "require 'net/http'" in text and "h.get('/up')" in text
    assert "health check /up: config/routes.rb:3" in text


def test_ruby_end_of_life() -> None:
    assert end_of_life(BaseImage("ruby:3.1-slim", "ruby", "3.1", "")) is not None
    assert end_of_life(BaseImage("ruby:3.3-slim", "ruby", "3.3", "")) is None


def test_dockerignore_keeps_the_master_key_and_installed_gems_out() -> None:
    ignore = dockerfile.dockerignore(ruby_spec())
    for line in ("config/master.key", "vendor/bundle", ".bundle", "tmp/*", "log/*"):
        assert line in ignore.splitlines()
    assert "vendor/cache" not in ignore  # the vendored gems are the install's input
