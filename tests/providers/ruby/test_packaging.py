"""ruby_packaging, ruby/native.py, ruby/frameworks.py and detection: bundler facts, native gems as system
packages, frameworks and assets, Heroku's default web process, the TOOLING hint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from analyzers.providers.protocol import RoleHint
from analyzers.providers.ruby import runtime_packaging
from analyzers.providers.ruby.detect import detect
from migrator.model import Confidence, Finding, Kind, Warning
from migrator.repo import RepoView

Tree = Callable[[dict[str, str | bytes]], Path]

RAILS_GEMFILE = """\
source 'https://rubygems.org'
git_source(:github) { |repo| "https://github.com/#{repo}.git" }

ruby '3.1.4'
gem 'rails', '~> 7.0.8'
gem 'pg', '~> 1.1'
gem 'puma', '~> 5.0'
gem 'nokogiri'
gem 'sqlite3', group: :development
gem 'mini_magick'
gem 'jsbundling-rails'
gem 'promo_rules', git: 'https://github.com/shop/promo_rules.git'
gem 'shop_pricing', path: 'engines/shop_pricing'
gem 'wdm', platforms: [:mingw, :x64_mingw]

group :development, :test do
  gem 'rspec-rails'
end
group :staging_tools do
  gem 'rack-mini-profiler'
end
"""
RAILS_LOCK = """\
GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.15.4-x86_64-linux)
      racc (~> 1.4)
    nokogiri (1.15.4)
      mini_portile2 (~> 2.8.2)
    pg (1.5.4)
    puma (5.6.7)
      nio4r (~> 2.0)
    nio4r (2.5.9)
    rails (7.0.8)
    sqlite3 (1.6.6-x86_64-linux)

PLATFORMS
  ruby
  x86_64-linux

DEPENDENCIES
  pg (~> 1.1)

RUBY VERSION
   ruby 3.1.4p223

BUNDLED WITH
   2.3.26
"""
APP = "module Shop\n  class Application < Rails::Application\n    config.load_defaults 7.0\n  end\nend\n"


def _facts(found: list[Finding | Warning]) -> dict[str, tuple[object, str, int | None, Confidence]]:
    out: dict[str, tuple[object, str, int | None, Confidence]] = {}
    for f in found:
        if isinstance(f, Finding) and f.kind is Kind.RUNTIME:
            for name, value in f.fields.items():
                if name != "language" and value is not None:
                    out.setdefault(name, (value, f.source.file, f.source.line, f.source.confidence))
    return out


def _packages(found: list[Finding | Warning]) -> set[tuple[str, object, object]]:
    return {(f.key, f.fields["stage"], f.fields.get("reason")) for f in found
            if isinstance(f, Finding) and f.kind is Kind.SYSTEM_PACKAGE}


def _rails(tree: Tree, **extra: str | bytes) -> RepoView:
    return RepoView(tree({"Gemfile": RAILS_GEMFILE, "Gemfile.lock": RAILS_LOCK, "config/application.rb": APP,
                          "config/puma.rb": "port ENV.fetch('PORT') { 3000 }\n", "bin/rails": "#!/usr/bin/env ruby\n",
                          "engines/shop_pricing/shop_pricing.gemspec": "Gem::Specification.new\n", **extra}))


def test_bundler_facts_with_lines(tree: Tree) -> None:
    found = list(runtime_packaging.analyze(_rails(tree)))
    facts = _facts(found)
    assert facts["package_manager"] == ("bundler", "Gemfile", None, Confidence.DECLARED)
    assert facts["package_manager_version"] == ("2.3.26", "Gemfile.lock", 26, Confidence.DECLARED)
    assert facts["lockfile"][0] == "Gemfile.lock"
    assert facts["bundle_without"] == (("development", "test"), "Gemfile", 9, Confidence.INFERRED)
    assert facts["bundle_git_gems"] == (("promo_rules",), "Gemfile", 12, Confidence.DECLARED)
    assert facts["bundle_path_dirs"] == (("engines/shop_pricing",), "Gemfile", 13, Confidence.DECLARED)
    assert facts["bundle_platforms"] == (("ruby", "x86_64-linux"), "Gemfile.lock", 15, Confidence.DECLARED)
    assert facts["framework"] == ("rails", "config/application.rb", 2, Confidence.DECLARED)
    assert facts["framework_version"][0] == "7.0.8"
    assert facts["asset_pipeline"][:3] == ("jsbundling-rails", "Gemfile", 11) and facts["assets_need_node"][0] is True
    # a group nothing says production does without is installed, with a warning saying so
    warnings = [w for w in found if isinstance(w, Warning)]
    assert any("staging_tools" in w.message and (w.file, w.line) == ("Gemfile", 20) for w in warnings)


def test_native_gems_become_build_and_runtime_packages(tree: Tree) -> None:
    packages = _packages(list(runtime_packaging.analyze(_rails(tree))))
    assert ("libpq-dev", "build", "native gem pg") in packages
    assert ("libpq5", "runtime", "native gem pg") in packages
    assert ("build-essential", "build", "native gem puma") in packages
    assert ("build-essential", "build", "native gem nio4r") in packages  # locked only, as puma's dependency
    assert ("imagemagick", "runtime", "native gem mini_magick") in packages
    assert ("git", "build", "git gem promo_rules") in packages
    # nokogiri and sqlite3 are locked for x86_64-linux: precompiled, nothing to install
    assert not {p for p in packages if p[2] in ("native gem nokogiri", "native gem sqlite3")}
    assert not {p for p in packages if p[0] == "libxml2-dev"}


def test_ruby_platform_only_lock_compiles_nokogiri_and_force_ruby_platform(tree: Tree) -> None:
    lock = "GEM\n  specs:\n    nokogiri (1.10.10)\n    mysql2 (0.5.5)\n\nPLATFORMS\n  ruby\n\nBUNDLED WITH\n   1.17.3\n"
    repo = RepoView(tree({"Gemfile": "gem 'nokogiri'\ngem 'mysql2'\n", "Gemfile.lock": lock}))
    packages = _packages(list(runtime_packaging.analyze(repo)))
    assert {("libxml2-dev", "build", "native gem nokogiri"), ("libxslt1-dev", "build", "native gem nokogiri"),
            ("default-libmysqlclient-dev", "build", "native gem mysql2"),
            ("libmariadb3", "runtime", "native gem mysql2")} <= packages
    forced = RepoView(tree({"Gemfile": "gem 'nokogiri', force_ruby_platform: true\n",
                            "Gemfile.lock": RAILS_LOCK}))
    assert ("libxml2-dev", "build", "native gem nokogiri") in _packages(list(runtime_packaging.analyze(forced)))


def test_jruby_only_gems_need_nothing(tree: Tree) -> None:
    repo = RepoView(tree({"Gemfile": "platforms :jruby do\n  gem 'pg'\nend\ngem 'rack'\n"}))
    assert _packages(list(runtime_packaging.analyze(repo))) == set()


def test_vendor_cache_and_bundle_config(tree: Tree) -> None:
    repo = _rails(tree, **{"vendor/cache/rack-2.2.8.gem": b"\x00gem", "vendor/cache/puma-5.6.7.gem": b"\x00gem",
                           ".bundle/config": '---\nBUNDLE_WITHOUT: "development:test:deploy"\n'
                                             'BUNDLE_PATH: "vendor/bundle"\n'})
    found = list(runtime_packaging.analyze(repo))
    facts = _facts(found)
    assert facts["bundle_cache"] == ("vendor/cache", "vendor/cache/puma-5.6.7.gem", None, Confidence.DECLARED)
    assert facts["bundle_cache_gems"][0] == 2
    assert facts["bundle_without"] == (("development", "test", "deploy"), ".bundle/config", 2, Confidence.DECLARED)
    # git gems come from vendor/cache (bundle package --all): no git needed
    assert not {p for p in _packages(found) if p[0] == "git"}
    assert any(isinstance(w, Warning) and w.message.startswith("BUNDLE_PATH") and w.line == 3 for w in found)


def test_mac_only_lock_is_a_warning(tree: Tree) -> None:
    lock = "GEM\n  specs:\n    rack (2.2.8)\n\nPLATFORMS\n  arm64-darwin-22\n\nBUNDLED WITH\n   2.4.10\n"
    found = list(runtime_packaging.analyze(RepoView(tree({"Gemfile": "gem 'rack'\n", "Gemfile.lock": lock}))))
    assert any(isinstance(w, Warning) and "--add-platform x86_64-linux" in w.message for w in found)


def test_sinatra_execjs_and_default_web(tree: Tree) -> None:
    repo = RepoView(tree({"Gemfile": "gem 'sinatra'\ngem 'uglifier'\ngem 'sprockets'\n",
                          "config.ru": "require './app'\nrun Sinatra::Application\n"}))
    found = list(runtime_packaging.analyze(repo))
    facts = _facts(found)
    assert facts["framework"] == ("sinatra", "Gemfile", 1, Confidence.DECLARED)  # config.ru runs it
    assert facts["assets_need_node"][:3] == (True, "Gemfile", 2)  # uglifier through ExecJS, no mini_racer
    web = [f for f in found if isinstance(f, Finding) and f.kind is Kind.PROCESS]
    assert [(f.fields.get("command"), f.fields.get("port"), f.source.confidence) for f in web] == [
        ("bundle exec rackup config.ru", None, Confidence.DEFAULT), (None, 9292, Confidence.DEFAULT)]
    assert any(isinstance(w, Warning) and "no Gemfile.lock" in w.message for w in found)


def test_default_web_is_puma_and_not_when_a_procfile_declares(tree: Tree) -> None:
    found = list(runtime_packaging.analyze(_rails(tree)))
    web = [f for f in found if isinstance(f, Finding) and f.kind is Kind.PROCESS and "command" in f.fields]
    assert [(f.fields["command"], f.source.file) for f in web] == [("bundle exec puma -C config/puma.rb",
                                                                    "config/puma.rb")]
    declared = list(runtime_packaging.analyze(_rails(tree, Procfile="web: bundle exec puma\n")))
    assert not [f for f in declared if isinstance(f, Finding) and f.kind is Kind.PROCESS]


def test_broken_gemfile_and_lock_are_warnings(tree: Tree) -> None:
    repo = RepoView(tree({"Gemfile": "gem 'rails'\ngroup :test do\n  gem 'x', (\n",
                          "Gemfile.lock": "GEM\n  specs:\n    rails (7.0.8)\n<<<<<<< HEAD\n"}))
    found = list(runtime_packaging.analyze(repo))
    messages = [w.message for w in found if isinstance(w, Warning)]
    assert any("syntax errors" in m for m in messages) and any("merge conflict" in m for m in messages)
    assert _facts(found)["package_manager"][0] == "bundler"


def test_detection_evidence_roots_and_hints(tree: Tree) -> None:
    found = detect(_rails(tree))
    assert found is not None and found.hint is RoleHint.APP
    assert [e.file for e in found.evidence][:2] == ["Gemfile", "Gemfile.lock"]


def test_capistrano_deploying_django_is_tooling(tree: Tree) -> None:
    tools = detect(RepoView(tree({"Gemfile": "gem 'capistrano', '~> 3.17'\ngem 'capistrano-django'\ngem 'rake'\n",
                                  "manage.py": "import django\n"})))
    assert tools is not None and tools.hint is RoleHint.TOOLING


def test_ruby_files_alone_are_no_evidence(tree: Tree) -> None:
    assert detect(RepoView(tree({"Vagrantfile": "Vagrant.configure('2')\n", "x.rb": "puts 1\n"}))) is None


def test_gems_that_run_or_load_system_programs(tree: Tree) -> None:
    repo = RepoView(tree({"Gemfile": "gem 'paperclip', '~> 6.1'\ngem 'mimemagic', '~> 0.3.10'\ngem 'ruby-vips'\n"}))
    packages = _packages(list(runtime_packaging.analyze(repo)))
    assert packages == {("imagemagick", "runtime", "native gem paperclip"), ("file", "runtime", "native gem paperclip"),
                        ("shared-mime-info", "build", "native gem mimemagic"),
                        ("shared-mime-info", "runtime", "native gem mimemagic"),
                        ("libvips42t64", "runtime", "native gem ruby-vips")}


def test_sinatra_required_in_app_rb_is_declared(tree: Tree) -> None:
    repo = RepoView(tree({"Gemfile": "source 'https://rubygems.org'\ngem 'sinatra', '~> 3.0'\n",
                          "app.rb": "# frozen_string_literal: true\n\nrequire 'json'\nrequire \"sinatra/base\"\n",
                          "config.ru": "require_relative 'app'\nrun StatusBoard\n"}))
    facts = _facts(list(runtime_packaging.analyze(repo)))
    assert facts["framework"] == ("sinatra", "app.rb", 4, Confidence.DECLARED)
