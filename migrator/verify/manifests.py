"""Load the generated Kubernetes manifests (kustomize output) and validate them offline.

``kubectl kustomize`` renders the kustomization when kubectl is installed; otherwise a small merge of
our own (resources, namespace, images) covers what ``migrate generate`` writes. Every object is then
validated against the Kubernetes OpenAPI schema with kubernetes-validate in strict mode (offline: the
schemas ship with the package).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from migrator.errors import UserError

Manifest = dict[str, Any]
KUSTOMIZE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
K8S_DIR = Path("deploy/k8s")


@dataclass(frozen=True)
class Manifests:
    """The rendered objects and where they came from."""

    source: Path
    objects: tuple[Manifest, ...]

    def of_kind(self, kind: str) -> list[Manifest]:
        return [o for o in self.objects if o.get("kind") == kind]

    def named(self, kind: str, name: str) -> Manifest | None:
        return next((o for o in self.of_kind(kind) if o.get("metadata", {}).get("name") == name), None)


def find_kustomization(root: Path) -> Path:
    """The directory to render: the production overlay when present (what gets deployed), else base."""
    for rel in (K8S_DIR / "overlays" / "production", K8S_DIR / "base", K8S_DIR):
        if any((root / rel / n).is_file() for n in KUSTOMIZE_NAMES):
            return root / rel
    if (root / K8S_DIR).is_dir():
        return root / K8S_DIR
    raise UserError(f"no generated manifests under {root / K8S_DIR} (run `migrate generate` first)")


def load(root: Path) -> Manifests:
    """Render and parse the manifests of the migration in ``root``."""
    directory = find_kustomization(root)
    if not any((directory / n).is_file() for n in KUSTOMIZE_NAMES):
        return Manifests(directory, tuple(_read_dir(directory)))
    kubectl = shutil.which("kubectl")
    if kubectl:
        proc = subprocess.run(
            [kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=120, check=False
        )
        if proc.returncode != 0:
            raise UserError(f"kubectl kustomize {directory} failed: {proc.stderr.strip()}")
        return Manifests(directory, tuple(parse_documents(proc.stdout, str(directory))))
    return Manifests(directory, tuple(_merge_kustomization(directory)))


def parse_documents(text: str, where: str) -> list[Manifest]:
    """Every non-empty YAML document in ``text`` as a plain dict."""
    yaml = YAML(typ="safe")
    try:
        docs = [d for d in yaml.load_all(text) if d]
    except YAMLError as exc:
        raise UserError(f"{where}: not valid YAML: {exc}") from exc
    bad = [d for d in docs if not isinstance(d, dict)]
    if bad:
        raise UserError(f"{where}: a YAML document is not a mapping")
    return docs


def _read_dir(directory: Path) -> Iterable[Manifest]:
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        yield from parse_documents(path.read_text(encoding="utf-8"), str(path))


def _merge_kustomization(directory: Path) -> list[Manifest]:
    """A minimal kustomize (no kubectl): resources, namespace, images, replicas, strategic-merge patches.

    Anything else in the kustomization is refused rather than silently ignored.
    """
    kfile = next(directory / n for n in KUSTOMIZE_NAMES if (directory / n).is_file())
    spec = parse_documents(kfile.read_text(encoding="utf-8"), str(kfile))[0]
    unknown = set(spec) - _SUPPORTED
    if unknown:
        raise UserError(f"{kfile}: {', '.join(sorted(unknown))} need kustomize: install kubectl")
    objects: list[Manifest] = []
    for res in spec.get("resources") or []:
        target = (directory / res).resolve()
        if target.is_dir():
            objects.extend(_merge_kustomization(target) if _is_kustomization(target) else _read_dir(target))
        elif target.is_file():
            objects.extend(parse_documents(target.read_text(encoding="utf-8"), str(target)))
        else:
            raise UserError(f"{kfile}: resource {res} does not exist")
    for patch in [*(spec.get("patches") or []), *({"path": p} for p in spec.get("patchesStrategicMerge") or [])]:
        if not isinstance(patch, dict) or set(patch) != {"path"}:
            raise UserError(f"{kfile}: only file patches (path:) work without kustomize: install kubectl")
        for doc in parse_documents((directory / patch["path"]).read_text(encoding="utf-8"), patch["path"]):
            _patch(objects, doc, kfile)
    for obj in objects:
        if spec.get("namespace"):
            obj.setdefault("metadata", {})["namespace"] = spec["namespace"]
        for image in spec.get("images") or []:
            _retag(obj, image)
        for rep in spec.get("replicas") or []:
            if rep.get("name") == obj.get("metadata", {}).get("name") and "replicas" in (obj.get("spec") or {}):
                obj["spec"]["replicas"] = rep["count"]
    return objects


_SUPPORTED = {"apiVersion", "kind", "metadata", "resources", "namespace", "images", "replicas", "patches",
              "patchesStrategicMerge"}


def _patch(objects: list[Manifest], patch: Manifest, where: Path) -> None:
    name = (patch.get("metadata") or {}).get("name")
    target = next((o for o in objects if o.get("kind") == patch.get("kind")
                   and (o.get("metadata") or {}).get("name") == name), None)
    if target is None:
        raise UserError(f"{where}: patch target {patch.get('kind')}/{name} not found")
    merged = strategic_merge(target, patch)
    target.clear()
    target.update(merged)


def strategic_merge(base: Any, patch: Any) -> Any:
    """Strategic merge as kustomize applies it to our patches: maps merge, lists of named maps merge by
    name (containers, volumes, env), other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = strategic_merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(patch, list) and all(isinstance(x, dict) and "name" in x
                                                                  for x in [*base, *patch]):
        by_name = {x["name"]: x for x in base}
        merged = [strategic_merge(x, next((p for p in patch if p["name"] == x["name"]), {})) for x in base]
        return merged + [p for p in patch if p["name"] not in by_name]
    return patch


def _is_kustomization(directory: Path) -> bool:
    return any((directory / n).is_file() for n in KUSTOMIZE_NAMES)


def _retag(obj: Manifest, image: dict[str, Any]) -> None:
    for container in containers(obj):
        ref = str(container.get("image", ""))
        name = ref.split("@")[0].rsplit(":", 1)[0] if ":" in ref.split("/")[-1] else ref
        if name == image.get("name"):
            tag = image.get("newTag") or (ref.split("/")[-1].split(":")[1] if ":" in ref.split("/")[-1] else "latest")
            container["image"] = f"{image.get('newName') or name}:{tag}"


def pod_spec(obj: Manifest) -> dict[str, Any] | None:
    """The pod spec inside a Deployment/StatefulSet/Job/CronJob/Pod, if any."""
    spec = obj.get("spec") or {}
    kind = obj.get("kind")
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template") or {}
    found = template.get("spec")
    return found if isinstance(found, dict) else None


def containers(obj: Manifest, init: bool = True) -> list[dict[str, Any]]:
    spec = pod_spec(obj) or {}
    found = list(spec.get("containers") or [])
    return [*(spec.get("initContainers") or []), *found] if init else found


def validate(objects: Iterable[Manifest], k8s_version: str | None = None) -> list[str]:
    """Schema errors of every object ("Kind/name: message (at path)"); empty when all are valid."""
    import kubernetes_validate

    version = k8s_version or kubernetes_validate.latest_version()
    errors: list[str] = []
    for obj in objects:
        label = f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in getattr(exc, "path", ())) or "(top)"
            errors.append(f"{label}: {getattr(exc, 'message', str(exc).splitlines()[0])} (at {path})")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{label}: no schema for this kind ({exc})")
    return errors
