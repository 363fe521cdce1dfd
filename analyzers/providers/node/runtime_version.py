"""``node_version``: which node major the app runs, with every source as a candidate (:mod:`.version`).

The winner's major is ``version`` (and ``version_full`` when it pins an exact release: ``20.11.1``;
``version_spec`` is each source as written, a description the planner never calls a conflict). Every
other source is a candidate too, so ``analyze --explain`` shows it: a source that contradicts the winner
(another pin, or a range that excludes it: ``.nvmrc`` 16 against ``engines.node`` ``>=18``) keeps its
confidence, and the planner reports the disagreement as a conflict; a range the winner satisfies
(``>=18`` beside a ``20.11.1`` pin) is kept at HEURISTIC, visible and no conflict. Deploy scripts that
install a node (NodeSource ``setup_18.x``, ``nvm install 16``) are INFERRED sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.providers.node import version
from analyzers.providers.node.apppkg import the_app
from analyzers.providers.node.version import VersionCandidate
from migrator.model import Confidence
from migrator.repo import RepoView

NAME = "node_version"
_FULL = re.compile(r"^v?\d+\.\d+\.\d+$")
_SCRIPT_DEPTH = 2  # deploy/provision.sh, deploy/bin/x.sh: never vendored trees


def candidates(repo: RepoView) -> list[VersionCandidate]:
    """Every version source of the app: version files (the root's, then the app package's), volta and
    engines of the root and the app package, app.json, and the repo's deploy scripts."""
    app = the_app(repo)
    found = version.version_files(repo, ".")
    if app is not None and app.package is not app.root:
        found += version.version_files(repo, app.package.dir)
    if app is not None:
        found += version.package_versions(app.root)
        if app.package is not app.root:
            found += version.package_versions(app.package)
    found += [c for c in (version.app_json_version(repo),) if c is not None]
    for rel in (f for f in repo.glob("*.sh") if f.count("/") <= _SCRIPT_DEPTH):
        for number, line in enumerate(repo.lines(rel), 1):
            if not line.lstrip().startswith("#"):
                found += version.command_versions(line, rel, number)
    return found


def analyze(repo: RepoView) -> Iterator[Item]:
    cands = candidates(repo)
    if not cands and the_app(repo) is None:
        return
    choice = version.choose(cands)
    win = choice.winner
    major = win.major or version.DEFAULT_MAJOR
    full = win.spec.lstrip("v") if win.exact and _FULL.match(win.spec) else None
    where = Src(NAME, win.file or "package.json", win.line)
    yield base.runtime(where, win.confidence, language="node", version=str(major), version_full=full,
                       version_spec=win.spec if win.origin != "default" else None)
    for loser in choice.losers:
        agrees = loser.major == major
        conflict = loser in choice.conflicts
        confidence = loser.confidence if agrees or conflict else min(loser.confidence, Confidence.HEURISTIC)
        if loser.major is None:
            continue
        yield base.runtime(Src(NAME, loser.file, loser.line), confidence, language="node",
                           version=str(loser.major), version_spec=loser.spec)
