"""Secret classification, scrubbing and lifting.

Three questions, one set of rules (:mod:`migrator.secret_rules`):

- **names**: :func:`is_secret_name` says whether a variable holds a secret (``DB_PW``, ``MAIL_KEY``,
  ``PGPASSWORD``, ``apiKey``), word by word, so ``tiktoken``, ``TOKEN_TTL`` and ``SECRET_KEY_FILE`` do not;
- **values**: :func:`value_secret_kind` names the kind of a value that *is* a real secret (a token format, a
  URL or connection string carrying a password ...), and :func:`bears_secret` is wider: a value that must
  never be a ConfigMap value, placeholder passwords in URLs included (``postgres://user:password@db``);
- **free text**: :func:`scrub` replaces every secret value in text with ``<redacted>`` (the planner passes
  every string it keeps through it, as a last line of defence), and :func:`lift` replaces it with a
  ``${NAME}`` reference instead, so a command keeps working once ``NAME`` comes from the Secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrator.secret_rules import (
    RULES,
    TOKEN_PATTERNS,
    Rule,
    is_placeholder,
    is_secret_name,
    looks_like_path,
    program_label,
    var_prefix,
)

__all__ = [
    "REDACTED", "Lifted", "SecretRef", "bears_secret", "is_placeholder", "is_secret_name", "lift", "lift_secrets",
    "scrub", "secret_kind", "value_secret_kind",
]

REDACTED = "<redacted>"

# URLs with userinfo (a user, and maybe a password whatever it holds: the host is after the last "@").
_USERINFO_URL = re.compile(r"\b[a-z][a-z0-9+.\-]*://(?P<user>[^\s:/@'\"]+)(?::[^\s'\"]*)?@[^\s'\"@/?#]*"
                           r"|\b[a-z][a-z0-9+.\-]*://:[^\s'\"]+@", re.IGNORECASE)


@dataclass(frozen=True)
class SecretRef:
    """One secret value lifted out of a text: the env var that now carries it, and what it was."""

    name: str  # the variable the text now references (``${NAME}``)
    kind: str  # password | token | api_key | credential_url | private_key | github_token ...
    label: str  # where in the command it was, for reports ("mysql -p", "sync-ledger --password")


@dataclass(frozen=True)
class Lifted:
    """A text with its secret values replaced by ``${NAME}`` references, and those references."""

    text: str
    refs: tuple[SecretRef, ...]


def value_secret_kind(value: str) -> str | None:
    """The kind of real (non-placeholder) secret a value holds or is, if any."""
    if not value:
        return None
    for rule in RULES:
        for m in rule.pattern(True).finditer(value):
            if _is_real(rule, m):
                return rule.kind_of(m)
    return None


def bears_secret(value: str) -> bool:
    """True when ``value`` must not be a ConfigMap value: it holds a secret, or it is shaped to hold one:
    a URL with userinfo, even ``postgres://user:password@db``, ``...:${DB_PASSWORD}@...`` or ``amqp://app@mq``
    (the whole URL goes to the Secret; the ConfigMap never holds a URL with userinfo)."""
    if not value:
        return False
    if value_secret_kind(value) is not None:
        return True
    return _USERINFO_URL.search(value) is not None


def secret_kind(name: str, value: str | None = None) -> str | None:
    """Classify a NAME=value pair: the secret's kind, or None when it is not a hard-coded secret.

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
    return _kind_from_name(name)


def _kind_from_name(name: str) -> str:
    upper = name.upper()
    if "PRIVATE" in upper and "KEY" in upper:
        return "private_key"
    if "TOKEN" in upper:
        return "token"
    if "KEY" in upper:
        return "api_key" if "API" in upper or "ACCESS" in upper else "secret_key"
    if "PASS" in upper or "PW" in upper:
        return "password"
    if "DSN" in upper:
        return "credential_url"
    return "secret"


def scrub(text: str) -> str:
    """Redact every secret value in free text (commands, defaults, messages, logs)."""
    if not text:
        return text
    out = text
    for rule in RULES:
        out = rule.pattern(True).sub(lambda m, r=rule: _replace(r, m, REDACTED), out)  # type: ignore[misc]
    return out


def lift(text: str) -> Lifted:
    """``text`` with every secret value replaced by a ``${NAME}`` reference (``mysql -p${MYSQL_PASSWORD}``,
    ``wget 'https://h/hook?key=${WGET_KEY}'``), and the references: the caller declares each ``NAME`` as a
    secret env var, so the command reads the value from the Secret at run time."""
    if not text:
        return Lifted(text, ())
    refs: dict[str, SecretRef] = {}
    out = text
    for rule in RULES:
        def sub(m: re.Match[str], rule: Rule = rule) -> str:
            if not _is_real(rule, m):
                return m.group(0)
            program = program_label(m.string, m.start())
            name = rule.var_name(m, var_prefix(program))
            refs.setdefault(name, SecretRef(name, rule.kind_of(m), rule.label(m, program)))
            return _splice(m, "${" + name + "}", lifting=True)
        out = rule.pattern(False).sub(sub, out)
    return Lifted(out, tuple(refs.values()))


def lift_secrets(text: str) -> str:
    """Just the text of :func:`lift`: for analyzers whose caller declared the references already."""
    return lift(text).text


def _is_real(rule: Rule, m: re.Match[str]) -> bool:
    value = m.group("value")
    if value is None or not value.strip():
        return False
    if rule.check_name is not None and not rule.check_name(m):
        return False
    if rule.keep_placeholders and is_placeholder(value):
        return False
    return not (rule.keep_paths and looks_like_path(value))


def _replace(rule: Rule, m: re.Match[str], marker: str) -> str:
    return _splice(m, marker) if _is_real(rule, m) else m.group(0)


def _splice(m: re.Match[str], marker: str, *, lifting: bool = False) -> str:
    """The match with its ``value`` group replaced by ``marker``; a quoted value keeps its quotes, except
    that a lifted reference is never single-quoted (the shell would not expand it)."""
    start, end = m.span("value")
    value = m.group("value")
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        quote = '"' if lifting else value[0]
        marker = f"{quote}{marker}{quote}"
    elif lifting and _inside_single_quotes(m.string, start):
        marker = f"'\"{marker}\"'"  # close the quotes, expand, reopen: 'a'"${X}"'b'
    whole_start = m.start()
    text = m.group(0)
    return text[: start - whole_start] + marker + text[end - whole_start :]


def _inside_single_quotes(text: str, pos: int) -> bool:
    """Whether ``pos`` of a shell command is inside '...' (where ``${X}`` would stay literal)."""
    inside = False
    double = False
    for ch in text[:pos]:
        if ch == "'" and not double:
            inside = not inside
        elif ch == '"' and not inside:
            double = not double
    return inside


# re-exported for analyzers that look for one token format
TOKENS = TOKEN_PATTERNS
