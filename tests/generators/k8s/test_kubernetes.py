"""generators/k8s/kubernetes.py (+ k8s_pod.py): the base manifests, by value, line comments and schema."""

from __future__ import annotations

import re
from typing import Any

import kubernetes_validate
import pytest

from analyzers import base
from analyzers.base import Src
from generators.k8s import kubernetes
from generators.output import OutputFile
from migrator.config import GenerateSettings
from migrator.errors import UserError
from migrator.model import Finding
from tests.generators.k8s_helpers import objects, validate
from tests.generators.models import django_findings, minimal_web, spec


def generated(findings: list[Finding] | None = None, settings: GenerateSettings | None = None) -> list[OutputFile]:
    return kubernetes.generate(spec(findings, settings))


def objs(findings: list[Finding] | None = None, settings: GenerateSettings | None = None) -> dict[str, Any]:
    return objects(generated(findings, settings))


def pod(obj: dict[str, Any]) -> dict[str, Any]:
    template = obj["spec"]["jobTemplate"]["spec"]["template"] if obj["kind"] == "CronJob" else obj["spec"]["template"]
    spec_: dict[str, Any] = template["spec"]
    return spec_


def test_every_object_is_schema_valid_for_129_and_latest() -> None:
    found = objs()
    assert set(found) == {
        "serviceaccount.yaml", "networkpolicy.yaml", "configmap.yaml", "deployment-web.yaml", "pdb-web.yaml",
        "deployment-worker.yaml", "pdb-worker.yaml", "deployment-beat.yaml", "service-web.yaml", "hpa-web.yaml",
        "ingress.yaml", "pvc-media.yaml", "cronjob-clearsessions.yaml", "job-release.yaml", "secret.yaml",
    }
    for obj in found.values():
        validate(obj)
        assert obj["metadata"]["namespace"] == "shop"


def test_strict_validation_rejects_unknown_fields_and_api_versions() -> None:
    # the validator itself must be able to fail, or the test above proves nothing
    bad = dict(objs()["service-web.yaml"], bogus=1)
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(bad)
    with pytest.raises(kubernetes_validate.utils.SchemaNotFoundError):
        validate(dict(objs()["hpa-web.yaml"], apiVersion="autoscaling/v2beta1"))


def test_web_deployment_rolls_out_without_downtime() -> None:
    web = objs()["deployment-web.yaml"]
    assert web["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    assert web["spec"]["revisionHistoryLimit"] == 10
    assert web["spec"]["replicas"] == 2
    assert web["metadata"]["labels"]["app.kubernetes.io/component"] == "web"
    assert web["spec"]["selector"]["matchLabels"].items() <= web["spec"]["template"]["metadata"]["labels"].items()


def test_scheduler_is_a_single_recreated_pod() -> None:
    beat = objs()["deployment-beat.yaml"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    command = pod(beat)["containers"][0]["command"]
    assert command == ["celery", "-A", "proj", "beat", "--schedule", "/tmp/celerybeat-schedule"]


def test_a_worker_holding_an_in_process_schedule_is_one_recreated_pod() -> None:
    # the worker runs a node-cron schedule itself: a second pod (more replicas, or a rolling update's surge)
    # would send every mail twice
    held = [*django_findings(), base.process("worker", Src("node_code", "worker.js", 25), base.I, replicas=1,
                                             singleton="in-process node-cron schedule '0 */6 * * *'")]
    worker = objs(held)["deployment-worker.yaml"]
    assert worker["spec"]["replicas"] == 1 and worker["spec"]["strategy"] == {"type": "Recreate"}
    assert objs()["deployment-worker.yaml"]["spec"]["replicas"] == 3  # the same worker without it: supervisor's


def test_probes_http_on_health_path_tcp_fallback_none_for_workers() -> None:
    c = pod(objs()["deployment-web.yaml"])["containers"][0]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        # the public host as Host header: the kubelet's default (the pod IP) fails ALLOWED_HOSTS checks
        assert c[probe]["httpGet"] == {"path": "/healthz", "port": "http",
                                       "httpHeaders": [{"name": "Host", "value": "shop.example.com"}]}
    no_host = [f for f in django_findings() if f.kind.value != "ingress"]
    plain = pod(objs(no_host)["deployment-web.yaml"])["containers"][0]["readinessProbe"]["httpGet"]
    assert plain == {"path": "/healthz", "port": "http"}
    assert c["ports"] == [{"name": "http", "containerPort": 8081, "protocol": "TCP"}]
    worker = objs()["deployment-worker.yaml"]
    assert not {"startupProbe", "readinessProbe", "livenessProbe"} & set(pod(worker)["containers"][0])
    assert "CKV_K8S_8=" in worker["metadata"]["annotations"]["checkov.io/skip1"]
    no_health = [f for f in django_findings() if f.kind.value != "health_checks"]
    c = pod(objs(no_health)["deployment-web.yaml"])["containers"][0]
    assert c["readinessProbe"]["tcpSocket"] == {"port": "http"} and "httpGet" not in c["livenessProbe"]


def test_security_context_is_hardened() -> None:
    for name, obj in objs().items():
        if obj["kind"] not in ("Deployment", "CronJob", "Job"):
            continue
        spec_ = pod(obj)
        assert spec_["automountServiceAccountToken"] is False and spec_["serviceAccountName"] == "shop"
        assert spec_["securityContext"]["runAsNonRoot"] is True and spec_["securityContext"]["runAsUser"] == 10001
        assert spec_["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        sc = spec_["containers"][0]["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False, name
        assert sc["readOnlyRootFilesystem"] is True and sc["capabilities"] == {"drop": ["ALL"]}
        mounts = {m["mountPath"]: m["name"] for m in spec_["containers"][0]["volumeMounts"]}
        assert mounts["/tmp"] == "tmp" and mounts["/app/media"] == "shop-media"
        assert {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}} in spec_["volumes"]


def test_grace_period_and_resources_from_legacy_limits() -> None:
    web = pod(objs()["deployment-web.yaml"])
    assert web["terminationGracePeriodSeconds"] == 20
    assert web["containers"][0]["resources"] == {
        "requests": {"cpu": "100m", "memory": "1Gi"}, "limits": {"cpu": "1500m", "memory": "1Gi"}}
    worker = pod(objs()["deployment-worker.yaml"])
    assert worker["terminationGracePeriodSeconds"] == 30
    assert worker["containers"][0]["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}


def test_pre_stop_sleep_from_migrate_toml_adds_a_hook_and_extends_the_grace_period() -> None:
    from migrator.config import overrides_from

    findings = django_findings() + overrides_from({"processes": {"web": {"pre_stop_sleep": 5}}})
    files = generated(findings)
    web = pod(objects(files)["deployment-web.yaml"])
    assert web["containers"][0]["lifecycle"] == {"preStop": {"exec": {"command": ["sleep", "5"]}}}
    assert web["terminationGracePeriodSeconds"] == 25  # the legacy 20s after SIGTERM, plus the sleep
    text = next(f.content for f in files if f.path.endswith("deployment-web.yaml"))
    assert "# pre_stop_sleep: migrate.toml" in text and "plus the 5s preStop sleep" in text
    worker = pod(objects(files)["deployment-worker.yaml"])
    assert "lifecycle" not in worker["containers"][0] and worker["terminationGracePeriodSeconds"] == 30
    validate(objects(files)["deployment-web.yaml"])


def test_resources_settings_apply_where_legacy_says_nothing() -> None:
    settings = GenerateSettings(resources={"memory_limit": "2Gi", "cpu_request": "250m"})
    worker = pod(objs(settings=settings)["deployment-worker.yaml"])["containers"][0]["resources"]
    # memory request = memory limit whenever the limit is not the default (memory cannot be throttled)
    assert worker == {"requests": {"cpu": "250m", "memory": "2Gi"}, "limits": {"cpu": "500m", "memory": "2Gi"}}


def test_provenance_comments_on_the_values() -> None:
    text = next(f.content for f in generated() if f.path.endswith("deployment-web.yaml"))
    assert "containerPort: 8081  # port 8081: deploy/systemd/web.service:9 (declared)" in text
    assert "# legacy: web.service" in text
    assert "terminationGracePeriodSeconds: 20  # stop timeout: deploy/systemd/web.service:9 (declared)" in text
    assert "path: /healthz  # health path: proj/urls.py:12 (inferred)" in text


def test_hpa_and_pdb_for_the_web_process() -> None:
    found = objs()
    hpa = found["hpa-web.yaml"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    assert hpa["metrics"][0]["resource"]["name"] == "cpu"
    assert found["pdb-web.yaml"]["spec"]["maxUnavailable"] == 1
    assert found["pdb-worker.yaml"]["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "worker"
    assert "pdb-beat.yaml" not in found


def test_service_and_ingress_with_body_size_and_tls() -> None:
    found = objs()
    assert found["service-web.yaml"]["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http",
                                                            "protocol": "TCP"}]
    ing = found["ingress.yaml"]
    assert ing["metadata"]["annotations"] == {"nginx.ingress.kubernetes.io/proxy-body-size": "20m"}
    assert ing["spec"]["rules"][0]["host"] == "shop.example.com"
    assert ing["spec"]["tls"] == [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]
    no_host = [f for f in django_findings() if f.kind.value != "ingress"]
    assert "ingress.yaml" not in objs(no_host)


def test_configmap_and_secret_never_hold_secret_values() -> None:
    found = objs()
    assert found["configmap.yaml"]["data"] == {"DEBUG": "false"}
    assert found["secret.yaml"]["stringData"] == {"DATABASE_URL": "", "SECRET_KEY": ""}
    env = pod(found["deployment-web.yaml"])["containers"][0]["env"]
    assert {"name": "SECRET_KEY", "valueFrom": {"secretKeyRef": {"name": "shop-secrets", "key": "SECRET_KEY"}}} in env
    text = next(f.content for f in generated() if f.path.endswith("secret.yaml"))
    assert re.search(r"SECRET_KEY: ''\s+# read at proj/settings.py:5", text)
    assert "NOT listed in kustomization.yaml" in text
    assert "secret.yaml" not in kubernetes.resource_files(generated())


def test_a_secret_default_never_reaches_the_configmap() -> None:
    findings = [*minimal_web(), base.env_var("API_TOKEN", Src("dotenv", ".env", 1), default="tok_live_123456")]
    found = objs(findings)
    assert "configmap.yaml" not in found
    assert found["secret.yaml"]["stringData"] == {"API_TOKEN": ""}
    assert all("tok_live_123456" not in f.content for f in generated(findings))


def test_cronjob_per_schedule() -> None:
    cron = objs()["cronjob-clearsessions.yaml"]
    assert cron["metadata"]["name"] == "shop-clearsessions"
    assert cron["spec"]["schedule"] == "0 3 * * *" and cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert (cron["spec"]["successfulJobsHistoryLimit"], cron["spec"]["failedJobsHistoryLimit"]) == (3, 1)
    assert pod(cron)["restartPolicy"] == "Never"
    assert pod(cron)["containers"][0]["command"] == ["python", "manage.py", "clearsessions"]


def test_release_job_name_changes_with_the_image() -> None:
    job = objs()["job-release.yaml"]
    assert re.fullmatch(r"shop-release-[0-9a-f]{8}", job["metadata"]["name"])
    assert job["spec"]["ttlSecondsAfterFinished"] == 86400
    assert pod(job)["containers"][0]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    same = objs()["job-release.yaml"]["metadata"]["name"]
    other = objs(settings=GenerateSettings(tag="2.0.0"))["job-release.yaml"]["metadata"]["name"]
    assert same == job["metadata"]["name"] != other


def test_several_release_steps_run_in_order_in_one_shell() -> None:
    # legacy order (file, line), not alphabetical: createcachetable at line 22 runs after migrate at 21
    step = base.release_step("python manage.py createcachetable", Src("fabric", "fabfile.py", 22))
    findings = [*django_findings(), step]
    cmd = objs(findings)["job-release.yaml"]["spec"]["template"]["spec"]["containers"][0]["command"]
    assert cmd == ["sh", "-c", "set -e\npython manage.py migrate --noinput\npython manage.py createcachetable"]


def test_pvc_per_volume() -> None:
    pvc = objs()["pvc-media.yaml"]
    assert pvc["metadata"]["name"] == "shop-media"
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]


def test_no_latest_tag_and_no_default_namespace() -> None:
    images = {c["image"] for o in objs().values() if o["kind"] in ("Deployment", "Job", "CronJob")
              for c in pod(o)["containers"]}
    assert images == {"shop:0.1.0"}
    with pytest.raises(UserError, match="latest"):
        spec(settings=GenerateSettings(image="shop:latest"))
    with pytest.raises(UserError, match="default"):
        spec(settings=GenerateSettings(namespace="default"))
    assert objs(settings=GenerateSettings(namespace="shop-prod"))["deployment-web.yaml"]["metadata"]["namespace"] \
        == "shop-prod"


def test_registry_and_image_settings() -> None:
    found = objs(settings=GenerateSettings(registry="ghcr.io/acme", tag="1.4.2"))
    assert pod(found["deployment-web.yaml"])["containers"][0]["image"] == "ghcr.io/acme/shop:1.4.2"


def test_minimal_app_still_valid() -> None:
    found = objs(minimal_web())
    assert set(found) == {"serviceaccount.yaml", "networkpolicy.yaml", "deployment-web.yaml", "pdb-web.yaml",
                          "service-web.yaml", "hpa-web.yaml"}  # two replicas by default: a PDB
    for obj in found.values():
        validate(obj)
    c = pod(found["deployment-web.yaml"])["containers"][0]
    assert c["command"] == ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]


def test_no_processes_gives_only_shared_objects() -> None:
    found = objs([])
    assert set(found) == {"serviceaccount.yaml", "networkpolicy.yaml"}
    assert found["networkpolicy.yaml"]["spec"]["ingress"] == []


def test_odd_process_keys_become_valid_names() -> None:
    findings = [*minimal_web(), base.process("Mail_Queue", Src("procfile", "Procfile", 2), role="worker",
                                             command="python -m mailer")]
    found = objs(findings)
    worker = found["deployment-mail-queue.yaml"]
    assert worker["metadata"]["name"] == "shop-mail-queue"
    assert pod(worker)["containers"][0]["name"] == "mail-queue"
    validate(worker)


def test_pdb_only_when_more_than_one_replica() -> None:
    assert "pdb-web.yaml" not in objs(minimal_web(replicas=1))
    assert "pdb-web.yaml" in objs(minimal_web(replicas=3))


def test_unusable_values_are_skipped_and_reported_not_crashed_on() -> None:
    src = Src("cron", "deploy/crontab", 4)
    findings = [
        *minimal_web(port="$PORT", replicas="many"),
        base.schedule("weird", src, schedule="@reboot", command="python cleanup.py"),
        base.volume("/", Src("nginx", "nginx.conf", 3)),
        base.volume("/tmp/uploads", Src("nginx", "nginx.conf", 5)),
        base.volume("media", Src("python_web", "proj/settings.py", 40), purpose="media"),
        base.volume("db.sqlite3", Src("python_web", "proj/settings.py", 20), purpose="sqlite"),
    ]
    s = spec(findings)
    found = objects(kubernetes.generate(s))
    web = found["deployment-web.yaml"]
    assert web["spec"]["replicas"] == 2
    assert pod(web)["containers"][0]["ports"][0]["containerPort"] == 8000  # gunicorn's default, not "$PORT"
    assert not any(name.startswith("cronjob-") for name in found)
    assert [v.mount_path for v in s.volumes] == ["/app/media"]
    assert any("'weird' (deploy/crontab:4 (declared)) has no 5-field cron expression" in n for n in s.notes)
    assert any("volume '/' (nginx.conf:3 (inferred)) would hide" in n for n in s.notes)
    assert any("'/tmp/uploads'" in n for n in s.notes)
    for obj in found.values():
        validate(obj)


def test_names_fit_kubernetes_limits() -> None:
    long_key = "a-very-long-process-name-that-goes-on-and-on"
    findings = [*minimal_web(), base.process(long_key, Src("procfile", "Procfile", 2), role="worker",
                                             command="python -m w")]
    s = spec(findings, name="2fa " + "x" * 60)
    assert s.name.startswith("a-2fa-") and len(s.name) <= 40
    names = [o["metadata"]["name"] for o in objects(kubernetes.generate(s)).values()]
    assert all(re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", n) and len(n) <= 63 for n in names), names
    assert spec(settings=GenerateSettings(namespace="2fa")).namespace.value == "2fa"
    with pytest.raises(UserError, match="not a valid Kubernetes name"):
        spec(settings=GenerateSettings(namespace="Bad_NS"))


def test_secret_comment_points_at_the_code_that_reads_it() -> None:
    findings = [*minimal_web(), base.env_var("API_TOKEN", Src("dotenv", ".env.example", 5)),
                base.env_var("API_TOKEN", Src("python_code", "app/settings.py", 13), required=True)]
    text = next(f.content for f in generated(findings) if f.path.endswith("secret.yaml"))
    assert re.search(r"API_TOKEN: ''\s+# read at app/settings.py:13", text)


def test_legacy_host_paths_in_config_follow_the_app_into_the_image() -> None:
    findings = [
        *minimal_web(working_dir="/srv/shop"),
        base.volume("/srv/shop/media", Src("nginx", "site.conf", 9), purpose="media"),
        base.env_var("MEDIA_ROOT", Src("python_code", "shop/settings.py", 4), default="/srv/shop/media"),
        base.env_var("LOG_DIR", Src("python_code", "shop/settings.py", 5), default="/var/log/shop"),
    ]
    out = objs(findings)
    config = next(o for o in out.values() if o["kind"] == "ConfigMap")["data"]
    mounts = [m["mountPath"] for m in pod(next(o for o in out.values() if o["kind"] == "Deployment"))
              ["containers"][0]["volumeMounts"]]
    # the app writes where its config says, and that is where the volume is mounted
    assert config["MEDIA_ROOT"] == "/app/media" and "/app/media" in mounts
    assert config["LOG_DIR"] == "/var/log/shop"  # not under the app dir: left alone
