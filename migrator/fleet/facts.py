"""What a fleet record says about one checkout: analyze, then (as asked) generate, verify and open the PR.

Analysis failing fails the record. Generation failing makes the repository ``blocked``; a verify or PR
stage failing is recorded and the rest of the record stands. Secrets are counted per file, by kind: no
name or value of one reaches the record.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrator import readiness
from migrator.fleet.record import SecretFileCount, StageError, Workload
from migrator.fleet.stages import Failed, stage
from migrator.model import AppModel, Kind

if TYPE_CHECKING:
    from migrator.fleet.worker import WorkerOptions
    from migrator.pipeline import Pipeline

# analyzers that read how the app is deployed (as opposed to what it is built from)
DEPLOY_TOOLS = frozenset({"procfile", "app_json", "appserver_config", "systemd", "supervisor", "cron", "nginx",
                          "caddy", "haproxy", "fabric", "shell", "makefile", "compose", "dockerfile", "pm2",
                          "capistrano", "deployer", "ansible"})
_DEPLOY_KINDS = (Kind.PROCESS, Kind.SCHEDULE, Kind.RELEASE_STEP, Kind.BUILD_STEP, Kind.HOST_STEP,
                 Kind.UNCLASSIFIED, Kind.INGRESS)


@dataclass
class Found:
    """The record fields gathered so far, and the stages that failed."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[StageError] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        return {**self.values, "errors": tuple(self.errors)}


def deploy_tools(model: AppModel) -> tuple[str, ...]:
    names = {s.analyzer for kind in _DEPLOY_KINDS for subject in model.of(kind) for s in subject.sources}
    return tuple(sorted(names & DEPLOY_TOOLS))


def secret_counts(model: AppModel) -> tuple[SecretFileCount, ...]:
    by_file: dict[str, list[str]] = defaultdict(list)
    for secret in model.secrets_found:
        by_file[secret.file].append(secret.kind)
    return tuple(SecretFileCount(f, len(kinds), tuple(sorted(set(kinds)))) for f, kinds in sorted(by_file.items()))


def collect(root: Path, options: WorkerOptions, timings: dict[str, float]) -> Found:
    """Analyze ``root`` (a :class:`Failed` when that fails) and run the stages ``options`` ask for, every one
    from the same analysis (one :class:`~migrator.pipeline.Pipeline`)."""
    from migrator.pipeline import Pipeline

    found = Found()
    run = Pipeline(root)
    with stage("analyze", timings):
        model, spec = run.model, run.spec
    rt = model.runtime
    found.values.update(
        runtime={k: str(rt.get(k)) for k in ("language", "version", "framework") if rt.get(k)},
        deploy_tools=deploy_tools(model), secrets=secret_counts(model), workloads=_workloads(spec))
    problem = run.problem
    verify_ok: bool | None = None
    failed_steps: list[str] = []
    try:
        if (options.generate or options.verify) and not options.pr:  # open_pr generates in its own worktree
            with stage("generate", timings):
                from migrator.writer import write

                write(run.files, root, force=True)
        if options.verify and not options.pr and not problem:
            with stage("verify", timings):
                if options.verifier is not None:
                    verify_ok, failed_steps = options.verifier(root, options.backend, options.verify_timeout)
                else:
                    verify_ok, failed_steps = default_verifier(root, options.backend, options.verify_timeout,
                                                               pipeline=run)
        if options.pr:
            with stage("pr", timings):
                verify_ok = _open_pr(root, options, found, run)
    except Failed as failed:
        found.errors.append(StageError(failed.stage, str(failed)))
        if failed.stage == "generate":
            verdict = readiness.generate_failed(str(failed))
            return _verdict(found, verdict)
    if verify_ok is not None:
        found.values.update(verify="verified" if verify_ok else "failed", verify_failed=tuple(failed_steps))
    verdict = readiness.assess(model, spec, generate_problem=problem, verify_ok=verify_ok,
                               verify_failed=failed_steps)
    return _verdict(found, verdict)


def _verdict(found: Found, verdict: readiness.Readiness) -> Found:
    found.values.update(readiness=verdict.verdict.value, reasons=tuple(r.to_json() for r in verdict.reasons),
                        blockers=tuple(r.text for r in verdict.blockers))
    return found


def _workloads(spec: Any) -> tuple[Workload, ...]:
    found = [Workload(p.name, "Deployment", p.role) for p in spec.processes]
    found += [Workload(s.name, "CronJob", "schedule") for s in spec.schedules]
    if spec.release_steps:
        found.append(Workload(f"{spec.name}-release", "Job", "release"))
    return tuple(found)


def default_verifier(root: Path, backend: str, timeout: float, *,
                     pipeline: Pipeline | None = None) -> tuple[bool, list[str]]:
    """``migrate verify`` on the generated checkout: whether it booted, and the steps that failed
    (``pipeline``: the run that generated it, whose analysis verify reuses)."""
    from migrator.verify import verify

    report = verify(root, backend, timeout=timeout, pipeline=pipeline)
    return report.ok, [s.name for s in report.failed_steps]


def _open_pr(root: Path, options: WorkerOptions, found: Found, run: Pipeline) -> bool | None:
    from migrator.pr import PrOptions, open_pr

    base = options.pr_options or PrOptions()
    # the clone is fresh: what generate wrote is the only change, and the PR commits exactly that
    result = open_pr(root, dataclasses.replace(base, verify=options.verify, verify_backend=options.backend,
                                               allow_dirty=True), pipeline=run)
    found.values["pr_url"] = result.pull.url if result.pull else None
    return result.verify_ok
