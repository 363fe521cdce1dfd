"""generators/k8s/kustomize.py: base and production overlay resolve with `kubectl kustomize` (offline)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from generators.k8s import kubernetes, kustomize
from migrator.config import GenerateSettings
from migrator.writer import write
from tests.generators.k8s_helpers import docs, validate
from tests.generators.models import spec

Objects = list[dict[str, Any]]


def build(tmp_path: Path, settings: GenerateSettings | None = None) -> tuple[Objects, Objects]:
    s = spec(settings=settings)
    base = kubernetes.generate(s)
    write(base + kustomize.generate(s, base), tmp_path)
    out = []
    for layer in ("deploy/k8s/base", "deploy/k8s/overlays/production"):
        result = subprocess.run(["kubectl", "kustomize", str(tmp_path / layer)], capture_output=True, text=True,
                                check=False)
        assert result.returncode == 0, result.stderr
        out.append(docs(result.stdout))
    return out[0], out[1]


def by_name(objs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name)


def test_base_and_overlay_resolve_and_validate(tmp_path: Path) -> None:
    base, overlay = build(tmp_path)
    kinds = sorted(o["kind"] for o in base)
    assert kinds == sorted(["ServiceAccount", "NetworkPolicy", "ConfigMap", "Deployment", "Deployment", "Deployment",
                            "PodDisruptionBudget", "PodDisruptionBudget", "Service", "HorizontalPodAutoscaler",
                            "Ingress", "PersistentVolumeClaim", "CronJob", "Job"])
    assert len(overlay) == len(base)
    for obj in overlay:
        validate(obj)
        assert obj["metadata"]["namespace"] == "shop"
    assert not any(o["kind"] == "Secret" for o in base)  # never applied: it would blank real values


def test_overlay_pins_image_replicas_and_resources(tmp_path: Path) -> None:
    _, overlay = build(tmp_path, GenerateSettings(registry="ghcr.io/acme", tag="1.2.3"))
    web = by_name(overlay, "Deployment", "shop-web")
    c = web["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == "ghcr.io/acme/shop:1.2.3"
    assert c["resources"]["limits"] == {"cpu": "1500m", "memory": "1Gi"}
    assert by_name(overlay, "Deployment", "shop-worker")["spec"]["replicas"] == 3


def test_overlay_files(tmp_path: Path) -> None:
    s = spec()
    files = {f.path: f.content for f in kustomize.generate(s, kubernetes.generate(s))}
    assert set(files) == {
        "deploy/k8s/base/kustomization.yaml",
        "deploy/k8s/overlays/production/kustomization.yaml",
        "deploy/k8s/overlays/production/resources-web.yaml",
        "deploy/k8s/overlays/production/resources-worker.yaml",
        "deploy/k8s/overlays/production/resources-beat.yaml",
    }
    (overlay,) = docs(files["deploy/k8s/overlays/production/kustomization.yaml"])
    assert overlay["images"] == [{"name": "shop", "newTag": "0.1.0"}]
    assert overlay["replicas"] == [{"name": "shop-web", "count": 2}, {"name": "shop-worker", "count": 3},
                                   {"name": "shop-beat", "count": 1}]
    assert overlay["namespace"] == "shop" and overlay["resources"] == ["../../base"]
    (base,) = docs(files["deploy/k8s/base/kustomization.yaml"])
    assert "secret.yaml" not in base["resources"] and "job-release.yaml" in base["resources"]
