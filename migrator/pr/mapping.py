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

from generators.k8s.kubernetes import BASE
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
        head = manifest_head(f.content)
        if head is None:  # not the generators' plain layout: parse it (ruamel: ~5 ms a file)
            try:
                doc: Any = loader.load(f.content)
            except YAMLError:
                continue
            if not isinstance(doc, dict):
                continue
            head = (str(doc.get("kind") or ""), str((doc.get("metadata") or {}).get("name") or ""))
        kind, name = head
        if kind in SHOWN_KINDS:
            out[f.path.rsplit("/", 1)[-1]] = Workload(kind, name, f.path)
    return out


_UNPLAIN = tuple("'\"&*!|>{[%@`")


def manifest_head(text: str) -> tuple[str, str] | None:
    """``(kind, metadata.name)`` read from the top-level lines of a manifest as the generators write it
    (``kind: X``, ``metadata:`` then ``  name: Y``, plain values, ``  # `` comments; the name is ""
    when there is none); None when the layout is not that one.

    Parsing every manifest again with ruamel made the PR body take 20 s for 3,000 CronJobs."""
    kind = name = None
    in_metadata = False
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith(" "):
            if line.startswith("---") or line.startswith("..."):
                return None  # several documents: leave it to the parser
            in_metadata = line.rstrip() == "metadata:"
            if line.startswith("kind:"):
                kind = _plain(line[5:])
                if kind is None:
                    return None
        elif in_metadata and line.startswith("  name:"):
            name = _plain(line[7:])
            if name is None:
                return None  # quoted or otherwise unusual: the parser reads it
        if kind is not None and name is not None:
            return kind, name
    return (kind, "") if kind is not None else None  # an object without a name (kustomization.yaml)


def _plain(text: str) -> str | None:
    value = text.split("  # ", 1)[0].strip()
    return value if value and not value.startswith(_UNPLAIN) and " #" not in value else None


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
