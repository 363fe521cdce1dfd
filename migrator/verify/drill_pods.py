"""What the drill reads from a workload's pod template, the values its backends report, and its advice.

Kubernetes' defaults where a manifest says nothing (grace period, progress deadline, strategy), the
broken revision (a command that runs but never listens) and how long to watch it, and the sentences
that tell the user what to change in migrate.toml when a promise fails.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

from migrator.verify.manifests import Manifest, containers
from migrator.verify.plan import name_of, pod_template

BROKEN_WATCH_SECONDS = (6.0, 20.0)  # bounds of how long the docker simulation watches a broken revision
BROKEN_COMMAND = ("sleep", "3600")  # runs, never listens: fails any readiness probe
DEFAULT_GRACE = 30  # Kubernetes' terminationGracePeriodSeconds default
DEFAULT_PROGRESS_DEADLINE = 600  # Kubernetes' progressDeadlineSeconds default


@dataclass(frozen=True)
class Broken:
    """How a broken revision went: it must stay unready and the rollout must stall."""

    took_traffic: bool
    stalled: bool
    detail: str


@dataclass(frozen=True)
class Stop:
    """One pod asked to stop: how long it took, against its grace period."""

    workload: str
    seconds: float
    grace: int
    killed: bool  # still running at the end of the grace period: SIGKILLed
    exit_code: int | None = None
    command: tuple[str, ...] = ()
    key: str = "NAME"  # the process's name in migrate.toml

    def to_json(self) -> dict[str, Any]:
        return {"workload": self.workload, "seconds": round(self.seconds, 2), "grace_s": self.grace,
                "killed": self.killed, "exit_code": self.exit_code}


def grace_of(workload: Manifest) -> int:
    value = pod_template(workload).get("terminationGracePeriodSeconds")
    return int(value) if value is not None else DEFAULT_GRACE


def progress_deadline(workload: Manifest) -> int:
    value = (workload.get("spec") or {}).get("progressDeadlineSeconds")
    return int(value) if value is not None else DEFAULT_PROGRESS_DEADLINE


def recreates(workload: Manifest) -> bool:
    """True for ``strategy: Recreate``: the old pods stop before the new ones start (a ReadWriteOnce claim,
    a scheduler that must never run twice), so a rollout has downtime by design."""
    return str(((workload.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate")) == "Recreate"


RECREATE_REASON = ("its strategy is Recreate (the old pod stops before the new one starts: a ReadWriteOnce "
                   "claim or a singleton), so the generated manifests cannot avoid this downtime")


def pre_stop_sleep(workload: Manifest) -> int | None:
    """Seconds of a ``preStop`` ``sleep N`` hook on the first container (what migrate.toml generates)."""
    main = containers(workload, init=False)
    hook = ((main[0].get("lifecycle") or {}).get("preStop") or {}) if main else {}
    if "sleep" in hook:
        return int(hook["sleep"].get("seconds", 0))
    cmd = [str(x) for x in (hook.get("exec") or {}).get("command") or []]
    return int(cmd[1]) if len(cmd) == 2 and cmd[0].endswith("sleep") and cmd[1].isdigit() else None


def broken_watch(workload: Manifest) -> float:
    """How long to watch a broken revision not become ready: two periods of the probe that gates it (the
    startup probe, else the readiness probe) after its initial delay, within :data:`BROKEN_WATCH_SECONDS`.
    A pod that runs but never listens fails every probe; one without a probe is ready at once."""
    main = containers(workload, init=False)
    probe = (main[0].get("startupProbe") or main[0].get("readinessProbe") or {}) if main else {}
    wanted = 2 * float(probe.get("periodSeconds", 10)) + float(probe.get("initialDelaySeconds", 0))
    low, high = BROKEN_WATCH_SECONDS
    return min(high, max(low, wanted))


def broken_template(workload: Manifest) -> Manifest:
    """The workload with its first container's command replaced by one that runs but never listens."""
    obj = copy.deepcopy(workload)
    main = containers(obj, init=False)[0]
    main["command"] = list(BROKEN_COMMAND)
    main.pop("args", None)
    return obj


def process_key(workload: Manifest) -> str:
    """The migrate.toml process name of a generated workload (its component label), else its name."""
    labels = (workload.get("metadata") or {}).get("labels") or {}
    return str(labels.get("app.kubernetes.io/component") or name_of(workload))


# Sentences start with the workload's name, never "name: ...": the report's scrubber reads "x-secrets-y: value"
# as a secret-named key and its value, and a workload called planted-secrets-mailer would lose its verb.
def drop_advice(web: Manifest | None, when: str, longest: float | None = None) -> str:
    name = name_of(web or {})
    key = process_key(web or {})
    grace = grace_of(web or {})
    seconds = min(max(5, math.ceil((longest or 0) + 2)), max(1, grace - 1))
    have = pre_stop_sleep(web or {})
    if have is not None:
        return (f"{name} dropped requests {when} despite a {have}s preStop sleep: make it longer than the "
                f"slowest request (`[processes.{key}] pre_stop_sleep = {max(seconds, have + 5)}` in migrate.toml, "
                "below stop_timeout), or make the server finish requests on SIGTERM")
    return (f"{name} dropped requests {when}: the server stops before the requests it is answering "
            f"are done. Add a preStop sleep so the Service stops sending to the pod and the requests finish "
            f"before SIGTERM: `[processes.{key}] pre_stop_sleep = {seconds}` in migrate.toml "
            "(or make the server finish in-flight requests on SIGTERM, as gunicorn does)")


def ignore_advice(stop: Stop) -> str:
    argv = list(stop.command)
    shell = bool(argv) and (argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "dash", "ash")
                            or argv[0].endswith(".sh"))
    why = ("its command runs a shell that does not pass SIGTERM on: put `exec` before the server in the "
           "script (or `sh -c 'exec ...'`)" if shell else
           "its main process does not stop on SIGTERM (a process running as PID 1 without a SIGTERM handler "
           "ignores it; a daemon that forks leaves PID 1 waiting): run the server in the foreground and "
           "let it handle SIGTERM")
    return (f"{stop.workload} ignored SIGTERM and was killed after its {stop.grace}s grace period; {why}, or "
            f"set `[processes.{stop.key}] command` in migrate.toml to the server's own foreground command")
