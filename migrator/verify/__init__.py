"""``migrate verify``: build the generated image and boot the generated manifests until the app answers.

Both backends (kind: a real cluster; docker: offline, not a Kubernetes) implement :class:`Backend`
and share the steps below and one :class:`~migrator.verify.report.VerifyReport`:

1. validate every manifest (kubernetes-validate, strict, offline);
2. build the image with the docker SDK, from the generated ``deploy/image/Dockerfile`` (never a
   Dockerfile of the repository's own), and scan its app directory for secrets (private keys, dotenv
   files, the files where the analysis found hard-coded secrets) without running it;
3. start throwaway PostgreSQL/Redis and wire their URLs into the app's env; fake every Secret;
4. run the release Job(s) to completion;
5. start every Deployment, wait for readiness per its probes, GET the web Service's health path
   (2xx/3xx), let workers settle;
6. trigger each CronJob once and report the result;
7. with ``drill``: rolling update under load, a broken revision, rollback, graceful stop
   (:mod:`migrator.verify.drill`);
8. clean up unless ``keep``.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from migrator import names
from migrator.config import offline_jobs
from migrator.errors import UserError
from migrator.verify import manifests as mf
from migrator.verify.build import BuildFiles, build_files, build_image
from migrator.verify.image_scan import scan_image
from migrator.verify.plan import AnalysisHints, VerifyPlan, make_plan, name_of
from migrator.verify.report import SKIPPED, WARNING, Step, StepFailed, VerifyReport

if TYPE_CHECKING:
    from migrator.model import AppModel
    from migrator.pipeline import Pipeline
    from migrator.verify.drill import DrillBackend

log = logging.getLogger(__name__)
SETTLE_SECONDS = 8.0


class Backend(Protocol):
    """What a verify backend does; the orchestration and the report are shared."""

    name: str

    def publish(self, tag: str) -> str: ...
    def prepare(self, plan: VerifyPlan) -> None: ...
    def start_services(self, plan: VerifyPlan) -> None: ...
    def run_job(self, plan: VerifyPlan, job: dict[str, Any]) -> tuple[str, dict[str, list[str]]]: ...
    def start_workloads(self, plan: VerifyPlan) -> None: ...
    def wait_ready(self, plan: VerifyPlan) -> None: ...
    def http_check(self, plan: VerifyPlan) -> tuple[int, str]: ...
    def settle(self, plan: VerifyPlan, seconds: float) -> None: ...
    def pod_logs(self, plan: VerifyPlan, workload: str) -> dict[str, list[str]]: ...
    def drill(self) -> DrillBackend: ...
    def cleanup(self) -> None: ...


def docker_client() -> Any:
    """``docker.from_env()`` that answers, else a usage/environment error (exit 1)."""
    import docker

    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except Exception as exc:
        raise UserError(f"no Docker Engine answers ({type(exc).__name__}); start dockerd or set DOCKER_HOST") from exc
    return client


def choose_backend(requested: str, kube_context: str | None = None) -> str:
    """``auto`` is kind when the kind CLI exists (or a context was given), else docker."""
    if requested != "auto":
        return requested
    return "kind" if kube_context or shutil.which("kind") else "docker"


def analysis_hints(root: Path) -> AnalysisHints:
    """What the analysis of ``root`` (with its migrate.toml) knows that manifests may not say: backing
    services, env names the app reads, health paths. Empty when the analysis fails: verification must not
    depend on every analyzer. ``migrate pr`` and the fleet hand :func:`verify` their pipeline instead."""
    from migrator.pipeline import Pipeline

    return Pipeline(root).hints


def hints_from(model: AppModel) -> AnalysisHints:
    """The :class:`AnalysisHints` of an analyzed model (see :func:`analysis_hints`)."""
    from migrator.model import Kind

    return AnalysisHints(
        services=tuple(s.key for s in model.of(Kind.SERVICE)),
        env_names=tuple(e.key for e in model.env),
        health_paths=tuple(p for h in model.of(Kind.HEALTH_CHECK) if (p := str(h.get("path"))).startswith("/")),
        secret_files=_secret_files(model.secrets_found),
    )


def _secret_files(found: Any) -> tuple[tuple[str, bool], ...]:
    by_file: dict[str, bool] = {}
    for s in found:
        by_file[s.file] = by_file.get(s.file, True) and bool(s.fallback)
    return tuple(sorted(by_file.items()))


def verify(
    root: Path,
    backend: str = "auto",
    *,
    cluster: str = "migrate-verify",
    kube_context: str | None = None,
    push: str | None = None,
    keep: bool = False,
    timeout: float = 300,
    settle: float = SETTLE_SECONDS,
    drill: bool = False,
    progress: Callable[[str], None] | None = None,
    client: Any = None,
    pipeline: Pipeline | None = None,
) -> VerifyReport:
    """Verify the migration generated in ``root``; the report says whether it booted and why not.

    ``pipeline``: the run that generated ``root`` (``migrate pr``, the fleet); its analysis gives the hints
    (backing services, env names, health paths, secret files) instead of analyzing ``root`` again."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root} is not a directory")
    kind = choose_backend(backend, kube_context)
    if kind == "kind" and not kube_context and not names.is_kind_cluster_name(cluster):
        raise UserError(f"--cluster {cluster!r} is not a valid kind cluster name (lower-case letters, digits, '.' "
                        "and '-', at most 50 characters)")
    run_id = uuid.uuid4().hex[:8]
    report = VerifyReport(kind, run_id, progress=progress)
    manifests = mf.load(root)  # a missing/unparsable output is a usage error, before any engine work
    files = build_files(root)  # only the Dockerfile migrate generated is ever built
    marks = offline_jobs(root)  # an invalid migrate.toml is a usage error too
    client = client or docker_client()
    hints = pipeline.hints if pipeline is not None else analysis_hints(root)  # before any image work
    be: Backend
    if kind == "kind":
        from migrator.verify.kind_backend import KindBackend

        be = KindBackend(client, run_id, report, timeout=timeout, cluster=cluster, kube_context=kube_context, push=push)
    else:
        from migrator.verify.docker_backend import DockerBackend

        be = DockerBackend(client, run_id, report, timeout=timeout)
    # the checkout directory may be called anything (owner+name, "My App", Näme): the tag must be valid
    tag = f"{names.image_repository(root.resolve().name, 'migrate-verify')}:{names.image_tag(run_id)}"
    try:
        _run(root, be, report, manifests, files, hints, client, tag, settle, marks, drill)
    except StepFailed:
        pass  # recorded on its step; the remaining steps do not run
    finally:
        if keep:
            report.notes.append(f"--keep: resources of run {run_id} left in place (label migrate.verify={run_id})")
        else:
            try:
                be.cleanup()
                _remove_image(client, tag)
            except Exception as exc:
                report.notes.append(f"cleanup of run {run_id} incomplete: {type(exc).__name__}: {exc}")
    return report.finish()


def cleanup_run(client: Any, run_id: str) -> None:
    """Remove what a docker-backend run left (after ``keep``): containers, networks, volumes, its image tag."""
    from migrator.verify.docker_backend import DockerBackend

    DockerBackend(client, run_id, VerifyReport("docker")).cleanup()
    for image in client.images.list(filters={"label": "migrate.verify=image"}):
        for tag in image.tags:
            if tag.startswith("migrate-verify/") and tag.endswith(f":{run_id}"):
                _remove_image(client, tag)


def _remove_image(client: Any, tag: str) -> None:
    """Drop this run's tag; noprune keeps the parent layers, so the next build still hits the cache."""
    import docker.errors

    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(tag, noprune=True)


def _run(root: Path, be: Backend, report: VerifyReport, manifests: mf.Manifests, files: BuildFiles,
         hints: AnalysisHints, client: Any, tag: str, settle: float, marks: dict[str, str],
         drill: bool = False) -> None:
    with report.step("validate manifests") as step:
        errors = mf.validate(manifests.objects)
        if errors:
            raise StepFailed(f"{len(errors)} manifest(s) invalid:\n" + "\n".join(errors))
        step.detail = f"{len(manifests.objects)} objects from {manifests.source.relative_to(root)} valid (strict)"
    with report.step("build image") as step:
        report.say(f"  building {files.describe()}")
        result = build_image(client, root, tag, labels={"migrate.verify": "image"}, files=files, progress=report.say)
        step.detail = (f"{files.dockerfile} -> {tag}: {result.steps} steps ({result.cached_steps} cached) "
                       f"in {result.seconds:.1f}s")
    with report.step("scan image for secrets") as step:
        scan = scan_image(client, tag, dict(hints.secret_files), labels={"migrate.verify": report.run_id})
        step.detail = scan.describe()
        if scan.secrets:
            raise StepFailed(step.detail)
        if scan.fallbacks:
            step.status = WARNING
    with report.step(f"publish image ({be.name})") as step:
        ref = be.publish(tag)
        step.detail = ref
    plan = make_plan(manifests.objects, ref, hints)
    report.notes.extend(plan.notes)
    with report.step(f"prepare {be.name}"):
        be.prepare(plan)
    with report.step("start backing services") as step:
        be.start_services(plan)
        wired = ", ".join(sorted(plan.wired)) or "nothing"
        step.detail = f"{', '.join(s.kind for s in plan.services) or 'none needed'}; wired: {wired}; " \
                      f"fake values for {sum(len(v) for v in plan.secrets.values())} Secret key(s)"
    for job in plan.jobs:
        with report.step(f"release job {name_of(job)}") as step:
            _run_job(be, plan, job, step, marks)
    with report.step("start deployments and wait for readiness") as step:
        be.start_workloads(plan)
        be.wait_ready(plan)
        step.detail = ", ".join(name_of(d) for d in plan.deployments) + " ready"
    with report.step("health check") as step:
        if plan.health is None:
            step.status = SKIPPED
            step.detail = "no Service in front of a Deployment: nothing to GET"
        else:
            h = plan.health
            try:
                status, body = be.http_check(plan)
            except OSError as exc:
                detail = f"GET http://{h.service}:{h.port}{h.path} failed: {type(exc).__name__}: {exc}"
                raise StepFailed(detail, logs=be.pod_logs(plan, h.pod)) from exc
            step.detail = f"GET http://{h.service}:{h.port}{h.path} -> {status}"
            if not 200 <= status < 400:
                raise StepFailed(f"{step.detail} (expected 2xx/3xx): {body[:200]}", logs=be.pod_logs(plan, h.pod))
    with report.step(f"settle {settle:.0f}s (everything stays up)"):
        be.settle(plan, settle)
    for cron in plan.cronjobs:
        # a CronJob that cannot start or exits non-zero fails verify, as it would fail every night in the
        # cluster; one the user marked in migrate.toml [offline_jobs] may exit non-zero, never fail to start
        with report.step(f"trigger cronjob {name_of(cron)}") as step:
            _run_job(be, plan, cron, step, marks)
    if drill:
        from migrator.verify import drill as drills

        drills.run(be.drill(), plan, report)


def offline_mark(job: Any, marks: dict[str, str]) -> tuple[str, str] | None:
    """(key, reason) when migrate.toml [offline_jobs] names this Job/CronJob, by its full name or its name
    within the app (``shop-nightly-sync`` or ``nightly-sync``)."""
    name = name_of(job)
    app = ((job.get("metadata") or {}).get("labels") or {}).get("app.kubernetes.io/name", "")
    for key, reason in marks.items():
        if key == name or (app and name == f"{app}-{key}"):
            return key, reason
    return None


def _run_job(be: Backend, plan: VerifyPlan, job: Any, step: Step, marks: dict[str, str]) -> None:
    """Run a Job or a CronJob's job once: a failure fails the step, unless migrate.toml marks the job as one
    that cannot succeed offline and it did run (a job that cannot even start fails whatever the mark)."""
    mark = offline_mark(job, marks)
    try:
        step.detail, step.logs = be.run_job(plan, job)
    except StepFailed as exc:
        if mark is None or not exc.ran:
            if mark is not None:
                exc.detail += f" (marked in migrate.toml [offline_jobs.{mark[0]}], but it never ran: fix it)"
            raise
        step.status, step.logs, step.events = WARNING, exc.logs, exc.events
        step.detail = f"{exc.detail}: expected offline (migrate.toml [offline_jobs.{mark[0]}]: {mark[1]})"
        return
    if mark is not None:
        step.detail += (f"; marked in migrate.toml [offline_jobs.{mark[0]}] as failing offline, but it "
                        "succeeded: the mark can go")
