"""Which Ruby an app runs: every source of a version with its file, line and confidence, and the rule.

Sources, best first at equal confidence (:data:`ORIGINS`): the Gemfile's ``ruby "3.1.2"`` (Bundler
enforces it: ``bundle install`` refuses any other Ruby, patch level included; ``ruby file: ".ruby-version"``
is read through), ``.ruby-version`` (``ruby-2.7.8``, ``2.7``), ``.tool-versions`` (``ruby 3.1.2``),
Gemfile.lock's ``RUBY VERSION`` (what Bundler ran when it locked), all DECLARED; then what
the legacy hosts ran, INFERRED: ``.rvmrc`` (``rvm use ruby-1.9.3-p551@app``) and Capistrano's
``set :rbenv_ruby``/``:rvm_ruby_version``/``:chruby_ruby`` in ``config/deploy.rb`` and its stage files.
A requirement (``ruby "~> 3.1"``, ``">= 2.7"``) gives the lowest version it allows, INFERRED when it pins
a minor (``~> 3.1.2``), HEURISTIC when it allows several. Every version is compared by ``major.minor``
(the image tag); a candidate whose minor the winner contradicts (another pin, or a requirement that
excludes it) is a conflict, and so is a release that differs from an exact Gemfile ``ruby`` (2.6.6 in
``.ruby-version`` against ``ruby "2.6.10"``: Bundler refuses to run on 2.6.6). Another engine
(``jruby-9.4``, ``truffleruby``) is no MRI version: it is kept as a note, never a candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from analyzers.lib import rb
from analyzers.lib.rb import RubyFile
from analyzers.providers.ruby.gemfile import Bundle
from migrator.model import Confidence
from migrator.repo import RepoView

ORIGINS = ("Gemfile", ".ruby-version", ".tool-versions", "Gemfile.lock", ".rvmrc", "capistrano")
_PLAIN = re.compile(r"^(?:ruby-)?(\d+)\.(\d+)(?:\.(\d+))?(?:-?p\d+)?(?:@[\w.-]+)?$")
_CLAUSE = re.compile(r"^\s*(~>|>=|<=|!=|=|>|<)?\s*(\d+(?:\.\d+){0,3})\s*$")
_RVMRC = re.compile(r"\brvm\s+(?:use\s+)?(?:--\S+\s+)*(?:ruby-)?(\d+\.\d+(?:\.\d+)?)(?:-p\d+)?")
_OTHER_ENGINES = ("jruby", "truffleruby", "rbx", "mruby", "ree", "maglev", "ironruby")
CAPISTRANO_KEYS = ("rbenv_ruby", "rvm_ruby_version", "chruby_ruby", "asdf_ruby", "rbenv_ruby_version")


@dataclass(frozen=True)
class VersionCandidate:
    spec: str  # as written: "ruby-2.7.8", "~> 3.1", "3.1.2p20"
    version: str  # "2.7": major.minor, the image tag
    full: str | None  # "2.7.8" when the spec names a release
    exact: bool  # pins one minor
    file: str
    line: int | None
    confidence: Confidence
    origin: str  # one of ORIGINS


@dataclass(frozen=True)
class VersionChoice:
    winner: VersionCandidate
    losers: tuple[VersionCandidate, ...]
    conflicts: tuple[VersionCandidate, ...]


def _tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _pad(parts: tuple[int, ...]) -> tuple[int, ...]:
    return (*parts, 0, 0, 0, 0)[:4]


def _meets(op: str, have: tuple[int, ...], want: tuple[int, ...]) -> bool:
    h, w = _pad(have), _pad(want)
    if op == "~>":  # ~> 3.1 means >= 3.1, < 4.0; ~> 3.1.2 means >= 3.1.2, < 3.2
        head = want[:-1] if len(want) > 1 else want
        upper = _pad((*head[:-1], head[-1] + 1))
        return w <= h < upper
    return {"=": h == w, "!=": h != w, ">=": h >= w, ">": h > w, "<=": h <= w, "<": h < w}[op]


def satisfies(requirement: str, version: str) -> bool:
    """Whether Ruby ``version`` meets every clause of a RubyGems requirement (``~> 3.1``, ``>= 2.7, < 3.2``);
    a ``major.minor`` fits when one of its releases does. A clause that does not parse says nothing."""
    clauses = [(m.group(1) or "=", _tuple(m.group(2))) for m in (_CLAUSE.match(c) for c in requirement.split(",")) if m]
    parts = _tuple(version)
    releases = [parts] if len(parts) >= 3 else [(*_pad(parts)[:2], patch) for patch in range(40)]
    return any(all(_meets(op, release, want) for op, want in clauses) for release in releases)


def candidate(spec: str, file: str, line: int | None, origin: str, confidence: Confidence) -> VersionCandidate | None:
    """A candidate from one version text; None for another engine, ``system``, or nothing readable."""
    text = spec.strip().strip("'\"")
    if not text or text.lower().startswith(_OTHER_ENGINES) or text.lower() in ("system", "default", "latest"):
        return None
    m = _PLAIN.match(text)
    if m is not None:
        full = f"{m.group(1)}.{m.group(2)}.{m.group(3)}" if m.group(3) is not None else None
        return VersionCandidate(text, f"{m.group(1)}.{m.group(2)}", full, True, file, line, confidence, origin)
    clauses = [c for c in (_CLAUSE.match(part) for part in text.split(",")) if c]
    lows = [c for c in clauses if (c.group(1) or "=") in ("~>", ">=", ">", "=")]
    if not lows:
        return None
    low = min(lows, key=lambda c: _tuple(c.group(2)))
    parts = _tuple(low.group(2))
    minor = f"{parts[0]}.{parts[1] if len(parts) > 1 else 0}"
    pins = (low.group(1) == "~>" and len(parts) >= 3) or (low.group(1) or "=") == "="
    conf = min(confidence, Confidence.INFERRED if pins else Confidence.HEURISTIC)
    full = low.group(2) if len(parts) >= 3 and (low.group(1) or "=") == "=" else None
    return VersionCandidate(text, minor, full, pins, file, line, conf, origin)


def _join(root: str, name: str) -> str:
    return name if root in (".", "") else f"{root}/{name}"


def version_files(repo: RepoView, root: str = ".") -> list[VersionCandidate]:
    """``.ruby-version`` (first non-comment line), ``.tool-versions`` (``ruby X``) and ``.rvmrc``."""
    out: list[VersionCandidate] = []
    for name in (".ruby-version", ".tool-versions", ".rvmrc"):
        rel = _join(root, name)
        if not repo.exists(rel):
            continue
        for number, raw in enumerate(repo.lines(rel)[:50], 1):
            text = raw.split("#", 1)[0].strip()
            if name == ".tool-versions":
                words = text.split()
                text = words[1] if len(words) >= 2 and words[0] == "ruby" else ""
            elif name == ".rvmrc":
                m = _RVMRC.search(text)
                text = m.group(1) if m else ""
            conf = Confidence.INFERRED if name == ".rvmrc" else Confidence.DECLARED
            found = candidate(text, rel, number, name, conf) if text else None
            if found:
                out.append(found)
                break
    return out


def bundle_versions(b: Bundle) -> list[VersionCandidate]:
    """The Gemfile's ``ruby`` (unless it only points at .ruby-version, already a candidate) and the lock's."""
    out: list[VersionCandidate] = []
    if b.gemfile_ruby is not None:
        spec, file, line = b.gemfile_ruby
        if file == b.gemfile or not file.endswith((".ruby-version", ".tool-versions")):
            found = candidate(spec, file, line, "Gemfile", Confidence.DECLARED)
            out += [found] if found else []
    if b.lock_ruby is not None and b.lockfile:
        found = candidate(b.lock_ruby[0], b.lockfile, b.lock_ruby[1], "Gemfile.lock", Confidence.DECLARED)
        out += [found] if found else []
    return out


def capistrano_versions(repo: RepoView) -> list[VersionCandidate]:
    """``set :rbenv_ruby, "3.1.2"`` (and rvm's, chruby's, asdf's) in config/deploy.rb and its stage files:
    the Ruby the legacy servers ran. A computed value (``File.read(".ruby-version").strip``) is skipped."""
    out: list[VersionCandidate] = []
    files = [f for f in ("config/deploy.rb",) if repo.exists(f)]
    files += sorted(f for f in repo.glob("config/deploy/*.rb") if f.count("/") == 2)
    for rel in files:
        data = repo.read_bytes(rel)
        try:
            parsed = RubyFile.parse(data) if data is not None else None
        except rb.Unavailable:
            return out
        if parsed is None:
            continue
        for call in parsed.calls(names={"set"}):
            key = rb.text_of(parsed.arg(call, 0))
            value = rb.text_of(parsed.arg(call, 1)) if key in CAPISTRANO_KEYS else None
            found = candidate(value, rel, call.line, "capistrano", Confidence.INFERRED) if value else None
            out += [found] if found else []
    return out


def choose(candidates: Iterable[VersionCandidate]) -> VersionChoice | None:
    """The winner (highest confidence, then the origin order, then file and line) and the conflicts; None
    when nothing names a version."""
    ranked = sorted(candidates, key=lambda c: (-c.confidence, ORIGINS.index(c.origin), c.file, c.line or 0))
    if not ranked:
        return None
    winner, losers = ranked[0], tuple(ranked[1:])
    enforced = next((c.full for c in ranked if c.origin == "Gemfile" and c.full), None)
    conflicts = tuple(c for c in losers if c.confidence >= Confidence.INFERRED and (
        (c.exact and c.version != winner.version) or (not c.exact and not satisfies(c.spec, winner.version))
        or patch_conflict(c, enforced)))
    return VersionChoice(winner, losers, conflicts)


def patch_conflict(c: VersionCandidate, enforced: str | None) -> bool:
    """Whether ``c`` names a release other than the Gemfile's exact ``ruby`` (which Bundler enforces)."""
    return enforced is not None and c.origin not in ("Gemfile", "Gemfile.lock") and c.full is not None \
        and c.full != enforced


# When each Ruby minor reached its end of life (ruby-lang.org's branch maintenance page).
END_OF_LIFE = {"1.8": "2014-07-01", "1.9": "2015-02-23", "2.0": "2016-02-24", "2.1": "2017-03-31",
               "2.2": "2018-03-31", "2.3": "2019-03-31", "2.4": "2020-03-31", "2.5": "2021-03-31",
               "2.6": "2022-04-12", "2.7": "2023-03-31", "3.0": "2024-04-23", "3.1": "2025-03-26"}
