"""Exceptions the CLI maps to exit codes (see STYLE.md: user error 1, verification failure 2)."""

from __future__ import annotations


class MigrateError(Exception):
    """Base class: a problem we can explain in one line."""

    exit_code = 3


class UserError(MigrateError):
    """Bad input from the user: a missing path, a bad option, an unusable environment."""

    exit_code = 1


class VerificationFailed(MigrateError):
    """The generated migration did not boot or did not answer its health check."""

    exit_code = 2
