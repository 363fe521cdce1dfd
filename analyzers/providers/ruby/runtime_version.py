"""``ruby_version``: which Ruby minor the app runs, with every source as a candidate (:mod:`.version`).

As ``node_version`` does: the winner's ``major.minor`` is ``version`` (the image tag), ``version_full`` the
release when it names one (``2.7.8``), ``version_spec`` each source as written (a description the planner
never calls a conflict). Every other source is a candidate too, so ``analyze --explain`` shows it: one
that contradicts the winner (``.ruby-version`` 2.7 against the Gemfile's ``ruby "3.1.2"``, or a
requirement that excludes it) keeps its confidence and the planner reports the disagreement; one that
agrees, or a requirement the winner meets, is kept at HEURISTIC at most (visible, no conflict). A
version of another engine (``jruby-9.4.3.0``) is a warning: the image is MRI.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.providers.ruby import version
from analyzers.providers.ruby.detect import has_ruby
from analyzers.providers.ruby.gemfile import bundle
from analyzers.providers.ruby.version import VersionCandidate
from migrator.model import Confidence
from migrator.repo import RepoView

NAME = "ruby_version"


def candidates(repo: RepoView) -> list[VersionCandidate]:
    """Every version source: version files, the Gemfile and its lock, Capistrano's settings."""
    return [*version.version_files(repo), *version.bundle_versions(bundle(repo)), *version.capistrano_versions(repo)]


def analyze(repo: RepoView) -> Iterator[Item]:
    if not has_ruby(repo):
        return
    yield from _other_engines(repo)
    choice = version.choose(candidates(repo))
    if choice is None:
        return
    win = choice.winner
    yield base.runtime(Src(NAME, win.file, win.line), win.confidence, language="ruby", version=win.version,
                       version_full=win.full, version_spec=win.spec)
    for loser in choice.losers:
        conflict = loser in choice.conflicts
        # a conflict stays visible (INFERRED at least: the planner reports it) but never outranks the winner,
        # whose precedence is this module's (the planner would break an equal-confidence tie by file name)
        confidence = min(loser.confidence, max(Confidence.INFERRED, Confidence(win.confidence - 1))) if conflict \
            else min(loser.confidence, Confidence.HEURISTIC)
        # a requirement the winner meets says the winner's minor (its own lowest bound is no claim)
        shown = loser.version if conflict or loser.exact else win.version
        # a release conflict within the same minor is one of version_full (Bundler refuses the other patch)
        full = loser.full if conflict and loser.version == win.version else None
        yield base.runtime(Src(NAME, loser.file, loser.line), confidence, language="ruby", version=shown,
                           version_full=full, version_spec=loser.spec)


def _other_engines(repo: RepoView) -> Iterator[Item]:
    for name in (".ruby-version", ".tool-versions"):
        if not repo.exists(name):
            continue
        for number, line in enumerate(repo.lines(name)[:20], 1):
            words = line.split("#", 1)[0].split()
            text = words[0] if name == ".ruby-version" and words else (
                words[1] if len(words) > 1 and words[0] == "ruby" else "")
            if text.lower().startswith(("jruby", "truffleruby", "rbx")):
                yield base.warning(Src(NAME, name, number), f"{text} is not MRI: the image runs CRuby (MRI); "
                                   "name a JRuby or TruffleRuby base image in migrate.toml to keep it")
                return
