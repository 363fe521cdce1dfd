"""Hostile cases planting the ten secret forms of issue 9; no value may reach any output or written file."""

from __future__ import annotations

import base64
import json

from tests.hostile.case import case
from tests.hostile.tree import Tree

SUDO_PW = "Pl4nted-Sudo-Pw-31"
GETENV_DEFAULT = "Pl4nted-Mail-Key-32"
QUERY_KEY = "Pl4nted-Query-Key-33"
PRIVATE_KEY = "Pl4nted-Priv-Key-34"
MAILGUN = "key-3f1ab2c9d8e7f6a5b4c3d2e1f0a9b8c7"  # Mailgun's format: key- and 32 hex digits
CONN_PW = "Pl4nted-Conn-Pw-36"
URL_PW = "Pl4nted/Url/Pw-37"
DB_PW = "Pl4nted-Db-Pw-38"
APP_KEY = base64.b64encode(b"Pl4nted-App-Key-39-0123456789abcd").decode()
ADMIN_PW = "Pl4nted-Admin-Pw-40"


@case("secrets-fabfile-and-code", "a sudo password piped in a fabfile; an os.getenv default",
      planted=(SUDO_PW, GETENV_DEFAULT))
def _(t: Tree) -> None:
    t.base()
    t.file("fabfile.py", "from fabric.api import env, run, sudo\n\nenv.hosts = ['shop1.example.com']\n\n\n"
                         "def restart():\n"
                         f"    run(\"echo '{SUDO_PW}' | sudo -S systemctl restart shop\")\n")
    t.file("shop/mail.py", f"import os\n\nMAIL_KEY = os.getenv('MAIL_KEY', '{GETENV_DEFAULT}')\n")


@case("secrets-cron-and-procfile", "a key in a crontab URL query string; a Procfile --private-key= option",
      planted=(QUERY_KEY, PRIVATE_KEY))
def _(t: Tree) -> None:
    t.base()
    t.file("crontab", "# ping the monitor\n"
                      f"*/5 * * * * wget -q -O- \"https://hooks.example.com/ping?key={QUERY_KEY}\" >/dev/null\n")
    t.file("Procfile", "web: gunicorn shop.wsgi:application --bind 0.0.0.0:$PORT\n"
                       f"sync: python -m shop.sync --private-key={PRIVATE_KEY} --interval 60\n")


@case("secrets-app-json-and-unit", "an app.json env value in Mailgun's format; a connection string "
      "Password= in a systemd Environment=", planted=(MAILGUN, CONN_PW))
def _(t: Tree) -> None:
    t.base()
    t.file("app.json", json.dumps({"name": "shop", "env": {"MAILER": {"value": MAILGUN}}}, indent=2))
    t.file("deploy/systemd/shop.service", "[Unit]\nDescription=shop web\n[Service]\nUser=shop\n"
           f"Environment=\"ConnectionStrings__Default=Server=db;Database=shop;User Id=shop;Password={CONN_PW};\"\n"
           "ExecStart=/srv/shop/venv/bin/gunicorn shop.wsgi:application --bind 127.0.0.1:8000\n")


@case("secrets-env-forms", "a credential URL whose password holds '/', DB_PW=, APP_KEY=base64:",
      planted=(URL_PW, "Url/Pw-37", DB_PW, APP_KEY))
def _(t: Tree) -> None:
    t.base()
    t.file(".env", f"DATABASE_URL=postgres://shop:{URL_PW}@db:5432/shop\nDB_PW={DB_PW}\n"
                   f"APP_KEY=base64:{APP_KEY}\n")


@case("secrets-migrate-toml", "a migrate.toml [env.ADMIN_PASSWORD] default (issue: shown as not secret)",
      planted=(ADMIN_PW,))
def _(t: Tree) -> None:
    t.base()
    t.file("migrate.toml", f"[env.ADMIN_PASSWORD]\ndefault = \"{ADMIN_PW}\"\n")
