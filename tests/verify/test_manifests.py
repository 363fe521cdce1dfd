"""Loading kustomize output (kubectl and the built-in fallback) and strict offline validation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from migrator.errors import UserError
from migrator.verify import manifests as mf

from .conftest import APP

KINDS = ["ConfigMap", "CronJob", "Deployment", "Deployment", "Ingress", "Job", "PersistentVolumeClaim", "Secret",
         "Service"]


def _images(objs: tuple[mf.Manifest, ...] | list[mf.Manifest]) -> set[str]:
    return {c["image"] for o in objs for c in mf.containers(o)}


def test_loads_the_kustomization_with_kubectl() -> None:
    loaded = mf.load(APP)
    assert loaded.source == APP / "deploy/k8s/base"
    assert sorted(o["kind"] for o in loaded.objects) == KINDS
    assert _images(loaded.objects) == {"tinyapp:1.0"}  # the kustomization's images: entry applied


def test_builtin_merge_matches_kubectl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mf.shutil, "which", lambda name: None)
    loaded = mf.load(APP)
    assert sorted(o["kind"] for o in loaded.objects) == KINDS
    assert _images(loaded.objects) == {"tinyapp:1.0"}
    assert loaded.named("Service", "web") is not None


def test_production_overlay_wins_over_base(app_copy: Callable[..., Path]) -> None:
    root = app_copy()
    overlay = root / "deploy/k8s/overlays/production"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text("resources: [../../base]\nnamespace: prod\n")
    loaded = mf.load(root)
    assert loaded.source == overlay
    assert {o["metadata"].get("namespace") for o in loaded.objects} == {"prod"}


def test_the_valid_manifests_validate() -> None:
    assert mf.validate(mf.load(APP).objects) == []


def test_strict_validation_names_object_and_path() -> None:
    objs = list(mf.load(APP).objects)
    web = next(o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"] == "web")
    web["spec"]["template"]["spec"]["containers"][0]["bogus"] = 1
    web["spec"]["replicas"] = "two"
    errors = mf.validate(objs)
    assert len(errors) == 1  # the first schema error of an object is reported
    assert errors[0].startswith("Deployment/web: ")


def test_unknown_kind_is_an_error() -> None:
    errors = mf.validate([{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}])
    assert len(errors) == 1 and errors[0].startswith("Widget/w: ")


def test_no_manifests_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="migrate generate"):
        mf.load(tmp_path)


def test_broken_yaml_is_a_usage_error(tmp_path: Path) -> None:
    base = tmp_path / "deploy/k8s"
    base.mkdir(parents=True)
    (base / "web.yaml").write_text("kind: Deployment\n  bad: [indent\n")
    with pytest.raises(UserError, match="not valid YAML"):
        mf.load(tmp_path)


def test_kustomize_failure_is_a_usage_error(tmp_path: Path) -> None:
    base = tmp_path / "deploy/k8s/base"
    base.mkdir(parents=True)
    (base / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    with pytest.raises(UserError, match="missing.yaml"):
        mf.load(tmp_path)


def test_builtin_merge_matches_kubectl_on_an_overlay(
    app_copy: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = app_copy()
    overlay = root / "deploy/k8s/overlays/production"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: prod\n"
        "resources: [../../base]\nimages:\n  - {name: tinyapp, newTag: '2.0'}\n"
        "replicas:\n  - {name: web, count: 3}\npatches:\n  - path: resources-web.yaml\n"
    )
    (overlay / "resources-web.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: web\n          resources:\n            limits: {memory: 1Gi}\n"
        "        - name: sidecar\n          image: busybox\n"
    )
    with_kubectl = mf.load(root).objects
    monkeypatch.setattr(mf.shutil, "which", lambda name: None)
    builtin = mf.load(root).objects
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    assert sorted(builtin, key=key) == sorted(with_kubectl, key=key)
    web = next(o for o in builtin if key(o) == ("Deployment", "web"))
    assert web["spec"]["replicas"] == 3 and web["metadata"]["namespace"] == "prod"
    main, sidecar = web["spec"]["template"]["spec"]["containers"]
    assert main["image"] == "tinyapp:2.0" and main["resources"]["limits"] == {"cpu": "500m", "memory": "1Gi"}
    assert sidecar == {"name": "sidecar", "image": "busybox"}


def test_builtin_merge_refuses_what_it_cannot_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "deploy/k8s/base"
    base.mkdir(parents=True)
    (base / "kustomization.yaml").write_text("resources: []\nconfigMapGenerator: [{name: x}]\n")
    monkeypatch.setattr(mf.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match="configMapGenerator need kustomize"):
        mf.load(tmp_path)
