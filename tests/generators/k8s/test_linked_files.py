"""Files and release history a release-based deploy (Capistrano, Mina) kept outside the releases: each
linked file is a key of the files Secret mounted in place, read-only; keep_releases is the Deployments'
rollback history."""

from __future__ import annotations

from analyzers import base
from analyzers.base import D, Src
from generators.docs import migration_md
from generators.k8s import kubernetes
from migrator.model import Finding
from tests.generators.k8s_helpers import objects, validate
from tests.generators.models import django_findings, model, spec

DEPLOY_RB = Src("capistrano", "config/deploy.rb", 12)


def _findings() -> list[Finding]:
    return [*django_findings(),
            base.volume("config/database.yml", DEPLOY_RB, D, purpose="linked_file", storage="secret"),
            base.volume("config/storage.yml", DEPLOY_RB, D, purpose="linked_file", storage="secret"),
            base.volume("shared/config/database.yml", DEPLOY_RB.at(13), D, purpose="linked_file", storage="secret"),
            base.runtime(Src("capistrano", "config/deploy.rb", 20), D, keep_releases=5)]


def test_linked_files_are_keys_of_the_files_secret_mounted_read_only_in_place() -> None:
    s = spec(_findings())
    files = [v for v in s.volumes if v.storage == "secret"]
    assert [(v.mount_path, v.key) for v in files] == [
        ("/app/config/database.yml", "database.yml"), ("/app/config/storage.yml", "storage.yml"),
        ("/app/shared/config/database.yml", "shared-config-database.yml")]
    generated = kubernetes.generate(s)
    found = objects(generated)
    pod = found["deployment-web.yaml"]["spec"]["template"]["spec"]
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    db = mounts["/app/config/database.yml"]
    assert db["subPath"] == "database.yml" and db["readOnly"] is True
    volume = next(v for v in pod["volumes"] if v["name"] == db["name"])
    assert volume["secret"]["secretName"] == "shop-files"
    assert volume["secret"]["items"] == [{"key": "database.yml", "path": "database.yml"}]
    secret = found["secret-files.yaml"]
    assert secret["kind"] == "Secret" and set(secret["stringData"]) == {
        "database.yml", "storage.yml", "shared-config-database.yml"}
    assert all(v == "" for v in secret["stringData"].values())  # keys only, never a value
    assert "secret-files.yaml" not in kubernetes.resource_files(generated)
    for obj in found.values():
        validate(obj)


def test_keep_releases_is_the_rollback_history() -> None:
    found = objects(kubernetes.generate(spec(_findings())))
    assert found["deployment-web.yaml"]["spec"]["revisionHistoryLimit"] == 5
    text = next(f.content for f in kubernetes.generate(spec(_findings())) if f.path.endswith("deployment-web.yaml"))
    assert "releases kept for rollback: config/deploy.rb:20" in text
    assert objects(kubernetes.generate(spec()))["deployment-web.yaml"]["spec"]["revisionHistoryLimit"] == 10


def test_migration_md_says_where_each_linked_file_comes_from() -> None:
    s = spec(_findings())
    text = migration_md.generate(model(_findings()), s, kubernetes.generate(s)).content
    assert "/app/config/database.yml" in text and "shop-files" in text
