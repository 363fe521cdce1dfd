"""``migrate fleet ...``: the fleet commands (kept out of :mod:`migrator.cli` so that stays small).

``migrate fleet LIST`` is ``migrate fleet run LIST``: a group whose first argument is not one of its
commands runs ``run``.
"""

from __future__ import annotations

import os
from pathlib import Path

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
    """Migrate a whole list of repositories: one JSON-lines record each, a report, engine job definitions."""


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
@click.option("--workdir", type=click.Path(path_type=Path, readable=False),
              help="Where to clone (default: a temp dir).")
@click.option("--fail-on-error", is_flag=True, help="Exit 1 when any repository's record has an error.")
@handle_errors
def run(list_file: Path | None, github_org: str | None, include_archived: bool, include_forks: bool,
        language: str | None, topics: tuple[str, ...], name_pattern: str | None, api_url: str, token_env: str,
        records: Path, jobs: int, shard: str | None, resume: bool, do_generate: bool, do_verify: bool, do_pr: bool,
        pr_dry_run: bool, backend: str, verify_timeout: int, clone_timeout: int, workdir: Path | None,
        fail_on_error: bool) -> None:
    """Analyze (and optionally generate, verify, PR) every repository in LIST_FILE or --github-org.

    LIST_FILE has one clone URL or local path per line. Progress goes to stderr; one record per repository
    is appended to --records. Exit 0 when the run completed (failures are in the records)."""
    from migrator.errors import UserError
    from migrator.fleet.run import run_fleet
    from migrator.fleet.shard import Shard
    from migrator.fleet.worker import WorkerOptions
    from migrator.pr import PrOptions

    token = os.environ.get(token_env) or None
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
                            shard=str(parsed) if parsed else None)
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
    """Merge RECORDS files (one run's, or every shard's) into a Markdown summary and an HTML dashboard."""
    from migrator.fleet import dashboard
    from migrator.fleet import report as fleet_report
    from migrator.fleet.record import latest, read_records
    from migrator.safe_fs import write_file

    built = fleet_report.build(latest(read_records(records)))
    text = fleet_report.markdown(built)
    if md_out is None:
        click.echo(text, nl=False)
    else:
        write_file(md_out, text.encode("utf-8"))
        click.echo(f"wrote {inline(str(md_out))}", err=True)
    if html_out is not None:
        write_file(html_out, dashboard.render(built).encode("utf-8"))
        click.echo(f"wrote {inline(str(html_out))}", err=True)


