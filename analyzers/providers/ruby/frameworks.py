"""Which Ruby web framework the app is, and how its assets are built, from the bundle and a few files.

Rails: ``config/application.rb`` defining ``class Application < Rails::Application`` (DECLARED), else the
``rails``/``railties`` gem (INFERRED). Hanami (``config/app.rb`` or the gem), Sinatra, Roda, Grape,
Padrino, Cuba from their gems (INFERRED; a ``config.ru`` that runs one makes it DECLARED). Rack alone:
a ``config.ru`` and none of the above. Assets: the gem that builds them (sprockets, propshaft,
webpacker/shakapacker, jsbundling-rails, cssbundling-rails, importmap-rails) and whether the build needs
node in the build stage (webpacker, shakapacker, jsbundling, cssbundling; and ExecJS gems such as
uglifier or coffee-rails without a Ruby-embedded JavaScript engine: ``assets:precompile`` raises
``ExecJS::RuntimeUnavailable`` without one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzers.providers.ruby.gemfile import Bundle
from migrator.model import Confidence
from migrator.repo import RepoView

_RAILS_APP = re.compile(r"<\s*Rails::Application\b")
_FRAMEWORKS = (("rails", ("rails", "railties")), ("hanami", ("hanami",)), ("sinatra", ("sinatra",)),
               ("padrino", ("padrino",)), ("roda", ("roda",)), ("grape", ("grape",)), ("cuba", ("cuba",)))
_RUNS = {"sinatra": re.compile(r"\bSinatra::|\bSinatra\b"), "roda": re.compile(r"<\s*Roda\b"),
         "grape": re.compile(r"<\s*Grape::API\b"), "hanami": re.compile(r"\bHanami\b"),
         "rails": re.compile(r"\bRails\.application\b|::Application\b")}
NODE_ASSETS = ("webpacker", "shakapacker", "jsbundling-rails", "cssbundling-rails", "vite_rails", "vite_ruby")
_EXECJS = ("uglifier", "coffee-rails", "coffee-script", "execjs", "autoprefixer-rails", "react-rails", "terser")
_EMBEDDED_JS = ("mini_racer", "therubyracer", "therubyrhino")
_PIPELINES = ("shakapacker", "webpacker", "jsbundling-rails", "vite_rails", "propshaft", "importmap-rails",
              "sprockets-rails", "sprockets")


@dataclass(frozen=True)
class Framework:
    name: str
    version: str | None
    file: str
    line: int | None
    confidence: Confidence


@dataclass(frozen=True)
class Assets:
    pipeline: str  # the gem: "webpacker", "propshaft", "sprockets" ...
    file: str
    line: int | None
    needs_node: bool
    why: str


def framework(repo: RepoView, b: Bundle) -> Framework | None:
    """The app's framework (see the module docstring), or None."""
    if repo.exists("config/application.rb"):
        for number, line in enumerate(repo.lines("config/application.rb"), 1):
            if _RAILS_APP.search(line):
                return Framework("rails", _locked(b, ("rails", "railties")), "config/application.rb", number,
                                 Confidence.DECLARED)
    ru = repo.read_text("config.ru") if repo.exists("config.ru") else None
    for name, gems in _FRAMEWORKS:
        gem = next((g for g in gems if b.has(g)), None)
        if gem is None:
            continue
        where = b.where(gem)
        file, at = (where[0], where[1]) if where else (b.gemfile or "Gemfile", None)
        if ru is not None and _RUNS.get(name, re.compile("$^")).search(ru):
            confidence = Confidence.DECLARED
        elif gem in b.gems:
            confidence = Confidence.INFERRED
        else:
            continue  # locked only as another gem's dependency (sinatra under sidekiq's old web UI)
        return Framework(name, _locked(b, gems), file, at, confidence)
    if ru is not None:
        return Framework("rack", _locked(b, ("rack",)), "config.ru", None, Confidence.DECLARED)
    return None


def _locked(b: Bundle, names: tuple[str, ...]) -> str | None:
    return next((b.locked[n] for n in names if n in b.locked), None)


def assets(b: Bundle) -> Assets | None:
    """How the app's assets are built, or None when no asset gem is declared."""
    pipeline = next((p for p in _PIPELINES if p in b.gems), None)
    node_gem = next((g for g in NODE_ASSETS if g in b.gems), None)
    execjs = next((g for g in _EXECJS if b.has(g)), None)
    embedded = next((g for g in _EMBEDDED_JS if g in b.gems), None)
    if node_gem is not None:
        gem = b.gems[node_gem]
        return Assets(pipeline or node_gem, gem.file, gem.line, True,
                      f"{node_gem} builds JavaScript with node and a package manager")
    if execjs is not None and embedded is None:
        where = b.where(execjs) or (b.gemfile or "Gemfile", 0)
        return Assets(pipeline or "sprockets", where[0], where[1], True,
                      f"{execjs} runs JavaScript through ExecJS at assets:precompile, and no embedded engine "
                      "(mini_racer) is in the bundle: node is the JavaScript runtime")
    if pipeline is not None:
        gem = b.gems[pipeline]
        return Assets(pipeline, gem.file, gem.line, False, f"{pipeline} needs no node")
    return None
