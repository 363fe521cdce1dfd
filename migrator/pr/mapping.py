"""Which legacy process, schedule or release step became which Kubernetes object.

The objects are read back from the generated manifests (kind and metadata.name as written), so the
PR body names exactly what the branch contains. The Mermaid diagram draws the same mapping: legacy
units and scripts on the left, Deployments/CronJobs/Job/Service/Ingress on the right.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from generators.kubernetes import BASE
from generators.output import OutputFile
from generators.spec import AppSpec
from migrator.model import AppModel, Kind, ProcessRole, Subject

SHOWN_KINDS = ("Deployment", "CronJob", "Job", "Service", "Ingress")


@dataclass(frozen=True)
class Workload:
    kind: str
    name: str
    file: str  # the generated manifest


@dataclass(frozen=True)
class Mapping:
    """One legacy thing (``legacy`` named in ``sources``) and the objects that replace it."""

    legacy: str
    role: str
    sources: tuple[str, ...]  # file:line, best first
    workloads: tuple[Workload, ...]


def manifest_objects(files: Iterable[OutputFile]) -> dict[str, Workload]:
    """Base manifest file name -> the object it holds (kind, name); unreadable files are skipped."""
    out: dict[str, Workload] = {}
    loader = YAML(typ="safe")
    for f in files:
        if not f.path.startswith(BASE + "/") or f.format != "yaml":
            continue
        try:
            doc: Any = loader.load(f.content)
        except YAMLError:
            continue
        if isinstance(doc, dict) and doc.get("kind") in SHOWN_KINDS:
            name = str((doc.get("metadata") or {}).get("name") or "")
            out[f.path.rsplit("/", 1)[-1]] = Workload(str(doc["kind"]), name, f.path)
    return out


def _where(subject: Subject | None, *fields: str) -> tuple[str, ...]:
    if subject is None:
        return ()
    firsts = [subject.facts[f].source.where() for f in fields if f in subject.facts]
    rest = [s.where() for s in subject.sources]
    return tuple(dict.fromkeys([*firsts, *rest]))[:3]


def mappings(model: AppModel, spec: AppSpec, files: Sequence[OutputFile]) -> list[Mapping]:
    """Every process, schedule and release step with the generated objects that run it."""
    objects = manifest_objects(files)
    out: list[Mapping] = []
    for p in spec.processes:
        subject = model.process(p.key)
        found = [objects.get(f"deployment-{p.label}.yaml"), objects.get(f"service-{p.label}.yaml")]
        if p is spec.web:
            found.append(objects.get("ingress.yaml"))
        out.append(Mapping(p.legacy_name or p.key, p.role, _where(subject, "legacy_name", "command"),
                           tuple(w for w in found if w is not None)))
    for sched in spec.schedules:
        subject = next((s for s in model.of(Kind.SCHEDULE) if s.key == sched.key), None)
        legacy = str(subject.get("legacy_name") or sched.key) if subject else sched.key
        job = objects.get(f"cronjob-{sched.name.removeprefix(spec.name + '-')}.yaml")
        out.append(Mapping(legacy, "schedule", _where(subject, "schedule", "command"), (job,) if job else ()))
    if spec.release_steps:
        job = objects.get("job-release.yaml")
        sources = tuple(s.origin.split(" (")[0] for s in spec.release_steps)
        legacy = "; ".join(s.command for s in spec.release_steps)
        out.append(Mapping(legacy, "release", sources, (job,) if job else ()))
    deployed = {p.key for p in spec.processes}
    for subject in model.processes:
        role = str(subject.get("role") or "")
        if subject.key not in deployed and role != ProcessRole.RELEASE.value:
            out.append(Mapping(str(subject.get("legacy_name") or subject.key), role or "oneoff",
                               _where(subject, "command"), ()))
    return out


def _label(text: str, limit: int = 60) -> str:
    """Mermaid-safe node text: quotes and markup characters become entities or go away."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    text = text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return re.sub(r"[`\[\]{}|]", " ", text).strip() or "?"


def mermaid(maps: Sequence[Mapping]) -> list[str]:
    """A ``flowchart LR`` of the mapping (without the fences)."""
    lines = ["flowchart LR", '  subgraph legacy["Legacy (scripts, units, crontabs)"]']
    sources: dict[str, str] = {}
    for m in maps:
        key = m.sources[0].split(":")[0] if m.sources else m.legacy
        sources.setdefault(key, f"L{len(sources)}")
    lines += [f'    {node}["{_label(key)}"]' for key, node in sources.items()]
    lines += ["  end", '  subgraph k8s["Kubernetes"]']
    nodes: dict[Workload, str] = {}
    for m in maps:
        for w in m.workloads:
            nodes.setdefault(w, f"K{len(nodes)}")
    lines += [f'    {node}["{w.kind}<br/>{_label(w.name)}"]' for w, node in nodes.items()]
    if not nodes:
        lines.append('    none["nothing to deploy yet"]')
    lines.append("  end")
    for m in maps:
        source = sources[m.sources[0].split(":")[0] if m.sources else m.legacy]
        workloads = [w for w in m.workloads if w.kind in ("Deployment", "CronJob", "Job")]
        for w in workloads:
            lines.append(f'  {source} -->|"{_label(m.legacy, 30)}"| {nodes[w]}')
        deployment = next((nodes[w] for w in workloads if w.kind == "Deployment"), None)
        service = next((nodes[w] for w in m.workloads if w.kind == "Service"), None)
        ingress = next((nodes[w] for w in m.workloads if w.kind == "Ingress"), None)
        if service and deployment:
            lines.append(f"  {service} --> {deployment}")
        if ingress and (service or deployment):
            lines.append(f"  {ingress} --> {service or deployment}")
    return lines
