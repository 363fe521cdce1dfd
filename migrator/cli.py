"""The command line: parse options, call one library function, map errors to exit codes.

Exit codes: 0 success, 1 user/environment error, 2 verification failure, 3 internal error, 130 Ctrl-C.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from migrator import __version__
from migrator.cli_errors import error_message, handle_errors
from migrator.fleet_cli import fleet
from migrator.textsafe import block, inline

__all__ = ["error_message", "handle_errors", "main"]

F = TypeVar("F", bound=Callable[..., Any])


def path_argument(func: F) -> F:
    # readable=False: click's own check (os.access) is a usage error, exit 2; check_root says what is
    # wrong with the path and exits 1, as the README documents. The same for every path option.
    return click.argument("path", default=".", type=click.Path(path_type=Path, readable=False))(func)


def check_root(path: Path) -> Path:
    """PATH must be a directory we can list (exit 1 otherwise), for every command."""
    from migrator.repo import check_root as check

    return check(path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migrate")
@click.option("--debug", is_flag=True, help="Log details (and tracebacks of internal errors) to stderr.")
def main(debug: bool) -> None:
    """Turn a legacy app deployed by hand-written scripts into a container image and Kubernetes
    manifests that provably boot. Every decision is traceable to the file and line it came from."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(name)s: %(message)s")


@main.command()
@path_argument
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, readable=False),
              help="Write the report here (a regular file; a symlink, FIFO or device is refused).")
@click.option("--explain", is_flag=True, help="Show every candidate source of each fact and why the winner won.")
@click.option("--color/--no-color", default=None, help="Colour the text report (default: when a terminal).")
@handle_errors
def analyze(path: Path, fmt: str, output: Path | None, explain: bool, color: bool | None) -> None:
    """Report what the app in PATH is, with the evidence (file:line) for every fact."""
    from migrator.pipeline import Pipeline
    from migrator.report import render

    check_root(path)
    model = Pipeline(path).model
    use_color = (output is None and sys.stdout.isatty()) if color is None else color
    text = render(model, fmt, explain=explain, color=use_color)
    if output is None:
        click.echo(text, nl=False, color=use_color)
    else:
        from migrator.safe_fs import write_file

        write_file(output, text.encode("utf-8"))
        click.echo(f"wrote {inline(str(output))} ({len(text.encode())} bytes)", err=True)


@main.command()
@path_argument
@click.option("--backend", type=click.Choice(["auto", "kind", "docker"]), default="auto", show_default=True,
              help="kind: a real cluster (kind CLI, or --kube-context). docker: offline on the Docker Engine; "
              "NOT a Kubernetes (plain containers, Services as DNS names). auto: kind when installed, else docker.")
@click.option("--cluster", default="migrate-verify", show_default=True, help="kind cluster to create or reuse.")
@click.option("--kube-context", help="Verify against this existing cluster instead of kind (needs --push).")
@click.option("--push", "push", metavar="REGISTRY", help="Push the image here so the --kube-context cluster can pull.")
@click.option("--keep", is_flag=True, help="Leave containers/namespace in place for debugging.")
@click.option("--timeout", type=click.IntRange(min=1), default=300, show_default=True,
              help="Seconds to wait for each job and for readiness.")
@click.option("--drill", is_flag=True, help="After the boot, prove the rollout promises under a small load: a "
              "rolling update, a broken revision that must not take traffic, a rollback, a graceful stop.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def verify(path: Path, backend: str, cluster: str, kube_context: str | None, push: str | None, keep: bool,
           timeout: int, drill: bool, fmt: str) -> None:
    """Build the image generated in PATH and boot its manifests until the app answers its health check.

    Exit codes: 0 verified, 2 the app failed verification, 1 usage/environment error."""
    from migrator.errors import UserError, VerificationFailed
    from migrator.verify import verify as run_verify
    from migrator.verify.report import render

    check_root(path)
    if kube_context and not push:
        raise UserError("--kube-context needs --push REGISTRY: the cluster must pull the image from somewhere")
    report = run_verify(path, backend, cluster=cluster, kube_context=kube_context, push=push, keep=keep,
                        timeout=timeout, drill=drill, progress=lambda line: click.echo(block(line), err=True))
    click.echo(render(report, fmt), nl=False)
    if not report.ok:
        raise VerificationFailed(f"verification failed at: {', '.join(s.name for s in report.failed_steps)}")


@main.command()
@path_argument
@click.option("--output", "-o", "output", type=click.Path(path_type=Path, readable=False),
              help="Write here instead of into the repository.")
@click.option("--dry-run", is_flag=True, help="List the files and their sizes; write nothing.")
@click.option("--diff", "show_diff", is_flag=True, help="Show a unified diff against what is on disk; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite files edited by hand (default: merge YAML, else write .new).")
@click.option("--image", help="Image repository, optionally with :tag (default: the app's name).")
@click.option("--namespace", help="Kubernetes namespace (default: the app's name; 'default' is refused).")
@click.option("--base-image", help="Base image, e.g. an internal mirror of python:3.11-slim.")
@click.option("--buildkit", is_flag=True, help="Allow BuildKit-only Dockerfile syntax (cache mounts).")
@handle_errors
def generate(path: Path, output: Path | None, dry_run: bool, show_diff: bool, force: bool, image: str | None,
             namespace: str | None, base_image: str | None, buildkit: bool) -> None:
    """Write a Dockerfile, Kubernetes manifests (kustomize), migrate.toml and MIGRATION.md for PATH."""
    from migrator.config import GenerateSettings
    from migrator.errors import UserError
    from migrator.pipeline import Pipeline
    from migrator.writer import diff, write

    check_root(path)
    run = Pipeline(path, GenerateSettings(image=image, namespace=namespace, base_image=base_image, buildkit=buildkit))
    files, problem = run.files, run.problem
    target = output or path
    if show_diff:
        click.echo(diff(files, target, force=force), nl=False)
    else:
        actions = write(files, target, force=force, dry_run=dry_run)
        for action in actions:
            size = f"{action.size:>7} B  " if dry_run else ""
            click.echo(f"{size}{inline(action.describe())}")
        conflicts = [a for a in actions if a.action == "conflict"]
        if conflicts:
            click.echo(f"{len(conflicts)} file(s) edited by hand: review the .new versions (or use --force)",
                       err=True)
    if problem:  # what could be written is written; the app cannot start from it yet
        raise UserError(problem)


@main.command()
@path_argument
@click.option("--repo", metavar="OWNER/NAME", help="GitHub repository (default: read from the remote's URL).")
@click.option("--base", metavar="BRANCH", help="Branch the PR targets (default: the checked-out branch).")
@click.option("--branch", default="migrate/containerize", show_default=True, help="Branch to create or update.")
@click.option("--remote", default="origin", show_default=True, help="Git remote to push to.")
@click.option("--draft", is_flag=True, help="Open the pull request as a draft.")
@click.option("--verify", "run_verify", is_flag=True, help="Run `migrate verify` and put the result in the body.")
@click.option("--backend", type=click.Choice(["auto", "kind", "docker"]), default="auto", show_default=True,
              help="Verify backend (with --verify).")
@click.option("--drill", "run_drill", is_flag=True,
              help="With --verify: run the rollout drill too (`migrate verify --drill`); its figures go in the body.")
@click.option("--dry-run", is_flag=True, help="Branch and commit locally; print the title and body; no push, no API.")
@click.option("--allow-dirty", is_flag=True, help="Run even when the working tree has uncommitted changes.")
@click.option("--api-url", default="https://api.github.com", show_default=True, help="GitHub (Enterprise) API URL.")
@click.option("--token-env", default="GITHUB_TOKEN", show_default=True, metavar="NAME",
              help="Environment variable holding the token (never printed or stored).")
@click.option("--label", "labels", multiple=True, help="Label to add to the PR (repeatable).")
@click.option("--author", help="Commit author and committer, 'Name <email>' (default: migrate-bot).")
@click.option("--repos", "repos_file", type=click.Path(path_type=Path, readable=False),
              help="Batch: a file of 'OWNER/NAME [PATH]' lines; continue past failures, print a summary.")
@click.option("--clone-url", help="Batch: clone URL template for lines without PATH ({repo} = OWNER/NAME).")
@click.option("--workdir", type=click.Path(path_type=Path, readable=False), help="Batch: where to clone.")
@handle_errors
def pr(path: Path, repo: str | None, base: str | None, branch: str, remote: str, draft: bool, run_verify: bool,
       backend: str, run_drill: bool, dry_run: bool, allow_dirty: bool, api_url: str, token_env: str,
       labels: tuple[str, ...], author: str | None, repos_file: Path | None, clone_url: str | None,
       workdir: Path | None) -> None:
    """Commit the generated migration of PATH to a branch and open (or update) its pull request."""
    from migrator.errors import UserError, VerificationFailed
    from migrator.pr import PrOptions, open_pr
    from migrator.pr.git import Author

    options = PrOptions(repo=repo, base=base, branch=branch, remote=remote, draft=draft, verify=run_verify,
                        verify_backend=backend, verify_drill=run_drill, dry_run=dry_run, allow_dirty=allow_dirty,
                        api_url=api_url, token_env=token_env, labels=labels,
                        author=Author.parse(author) if author else Author())
    def say(message: str) -> None:
        click.echo(block(message), err=True)

    if repos_file is not None:
        from migrator.pr.batch import run_batch, summary

        outcomes = run_batch(repos_file, options, clone_url=clone_url, workdir=workdir, progress=say)
        click.echo(block(summary(outcomes)), nl=False)  # repository names and errors from a batch file
        if any(not o.ok for o in outcomes):
            raise UserError(f"{sum(not o.ok for o in outcomes)} of {len(outcomes)} repositories failed")
        return
    check_root(path)
    result = open_pr(path, options, progress=say)
    if dry_run:
        click.echo(f"{result.title}\n\n{result.body}", nl=False)
        click.echo(f"dry run: {result.branch} is at {result.head[:12]} locally; nothing pushed, no API call", err=True)
    else:
        click.echo(f"{result.action} pull request #{result.pull.number if result.pull else '?'}: "
                   f"{result.pull.url if result.pull else ''}")
    if result.verify_ok is False:
        raise VerificationFailed("verification failed: the result is in the pull request body")


main.add_command(fleet)

if __name__ == "__main__":  # pragma: no cover
    main()
