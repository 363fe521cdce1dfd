"""One report type for both verify backends: steps with durations, an outcome, failure evidence.

The JSON rendering is a contract (the PR bot reads it): ``{"version": 1, "backend", "run_id", "outcome",
"duration_s", "steps": [{"name", "status", "duration_s", "detail", "logs", "events"}], "notes"}``, and with
``--drill`` a ``"drill"`` object: ``{"simulation", "steps": [{"name", "load": {"sent", "failed",
"longest_gap_s", ...}, ...}], "advice"}`` (:mod:`migrator.verify.drill`).
Statuses: ``ok``, ``failed`` (fails the verification), ``warning`` (reported, does not fail it),
``skipped``. Details, logs and notes are scrubbed of secrets and made safe to print
(:mod:`migrator.textsafe`): a container's colour codes are dropped, any other control character is
escaped, so nothing the app printed can drive the reader's terminal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from migrator.secrets import scrub
from migrator.textsafe import inline, log_line, program_output

OK, FAILED, WARNING, SKIPPED = "ok", "failed", "warning", "skipped"
REPORT_VERSION = 1
LOG_TAIL = 40  # lines of a failed container's log kept in the report


@dataclass
class Step:
    """One verification step; ``logs`` maps a container name to its last log lines."""

    name: str
    status: str = OK
    duration_s: float = 0.0
    detail: str = ""
    logs: dict[str, list[str]] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": inline(self.name),
            "status": self.status,
            "duration_s": round(self.duration_s, 2),
            "detail": program_output(scrub(self.detail)),
            "logs": {inline(name): [log_line(scrub(line)) for line in lines] for name, lines in self.logs.items()},
            "events": [inline(scrub(e)) for e in self.events],
        }


class StepFailed(Exception):
    """Raised inside a step to mark it failed; carries the evidence for the report."""

    def __init__(self, detail: str, logs: dict[str, list[str]] | None = None, events: list[str] | None = None,
                 *, ran: bool = True):
        super().__init__(detail)
        self.detail = detail
        self.logs = logs or {}
        self.events = events or []
        # False when the program never ran (not found, not executable): no migrate.toml mark excuses that
        self.ran = ran


@dataclass
class VerifyReport:
    """Everything a verification run found out; rendered as text or JSON."""

    backend: str
    run_id: str = ""
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    progress: Callable[[str], None] | None = None
    started: float = field(default_factory=time.monotonic)
    duration_s: float = 0.0
    drill: Any = None  # a drill.DrillResult after ``--drill``

    @property
    def outcome(self) -> str:
        return "failed" if any(s.status == FAILED for s in self.steps) else "verified"

    @property
    def failed_steps(self) -> list[Step]:
        return [s for s in self.steps if s.status == FAILED]

    @property
    def ok(self) -> bool:
        return self.outcome == "verified"

    def say(self, message: str) -> None:
        """Progress output while working (the CLI prints it to stderr)."""
        if self.progress is not None:
            self.progress(program_output(scrub(message)))

    @contextmanager
    def step(self, name: str) -> Iterator[Step]:
        """Time a step; a :class:`StepFailed` inside marks it failed and is re-raised to stop the run."""
        current = Step(name)
        self.steps.append(current)
        self.say(f"- {name} ...")
        t0 = time.monotonic()
        try:
            yield current
        except StepFailed as exc:
            current.status = FAILED
            current.detail = exc.detail
            current.logs.update(exc.logs)
            current.events.extend(exc.events)
            raise
        except Exception as exc:  # an engine/API error: the step did not pass; the caller decides the rest
            current.status = FAILED
            current.detail = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            current.duration_s = time.monotonic() - t0
            self.say(f"  {current.status} ({current.duration_s:.1f}s){': ' + current.detail if current.detail else ''}")

    def finish(self) -> VerifyReport:
        self.duration_s = time.monotonic() - self.started
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "backend": self.backend,
            "run_id": self.run_id,
            "outcome": self.outcome,
            "duration_s": round(self.duration_s, 2),
            "steps": [s.to_json() for s in self.steps],
            "notes": [inline(scrub(n)) for n in self.notes],
            **({"drill": _clean(self.drill.to_json())} if self.drill is not None else {}),
        }


def _clean(value: Any) -> Any:
    """The drill's figures as they are; its strings scrubbed and made safe to print."""
    if isinstance(value, str):
        return inline(scrub(value))
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def render(report: VerifyReport, fmt: str = "text") -> str:
    """The report as ``text`` (for people) or ``json`` (for tools)."""
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2) + "\n"
    data = report.to_json()
    out = [f"migrate verify ({data['backend']} backend): {data['outcome'].upper()} in {data['duration_s']:.1f}s", ""]
    for step in data["steps"]:
        out.append(f"  [{step['status']:>7}] {step['name']} ({step['duration_s']:.1f}s)")
        if step["detail"]:
            out.extend(f"            {line}" for line in step["detail"].splitlines())
        for event in step["events"]:
            out.append(f"            event: {event}")
        for name, lines in step["logs"].items():
            out.append(f"            last log lines of {name}:")
            out.extend(f"            | {line}" for line in lines)
    if data.get("drill"):
        out.extend(_drill_text(data["drill"]))
    if data["notes"]:
        out.append("")
        out.extend(f"note: {n}" for n in data["notes"])
    return "\n".join(out) + "\n"


def _drill_text(drill: dict[str, Any]) -> list[str]:
    how = ("a simulation on plain containers, played the way a Deployment would" if drill["simulation"]
           else "real Kubernetes rollouts")
    out = ["", f"drill ({how}):"]
    for step in drill["steps"]:
        load = step.get("load")
        figures = [f"{k} {v}" for k, v in step.items() if k.endswith("_s") and not isinstance(v, dict)]
        figures += [f"{k} {', '.join(f'{n} {t}s' for n, t in v.items())}" for k, v in step.items()
                    if k.endswith("_s") and isinstance(v, dict)]
        if load:
            figures.append(f"{load['sent']} requests, {load['failed']} failed, longest gap {load['longest_gap_s']}s")
        if "in_flight" in step:
            figures.append(f"{step['in_flight']} in flight at the stop, {step['dropped']} dropped")
        figures += [f"{s['workload']} stopped in {s['seconds']}s of {s['grace_s']}s"
                    + (" (killed)" if s["killed"] else "") for s in step.get("stops", [])]
        out.append(f"  {step['name']}: {'; '.join(figures) or 'done'}")
    if drill["advice"]:
        out.append("  what to change:")
        out.extend(f"  - {a}" for a in drill["advice"])
    return out


def tail(text: str, lines: int = LOG_TAIL) -> list[str]:
    """The last ``lines`` non-empty lines of ``text``."""
    return [line for line in text.splitlines() if line.strip()][-lines:]
