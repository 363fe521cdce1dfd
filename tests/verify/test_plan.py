"""The run plan: the built image swapped in, health target, jobs and workloads."""

from __future__ import annotations

from migrator.verify import manifests as mf
from migrator.verify.plan import AnalysisHints, HealthTarget, make_plan, resolve_port

from .conftest import APP


def test_plan_of_the_tiny_app() -> None:
    objs = list(mf.load(APP).objects)
    objs.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cache"},
                 "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "redis:7"}]}}}})
    plan = make_plan(objs, "migrate-verify/app:123", AnalysisHints(services=("postgres", "elasticsearch")))
    images = {c["image"] for o in plan.objects for c in mf.containers(o)}
    assert images == {"migrate-verify/app:123", "redis:7"}  # infrastructure images are left alone
    assert [s.kind for s in plan.services] == ["postgres", "redis"]
    assert plan.wired["DATABASE_URL"].startswith("postgresql://verify:")
    assert plan.wired["CELERY_BROKER_URL"] == plan.wired["REDIS_URL"] == "redis://verify-redis:6379/0"
    assert plan.configmaps["tinyapp-config"]["REDIS_URL"] == "redis://verify-redis:6379/0"
    assert plan.secrets["tinyapp-secrets"]["SECRET_KEY"].startswith("fake-")
    assert [o["metadata"]["name"] for o in plan.jobs] == ["release"]
    assert [o["metadata"]["name"] for o in plan.cronjobs] == ["nightly"]
    assert [o["metadata"]["name"] for o in plan.deployments] == ["web", "worker", "cache"]
    # the Ingress backend's Service, its named target port resolved, the readiness probe's path
    assert plan.health == HealthTarget("web", "web", "web", 8000, "/healthz", "tinyapp.example.com")
    assert plan.notes == ("backing service 'elasticsearch' (from the analysis) is not started by verify",)


def test_no_service_means_no_health_target() -> None:
    objs = [o for o in mf.load(APP).objects if o["kind"] not in ("Service", "Ingress")]
    assert make_plan(objs, "img").health is None


def test_resolve_port() -> None:
    container = {"name": "web", "ports": [{"name": "http", "containerPort": 8000}]}
    assert resolve_port(container, "http") == 8000
    assert resolve_port(container, 9000) == 9000 and resolve_port(container, "9000") == 9000


def test_analysis_hints_wire_env_the_manifests_do_not_set() -> None:
    objs = [o for o in mf.load(APP).objects if o["kind"] != "Ingress"]
    for o in objs:  # a web probe without a path: the analysis' health path is used
        for c in mf.containers(o):
            c.pop("readinessProbe", None)
    hints = AnalysisHints(services=("postgres",), env_names=("DB_HOST", "REDIS_URL"), health_paths=("/health",))
    plan = make_plan(objs, "img", hints)
    web = next(o for o in plan.deployments if o["metadata"]["name"] == "web")
    env = {e["name"]: e.get("value") for e in mf.containers(web)[0]["env"]}
    assert env["DB_HOST"] == "verify-postgres"  # only the analysis knows the app reads it
    assert env["REDIS_URL"] == "redis://verify-redis:6379/0"
    assert plan.health is not None and (plan.health.path, plan.health.host) == ("/health", "web")
