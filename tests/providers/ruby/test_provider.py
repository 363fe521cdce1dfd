"""The Ruby provider end to end through the planner: a Rails repo is Ruby with bundler (never pip), its
facts carry their files and lines, and a Python app deployed by Capistrano stays a Python app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from migrator.model import Kind
from migrator.planner import analyze

Tree = Callable[[dict[str, str | bytes]], Path]

LOCK = """\
GEM
  remote: https://rubygems.org/
  specs:
    pg (1.5.4)
    puma (6.4.0)
      nio4r (~> 2.0)
    nio4r (2.5.9)
    rails (7.1.2)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  pg (~> 1.1)
  puma (~> 6.0)
  rails (~> 7.1.2)

RUBY VERSION
   ruby 3.2.2p53

BUNDLED WITH
   2.4.22
"""


def test_a_rails_repo_is_ruby_with_bundler(tree: Tree) -> None:
    root = tree({"Gemfile": "source 'https://rubygems.org'\nruby '3.2.2'\ngem 'rails', '~> 7.1.2'\n"
                            "gem 'pg', '~> 1.1'\ngem 'puma', '~> 6.0'\n",
                 "Gemfile.lock": LOCK, "config/application.rb": "class Application < Rails::Application\nend\n",
                 "config/puma.rb": "port ENV.fetch('PORT') { 3000 }\n", "config.ru": "run Rails.application\n",
                 "requirements.txt": "awscli==1.32.0\n",  # the ops scripts' Python: not the app
                 "Procfile": "web: bundle exec puma -C config/puma.rb\nrelease: bundle exec rails db:migrate\n"})
    model = analyze(root)
    assert model.primary is not None and (model.primary.language, model.primary.supported) == ("ruby", True)
    rt = model.runtime
    assert (rt.get("language"), rt.get("version"), rt.get("version_full")) == ("ruby", "3.2", "3.2.2")
    assert (rt.get("package_manager"), rt.get("package_manager_version")) == ("bundler", "2.4.22")
    assert rt.get("framework") == "rails" and rt.get("framework_version") == "7.1.2"
    assert rt.facts["package_manager"].source.file == "Gemfile"
    assert rt.facts["version"].source.where() == "Gemfile:2"
    packages = {s.key: s.get("stage") for s in model.of(Kind.SYSTEM_PACKAGE)}
    assert packages.get("libpq-dev") == "build" and packages.get("libpq5") == "runtime"
    web = next(p for p in model.of(Kind.PROCESS) if p.key == "web")
    assert web.get("command") == "puma -C config/puma.rb"
    assert not [c for c in model.conflicts if c.kind is Kind.RUNTIME]


def test_capistrano_deploying_python_stays_python(tree: Tree) -> None:
    root = tree({"Gemfile": "source 'https://rubygems.org'\ngem 'capistrano', '~> 3.17'\n",
                 "requirements.txt": "flask==3.0.0\ngunicorn==21.2.0\n", "app.py": "from flask import Flask\n",
                 "Procfile": "web: gunicorn app:app\n"})
    model = analyze(root)
    assert model.primary is not None and model.primary.language == "python"
    assert model.runtime.get("package_manager") == "pip"


def test_lazy_analyzers_name_their_modules() -> None:
    import importlib

    from analyzers.providers import ruby
    from analyzers.providers.common import LazyAnalyzer

    lazy = [a for tier in ruby.ANALYZERS.values() for a in tier]
    assert [a.NAME for a in lazy] == ["ruby_server_config", "ruby_schedules", "ruby_version", "ruby_packaging",
                                      "ruby_code", "ruby_workers"]
    for a in lazy:
        assert isinstance(a, LazyAnalyzer) and importlib.import_module(a.module).NAME == a.NAME
