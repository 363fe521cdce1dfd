"""Secret classification, scrubbing and lifting (migrator/secrets.py, migrator/secret_rules.py), in both
directions: every form of secret is found, and what is not a secret stays readable."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from migrator.config import overrides_from
from migrator.secrets import (
    REDACTED,
    bears_secret,
    is_placeholder,
    is_secret_name,
    lift,
    scrub,
    secret_kind,
    value_secret_kind,
)


@pytest.mark.parametrize(
    "name",
    ["SECRET_KEY", "DB_PASSWORD", "PGPASSWORD", "API_TOKEN", "AWS_SECRET_ACCESS_KEY", "STRIPE_API_KEY",
     "SENTRY_DSN", "GITHUB_TOKEN", "PRIVATE_KEY", "db_pass", "MAIL_PWD", "OAUTH_CLIENT_SECRET", "DB_PW", "MAIL_KEY",
     "APP_KEY", "SMTP_PASSWD", "GCP_CREDENTIALS", "DEPLOY_PRIVATE", "apiKey", "clientSecret", "X-Api-Key",
     "ACCESSTOKEN", "SLACK_WEBHOOK_URL", "REDIS_REQUIREPASS", "JWT_SECRET", "HASH_SALT", "BASIC_AUTH", "passphrase",
     "private-key", "AWS_ACCESS_KEY_ID", "SECRET_KEY_BASE", "LDAP_BIND_PASSWORD"],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["DEBUG", "PORT", "DATABASE_HOST", "SECRET_KEY_FILE", "TOKEN_EXPIRY", "PASSWORD_MIN_LENGTH", "AUTH_USER_MODEL",
     "ALLOWED_HOSTS", "KEYBOARD_LAYOUT", "TOKEN_TTL", "AUTH_BACKEND", "tiktoken", "asttokens", "TIKTOKEN_CACHE_DIR",
     "PWD", "OLDPWD", "STRIPE_PUBLIC_KEY", "STRIPE_PUBLISHABLE_KEY", "CACHE_KEY_PREFIX", "PRIMARY_KEY", "NO_AUTH",
     "USE_TOKEN", "PRIVATE_IP", "AUTH_LDAP_SERVER_URI", "TOKEN_URL", "PASSWORD_HASHERS", "SECRET_NAME", "BYPASS",
     "COMPASS_URL", "monkey", "password-stdin", "token-ttl", "AUTH_PASSWORD_VALIDATORS", "keys", "tokens"],
)
def test_not_secret_names(name: str) -> None:
    assert not is_secret_name(name)


def test_secret_kind_by_value_and_name() -> None:
    assert secret_kind("DATABASE_URL", "postgres://u:hunter2@db/x") == "credential_url"
    assert secret_kind("DATABASE_URL", "postgres://db/x") is None
    assert secret_kind("X", "AKIAABCDEFGHIJKLMNOP") == "aws_access_key"
    assert secret_kind("DB_PASSWORD", "hunter2") == "password"
    assert secret_kind("DB_PW", "hunter2") == "password"
    assert secret_kind("DB_PASSWORD", "${DB_PASSWORD}") is None
    assert secret_kind("API_TOKEN", "abc") == "token"
    assert secret_kind("SECRET_KEY", "xyz") == "secret_key"
    assert secret_kind("MAILGUN", "key-3f9a0c2b7d4e6f8a1b2c3d4e5f6a7b8c") == "mailgun_key"
    assert secret_kind("DB_CONN", "Server=db;Database=x;User Id=sa;Password=Conn-Str-Pw6;") == "password"


@pytest.mark.parametrize("value", ["", "${X}", "$X", "changeme", "<your-key>", "{{ vault_pw }}", "%(ENV_X)s", "xxx",
                                   "<redacted>", "$(cat /run/secrets/pw)", "${PW};", "...", "your_password_here"])
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("line", ['  "private": true,', '"token": "changeme",', "auth_token: no", "secret_key: off",
                                  '{"name": "api", "private": true, "version": "1.0.0"}'])
def test_flow_values_with_their_separator_and_yaml_booleans_are_not_secrets(line: str) -> None:
    # every package.json of a Node monorepo says "private": true, and a JSON line keeps its comma
    assert lift(line).refs == ()


def test_a_real_value_with_its_separator_still_is() -> None:
    assert [(r.label, r.kind) for r in lift('  "password": "Json-Pw-4411",').refs] == [("password", "password")]


# (text, the secret in it): one line per form; every one must be redacted and lifted.
FORMS = [
    ("PGPASSWORD=hunter2x psql -h db", "hunter2x"),
    ("export DB_PW=Db-Pw-Value-8", "Db-Pw-Value-8"),
    ("APP_KEY=base64:QmFzZTY0S2V5VmFsdWU5OTk5OTk5OTk5OTk5OTk5OTk=", "QmFzZTY0S2V5VmFsdWU5OTk5"),
    ("SECRET_KEY='q w e r'", "q w e r"),
    ("DB_CONN=Server=db;Database=x;User Id=sa;Password=Conn-Str-Pw6;", "Conn-Str-Pw6"),
    ("jdbc:sqlserver://db:1433;databaseName=x;user=sa;password=Jdbc-Pw-77", "Jdbc-Pw-77"),
    ("Driver={ODBC};Server=x;Pwd={Odbc;Pw 9};", "Odbc;Pw 9"),
    ("redis://user:Pass/With/Slash7@cache:6379/0", "Pass/With/Slash7"),
    ("postgres://u:p@ss#w%2Frd@db.internal:5432/x", "p@ss#w%2Frd"),
    ("amqp://:Only-Pw-1@rabbit//", "Only-Pw-1"),
    ("wget -q -O- 'https://ping.example.com/hook?key=Cron-Query-Key-3&x=1'", "Cron-Query-Key-3"),
    ("curl 'https://api.example.com/v1?api_key=Query-Api-Key-9'", "Query-Api-Key-9"),
    ("https://bucket.s3.amazonaws.com/x?X-Amz-Signature=abcdef0123456789&X-Amz-Date=1", "abcdef0123456789"),
    ("https://x.blob.core.windows.net/c?sv=2020&sig=Azure%2FSig%3D123", "Azure%2FSig%3D123"),
    ("python worker.py --private-key=Procfile-Priv-Key-4", "Procfile-Priv-Key-4"),
    ("sync-daemon --api-key Sup3r-Secret-Sv-Api", "Sup3r-Secret-Sv-Api"),
    ("manage.py createsuperuser --password=AdminPw1234", "AdminPw1234"),
    ("mysql -uroot -pTopSecret1 app", "TopSecret1"),
    ("sshpass -p Ssh-Pw-9 ssh deploy@h", "Ssh-Pw-9"),
    ("redis-cli -h r -p 6379 -a Redis-Pw-3 ping", "Redis-Pw-3"),
    ("curl -u admin:Curl-Pw-1 https://x/y", "Curl-Pw-1"),
    ("curl -H 'Authorization: Bearer abcdef123456' https://x/y", "abcdef123456"),
    ('proxy_set_header Authorization "Basic YmlsbGluZzpQbDRudA==";', "YmlsbGluZzpQbDRudA=="),
    ("echo 'Fab-Sudo-PW1' | sudo -S systemctl restart app", "Fab-Sudo-PW1"),
    ("echo \"Dock-Pw-2\" | docker login -u me --password-stdin reg", "Dock-Pw-2"),
    ("sudo -S apt-get update <<< 'Here-Pw-3'", "Here-Pw-3"),
    ("openssl rsa -in k.pem -passin pass:Ossl-Pw-4", "Ossl-Pw-4"),
    ("smbclient //fs/share -U backup%Smb-Pw-5", "Smb-Pw-5"),
    ("zip -P Zip-Pw-6 out.zip file", "Zip-Pw-6"),
    ("POSTGRES_PASSWORD: Compose-Pw-7", "Compose-Pw-7"),
    ('{"password": "Json-Pw-8"}', "Json-Pw-8"),
    ("Password = Odbc-Ini-Pw", "Odbc-Ini-Pw"),
    ("token ghp_Pl4ntedGithubTokenAbCdEfGhIjKlMnOpQrSt12", "ghp_Pl4ntedGithubTokenAbCdEfGhIjKlMnOpQrSt12"),
    ("AKIAPL4NTEDKEYID1234", "AKIAPL4NTEDKEYID1234"),
    ("xoxb-123456789012-abcdefghijkl", "xoxb-123456789012-abcdefghijkl"),
    ("sk_live_Pl4ntedStripeKey00000000", "sk_live_Pl4ntedStripeKey00000000"),
    ("key-3f9a0c2b7d4e6f8a1b2c3d4e5f6a7b8c", "key-3f9a0c2b7d4e6f8a1b2c3d4e5f6a7b8c"),
    ("SG.Pl4ntedSendgridKey00000.Pl4ntedSendgridSecretPart00000000", "SG.Pl4ntedSendgridKey00000"),
    ("AIzaPl4ntedGoogleMapsKey000000000000000", "AIzaPl4ntedGoogleMapsKey000000000000000"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJQbDRudGVkIjoiSnd0In0.Pl4ntedJwtSignature0000", "Pl4ntedJwtSignature0000"),
    ("SK0f1e2d3c4b5a69788796a5b4c3d2e1f0", "SK0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    ("https://hooks.slack.com/services/T0PL4NTED/B0PL4NTED/Pl4ntedSlackHookPath000", "Pl4ntedSlackHookPath000"),
    ("whsec_Pl4ntedWebhookSecret0000000000", "whsec_Pl4ntedWebhookSecret0000000000"),
    ("npm_Pl4ntedNpmToken00000000000000000000000", "npm_Pl4ntedNpmToken"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEPl4ntedKeyBody\n-----END RSA PRIVATE KEY-----", "MIIEPl4ntedKeyBody"),
]


@pytest.mark.parametrize(("text", "value"), FORMS, ids=[f[0][:40] for f in FORMS])
def test_every_form_is_redacted_and_lifted(text: str, value: str) -> None:
    assert len(FORMS) >= 40
    assert value not in scrub(text)
    assert REDACTED in scrub(text)
    lifted = lift(text)
    assert value not in lifted.text and lifted.refs
    for ref in lifted.refs:  # the text now reads the value from an env var with a valid name
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ref.name) and "${" + ref.name + "}" in lifted.text
    assert value_secret_kind(text) is not None and bears_secret(text)


@pytest.mark.parametrize("text", [
    "Collecting tiktoken==0.7.0", "Successfully installed asttokens-2.4.1 google-auth-2.29.0 tiktoken-0.7.0",
    "Requirement already satisfied: google-auth<3,>=2 in /opt/venv/lib/python3.11/site-packages",
    "  Downloading google_auth-2.29.0-py2.py3-none-any.whl (189 kB)", "pip install google-auth>=2 passlib~=1.7",
    "added 3 packages: jsonwebtoken@9.0.2 keyv@4.5.4 passport-local@1.0.0", "TOKEN_TTL=3600",
    "SECRET_KEY_FILE=/run/secrets/x", "AUTH_BACKEND=ldap", "PASSWORD_MIN_LENGTH=12",
    "gunicorn --keyfile /etc/ssl/k.pem",
    "psql --password mydb", "curl 'http://localhost:8000/cron/ping/?key=1'", "postgres://db.internal:5432/app",
    "http://host:8080/path@x", "image: planted-secrets:0.1.0", "DEBUG=1 PORT=8000", "celery -A app worker --beat",
    "--private-key=/etc/ssl/private/app.key", "PGPASSWORD=$DB_PASSWORD psql", "--password=${PW}",
    "postgres://u:${PASS}@db/x", "echo $DB_PASSWORD | docker login --password-stdin", "mysql -p app",
    "SECRET_KEY = os.environ['SECRET_KEY']", "-----BEGIN CERTIFICATE-----", "token: <redacted>",
    "keys = root,console",
    # public keys by ID and where to fetch them (Laravel Sail's Dockerfile, apt-key and gpg in deploy scripts)
    "apt-key adv --homedir ~/.gnupg --keyserver hkp://keyserver.ubuntu.com:80 --recv-keys E5267A6C",
    "gpg --batch --keyserver keyserver.ubuntu.com --recv-key 0x14AA40EC0831756756D7F66C4F4EA0AAE5267A6C",
])
def test_what_is_not_a_secret_stays_readable(text: str) -> None:
    assert scrub(text) == text
    assert lift(text).text == text and not lift(text).refs


def test_scrub_keeps_references() -> None:
    text = "PGPASSWORD=$DB_PASSWORD psql --password=${PW} postgres://u:${PASS}@db/x"
    assert scrub(text) == text


def test_a_placeholder_password_still_makes_a_url_secret_bearing() -> None:
    # nothing to rotate, but the URL must not become a ConfigMap value
    assert value_secret_kind("postgres://username:password@host/db") is None
    assert bears_secret("postgres://username:password@host/db")
    assert bears_secret("postgres://app:${DB_PASSWORD}@db/app")
    assert bears_secret("amqp://app@mq.internal/vhost")  # userinfo without a password: still not ConfigMap data
    assert not bears_secret("postgres://db.internal/app") and not bears_secret("redis://cache:6379/0")


def test_lift_names_the_variable_after_the_program_and_keeps_shell_quoting_expandable() -> None:
    lifted = lift("cd /srv && /srv/venv/bin/python -m billing.sync --api-key 'S3cret-Api-Key'")
    assert lifted.text == 'cd /srv && /srv/venv/bin/python -m billing.sync --api-key "${SYNC_API_KEY}"'
    assert [(r.name, r.kind, r.label) for r in lifted.refs] == [("SYNC_API_KEY", "api_key", "billing.sync --api-key")]
    inside = lift("wget 'https://h.example/x?token=Tok-12345&a=1'").text
    assert inside == "wget 'https://h.example/x?token='\"${WGET_TOKEN}\"'&a=1'"  # out of '...' to expand
    assert lift("PGPASSWORD=Pg-Pw-123; psql -h db").text == "PGPASSWORD=${PGPASSWORD}; psql -h db"


def test_migrate_toml_default_of_a_secret_named_variable_is_secret() -> None:
    findings = overrides_from({"env": {
        "ADMIN_PASSWORD": {"default": "Toml-Admin-Pw10"},
        "PLAIN": {"default": "postgres://u:pw-in-url@db/x"},
        "TOKEN_AUDIENCE": {"default": "billing"},
        "API_TOKEN_LABEL": {"default": "x", "secret": False},
        "OPTED_OUT_TOKEN": {"default": "kept", "secret": False},
    }})
    by_name = {f.key: dict(f.fields) for f in findings}
    assert by_name["ADMIN_PASSWORD"] == {"secret": True}
    assert by_name["PLAIN"] == {"secret": True}  # a credential URL is secret whatever its name
    assert by_name["TOKEN_AUDIENCE"] == {"default": "billing"}
    assert by_name["OPTED_OUT_TOKEN"] == {"default": "kept", "secret": False}  # the user's explicit choice


# -- properties ------------------------------------------------------------------------------------

_ALNUM = ("Lu", "Ll", "Nd")
_SECRET_CHARS = st.text(st.characters(whitelist_categories=_ALNUM, whitelist_characters="/#%@:+=!*-_.~,"),
                        min_size=6, max_size=30)
_SHELL_SAFE = st.text(st.characters(whitelist_categories=_ALNUM, whitelist_characters="/%+=!-_.~,"),
                      min_size=6, max_size=30)


def _real(value: str) -> str:
    value = "Zq" + value  # no placeholder, no path, no accidental overlap with the surrounding text
    assume(not is_placeholder(value) and not value.endswith((".pem", ".key", ".json", ".txt", ".ini", ".cfg")))
    return value


@settings(max_examples=150, deadline=None)
@given(password=_SECRET_CHARS, user=st.from_regex(r"[a-z]{1,8}", fullmatch=True))
def test_any_url_password_is_redacted(password: str, user: str) -> None:
    pw = _real(password)
    text = f"DATABASE_URL=postgresql+psycopg://{user}:{pw}@db.internal:5432/app?sslmode=require"
    assert pw not in scrub(text) and pw not in lift(text).text
    assert pw not in scrub(f"redis://:{pw}@cache:6379/0 and more")


@settings(max_examples=150, deadline=None)
@given(value=_SHELL_SAFE, form=st.sampled_from([
    "DB_PW={v} ./run", "export MAIL_KEY='{v}'", "tool --private-key={v} --x 1", "tool --client-secret {v} go",
    "Server=s;Password={v};Database=d", "https://h.example/p?a=1&api_key={v}&b=2", "mysql -p{v} app",
    "echo '{v}' | sudo -S true", "curl -u me:{v} https://h", "APP_SECRET: {v}",
]))
def test_any_value_in_any_form_is_redacted(value: str, form: str) -> None:
    v = _real(value)
    assume(";" not in v or "Password" not in form)
    assume("&" not in v and "#" not in v)
    text = form.format(v=v)
    assert v not in scrub(text), text
    assert v not in lift(text).text, text


_PACKAGE = st.from_regex(r"[a-z][a-z0-9]*(-(auth|token|tokens|key|secret|secrets|password|pass|pw|oauth|jwt|"
                         r"keyring|creds|[a-z0-9]+))*", fullmatch=True)
_VERSION = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}(rc[0-9])?", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(name=_PACKAGE, version=_VERSION, op=st.sampled_from(["==", ">=", "<=", "~=", "!=", "-", "@", " ", ":"]))
def test_package_names_and_versions_stay_readable(name: str, version: str, op: str) -> None:
    for line in (f"Collecting {name}{op}{version}", f"Successfully installed {name}{op}{version}",
                 f"  Requirement already satisfied: {name}{op}{version} in /opt/venv/lib"):
        assert scrub(line) == line, line
