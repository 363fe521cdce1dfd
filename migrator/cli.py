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


if __name__ == "__main__":  # pragma: no cover
    main()
