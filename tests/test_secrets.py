"""Secret classification and the planner's last-line-of-defence scrubbing."""

from __future__ import annotations

import pytest

from migrator.secrets import REDACTED, is_placeholder, is_secret_name, scrub, secret_kind


@pytest.mark.parametrize(
    "name",
    ["SECRET_KEY", "DB_PASSWORD", "PGPASSWORD", "API_TOKEN", "AWS_SECRET_ACCESS_KEY", "STRIPE_API_KEY",
     "SENTRY_DSN", "GITHUB_TOKEN", "PRIVATE_KEY", "db_pass", "MAIL_PWD", "OAUTH_CLIENT_SECRET"],
)
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["DEBUG", "PORT", "DATABASE_HOST", "SECRET_KEY_FILE", "TOKEN_EXPIRY", "PASSWORD_MIN_LENGTH", "AUTH_USER_MODEL",
     "ALLOWED_HOSTS", "KEYBOARD_LAYOUT"],
)
def test_not_secret_names(name):
    assert not is_secret_name(name)


def test_secret_kind_by_value_and_name():
    assert secret_kind("DATABASE_URL", "postgres://u:hunter2@db/x") == "credential_url"
    assert secret_kind("DATABASE_URL", "postgres://db/x") is None
    assert secret_kind("X", "AKIAABCDEFGHIJKLMNOP") == "aws_access_key"
    assert secret_kind("DB_PASSWORD", "hunter2") == "password"
    assert secret_kind("DB_PASSWORD", "${DB_PASSWORD}") is None
    assert secret_kind("API_TOKEN", "abc") == "token"
    assert secret_kind("SECRET_KEY", "xyz") == "secret_key"


@pytest.mark.parametrize("value", ["", "${X}", "$X", "changeme", "<your-key>", "{{ vault_pw }}", "%(ENV_X)s", "xxx"])
def test_placeholders(value):
    assert is_placeholder(value)


def test_scrub_redacts_every_form():
    text = (
        "PGPASSWORD=hunter2 psql postgres://app:s3cr3t@db/x && mysql -uroot -pTopSecret "
        "--password=abc123 --token tok123 AWS_KEY=AKIAABCDEFGHIJKLMNOP SECRET_KEY='q w' DEBUG=1"
    )
    out = scrub(text)
    for value in ("hunter2", "s3cr3t", "TopSecret", "abc123", "tok123", "AKIAABCDEFGHIJKLMNOP"):
        assert value not in out
    assert "DEBUG=1" in out and f"PGPASSWORD={REDACTED}" in out and f"app:{REDACTED}@db" in out


def test_scrub_keeps_references():
    text = "PGPASSWORD=$DB_PASSWORD psql --password=${PW} postgres://u:${PASS}@db/x"
    assert scrub(text) == text
