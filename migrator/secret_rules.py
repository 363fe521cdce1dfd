"""The rules behind :mod:`migrator.secrets`: secret names word by word, placeholders, and one table of
patterns that locate a secret *value* in free text (its ``value`` group), each knowing what kind of
secret it found and which env var should carry it once lifted out of a command.

Every pattern comes in two flavours: for scrubbing, an unquoted value runs to the next blank or quote
(over-redacting a tail is harmless); for lifting out of a shell command, it also stops at shell
operators, so ``PGPASSWORD=x; psql`` keeps its ``; psql``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

# -- names ------------------------------------------------------------------------------------------

# Words that make a name secret on their own (``DB_PW``, ``MAIL_KEY``, ``apiToken``, ``SMTP_PASS``).
_SECRET_WORDS = frozenset({
    "PASSWORD", "PASSWORDS", "PASSWD", "PASS", "PW", "PWD", "PASSPHRASE", "PASSCODE", "SECRET", "SECRETS",
    "TOKEN", "TOKENS", "KEY", "KEYS", "APIKEY", "APIKEYS", "CREDENTIAL", "CREDENTIALS", "CREDS", "PRIVATE",
    "SALT", "AUTH", "DSN", "WEBHOOK", "REQUIREPASS", "MASTERAUTH",
})
# A single word ending in one of these is secret too (``PGPASSWORD``, ``MYSECRET``, ``GCPCREDENTIALS``).
_SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "SECRET", "PASSPHRASE", "CREDENTIALS", "CREDENTIAL", "APIKEY")
# ... and a few glued compounds (``ACCESSTOKEN``, ``SECRETKEY``); ``tiktoken``/``asttokens`` are not.
_GLUED_PREFIXES = ("API", "ACCESS", "SECRET", "PRIVATE", "SIGNING", "ENCRYPTION", "MASTER", "LICENSE", "APP",
                   "AUTH", "SESSION", "HMAC", "BOT", "BEARER", "REFRESH", "GH", "GITHUB", "SLACK", "CLIENT")
# A last word that says the name describes a secret rather than holds one (``SECRET_KEY_FILE``,
# ``TOKEN_TTL``, ``PASSWORD_MIN_LENGTH``, ``AUTH_BACKEND``, ``PRIVATE_IP``).
_DESCRIPTORS = frozenset({
    "FILE", "FILES", "PATH", "PATHS", "DIR", "DIRS", "LENGTH", "LEN", "TTL", "TIMEOUT", "EXPIRY", "EXPIRES",
    "EXPIRATION", "LIFETIME", "AGE", "ALGORITHM", "ALGORITHMS", "ALG", "HEADER", "PREFIX", "SUFFIX", "ENABLED",
    "ENABLE", "DISABLED", "BACKEND", "BACKENDS", "MIN", "MAX", "URL", "URI", "ENDPOINT", "HOST", "PORT", "NAME",
    "TYPE", "MODE", "FORMAT", "FIELD", "PARAM", "HASHER", "HASHERS", "VALIDATORS", "STDIN", "PROMPT", "LOCATION",
    "REGION", "SCOPE", "SCOPES", "ISSUER", "AUDIENCE", "POLICY", "STRATEGY", "CLASS", "MODEL", "MODULE", "COUNT",
    "SIZE", "VERSION", "USER", "USERNAME", "METHOD", "METHODS", "PROVIDER", "DOMAIN", "DN", "IP", "NETWORK",
    "SUBNET", "ADDRESS", "REGISTRY", "REQUIRED", "LIMIT", "RETRIES", "INTERVAL", "ID_FIELD",
})
# A first word that makes the name a switch (``NO_AUTH``, ``USE_TOKEN``, ``REQUIRE_PASSWORD``).
_SWITCHES = frozenset({"NO", "SKIP", "USE", "REQUIRE", "DISABLE", "ENABLE", "ALLOW", "IS", "HAS", "WITHOUT", "ASK"})
# Keys that are not secrets (``PRIMARY_KEY``, ``CACHE_KEY_PREFIX``), public material (``STRIPE_PUBLIC_KEY``).
_HARMLESS_KEY_WORDS = frozenset({"PRIMARY", "FOREIGN", "SORT", "PARTITION", "CACHE", "LOOKUP", "ROUTING", "GROUP",
                                 "IDEMPOTENCY"})
_PUBLIC_WORDS = frozenset({"PUBLIC", "PUBLISHABLE", "PUB"})
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD"})  # the shell's working directory

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")


def name_words(name: str) -> tuple[str, ...]:
    """``apiKey`` -> (API, KEY); ``X-Amz-Signature`` -> (X, AMZ, SIGNATURE); ``DB_PW`` -> (DB, PW)."""
    return tuple(p.upper() for chunk in _NON_WORD.split(name) if chunk for p in _CAMEL.split(chunk) if p)


@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """True when a variable / setting / option name says it holds a secret (``DB_PASSWORD``, ``DB_PW``,
    ``MAIL_KEY``, ``PGPASSWORD``, ``apiToken``), not when it only mentions one (``SECRET_KEY_FILE``)."""
    words = name_words(name)
    if not words or name in _NOT_SECRET_NAMES:  # the shell's $PWD; "Pwd=" in a DSN is a password
        return False
    if "WEBHOOK" in words and words[-1] in ("URL", "URI", "WEBHOOK"):
        return True  # a webhook URL carries its secret in the path
    if words[-1] in _DESCRIPTORS or words[0] in _SWITCHES or not _PUBLIC_WORDS.isdisjoint(words):
        return False
    if words in (("KEYS",), ("TOKENS",)):
        return False  # a list of names: logging.ini's "keys = root,console", a lexer's "tokens"
    for i, word in enumerate(words):
        if word in ("KEY", "KEYS") and i > 0 and words[i - 1] in _HARMLESS_KEY_WORDS:
            continue
        if word in _SECRET_WORDS or word.endswith(_SECRET_SUFFIXES):
            return True
        if word.endswith(("KEY", "TOKEN")) and word.removesuffix("KEY").removesuffix("TOKEN") in _GLUED_PREFIXES:
            return True
    return False


def has_word(name: str, words: frozenset[str]) -> bool:
    return not words.isdisjoint(name_words(name))


def kind_from_name(name: str) -> str:
    """The kind of secret a secret name announces."""
    words = set(name_words(name))
    upper = name.upper()
    if "PRIVATE" in words and ("KEY" in words or "PRIVATEKEY" in upper):
        return "private_key"
    if "DSN" in words or "WEBHOOK" in words:
        return "credential_url"
    if "TOKEN" in upper:
        return "token"
    if "PASS" in upper or words & {"PW", "PWD"}:
        return "password"
    if "KEY" in upper:
        return "api_key" if "API" in upper or "ACCESS" in upper else "secret_key"
    return "secret"


# -- placeholders -------------------------------------------------------------------------------------

# Values that are clearly not real secrets: references, template and format placeholders, obvious dummies.
# A command substitution may be cut at its first space by a tokeniser: ``$(cat`` still counts, and a
# reference may be followed by the rest of a shell command (``${PW};`` in ``PW=${PW}; psql``).
_PLACEHOLDER = re.compile(
    r"^(|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?(:?[-=?].*)?([;&|)].*)?|\$[0-9@*#?]|\$\(.*|`.*|\{\{.*\}\}|\{%.*%\}"
    r"|%\([^)]*\)[sd]|%[A-Za-z_][A-Za-z0-9_]*%|@[A-Za-z_][A-Za-z0-9_]*@|%s|\{\w*\}|<[^<>]*>|\[[A-Za-z_ -]*\]"
    r"|x+|\*+|\.\.\.|…|changeme|change-me|change_me|replace[-_ ]?me|todo|tbd|none|null|nil|false|true|empty"
    r"|yes|no|on|off"  # YAML booleans
    r"|secret|password|passwd|pass|pw|token|key|apikey|api[-_]key|example|sample|dummy|fake|placeholder|test"
    r"|your[-_ ].*|.*[-_ ]here)$",
    re.IGNORECASE,
)


def is_placeholder(value: str) -> bool:
    """True for values that are references or obvious placeholders, not real secrets. A JSON or YAML
    flow value keeps its separator when read off a line (``"private": true,``): it is not part of it."""
    return bool(_PLACEHOLDER.match(unquote(value.strip().removesuffix(",").rstrip()).strip()))


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if len(value) >= 2 and value[0] == "{" and value[-1] == "}" and not value.startswith("{{"):
        return value[1:-1]  # ODBC: Pwd={a;b}
    return value


_PATH_LIKE = re.compile(r"^(/|\./|\.\./|~/)|\.(pem|key|crt|cer|p12|pfx|ppk|asc|gpg|json|txt|cfg|conf|ini)$",
                        re.IGNORECASE)


def looks_like_path(value: str) -> bool:
    """A file reference (``--private-key=/etc/ssl/app.key``), not the secret itself."""
    return bool(_PATH_LIKE.search(unquote(value)))


# -- where a command's program is -------------------------------------------------------------------

_SHELL_SEPARATOR = re.compile(r"\|\|?|&&|;\s|\n|`|\$\(|\(|\s&\s")
_WRAPPERS = frozenset({"sudo", "env", "exec", "nohup", "time", "nice", "ionice", "timeout", "chronic", "flock",
                       "setsid", "stdbuf", "su", "runuser", "command", "builtin", "xargs", "export"})
_WRAPPER_ARG_OPTIONS = frozenset({"-u", "-g", "-n", "-c", "-s", "--user", "--group"})
_INTERPRETER = re.compile(r"^(python[0-9.]*|pypy[0-9.]*|node|nodejs|ruby|perl|php|bash|sh|dash|zsh|bundle|npx|uv"
                          r"|poetry|pipenv|pdm)$")
_SUBCOMMANDS = frozenset({"run", "exec"})


def program_label(text: str, pos: int) -> str:
    """The program of the simple command that ``pos`` is in: ``mysql``, ``manage.py`` for
    ``python manage.py ...``, ``billing.sync`` for ``/srv/venv/bin/python -m billing.sync``."""
    head = text[:pos]
    cut = 0
    for m in _SHELL_SEPARATOR.finditer(head):
        cut = m.end()
    words = [w.strip("'\"") for w in head[cut:].split()]
    i = 0
    while i < len(words):
        word = words[i]
        base = word.rsplit("/", 1)[-1]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word) or word.isdigit():
            i += 1
        elif base in _WRAPPERS:
            i += 1
            while i < len(words) and words[i].startswith("-"):
                i += 2 if words[i] in _WRAPPER_ARG_OPTIONS else 1
        elif _INTERPRETER.match(base):
            return _interpreted(words[i + 1 :]) or base
        else:
            return base
    return ""


def _interpreted(words: list[str]) -> str:
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-m" and i + 1 < len(words):
            return words[i + 1]
        if word in _SUBCOMMANDS or word.startswith("-"):
            i += 1
            continue
        return word.rsplit("/", 1)[-1]
    return ""


_SCRIPT_SUFFIX = re.compile(r"\.(py|sh|bash|rb|js|mjs|php|pl)$")


def var_prefix(program: str) -> str:
    """An env var prefix for a program: ``manage.py`` -> MANAGE, ``billing.sync`` -> SYNC,
    ``sync-ledger`` -> SYNC_LEDGER; LEGACY when the program is unknown."""
    stem = _SCRIPT_SUFFIX.sub("", program).rsplit(".", 1)[-1]
    return env_label(stem)


def env_label(text: str) -> str:
    """``sync-ledger`` -> SYNC_LEDGER: a valid env var name (part)."""
    label = re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")
    if not label:
        return "LEGACY"
    return f"_{label}" if label[0].isdigit() else label


# -- value rules ------------------------------------------------------------------------------------

# an unquoted value: for scrubbing up to a blank or quote, for lifting also up to a shell operator
_UNQUOTED = {True: r"[^\s'\"`]+", False: r"(?:\$\([^()\s]*\)?|[^\s'\"`;&|<>()])+"}
_QUOTED = r"'[^'\n]*'|\"(?:\\.|[^\"\\\n])*\""


@dataclass(frozen=True)
class Rule:
    """One place a secret value sits in text; ``template`` has ``{v}`` where an unquoted value goes."""

    key: str
    template: str
    kind: str | Callable[[re.Match[str]], str]
    var: Callable[[re.Match[str], str], str]  # (match, program label) -> the env var that carries it
    describe: Callable[[re.Match[str], str], str]  # (match, program label) -> a label for reports
    check_name: Callable[[re.Match[str]], bool] | None = None
    keep_placeholders: bool = True
    keep_paths: bool = False
    flags: int = 0

    def pattern(self, scrubbing: bool) -> re.Pattern[str]:
        return _compiled(self.key, self.template, scrubbing, self.flags)

    def kind_of(self, m: re.Match[str]) -> str:
        return self.kind if isinstance(self.kind, str) else self.kind(m)

    def var_name(self, m: re.Match[str], program: str) -> str:
        return self.var(m, program)

    def label(self, m: re.Match[str], program: str) -> str:
        return self.describe(m, program)


@functools.lru_cache(maxsize=256)
def _compiled(key: str, template: str, scrubbing: bool, flags: int) -> re.Pattern[str]:
    unquoted = _UNQUOTED[scrubbing]
    value = f"(?:{_QUOTED}|{unquoted})"
    return re.compile(template.replace("{v}", value).replace("{u}", unquoted), flags)


def _prog(m: re.Match[str], program: str) -> str:
    return program or "command"


def _group(name: str) -> Callable[[re.Match[str]], str]:
    return lambda m: m.group(name)


def _assignment_ok(m: re.Match[str]) -> bool:
    from migrator.secrets import value_secret_kind

    return is_secret_name(m.group("name")) or value_secret_kind(unquote(m.group("value"))) is not None


def _assignment_kind(m: re.Match[str]) -> str:
    value = unquote(m.group("value"))
    for name, pattern in TOKEN_PATTERNS:
        if pattern.search(value):
            return name
    if _CREDENTIAL_PART.search(value):
        return "credential_url"
    return kind_from_name(m.group("name")) if is_secret_name(m.group("name")) else "password"


_CREDENTIAL_PART = re.compile(r"://[^\s:/@]*:[^\s@]+@")


def _assignment_var(m: re.Match[str], program: str) -> str:
    name = m.group("name")
    before = m.string[m.start() - 1] if m.start() > 0 else " "
    # a shell assignment keeps its name (later words may reference it); ``;Password=`` in a
    # connection string gets a name of its own
    return name if before.isspace() or before in "(`" else f"{program}_{env_label(name)}"


def _query_ok(m: re.Match[str]) -> bool:
    """``?key=1`` or ``&token=yes`` is a switch; a key or signature is longer than a few characters."""
    name, value = m.group("name"), m.group("value")
    if len(value) < 6 or value.isdigit():
        return False
    return is_secret_name(name) or has_word(name, frozenset({"SIG", "SIGNATURE", "HMAC", "APIKEY"}))


# gpg/apt-key options whose value names a public key (an ID, a fingerprint, a keyserver): never a secret
_PUBLIC_KEY_OPTIONS = frozenset({"recv-keys", "recv-key", "receive-keys", "keyserver", "keyserver-options", "keyring",
                                 "primary-keyring", "trusted-key", "fingerprint", "export-keys", "signed-by"})


def _option_ok(m: re.Match[str]) -> bool:
    return is_secret_name(m.group("name")) and m.group("name").lower() not in _PUBLIC_KEY_OPTIONS


def _not_flag_password(m: re.Match[str]) -> bool:
    if not _option_ok(m):
        return False
    program = program_label(m.string, m.start()).lower()
    return not (program in _BOOLEAN_PASSWORD_PROGRAMS and m.group("name").lower() in ("password", "pass", "passwd"))


_BOOLEAN_PASSWORD_PROGRAMS = frozenset({"psql", "pg_dump", "pg_dumpall", "pg_restore", "createdb", "dropdb",
                                        "mysql", "mysqldump", "mysqladmin", "mysqlimport", "mariadb"})

# (kind, env var that carries it, pattern); matched anywhere, never placeholders.
TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(p)) for kind, p in (
        ("aws_access_key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"),
        ("github_token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})\b"),
        ("gitlab_token", r"\bglpat-[A-Za-z0-9_\-]{20,}"),
        ("slack_token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("slack_webhook", r"hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,}"),
        ("discord_webhook", r"discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]{20,}"),
        ("stripe_key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|\bwhsec_[A-Za-z0-9]{24,}"),
        ("mailgun_key", r"\bkey-[0-9a-f]{32}\b"),
        ("sendgrid_key", r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}"),
        ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}"),
        ("twilio_key", r"\b(?:SK|AC)[0-9a-f]{32}\b"),
        ("npm_token", r"\bnpm_[A-Za-z0-9]{36,}\b"),
        ("pypi_token", r"\bpypi-AgE[A-Za-z0-9_-]{50,}"),
        ("openai_key", r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}"),
        ("digitalocean_token", r"\bdo[por]_v1_[a-f0-9]{64}\b"),
        ("shopify_token", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"),
        ("square_token", r"\bsq0(?:atp|csp)-[0-9A-Za-z_-]{22,}"),
        ("mailchimp_key", r"\b[0-9a-f]{32}-us[0-9]{1,2}\b"),
        ("telegram_token", r"\b[0-9]{8,10}:AA[0-9A-Za-z_-]{33}\b"),
        ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    )
)
_TOKEN_VARS = {
    "aws_access_key": "AWS_ACCESS_KEY_ID", "github_token": "GITHUB_TOKEN", "gitlab_token": "GITLAB_TOKEN",
    "slack_token": "SLACK_TOKEN", "slack_webhook": "SLACK_WEBHOOK_URL", "discord_webhook": "DISCORD_WEBHOOK_URL",
    "stripe_key": "STRIPE_API_KEY", "mailgun_key": "MAILGUN_API_KEY", "sendgrid_key": "SENDGRID_API_KEY",
    "google_api_key": "GOOGLE_API_KEY", "twilio_key": "TWILIO_API_KEY", "npm_token": "NPM_TOKEN",
    "pypi_token": "PYPI_TOKEN", "openai_key": "OPENAI_API_KEY", "digitalocean_token": "DIGITALOCEAN_TOKEN",
    "shopify_token": "SHOPIFY_TOKEN", "square_token": "SQUARE_TOKEN", "mailchimp_key": "MAILCHIMP_API_KEY",
    "telegram_token": "TELEGRAM_BOT_TOKEN", "jwt": "JWT",
}

def _token_rule(kind: str, pattern: re.Pattern[str]) -> Rule:
    """A known token format: the whole match is the secret, carried by the format's usual variable."""
    return Rule(f"token_{kind}", f"(?P<value>{pattern.pattern})", kind, lambda m, p: _TOKEN_VARS[kind],
                lambda m, p: kind.replace("_", " "), keep_placeholders=False)


_PIPE_CONSUMER = (r"(?=\s*\|\s*(?:sudo\s)?\s*(?P<consumer>sudo(?=[^|;&\n]*\s-\w*S\b|[^|;&\n]*--stdin)"
                  r"|passwd(?=[^|;&\n]*--stdin)|chpasswd|[\w./-]+(?=[^|;&\n]*--password-stdin)"
                  r"|htpasswd(?=[^|;&\n]*\s-\w*i\b)))")

RULES: tuple[Rule, ...] = (
    Rule("private_key_block",
         r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?P<value>[\s\S]+?)"
         r"(?=-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",
         "private_key", lambda m, p: "PRIVATE_KEY", lambda m, p: "private key", keep_placeholders=False),
    # echo 'pw' | sudo -S ... ; printf '%s\n' pw | docker login --password-stdin ...
    Rule("stdin_pipe",
         r"\b(?:echo|printf)\s+(?:-[neE]+\s+)*(?:'%s\\n'\s+|\"%s\\n\"\s+)?(?P<value>{v})" + _PIPE_CONSUMER,
         "password", lambda m, p: f"{env_label(m.group('consumer').rsplit('/', 1)[-1])}_PASSWORD",
         lambda m, p: f"password piped to {m.group('consumer').rsplit('/', 1)[-1]}"),
    Rule("sudo_herestring", r"\bsudo\b[^|;&\n]*?\s-\w*S\b[^|;&\n]*?<<<\s*(?P<value>{v})",
         "password", lambda m, p: "SUDO_PASSWORD", lambda m, p: "password piped to sudo"),
    # NAME=value: shell, env files, systemd Environment=, libpq and connection-string segments
    Rule("assignment",
         r"(?<![\w.\-/$@:?&%{])(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?![=~])(?P<value>{v})",
         _assignment_kind, _assignment_var, lambda m, p: m.group("name"), check_name=_assignment_ok),
    # "name": "value", name: value (YAML, JSON, HTTP headers such as X-Api-Key: ...)
    Rule("keyed",
         r"(?<![\w.\-/$])(?P<q0>[\"']?)(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)(?P=q0)\s*:\s+(?![|>]\s*$)"
         r"(?:(?:Bearer|Basic|Token|Bot)\s+)?(?![{\[])(?P<value>{v})",
         lambda m: kind_from_name(m.group("name")), lambda m, p: f"{p}_{env_label(m.group('name'))}",
         lambda m, p: m.group("name"), check_name=lambda m: is_secret_name(m.group("name"))),
    Rule("authorization",
         r"\b(?P<name>(?:Proxy-)?Authorization)\s*:\s*(?:(?:Bearer|Basic|Token|Bot|Digest|ApiKey)\s+)?"
         r"(?!(?:Bearer|Basic|Token|Bot|Digest|ApiKey)\b)(?P<value>{u})",
         "token", lambda m, p: f"{p}_AUTH_TOKEN", lambda m, p: f"{_prog(m, p)} Authorization header",
         flags=re.IGNORECASE),
    # nginx and other configs: proxy_set_header Authorization "Basic ..."
    Rule("authorization_directive",
         r"\b(?P<name>(?:Proxy-)?Authorization)[\"']?[ \t]+[\"']?(?:Basic|Bearer|Token|Digest)[ \t]+(?P<value>{u})",
         "token", lambda m, p: f"{p}_AUTH_TOKEN", lambda m, p: "Authorization header", flags=re.IGNORECASE),
    # INI and properties files: "Password = value" on a line of its own
    Rule("ini_assignment",
         r"(?m)^[ \t]*(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)(?:[ \t]*=|[ \t]*:[ \t])[ \t]*(?P<value>{u})[ \t]*$",
         lambda m: kind_from_name(m.group("name")), lambda m, p: env_label(m.group("name")),
         lambda m, p: m.group("name"), check_name=lambda m: is_secret_name(m.group("name"))),
    # ;Password=a b; in ADO/ODBC/JDBC connection strings (a value may hold blanks or {braces})
    Rule("connection_string",
         r"(?<=;)\s*(?P<name>[A-Za-z][A-Za-z0-9 _]*?)\s*=\s*(?P<value>\{[^}\n]*\}|[^;'\"\s]+)",
         "password", lambda m, p: f"{p}_{env_label(m.group('name'))}", lambda m, p: m.group("name").strip(),
         check_name=lambda m: is_secret_name(m.group("name"))),
    # scheme://user:password@host, whatever the password holds (the host is after the last @)
    Rule("credential_url",
         r"\b(?P<scheme>[a-z][a-z0-9+.\-]*)://(?P<user>[^\s:/@'\"]*):(?P<value>(?!\d{1,5}/){u})@[^\s'\"@/?#]*",
         "credential_url", lambda m, p: f"{p}_PASSWORD", lambda m, p: _prog(m, p),
         flags=re.IGNORECASE),
    # ?key=... &api_key=... &sig=...
    Rule("query_parameter", r"(?<=[?&])(?P<name>[A-Za-z0-9_.\-\[\]]+)=(?P<value>[^&#\s'\"`]+)",
         "api_key", lambda m, p: f"{p}_{env_label(m.group('name'))}", lambda m, p: f"{_prog(m, p)} ?{m.group('name')}=",
         check_name=_query_ok),
    # --private-key=..., --password ..., --api-key ... (a path is a file reference, not the secret)
    Rule("option_equals", r"(?<![\w-])--(?P<name>[A-Za-z][A-Za-z0-9_-]*)=(?P<value>{v})",
         lambda m: kind_from_name(m.group("name")), lambda m, p: f"{p}_{env_label(m.group('name'))}",
         lambda m, p: f"{_prog(m, p)} --{m.group('name').lower()}", check_name=_option_ok, keep_paths=True),
    Rule("option_separate", r"(?<![\w-])--(?P<name>[A-Za-z][A-Za-z0-9_-]*)[ \t]+(?![-<>|&;])(?P<value>{v})",
         lambda m: kind_from_name(m.group("name")), lambda m, p: f"{p}_{env_label(m.group('name'))}",
         lambda m, p: f"{_prog(m, p)} --{m.group('name').lower()}", check_name=_not_flag_password, keep_paths=True),
    # mysql -pSECRET (attached: "-p SECRET" makes mysql prompt and SECRET the database)
    Rule("mysql_p",
         r"\b(?P<prog>mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mariadb|mariadb-dump)\b"
         r"[^\n|;&]*?\s-p(?P<value>{v})",
         "password", lambda m, p: f"{env_label(m.group('prog'))}_PASSWORD", lambda m, p: f"{m.group('prog')} -p"),
    Rule("password_short_option",
         r"\b(?P<prog>sshpass|mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport)\b"
         r"[^\n|;&]*?\s(?P<opt>-p)\s+(?P<value>{v})",
         "password", lambda m, p: f"{env_label(m.group('prog'))}_PASSWORD",
         lambda m, p: f"{m.group('prog')} {m.group('opt')}"),
    Rule("redis_cli_a", r"\b(?P<prog>redis-cli)\b[^\n|;&]*?\s(?P<opt>-a)\s+(?P<value>{v})",
         "password", lambda m, p: "REDIS_PASSWORD", lambda m, p: "redis-cli -a"),
    Rule("archive_password", r"\b(?P<prog>zip|unzip|7z|7za)\b[^\n|;&]*?\s-[pP]\s*(?P<value>{v})",
         "password", lambda m, p: f"{env_label(m.group('prog'))}_PASSWORD", lambda m, p: f"{m.group('prog')} -P"),
    Rule("user_password",
         r"\b(?P<prog>curl|wget|http|lftp|ftp)\b[^\n|;&]*?\s(?:-u|--user|--proxy-user)(?:\s+|=)"
         r"(?P<q>['\"]?)[^\s:'\"]+:(?P<value>[^\s'\"]+)(?P=q)",
         "password", lambda m, p: f"{env_label(m.group('prog'))}_PASSWORD", lambda m, p: f"{m.group('prog')} -u"),
    Rule("smb_user", r"\bsmbclient\b[^\n|;&]*?\s-U\s*(?P<q>['\"]?)[^\s%'\"]+%(?P<value>[^\s'\"]+)(?P=q)",
         "password", lambda m, p: "SMBCLIENT_PASSWORD", lambda m, p: "smbclient -U"),
    Rule("openssl_pass", r"\s-pass(?:in|out)?\s+(?P<q>['\"]?)pass:(?P<value>[^\s'\"]+)(?P=q)",
         "password", lambda m, p: f"{p}_PASSPHRASE", lambda m, p: f"{_prog(m, p)} -pass"),
    Rule("base64_key", r"\bbase64:(?P<value>[A-Za-z0-9+/]{16,}={0,2})",
         "secret_key", lambda m, p: f"{p}_KEY", lambda m, p: "base64: key", keep_placeholders=False),
    *(_token_rule(kind, pattern) for kind, pattern in TOKEN_PATTERNS),
)
