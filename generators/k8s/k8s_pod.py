"""Pod templates shared by Deployments, CronJobs and the release Job: one hardened shape for all.

Every pod runs as the image's numeric UID with no privilege escalation, all capabilities dropped, the
RuntimeDefault seccomp profile and a read-only root filesystem; ``/tmp`` is an ``emptyDir`` (Python,
gunicorn's worker heartbeat and most libraries need a writable temp dir), each upload/media/SQLite
volume is a PersistentVolumeClaim mounted where the app writes, and each log or scratch directory the
code writes is an ``emptyDir`` of its own. No service account token is mounted: the app does
not talk to the Kubernetes API.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap

from generators.k8s.resources import Resources
from generators.k8s.yamlout import cmap, cseq, note
from generators.spec import UID, AppSpec, ProcessSpec

STARTUP_SECONDS = 150  # startupProbe budget: periodSeconds 5 x failureThreshold 30, for slow starters


def labels(spec: AppSpec, component: str | None = None) -> CommentedMap:
    return cmap(
        ("app.kubernetes.io/name", spec.name),
        ("app.kubernetes.io/instance", spec.name),
        ("app.kubernetes.io/component", component),
        ("app.kubernetes.io/part-of", spec.name),
        ("app.kubernetes.io/managed-by", "migrate"),
    )


def selector(spec: AppSpec, component: str) -> CommentedMap:
    """The immutable subset of the labels that selects one process's pods."""
    return cmap(("app.kubernetes.io/name", spec.name), ("app.kubernetes.io/instance", spec.name),
                ("app.kubernetes.io/component", component))


def metadata(spec: AppSpec, name: str, component: str | None = None, **extra: Any) -> CommentedMap:
    meta = cmap(name=name, namespace=spec.namespace.value, labels=labels(spec, component), **extra)
    return note(meta, "namespace", f"namespace: {spec.namespace.origin}")


def config_name(spec: AppSpec) -> str:
    return f"{spec.name}-config"


def secret_name(spec: AppSpec) -> str:
    return f"{spec.name}-secrets"


def files_secret_name(spec: AppSpec) -> str:
    """The Secret holding the files the legacy hosts linked into every release (config/database.yml)."""
    return f"{spec.name}-files"


def container(
    spec: AppSpec,
    name: str,
    argv: tuple[str, ...],
    resources: Resources,
    *,
    command_origin: str | None = None,
    process: ProcessSpec | None = None,
) -> CommentedMap:
    port = process.port if process else None
    c = cmap(name=name, image=spec.image, imagePullPolicy="IfNotPresent", command=cseq(*argv))
    note(c, "image", "tag set in migrate.toml / --image; the production overlay pins it")
    note(c, "command", command_origin)
    if port is not None:
        ports = cmap(name="http", containerPort=int(port.value), protocol="TCP")
        note(ports, "containerPort", f"port {port.value}: {port.origin}")
        c["ports"] = cseq(ports)
    if spec.config_env:
        c["envFrom"] = cseq(cmap(configMapRef=cmap(name=config_name(spec))))
    env = []
    if port is not None:
        env.append(cmap(name="PORT", value=str(port.value)))
    for var in spec.secret_env:
        ref = cmap(secretKeyRef=cmap(name=secret_name(spec), key=var.name))
        env.append(note(cmap(name=var.name, valueFrom=ref), "name", f"read at {var.origin}"))
    if env:
        c["env"] = cseq(*env)
    c["resources"] = resources_block(resources)
    c["securityContext"] = cmap(
        allowPrivilegeEscalation=False,
        privileged=False,
        readOnlyRootFilesystem=True,
        runAsNonRoot=True,
        runAsUser=UID,
        runAsGroup=UID,
        capabilities=cmap(drop=cseq("ALL")),
        seccompProfile=cmap(type="RuntimeDefault"),
    )
    mounts = [cmap(name="tmp", mountPath="/tmp")]  # noqa: S108 - an emptyDir, private to the pod
    for vol in spec.volumes:
        if vol.storage == "secret":  # one file in place, read-only: the directory around it stays the image's
            mount = cmap(name=vol.name, mountPath=vol.mount_path, subPath=vol.key, readOnly=True)
            mounts.append(note(mount, "mountPath", f"linked into every legacy release: {vol.origin}"))
            continue
        where = (f"legacy {vol.legacy_path}: {vol.origin}" if vol.storage == "pvc"
                 else f"the app writes here: {vol.origin}")
        mounts.append(note(cmap(name=vol.name, mountPath=vol.mount_path), "mountPath", where))
    c["volumeMounts"] = cseq(*mounts)
    if process is not None:
        _probes(spec, c, process)
        if process.pre_stop_sleep is not None:
            # the kubelet runs the hook before SIGTERM, while the Service stops sending new requests:
            # the requests in flight finish before the server is asked to stop
            hook = cmap(exec=cmap(command=cseq("sleep", str(process.pre_stop_sleep.value))))
            c["lifecycle"] = note(cmap(preStop=hook), "preStop",
                                  f"pre_stop_sleep: {process.pre_stop_sleep.origin}")
    return c


def resources_block(r: Resources) -> CommentedMap:
    requests = cmap(cpu=r.cpu_request, memory=r.memory_request)
    limits = cmap(cpu=r.cpu_limit, memory=r.memory_limit)
    for key, target in (("cpu", requests), ("memory", requests)):
        note(target, key, r.origins.get(f"{key}_request"))
    for key in ("cpu", "memory"):
        note(limits, key, r.origins.get(f"{key}_limit"))
    return cmap(requests=requests, limits=limits)


def _probes(spec: AppSpec, c: CommentedMap, process: ProcessSpec) -> None:
    """HTTP probes on the health path of the web process, else TCP on its port; none without a port."""
    if process.port is None:
        return
    http = spec.health_path is not None and process is spec.web
    def action() -> CommentedMap:
        if http and spec.health_path is not None:
            get = cmap(path=spec.health_path.value, port="http")
            if spec.probe_host is not None:
                # the kubelet sends Host: <pod IP>, which host allow-lists (Django's ALLOWED_HOSTS) reject
                host = cmap(name="Host", value=spec.probe_host)
                why = ("the public host: allow-listed by the app" if spec.ingress and any(
                    h == spec.probe_host for h, _ in spec.ingress.hosts) else "a host the app's allow-list accepts")
                get["httpHeaders"] = cseq(note(host, "value", why))
            return cmap(httpGet=note(get, "path", f"health path: {spec.health_path.origin}"))
        return cmap(tcpSocket=cmap(port="http"))
    c["startupProbe"] = cmap(*action().items(), periodSeconds=5, timeoutSeconds=3, failureThreshold=30)
    c["readinessProbe"] = cmap(*action().items(), periodSeconds=10, timeoutSeconds=3, failureThreshold=3)
    c["livenessProbe"] = cmap(*action().items(), periodSeconds=20, timeoutSeconds=3, failureThreshold=3)
    if not http:
        note(c, "startupProbe", "no health path found: TCP probes on the port")


def pod_spec(spec: AppSpec, containers: list[CommentedMap], *, grace: int | None = None,
             grace_origin: str | None = None, restart_policy: str | None = None) -> CommentedMap:
    volumes = [cmap(name="tmp", emptyDir=cmap(sizeLimit="256Mi"))]
    for vol in spec.volumes:
        if vol.storage == "emptyDir":  # logs and scratch the app writes: private to the pod, gone with it
            volumes.append(note(cmap(name=vol.name, emptyDir=cmap(sizeLimit="256Mi")), "name",
                                f"written by the app: {vol.note or vol.origin}"))
        elif vol.storage == "secret":
            item = cmap(key=vol.key, path=vol.key)
            volumes.append(cmap(name=vol.name, secret=cmap(secretName=files_secret_name(spec), items=cseq(item),
                                                           defaultMode=0o440)))
        else:
            volumes.append(cmap(name=vol.name, persistentVolumeClaim=cmap(claimName=vol.name)))
    pod = cmap(
        serviceAccountName=spec.name,
        automountServiceAccountToken=False,
        restartPolicy=restart_policy,
        terminationGracePeriodSeconds=grace,
        securityContext=cmap(
            runAsNonRoot=True,
            runAsUser=UID,
            runAsGroup=UID,
            fsGroup=UID,
            seccompProfile=cmap(type="RuntimeDefault"),
        ),
        containers=cseq(*containers),
        volumes=cseq(*volumes),
    )
    note(pod, "terminationGracePeriodSeconds", grace_origin)
    note(pod, "securityContext", f"UID {UID}: the image's user {spec.user.value!r}")
    return pod
