"""migrator/verify/kind_drill.py without a cluster: the kubectl commands the drill issues, in order, and
how it reads their answers (the real run is in .github/workflows/kind.yml)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

from migrator.verify import drill_pods as dp
from migrator.verify import manifests as mf
from migrator.verify.kind_drill import DRILL_DEADLINE, KindDrill, broken_patch, kubectl_argv, service_port
from migrator.verify.plan import make_plan
from migrator.verify.report import StepFailed

from .conftest import APP

CTX, NS = "kind-migrate-verify", "migrate-verify-r1"


class Kubectl:
    """Records argv; answers from ``replies``: a function of the arguments after the namespace."""

    def __init__(self, replies: Callable[[list[str]], tuple[int, str, str]] | None = None) -> None:
        self.seen: list[list[str]] = []
        self.replies = replies or (lambda args: (0, "", ""))

    def __call__(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        assert argv[:5] == ["kubectl", "--context", CTX, "--namespace", NS] and timeout > 0
        self.seen.append(argv[5:])
        code, out, err = self.replies(argv[5:])
        return subprocess.CompletedProcess(argv, code, out, err)


def _web() -> mf.Manifest:
    web = mf.load(APP).named("Deployment", "web")
    assert web is not None
    return web


def test_kubectl_argv_names_context_and_namespace_and_never_a_shell() -> None:
    assert kubectl_argv(CTX, NS, "rollout", "undo", "deployment/web") == [
        "kubectl", "--context", CTX, "--namespace", NS, "rollout", "undo", "deployment/web"]


def test_rolling_update_is_rollout_restart_then_status() -> None:
    k = Kubectl()
    KindDrill(CTX, NS, 120, run=k).roll(make_plan([_web()], "img"), _web())
    assert k.seen == [["rollout", "restart", "deployment/web"],
                      ["rollout", "status", "deployment/web", "--timeout=120s"]]


def test_a_statefulset_is_rolled_as_one() -> None:
    k = Kubectl()
    sts = {**_web(), "kind": "StatefulSet"}
    KindDrill(CTX, NS, 120, run=k).roll(make_plan([sts], "img"), sts)
    assert k.seen[0] == ["rollout", "restart", "statefulset/web"] and k.seen[1][2] == "statefulset/web"


def test_a_rollout_that_does_not_finish_fails_the_step() -> None:
    k = Kubectl(lambda a: (1, "", "error: timed out waiting for the condition") if a[1] == "status" else (0, "", ""))
    with pytest.raises(StepFailed, match="the new revision of web did not roll out: error: timed out"):
        KindDrill(CTX, NS, 60, run=k).roll(make_plan([_web()], "img"), _web())


def test_the_broken_patch_replaces_the_command_drops_args_and_shortens_the_deadline() -> None:
    patch = broken_patch(_web())
    assert patch == {"spec": {"progressDeadlineSeconds": DRILL_DEADLINE, "template": {"spec": {"containers": [
        {"name": "web", "command": ["sleep", "3600"], "args": None}]}}}}


Reply = Callable[[list[str]], tuple[int, str, str]]


def _cluster(progress_reason: str, status_code: int, available: str = "2") -> Reply:
    """A cluster where the broken rollout ends with ``status_code``; after an undo, rollouts complete."""
    undone: list[bool] = []

    def reply(args: list[str]) -> tuple[int, str, str]:
        if args[:2] == ["rollout", "undo"]:
            undone.append(True)
        if args[:2] == ["rollout", "status"]:
            code = 0 if undone else status_code
            return code, "", 'error: deployment "web" exceeded its progress deadline' if code else ""
        if args[0] == "get":
            path = args[-1]
            return 0, {"jsonpath={.spec.progressDeadlineSeconds}": "600",
                       'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}': progress_reason,
                       "jsonpath={.spec.replicas}": "2", "jsonpath={.status.availableReplicas}": available}[path], ""
        return 0, "", ""
    return reply


def test_a_stalled_broken_revision_is_what_the_controller_reports_and_undo_restores_the_deadline() -> None:
    k = Kubectl(_cluster("ProgressDeadlineExceeded", 1))
    drill = KindDrill(CTX, NS, 120, run=k)
    plan = make_plan([_web()], "img")
    broken = drill.roll_broken(plan, _web())
    assert broken.stalled and not broken.took_traffic
    assert "Progressing reason ProgressDeadlineExceeded" in broken.detail and "2/2 old replicas" in broken.detail
    patch = k.seen[1]
    assert patch[:3] == ["patch", "deployment/web", "--type=strategic"] and json.loads(patch[4]) == broken_patch(_web())
    assert k.seen[2] == ["rollout", "status", "deployment/web", f"--timeout={DRILL_DEADLINE + 60}s"]
    k.seen.clear()
    drill.undo(plan, _web())
    assert k.seen == [["rollout", "undo", "deployment/web"], ["rollout", "status", "deployment/web", "--timeout=120s"],
                      ["patch", "deployment/web", "--type=merge", "-p", '{"spec": {"progressDeadlineSeconds": 600}}']]


def test_a_broken_revision_that_rolled_out_took_traffic() -> None:
    broken = KindDrill(CTX, NS, 120, run=Kubectl(_cluster("NewReplicaSetAvailable", 0))).roll_broken(
        make_plan([_web()], "img"), _web())
    assert broken.took_traffic and not broken.stalled


def test_old_pods_lost_during_the_stall_is_not_a_kept_promise() -> None:
    broken = KindDrill(CTX, NS, 120, run=Kubectl(_cluster("ProgressDeadlineExceeded", 1, available="1"))).roll_broken(
        make_plan([_web()], "img"), _web())
    assert not broken.stalled


def test_graceful_stop_deletes_one_running_pod_per_workload_and_times_it() -> None:
    def reply(args: list[str]) -> tuple[int, str, str]:
        if args[:2] == ["get", "pods"]:
            web = args[3] == "app.kubernetes.io/component=web,app.kubernetes.io/name=tinyapp"
            return 0, "web-abc" if web else "w-1", ""
        return 0, "", ""

    k = Kubectl(reply)
    objs = mf.load(APP)
    workloads = [o for o in (objs.named("Deployment", "web"), objs.named("Deployment", "worker")) if o is not None]
    at: list[float] = []
    stops = KindDrill(CTX, NS, 120, run=k).stop_pods(make_plan(workloads, "img"), workloads, at)
    assert at and [s.workload for s in stops] == ["web", "worker"] and not any(s.killed for s in stops)
    assert ["get", "pods", "-l", "app.kubernetes.io/component=web,app.kubernetes.io/name=tinyapp",
            "--field-selector=status.phase=Running", "-o", "jsonpath={.items[0].metadata.name}"] in k.seen
    deletes = sorted(a for a in k.seen if a[0] == "delete")
    assert deletes == [["delete", "pod", "w-1", "--wait=true", "--timeout=60s"],
                       ["delete", "pod", "web-abc", "--wait=true", "--timeout=60s"]]


def test_load_goes_through_the_api_server_proxy_to_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    objs = mf.load(APP).objects
    plan = make_plan(objs, "img")
    drill = KindDrill(CTX, NS, 120, run=Kubectl())
    monkeypatch.setattr(drill, "_proxy", lambda: 8001)
    (target,) = drill.service_targets(plan)
    assert (target.host, target.port) == ("127.0.0.1", 8001)
    assert target.prefix == f"/api/v1/namespaces/{NS}/services/web:http/proxy" and service_port(plan) == "http"
    assert dp.DEFAULT_GRACE == 30
