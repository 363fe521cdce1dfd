"""The ten forms of issue 9, each in a small repo of its own, end to end: the value reaches no rendering
and no generated file, the variable goes to the Secret (never the ConfigMap), and a command that
carried the value reads it from the Secret through an env var instead."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migrator import config
from migrator.generate import generate_from_model
from migrator.planner import analyze
from migrator.report import render

APP = {"app.py": "from flask import Flask\napp = Flask(__name__)\n", "requirements.txt": "Flask\ngunicorn\n",
       "Procfile": "web: gunicorn app:app\n"}
FABFILE = ('from fabric.api import run, task\n\n@task\ndef restart():\n'
           '    run("echo \'Fab-Sudo-PW1\' | sudo -S systemctl restart app")\n')
SERVICE = ('[Service]\nEnvironment="DB_CONN=Server=db;Database=x;User Id=sa;Password=Conn-Str-Pw6;"\n'
           "ExecStart=/srv/venv/bin/gunicorn app:app\n")
CASES: dict[str, tuple[dict[str, str], str, str | None]] = {
    # name: (files, planted value, the env var that must carry it in the Secret)
    "sudo pipe in a fabfile": ({"fabfile.py": FABFILE}, "Fab-Sudo-PW1", None),
    "getenv default": ({"settings.py": "import os\nMAIL_KEY = os.getenv('MAIL_KEY', 'Default-Mail-Key-2')\n"},
                       "Default-Mail-Key-2", "MAIL_KEY"),
    "crontab query key": ({"crontab": "*/5 * * * * python -m app.ping 'https://h.example/hook?key=Cron-Query-Key-3'\n"},
                          "Cron-Query-Key-3", "PING_KEY"),
    "Procfile --private-key": ({"Procfile": "web: gunicorn app:app\n"
                                             "worker: python worker.py --private-key=Priv-Key-4\n"},
                               "Priv-Key-4", "WORKER_PRIVATE_KEY"),
    "app.json Mailgun value": ({"app.json": json.dumps({"env": {"MAILGUN_HOOK": {"value": "key-" + "5a" * 16}}})},
                               "key-" + "5a" * 16, "MAILGUN_HOOK"),
    "connection string in Environment=": ({"deploy/app.service": SERVICE}, "Conn-Str-Pw6", "DB_CONN"),
    "URL password with a slash": ({".env.example": "CACHE_URL=redis://user:Pass/With/Slash7@cache:6379/0\n"},
                                  "Pass/With/Slash7", "CACHE_URL"),
    "DB_PW": ({".env.example": "DB_PW=Db-Pw-Value-8\n"}, "Db-Pw-Value-8", "DB_PW"),
    "APP_KEY base64": ({".env.example": "APP_KEY=base64:QmFzZTY0S2V5VmFsdWU5OTk5OTk5OTk5OTk5OTk5OTk=\n"},
                       "QmFzZTY0S2V5VmFsdWU5OTk5", "APP_KEY"),
    "migrate.toml default": ({"migrate.toml": '[env.ADMIN_PASSWORD]\ndefault = "Toml-Admin-Pw10"\n'},
                             "Toml-Admin-Pw10", "ADMIN_PASSWORD"),
}


def make(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    for rel, text in {**APP, **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def outputs(root: Path) -> tuple[Any, dict[str, str]]:
    model = analyze(root, overrides=config.load_overrides(root))
    texts = {f"{fmt}{'+explain' if e else ''}": render(model, fmt, explain=e)
             for fmt in ("text", "markdown", "json") for e in (False, True)}
    files = generate_from_model(model, config.load_settings(root))
    texts.update({f.path: f.content for f in files})
    return model, texts


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_ten_forms_never_reach_an_output(case: str, tmp_path: Path) -> None:
    files, value, var = CASES[case]
    model, texts = outputs(make(tmp_path, files))
    for name, text in texts.items():
        assert value not in text, f"{case}: the planted value reached {name}"
    configmap = texts.get("deploy/k8s/base/configmap.yaml", "")
    if var is not None:
        assert var in model.secret_env_names(), f"{case}: {var} is not a secret env var"
        assert f"{var}:" in texts["deploy/k8s/base/secret.yaml"] and f"{var}:" not in configmap
    assert model.secrets_found, f"{case}: the hard-coded secret is not reported"


def test_a_lifted_secret_is_read_from_the_secret_by_the_command(tmp_path: Path) -> None:
    _, texts = outputs(make(tmp_path, CASES["Procfile --private-key"][0]))
    worker = texts["deploy/k8s/base/deployment-worker.yaml"]
    assert "exec python worker.py --private-key=${WORKER_PRIVATE_KEY}" in worker
    assert "key: WORKER_PRIVATE_KEY" in worker  # secretKeyRef: the container env has it for sh to expand


def test_a_placeholder_dsn_never_reaches_the_configmap(tmp_path: Path) -> None:
    files = {".env.example": "DATABASE_URL=postgres://username:password@host/db\nDEBUG=false\n"}
    model, texts = outputs(make(tmp_path, files))
    assert "DATABASE_URL" in model.secret_env_names()
    assert "username:password@" not in texts["deploy/k8s/base/configmap.yaml"]
    assert not model.secrets_found  # a placeholder: nothing to rotate


def test_not_secrets_stay_in_the_configmap(tmp_path: Path) -> None:
    files = {".env.example": "TOKEN_TTL=3600\nSECRET_KEY_FILE=/run/secrets/x\nAUTH_BACKEND=ldap\n"}
    _, texts = outputs(make(tmp_path, files))
    configmap = texts["deploy/k8s/base/configmap.yaml"]
    for line in ("TOKEN_TTL: '3600'", "SECRET_KEY_FILE: /run/secrets/x", "AUTH_BACKEND: ldap"):
        assert line in configmap
