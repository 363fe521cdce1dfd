"""The offline backend: boot what the manifests describe on a plain Docker Engine.

This is NOT Kubernetes. Each pod template becomes containers of the same image with the same
command/args, env (ConfigMap + Secret values), user, read-only root filesystem (emptyDir mounts as
tmpfs, claims as Docker volumes owned by the pod's fsGroup) and resource limits; probes run as the
manifest defines them. Services become DNS names on a
user-defined network (aliases of the pod's first container). One replica per workload, no
rescheduling or restarts: a container that exits fails verification. Everything created is labelled
``migrate.verify=<run id>`` and removed by :meth:`DockerBackend.cleanup`.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from migrator import names
from migrator.verify.manifests import Manifest, containers
from migrator.verify.plan import VerifyPlan, name_of, pod_template, selects
from migrator.verify.probes import ProbeState, http_get, now, run_probe
from migrator.verify.report import StepFailed, VerifyReport, tail

if TYPE_CHECKING:
    from migrator.verify.drill import DrillBackend

LABEL = "migrate.verify"
NOTE = ("docker backend: not a Kubernetes; pod templates run as plain containers (one replica each, "
        "no restarts), Services are DNS aliases on a Docker network")
_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def logs_of(c: Any) -> list[str]:
    """The last log lines of a container."""
    return tail(c.logs().decode("utf-8", "replace"))


def parse_quantity(text: Any, cpu: bool = False) -> int:
    """A Kubernetes quantity as bytes, or as nano-CPUs when ``cpu``."""
    s = str(text)
    if cpu:
        return int(float(s[:-1]) * 1e6) if s.endswith("m") else int(float(s) * 1e9)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
    for unit, factor in units.items():
        if s.endswith(unit):
            return int(float(s[: -len(unit)]) * factor)
    return int(float(s))


# exit codes with which a shell (or the runtime) says the program itself never ran (POSIX: 126, 127)
CANNOT_EXECUTE = {126: "the command was found but could not be executed (permission denied?)",
                  127: "the command was not found"}


def _start(container: Any, cname: str) -> None:
    """Start a container; the runtime refusing it (command not found...) is the app's failure."""
    import docker.errors

    try:
        container.start()
    except docker.errors.APIError as exc:
        reason = str(exc.explanation or exc).split("unable to start container process: ")[-1]
        raise StepFailed(f"container {cname} could not start: {reason}", ran=False) from exc


class DockerBackend:
    """Runs a :class:`VerifyPlan` on the Docker Engine behind ``client``."""

    name = "docker"

    def __init__(self, client: Any, run_id: str, report: VerifyReport, timeout: float = 300) -> None:
        self.client = client
        self.run_id = run_id
        self.report = report
        self.timeout = timeout
        self.labels = {LABEL: run_id}
        self.network_name = names.docker_name("migrate-verify", run_id)
        self.network: Any = None
        self.running: dict[str, tuple[Any, Mapping[str, Any]]] = {}  # container name -> (container, spec)
        self.claimed: set[str] = set()  # volumes created for PersistentVolumeClaims, owned by the fsGroup
        self.probes: dict[str, dict[str, ProbeState]] = {}
        self.pods: dict[str, list[str]] = {}  # workload name -> container names of its current pod

    def _name(self, *parts: str) -> str:
        """A container or volume name of this run: object names come from manifests a user may edit."""
        return names.docker_name(self.network_name, *parts)

    # -- lifecycle -------------------------------------------------------------------------------
    def publish(self, tag: str) -> str:
        return tag  # the engine that built the image runs it

    def prepare(self, plan: VerifyPlan) -> None:
        self.report.notes.append(NOTE)
        self.network = self.client.networks.create(self.network_name, driver="bridge", labels=self.labels)

    def cleanup(self) -> None:
        """Remove every container, network and volume labelled with this run's id."""
        flt = {"label": f"{LABEL}={self.run_id}"}
        for c in self.client.containers.list(all=True, filters=flt):
            c.remove(force=True)
        for n in self.client.networks.list(filters=flt):
            n.remove()
        for v in self.client.volumes.list(filters=flt):
            v.remove(force=True)

    # -- backing services --------------------------------------------------------------------------
    def start_services(self, plan: VerifyPlan) -> None:
        started = []
        for service in plan.services:
            c = self.client.containers.run(
                service.image, name=self._name(service.kind), detach=True, environment=dict(service.env),
                labels=self.labels, network=self.network_name, hostname=service.host,
            )
            self.network.disconnect(c)
            self.network.connect(c, aliases=[service.host])
            started.append((service, c))
        deadline = time.monotonic() + max(self.timeout, 120)  # infrastructure, not the app: its own budget
        for service, c in started:
            while True:
                c.reload()
                if c.status != "running":
                    raise StepFailed(f"{service.kind} exited", logs={service.host: logs_of(c)})
                if c.exec_run(list(service.ready_command)).exit_code == 0:
                    self.report.say(f"  {service.kind} ready as {service.host}:{service.port}")
                    break
                if time.monotonic() > deadline:
                    raise StepFailed(f"{service.kind} did not become ready", logs={service.host: logs_of(c)})
                time.sleep(0.5)

    # -- pods ------------------------------------------------------------------------------------
    def _env(self, plan: VerifyPlan, spec: Mapping[str, Any], pod: str) -> dict[str, str]:
        env: dict[str, str] = {}
        for src in spec.get("envFrom") or []:
            prefix = src.get("prefix", "")
            if src.get("configMapRef"):
                env.update({prefix + k: v for k, v in plan.configmaps.get(src["configMapRef"]["name"], {}).items()})
            if src.get("secretRef"):
                env.update({prefix + k: v for k, v in plan.secrets.get(src["secretRef"]["name"], {}).items()})
        for e in spec.get("env") or []:
            name, ref = e["name"], e.get("valueFrom") or {}
            if "value" in e or not ref:
                value = _VAR.sub(lambda m: env.get(m.group(1), m.group(0)), str(e.get("value", "")))
                env[name] = plan.wired.get(name, value)
            elif ref.get("configMapKeyRef"):
                r = ref["configMapKeyRef"]
                env[name] = plan.configmaps.get(r["name"], {}).get(r["key"], "")
            elif ref.get("secretKeyRef"):
                r = ref["secretKeyRef"]
                env[name] = plan.secrets.get(r["name"], {}).get(r["key"], "")
            elif ref.get("fieldRef"):
                fields = {"metadata.name": pod, "metadata.namespace": "verify"}
                env[name] = fields.get(ref["fieldRef"].get("fieldPath"), "")
        return env

    def _create(self, plan: VerifyPlan, obj: Manifest, spec: Mapping[str, Any], cname: str,
                aliases: list[str], join: Any = None) -> Any:
        """Create (not start) one container of a pod template, honouring the container spec."""
        pod = pod_template(obj)
        env = self._env(plan, spec, cname)
        sc = {**(pod.get("securityContext") or {}), **(spec.get("securityContext") or {})}
        user = None
        if sc.get("runAsUser") is not None:
            user = f"{sc['runAsUser']}:{sc['runAsGroup']}" if sc.get("runAsGroup") is not None else str(sc["runAsUser"])
        elif sc.get("runAsNonRoot"):
            image_user = (self.client.images.get(spec["image"]).attrs.get("Config") or {}).get("User") or ""
            if image_user.split(":")[0] in ("", "0", "root"):
                raise StepFailed(f"{cname}: runAsNonRoot is set but the image runs as root (the kubelet refuses it)")
        tmpfs, volumes = self._mounts(obj, spec)
        limits = (spec.get("resources") or {}).get("limits") or {}

        def expand(xs: list[Any]) -> list[str]:
            return [_VAR.sub(lambda m: env.get(m.group(1), m.group(0)), str(x)) for x in xs]

        kwargs: dict[str, Any] = {
            "name": cname, "detach": True, "labels": {**self.labels, f"{LABEL}.pod": name_of(obj)},
            "environment": env, "user": user, "read_only": bool(sc.get("readOnlyRootFilesystem")),
            "tmpfs": tmpfs, "volumes": volumes, "working_dir": spec.get("workingDir"),
            "mem_limit": parse_quantity(limits["memory"]) if "memory" in limits else None,
            "nano_cpus": parse_quantity(limits["cpu"], cpu=True) if "cpu" in limits else None,
            "cap_drop": list((sc.get("capabilities") or {}).get("drop") or []) or None,
            "cap_add": list((sc.get("capabilities") or {}).get("add") or []) or None,
            "security_opt": ["no-new-privileges"] if sc.get("allowPrivilegeEscalation") is False else None,
        }
        if spec.get("command"):
            kwargs["entrypoint"] = expand(spec["command"])
        if spec.get("args"):
            kwargs["command"] = expand(spec["args"])
        if join is not None:
            kwargs["network_mode"] = f"container:{join.id}"
        else:
            kwargs["network"] = self.network_name
            kwargs["hostname"] = names.hostname(cname)
        container = self.client.containers.create(spec["image"], **kwargs)
        if join is None:
            self.network.disconnect(container)
            self.network.connect(container, aliases=aliases)
        return container

    def _mounts(self, obj: Manifest, spec: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        pod_volumes = {v["name"]: v for v in pod_template(obj).get("volumes") or []}
        tmpfs: dict[str, str] = {}
        volumes: dict[str, dict[str, str]] = {}
        # a kubelet emptyDir is a fresh 0777 directory; runc gives a tmpfs the mode and owner of the
        # image's directory under it (root's 0755 for /app/logs): owned by the pod's user it is writable
        sc = {**(pod_template(obj).get("securityContext") or {}), **(spec.get("securityContext") or {})}
        group = sc.get("fsGroup", sc.get("runAsGroup"))
        owner = [f"{k}={int(v)}" for k, v in (("uid", sc.get("runAsUser")), ("gid", group)) if v is not None]
        for m in spec.get("volumeMounts") or []:
            vol = pod_volumes.get(m["name"], {})
            if "emptyDir" in vol:
                size = (vol["emptyDir"] or {}).get("sizeLimit")
                tmpfs[m["mountPath"]] = ",".join([*([f"size={parse_quantity(size)}"] if size else []), *owner])
            elif "persistentVolumeClaim" in vol:
                vname = self._name(vol["persistentVolumeClaim"]["claimName"])
                if vname not in self.claimed:
                    self.client.volumes.create(vname, labels=self.labels)
                    self._fs_group(obj, spec, vname, m["mountPath"])
                    self.claimed.add(vname)
                volumes[vname] = {"bind": m["mountPath"], "mode": "ro" if m.get("readOnly") else "rw"}
            else:
                what = ", ".join(vol) or "undefined"
                self.report.notes.append(f"volume {m['name']} ({what}) is not mounted by the docker backend")
        return tmpfs, volumes

    def _fs_group(self, obj: Manifest, spec: Mapping[str, Any], vname: str, path: str) -> None:
        """What the kubelet does for a pod's ``fsGroup``: the claim's files belong to that group and are
        group-writable (setgid, so new files stay in it). A fresh Docker volume is root's, 0755, and
        a non-root app could not write its SQLite file or uploads there. Done once per volume, by a
        root helper of the same image mounting it at the same path (so the image's files there are
        copied in first, as for the app's own container)."""
        group = (pod_template(obj).get("securityContext") or {}).get("fsGroup")
        if group is None:
            return
        target = shlex.quote(path)
        script = f"chgrp -R {int(group)} {target} && chmod -R g+rwX {target} && chmod g+s {target}"
        self.client.containers.run(spec["image"], entrypoint=["sh", "-c", script], user="0", remove=True,
                                   labels=self.labels, network_disabled=True,
                                   volumes={vname: {"bind": path, "mode": "rw"}})

    def _aliases(self, plan: VerifyPlan, obj: Manifest) -> list[str]:
        return [name_of(s) for s in plan.of_kind("Service") if selects(s, obj)]

    def _run_init(self, plan: VerifyPlan, obj: Manifest, prefix: str) -> None:
        for spec in pod_template(obj).get("initContainers") or []:
            self._run_to_completion(plan, obj, spec, names.docker_name(prefix, "init", spec["name"]), self.timeout)

    def _run_to_completion(self, plan: VerifyPlan, obj: Manifest, spec: Mapping[str, Any], cname: str,
                           timeout: float) -> list[str]:
        c = self._create(plan, obj, spec, cname, [])
        _start(c, cname)
        try:
            code = c.wait(timeout=timeout).get("StatusCode", -1)
        except Exception as exc:  # requests' ReadTimeout: the job ran too long
            detail = f"{cname} did not finish within {timeout:.0f}s"
            raise StepFailed(detail, logs={cname: logs_of(c)}) from exc
        logs = logs_of(c)
        if code in CANNOT_EXECUTE:
            raise StepFailed(f"container {cname} exited with code {code}: {CANNOT_EXECUTE[code]}",
                             logs={cname: logs}, ran=False)
        if code != 0:
            raise StepFailed(f"container {cname} exited with code {code}", logs={cname: logs})
        return logs

    def run_job(self, plan: VerifyPlan, job: Manifest) -> tuple[str, dict[str, list[str]]]:
        """Run a Job's (or CronJob's job template's) pod once to completion."""
        prefix = self._name(name_of(job))
        self._run_init(plan, job, prefix)
        spec = (job.get("spec") or {})
        if job.get("kind") == "CronJob":
            spec = (spec.get("jobTemplate") or {}).get("spec") or {}
        timeout = float(spec.get("activeDeadlineSeconds") or self.timeout)
        logs = {}
        for cspec in containers(job, init=False):
            cname = names.docker_name(prefix, cspec["name"])
            logs[cname] = self._run_to_completion(plan, job, cspec, cname, timeout)[-10:]
        return "completed (exit 0)", logs

    def start_workloads(self, plan: VerifyPlan) -> None:
        for obj in plan.deployments:
            self.pods[name_of(obj)] = self.start_pod(plan, obj, self._name(name_of(obj)))

    def start_pod(self, plan: VerifyPlan, obj: Manifest, prefix: str) -> list[str]:
        """Start one pod of a workload (init containers first); its container names, the first holding
        the pod's network and the Services' aliases."""
        self._run_init(plan, obj, prefix)
        first = None
        started = []
        for spec in containers(obj, init=False):
            cname = names.docker_name(prefix, spec["name"])
            c = self._create(plan, obj, spec, cname, self._aliases(plan, obj) if first is None else [], first)
            _start(c, cname)
            first = first or c
            self.running[cname] = (c, spec)
            t = now()
            kinds = ("startupProbe", "readinessProbe", "livenessProbe")
            self.probes[cname] = {k: ProbeState(spec[k], t) for k in kinds if spec.get(k)}
            self.report.say(f"  started {cname} ({name_of(obj)})")
            started.append(cname)
        return started

    def ip(self, c: Any) -> str:
        networks = c.attrs["NetworkSettings"]["Networks"]
        if self.network_name in networks:
            return str(networks[self.network_name]["IPAddress"])
        mode = c.attrs["HostConfig"]["NetworkMode"]  # container:<id> - a sidecar sharing the pod's net
        return self.ip(self.client.containers.get(mode.split(":", 1)[1]))

    def _failure(self, cname: str, c: Any, detail: str) -> StepFailed:
        return StepFailed(detail, logs={cname: logs_of(c)})

    def tick(self, cname: str) -> bool:
        """Check one container once: raise when it died or a startup/liveness probe gave up; True when ready."""
        c, spec = self.running[cname]
        c.reload()
        if c.status != "running":
            code = c.attrs["State"].get("ExitCode")
            oom = " (killed: out of memory)" if c.attrs["State"].get("OOMKilled") else ""
            raise self._failure(cname, c, f"container {cname} exited with code {code}{oom}")
        states = self.probes[cname]
        t = now()
        startup = states.get("startupProbe")
        if startup and not startup.passed:
            if startup.due(t):
                startup.record(*run_probe(startup.probe, c, spec, self.ip(c)), now())
                if startup.exhausted:
                    detail = f"{cname}: startup probe failed {startup.failures} times: {startup.last}"
                    raise self._failure(cname, c, detail)
            return False
        for key in ("livenessProbe", "readinessProbe"):
            st = states.get(key)
            if st and st.due(t):
                st.record(*run_probe(st.probe, c, spec, self.ip(c)), now())
                if key == "livenessProbe" and st.exhausted:
                    raise self._failure(cname, c, f"{cname}: liveness probe failed {st.failures} times "
                                        f"(the kubelet would restart it): {st.last}")
        ready = states.get("readinessProbe")
        return ready is None or ready.passed

    def wait_ready(self, plan: VerifyPlan) -> None:
        deadline = time.monotonic() + self.timeout
        pending = set(self.running)
        while pending:
            for cname in sorted(pending):
                if self.tick(cname):
                    pending.discard(cname)
                    self.report.say(f"  {cname} ready")
            if pending and time.monotonic() > deadline:
                cname = sorted(pending)[0]
                last = self.probes[cname].get("readinessProbe")
                raise self._failure(cname, self.running[cname][0],
                                    f"{cname} not ready after {self.timeout:.0f}s: {last.last if last else ''}")
            time.sleep(0.3)

    def settle(self, plan: VerifyPlan, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for cname in self.running:
                self.tick(cname)
            time.sleep(0.5)

    def pod_logs(self, plan: VerifyPlan, workload: str) -> dict[str, list[str]]:
        prefix = self._name(workload) + "-"
        return {name: logs_of(c) for name, (c, _) in self.running.items() if name.startswith(prefix)}

    def drill(self) -> DrillBackend:
        """The drill's rollouts, played on this engine (a simulation: see docker_drill)."""
        from migrator.verify.docker_drill import DockerDrill

        return DockerDrill(self)

    def http_check(self, plan: VerifyPlan) -> tuple[int, str]:
        assert plan.health is not None
        h = plan.health
        c, _ = self.running[self._name(h.pod, h.container)]
        c.reload()
        return http_get(self.ip(c), h.port, h.path, {"Host": h.host}, timeout=10)
