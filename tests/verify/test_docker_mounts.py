"""The docker backend mounts a pod's volumes as the kubelet would: emptyDirs writable by the pod's user,
claims owned by its fsGroup (no engine needed: a recording fake client)."""

from __future__ import annotations

from typing import Any

from migrator.verify.docker_backend import DockerBackend
from migrator.verify.report import VerifyReport


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))
        return record


class _Client:
    def __init__(self) -> None:
        self.volumes = _Recorder()
        self.containers = _Recorder()


POD = {
    "kind": "Deployment", "metadata": {"name": "shop-web"},
    "spec": {"template": {"spec": {
        "securityContext": {"runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001},
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}, {"name": "logs", "emptyDir": {}},
                    {"name": "db", "persistentVolumeClaim": {"claimName": "shop-sqlite"}}],
        "containers": [],
    }}},
}
SPEC = {"name": "web", "image": "shop:1",
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, {"name": "logs", "mountPath": "/app/logs"},
                         {"name": "db", "mountPath": "/app/var"}]}


def test_empty_dirs_belong_to_the_pods_user_and_claims_to_its_fs_group() -> None:
    client = _Client()
    backend = DockerBackend(client, "r1", VerifyReport("docker"))
    tmpfs, volumes = backend._mounts(POD, SPEC)
    # runc would give /app/logs the image directory's owner (root, 0755): the pod's user could not write
    assert tmpfs == {"/tmp": "size=268435456,uid=10001,gid=10001", "/app/logs": "uid=10001,gid=10001"}
    assert volumes == {"migrate-verify-r1-shop-sqlite": {"bind": "/app/var", "mode": "rw"}}
    [(_, _, helper)] = [c for c in client.containers.calls if c[0] == "run"]
    assert helper["user"] == "0" and helper["volumes"] == {"migrate-verify-r1-shop-sqlite": {"bind": "/app/var",
                                                                                              "mode": "rw"}}
    assert helper["entrypoint"][-1] == "chgrp -R 10001 /app/var && chmod -R g+rwX /app/var && chmod g+s /app/var"
    # a second pod mounting the same claim (the CronJob, the release Job) reuses it as it is
    backend._mounts(POD, SPEC)
    assert len([c for c in client.containers.calls if c[0] == "run"]) == 1
    assert len(client.volumes.calls) == 1
