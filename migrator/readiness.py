"""Readiness: one verdict per repository, with the reasons for it, shared by the PR body and the fleet report.

Verdicts, worst first:

- ``blocked``: nothing deployable came out (generation failed, or nothing says how the app starts), the
  image would have to carry a hard-coded secret the app needs, or verification failed;
- ``needs-input``: the files are generated but a person must supply something first: the runtime is
  unknown, sources disagree (conflicts), a required env var has no value, an external service (a
  database, a broker) must be provided;
- ``unverified``: nothing is missing, but the image was not built and booted in this run;
- ``ready``: verified, and nothing is missing.

The verdict is the worst level among the reasons; ``ready`` and ``unverified`` carry no blocking reason.
Reason texts name env vars, services and files, never a value (they go through :func:`scrub`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from generators.image.custom_image import unsupported
from generators.spec import AppSpec
from migrator.model import AppModel, Kind
from migrator.secrets import scrub
from migrator.textsafe import inline


class Verdict(str, enum.Enum):
    READY = "ready"
    UNVERIFIED = "unverified"
    NEEDS_INPUT = "needs-input"
    BLOCKED = "blocked"

    @property
    def rank(self) -> int:
        """Higher is worse: the order a readiness table sorts by."""
        return list(Verdict).index(self)


@dataclass(frozen=True)
class Reason:
    """Why a repository is not ready: ``code`` is stable (reports group on it), ``text`` is for people."""

    code: str  # runtime-unknown | runtime-unsupported | conflict | env-missing | external-service | ...
    level: Verdict
    text: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "level": self.level.value, "text": self.text}


@dataclass(frozen=True)
class Readiness:
    verdict: Verdict
    reasons: tuple[Reason, ...]

    @property
    def blockers(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.level is Verdict.BLOCKED)

    @property
    def inputs(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.level is Verdict.NEEDS_INPUT)

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value, "reasons": [r.to_json() for r in self.reasons]}


def _reason(code: str, level: Verdict, text: str) -> Reason:
    return Reason(code, level, inline(scrub(text)))


def decide(reasons: Iterable[Reason], *, verified: bool | None) -> Readiness:
    """The verdict for ``reasons``: the worst level among them, else ready when verified."""
    found = tuple(reasons)
    worst = max((r.level for r in found), key=lambda v: v.rank, default=None)
    if worst is None or worst.rank < Verdict.NEEDS_INPUT.rank:
        worst = Verdict.READY if verified else Verdict.UNVERIFIED
    return Readiness(worst, found)


def generate_failed(message: str) -> Readiness:
    """A repository whose analysis or generation raised: blocked, with the (scrubbed) message."""
    return decide([_reason("generate-failed", Verdict.BLOCKED, message)], verified=None)


def assess(model: AppModel, spec: AppSpec, *, generate_problem: str | None = None, verify_ok: bool | None = None,
           verify_failed: Sequence[str] = ()) -> Readiness:
    """The verdict for an analysed and generated repository; ``verify_ok`` is None when verify did not run."""
    reasons: list[Reason] = []
    gap = unsupported(model) if spec.settings.custom_image is None else None
    if generate_problem:
        code = "runtime-unsupported" if gap is not None and generate_problem == gap.message else "start-unknown"
        reasons.append(_reason(code, Verdict.BLOCKED, generate_problem.split("\n", 1)[0]))
    for secret_file in spec.secret_files:
        if secret_file.blocker:
            reasons.append(_reason("secret-in-image", Verdict.BLOCKED,
                                   f"{secret_file.path} holds a hard-coded secret and the app needs it "
                                   f"({secret_file.needed_by})"))
    if verify_ok is False:
        steps = ", ".join(verify_failed) or "?"
        reasons.append(_reason("verify-failed", Verdict.BLOCKED, f"verification failed at: {steps}"))
    if not model.runtime.get("language"):
        reasons.append(_reason("runtime-unknown", Verdict.NEEDS_INPUT, "the runtime could not be detected"))
    for conflict in model.conflicts:
        subject = f"{conflict.kind.value}[{conflict.key}]" if conflict.key else conflict.kind.value
        reasons.append(_reason("conflict", Verdict.NEEDS_INPUT, f"sources disagree on {subject}.{conflict.field}"))
    for env in spec.config_env:
        if env.required and not env.value:
            reasons.append(_reason("env-missing", Verdict.NEEDS_INPUT, f"{env.name} is required but has no value"))
    for service in model.of(Kind.SERVICE):
        kind = service.get("kind") or service.key
        reasons.append(_reason("external-service", Verdict.NEEDS_INPUT, f"needs a {kind} service ({service.key})"))
    return decide(reasons, verified=verify_ok)


def summary_line(readiness: Readiness) -> str:
    """``**needs-input**: 2 inputs, 0 blockers`` for a PR body or a report row."""
    return (f"**{readiness.verdict.value}**: {len(readiness.blockers)} blocker(s), "
            f"{len(readiness.inputs)} input(s) needed")
