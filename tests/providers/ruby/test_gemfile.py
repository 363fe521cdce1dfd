"""ruby/gemfile.py and ruby/lockfile.py: gems with their groups, sources and lines; the lock's specs,
platforms, RUBY VERSION and BUNDLED WITH; old DSL forms; broken and hostile inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from analyzers.providers.ruby.gemfile import Gem, bundle
from analyzers.providers.ruby.lockfile import parse_lock, split_version
from migrator.repo import RepoView

Tree = Callable[[dict[str, str | bytes]], Path]

GEMFILE = """\
# frozen_string_literal: true
source :rubygems
source 'https://rubygems.org'
ruby '2.7.8'

gem 'rails', '~> 6.1.7', '>= 6.1.7.3'
gem 'pg', '~> 1.1' # the database
gem 'nokogiri', :require => false
gem "mylib", git: "https://github.com/acme/mylib.git", branch: "main"
gem "engine", path: "engines/engine"
gem 'rspec-junit', :group => :test

group :development, :test do
  gem 'rspec-rails'
  if ENV['DEBUGGER']
    gem 'byebug', platforms: [:mri, :mingw]
  end
end
platforms :jruby do
  gem 'activerecord-jdbc-adapter'
end
git 'https://github.com/x/y.git' do
  gem 'y1'
end
group :production do
  gem 'unicorn'
end
gem 'pg', '~> 0.18'
eval_gemfile 'Gemfile.local'
"""

LOCK = """\
GIT
  remote: https://github.com/acme/mylib.git
  revision: 0123abc
  branch: main
  specs:
    mylib (0.1.0)
      rack

PATH
  remote: engines/engine
  specs:
    engine (0.0.1)

GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.15.4-x86_64-linux)
      racc (~> 1.4)
    nokogiri (1.15.4-arm64-darwin)
      racc (~> 1.4)
    pg (1.5.4)
    racc (1.7.1)

PLATFORMS
  ruby
  x86_64-linux

DEPENDENCIES
  engine!
  mylib!
  pg (~> 1.1)

RUBY VERSION
   ruby 2.7.8p225

BUNDLED WITH
   2.1.4
"""


def test_gems_groups_sources_and_lines(tree: Tree) -> None:
    repo = RepoView(tree({"Gemfile": GEMFILE, "Gemfile.local": 'gem "local_thing"\n', "Gemfile.lock": LOCK}))
    b = bundle(repo)
    g = b.gems
    assert g["rails"] == Gem("rails", "~> 6.1.7, >= 6.1.7.3", ("default",), "Gemfile", 6)
    assert (g["pg"].requirement, g["pg"].line) == ("~> 1.1", 7)  # the first declaration wins
    assert g["nokogiri"].require is False
    assert (g["mylib"].source, g["mylib"].location) == ("git", "https://github.com/acme/mylib.git")
    assert (g["engine"].source, g["engine"].location) == ("path", "engines/engine")
    assert g["rspec-junit"].groups == ("test",)
    assert g["rspec-rails"].groups == ("development", "test")
    assert (g["byebug"].groups, g["byebug"].platforms, g["byebug"].condition, g["byebug"].line) == (
        ("development", "test"), ("mri", "mingw"), "if ENV['DEBUGGER']", 16)
    assert g["activerecord-jdbc-adapter"].platforms == ("jruby",)
    assert (g["y1"].source, g["y1"].location) == ("git", "https://github.com/x/y.git")
    assert g["unicorn"].groups == ("production",)
    assert (g["local_thing"].file, g["local_thing"].line) == ("Gemfile.local", 1)
    assert b.evaluated == (("Gemfile.local", 29),)
    assert b.problems == ()


def test_lock_versions_platforms_ruby_and_bundler(tree: Tree) -> None:
    b = bundle(RepoView(tree({"Gemfile": GEMFILE, "Gemfile.lock": LOCK})))
    assert b.locked == {"mylib": "0.1.0", "engine": "0.0.1", "nokogiri": "1.15.4", "pg": "1.5.4", "racc": "1.7.1"}
    assert b.lock_line["nokogiri"] == 17 and b.lock_line["engine"] == 12
    assert b.lock is not None and b.lock.platforms_of("nokogiri") == ("x86_64-linux", "arm64-darwin")
    assert b.lock.platforms_of("pg") == (None,)
    assert [s.source for s in b.lock.specs if s.name in ("mylib", "engine", "pg")] == ["git", "path", "rubygems"]
    assert b.ruby == ("2.7.8", "Gemfile", 4)
    assert b.lock_ruby == ("2.7.8", 34)
    assert b.bundled_with == ("2.1.4", 37)
    assert b.platforms == ("ruby", "x86_64-linux")
    assert b.has("racc") and not b.has("sinatra")
    assert b.where("pg") == ("Gemfile", 7)
    assert b.where("racc") == ("Gemfile.lock", 22)
    assert b.where("sinatra") is None
    # the eval_gemfile target is missing: a problem, never a crash
    assert b.problems == (("Gemfile", 29, "eval_gemfile Gemfile.local: no such file in the repo"),)


def test_lock_only_ruby_version_and_ruby_file(tree: Tree) -> None:
    repo = RepoView(tree({"Gemfile": 'source "https://rubygems.org"\nruby file: ".ruby-version"\n',
                          ".ruby-version": "ruby-3.2.2\n", "Gemfile.lock": LOCK}))
    b = bundle(repo)
    assert b.gemfile_ruby == ("3.2.2", ".ruby-version", 1)
    assert b.ruby == ("3.2.2", ".ruby-version", 1)
    only_lock = bundle(RepoView(tree({"Gemfile": "gem 'rack'\n", "Gemfile.lock": LOCK})))
    assert only_lock.ruby == ("2.7.8", "Gemfile.lock", 34)


def test_cached_per_repo(tree: Tree) -> None:
    repo = RepoView(tree({"Gemfile": "gem 'rack'\n"}))
    assert bundle(repo) is bundle(repo)
    assert bundle(RepoView(repo.root)) is not bundle(repo)


def test_gemspec_dependencies(tree: Tree) -> None:
    spec = """Gem::Specification.new do |s|
  s.name = "widget"
  s.add_dependency "rack", ">= 2.0"
  s.add_runtime_dependency 'sinatra'
  s.add_development_dependency "rake"
end
"""
    b = bundle(RepoView(tree({"Gemfile": "source 'https://rubygems.org'\ngemspec\n", "widget.gemspec": spec})))
    assert b.gemspecs == (("widget.gemspec", 2),)
    assert b.gems["widget"].source == "path"
    assert (b.gems["rack"].requirement, b.gems["rack"].file, b.gems["rack"].line) == (">= 2.0", "widget.gemspec", 3)
    assert b.gems["rake"].groups == ("development",)


def test_gems_rb_and_gems_locked(tree: Tree) -> None:
    b = bundle(RepoView(tree({"gems.rb": "gem 'hanami', '~> 2.0'\n", "gems.locked": LOCK})))
    assert (b.gemfile, b.lockfile) == ("gems.rb", "gems.locked")
    assert b.gems["hanami"].requirement == "~> 2.0"


def test_unparsable_gemfile_goes_on_with_a_problem(tree: Tree) -> None:
    b = bundle(RepoView(tree({"Gemfile": "gem 'rails', '5.2'\ngroup :test do\n  gem 'rspec'\ngem 'x', (\n",
                              "Gemfile.lock": LOCK})))
    assert "rails" in b.gems
    assert b.problems and b.problems[0][0] == "Gemfile" and "syntax errors" in b.problems[0][2]
    assert b.locked["pg"] == "1.5.4"


def test_hostile_nesting_and_binary(tree: Tree) -> None:
    deep = "group :a do\n" * 1000 + "gem 'deep'\n" + "end\n" * 1000
    b = bundle(RepoView(tree({"Gemfile": deep})))
    assert "deep" in b.gems  # walks are iterative and the block lookup bounded: no RecursionError
    b2 = bundle(RepoView(tree({"Gemfile": b"\x00\x01\x02" * 100})))
    assert b2.gems == {}


def test_lock_with_garbage_and_conflict_markers() -> None:
    text = LOCK.replace("    pg (1.5.4)\n", "<<<<<<< HEAD\n    pg (1.5.4)\n=======\n    pg (1.5.3)\n>>>>>>> x\n")
    text += "\x00\x01 nonsense\n  more nonsense\n"
    lock = parse_lock(text)
    assert lock.conflict_markers == (21, 23, 25)
    assert lock.garbage == (42, 43)
    assert lock.versions()["pg"] == "1.5.4"
    assert split_version("1.15.4-x86_64-linux") == ("1.15.4", "x86_64-linux")
    assert split_version("2.0.0.rc1") == ("2.0.0.rc1", None)


def test_conflict_markers_are_a_problem(tree: Tree) -> None:
    text = LOCK.replace("    pg (1.5.4)\n", "<<<<<<< HEAD\n    pg (1.5.4)\n=======\n>>>>>>> x\n")
    b = bundle(RepoView(tree({"Gemfile": "gem 'pg'\n", "Gemfile.lock": text})))
    assert any("merge conflict" in p[2] for p in b.problems)
