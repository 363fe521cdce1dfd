"""Load generated manifests and validate them offline against the Kubernetes OpenAPI schemas."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
from kubernetes_validate import utils
from ruamel.yaml import YAML

from generators.output import OutputFile

# The oldest version we promise, and the newest the installed package knows.
VERSIONS = ("1.29.0", utils.latest_version())


def docs(text: str) -> list[dict[str, Any]]:
    return [d for d in YAML(typ="safe").load_all(text) if d]


def objects(files: list[OutputFile], prefix: str = "deploy/k8s/base/") -> dict[str, dict[str, Any]]:
    """file name -> the one object in it (for base manifests; kustomization excluded)."""
    out = {}
    for f in files:
        if f.path.startswith(prefix) and not f.path.endswith("kustomization.yaml"):
            (doc,) = docs(f.content)
            out[f.path.removeprefix(prefix)] = doc
    return out


def validate(doc: dict[str, Any]) -> None:
    """Strict validation for every supported version; an unknown apiVersion raises too."""
    for version in VERSIONS:
        kubernetes_validate.validate(doc, version, strict=True)
