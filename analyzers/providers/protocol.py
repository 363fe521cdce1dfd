"""What a runtime provider is: the Protocol every ``analyzers/providers/<lang>`` package satisfies.

A provider bundles what one language needs (Railpack's ``core/providers/<lang>/``, pre-commit's
``Language`` Protocol): the analyzers that read its manifests and code, a ``detect`` that says whether
the repository has anything of that language (its analyzers run only then), and the directories that
are never the app's own source. A provider is a *module* that satisfies :class:`Provider`, like the
analyzers are modules that satisfy :class:`analyzers.base.Analyzer`; mypy checks the registry's tuple
of providers against the Protocol.

Detection yields evidence, not a verdict: which language is the app's primary runtime is the
planner's decision, from every provider's evidence (never "first match wins").
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from analyzers.base import Analyzer
from migrator.commands import CommandMeaning, ParsedCommand, StepKind
from migrator.model import Confidence, ProcessRole
from migrator.repo import RepoView


class Tier(enum.IntEnum):
    """Where an analyzer stands in the tie-break order (earlier wins among equal confidence).

    Within a tier the deploy-tool readers come first, then each provider's analyzers in provider order.
    """

    DECLARATIONS = 1  # procfile, app_json: explicit process declarations
    SERVER_CONFIG = 2  # python: appserver_config (gunicorn.conf.py, uwsgi ini)
    HOST_CONFIG = 3  # systemd, supervisor, cron, nginx, caddy, haproxy
    PACKAGING = 4  # python: python_version requirements pipenv pyproject setuptools ci_python
    SCRIPTS = 5  # fabric, shell, makefile
    CODE = 6  # python: python_code
    DEV_SETUP = 7  # the repo's own Dockerfile and compose files: a development setup, weaker than the above
    HEURISTICS = 8  # dotenv, secret_files


@dataclass(frozen=True)
class Evidence:
    """One reason to believe a language is present: ``requirements.txt (declared)``."""

    file: str
    line: int | None
    what: str  # "requirements.txt", "37 Python files"
    confidence: Confidence

    def describe(self) -> str:
        """``requirements.txt (declared)``, ``app.py: 12 Python files (inferred)``."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = "" if self.what in (self.file, where) else f": {self.what}"
        return f"{where}{what} ({self.confidence.label})"


class RoleHint(str, enum.Enum):
    """What the manifests alone suggest a language is there for."""

    APP = "app"
    ASSETS = "assets"  # builds files only (webpack next to Django)
    TOOLING = "tooling"  # lint/test tools only


@dataclass(frozen=True)
class Detection:
    """A language found in the repository: its evidence (best first, never empty), the directories that
    hold its manifests, and what the manifests alone suggest it is for."""

    provider: str
    evidence: tuple[Evidence, ...]
    roots: tuple[str, ...] = (".",)
    hint: RoleHint = RoleHint.APP
    supported: bool = True  # False: a marker (a language migrate has no provider for yet)

    @property
    def confidence(self) -> Confidence:
        return max(e.confidence for e in self.evidence)


@dataclass(frozen=True)
class PrunedDirs:
    """Directories that are never the app's own source: ``names`` anywhere, ``paths`` at that place."""

    names: frozenset[str]
    paths: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StepRule:
    """A deploy command that is a one-off step: ``pattern`` is searched in the command's core words
    joined by spaces. Rules of every provider, marker and the generic set are tried by ``(kind, order)``:
    release before build before host, then ``order`` (a global position; the first match wins)."""

    kind: StepKind
    pattern: re.Pattern[str]
    reason: str
    order: int


@dataclass(frozen=True)
class ServerSpec:
    """How one app server is recognised and rewritten for a container."""

    name: str  # "gunicorn": CommandMeaning.server
    role: ProcessRole
    default_port: int | None  # documented default when no bind is given
    listen_options: tuple[str, ...] = ()  # dropped on rewrite (--bind, -b, --port ...)
    listen_add: tuple[str, ...] = ()  # added instead: ("--bind", "0.0.0.0:{port}")
    listen_positional: bool = False  # the address is the first positional after the anchor (runserver)
    anchor: str | None = None  # the word after which new options go (waitress-serve, run); default: name
    file_options: Mapping[str, str | None] = field(default_factory=dict)  # log/pid option -> replacement
    port_env_default: str | None = None  # reads $PORT itself when no bind is given (gunicorn)
    workers_env: str | None = None  # the env var its worker count defaults to (gunicorn: WEB_CONCURRENCY)
    examples: tuple[tuple[str, str | None, int | None], ...] = ()  # (command, name, port): the conformance suite


class Provider(Protocol):
    """A runtime provider module (``analyzers/providers/<lang>/__init__.py``)."""

    NAME: str  # the runtime key, the report's language and the provider's name
    HEROKU_BUILDPACKS: tuple[str, ...]  # buildpack slugs that mean this language ("python")
    SOURCE_SUFFIXES: tuple[str, ...]  # code files of the language
    PRUNED: PrunedDirs
    ANALYZERS: Mapping[Tier, tuple[Analyzer, ...]]
    SERVERS: Mapping[str, ServerSpec]
    STEP_RULES: tuple[StepRule, ...]
    # programs that, as PID 1, ignore SIGTERM unless the app installs a handler (the kernel gives PID 1 no
    # default signal action): their container command starts with an init (tini), which forwards signals
    INIT_PROGRAMS: frozenset[str]

    def detect(self, repo: RepoView) -> Detection | None: ...

    def unwrap(self, argv: Sequence[str]) -> tuple[tuple[str, ...], str, str | None] | None:
        """(inner command, runner words, what the runner implies or None) when ``argv`` starts with one
        of its runners (``uv run --extra dev x`` -> x, "uv run --extra dev", "...: needs extra dev")."""
        ...

    def program(self, core: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
        """(program, its arguments) through the language's interpreter (``python -m celery`` -> celery)."""
        ...

    def classify(self, cmd: ParsedCommand) -> CommandMeaning | None:
        """What ``cmd`` means when its program is this language's; None: not mine."""
        ...

    def container_argv(self, meaning: CommandMeaning, port: int | None) -> tuple[tuple[str, ...], str | None]:
        """(argv, note): the command of ``meaning`` as the container runs it (its server listening on
        0.0.0.0:``port``, no log or pid files), and what was rewritten and why."""
        ...

    def resolve(self, repo: RepoView, cmd: ParsedCommand) -> tuple[str, str] | None:
        """(the command the container runs instead, why) when ``cmd`` only names a script of the
        repo's manifests (``npm start`` -> ``node server.js``: npm must not be PID 1); else None. The one
        place a provider reads the repo for a command: the planner asks it once per command text."""
        ...

    def host_program(self, argv0: str) -> str | None:
        """The program as the image runs it when ``argv0`` is a host path of this language's
        (``/srv/app/venv/bin/gunicorn`` -> ``gunicorn``, ``python3.8`` -> ``python``); else None."""
        ...
