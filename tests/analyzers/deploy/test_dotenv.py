"""Tests for analyzers/deploy/dotenv.py."""

from __future__ import annotations

import pytest

from analyzers.deploy import dotenv
from migrator.model import Confidence, Kind

E = Kind.ENV


def env(r):
    return sorted((f.key, f.source.file, f.source.line, dict(f.fields)) for f in r.of(E))


@pytest.mark.parametrize(("name", "kind"), [
    (".env.example", "template"), (".env.sample", "template"), (".env.template", "template"),
    (".env.dist", "template"), ("env.example", "template"), ("example.env", "template"),
    (".env", "real"), (".env.production", "real"), (".env.local", "real"), ("prod.env", "real"),
    ("environment.py", None), ("README.md", None), (".envrc", None),
])
def test_file_kind(name, kind):
    assert dotenv.file_kind(name) == kind


def test_template_names_defaults_and_secrets(run_analyzer):
    r = run_analyzer(dotenv, {".env.example": """\
        # Copy to .env and fill in
        export DEBUG=false
        DB_HOST=db
        DB_PASSWORD=changeme
        SECRET_KEY=
        GITHUB_TOKEN="ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"

        ALLOWED_HOSTS = "example.com,www.example.com"   # quoted, spaced
        WORKERS=4 # inline comment
        API_URL='https://api.example.com/v1?a=1#frag'
        SENTRY_DSN=https://public:priv4te@sentry.example.com/1
        SMTP_HOST=<your-smtp-host>
        """})
    assert env(r) == [
        ("ALLOWED_HOSTS", ".env.example", 8, {"default": "example.com,www.example.com", "secret": False}),
        ("API_URL", ".env.example", 10, {"default": "https://api.example.com/v1?a=1#frag", "secret": False}),
        ("DB_HOST", ".env.example", 3, {"default": "db", "secret": False}),
        ("DB_PASSWORD", ".env.example", 4, {"secret": True}),
        ("DEBUG", ".env.example", 2, {"default": "false", "secret": False}),
        ("GITHUB_TOKEN", ".env.example", 6, {"secret": True}),
        ("SECRET_KEY", ".env.example", 5, {"secret": True}),
        ("SENTRY_DSN", ".env.example", 11, {"secret": True}),
        ("SMTP_HOST", ".env.example", 12, {"secret": False}),
        ("WORKERS", ".env.example", 9, {"default": "4", "secret": False}),
    ]
    assert all(f.source.confidence is Confidence.DECLARED for f in r.findings)
    # a template that carries real-looking secrets still leaks them
    assert sorted((s.file, s.line, s.name, s.kind) for s in r.secrets) == [
        (".env.example", 6, "GITHUB_TOKEN", "github_token"),
        (".env.example", 11, "SENTRY_DSN", "credential_url"),
    ]
    text = repr(r.items) + repr(r.warnings)
    assert "ghp_abcdefghij" not in text and "priv4te" not in text
    assert not r.warnings


def test_real_env_file_reports_names_never_values(run_analyzer):
    r = run_analyzer(dotenv, {"deploy/.env.production": """\
        SECRET_KEY=Real-Secret-Key-8841
        PORT=8000
        DATABASE_URL=postgres://shop:Real-Db-Pass-2@db/shop
        STRIPE_API_KEY='sk_live_abcdefghijklmnop1234'
        EMPTY_PASSWORD=
        export LOG_LEVEL=info
        """})
    assert env(r) == [
        ("DATABASE_URL", "deploy/.env.production", 3, {"secret": True}),
        ("EMPTY_PASSWORD", "deploy/.env.production", 5, {"secret": True}),
        ("LOG_LEVEL", "deploy/.env.production", 6, {"secret": False}),
        ("PORT", "deploy/.env.production", 2, {"secret": False}),
        ("SECRET_KEY", "deploy/.env.production", 1, {"secret": True}),
        ("STRIPE_API_KEY", "deploy/.env.production", 4, {"secret": True}),
    ]
    assert sorted((s.line, s.name, s.kind) for s in r.secrets) == [
        (1, "SECRET_KEY", "env_file"), (3, "DATABASE_URL", "env_file"), (4, "STRIPE_API_KEY", "env_file"),
    ]
    assert [(w.file, w.line) for w in r.warnings] == [("deploy/.env.production", None)]
    assert "committed" in r.warnings[0].message
    text = repr(r.items) + repr(r.warnings)
    for value in ("Real-Secret-Key-8841", "Real-Db-Pass-2", "sk_live_abc", "8000", "info"):
        assert value not in text


def test_garbage_lines_multiline_values_and_bad_bytes(run_analyzer):
    r = run_analyzer(dotenv, {
        ".env.sample": """\
            this is not an assignment
            GOOD=1
            =novalue
            PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----
            MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu
            -----END RSA PRIVATE KEY-----"
            AFTER=2
            UNTERMINATED="oops
            """,
        "other/.env.dist": b"\xff\xfeA=1\n",
    })
    keys = [(f.key, f.source.file, f.source.line) for f in r.of(E)]
    assert ("GOOD", ".env.sample", 2) in keys and ("AFTER", ".env.sample", 7) in keys
    assert ("PRIVATE_KEY", ".env.sample", 4) in keys and ("UNTERMINATED", ".env.sample", 8) in keys
    assert r.field(E, "PRIVATE_KEY", "secret") is True and "default" not in r.one(E, "PRIVATE_KEY").fields
    assert [(s.line, s.kind) for s in r.secrets] == [(4, "private_key")]
    assert [(w.file, w.line) for w in r.warnings if w.file == ".env.sample"] == [(".env.sample", 1)]
    assert "MIIBOgIBAAJBAKj34" not in repr(r.items)


def test_empty_and_comment_only_files(run_analyzer):
    r = run_analyzer(dotenv, {".env": "# nothing here\n\n", ".env.example": ""})
    assert r.items == []
