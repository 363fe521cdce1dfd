"""Runtimes migrate has no provider for yet: what marks them in a repository, and the few command rules
that already know them.

:func:`findings` turns a marker's files into runtime findings keyed by its language (``go.mod`` ->
go, with its ``go`` directive's version), so the primary-runtime rule (:mod:`migrator.runtimes`) sees
the language, and ``migrate generate`` says it is unsupported instead of writing a Python image for it.

A marker is what stands between "we know this language exists" and a provider: its deploy commands
(``go build``, ``cargo build``) are still classified, so a Go or Rust repo's steps are
reported for what they are. Adding a provider for a language means deleting its marker and moving its
rules into ``analyzers/providers/<lang>/steps.py``. ``order`` follows
:class:`analyzers.providers.protocol.StepRule` (today's index x 10).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from analyzers.providers.protocol import StepRule
from migrator.commands import StepKind
from migrator.model import Confidence, Finding, Kind, Source
from migrator.repo import RepoView

ANALYZER = "markers"  # the analyzer name marker findings carry
_MAX_DEPTH = 1  # the root and one directory down (an app kept in app/ or src/), never vendored trees

_RELEASE = "runs once per deploy, before the new version serves"
_BUILD = "produces files the image must contain"


@dataclass(frozen=True)
class Marker:
    """A language without a provider."""

    language: str
    step_rules: tuple[StepRule, ...] = ()
    program_names: frozenset[str] = frozenset()  # host paths of these become the bare name in the image
    heroku_buildpacks: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # basenames (fnmatch patterns allowed) that mean the language is here
    runs: frozenset[str] = frozenset()  # programs whose process is this language's (java, dotnet)
    # (file, pattern with the version as group 1): where the language's version is written
    versions: tuple[tuple[str, re.Pattern[str]], ...] = ()


GO = Marker("go", heroku_buildpacks=("go",), files=("go.mod",), runs=frozenset({"go"}),
            step_rules=(StepRule(StepKind.BUILD, re.compile(r"^\s*go\s+build\b"), _BUILD, 70),),
            versions=(("go.mod", re.compile(r"^go\s+(\d+\.\d+(?:\.\d+)?)\s*$")),))
JAVA = Marker("java", heroku_buildpacks=("java", "gradle"),
              files=("pom.xml", "build.gradle", "build.gradle.kts", "mvnw", "gradlew"),
              runs=frozenset({"java", "mvn", "gradle", "catalina.sh"}))
RUST = Marker("rust", files=("Cargo.toml", "Cargo.lock"), runs=frozenset({"cargo"}),
              step_rules=(StepRule(StepKind.BUILD, re.compile(r"^\s*cargo\s+build\b"), _BUILD, 60),))
ELIXIR = Marker("elixir", files=("mix.exs", "mix.lock"), runs=frozenset({"mix", "elixir", "iex"}))
DOTNET = Marker("dotnet", files=("*.csproj", "*.fsproj", "*.sln", "global.json"), runs=frozenset({"dotnet"}))
ALL: tuple[Marker, ...] = (GO, JAVA, RUST, ELIXIR, DOTNET)


NAME = ANALYZER


def analyze(repo: RepoView) -> Iterator[Finding]:
    """The marker findings of ``repo`` (the planner runs this after the analyzers; it is not one of them,
    so reports' ``analyzers`` and the tie-break order stay as they were)."""
    yield from findings(repo)


def findings(repo: RepoView, markers: tuple[Marker, ...] = ALL) -> Iterator[Finding]:
    """A ``language`` finding at each marker file (shallowest first), and the version a version file
    names; nothing for a language whose files are absent."""
    for marker in markers:
        found = sorted((f for f in repo.named(*marker.files) if f.count("/") <= _MAX_DEPTH),
                       key=lambda f: (f.count("/"), f))
        for rel in found:
            yield Finding(Kind.RUNTIME, marker.language, {"language": marker.language},
                          Source(rel, None, ANALYZER, Confidence.DECLARED))
        if found:
            yield from binaries(repo, marker.language)
        for rel, pattern in marker.versions:
            if rel not in found:
                continue
            for number, line in enumerate(repo.lines(rel)[:50], 1):
                if m := pattern.match(line):
                    yield Finding(Kind.RUNTIME, marker.language, {"version": m.group(1)},
                                  Source(rel, number, ANALYZER, Confidence.DECLARED))
                    break


_SECTION = re.compile(r"^\s*\[\[?\s*([\w.-]+)\s*\]\]?\s*(?:#.*)?$")
_NAME = re.compile(r"""^\s*name\s*=\s*["']([\w.-]+)["']""")
_MODULE = re.compile(r"^module\s+(\S+)")


def _cargo_binaries(repo: RepoView, rel: str) -> tuple[list[str], int | None]:
    """The binaries a Cargo.toml builds: ``[package] name`` and every ``[[bin]] name``, with the first line."""
    names: list[str] = []
    first: int | None = None
    section = ""
    for number, line in enumerate(repo.lines(rel), 1):
        if m := _SECTION.match(line):
            section = m.group(1)
        elif section in ("package", "bin") and (m := _NAME.match(line)) and m.group(1) not in names:
            names.append(m.group(1))
            first = first or number
    return names, first


def _go_binaries(repo: RepoView, rel: str) -> tuple[list[str], int | None]:
    """The binary ``go build`` names after the module path's last element (``/v2`` suffixes skipped)."""
    for number, line in enumerate(repo.lines(rel)[:20], 1):
        if m := _MODULE.match(line):
            parts = [p for p in m.group(1).strip('"').split("/") if not re.fullmatch(r"v\d+", p)]
            return ([parts[-1]] if parts else []), number
    return [], None


# Where a compiled language names the programs it builds: a process running one of them is its runtime's.
_BINARIES = {"rust": ("Cargo.toml", _cargo_binaries), "go": ("go.mod", _go_binaries)}


def binaries(repo: RepoView, language: str) -> Iterator[Finding]:
    """A ``binaries`` finding for the programs ``language``'s build file names (Rust, Go)."""
    if language not in _BINARIES:
        return
    rel, read = _BINARIES[language]
    if not repo.exists(rel):
        return
    names, line = read(repo, rel)
    if names:
        yield Finding(Kind.RUNTIME, language, {"binaries": tuple(names)},
                      Source(rel, line, ANALYZER, Confidence.DECLARED))


def program_language(program: str, markers: tuple[Marker, ...] = ALL) -> str | None:
    """The marker language whose processes ``program`` runs (``java`` -> java), or None."""
    return next((m.language for m in markers if program in m.runs), None)
