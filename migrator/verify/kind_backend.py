"""The cluster backend: a real Kubernetes, normally a kind cluster, driven through its API.

kind CLI: create or reuse the cluster, ``kind load docker-image``. With ``--kube-context`` any
existing cluster is used instead and the image is pushed to ``--push REGISTRY``. Everything runs in
a temporary namespace (label ``migrate.verify=<run id>``) deleted afterwards; objects are applied with
the kubernetes Python client, rollouts are awaited through the API, and the health check goes through
a port-forward to a pod behind the web Service.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import time
from typing import TYPE_CHECKING, Any

from migrator import names
from migrator.errors import UserError
from migrator.verify.manifests import Manifest, containers
from migrator.verify.plan import VerifyPlan, name_of
from migrator.verify.report import StepFailed, VerifyReport, tail
from migrator.verify.services import BackingService, secret_manifest

if TYPE_CHECKING:
    from migrator.verify.drill import DrillBackend

LABEL = "migrate.verify"
_LATER = {"Deployment", "StatefulSet", "Job", "CronJob", "Secret", "Namespace"}
_BAD_WAITING = {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError",
                "CreateContainerError", "InvalidImageName", "RunContainerError"}


def _k8s() -> Any:
    """The kubernetes client module, untyped on purpose: its generated models make every field Optional."""
    import kubernetes.client

    return kubernetes.client


def _kind(*args: str, timeout: float = 600) -> str:
    proc = subprocess.run(["kind", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise StepFailed(f"kind {' '.join(args)} failed: {proc.stderr.strip()[-500:]}")
    return proc.stdout


class KindBackend:
    """Runs a :class:`VerifyPlan` in a temporary namespace of a real cluster."""

    name = "kind"

    def __init__(self, client: Any, run_id: str, report: VerifyReport, timeout: float = 300,
                 cluster: str = "migrate-verify", kube_context: str | None = None, push: str | None = None) -> None:
        if kube_context is None and shutil.which("kind") is None:
            raise UserError("the kind CLI is not installed (use --backend docker, or --kube-context CTX --push REG)")
        self.docker = client
        self.run_id = run_id
        self.report = report
        self.timeout = timeout
        self.cluster = cluster
        self.kube_context = kube_context
        self.push = push
        self.namespace = names.dns_label(f"migrate-verify-{run_id}")
        self.api: Any = None
        self.restarts: dict[str, int] = {}

    # -- cluster and image -------------------------------------------------------------------------
    def publish(self, tag: str) -> str:
        """Make the image pullable by the cluster: kind load, or push to the registry."""
        if self.kube_context:
            if not self.push:
                raise UserError("--kube-context needs --push REGISTRY")
            ref = f"{self.push.rstrip('/')}/{tag}"
            repo, _, ver = ref.rpartition(":")
            self.docker.images.get(tag).tag(repo, ver)
            for line in self.docker.images.push(repo, tag=ver, stream=True, decode=True):
                if "error" in line:
                    raise StepFailed(f"push {ref} failed: {line['error']}")
            return ref
        if self.cluster not in _kind("get", "clusters").split():
            self.report.say(f"  creating kind cluster {self.cluster}")
            _kind("create", "cluster", "--name", self.cluster, "--wait", "180s")
            self.report.notes.append(f"kind cluster {self.cluster} created (kept for reuse; `kind delete cluster "
                                     f"--name {self.cluster}` removes it)")
        _kind("load", "docker-image", tag, "--name", self.cluster)
        return tag

    def _connect(self) -> Any:
        import kubernetes.config

        config: Any = kubernetes.config
        context = self.kube_context or f"kind-{self.cluster}"
        try:
            return config.new_client_from_config(context=context)
        except Exception as exc:
            raise UserError(f"cannot use kube context {context}: {exc}") from exc

    def prepare(self, plan: VerifyPlan) -> None:
        k8s = _k8s()
        self.api = self._connect()
        k8s.CoreV1Api(self.api).create_namespace(
            {"metadata": {"name": self.namespace, "labels": {LABEL: self.run_id}}}
        )
        for obj in plan.objects:  # everything but workloads (applied in their steps) and Secrets (faked)
            if obj.get("kind") not in _LATER:
                self._apply(self._wired(plan, obj))
        for name, values in plan.secrets.items():
            self._apply(secret_manifest(name, values))

    def _wired(self, plan: VerifyPlan, obj: Manifest) -> Manifest:
        obj = copy.deepcopy(obj)
        if obj.get("kind") == "ConfigMap":
            obj["data"] = dict(plan.configmaps.get(name_of(obj), {}))
        for c in containers(obj):
            for e in c.get("env") or []:
                if "value" in e and e["name"] in plan.wired:
                    e["value"] = plan.wired[e["name"]]
        return obj

    def _apply(self, obj: Manifest) -> None:
        import kubernetes.utils

        utils: Any = kubernetes.utils
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        meta.pop("namespace", None)
        meta.setdefault("labels", {})[LABEL] = self.run_id
        try:
            utils.create_from_dict(self.api, obj, namespace=self.namespace)
        except utils.FailToCreateError as exc:
            raise StepFailed(f"applying {obj.get('kind')}/{name_of(obj)} failed: {exc}") from exc

    def cleanup(self) -> None:
        if self.api is None:
            return
        k8s = _k8s()
        k8s.CoreV1Api(self.api).delete_namespace(self.namespace, propagation_policy="Background")

    # -- backing services --------------------------------------------------------------------------
    def start_services(self, plan: VerifyPlan) -> None:
        for service in plan.services:
            if not self.kube_context:
                _kind("load", "docker-image", service.image, "--name", self.cluster)
            for obj in service_objects(service):
                self._apply(obj)
        for service in plan.services:
            self._wait_deployment(service.host, time.monotonic() + self.timeout)

    # -- jobs ------------------------------------------------------------------------------------
    def run_job(self, plan: VerifyPlan, job: Manifest) -> tuple[str, dict[str, list[str]]]:
        k8s = _k8s()
        obj = self._wired(plan, job)
        if obj.get("kind") == "CronJob":
            obj = manual_job(obj, self.run_id)
        self._apply(obj)
        batch = k8s.BatchV1Api(self.api)
        deadline = time.monotonic() + self.timeout
        name = name_of(obj)
        while time.monotonic() < deadline:
            status = batch.read_namespaced_job_status(name, self.namespace).status
            if status.succeeded:
                return "completed", self._logs(f"job-name={name}", 10)
            if any(c.type == "Failed" and c.status == "True" for c in status.conditions or []):
                raise self._evidence(f"job {name} failed", f"job-name={name}")
            time.sleep(2)
        raise self._evidence(f"job {name} did not finish within {self.timeout:.0f}s", f"job-name={name}")

    # -- deployments -----------------------------------------------------------------------------
    def start_workloads(self, plan: VerifyPlan) -> None:
        for obj in plan.deployments:
            self._apply(self._wired(plan, obj))

    def wait_ready(self, plan: VerifyPlan) -> None:
        deadline = time.monotonic() + self.timeout
        for obj in plan.deployments:
            self._wait_deployment(name_of(obj), deadline, obj.get("kind", "Deployment"))
        self.restarts = self._restart_counts()

    def _wait_deployment(self, name: str, deadline: float, kind: str = "Deployment") -> None:
        k8s = _k8s()
        apps = k8s.AppsV1Api(self.api)
        read = (apps.read_namespaced_stateful_set_status if kind == "StatefulSet"
                else apps.read_namespaced_deployment_status)
        last = ""
        while True:
            obj = read(name, self.namespace)
            want = obj.spec.replicas if obj.spec.replicas is not None else 1
            ready = obj.status.ready_replicas or 0
            selector = ",".join(f"{k}={v}" for k, v in (obj.spec.selector.match_labels or {}).items())
            progress = f"{name}: {ready}/{want} ready"
            if progress != last:
                self.report.say(f"  {progress}")
                last = progress
            if ready >= want and (obj.status.updated_replicas or 0) >= want:
                return
            bad = self._bad_pod(selector)
            if bad:
                raise self._evidence(f"{name}: {bad}", selector)
            if time.monotonic() > deadline:
                raise self._evidence(f"{name} not ready after {self.timeout:.0f}s ({progress})", selector)
            time.sleep(2)

    def _pods(self, selector: str) -> list[Any]:
        k8s = _k8s()
        return list(k8s.CoreV1Api(self.api).list_namespaced_pod(self.namespace, label_selector=selector).items)

    def _bad_pod(self, selector: str) -> str | None:
        for pod in self._pods(selector):
            for cs in pod.status.container_statuses or []:
                waiting = cs.state.waiting if cs.state else None
                if waiting and waiting.reason in _BAD_WAITING:
                    return f"pod {pod.metadata.name} container {cs.name}: {waiting.reason}: {waiting.message or ''}"
        return None

    def _restart_counts(self) -> dict[str, int]:
        return {f"{p.metadata.name}/{cs.name}": cs.restart_count
                for p in self._pods("") for cs in p.status.container_statuses or []}

    def settle(self, plan: VerifyPlan, seconds: float) -> None:
        time.sleep(seconds)
        for key, count in self._restart_counts().items():
            if count > self.restarts.get(key, 0):
                raise self._evidence(f"{key} restarted during the settle period", "")

    def pod_logs(self, plan: VerifyPlan, workload: str) -> dict[str, list[str]]:
        obj = next((d for d in plan.deployments if name_of(d) == workload), None)
        labels = (((obj or {}).get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        return self._logs(",".join(f"{k}={v}" for k, v in labels.items()), 40) if labels else {}

    def drill(self) -> DrillBackend:
        """The drill with kubectl against this run's namespace (the context verify uses)."""
        from migrator.verify.kind_drill import KindDrill

        return KindDrill(self.kube_context or f"kind-{self.cluster}", self.namespace, self.timeout,
                         say=self.report.say)

    def http_check(self, plan: VerifyPlan) -> tuple[int, str]:
        k8s = _k8s()
        from kubernetes.stream import portforward

        assert plan.health is not None
        h = plan.health
        service = k8s.CoreV1Api(self.api).read_namespaced_service(h.service, self.namespace)
        selector = ",".join(f"{k}={v}" for k, v in (service.spec.selector or {}).items())
        pods = [p for p in self._pods(selector) if p.status.phase == "Running"]
        if not pods:
            raise self._evidence(f"no running pod behind Service {h.service}", selector)
        core = k8s.CoreV1Api(self.api)
        pf = portforward(core.connect_get_namespaced_pod_portforward, pods[0].metadata.name, self.namespace,
                         ports=str(h.port))
        sock = pf.socket(h.port)
        sock.setblocking(True)
        sock.settimeout(15)
        try:
            sock.sendall(f"GET {h.path} HTTP/1.0\r\nHost: {h.host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
                if len(data) > 8192:
                    break
        finally:
            sock.close()
            pf.close()
        head, _, body = data.decode("utf-8", "replace").partition("\r\n\r\n")
        parts = head.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            raise OSError(f"no HTTP answer through the port-forward: {head[:100]!r}")
        return int(parts[1]), body[:200]

    def _logs(self, selector: str, lines: int) -> dict[str, list[str]]:
        k8s = _k8s()
        core = k8s.CoreV1Api(self.api)
        out: dict[str, list[str]] = {}
        for pod in self._pods(selector):
            for cs in pod.status.container_statuses or []:
                try:
                    text = core.read_namespaced_pod_log(pod.metadata.name, self.namespace, container=cs.name,
                                                        tail_lines=lines)
                except Exception as exc:  # the container never started: no logs to show
                    text = f"(logs unavailable: {exc})"
                out[f"{pod.metadata.name}/{cs.name}"] = tail(str(text), lines)
        return out

    # -- failure evidence --------------------------------------------------------------------------
    def _evidence(self, detail: str, selector: str) -> StepFailed:
        """Events, pod status and the last log lines of the failing containers."""
        k8s = _k8s()
        core = k8s.CoreV1Api(self.api)
        events = [f"{e.involved_object.kind}/{e.involved_object.name}: {e.reason}: {e.message}"
                  for e in core.list_namespaced_event(self.namespace).items][-15:]
        logs: dict[str, list[str]] = {}
        ran = True
        for pod in self._pods(selector):  # "" = every pod: only unready or restarted containers are shown
            for cs in pod.status.container_statuses or []:
                if cs.ready and not cs.restart_count:
                    continue
                state = cs.state.waiting or cs.state.terminated if cs.state else None
                ran = ran and not _never_ran(cs)
                events.append(f"pod {pod.metadata.name} {cs.name}: {pod.status.phase}, restarts {cs.restart_count}, "
                              f"{getattr(state, 'reason', '')}")
                try:
                    text = core.read_namespaced_pod_log(pod.metadata.name, self.namespace, container=cs.name,
                                                        tail_lines=40, previous=bool(cs.restart_count))
                except Exception as exc:  # no previous container yet, or logs gone
                    text = f"(logs unavailable: {exc})"
                logs[f"{pod.metadata.name}/{cs.name}"] = tail(str(text))
        return StepFailed(detail, logs=logs, events=events, ran=ran)


# the kubelet's words for a container whose program never ran (not found, not executable, bad image)
_NEVER_RAN = {"ContainerCannotRun", "CreateContainerError", "RunContainerError", "CreateContainerConfigError",
              "ErrImagePull", "ImagePullBackOff", "InvalidImageName"}


def _never_ran(status: Any) -> bool:
    state = status.state
    waiting = getattr(state, "waiting", None)
    terminated = getattr(state, "terminated", None) or getattr(status.last_state, "terminated", None)
    if waiting is not None and waiting.reason in _NEVER_RAN:
        return True
    return terminated is not None and (terminated.reason in _NEVER_RAN or terminated.exit_code in (126, 127))


def manual_job(cronjob: Manifest, run_id: str) -> Manifest:
    """The Job `kubectl create job --from=cronjob/NAME` creates: the job template, marked manual."""
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": names.with_suffix(name_of(cronjob), f"-manual-{run_id}"),
                         "annotations": {"cronjob.kubernetes.io/instantiate": "manual"}},
            "spec": copy.deepcopy(cronjob["spec"]["jobTemplate"]["spec"])}


def service_objects(service: BackingService) -> list[Manifest]:
    labels = {"app.kubernetes.io/name": service.host}
    probe = {"exec": {"command": list(service.ready_command)}, "periodSeconds": 2, "failureThreshold": 60}
    container = {"name": service.kind, "image": service.image, "imagePullPolicy": "IfNotPresent",
                 "env": [{"name": k, "value": v} for k, v in service.env.items()],
                 "ports": [{"containerPort": service.port}], "readinessProbe": probe}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": service.host},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": service.host},
         "spec": {"selector": labels, "ports": [{"port": service.port, "targetPort": service.port}]}},
    ]
