"""Secret files and secrets in config files no other analyzer reads (analyzers/deploy/secret_files.py)."""

from __future__ import annotations

from typing import Any

from analyzers.deploy import secret_files
from migrator.planner import plan

KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEPl4ntedKeyMaterial\n-----END RSA PRIVATE KEY-----\n"
CERT = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----\n"


def test_files_that_are_secrets_by_nature(run_analyzer: Any) -> None:
    r = run_analyzer(secret_files, {
        "deploy/id_rsa": KEY, "deploy/id_rsa.pub": "ssh-rsa AAAA me@host\n", "sub/server.key": KEY,
        "sub/cert.pem": CERT + KEY, "certs/ca.pem": CERT, "ops/keystore.p12": b"\x30\x82\x01\x00",
        "deploy/.pgpass": "db:5432:app:app:x\n", "k8s/secret.yaml": "kind: Secret\ndata:\n  pw: eA==\n",
        "k8s/base/secret.yaml": "kind: Secret\nstringData:\n  PW: ''\n",  # a keys-only template, like ours
        ".npmrc": "registry=https://registry.npmjs.org/\n", "sub/.env": "A=1\n",
    })
    assert sorted((s.file, s.line, s.kind) for s in r.secrets) == [
        ("deploy/.pgpass", None, "credentials"), ("deploy/id_rsa", None, "private_key"),
        ("k8s/secret.yaml", None, "k8s_secret"), ("ops/keystore.p12", None, "keystore"),
        ("sub/cert.pem", None, "private_key"), ("sub/server.key", None, "private_key"),
    ]  # not: the public key, a certificate alone, a template, an .npmrc without a token, a dotenv file


def test_config_files_are_read_line_by_line(run_analyzer: Any) -> None:
    r = run_analyzer(secret_files, {
        "deploy/nginx/site.conf": 'location / {\n    proxy_set_header Authorization "Basic dXNlcjpQbDRudGVk";\n}\n',
        "docker-compose.yml": "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: Pl4nted-Pg\n"
                              "      POSTGRES_USER: app\n",
        "deploy/odbc.ini": "[x]\nUID = app\nPassword = Pl4nted-Odbc\n",
        "migrate.toml": '[env.ADMIN_PASSWORD]\ndefault = "Pl4nted-Toml"\n[env.LOG_LEVEL]\ndefault = "info"\n',
        "docs/setup.yml": "password: Pl4nted-Docs\n",  # documentation examples are not scanned
        "config/app.json": '{"SECRET_KEY": {"description": "signing key"}, "password_length": 12}\n',
    })
    assert sorted((s.file, s.line, s.name) for s in r.secrets) == [
        ("deploy/nginx/site.conf", 2, "Authorization header"), ("deploy/odbc.ini", 3, "Password"),
        ("docker-compose.yml", 4, "POSTGRES_PASSWORD"), ("migrate.toml", 2, "ADMIN_PASSWORD"),
    ]
    assert "Pl4nted" not in repr(r.items)


def test_a_specific_analyzers_finding_on_the_same_line_wins(run_analyzer: Any) -> None:
    from migrator.model import SecretFinding

    generic = SecretFinding("deploy/app.service", 6, "DB_PW", "password", "secret_files")
    specific = SecretFinding("deploy/app.service", 6, "DB_PASSWORD", "password", "systemd")
    other_line = SecretFinding("deploy/app.service", 9, "LEDGER", "password", "secret_files")
    model = plan("x", [], secrets=[generic, specific, other_line])
    assert [(s.line, s.analyzer) for s in model.secrets_found] == [(6, "systemd"), (9, "secret_files")]
