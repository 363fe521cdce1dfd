"""``ruby_packaging``: what the image plan needs of the app's bundle and its install.

Runtime findings (``language="ruby"``), each at its file and line: ``package_manager="bundler"`` (the
Gemfile) with ``package_manager_version`` (the lock's ``BUNDLED WITH``) and ``lockfile``; ``bundle_without``
(the groups the image leaves out: development, test and the other tool-only groups of :data:`WITHOUT`;
a committed ``.bundle/config``'s ``BUNDLE_WITHOUT`` adds to it), ``bundle_cache`` (``vendor/cache`` holds
``.gem`` files: install from it, ``bundle install --local``), ``bundle_git_gems`` (git needed in the
build stage: a ``git`` system package), ``bundle_path_dirs`` (directories path gems live in: copied
before the install), ``bundle_platforms`` (the lock's PLATFORMS); ``framework`` and ``framework_version``
(:mod:`.frameworks`); ``asset_pipeline`` and ``assets_need_node`` (with ``assets_reason``). Native gems
become ``system_package`` findings with ``stage`` ("build" or "runtime"), ``reason`` ("native gem pg")
and ``note``, as node_packaging's (:mod:`.native`). Problems with the Gemfile or its lock are warnings.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.commands import meaning, parse_command
from analyzers.providers.ruby import frameworks, native
from analyzers.providers.ruby.detect import has_ruby
from analyzers.providers.ruby.gemfile import Bundle, bundle
from migrator.model import Confidence
from migrator.repo import RepoView

NAME = "ruby_packaging"
# Groups no production process needs (Rails 3's :assets is kept: assets:precompile needs it at build)
WITHOUT = frozenset({"development", "test", "doc", "docs", "ci", "debug", "tools", "lint", "linters", "deploy",
                     "deployment", "profiling", "benchmark", "benchmarks", "guard", "spec", "cucumber", "local",
                     "darwin", "console", "rubocop", "danger", "documentation", "capistrano", "e2e", "system_tests"})
# Files that declare the app's processes: when one exists, Heroku's default web process is not inferred
# (Capistrano's config/deploy.rb is not one: its readers state the processes they find as "web" too, and
# win over a DEFAULT)
_DECLARING = ("Procfile", "*.service", "supervisord.conf", "*.supervisor.conf", "*supervisor/*.conf",
              "*supervisor.d/*.conf", "*.god", "*.monitrc", "Procfile.*")
_BUNDLE_CONFIG = re.compile(r"""^\s*(BUNDLE_[A-Z_]+)\s*:\s*["']?([^"'#\n]*?)["']?\s*$""")


def analyze(repo: RepoView) -> Iterator[Item]:
    if not has_ruby(repo):
        return
    b = bundle(repo)
    manifest = b.gemfile or b.lockfile or "config.ru"
    yield base.runtime(Src(NAME, manifest), Confidence.DECLARED, language="ruby")
    for file, line, message in b.problems:
        yield base.warning(Src(NAME, file, line), message)
    if b.gemfile is None and b.lockfile is None:
        yield base.warning(Src(NAME, manifest), "config.ru without a Gemfile: rack and the server that runs it "
                           "are not declared, so the image installs no gems")
        yield from _framework(repo, b)
        return
    yield base.runtime(Src(NAME, manifest), Confidence.DECLARED, language="ruby", package_manager="bundler")
    if b.lockfile:
        version = b.bundled_with
        yield base.runtime(Src(NAME, b.lockfile, version[1] if version else None), Confidence.DECLARED,
                           language="ruby", lockfile=b.lockfile,
                           package_manager_version=version[0] if version else None)
    elif b.gemfile:
        yield base.warning(Src(NAME, b.gemfile), "no Gemfile.lock: the image resolves gem versions at build time "
                           "(run bundle lock and commit Gemfile.lock for a reproducible image)")
    yield from _groups(repo, b)
    yield from _sources(repo, b)
    yield from _platforms(b)
    yield from _framework(repo, b)
    yield from _native(b)
    yield from _default_web(repo, b)


def bundle_config(repo: RepoView) -> dict[str, tuple[str, int]]:
    """``.bundle/config``'s settings (``BUNDLE_WITHOUT: "development:test"``), with their lines."""
    rel = ".bundle/config"
    if not repo.exists(rel):
        return {}
    out: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(repo.lines(rel), 1):
        if m := _BUNDLE_CONFIG.match(line):
            out[m.group(1)] = (m.group(2).strip(), number)
    return out


def without(b: Bundle) -> list[str]:
    """The declared groups the image leaves out, in first-declared order."""
    groups = dict.fromkeys(g for gem in b.gems.values() for g in gem.groups)
    return [g for g in groups if g in WITHOUT]


def _groups(repo: RepoView, b: Bundle) -> Iterator[Item]:
    left_out = without(b)
    first = next((g for g in b.gems.values() if set(g.groups) & set(left_out)), None)
    config = bundle_config(repo)
    if "BUNDLE_WITHOUT" in config:
        value, line = config["BUNDLE_WITHOUT"]
        left_out += [g for g in re.split(r"[:\s,]+", value) if g and g not in left_out]
        yield base.runtime(Src(NAME, ".bundle/config", line), Confidence.DECLARED, language="ruby",
                           bundle_without=tuple(left_out))
    elif first is not None:
        yield base.runtime(Src(NAME, first.file, first.line), Confidence.INFERRED, language="ruby",
                           bundle_without=tuple(left_out))
    for key in ("BUNDLE_PATH", "BUNDLE_DEPLOYMENT", "BUNDLE_FROZEN"):
        if key in config:
            yield base.warning(Src(NAME, ".bundle/config", config[key][1]),
                               f"{key} in the committed .bundle/config is the legacy host's: the image sets its own")
    others = [g for g in dict.fromkeys(g for gem in b.gems.values() for g in gem.groups)
              if g not in WITHOUT and g not in ("default", "production", "staging", "assets")]
    if others:
        gem = next(g for g in b.gems.values() if others[0] in g.groups)
        yield base.warning(Src(NAME, gem.file, gem.line), f"group(s) {', '.join(others)} are installed: nothing "
                           "says production can do without them (leave them out with BUNDLE_WITHOUT in migrate.toml)")


def _sources(repo: RepoView, b: Bundle) -> Iterator[Item]:
    cached = sorted(f for f in repo.glob("vendor/cache/*.gem") if f.count("/") == 2)
    if cached:
        yield base.runtime(Src(NAME, cached[0]), Confidence.DECLARED, language="ruby", bundle_cache="vendor/cache",
                           bundle_cache_gems=len(cached))
    git = [g for g in b.gems.values() if g.source in ("git", "github")]
    git_locked = [s for s in (b.lock.specs if b.lock else ()) if s.source == "git" and s.name not in b.gems]
    if git or git_locked:
        names = tuple(dict.fromkeys([*(g.name for g in git), *(s.name for s in git_locked)]))
        file, line = (git[0].file, git[0].line) if git else (b.lockfile or "Gemfile.lock", git_locked[0].line)
        yield base.runtime(Src(NAME, file, line), Confidence.DECLARED, language="ruby", bundle_git_gems=names)
        if not cached:  # bundle package --all puts git gems in vendor/cache: then no git is fetched
            yield base.system_package("git", Src(NAME, file, line), Confidence.DECLARED, stage="build",
                                      reason=f"git gem {names[0]}", note="bundle install clones git gems")
    paths = [g for g in b.gems.values() if g.source == "path" and g.location]
    if paths:
        dirs = tuple(dict.fromkeys(str(g.location) for g in paths))
        yield base.runtime(Src(NAME, paths[0].file, paths[0].line), Confidence.DECLARED, language="ruby",
                           bundle_path_dirs=dirs)


def _platforms(b: Bundle) -> Iterator[Item]:
    if not b.platforms or not b.lockfile:
        return
    line = b.lock.platforms_line if b.lock else None
    yield base.runtime(Src(NAME, b.lockfile, line), Confidence.DECLARED, language="ruby",
                       bundle_platforms=b.platforms)
    if not any(p == "ruby" or p.startswith(native.LINUX) for p in b.platforms):
        yield base.warning(Src(NAME, b.lockfile), "the lock supports only " + ", ".join(b.platforms) + ": a frozen "
                           "bundle install on Linux refuses it; run `bundle lock --add-platform x86_64-linux` "
                           "and commit the lock")


def _framework(repo: RepoView, b: Bundle) -> Iterator[Item]:
    found = frameworks.framework(repo, b)
    if found is not None:
        yield base.runtime(Src(NAME, found.file, found.line), found.confidence, language="ruby",
                           framework=found.name, framework_version=found.version)
    assets = frameworks.assets(b)
    if assets is not None:
        yield base.runtime(Src(NAME, assets.file, assets.line), Confidence.INFERRED, language="ruby",
                           asset_pipeline=assets.pipeline, assets_need_node=assets.needs_node,
                           assets_reason=assets.why)


def _native(b: Bundle) -> Iterator[Item]:
    for need in native.needs(b):
        src = Src(NAME, need.file, need.line)
        for stage, names in (("build", need.build), ("runtime", need.runtime)):
            for name in names:
                yield base.system_package(name, src, need.confidence, stage=stage, reason=f"native gem {need.gem}",
                                          note=need.note or None)


def _default_web(repo: RepoView, b: Bundle) -> Iterator[Item]:
    """Heroku's rule when no deploy file declares a process: puma with its config when the bundle has puma
    and config/puma.rb, else ``bin/rails server`` for Rails, else ``rackup config.ru``."""
    if any(fnmatch.fnmatchcase(posixpath.basename(f), p) or fnmatch.fnmatchcase(f, p)
           for f in repo.files() for p in _DECLARING):
        return
    rails = frameworks.framework(repo, b)
    if b.has("puma") and repo.exists("config/puma.rb"):
        text, src = "bundle exec puma -C config/puma.rb", Src(NAME, "config/puma.rb")
        why = "no deploy file declares a process: the web process runs puma with config/puma.rb"
    elif rails is not None and rails.name == "rails":
        text = "bin/rails server" if repo.exists("bin/rails") else "bundle exec rails server"
        src = Src(NAME, rails.file, rails.line)
        why = "Heroku's default for Rails: the web process runs rails server"
    elif repo.exists("config.ru"):
        text, src = "bundle exec rackup config.ru", Src(NAME, "config.ru")
        why = "Heroku's default for Rack: the web process runs rackup config.ru"
    else:
        return
    parsed = parse_command(text, src(Confidence.DEFAULT))
    info = meaning(parsed)
    found = base.process("web", src, Confidence.DEFAULT, role="web", command=text, reason=why)
    yield base.stating(found, parsed, info)
    if info.port is not None:  # the server's documented default; its config file's reader says better
        yield base.process("web", src, Confidence.DEFAULT, port=info.port)
