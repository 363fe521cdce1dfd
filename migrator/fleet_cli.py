"""``migrate fleet ...``: the fleet commands (kept out of :mod:`migrator.cli` so that stays small).

``migrate fleet LIST`` is ``migrate fleet run LIST``: a group whose first argument is not one of its
commands runs ``run``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import click

from migrator.cli_errors import handle_errors
from migrator.textsafe import block, inline


class DefaultRun(click.Group):
    """A group that treats ``fleet LIST`` as ``fleet run LIST``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultRun)
def fleet() -> None:
    """Migrate a whole list of repositories: one JSON-lines record each, a report, engine job definitions.

    `migrate fleet LIST_FILE ...` is short for `migrate fleet run LIST_FILE ...`; see docs/fleet.md."""


@fleet.command("run")
@click.argument("list_file", required=False, type=click.Path(path_type=Path, readable=False))
@click.option("--github-org", metavar="ORG", help="List the repositories of this GitHub organisation instead.")
@click.option("--include-archived", is_flag=True, help="With --github-org: keep archived repositories.")
@click.option("--include-forks", is_flag=True, help="With --github-org: keep forks.")
@click.option("--language", help="With --github-org: only this primary language (e.g. Python).")
@click.option("--topic", "topics", multiple=True, help="With --github-org: only repositories with this topic.")
@click.option("--name-pattern", metavar="GLOB", help="With --github-org: only names matching this glob.")
@click.option("--api-url", default="https://api.github.com", show_default=True, help="GitHub (Enterprise) API URL.")
@click.option("--token-env", default="GITHUB_TOKEN", show_default=True, metavar="NAME",
              help="Environment variable holding the token (API and HTTPS clones; never printed or stored).")
@click.option("--token-file", type=click.Path(path_type=Path, readable=False),
              help="Read the token from this file instead (a mounted Secret); a missing file means no token.")
@click.option("--records", type=click.Path(path_type=Path, readable=False), default=Path("fleet-records.jsonl"),
              show_default=True, help="JSON-lines file the records are appended to (and resumed from).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Repositories processed at once (worker processes).")
@click.option("--shard", envvar="MIGRATE_FLEET_SHARD", metavar="I/N",
              help="Process only shard I (0-based) of N, chosen by a stable hash of each repository's id.")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Skip repositories whose commit and tool version match their last good record.")
@click.option("--generate", "do_generate", is_flag=True, help="Also generate the files (in the clone).")
@click.option("--verify", "do_verify", is_flag=True, help="Also build and boot each migration (implies --generate).")
@click.option("--pr", "do_pr", is_flag=True, help="Also open or update each repository's pull request.")
@click.option("--pr-dry-run", is_flag=True, help="With --pr: branch and commit in the clone only; no push, no API.")
@click.option("--backend", type=click.Choice(["auto", "kind", "docker"]), default="auto", show_default=True)
@click.option("--verify-timeout", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--clone-timeout", type=click.IntRange(min=1), default=300, show_default=True,
              help="Seconds for one ls-remote or shallow clone.")
@click.option("--repo-timeout", type=click.IntRange(min=0), default=1800, show_default=True,
              help="Seconds for one repository, all stages together (0: no limit); then it is recorded as timed out.")
@click.option("--workdir", type=click.Path(path_type=Path, readable=False),
              help="Where to clone (default: a temp dir).")
@click.option("--fail-on-error", is_flag=True, help="Exit 1 when any repository's record has an error.")
@handle_errors
def run(list_file: Path | None, github_org: str | None, include_archived: bool, include_forks: bool,
        language: str | None, topics: tuple[str, ...], name_pattern: str | None, api_url: str, token_env: str,
        token_file: Path | None, records: Path, jobs: int, shard: str | None, resume: bool, do_generate: bool,
        do_verify: bool, do_pr: bool, pr_dry_run: bool, backend: str, verify_timeout: int, clone_timeout: int,
        repo_timeout: int, workdir: Path | None, fail_on_error: bool) -> None:
    """Analyze (and optionally generate, verify, PR) every repository in LIST_FILE or --github-org.

    LIST_FILE has one clone URL or local path per line. Progress goes to stderr; one record per repository
    is appended to --records. Exit 0 when the run completed (failures are in the records)."""
    from migrator.errors import UserError
    from migrator.fleet.run import run_fleet
    from migrator.fleet.shard import Shard
    from migrator.fleet.worker import WorkerOptions
    from migrator.pr import PrOptions

    token = os.environ.get(token_env) or None
    if token_file is not None and token_file.exists():
        from migrator.safe_fs import read_file

        token = read_file(token_file, limit=64 * 1024).decode("utf-8", "replace").strip() or None
    if (list_file is None) == (github_org is None):
        raise UserError("give a LIST_FILE or --github-org ORG (one of them)")
    if github_org is not None:
        from migrator.fleet.github_org import OrgFilter, list_org
        from migrator.pr.github import GitHub

        if token is None:
            raise UserError(f"--github-org needs a token: set {token_env} (or name another variable with --token-env)")
        flt = OrgFilter(include_archived, include_forks, language, topics, name_pattern)
        repos = list_org(GitHub(token, api_url), github_org, flt)
    else:
        from migrator.fleet.sources import read_list

        assert list_file is not None
        repos = read_list(list_file)
    parsed = Shard.parse(shard) if shard else None
    options = WorkerOptions(generate=do_generate or do_verify, verify=do_verify, pr=do_pr, backend=backend,
                            verify_timeout=float(verify_timeout), clone_timeout=float(clone_timeout), token=token,
                            pr_options=PrOptions(dry_run=pr_dry_run, api_url=api_url, token_env=token_env),
                            shard=str(parsed) if parsed else None, repo_timeout=float(repo_timeout))
    summary = run_fleet(repos, records, options, jobs=jobs, shard=parsed, resume=resume, workdir=workdir,
                        progress=lambda m: click.echo(block(m), err=True))
    click.echo(inline(summary.describe()))
    if fail_on_error and summary.failed:
        raise UserError(f"{summary.failed} repositories have errors in {records}")


@fleet.command("report")
@click.argument("records", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option("--markdown", "md_out", type=click.Path(path_type=Path, readable=False),
              help="Write the Markdown summary here (default: stdout).")
@click.option("--html", "html_out", type=click.Path(path_type=Path, readable=False),
              help="Write the single-file HTML dashboard here.")
@handle_errors
def report(records: tuple[Path, ...], md_out: Path | None, html_out: Path | None) -> None:
    """Merge RECORDS files (one run's, or every shard's; a directory means its *.jsonl) into a Markdown
    summary and an HTML dashboard."""
    from migrator.fleet import dashboard
    from migrator.fleet import report as fleet_report
    from migrator.fleet.record import latest, read_records
    from migrator.safe_fs import write_file

    files = [f for r in records for f in (sorted(r.glob("*.jsonl")) if r.is_dir() else [r])]
    built = fleet_report.build(latest(read_records(files)))
    text = fleet_report.markdown(built)
    if md_out is None:
        click.echo(text, nl=False)
    else:
        write_file(md_out, text.encode("utf-8"))
        click.echo(f"wrote {inline(str(md_out))}", err=True)
    if html_out is not None:
        write_file(html_out, dashboard.render(built).encode("utf-8"))
        click.echo(f"wrote {inline(str(html_out))}", err=True)




@fleet.group("emit")
def emit() -> None:
    """Write the job definitions that run the fleet's shards on an engine that scales."""


def _job_options(func: Any) -> Any:
    for option in reversed([
        click.option("--shards", type=click.IntRange(1, 256), default=4, show_default=True, help="N: shards to run."),
        click.option("--jobs", "-j", type=click.IntRange(1, 64), default=2, show_default=True,
                     help="Worker processes per shard."),
        click.option("--name", default="migrate-fleet", show_default=True, help="Workflow concurrency group / "
                     "Kubernetes object name."),
        click.option("--output", "-o", type=click.Path(path_type=Path, readable=False),
                     help="Write here (a file for github-actions, a directory for kubernetes)."),
    ]):
        func = option(func)
    return func


def _write(path: Path, text: str) -> None:
    from migrator.safe_fs import write_file

    write_file(path, text.encode("utf-8"))
    click.echo(f"wrote {inline(str(path))}", err=True)


@emit.command("github-actions")
@_job_options
@click.option("--list", "list_file", default="fleet.txt", show_default=True,
              help="The list file's path in the repository that holds the workflow.")
@click.option("--package", default=None, help="What pip installs (default: migrate==<this version>).")
@click.option("--token-secret", default="MIGRATE_FLEET_TOKEN", show_default=True,
              help="Repository secret with a token that can read (clone) the fleet's repositories.")
@handle_errors
def emit_github(shards: int, jobs: int, name: str, output: Path | None, list_file: str, package: str | None,
                token_secret: str) -> None:
    """A workflow: a matrix over the shards uploading records, then a job merging them into the report."""
    from migrator.fleet.emit import FleetJob, github_workflow

    job = FleetJob(shards, list_file, jobs, name=name, token_secret=token_secret)
    if package:
        job = dataclasses.replace(job, package=package)
    text = github_workflow(job)
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text)


@emit.command("kubernetes")
@_job_options
@click.option("--list", "list_file", required=True, type=click.Path(path_type=Path, readable=False),
              help="The list file: its text goes into the ConfigMap the pods read.")
@click.option("--image", default=None, help="The migrate image (a digest, image@sha256:..., is best).")
@click.option("--namespace", default="migrate-fleet", show_default=True)
@click.option("--parallelism", type=click.IntRange(1, 256), default=4, show_default=True,
              help="Shards running at once.")
@handle_errors
def emit_kubernetes(shards: int, jobs: int, name: str, output: Path | None, list_file: Path, image: str | None,
                    namespace: str, parallelism: int) -> None:
    """An Indexed Job (JOB_COMPLETION_INDEX is the shard) with its ConfigMap, claim and NetworkPolicy, and the
    merge Job to apply once it completes."""
    from migrator.fleet.emit import FleetJob, kubernetes_jobs
    from migrator.fleet.sources import read_list
    from migrator.safe_fs import read_file

    read_list(list_file)  # refuse a list the pods would refuse
    job = FleetJob(shards, list_file.name, jobs, namespace=namespace, name=name, parallelism=parallelism)
    if image:
        job = dataclasses.replace(job, image=image)
    shards_yaml, report_yaml = kubernetes_jobs(job, read_file(list_file, limit=8 * 1024 * 1024).decode("utf-8"))
    if output is None:
        click.echo(shards_yaml + "---\n" + report_yaml, nl=False)
        return
    output.mkdir(parents=True, exist_ok=True)
    _write(output / f"{name}.yaml", shards_yaml)
    _write(output / f"{name}-report.yaml", report_yaml)
    click.echo(f"kubectl apply -f {output}/{name}.yaml && kubectl -n {namespace} wait --for=condition=complete "
               f"--timeout=24h job/{name} && kubectl apply -f {output}/{name}-report.yaml", err=True)
