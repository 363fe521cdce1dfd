"""What a verification run will do, worked out once from the manifests for both backends.

The plan swaps the app's image for the freshly built one, lists the release Jobs, Deployments and
CronJobs, the backing services with the env values that point at them, the fake Secrets, and the
health check target (Service, port, path) of the web process.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from migrator.verify import services as svc
from migrator.verify.manifests import Manifest, containers, pod_spec

# Images that are infrastructure, not the app: never replaced by the built image.
_INFRA = {"postgres", "redis", "mysql", "mariadb", "memcached", "rabbitmq", "busybox", "nginx", "alpine"}


@dataclass(frozen=True)
class AnalysisHints:
    """What the analysis found that the manifests may not spell out."""

    services: tuple[str, ...] = ()
    env_names: tuple[str, ...] = ()  # names the app reads: wired even when no manifest sets them
    health_paths: tuple[str, ...] = ()
    # repo files with hard-coded secrets -> whether they are only fallback defaults (the image scan)
    secret_files: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class HealthTarget:
    service: str
    pod: str  # the Deployment behind the Service
    container: str
    port: int
    path: str
    host: str


@dataclass(frozen=True)
class VerifyPlan:
    image: str
    objects: tuple[Manifest, ...]
    services: tuple[svc.BackingService, ...]
    wired: Mapping[str, str]
    secrets: Mapping[str, Mapping[str, str]]
    configmaps: Mapping[str, Mapping[str, str]]
    health: HealthTarget | None
    notes: tuple[str, ...] = field(default=())

    def of_kind(self, kind: str) -> list[Manifest]:
        return [o for o in self.objects if o.get("kind") == kind]

    @property
    def jobs(self) -> list[Manifest]:
        return self.of_kind("Job")

    @property
    def deployments(self) -> list[Manifest]:
        return [*self.of_kind("Deployment"), *self.of_kind("StatefulSet")]

    @property
    def cronjobs(self) -> list[Manifest]:
        return self.of_kind("CronJob")


def name_of(obj: Manifest) -> str:
    return str((obj.get("metadata") or {}).get("name", "?"))


def make_plan(objects: Iterable[Manifest], image: str, hints: AnalysisHints | None = None) -> VerifyPlan:
    """Work out the run: images replaced, services and their wiring, fake Secrets, health target.

    Every app container gets the wired service URLs in its env, also for names only the analysis
    knows the app reads (``os.environ["REDIS_URL"]`` with no manifest entry: in production an
    operator supplies it; here it points at the throwaway service).
    """
    hints = hints or AnalysisHints()
    objs = [copy.deepcopy(o) for o in objects]
    analysed = list(hints.services)
    started = svc.needed(objs, analysed)
    wired = svc.wiring(svc.env_names(objs) | set(hints.env_names), started)
    for obj in objs:
        for c in containers(obj):
            if _is_app_image(str(c.get("image", ""))):
                c["image"] = image
                c["imagePullPolicy"] = "IfNotPresent"
                env = [e for e in c.get("env") or [] if e.get("name") not in wired]
                c["env"] = env + [{"name": k, "value": v} for k, v in sorted(wired.items())]
    notes = [f"backing service {k!r} (from the analysis) is not started by verify" for k in svc.unsupported(analysed)]
    cms = svc.configmaps(objs, wired, notes)
    return VerifyPlan(
        image=image,
        objects=tuple(objs),
        services=tuple(started),
        wired=wired,
        secrets=svc.fake_secrets(objs, wired),
        configmaps=cms,
        health=health_target(objs, hints.health_paths),
        notes=tuple(notes),
    )


def _is_app_image(ref: str) -> bool:
    repo = ref.split("@")[0]
    if ":" in repo.split("/")[-1]:
        repo = repo.rsplit(":", 1)[0]
    short = repo.removeprefix("docker.io/").removeprefix("library/")
    return short not in _INFRA


def selects(service: Manifest, workload: Manifest) -> bool:
    """True when the Service's selector matches the workload's pod labels."""
    selector = (service.get("spec") or {}).get("selector") or {}
    labels = (((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def health_target(objs: list[Manifest], fallback_paths: Iterable[str] = ()) -> HealthTarget | None:
    """The web Service to GET: the Ingress backend, else a Service called web, else the first one."""
    services = [o for o in objs if o.get("kind") == "Service"]
    workloads = [o for o in objs if o.get("kind") in ("Deployment", "StatefulSet")]
    if not services or not workloads:
        return None
    ingress_backends, host = _ingress_backends(objs)
    ranked = sorted(services, key=lambda s: (name_of(s) not in ingress_backends, name_of(s) != "web", name_of(s)))
    for service in ranked:
        workload = next((w for w in workloads if selects(service, w)), None)
        if workload is None:
            continue
        ports = (service.get("spec") or {}).get("ports") or []
        if not ports:
            continue
        container, port = _target(workload, ports[0].get("targetPort", ports[0].get("port")))
        if container is None or port is None:
            continue
        path = _health_path(container) or next(iter(fallback_paths), "/")
        # the public host, else the one the probes send (a host the app's allow-list accepts)
        return HealthTarget(name_of(service), name_of(workload), container["name"], port, path,
                            host or _probe_host(container) or name_of(service))
    return None


def _ingress_backends(objs: list[Manifest]) -> tuple[set[str], str | None]:
    names: set[str] = set()
    host = None
    for ing in (o for o in objs if o.get("kind") == "Ingress"):
        for rule in (ing.get("spec") or {}).get("rules") or []:
            host = host or rule.get("host")
            for p in (rule.get("http") or {}).get("paths") or []:
                name = ((p.get("backend") or {}).get("service") or {}).get("name")
                if name:
                    names.add(name)
    return names, host


def _target(workload: Manifest, target: Any) -> tuple[dict[str, Any] | None, int | None]:
    main = containers(workload, init=False)
    for c in main:
        for p in c.get("ports") or []:
            if target in (p.get("name"), p.get("containerPort")):
                return c, int(p["containerPort"])
    if isinstance(target, int) and main:
        return main[0], target
    return (main[0] if main else None), None


def _health_path(container: Mapping[str, Any]) -> str | None:
    for key in ("readinessProbe", "livenessProbe", "startupProbe"):
        http = (container.get(key) or {}).get("httpGet")
        if http and http.get("path"):
            return str(http["path"])
    return None


def _probe_host(container: Mapping[str, Any]) -> str | None:
    for key in ("readinessProbe", "livenessProbe", "startupProbe"):
        for header in ((container.get(key) or {}).get("httpGet") or {}).get("httpHeaders") or []:
            if str(header.get("name", "")).lower() == "host" and header.get("value"):
                return str(header["value"])
    return None


def resolve_port(container: Mapping[str, Any], port: Any) -> int:
    """A probe/Service port (number or container port name) as a number."""
    if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
        return int(port)
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return int(p["containerPort"])
    raise ValueError(f"container {container.get('name')} has no port named {port!r}")


def pod_template(obj: Manifest) -> dict[str, Any]:
    return pod_spec(obj) or {}
