"""kustomize layout: ``deploy/k8s/base/kustomization.yaml`` and the ``overlays/production`` overlay.

The overlay pins the image (name and tag), the replica counts and the resources of each process, which
are the values an operator changes per environment; everything else stays in the base.
"""

from __future__ import annotations

from generators.k8s.k8s_pod import resources_block
from generators.k8s.kubernetes import BASE, HEADER, resource_files
from generators.k8s.yamlout import cmap, cseq, dump, note
from generators.output import OutputFile
from generators.spec import AppSpec

OVERLAY = "deploy/k8s/overlays/production"
API = "kustomize.config.k8s.io/v1beta1"


def generate(spec: AppSpec, base_files: list[OutputFile]) -> list[OutputFile]:
    resources = resource_files(base_files)
    base = cmap(apiVersion=API, kind="Kustomization", namespace=spec.namespace.value, resources=cseq(*resources))
    note(base, "resources", "secret.yaml is deliberately not listed: see its header")
    files = [OutputFile(f"{BASE}/kustomization.yaml", dump(base, header=HEADER), "yaml")]

    image = cmap(name=spec.image_name, newTag=spec.tag)
    note(image, "newTag", "set in migrate.toml [generate] tag, or `kustomize edit set image` in CI")
    overlay = cmap(
        apiVersion=API,
        kind="Kustomization",
        namespace=spec.namespace.value,
        resources=cseq("../../base"),
        images=cseq(image),
    )
    replicas = []
    for p in spec.processes:
        entry = cmap(name=p.name, count=int(p.replicas.value))
        replicas.append(note(entry, "count", p.replicas.origin))
    if replicas:
        overlay["replicas"] = cseq(*replicas)
    patches = []
    for p in spec.processes:
        path = f"resources-{p.label}.yaml"
        container = cmap(name=p.label, resources=resources_block(p.resources))
        meta = cmap(name=p.name, namespace=spec.namespace.value)
        patch = cmap(apiVersion="apps/v1", kind="Deployment", metadata=meta,
                     spec=cmap(template=cmap(spec=cmap(containers=cseq(container)))))
        files.append(OutputFile(f"{OVERLAY}/{path}", dump(patch, header=HEADER), "yaml"))
        patches.append(cmap(path=path))
    if patches:
        overlay["patches"] = cseq(*patches)
    files.append(OutputFile(f"{OVERLAY}/kustomization.yaml", dump(overlay, header=HEADER), "yaml"))
    return files
