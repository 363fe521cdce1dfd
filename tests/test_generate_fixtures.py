"""Every fixture generates, end to end, and its output passes the real validators.

- every generated file is a syrupy snapshot (read the diff before updating: `pytest --snapshot-update`);
- every Dockerfile passes hadolint with the repo's `.hadolint.yaml` (one justified ignore);
- `kubectl kustomize` resolves the base and the production overlay, offline;
- every resolved manifest (and the Secret template) validates strictly against the Kubernetes OpenAPI
  schemas of 1.29 and of the newest version kubernetes-validate knows;
- checkov's Kubernetes checks pass on all of them, except the justified CHECKOV_SKIPS;
- no planted secret value appears in any generated file; a second run changes nothing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generators.output import OutputFile
from migrator.generate import generate
from migrator.writer import write
from tests.conftest import NO_IMAGE, SECRETS_FILE, fixture_dirs, fixture_path
from tests.generators.k8s_helpers import VERSIONS, docs

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = fixture_dirs()
IDS = [f.name for f in FIXTURES]
IMAGED = [name for name in IDS if name not in NO_IMAGE]
IMAGE_FILES = {"deploy/image/Dockerfile", "deploy/image/Dockerfile.dockerignore"}
# checkov rules we do not follow, and why. Anything else failing fails the test.
CHECKOV_SKIPS = {
    "CKV_K8S_43": "image digests: the image is built from this repo and pinned by an immutable tag per build",
    "CKV_K8S_15": "imagePullPolicy Always: tags are immutable, and locally loaded images (kind) cannot be pulled",
    "CKV_K8S_35": "secrets as files: the legacy app reads its settings from environment variables (12-factor)",
}
WORKLOADS = ("Deployment", "Job", "CronJob")


def planted_secrets() -> list[tuple[str, str]]:
    path = SECRETS_FILE
    lines = path.read_text().splitlines() if path.is_file() else []
    return [tuple(line.split("\t", 1)) for line in lines if "\t" in line and not line.startswith("#")]  # type: ignore[misc]


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[OutputFile], Path]]:
    out = tmp_path_factory.mktemp("generated")
    result = {}
    for fixture in FIXTURES:
        files = generate(fixture)
        write(files, out / fixture.name)
        result[fixture.name] = (files, out / fixture.name)
    return result


def kustomize(directory: Path) -> list[dict[str, Any]]:
    result = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return docs(result.stdout)


@pytest.fixture(scope="session")
def manifests(generated: dict[str, tuple[list[OutputFile], Path]]) -> dict[str, list[dict[str, Any]]]:
    """fixture -> the production overlay, resolved, plus the Secret template (validated, never applied)."""
    out = {}
    for name, (_, root) in generated.items():
        objs = kustomize(root / "deploy/k8s/overlays/production")
        secret = root / "deploy/k8s/base/secret.yaml"
        if secret.is_file():
            objs += docs(secret.read_text())
        out[name] = objs
    return out


def test_fixtures_exist() -> None:
    assert len(FIXTURES) >= 4, "the fixtures under fixtures/ are missing"


@pytest.mark.parametrize("fixture", IDS)
def test_output_matches_snapshots(fixture: str, generated: Any, snapshot: Any) -> None:
    files, _ = generated[fixture]
    paths = [f.path for f in files]
    assert {"MIGRATION.md", "migrate.toml", "deploy/k8s/base/kustomization.yaml",
            "deploy/k8s/overlays/production/kustomization.yaml"} <= set(paths)
    # no Dockerfile that cannot work for a runtime no provider knows; every other fixture gets one
    assert (IMAGE_FILES & set(paths)) == (set() if fixture in NO_IMAGE else IMAGE_FILES)
    assert paths == sorted(paths)
    for f in files:
        assert f.content == snapshot(name=f.path)


@pytest.mark.parametrize("fixture", IDS)
def test_generated_files_never_shadow_the_repos_own(fixture: str, generated: Any) -> None:
    # compose-django has its own Dockerfile, docker/prod.dockerfile and compose file: none is a path we write
    files, _ = generated[fixture]
    own = {p.relative_to(fixture_path(fixture)).as_posix() for p in fixture_path(fixture).rglob("*")}
    # migrate.toml is create-only: one the repo has is the user's and is kept, never shadowed
    assert not {f.path for f in files if not f.create_only} & own


@pytest.mark.parametrize("fixture", IMAGED)
def test_dockerfile_passes_hadolint(fixture: str, generated: Any) -> None:
    _, root = generated[fixture]
    result = subprocess.run(["hadolint", "--config", str(ROOT / ".hadolint.yaml"), "--failure-threshold", "style",
                             str(root / "deploy/image/Dockerfile")], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize("fixture", IDS)
def test_base_and_overlay_resolve(fixture: str, generated: Any) -> None:
    _, root = generated[fixture]
    base = kustomize(root / "deploy/k8s/base")
    overlay = kustomize(root / "deploy/k8s/overlays/production")
    assert sorted((o["kind"], o["metadata"]["name"]) for o in base) == \
        sorted((o["kind"], o["metadata"]["name"]) for o in overlay)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("fixture", IDS)
def test_manifests_validate_strictly(fixture: str, version: str, manifests: Any) -> None:
    import kubernetes_validate

    objs = manifests[fixture]
    assert objs
    for obj in objs:
        kubernetes_validate.validate(obj, version, strict=True)


@pytest.mark.parametrize("fixture", IDS)
def test_no_latest_tag_and_no_default_namespace(fixture: str, manifests: Any) -> None:
    for obj in manifests[fixture]:
        assert obj["metadata"].get("namespace") not in (None, "", "default"), obj["metadata"]["name"]
        if obj["kind"] in WORKLOADS:
            template = obj["spec"]["jobTemplate"]["spec"]["template"] if obj["kind"] == "CronJob" \
                else obj["spec"]["template"]
            for c in template["spec"]["containers"]:
                name, _, tag = c["image"].rpartition(":")
                assert name and tag and tag != "latest", c["image"]


def test_checkov_kubernetes_checks_pass(manifests: Any, tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    for name, objs in manifests.items():
        with (tmp_path / f"{name}.yaml").open("w") as fh:
            YAML(typ="safe", pure=True).dump_all(objs, fh)
    result = subprocess.run(["checkov", "-d", str(tmp_path), "--framework", "kubernetes", "-o", "json", "--quiet",
                             "--skip-check", ",".join(CHECKOV_SKIPS)], capture_output=True, text=True, check=False)
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [(c["check_id"], c["resource"]) for r in reports for c in r["results"]["failed_checks"]]
    assert failed == []
    summary = reports[0]["summary"]
    assert summary["passed"] > 100 and summary["resource_count"] >= len(manifests)
    # the checker must be able to fail: a pod without any hardening is caught
    probe = tmp_path / "probe"
    probe.mkdir()
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "x"},
           "spec": {"containers": [{"name": "c", "image": "x:1"}]}}
    (probe / "pod.yaml").write_text(json.dumps(pod))
    result = subprocess.run(["checkov", "-d", str(probe), "--framework", "kubernetes", "-o", "json", "--quiet"],
                            capture_output=True, text=True, check=False)
    assert "CKV_K8S_20" in result.stdout  # allowPrivilegeEscalation not false


@pytest.mark.parametrize("fixture", IDS)
def test_no_command_runs_a_container_cli_or_a_host_daemon(fixture: str, generated: Any, manifests: Any) -> None:
    # `docker exec web python manage.py migrate` became `python manage.py migrate`; caddy is the Ingress
    from analyzers.commands import HOST_PROGRAMS
    from analyzers.deploy.docker_cli import TOOLS

    forbidden = TOOLS | set(HOST_PROGRAMS)
    for obj in manifests[fixture]:
        if obj["kind"] not in WORKLOADS:
            continue
        spec = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"] if obj["kind"] == "CronJob" \
            else obj["spec"]["template"]["spec"]
        for c in [*spec.get("initContainers", []), *spec["containers"]]:
            argv = [*c.get("command", []), *c.get("args", [])]
            if argv[:2] in (["sh", "-c"], ["bash", "-c"]):
                argv = argv[2].removeprefix("exec ").split()
            assert argv and argv[0].rsplit("/", 1)[-1] not in forbidden, (obj["metadata"]["name"], argv)
    files, _ = generated[fixture]
    image = next((f.content for f in files if f.path == "deploy/image/Dockerfile"), None)
    assert (image is None) == (fixture in NO_IMAGE)
    for line in (image or "").splitlines():
        if line.startswith(("RUN ", "CMD ")):
            words = line.replace('"', " ").replace("[", " ").split()[1:]
            assert not forbidden & {w.rsplit("/", 1)[-1] for w in words[:1]}, line


def test_no_planted_secret_reaches_any_generated_file(generated: Any) -> None:
    secrets = planted_secrets()
    assert secrets, "fixtures/SECRETS.txt lists no planted secrets"
    for fixture, (_, root) in generated.items():
        written = [p for p in root.rglob("*") if p.is_file()]  # every file, the writer's state included
        assert root / ".migrate/state.json" in written
        for path in written:
            text = path.read_text()
            for owner, value in secrets:
                assert value not in text, f"{owner}'s planted secret leaked into {fixture}/{path.relative_to(root)}"


def test_configmaps_hold_no_secret(manifests: Any) -> None:
    """The ConfigMap gate: no secret-named key, no secret-bearing value (a URL with a password part even
    when the password is a placeholder), in any fixture; workload commands read lifted secrets from env."""
    from migrator.secrets import bears_secret, is_secret_name

    for fixture, objs in manifests.items():
        for obj in objs:
            if obj["kind"] != "ConfigMap":
                continue
            for key, value in (obj.get("data") or {}).items():
                assert not is_secret_name(key), f"{fixture}: {key} is in the ConfigMap"
                assert not bears_secret(str(value)), f"{fixture}: {key}'s value bears a secret"


@pytest.mark.parametrize("fixture", IDS)
def test_second_run_changes_nothing(fixture: str, generated: Any) -> None:
    files, root = generated[fixture]
    state = (root / ".migrate/state.json").read_text()
    again = write(generate(fixture_path(fixture)), root)
    assert {a.action for a in again} == {"unchanged"}
    assert (root / ".migrate/state.json").read_text() == state
