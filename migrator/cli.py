"""The command line: parse options, call one library function, map errors to exit codes.

Exit codes: 0 success, 1 user/environment error, 2 verification failure, 3 internal error, 130 Ctrl-C.
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from migrator import __version__
from migrator.errors import MigrateError

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn our exceptions into one-line messages and exit codes; never show a traceback by default."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MigrateError as exc:
            click.echo(f"migrate: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("migrate: interrupted", err=True)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as exc:
            logging.getLogger("migrate").debug("%s", traceback.format_exc())
            click.echo(
                f"migrate: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True
            )
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


def path_argument(func: F) -> F:
    return click.argument("path", default=".", type=click.Path(path_type=Path))(func)


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
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--explain", is_flag=True, help="Show every candidate source of each fact and why the winner won.")
@click.option("--color/--no-color", default=None, help="Colour the text report (default: when a terminal).")
@handle_errors
def analyze(path: Path, fmt: str, output: Path | None, explain: bool, color: bool | None) -> None:
    """Report what the app in PATH is, with the evidence (file:line) for every fact."""
    from migrator.config import load_overrides
    from migrator.planner import analyze as run_analysis
    from migrator.report import render

    model = run_analysis(path, overrides=load_overrides(path))
    use_color = (output is None and sys.stdout.isatty()) if color is None else color
    text = render(model, fmt, explain=explain, color=use_color)
    if output is None:
        click.echo(text, nl=False, color=use_color)
    else:
        from migrator.errors import UserError

        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {output}: {exc.strerror or exc}") from exc
        click.echo(f"wrote {output} ({len(text.encode())} bytes)", err=True)


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
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def verify(path: Path, backend: str, cluster: str, kube_context: str | None, push: str | None, keep: bool,
           timeout: int, fmt: str) -> None:
    """Build the image generated in PATH and boot its manifests until the app answers its health check.

    Exit codes: 0 verified, 2 the app failed verification, 1 usage/environment error."""
    from migrator.errors import UserError, VerificationFailed
    from migrator.verify import verify as run_verify
    from migrator.verify.report import render

    if kube_context and not push:
        raise UserError("--kube-context needs --push REGISTRY: the cluster must pull the image from somewhere")
    report = run_verify(path, backend, cluster=cluster, kube_context=kube_context, push=push, keep=keep,
                        timeout=timeout, progress=lambda line: click.echo(line, err=True))
    click.echo(render(report, fmt), nl=False)
    if not report.ok:
        raise VerificationFailed(f"verification failed at: {', '.join(s.name for s in report.failed_steps)}")


@main.command()
@path_argument
@click.option("--output", "-o", "output", type=click.Path(file_okay=False, path_type=Path),
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
    from migrator.generate import generate as run_generate
    from migrator.writer import diff, write

    options = GenerateSettings(image=image, namespace=namespace, base_image=base_image, buildkit=buildkit)
    files = run_generate(path, options)
    target = output or path
    if show_diff:
        click.echo(diff(files, target, force=force), nl=False)
        return
    actions = write(files, target, force=force, dry_run=dry_run)
    for action in actions:
        size = f"{action.size:>7} B  " if dry_run else ""
        click.echo(f"{size}{action.describe()}")
    conflicts = [a for a in actions if a.action == "conflict"]
    if conflicts:
        click.echo(f"{len(conflicts)} file(s) edited by hand: review the .new versions (or use --force)", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
