"""The drill on the docker backend: a simulation of what a Deployment controller and the kubelet do.

A rollout starts the new revision's pod (its init containers, then its containers, with the Service
aliases), waits for its probes as the kubelet would, and only then takes the old pod out of the
simulated endpoints and stops it (``maxSurge 1``, ``maxUnavailable 0``); a new pod that never becomes
ready leaves the old one serving, which is what a stalled rollout is. Stopping a pod is the kubelet's
sequence: the preStop hook, then SIGTERM, then SIGKILL when ``terminationGracePeriodSeconds`` is
over. The endpoints of the web Service are the container addresses the load is sent to; taking a pod
out of them is instantaneous here (a cluster needs a moment to tell every node, which is what a
preStop sleep covers). One replica per workload, as for the rest of the docker backend.
"""

from __future__ import annotations

import contextlib
import copy
import math
import threading
import time
from collections.abc import Sequence
from typing import Any

from migrator.verify import drill_pods as dp
from migrator.verify.docker_backend import DockerBackend
from migrator.verify.load import Target
from migrator.verify.manifests import Manifest
from migrator.verify.plan import VerifyPlan, name_of, resolve_port
from migrator.verify.probes import http_get
from migrator.verify.report import StepFailed

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"  # what `kubectl rollout restart` changes
NOTE = ("drill (docker backend): a simulation of rollouts on plain containers, one replica per Deployment; "
        "a pod leaves the Service's endpoints at once when it stops (a cluster takes a moment)")


def restarted(workload: Manifest, revision: int) -> Manifest:
    """The workload with a new pod template: same image, a changed annotation (a new revision)."""
    obj = copy.deepcopy(workload)
    meta = obj["spec"]["template"].setdefault("metadata", {})
    meta.setdefault("annotations", {})[RESTARTED_AT] = f"migrate-verify-drill-{revision}"
    return obj


class DockerDrill:
    """:class:`~migrator.verify.drill.DrillBackend` on a :class:`DockerBackend` that booted the plan."""

    simulation = True

    def __init__(self, be: DockerBackend) -> None:
        self.be = be
        self.revision: dict[str, int] = {}
        self.serving: dict[str, list[list[str]]] = {name: [pod] for name, pod in be.pods.items()}
        self.broken: dict[str, list[str]] = {}
        self.specs: dict[str, Any] = {}
        self.ips: dict[str, str] = {}
        self.background: list[threading.Thread] = []
        be.report.notes.append(NOTE)

    # -- traffic -------------------------------------------------------------------------------
    def _target(self, pod: list[str], port: int) -> Target:
        first = pod[0]
        if first not in self.ips:
            c = self.be.running[first][0] if first in self.be.running else self.be.client.containers.get(first)
            c.reload()
            self.ips[first] = self.be.ip(c)
        return Target(self.ips[first], port, name=first)

    def service_targets(self, plan: VerifyPlan) -> Sequence[Target]:
        if plan.health is None:
            return []
        return [self._target(pod, plan.health.port) for pod in list(self.serving.get(plan.health.pod, []))]

    def pod_targets(self, plan: VerifyPlan, workload: Manifest) -> Sequence[Target]:
        assert plan.health is not None
        return [self._target(self.be.pods[name_of(workload)], plan.health.port)]

    # -- rollouts ------------------------------------------------------------------------------
    def _start(self, plan: VerifyPlan, obj: Manifest) -> list[str]:
        name = name_of(obj)
        rev = self.revision.get(name, 1) + 1
        self.revision[name] = rev
        return self.be.start_pod(plan, obj, self.be._name(name, f"r{rev}"))

    def _ready(self, pod: list[str], seconds: float) -> bool:
        """Tick the pod's probes until every container is ready (True) or ``seconds`` pass (False); a
        container that exits or a startup/liveness probe that gives up raises StepFailed."""
        deadline = time.monotonic() + seconds
        while True:
            if all(self.be.tick(c) for c in pod):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.3)

    def _replace(self, obj: Manifest, old: list[str], new: list[str]) -> None:
        """The new pod is ready: it joins the endpoints, the old one leaves them and stops (in the
        background: a rollout is complete when the new pods are available, not when the old are gone)."""
        name = name_of(obj)
        self.serving[name] = [*[p for p in self.serving.get(name, []) if p != old], new]
        self.be.pods[name] = new
        t = threading.Thread(target=self._stop, args=(obj, old), daemon=True)
        t.start()
        self.background.append(t)

    def _stop_first(self, workload: Manifest, old: list[str]) -> None:
        """``Recreate``: the old pod leaves the endpoints and is stopped before anything new starts."""
        name = name_of(workload)
        self.serving[name] = [p for p in self.serving.get(name, []) if p != old]
        self._stop(workload, old)

    def roll(self, plan: VerifyPlan, workload: Manifest) -> None:
        name = name_of(workload)
        old = self.be.pods[name]
        if dp.recreates(workload):
            self._stop_first(workload, old)
        new = self._start(plan, restarted(workload, self.revision.get(name, 1) + 1))
        if not self._ready(new, self.be.timeout):
            raise StepFailed(f"the new revision of {name}, pod {new[0]}, was not ready after {self.be.timeout:.0f}s: "
                             f"{self._last(new[0])}", logs=self.be.pod_logs(plan, name))
        if dp.recreates(workload):
            self.serving[name] = [new]
            self.be.pods[name] = new
        else:
            self._replace(workload, old, new)

    def _last(self, cname: str) -> str:
        states = self.be.probes.get(cname, {})
        startup = states.get("startupProbe")
        st = startup if startup is not None and not startup.passed else states.get("readinessProbe")
        return f"{'startup' if st is startup else 'readiness'} probe: {st.last}" if st else "no probe"

    def roll_broken(self, plan: VerifyPlan, workload: Manifest) -> dp.Broken:
        name = name_of(workload)
        old = self.be.pods[name]
        broken = dp.broken_template(restarted(workload, self.revision.get(name, 1) + 1))
        if dp.recreates(workload):
            self._stop_first(workload, old)
        pod = self._start(plan, broken)
        self.broken[name] = pod
        t0 = time.monotonic()
        try:
            ready = self._ready(pod, dp.broken_watch(workload))
            why = self._last(pod[0])
        except StepFailed as exc:  # it exited, or a startup probe gave up: never ready either
            ready, why = False, exc.detail
        watched = time.monotonic() - t0
        if ready and dp.recreates(workload):
            self.serving[name], self.be.pods[name] = [pod], pod
            return dp.Broken(True, False, f"the broken revision ({' '.join(dp.BROKEN_COMMAND)}) became ready: "
                             "nothing checks that it answers")
        if ready:
            self._replace(workload, old, pod)
            return dp.Broken(True, False, f"the broken revision ({' '.join(dp.BROKEN_COMMAND)}) became ready and "
                             f"replaced {old[0]}: nothing checks that it answers")
        deadline = dp.progress_deadline(workload)
        kept = ("the old pod was stopped first (Recreate), so nothing served" if dp.recreates(workload)
                else "the old pod kept serving")
        return dp.Broken(False, True, (
            f"new pod {pod[0]} ({' '.join(dp.BROKEN_COMMAND)}) not ready after {watched:.0f}s ({why}); {kept} "
            f"and the rollout stalled: in a cluster the Deployment reports Progressing=False, reason "
            f"ProgressDeadlineExceeded, after progressDeadlineSeconds ({deadline}s), and `kubectl rollout status` "
            "exits non-zero"))

    def undo(self, plan: VerifyPlan, workload: Manifest) -> None:
        """Back to the previous revision: the old pod is still serving, so the broken one just goes;
        when the broken one had replaced it, a pod of the previous template starts first."""
        name = name_of(workload)
        broken = self.broken.pop(name, [])
        serving = self.serving.get(name, [])
        if serving and broken not in serving:  # the old pod still serves: the broken one just goes
            self._discard(broken)
            return
        if broken not in serving:  # Recreate: nothing serves; the broken pod goes first, as the old one did
            self._discard(broken)
        new = self._start(plan, restarted(workload, self.revision.get(name, 1) + 1))
        if not self._ready(new, self.be.timeout):
            raise StepFailed(f"the rolled-back pod {new[0]} of {name} was not ready after {self.be.timeout:.0f}s")
        if broken in serving:
            self._replace(workload, broken, new)
        else:
            self.serving[name], self.be.pods[name] = [new], new

    def _discard(self, pod: list[str]) -> None:
        """Remove a pod that never became ready: it never served, nothing is in flight to wait for."""
        for cname in pod:
            if cname in self.be.running:
                c, _ = self.be.running.pop(cname)
                c.remove(force=True)
            self.be.probes.pop(cname, None)

    # -- stopping --------------------------------------------------------------------------------
    def _stop(self, obj: Manifest, pod: list[str]) -> dp.Stop:
        """The kubelet's stop: preStop hooks, SIGTERM, SIGKILL at the end of the grace period."""
        grace = dp.grace_of(obj)
        held = [(cname, *self.be.running.pop(cname)) for cname in pod if cname in self.be.running]
        for cname in pod:
            self.be.probes.pop(cname, None)
        t0 = time.monotonic()
        for _, c, spec in held:
            _pre_stop(c, spec, self.ips.get(pod[0], ""))
        remaining = max(0.0, grace - (time.monotonic() - t0))
        t_term = time.monotonic()
        for _, c, _ in held:
            c.stop(timeout=math.ceil(remaining))
        seconds = time.monotonic() - t0
        code = None
        if held:
            c = held[0][1]
            c.reload()
            code = c.attrs["State"].get("ExitCode")
        killed = code == 137 and time.monotonic() - t_term >= remaining - 0.5
        main = held[0][2] if held else {}
        command = tuple(str(x) for x in [*(main.get("command") or []), *(main.get("args") or [])])
        return dp.Stop(name_of(obj), seconds, grace, killed, code, command, dp.process_key(obj))

    def stop_pods(self, plan: VerifyPlan, workloads: Sequence[Manifest], at: list[float]) -> list[dp.Stop]:
        """Stop every workload's pod at once (each leaves its endpoints first); ``at`` gets the instant."""
        out: dict[str, dp.Stop] = {}
        errors: list[BaseException] = []

        def one(obj: Manifest) -> None:
            try:
                out[name_of(obj)] = self._stop(obj, self.be.pods[name_of(obj)])
            except Exception as exc:  # reported below, in the step
                errors.append(exc)

        for obj in workloads:
            self.serving[name_of(obj)] = []
        at.append(time.monotonic())
        threads = [threading.Thread(target=one, args=(obj,), daemon=True) for obj in workloads]
        for t in threads:
            t.start()
        for t, obj in zip(threads, workloads, strict=True):
            t.join(dp.grace_of(obj) + 30)
        if errors:
            raise StepFailed(f"stopping a pod failed: {type(errors[0]).__name__}: {errors[0]}")
        return [out[name_of(o)] for o in workloads if name_of(o) in out]

    def close(self) -> None:
        for t in self.background:
            t.join(60)


def _pre_stop(c: Any, spec: Any, ip: str) -> None:
    """Run a container's preStop hook as the kubelet does (exec in the container, or an HTTP GET)."""
    hook = (spec.get("lifecycle") or {}).get("preStop") or {}
    if "exec" in hook:
        c.exec_run([str(x) for x in hook["exec"].get("command") or []])
    elif "sleep" in hook:
        time.sleep(float(hook["sleep"].get("seconds", 0)))
    elif "httpGet" in hook and ip:
        h = hook["httpGet"]
        with contextlib.suppress(OSError, ValueError):  # the kubelet goes on to SIGTERM when the hook fails
            http_get(ip, resolve_port(spec, h.get("port")), h.get("path", "/"), timeout=10)

