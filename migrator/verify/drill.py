"""``migrate verify --drill``: prove the three promises of the move, and a graceful stop, on the booted app.

After the normal boot, under a steady, bounded load on the web Service (:mod:`migrator.verify.load`):

1. **rolling update**: a new revision of every Deployment (same image, a changed pod template
   annotation); the web process should lose no request;
2. **broken revision**: the web container's command is replaced by one that never listens; it must
   never become ready, the old pods keep serving and the rollout stalls (progress deadline);
3. **rollback**: back to the previous revision; the time until the app is whole again is reported;
4. **graceful stop**: each workload's pod is asked to stop (preStop hook, then SIGTERM); requests in
   flight must complete and the process must exit before ``terminationGracePeriodSeconds``.

The backend plays the steps (:class:`DrillBackend`): kind with ``kubectl rollout`` on a real cluster,
docker as a simulation of what a Deployment does (and the report says so). Results land in the
report's ``drill`` section and, for each promise that fails, advice on what to change in migrate.toml.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from migrator.verify import drill_pods as dp
from migrator.verify import load as ld
from migrator.verify.manifests import Manifest
from migrator.verify.plan import VerifyPlan, name_of
from migrator.verify.report import FAILED, SKIPPED, WARNING, VerifyReport

AFTER_ROLLBACK_SECONDS = 3.0  # load kept on after a rollback: the app must stay whole, not only come back
WARM_UP_SECONDS = 1.0  # load before the graceful stop, so that requests are in flight at SIGTERM


class DrillBackend(Protocol):
    """What a backend does for the drill; every method raises StepFailed when the engine fails."""

    simulation: bool

    def service_targets(self, plan: VerifyPlan) -> Sequence[ld.Target]: ...
    def pod_targets(self, plan: VerifyPlan, workload: Manifest) -> Sequence[ld.Target]: ...
    def roll(self, plan: VerifyPlan, workload: Manifest) -> None: ...
    def roll_broken(self, plan: VerifyPlan, workload: Manifest) -> dp.Broken: ...
    def undo(self, plan: VerifyPlan, workload: Manifest) -> None: ...
    def stop_pods(self, plan: VerifyPlan, workloads: Sequence[Manifest], at: list[float]) -> list[dp.Stop]: ...
    def close(self) -> None: ...


@dataclass
class DrillResult:
    """The ``drill`` section of the verify report."""

    simulation: bool
    steps: list[dict[str, Any]] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"simulation": self.simulation, "steps": self.steps, "advice": self.advice}


def run(be: DrillBackend, plan: VerifyPlan, report: VerifyReport) -> DrillResult:
    """The four steps, each a report step; the summary also goes to ``report.drill``."""
    result = DrillResult(be.simulation)
    report.drill = result
    web = next((d for d in plan.deployments if plan.health and name_of(d) == plan.health.pod), None)
    paths = _paths(be, plan) if web is not None else []
    try:
        with report.step("drill: rolling update under load") as step:
            _rolling(be, plan, web, paths, step, result)
        if web is None:
            for name in ("broken revision", "rollback"):
                with report.step(f"drill: {name}") as step:
                    step.status, step.detail = SKIPPED, "no web Service in front of a Deployment: nothing to drill"
        else:
            with report.step("drill: broken revision does not take traffic") as step:
                _broken(be, plan, web, paths, step, result)
            with report.step("drill: rollback") as step:
                _rollback(be, plan, web, paths, step, result)
        with report.step("drill: graceful stop") as step:
            _graceful(be, plan, web, paths, step, result)
    finally:
        be.close()
    return result


def _paths(be: DrillBackend, plan: VerifyPlan) -> list[str]:
    """The health path, and ``/`` when it answers 2xx/3xx."""
    assert plan.health is not None
    paths = [plan.health.path]
    targets = be.service_targets(plan)
    if plan.health.path != "/" and targets:
        try:
            if 200 <= ld.request(targets[0], "/", {"Host": plan.health.host}) < 400:
                paths.append("/")
        except OSError:
            pass
    return paths


def _load(be: DrillBackend, plan: VerifyPlan, paths: list[str], *, pod: Manifest | None = None,
          max_seconds: float = ld.MAX_SECONDS) -> ld.Load | None:
    if not paths or plan.health is None:
        return None
    if pod is None:
        return ld.Load(lambda: be.service_targets(plan), paths, {"Host": plan.health.host},
                       max_seconds=max_seconds).start()
    fixed = list(be.pod_targets(plan, pod))
    return ld.Load(lambda: fixed, paths, {"Host": plan.health.host}, max_seconds=max_seconds).start()


def _rolling(be: DrillBackend, plan: VerifyPlan, web: Manifest | None, paths: list[str], step: Any,
             result: DrillResult) -> None:
    order = sorted(plan.deployments, key=lambda d: d is not web)  # the web first: the load covers it
    load = _load(be, plan, paths)
    times: dict[str, float] = {}
    try:
        for obj in order:
            t0 = time.monotonic()
            be.roll(plan, obj)
            times[name_of(obj)] = round(time.monotonic() - t0, 2)
    finally:
        seen = load.stop() if load else None
    entry: dict[str, Any] = {"name": "rolling update", "rollout_s": times}
    text = ", ".join(f"{k} {v:.1f}s" for k, v in times.items())
    step.detail = f"new revision of every Deployment rolled out ({text})"
    if seen is not None:
        entry["load"] = seen.to_json()
        step.detail += f"; web under load: {seen.describe()}"
        if seen.failed and web is not None and dp.recreates(web):
            step.status = WARNING  # expected and explained, not a broken promise of the manifests
            entry["reason"] = f"{name_of(web)} {dp.RECREATE_REASON}"
            step.detail += f"; expected: {name_of(web)} {dp.RECREATE_REASON}"
        elif seen.failed:
            step.status = FAILED
            result.advice.append(dp.drop_advice(web, "during the rolling update"))
    result.steps.append(entry)


def _broken(be: DrillBackend, plan: VerifyPlan, web: Manifest, paths: list[str], step: Any,
            result: DrillResult) -> None:
    load = _load(be, plan, paths)
    try:
        broken = be.roll_broken(plan, web)
    finally:
        seen = load.stop() if load else None
    entry: dict[str, Any] = {"name": "broken revision", "took_traffic": broken.took_traffic,
                             "stalled": broken.stalled, "detail": broken.detail}
    step.detail = broken.detail
    if seen is not None:
        entry["load"] = seen.to_json()
        step.detail += f"; old pods under load: {seen.describe()}"
    if not broken.took_traffic and broken.stalled and seen is not None and seen.failed and dp.recreates(web):
        # the old pod is gone before the broken one starts: the app is down until the rollback
        step.status = WARNING
        entry["reason"] = f"{name_of(web)} {dp.RECREATE_REASON}"
        step.detail += f"; expected: {name_of(web)} {dp.RECREATE_REASON}, until the rollback"
    elif broken.took_traffic or not broken.stalled or (seen is not None and seen.failed):
        step.status = FAILED
        if broken.took_traffic:
            result.advice.append(f"{name_of(web)} let a revision that never listens become ready: give the web "
                                 "container a readiness probe on its health path (`[health] path` in migrate.toml)")
    result.steps.append(entry)


def _rollback(be: DrillBackend, plan: VerifyPlan, web: Manifest, paths: list[str], step: Any,
              result: DrillResult) -> None:
    load = _load(be, plan, paths)
    t0 = time.monotonic()
    try:
        be.undo(plan, web)
        seconds = time.monotonic() - t0
        answered = _answers(be, plan, paths, deadline=time.monotonic() + 60)
        whole = time.monotonic() - t0
        if load is not None:
            time.sleep(max(0.0, AFTER_ROLLBACK_SECONDS - whole))
    finally:
        seen = load.stop() if load else None
    entry: dict[str, Any] = {"name": "rollback", "rollback_s": round(seconds, 2), "answering_s": round(whole, 2)}
    step.detail = f"rolled back to the previous revision in {seconds:.1f}s; answering after {whole:.1f}s"
    if seen is not None:
        entry["load"] = seen.to_json()
        step.detail += f"; under load: {seen.describe()}"
    if not answered:
        step.status = FAILED
        step.detail += "; the health path did not answer within 60s of the rollback"
    elif seen is not None and seen.failed and dp.recreates(web):
        step.status = WARNING
        entry["reason"] = f"{name_of(web)} {dp.RECREATE_REASON}"
        step.detail += f"; expected until the old revision is back: {name_of(web)} {dp.RECREATE_REASON}"
    elif seen is not None and seen.failed:
        step.status = FAILED
    result.steps.append(entry)


def _answers(be: DrillBackend, plan: VerifyPlan, paths: list[str], deadline: float) -> bool:
    if plan.health is None or not paths:
        return True
    while time.monotonic() < deadline:
        for target in be.service_targets(plan):
            try:
                if 200 <= ld.request(target, paths[0], {"Host": plan.health.host}) < 400:
                    return True
            except OSError:
                pass
        time.sleep(0.5)
    return False


def _graceful(be: DrillBackend, plan: VerifyPlan, web: Manifest | None, paths: list[str], step: Any,
              result: DrillResult) -> None:
    """Stop every workload's pod; the web one under load aimed at that pod, SIGTERM sent with requests in
    flight (the load stops starting new ones at that instant: the endpoint is gone)."""
    load = _load(be, plan, paths, pod=web) if web is not None else None
    if load is not None:
        _wait_in_flight(load, seconds=3.0)
    at: list[float] = []  # filled by the backend: the instant the stop began (preStop, then SIGTERM)
    try:
        if load is not None:
            load.halt()
        stops = be.stop_pods(plan, plan.deployments, at)
    finally:
        seen = load.stop() if load else None
    entry: dict[str, Any] = {"name": "graceful stop", "stops": [s.to_json() for s in stops]}
    lines = [f"{s.workload} stopped in {s.seconds:.1f}s of its {s.grace}s grace period"
             + (" (killed: SIGTERM ignored)" if s.killed else "") for s in stops]
    killed = [s for s in stops if s.killed]
    if seen is not None and load is not None and at:
        flight = load.in_flight(at[0])
        dropped = [s for s in flight if not s.ok]
        entry["in_flight"], entry["dropped"] = len(flight), len(dropped)
        lines.insert(0, f"{name_of(web or {})} had {len(flight)} request(s) in flight at the stop, "
                        f"{len(dropped)} dropped")
        if dropped:
            step.status = FAILED
            longest = max(s.end - s.start for s in flight)
            result.advice.append(dp.drop_advice(web, "at SIGTERM", longest))
    for s in killed:
        result.advice.append(dp.ignore_advice(s))
        if step.status != FAILED:
            step.status = WARNING
    if not stops:
        step.status, lines = SKIPPED, ["no Deployment to stop"]
    step.detail = "; ".join(lines)
    result.steps.append(entry)


def _wait_in_flight(load: ld.Load, seconds: float) -> None:
    """Let the load run a moment, then until a request is in flight (bounded): SIGTERM must meet one."""
    time.sleep(WARM_UP_SECONDS)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not load.active():
        time.sleep(0.01)


