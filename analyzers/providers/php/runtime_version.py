"""``php_version``: which PHP minor the app runs, with every source as a candidate (:mod:`.version`).

As ``ruby_version`` does: the winner's ``major.minor`` is ``version`` (the image tag), ``version_full`` the
release when it names one (``7.4.33``), ``version_spec`` the source as written, ``version_note`` how a
constraint's minor was chosen. Every other source is a candidate too, so ``analyze --explain`` shows it:
one that contradicts the winner keeps its confidence (below the winner's: the precedence is this
module's) and is a warning; one that agrees is kept at HEURISTIC at most. A winner that a locked
package's own ``php`` requirement excludes is a warning (``composer install`` refuses that platform), and
so is a minor past its end of life. With no source at all the version is :data:`.version.DEFAULT`
(DEFAULT confidence, saying so).
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.providers.php import version
from analyzers.providers.php.composer import composer
from analyzers.providers.php.detect import has_php
from analyzers.providers.php.hostfiles import mentions
from analyzers.providers.php.version import VersionCandidate
from migrator.model import Confidence
from migrator.repo import RepoView

NAME = "php_version"


def version_files(repo: RepoView) -> list[VersionCandidate]:
    """``.php-version`` (first non-comment line) and ``.tool-versions`` (``php 8.1.27``)."""
    out: list[VersionCandidate] = []
    for name in (".php-version", ".tool-versions"):
        if not repo.exists(name):
            continue
        for number, raw in enumerate(repo.lines(name)[:50], 1):
            words = raw.split("#", 1)[0].split()
            text = (words[0] if words else "") if name == ".php-version" else (
                words[1] if len(words) > 1 and words[0] == "php" else "")
            found = version.candidate(text, name, number, name, Confidence.DECLARED) if text else None
            if found is not None:
                out.append(found)
                break
    return out


def deploy_versions(repo: RepoView) -> list[VersionCandidate]:
    """The first mention of each PHP minor in the legacy host's files (``php7.4-fpm``, ``/etc/php/7.4/``)."""
    out: dict[str, VersionCandidate] = {}
    for m in mentions(repo):
        if m.version and m.version not in out:
            found = version.candidate(m.version, m.file, m.line, "deploy", Confidence.INFERRED)
            if found is not None:
                out[m.version] = VersionCandidate(m.text, found.version, None, True, m.file, m.line,
                                                  Confidence.INFERRED, "deploy")
    return list(out.values())


def candidates(repo: RepoView) -> list[VersionCandidate]:
    """Every version source, in no particular order (:func:`.version.choose` ranks them)."""
    return [*version.composer_candidates(composer(repo)), *version_files(repo), *deploy_versions(repo)]


def analyze(repo: RepoView) -> Iterator[Item]:
    if not has_php(repo):
        return
    found = candidates(repo)
    choice = version.choose(found)
    if choice is None:
        src = Src(NAME, composer(repo).manifest or "composer.json")
        yield base.runtime(src, Confidence.DEFAULT, language="php", version=version.DEFAULT,
                           version_note=f"{version.DEFAULT}: nothing names a PHP version (no config.platform.php, "
                                        "require.php, .php-version nor a versioned php package in the deploy files)")
        return
    win = choice.winner
    yield base.runtime(Src(NAME, win.file, win.line), win.confidence, language="php", version=win.version,
                       version_full=win.full, version_spec=win.spec, version_note=win.note)
    below = max(Confidence.HEURISTIC, Confidence(win.confidence - 1))
    for loser in choice.losers:
        conflict = loser in choice.conflicts
        confidence = min(loser.confidence, below) if conflict else min(loser.confidence, Confidence.HEURISTIC)
        shown = loser.version if conflict or loser.exact else win.version
        yield base.runtime(Src(NAME, loser.file, loser.line), confidence, language="php", version=shown,
                           version_spec=loser.spec)
        if conflict:
            refused = version.refusing(loser, found)
            why = (f" ({refused.file}'s php {refused.spec} refuses {loser.version}: a stale setting)"
                   if refused is not None else "")
            yield base.warning(Src(NAME, loser.file, loser.line),
                               f"{loser.spec} ({loser.origin}) says PHP {loser.version}, but {win.spec} "
                               f"({win.origin}, {win.file}) wins{why}: the image runs PHP {win.version}")
    yield from _locked_conflicts(repo, win)
    eol = version.end_of_life(win.version)
    if eol is not None:
        yield base.warning(Src(NAME, win.file, win.line), f"PHP {win.version} reached its end of life on {eol}: "
                           "no security fixes; plan an upgrade (the image keeps the version the app runs)")


def _locked_conflicts(repo: RepoView, win: VersionCandidate) -> Iterator[Item]:
    c = composer(repo)
    for package in c.packages.values():
        need = package.requires.get("php")
        if package.dev or need is None or version.admits_minor(need.value, win.version) is not False:
            continue
        yield base.warning(Src(NAME, need.file, need.line),
                           f"the locked {package.name} {package.version} requires php {need.value}, which PHP "
                           f"{win.version} does not meet: composer install refuses the lock on that platform")
        return
