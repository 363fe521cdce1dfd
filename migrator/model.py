"""The intermediate representation: what analyzers find and what the planner builds from it.

Analyzers emit :class:`Finding` values: one claim about one subject (a process, an env var, the
runtime ...) made by one source (file, line, analyzer, confidence). The planner merges findings about
the same subject field by field into :class:`Fact` values that keep *every* candidate, so a report can
show why a value won and which sources disagree. The planned :class:`AppModel` is immutable.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# A fact's value: JSON-friendly and hashable, so candidates can be compared and deduplicated.
Scalar = str | int | float | bool | None
Value = Scalar | tuple[Any, ...]


class Confidence(enum.IntEnum):
    """How a source knows what it says; higher wins."""

    DEFAULT = 1  # the tool's documented default, nothing in the repo said so
    HEURISTIC = 2  # a guess from names or patterns (a route called /health, a var called *_TOKEN)
    INFERRED = 3  # derived by a rule from explicit data (psycopg2 in requirements -> postgres)
    DECLARED = 4  # written down explicitly (Procfile command, runtime.txt, ExecStart=)

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Confidence:
        return cls[text.upper()]


class Kind(str, enum.Enum):
    """What a finding is about; each maps to one section of the report."""

    RUNTIME = "runtime"
    PROCESS = "processes"
    ENV = "env"
    SYSTEM_PACKAGE = "system_packages"
    RELEASE_STEP = "release_steps"
    BUILD_STEP = "build_steps"
    HOST_STEP = "host_steps"  # legacy steps that the container build replaces (git pull, pip install)
    UNCLASSIFIED = "unclassified_steps"  # deploy commands no rule classifies: a person reviews them
    SCHEDULE = "schedules"
    SERVICE = "services"
    HEALTH_CHECK = "health_checks"
    INGRESS = "ingress"
    VOLUME = "volumes"


class ProcessRole(str, enum.Enum):
    WEB = "web"
    WORKER = "worker"
    SCHEDULER = "scheduler"
    RELEASE = "release"
    ONEOFF = "oneoff"


@dataclass(frozen=True, order=True)
class Source:
    """Where a claim came from. ``file`` is repo-relative with forward slashes; ``line`` is 1-based."""

    file: str
    line: int | None
    analyzer: str
    confidence: Confidence

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "analyzer": self.analyzer,
            "confidence": self.confidence.label,
        }


@dataclass(frozen=True)
class Finding:
    """One source's claim about one subject: ``kind``/``key`` name the subject, ``fields`` the values.

    A field whose value is ``None`` is not a claim and is ignored by the planner.
    """

    kind: Kind
    key: str
    fields: Mapping[str, Value]
    source: Source


@dataclass(frozen=True)
class SecretFinding:
    """A hard-coded secret located in the repo. There is deliberately no field for its value."""

    file: str
    line: int | None
    name: str
    kind: str  # password | token | private_key | api_key | credential_url | secret_key | env_file ...
    analyzer: str = ""
    # a default the code falls back on only when the env var is unset (os.getenv("X", "...")): the
    # deployment sets the variable, but the value is still committed and must be rotated
    fallback: bool = False
    # why the image cannot leave the file out ("imported by app.py:3"); empty when it can
    needed_by: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "name": self.name, "kind": self.kind,
                "fallback": self.fallback, "needed_by": self.needed_by or None}


@dataclass(frozen=True)
class Warning:  # noqa: A001 - the report section is called "warnings"
    message: str
    file: str | None = None
    line: int | None = None
    # "run_by_workload": it holds only where a workload runs ``file`` (the planner drops it elsewhere)
    scope: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "file": self.file, "line": self.line}


@dataclass(frozen=True)
class Candidate:
    value: Value
    source: Source


@dataclass(frozen=True)
class Fact:
    """A merged field: the winning value and every candidate, best first."""

    name: str
    value: Value
    candidates: tuple[Candidate, ...]
    conflict: bool
    reason: str

    @property
    def source(self) -> Source:
        return self.candidates[0].source


@dataclass(frozen=True)
class Subject:
    """A merged subject (one process, one env var ...) with its facts by field name."""

    kind: Kind
    key: str
    facts: Mapping[str, Fact]

    def get(self, name: str, default: Any = None) -> Any:
        fact = self.facts.get(name)
        return default if fact is None else fact.value

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every distinct source that contributed, in a stable order."""
        seen: dict[Source, None] = {}
        for fact in self.facts.values():
            for cand in fact.candidates:
                seen.setdefault(cand.source, None)
        return tuple(sorted(seen, key=lambda s: (-s.confidence, s.file, s.line or 0, s.analyzer)))


@dataclass(frozen=True)
class Conflict:
    kind: Kind
    key: str
    field: str
    candidates: tuple[Candidate, ...]

    def describe(self) -> str:
        subject = f"{self.kind.value}[{self.key}]" if self.key else self.kind.value
        values = "; ".join(f"{c.value!r} at {c.source.where()} ({c.source.confidence.label})" for c in self.candidates)
        return f"{subject}.{self.field}: sources disagree: {values}"


@dataclass(frozen=True)
class AppModel:
    """The planned application: immutable; generators and reports only read it."""

    root_name: str
    subjects: Mapping[Kind, tuple[Subject, ...]]
    secrets_found: tuple[SecretFinding, ...] = ()
    warnings: tuple[Warning, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    files_read: tuple[str, ...] = ()
    analyzers: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def of(self, kind: Kind) -> tuple[Subject, ...]:
        return self.subjects.get(kind, ())

    @property
    def runtime(self) -> Subject:
        found = self.of(Kind.RUNTIME)
        return found[0] if found else Subject(Kind.RUNTIME, "", {})

    @property
    def processes(self) -> tuple[Subject, ...]:
        return self.of(Kind.PROCESS)

    def process(self, name: str) -> Subject | None:
        return next((p for p in self.processes if p.key == name), None)

    @property
    def web_process(self) -> Subject | None:
        return next((p for p in self.processes if p.get("role") == ProcessRole.WEB.value), None)

    @property
    def env(self) -> tuple[Subject, ...]:
        return self.of(Kind.ENV)

    def secret_env_names(self) -> list[str]:
        return [e.key for e in self.env if e.get("secret")]
