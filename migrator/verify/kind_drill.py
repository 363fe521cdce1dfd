"""The drill on a real cluster: ``kubectl rollout`` on the verify namespace, load through the API server.

Rolling update: ``kubectl rollout restart`` (a new pod template annotation, same image) and ``kubectl
rollout status``. Broken revision: a strategic-merge patch replaces the web container's command by one
that never listens and shortens ``progressDeadlineSeconds`` to :data:`DRILL_DEADLINE`, so that the
Deployment controller itself reports ``ProgressDeadlineExceeded`` within the drill; the old
ReplicaSet must keep its ready pods. Rollback: ``kubectl rollout undo``, then the deadline is put back.
Graceful stop: ``kubectl delete pod`` of each workload's pod, timed against its grace period.

The load goes to ``kubectl proxy`` on loopback, which forwards to the Service (only its ready
endpoints) or, for the stop, to one pod. Every command is built by :func:`kubectl_argv` and run
without a shell.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from migrator.verify import drill_pods as dp
from migrator.verify.load import Target
from migrator.verify.manifests import Manifest, containers
from migrator.verify.plan import VerifyPlan, name_of
from migrator.verify.report import StepFailed

DRILL_DEADLINE = 30  # progressDeadlineSeconds while the broken revision rolls out
Run = Callable[[list[str], float], subprocess.CompletedProcess[str]]


def kubectl_argv(context: str, namespace: str, *args: str) -> list[str]:
    return ["kubectl", "--context", context, "--namespace", namespace, *args]


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def broken_patch(workload: Manifest) -> dict[str, Any]:
    """The strategic-merge patch of the broken revision (containers merge by name; ``args: null`` drops them)."""
    main = containers(workload, init=False)[0]
    return {"spec": {"progressDeadlineSeconds": DRILL_DEADLINE, "template": {"spec": {"containers": [
        {"name": main["name"], "command": list(dp.BROKEN_COMMAND), "args": None}]}}}}


def resource(workload: Manifest) -> str:
    """``deployment/NAME`` or ``statefulset/NAME``: what kubectl rollout takes."""
    return f"{str(workload.get('kind', 'Deployment')).lower()}/{name_of(workload)}"


def selector_of(workload: Manifest) -> str:
    labels = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def service_port(plan: VerifyPlan) -> str:
    """The web Service's port as the API server's proxy path names it (its name, else its number)."""
    assert plan.health is not None
    service = next((s for s in plan.of_kind("Service") if name_of(s) == plan.health.service), {})
    ports = (service.get("spec") or {}).get("ports") or [{}]
    return str(ports[0].get("name") or ports[0].get("port") or plan.health.port)


class KindDrill:
    """:class:`~migrator.verify.drill.DrillBackend` with kubectl against ``context``/``namespace``."""

    simulation = False

    def __init__(self, context: str, namespace: str, timeout: float, run: Run = _run,
                 say: Callable[[str], None] = lambda _: None) -> None:
        self.context = context
        self.namespace = namespace
        self.timeout = timeout
        self.run = run
        self.say = say
        self.proxy: subprocess.Popen[str] | None = None
        self.proxy_port = 0
        self.deadlines: dict[str, int | None] = {}

    def kubectl(self, *args: str, timeout: float | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = kubectl_argv(self.context, self.namespace, *args)
        proc = self.run(argv, timeout or self.timeout + 30)
        if check and proc.returncode != 0:
            raise StepFailed(f"{' '.join(argv[5:])} failed: {proc.stderr.strip()[-500:]}")
        return proc

    # -- traffic ---------------------------------------------------------------------------------
    def _proxy(self) -> int:
        """``kubectl proxy`` on a free loopback port, started once; its port."""
        if self.proxy is None:
            argv = ["kubectl", "--context", self.context, "proxy", "--port=0", "--address=127.0.0.1"]
            self.proxy = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            assert self.proxy.stdout is not None
            line = self.proxy.stdout.readline()  # "Starting to serve on 127.0.0.1:PORT"
            port = line.strip().rsplit(":", 1)[-1]
            if not port.isdigit():
                raise StepFailed(f"kubectl proxy did not start: {line.strip()!r}")
            self.proxy_port = int(port)
        return self.proxy_port

    def service_targets(self, plan: VerifyPlan) -> Sequence[Target]:
        if plan.health is None:
            return []
        prefix = f"/api/v1/namespaces/{self.namespace}/services/{plan.health.service}:{service_port(plan)}/proxy"
        return [Target("127.0.0.1", self._proxy(), prefix, plan.health.service)]

    def _pod(self, workload: Manifest) -> str:
        out = self.kubectl("get", "pods", "-l", selector_of(workload), "--field-selector=status.phase=Running",
                           "-o", "jsonpath={.items[0].metadata.name}").stdout.strip()
        if not out:
            raise StepFailed(f"no running pod of {name_of(workload)}")
        return out

    def pod_targets(self, plan: VerifyPlan, workload: Manifest) -> Sequence[Target]:
        assert plan.health is not None
        pod = self._pod(workload)
        prefix = f"/api/v1/namespaces/{self.namespace}/pods/{pod}:{plan.health.port}/proxy"
        return [Target("127.0.0.1", self._proxy(), prefix, pod)]

    # -- rollouts ----------------------------------------------------------------------------------
    def _status(self, what: str, timeout: float) -> subprocess.CompletedProcess[str]:
        return self.kubectl("rollout", "status", what, f"--timeout={int(timeout)}s", timeout=timeout + 30, check=False)

    def roll(self, plan: VerifyPlan, workload: Manifest) -> None:
        name = name_of(workload)
        self.kubectl("rollout", "restart", resource(workload))
        status = self._status(resource(workload), self.timeout)
        if status.returncode != 0:
            raise StepFailed(f"the new revision of {name} did not roll out: {status.stderr.strip()[-300:]}")

    def _jsonpath(self, name: str, path: str) -> str:
        return self.kubectl("get", f"deployment/{name}", "-o", f"jsonpath={{{path}}}").stdout.strip()

    def roll_broken(self, plan: VerifyPlan, workload: Manifest) -> dp.Broken:
        name = name_of(workload)
        before = self._jsonpath(name, ".spec.progressDeadlineSeconds")
        self.deadlines[name] = int(before) if before.isdigit() else None
        self.kubectl("patch", f"deployment/{name}", "--type=strategic", "-p", json.dumps(broken_patch(workload)))
        status = self._status(f"deployment/{name}", DRILL_DEADLINE + 60)
        reason = self._jsonpath(name, '.status.conditions[?(@.type=="Progressing")].reason')
        want = self._jsonpath(name, ".spec.replicas") or "1"
        available = self._jsonpath(name, ".status.availableReplicas") or "0"
        stalled = status.returncode != 0 and reason == "ProgressDeadlineExceeded"
        took = status.returncode == 0
        detail = (f"broken revision ({' '.join(dp.BROKEN_COMMAND)}): `kubectl rollout status` "
                  f"{'succeeded' if took else 'exited ' + str(status.returncode)}, Progressing reason {reason or '?'} "
                  f"(progressDeadlineSeconds {DRILL_DEADLINE} for the drill), {available}/{want} old replicas "
                  "available")
        return dp.Broken(took, stalled and available == want, detail)

    def undo(self, plan: VerifyPlan, workload: Manifest) -> None:
        name = name_of(workload)
        self.kubectl("rollout", "undo", f"deployment/{name}")
        status = self._status(f"deployment/{name}", self.timeout)
        deadline = self.deadlines.pop(name, None)
        value: Any = deadline if deadline is not None else dp.DEFAULT_PROGRESS_DEADLINE
        self.kubectl("patch", f"deployment/{name}", "--type=merge", "-p",
                     json.dumps({"spec": {"progressDeadlineSeconds": value}}))
        if status.returncode != 0:
            raise StepFailed(f"the rollback of {name} did not complete: {status.stderr.strip()[-300:]}")

    # -- stopping ----------------------------------------------------------------------------------
    def stop_pods(self, plan: VerifyPlan, workloads: Sequence[Manifest], at: list[float]) -> list[dp.Stop]:
        pods = {name_of(w): self._pod(w) for w in workloads}
        out: dict[str, dp.Stop] = {}

        def one(obj: Manifest) -> None:
            grace = dp.grace_of(obj)
            t0 = time.monotonic()
            proc = self.kubectl("delete", "pod", pods[name_of(obj)], "--wait=true", f"--timeout={grace + 30}s",
                                timeout=grace + 60, check=False)
            seconds = time.monotonic() - t0
            main = containers(obj, init=False)
            command = tuple(str(x) for x in [*(main[0].get("command") or []), *(main[0].get("args") or [])]) \
                if main else ()
            if proc.returncode == 0:
                out[name_of(obj)] = dp.Stop(name_of(obj), seconds, grace, seconds >= grace - 1, None, command,
                                           dp.process_key(obj))

        at.append(time.monotonic())
        threads = [threading.Thread(target=one, args=(w,), daemon=True) for w in workloads]
        for t in threads:
            t.start()
        for t, w in zip(threads, workloads, strict=True):
            t.join(dp.grace_of(w) + 90)
        return [out[name_of(w)] for w in workloads if name_of(w) in out]

    def close(self) -> None:
        if self.proxy is not None:
            self.proxy.terminate()
            try:
                self.proxy.wait(10)
            except subprocess.TimeoutExpired:
                self.proxy.kill()
            self.proxy = None
