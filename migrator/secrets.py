"""Secret classification and scrubbing.

Analyzers use :func:`is_secret_name` / :func:`secret_kind` to classify env vars and hard-coded values,
and the planner passes every string it keeps through :func:`scrub`, so a secret written inline in a
command (``PGPASSWORD=... psql``, ``postgres://u:pass@h``, ``--password=...``) never reaches a report,
a manifest or a PR body even if an analyzer forgot to redact it.
"""

from __future__ import annotations

import re

REDACTED = "<redacted>"

_SECRET_NAME = re.compile(
    r"(PASSW(OR)?D|PASSWD|(^|_)PASS($|_)|(^|_)PWD($|_)|SECRET|TOKEN|(^|_)API_?KEY|ACCESS_?KEY|PRIVATE_?KEY"
    r"|(^|_)AUTH($|_)|CREDENTIAL|(^|_)SALT($|_)|SIGNING_?KEY|ENCRYPTION_?KEY|(^|_)DSN($|_)|WEBHOOK_URL"
    r"|SESSION_?KEY|(^|_)CERT_?KEY|CLIENT_?SECRET|(^|_)PASSPHRASE)",
    re.IGNORECASE,
)
# Names that contain a secret-looking word but are not secrets themselves.
_NOT_SECRET_NAME = re.compile(
    r"(_FILE|_PATH|_DIR|_LENGTH|_EXPIRY|_EXPIRES|_TTL|_TIMEOUT|_AGE|_ALGORITHM|_HEADER|_URL_PREFIX"
    r"|_ENABLED|_ENABLE|_BACKEND|_MIN|_MAX)$|^(TOKEN_TYPE|AUTH_USER_MODEL|AUTH_BACKEND)$",
    re.IGNORECASE,
)
# URLs that carry a password: scheme://user:password@host
CREDENTIAL_URL = re.compile(r"\b([a-z][a-z0-9+.\-]*://)([^\s:/@'\"]*):([^\s@/'\"]+)@", re.IGNORECASE)
# Well-known token formats (kept short and specific to avoid false positives).
_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws_access_key", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b")),
    ("slack_token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b")),
    ("stripe_key", re.compile(r"\b[sr]k_(live|test)_[A-Za-z0-9]{16,}\b")),
    ("private_key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
)
# NAME=value assignments whose name looks secret (shell, env files, systemd Environment=).
_ASSIGNMENT = re.compile(r"(?P<name>\b[A-Za-z_][A-Za-z0-9_]*)=(?P<q>['\"]?)(?P<value>[^\s'\"]*)(?P=q)")
# Command-line options that carry a secret as their argument.
_SECRET_OPTION = re.compile(
    r"(?P<opt>--(?:password|passwd|pass|token|secret|api-key|apikey|access-key|secret-key|auth-token|key)"
    r"(?:=|\s+))(?P<q>['\"]?)(?P<value>[^\s'\"]+)(?P=q)",
    re.IGNORECASE,
)
_SHORT_PASSWORD = re.compile(r"(?P<opt>(?:mysql|mysqldump|mysqladmin)\b[^\n|;&]*?\s-p)(?P<value>[^\s'\"]+)")

# Values that are clearly not real secrets (placeholders, references, command substitutions, empty).
# A command substitution may be cut at its first space by a tokeniser: ``$(cat`` still counts.
_PLACEHOLDER = re.compile(
    r"^(|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?(:?-.*)?|\$\(.*|`.*|\{\{.*\}\}|%\(.*\)s|<.*>|x+|\*+"
    r"|changeme|change-me|change_me"
    r"|replace[-_ ]?me|todo|none|null|false|true|secret|password|example|dummy|test|your[-_].*|.*[-_]here)$",
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    """True when an env var / setting name says it holds a secret (``DB_PASSWORD``, ``SECRET_KEY``)."""
    if _NOT_SECRET_NAME.search(name):
        return False
    return bool(_SECRET_NAME.search(name))


def is_placeholder(value: str) -> bool:
    """True for values that are references or obvious placeholders, not real secrets."""
    return bool(_PLACEHOLDER.match(value.strip()))


def value_secret_kind(value: str) -> str | None:
    """The kind of secret a value itself looks like (credential URL, known token format), if any."""
    m = CREDENTIAL_URL.search(value)
    if m and not is_placeholder(m.group(3)):
        return "credential_url"
    for kind, pattern in _TOKEN_PATTERNS:
        if pattern.search(value):
            return kind
    return None


def secret_kind(name: str, value: str | None = None) -> str | None:
    """Classify a NAME=value pair: the secret's kind, or None when it is not a secret.

    A secret name with a placeholder value (``${DB_PASSWORD}``, ``changeme``) is *not* a hard-coded
    secret, but the variable is still a secret variable: use :func:`is_secret_name` for that.
    """
    if value is not None:
        by_value = value_secret_kind(value)
        if by_value:
            return by_value
        if is_placeholder(value):
            return None
    if not is_secret_name(name):
        return None
    upper = name.upper()
    if "PRIVATE" in upper and "KEY" in upper:
        return "private_key"
    if "TOKEN" in upper:
        return "token"
    if "KEY" in upper:
        return "api_key" if "API" in upper or "ACCESS" in upper else "secret_key"
    if "PASS" in upper or "PWD" in upper:
        return "password"
    if "DSN" in upper:
        return "credential_url"
    return "secret"


def scrub(text: str) -> str:
    """Redact every secret-looking value in free text (commands, defaults, messages)."""
    if not text:
        return text
    out = CREDENTIAL_URL.sub(
        lambda m: m.group(0) if is_placeholder(m.group(3)) else f"{m.group(1)}{m.group(2)}:{REDACTED}@", text
    )
    for _, pattern in _TOKEN_PATTERNS:
        out = pattern.sub(REDACTED, out)

    def _assign(m: re.Match[str]) -> str:
        value = m.group("value")
        if is_secret_name(m.group("name")) and value and not is_placeholder(value):
            q = m.group("q")
            return f"{m.group('name')}={q}{REDACTED}{q}"
        return m.group(0)

    out = _ASSIGNMENT.sub(_assign, out)

    def _option(m: re.Match[str]) -> str:
        value = m.group("value")
        if is_placeholder(value):
            return m.group(0)
        return f"{m.group('opt')}{m.group('q')}{REDACTED}{m.group('q')}"

    out = _SECRET_OPTION.sub(_option, out)
    out = _SHORT_PASSWORD.sub(
        lambda m: m.group(0) if is_placeholder(m.group("value")) else f"{m.group('opt')}{REDACTED}", out
    )
    return out
