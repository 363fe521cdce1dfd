"""Job definitions for engines that already scale: a GitHub Actions workflow and a Kubernetes Indexed Job.

Both run ``migrate fleet --shard I/N`` once per shard and then merge every shard's records into the
report; neither needs a scheduler of ours. Values reach shell steps only through ``env`` (no template
expansion inside a script), actions are pinned to commits, the workflow's token is read-only, and the
Kubernetes pods are hardened like every manifest ``migrate generate`` writes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML

from migrator import __version__
from migrator.errors import UserError

PINS = {  # action -> (commit, tag): a tag can be moved, a commit cannot
    "actions/checkout": ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
}
MAX_SHARDS = 256  # a GitHub matrix holds at most 256 jobs
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$")
_PATH = re.compile(r"^[A-Za-z0-9_./-]+$")


@dataclass(frozen=True)
class FleetJob:
    shards: int
    list_file: str = "fleet.txt"  # repo-relative (workflow) or the file's name in the ConfigMap (Kubernetes)
    jobs: int = 2  # worker processes per shard
    package: str = f"migrate=={__version__}"  # what the workflow installs
    image: str = f"migrate:{__version__}"  # what the Kubernetes pods run
    namespace: str = "migrate-fleet"
    name: str = "migrate-fleet"
    token_secret: str = "MIGRATE_FLEET_TOKEN"  # noqa: S105 - the secret's name
    parallelism: int = 4
    cron: str = "17 3 * * 1"

    def check(self) -> FleetJob:
        if not 1 <= self.shards <= MAX_SHARDS:
            raise UserError(f"--shards must be 1 to {MAX_SHARDS}, got {self.shards}")
        for label, value in (("--name", self.name), ("--namespace", self.namespace)):
            if not _NAME.match(value) or value == "default":
                raise UserError(f"{label} must be a DNS label other than 'default', got {value!r}")
        if not _PATH.match(self.list_file) or ".." in self.list_file.split("/"):
            raise UserError(f"--list must be a plain relative path, got {self.list_file!r}")
        return self


def _pin(action: str) -> str:
    return f"{action}@{PINS[action][0]}"


def _dump(docs: list[dict[str, Any]], comments: dict[str, str] | None = None) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump_all(docs, out)
    text = out.getvalue()
    for action, (sha, tag) in PINS.items():  # say which release each pinned commit is
        text = text.replace(f"uses: {action}@{sha}\n", f"uses: {action}@{sha} # {tag}\n")
    return text


def _setup(job: FleetJob) -> list[dict[str, Any]]:
    return [{"name": "Set up Python", "uses": _pin("actions/setup-python"), "with": {"python-version": "3.11"}},
            {"name": "Install migrate", "env": {"MIGRATE_PACKAGE": job.package},
             "run": 'python -m pip install "$MIGRATE_PACKAGE"'}]


def github_workflow(job: FleetJob) -> str:
    """``.github/workflows/migrate-fleet.yml``: a matrix over the shards, then a merge job."""
    job.check()
    shard_steps = [
        {"name": "Check out the fleet list", "uses": _pin("actions/checkout"), "with": {"persist-credentials": False}},
        *_setup(job),
        {"name": "Run this shard", "env": {"SHARD": "${{ matrix.shard }}", "SHARDS": str(job.shards),
                                           "FLEET_LIST": job.list_file, "JOBS": str(job.jobs),
                                           "GITHUB_TOKEN": f"${{{{ secrets.{job.token_secret} }}}}"},
         "run": 'migrate fleet run "$FLEET_LIST" --shard "$SHARD/$SHARDS" --jobs "$JOBS" '
                '--records "records/shard-$SHARD.jsonl"'},
        {"name": "Upload this shard's records", "if": "${{ !cancelled() }}", "uses": _pin("actions/upload-artifact"),
         "with": {"name": "fleet-records-${{ matrix.shard }}", "path": "records/", "if-no-files-found": "error",
                  "retention-days": 30}},
    ]
    report_steps = [
        {"name": "Download every shard's records", "uses": _pin("actions/download-artifact"),
         "with": {"pattern": "fleet-records-*", "path": "records", "merge-multiple": True}},
        *_setup(job),
        {"name": "Merge into the report",
         "run": 'migrate fleet report records --markdown fleet-report.md --html fleet-report.html\n'
                'cat fleet-report.md >> "$GITHUB_STEP_SUMMARY"\n'},
        {"name": "Upload the report", "uses": _pin("actions/upload-artifact"),
         "with": {"name": "fleet-report", "path": "fleet-report.md\nfleet-report.html\n",
                  "if-no-files-found": "error"}},
    ]
    workflow = {
        "name": "migrate fleet",
        "on": {"workflow_dispatch": None, "schedule": [{"cron": job.cron}]},
        "permissions": {},
        "concurrency": {"group": job.name, "cancel-in-progress": False},
        "jobs": {
            "shard": {"name": "shard ${{ matrix.shard }} of " + str(job.shards), "runs-on": "ubuntu-latest",
                      "permissions": {"contents": "read"}, "timeout-minutes": 180,
                      "strategy": {"fail-fast": False, "matrix": {"shard": list(range(job.shards))}},
                      "steps": shard_steps},
            "report": {"name": "merge the shards' records", "needs": "shard", "if": "${{ !cancelled() }}",
                       "runs-on": "ubuntu-latest", "permissions": {}, "timeout-minutes": 30, "steps": report_steps},
        },
    }
    return "# Generated by `migrate fleet emit github-actions`; re-run it to change the shard count.\n" + _dump(
        [workflow])


def _pod(job: FleetJob, args: list[str], *, shard: bool) -> dict[str, Any]:
    """A hardened pod: non-root, read-only root filesystem, no privilege escalation, nothing mounted it
    does not need (no service account token), bounded resources; clones go to a size-limited emptyDir."""
    mounts: list[dict[str, Any]] = [
        {"name": "records", "mountPath": "/records"}, {"name": "work", "mountPath": "/work"},
        {"name": "tmp", "mountPath": "/tmp"}]  # noqa: S108 - a pod-private emptyDir
    volumes: list[dict[str, Any]] = [
        {"name": "records", "persistentVolumeClaim": {"claimName": f"{job.name}-records"}},
        {"name": "work", "emptyDir": {"sizeLimit": "20Gi"}}, {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}]
    if shard:  # the list, and the token as a file (never an env var: it would show in `kubectl describe`)
        mounts += [{"name": "fleet-list", "mountPath": "/config", "readOnly": True},
                   {"name": "token", "mountPath": "/secrets", "readOnly": True}]
        volumes += [{"name": "fleet-list", "configMap": {"name": f"{job.name}-list"}},
                    {"name": "token", "secret": {"secretName": f"{job.name}-token", "optional": True,
                                                 "defaultMode": 0o440}}]
    container = {
        "name": "migrate", "image": job.image, "imagePullPolicy": "Always", "args": args,
        "env": [{"name": "HOME", "value": "/tmp"}],  # noqa: S108 - git's HOME: the pod's own emptyDir
        "resources": {"requests": {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "1Gi"},
                      "limits": {"cpu": str(max(job.jobs, 1)), "memory": f"{2 * max(job.jobs, 1)}Gi",
                                 "ephemeral-storage": "2Gi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "privileged": False,
                            "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": mounts,
    }
    return {"metadata": {"labels": {"app.kubernetes.io/name": job.name}},
            "spec": {"restartPolicy": "Never", "automountServiceAccountToken": False, "enableServiceLinks": False,
                     "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                                         "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                     "containers": [container], "volumes": volumes}}


def _meta(job: FleetJob, name: str) -> dict[str, Any]:
    return {"name": name, "namespace": job.namespace,
            "labels": {"app.kubernetes.io/name": job.name, "app.kubernetes.io/managed-by": "migrate"}}


def kubernetes_jobs(job: FleetJob, fleet_list: str) -> tuple[str, str]:
    """(shards, report): the list's ConfigMap, the records claim and the Indexed Job; then the merge Job,
    applied once the first completes (``kubectl wait --for=condition=complete job/NAME``)."""
    job.check()
    list_name = job.list_file.rsplit("/", 1)[-1]
    shard_args = ["fleet", "run", f"/config/{list_name}", "--shard", f"$(JOB_COMPLETION_INDEX)/{job.shards}",
                  "--records", "/records/shard-$(JOB_COMPLETION_INDEX).jsonl", "--workdir", "/work",
                  "--jobs", str(job.jobs), "--token-file", "/secrets/token"]
    shards = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(job, f"{job.name}-list"),
         "data": {list_name: fleet_list}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": _meta(job, f"{job.name}-records"),
         "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "1Gi"}}}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta(job, job.name),
         "spec": {"completionMode": "Indexed", "completions": job.shards,
                  "parallelism": min(job.parallelism, job.shards), "backoffLimit": job.shards * 2,
                  "ttlSecondsAfterFinished": 7 * 86400, "template": _pod(job, shard_args, shard=True)}},
        _network_policy(job),
    ]
    report_args = ["fleet", "report", "/records", "--markdown", "/records/fleet-report.md",
                   "--html", "/records/fleet-report.html"]
    report = [{"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta(job, f"{job.name}-report"),
               "spec": {"backoffLimit": 2, "ttlSecondsAfterFinished": 7 * 86400,
                        "template": _pod(job, report_args, shard=False)}}]
    head = "# Generated by `migrate fleet emit kubernetes`.\n"
    return head + _dump(shards), head + _dump(report)


def _network_policy(job: FleetJob) -> dict[str, Any]:
    """Nothing may connect to the pods; they may reach DNS and git hosts (HTTPS, SSH, git://) only."""
    ports = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}, {"protocol": "TCP", "port": 443},
             {"protocol": "TCP", "port": 22}, {"protocol": "TCP", "port": 9418}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": _meta(job, job.name),
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": job.name}},
                     "policyTypes": ["Ingress", "Egress"], "ingress": [], "egress": [{"ports": ports}]}}
