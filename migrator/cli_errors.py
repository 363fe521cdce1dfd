"""Exceptions to exit codes for every command (0 ok, 1 user error, 2 verification failure, 3 internal, 130
Ctrl-C): shared by :mod:`migrator.cli` and :mod:`migrator.fleet_cli`."""

from __future__ import annotations

import functools
import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import click

from migrator.errors import MigrateError
from migrator.textsafe import inline

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn our exceptions into one-line messages and exit codes; never show a traceback by default."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MigrateError as exc:
            click.echo(f"migrate: error: {error_message(exc)}", err=True)
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
                f"migrate: internal error: {type(exc).__name__}: {inline(str(exc))} (run with --debug for details)",
                err=True,
            )
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


def error_message(exc: BaseException) -> str:
    """The message, safe to print: messages name repository files and paths, which may hold control
    characters or newlines. An error that lists several problems (``lines``: migrate.toml) keeps one
    line per problem; every other message stays on one line."""
    lines = getattr(exc, "lines", None) or (str(exc),)
    return "\n".join(inline(str(line)) for line in lines)
